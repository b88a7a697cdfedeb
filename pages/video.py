"""Video: upload a recording; get the annotated video, the 3D skeleton animated, joint angles, and the keypoints."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import pose
from pose.angles import joint_angles
from pose.render import skeleton_animation
from pose.video import VideoError, VideoRun, probe
from ui import require_app_entry
from ui.controls import estimator_label, estimator_settings
from ui.video_job import VIDEO_TYPES, VideoJob, save_upload

require_app_entry("video")
st.title("Video")
limit_mb = st.get_option("server.maxUploadSize")
st.caption(f"Upload an {', '.join(VIDEO_TYPES)} file of up to {limit_mb} MB. It stays private to this session.")
settings = estimator_settings(multiple=True, default=("XS",), key="video_")

uploaded = st.file_uploader("Video file", type=list(VIDEO_TYPES), key="video_upload")
if uploaded is None:
    st.info("Upload a video to begin: a workout, a dance, a lab trial.")
    st.stop()
path, digest = save_upload(uploaded)
try:
    info = probe(path)
except VideoError as exc:
    st.error(f"**{uploaded.name}** cannot be used: {str(exc).split(': ', 1)[-1]}.")
    st.stop()

cols = st.columns(6)
cols[0].metric("Duration", f"{info.duration_s:.1f} s")
cols[1].metric("Frame rate", f"{info.fps:.2f}")
cols[2].metric("Resolution", f"{info.width}x{info.height}")
cols[3].metric("Codec", info.codec)
cols[4].metric("Rotation", f"{info.rotation}°")
cols[5].metric("Frames", info.frame_count)

last = max(info.frame_count, 1)
with st.expander("Frame range and stride", expanded=info.frame_count > 900):
    first_frame, end_frame = st.slider("Frames", 0, last, (0, last), key="video_range")
    stride = st.number_input("Process every Nth frame", 1, 30, 1, key="video_stride")

if not settings.estimators:
    st.info("Choose at least one estimator in the sidebar.")
    st.stop()

job: VideoJob | None = st.session_state.get("video_job")
if job is not None and job.digest != digest:
    job.cancel.set()
    job = st.session_state.video_job = None

if st.button("Process", type="primary", disabled=bool(job and not job.done)):
    job = VideoJob(path, digest, settings, first_frame, end_frame if end_frame < last else None, int(stride))
    try:
        job.launch()
    except (pose.CheckpointError, ValueError) as exc:
        st.error(f"Cannot load the model: {exc}")
        st.stop()
    st.session_state.video_job = job


@st.fragment(run_every=0.5)
def progress_panel(job: VideoJob) -> None:
    run = job.runs.get(job.current)
    done = run.frames_done if run else 0
    total = run.frames_total if run and run.frames_total else 1
    fps = done / run.wall_s if run and run.wall_s else 0.0
    left = (total - done) / fps if fps else float("nan")
    st.progress(
        min(done / total, 1.0),
        text=f"{estimator_label(job.current)}: {done} of {total} frames, {fps:.1f} frames/s, {left:.0f} s left"
        if fps
        else f"{estimator_label(job.current)}: starting...",
    )
    if st.button("Cancel", key="video_cancel"):
        job.cancel.set()
    if job.done:
        st.rerun()


if job is not None and not job.done:
    progress_panel(job)
    st.stop()
if job is None:
    st.stop()

if job.error:
    st.error(f"Processing failed: {job.error}")
if job.reused:
    st.caption(f"Reused earlier results for {', '.join(job.reused)} (same file, same settings).")


def show_run(run: VideoRun) -> None:
    if run.cancelled:
        st.warning(f"Cancelled: the first {run.frames_done} frames were processed and are kept below.")
    if run.stopped_early:
        st.warning(f"The file breaks off: {run.stopped_early}. Everything before it was processed.")
    if not run.trained:
        st.warning(f"ConvNeXtPose-{run.estimator} ran untrained weights: the skeleton is meaningless.")
    if run.frames_with_person == 0:
        st.info("No person was found in any frame.")
    speed = run.frames_done / max(run.wall_s, 1e-9)
    st.caption(
        f"{run.frames_done} frames ({run.frames_with_person} with a person) in {run.wall_s:.1f} s: "
        f"{speed:.1f} frames/s on {run.settings.get('device')} / {run.settings.get('backend')}."
    )
    video_col, anim_col = st.columns(2)
    if run.video_path is not None:
        video_col.video(str(run.video_path))
    rel = np.stack(run.keypoints_rel)
    anim_col.plotly_chart(skeleton_animation(rel, run.frame_indices), key=f"anim-{run.estimator}")
    angles = joint_angles(np.stack(run.keypoints_3d))
    table = pd.DataFrame(angles, index=pd.Index(run.frame_indices, name="frame"))
    angle_col, time_col = st.columns(2)
    angle_col.markdown("**Joint angles (degrees)**")
    angle_col.line_chart(table, height=260)
    figure = go.Figure(go.Scatter(x=run.frame_indices, y=run.process_ms, mode="lines"))
    figure.update_layout(height=260, margin=dict(l=0, r=0, t=10, b=0), xaxis_title="frame", yaxis_title="ms per frame")
    time_col.markdown("**Processing time per frame**")
    time_col.plotly_chart(figure, key=f"time-{run.estimator}")
    stem = f"{uploaded.name.rsplit('.', 1)[0]}-{run.estimator}"
    d1, d2, d3 = st.columns(3)
    if run.video_path is not None:
        d1.download_button(
            "Annotated MP4", run.video_path.read_bytes(), f"{stem}.mp4", "video/mp4", key=f"mp4-{run.estimator}"
        )
    d2.download_button(
        "Keypoints CSV", run.csv_path.read_bytes(), f"{stem}.csv", "text/csv", key=f"csv-{run.estimator}"
    )
    d3.download_button(
        "Keypoints JSON", run.json_path.read_bytes(), f"{stem}.json", "application/json", key=f"json-{run.estimator}"
    )


finished = [name for name in job.settings.estimators if name in job.runs and job.runs[name].csv_path is not None]
if finished:
    for tab, name in zip(st.tabs([estimator_label(n) for n in finished]), finished):
        with tab:
            show_run(job.runs[name])
