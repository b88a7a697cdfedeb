"""Video: upload one recording or several; get annotated videos, the 3D skeleton animated, joint angles,
the keypoints, and a zip of everything."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import pose
from pose.draw import skeleton_animation
from ui import require_app_entry
from ui.controls import estimator_label, estimator_settings
from ui.motion_files import motion_downloads
from ui.video_charts import flexion_chart, frame_times_chart
from ui.video_job import (
    VIDEO_TYPES,
    ItemState,
    Upload,
    VideoJob,
    load_people,
    load_track,
    probe_upload,
    session_upload_dir,
)  # fmt: skip

require_app_entry("video")
st.title("Video")
limit_mb = st.get_option("server.maxUploadSize")
st.caption(
    f"Upload one or several {', '.join(VIDEO_TYPES)} files of up to {limit_mb} MB each. They stay private to this "
    "session."
)
settings = estimator_settings(multiple=True, key="video_")

files = st.file_uploader("Video files", type=list(VIDEO_TYPES), accept_multiple_files=True, key="video_upload")
if not files:
    st.info("Upload a video to begin: a workout, a dance, a lab trial. Several files are processed as one batch.")
    st.stop()
probed = [(f.name, probe_upload(f)) for f in files]
for name, result in probed:
    if not isinstance(result, Upload):
        st.error(f"**{name}** cannot be used: {result}.")
uploads = tuple(u for _, u in probed if isinstance(u, Upload))
if not uploads:
    st.stop()

if len(uploads) == 1:
    info = uploads[0].info
    # the resolution's column twice as wide: in a sixth of the page "1080x1920" showed as "1080x1…"
    cols = st.columns([1, 1, 2, 1, 1, 1])
    cols[0].metric("Duration", f"{info.duration_s:.1f} s")
    cols[1].metric("Frame rate", f"{info.fps:.2f}")
    cols[2].metric("Resolution", f"{info.width}x{info.height}")
    cols[3].metric("Codec", info.codec)
    cols[4].metric("Rotation", f"{info.rotation}°")
    cols[5].metric("Frames", info.frames_text)
else:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "file": u.name,
                    "duration (s)": round(u.info.duration_s, 1),
                    "frame rate": round(u.info.fps, 2),
                    "resolution": f"{u.info.width}x{u.info.height}",
                    "codec": u.info.codec,
                    "frames": u.info.frames_text,
                }
                for u in uploads
            ]
        ),
        hide_index=True,
    )

first_frame, end_frame, last = 0, None, max(uploads[0].info.frame_count, 1)
with st.expander("Frame range and stride", expanded=len(uploads) == 1 and uploads[0].info.frame_count > 900):
    if len(uploads) == 1:
        first_frame, end_frame = st.slider("Frames", 0, last, (0, last), key="video_range")
    stride = st.number_input("Process every Nth frame", 1, 30, 1, key="video_stride")

if not settings.estimators:
    st.info("Choose at least one estimator in the sidebar.")
    st.stop()

job: VideoJob | None = st.session_state.get("video_job")
if job is not None and {u.digest for u in job.uploads} != {u.digest for u in uploads}:
    job.release()
    job = st.session_state.video_job = None

if st.button("Process", type="primary", disabled=bool(job and not job.state.done)):
    if job is not None:
        job.release()
    stop = end_frame if end_frame is not None and end_frame < last else None
    job = VideoJob(uploads, settings, session_upload_dir(), first_frame, stop, int(stride))
    try:
        job.launch()
    except (pose.CheckpointError, ValueError) as exc:
        st.error(f"Cannot load the model: {exc}")
        st.stop()
    st.session_state.video_job = job
    st.rerun()  # drawn again with Process disabled: the progress panel reruns alone, and a second click restarted


def progress_text(item: ItemState) -> str:
    label = f"{item.file} · {estimator_label(item.estimator)}"
    p = item.progress
    if item.outcome is not None:
        return f"{label}: {item.status}" + (f" ({item.outcome.error})" if item.outcome.error else "")
    if p is None or not p.fps:
        return f"{label}: {'starting...' if item.status == 'running' else 'waiting'}"
    about = "" if p.total_exact else "about "
    left = (p.frames_total - p.frames_done) / p.fps
    return f"{label}: {p.frames_done} of {about}{p.frames_total} frames, {p.fps:.1f} frames/s, {left:.0f} s left"


@st.fragment(run_every=0.5)
def progress_panel(job: VideoJob) -> None:
    state = job.state
    for item in state.items:
        fraction = 1.0 if item.outcome is not None else (item.progress.fraction if item.progress else 0.0)
        st.progress(fraction, text=progress_text(item))
    if st.button("Cancel", key="video_cancel"):
        job.cancel.set()
    if state.done:
        st.rerun()


if job is not None and not job.state.done:
    progress_panel(job)
    st.stop()
if job is None:
    st.stop()

state = job.state
if state.error:
    st.error(f"Processing failed: {state.error}")
reused = sorted({f"{i.file} · {estimator_label(i.estimator)}" for i in state.items if i.reused})
if reused:
    st.caption(f"Reused earlier results for {', '.join(reused)} (same file, same settings).")
outcomes = [i for i in state.items if i.outcome is not None]
if len(outcomes) > 1:
    st.dataframe(
        pd.DataFrame([{**i.outcome.row(), "estimator": i.estimator} for i in outcomes]),
        hide_index=True,
        column_order=("input", "estimator", "status", "frames", "people", "seconds", "frames_per_s", "error"),
        column_config={"frames_per_s": st.column_config.NumberColumn("frames per second", format="%.1f")},
    )
if state.zip_path is not None and state.zip_path.exists():
    st.download_button(
        "All outputs (zip)", state.zip_path.read_bytes(), "pose-outputs.zip", "application/zip", key="video_zip"
    )


def show_run(item: ItemState) -> None:
    run = item.outcome.run
    if run.cancelled:
        st.warning(f"Cancelled: the first {run.frames_done} frames were processed and are kept below.")
    if run.stopped_early:
        st.warning(f"The file breaks off: {run.stopped_early}. Everything before it was processed.")
    if not run.trained:
        st.warning(f"{pose.estimator_title(run.estimator)} ran untrained weights: the skeleton is meaningless.")
    if run.frames_with_person == 0:
        st.info("No person was found in any frame.")
    ran_on = run.settings.get("ran_on", {})
    st.caption(
        f"{run.counts} in "
        f"{run.wall_s:.1f} s: {run.fps:.1f} frames/s on {ran_on.get('device')} / {ran_on.get('backend')}."
    )
    key = f"{item.file}-{run.estimator}-{run.json_path.parent.name}"  # the run's own folder: ids are a run's
    people = load_people(str(run.json_path))
    person = None
    if len(people) > 1:  # one choice for the 3D skeleton, the joint angles and the motion files
        person = st.selectbox(
            "Person", list(people), format_func=lambda p: f"#{p} on the video ({people[p]} frames)",
            key=f"person-{key}",
        )  # fmt: skip
    track = load_track(str(run.json_path), person)
    video_col, anim_col = st.columns(2)
    video_col.video(str(run.video_path))
    angle_col, time_col = st.columns(2)
    if track.person is None:  # nobody to animate or to measure angles of: the video and the times remain
        anim_col.caption("No 3D skeleton to show: nobody was found.")
    else:
        anim_col.plotly_chart(skeleton_animation(track.keypoints_rel, track.frame_indices), key=f"anim-{key}")
        angle_col.markdown(f"**Joint flexion (degrees, 0 = straight)**, person #{track.person}")
        angle_col.plotly_chart(flexion_chart(track.frame_indices, track.keypoints_3d), key=f"angles-{key}")
    time_col.markdown("**Processing time per frame**")
    time_col.plotly_chart(frame_times_chart(track.frame_indices, track.process_ms), key=f"time-{key}")
    stem = f"{item.file.rsplit('.', 1)[0]}-{run.estimator}"
    d1, d2, d3 = st.columns(3)
    d1.download_button("Annotated MP4", run.video_path.read_bytes(), f"{stem}.mp4", "video/mp4", key=f"mp4-{key}")
    d2.download_button("Keypoints CSV", run.csv_path.read_bytes(), f"{stem}.csv", "text/csv", key=f"csv-{key}")
    d3.download_button(
        "Keypoints JSON", run.json_path.read_bytes(), f"{stem}.json", "application/json", key=f"json-{key}"
    )
    motion_downloads(run.motion_paths, stem, key, track.person)


shown = [i.file for i in outcomes if i.outcome.run is not None]
if shown:
    names = list(dict.fromkeys(shown))
    file = names[0] if len(names) == 1 else st.selectbox("Show the results of", names, key="video_show")
    items = [i for i in outcomes if i.file == file and i.outcome.run is not None]
    for tab, item in zip(st.tabs([estimator_label(i.estimator) for i in items]), items):
        with tab:
            show_run(item)
