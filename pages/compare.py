"""Compare: every chosen estimator on exactly the same frames; speed measured here, accuracy from the paper
(and measured on the user's annotated photos or Human3.6M), agreement between estimators."""

from __future__ import annotations

import json
from dataclasses import replace

import cv2
import numpy as np
import streamlit as st

import pose
from pose.detect import describe_detector, detector_setting, is_bundled
from pose.measure.compare import agreement, compare
from pose.measure.evaluate import evaluate_folder
from pose.measure.samples import moving_person_frames
from pose.video import VideoError, probe, read_frames
from ui import require_app_entry
from ui.compare_charts import (
    agreement_heatmap,
    comparison_table,
    latency_bars,
    latency_lines,
    overlay,
    skeletons_side_by_side,
    speed_accuracy,
)
from ui.controls import auto_choices, estimator_label, estimator_settings
from ui.photo_accuracy import photo_accuracy
from ui.tables import shown
from ui.video_job import VIDEO_TYPES, save_upload

SAMPLE, UPLOAD, SNAPSHOT = "Sample clip (generated)", "Uploaded video", "Camera snapshot"


def _video_frames(path, count: int) -> tuple[list, list[float]]:
    """The first ``count`` frames of a video, and their times in seconds."""
    decoded = [(image, t_s) for _, t_s, image in read_frames(path, stop=count)]
    return [image for image, _ in decoded], [t_s for _, t_s in decoded]


require_app_entry("compare")
st.title("Compare sizes")
# Every estimator: an untrained size's speed is real (the selector marks it untrained). The agreement
# reference follows the default's rule: the most accurate trained size.
settings = estimator_settings(multiple=True, default=pose.ESTIMATORS, key="compare_")

source = st.radio("Frames", [SAMPLE, UPLOAD, SNAPSHOT], horizontal=True, key="compare_source")
load_frames = None  # decoding waits for "Run the comparison"; it gives (frames, their times or None)
if source == SAMPLE:
    count = st.slider(
        "Frames of the generated clip (a person photo gliding across 640x480)", 10, 300, 60, key="compare_count"
    )
    load_frames = lambda: (list(moving_person_frames(count)), None)
elif source == UPLOAD:
    uploaded = st.file_uploader("Video", type=list(VIDEO_TYPES), key="compare_video")
    if uploaded is not None:
        path, _ = save_upload(uploaded)
        try:
            info = probe(path)
            st.caption(f"{info.width}x{info.height} {info.codec}, {info.fps:.2f} fps, {info.frame_count} frames")
            most = min(300, info.frame_count) if info.frame_count > 0 else 300  # a count the container may not give
            count = (
                st.slider("Frames to use from the start", 10, most, min(90, most), key="compare_video_count")
                if most > 10
                else most
            )
            load_frames = lambda: _video_frames(path, count)
        except VideoError as exc:
            st.error(f"**{uploaded.name}** cannot be used: {str(exc).split(': ', 1)[-1]}.")
else:
    shot = st.camera_input("Take a snapshot")
    if shot is not None:
        image = cv2.imdecode(np.frombuffer(shot.getvalue(), np.uint8), cv2.IMREAD_COLOR)
        if image is None:
            st.error("The snapshot could not be decoded as an image.")
        else:
            load_frames = lambda: ([image], None)

with st.expander("Measured accuracy (your annotated photos, or Human3.6M)"):
    photo_accuracy(settings)
    st.divider()
    st.markdown(
        "**Human3.6M**: upload the JSON that `python -m pose.evaluate --json` writes, or give the Human3.6M "
        "folder (reference layout) to evaluate the trained sizes here."
    )
    measured = st.session_state.setdefault("compare_measured", {})
    for result_file in (
        st.file_uploader("Evaluation results", type=["json"], accept_multiple_files=True, key="compare_results") or []
    ):
        try:
            payload = json.loads(result_file.getvalue())
            measured[payload["variant"]] = payload["overall"]
        except (ValueError, KeyError, TypeError) as exc:
            st.error(f"**{result_file.name}** is not a pose.evaluate results file ({exc}).")
    data_dir = st.text_input("Human3.6M folder", key="compare_h36m")
    if st.button("Evaluate the trained sizes", disabled=not data_dir):
        for name in [n for n in settings.estimators if n in pose.VARIANTS]:
            try:
                runner = settings.runner(name)
                if not runner.trained:
                    continue
                with st.spinner(f"Evaluating {pose.estimator_title(name)}..."):
                    measured[name] = evaluate_folder(data_dir, runner)
            except (pose.CheckpointError, FileNotFoundError, ValueError, KeyError) as exc:
                st.error(f"Evaluation of {pose.estimator_title(name)} failed: {exc}")
                break
    if measured:
        st.json(measured, expanded=False)

names = [n for n in settings.estimators]
if not names:
    st.info("Choose the estimators to compare in the sidebar.")
    st.stop()
if st.button("Run the comparison", type="primary", disabled=load_frames is None):
    frames, timestamps_s = load_frames()
    if not frames:
        st.error("No frames could be decoded from this video.")
        st.stop()
    bar = st.progress(0.0, text="Detecting...")
    done_before = {n: i for i, n in enumerate(names)}

    def progress(name: str, done: int, total: int) -> None:
        bar.progress(
            (done_before[name] + done / total) / len(names), text=f"{estimator_label(name)}: frame {done} of {total}"
        )

    def make(name, detector):
        runner = settings.runner(name)
        config = replace(settings.config, detect_every=1, smoothing=False)
        return pose.PoseEstimator(name, config=config, runner=runner, detector=detector)

    try:
        measured = compare(frames, names, make, timestamps_s=timestamps_s, progress=progress)
        st.session_state.compare_run = (frames, measured, settings, source)
        # the detector of this run, not whichever is set when the results are shown again
        st.session_state.compare_detector = (describe_detector(), is_bundled(detector_setting()))
    except (pose.CheckpointError, ValueError) as exc:
        st.error(f"Cannot run the comparison: {exc}")
    bar.empty()

if "compare_run" not in st.session_state:
    st.stop()
frames, measurements, run_settings, run_source = st.session_state.compare_run
run_detector, run_detector_bundled = st.session_state.compare_detector
agree = agreement(measurements)
untrained = [n for n, m in measurements.items() if not m.trained]
if untrained:
    st.warning(
        f"Untrained: {', '.join(estimator_label(n) for n in untrained)}. Their speed is real; their "
        "skeletons, and so every agreement figure involving them, are not."
    )
table = comparison_table(measurements, agree, st.session_state.get("compare_measured", {}))
st.subheader("Results")
st.caption(
    f"{len(frames)} frames ({run_source}); person detector for every estimator: {run_detector}. "
    "ConvNeXtPose sizes crop the same boxes from one shared detection pass (its time is "
    "in every size's detect column). Agreement columns are agreement between estimators, not accuracy."
)
st.dataframe(shown(table), hide_index=True)
sizes = [n for n in measurements if n in pose.VARIANTS]
for line in auto_choices([run_settings.runner(n) for n in sizes]):
    st.caption(line)
if pose.BLAZEPOSE in measurements and sizes:
    blaze = measurements[pose.BLAZEPOSE]
    st.caption(
        "Cost per person found, end to end: "
        + ", ".join(f"{estimator_label(n)} {measurements[n].ms_per_person:.1f} ms" for n in [*sizes, pose.BLAZEPOSE])
        + ". BlazePose's grows with the crowd: "
        + (
            "its detector checks each view with the landmark model "
            if run_detector_bundled
            else "its landmark model looks at each of the detector's boxes "
        )
        + f"({blaze.detect_ms_when_run:.0f} ms a detection here"
        + (
            f"; between detections the landmark model follows each person, {blaze.pose_ms_per_person:.0f} ms a person"
            if np.isfinite(blaze.pose_ms_per_person)
            else ", on every frame"
        )
        + "); ConvNeXtPose crops every person of a frame into one network call."
    )
left, right = st.columns(2)
left.plotly_chart(latency_bars(measurements), key="compare-latency")
right.plotly_chart(speed_accuracy(measurements), key="compare-pareto")
off_chart = [estimator_label(n) for n in measurements if n not in sizes]
if off_chart:  # the chart's accuracy is the paper's Human3.6M MPJPE, which only the ConvNeXtPose sizes have
    right.caption(
        f"Not on this chart: {', '.join(off_chart)} (no published Human3.6M MPJPE); measure accuracy on annotated "
        "photos under *Measured accuracy* above."
    )
st.plotly_chart(latency_lines(measurements), key="compare-lines")

st.subheader("The same frame, every estimator")
st.caption(
    "The pictures draw everyone each estimator found, tagged with its track id; the 3D scenes show each one's "
    "first person (the lowest id), whom the agreement figures below follow."
)
frame = st.slider("Frame", 0, len(frames) - 1, 0, key="compare_frame") if len(frames) > 1 else 0
st.plotly_chart(skeletons_side_by_side(measurements, frame), key="compare-3d")
grid = st.columns(min(len(measurements), 5))
for col, (name, m) in zip(grid, measurements.items()):
    col.image(overlay(frames[frame], m, frame), channels="BGR", caption=estimator_label(name))

st.subheader("Agreement and stability")
if agree["reference"] is None:
    with_blazepose = pose.BLAZEPOSE in measurements and len(measurements) > 1
    st.info(
        "No trained ConvNeXtPose size in this run, so no reference to measure each joint's agreement against: "
        "an untrained skeleton is none."
        + (" The table's BlazePose columns compare each size with BlazePose." if with_blazepose else "")
    )
else:
    st.plotly_chart(agreement_heatmap(agree), key="compare-agreement")

settings_json = {
    "estimators": names,
    "backend": run_settings.config.backend,
    "device": run_settings.config.device,
    "precision": run_settings.config.precision,
    "flip_test": run_settings.config.flip_test,
    "fov_deg": run_settings.config.fov_deg,
    "focal_px": run_settings.config.focal_px,
    "frames": len(frames),
    "source": run_source,
    "agreement_reference": agree["reference"],
    "devices": {n: f"{m.device}/{m.backend}/{m.precision}" for n, m in measurements.items()},
}
d1, d2 = st.columns(2)
d1.download_button("Table (CSV)", table.to_csv(index=False), "comparison.csv", "text/csv")
d2.download_button(
    "Settings (JSON)", json.dumps(settings_json, indent=2), "comparison-settings.json", "application/json"
)
