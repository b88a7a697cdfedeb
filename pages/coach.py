"""Coach: the paper's AR-fitness application. Strike the reference pose in front of the camera: every limb is
coloured by how far it is off, the score and the hold timer run, and repetitions of an exercise are counted."""

from __future__ import annotations

import streamlit as st

from pose.coach.exercises import EXERCISES
from pose.coach.live import CoachProcessor
from pose.draw import DrawOptions
from ui import require_app_entry
from ui.coach_readouts import show_coach_readouts, show_comparison_3d
from ui.coach_reference import reference_image, reference_pose
from ui.controls import estimator_label, estimator_settings
from ui.live_session import browser_camera, session_processor

NO_EXERCISE = "(none)"

require_app_entry("coach")
st.title("Coach")
settings = estimator_settings(key="coach_")
holder = session_processor(settings, DrawOptions(), key="coach", make=lambda estimators: CoachProcessor(estimators[0]))
if holder is None:
    st.stop()
processor: CoachProcessor = holder.get()
notes = st.container()  # one element, the banner or not: the camera below keeps its place, and its stream
if not processor.estimator.trained:
    notes.warning(
        f"**{estimator_label(processor.estimator.variant)} has no trained weights**: its skeleton is meaningless, "
        "and so are the score and the counts. Choose BlazePose (bundled) in the sidebar, or add the weights "
        "on the **Models** page.",
        icon="⚠️",
    )

st.subheader("1. Reference pose")
ref_col, ref_3d_col = st.columns([3, 2])
with ref_col:
    image = reference_image()
    reference = reference_pose(settings, image) if image is not None else None

st.subheader("2. What to coach")
cols = st.columns(3)
exercise = cols[0].selectbox(
    "Count repetitions of",
    [NO_EXERCISE, *EXERCISES],
    format_func=lambda name: name if name == NO_EXERCISE else f"{name} ({EXERCISES[name].hint})",
    key="coach_exercise",
)
mirror = cols[1].toggle(
    "Mirror the reference", key="coach_mirror", help="Swap left and right: for following the reference like a mirror."
)
hold_threshold = cols[2].slider("Hold: score at least", 50, 100, 80, key="coach_hold")
processor.configure(
    reference=reference,
    exercise=None if exercise == NO_EXERCISE else exercise,
    mirror=mirror,
    hold_threshold=float(hold_threshold),
)
with ref_3d_col:
    if reference is not None:
        show_comparison_3d(None, reference.keypoints_rel, key="coach-reference-3d", in_place=False)

st.subheader("3. Live")
video_col, side_col = st.columns([3, 2])


@st.fragment(run_every=0.5)
def readouts_panel() -> None:
    show_coach_readouts(processor.stats(), has_reference=reference is not None)
    if holder.ended:
        st.warning("The camera stopped sending video (unplugged, or taken by another app?). Press START again.")


@st.fragment(run_every=1.0)  # a 3D chart redraws slowly in the browser: a bounded rate never starves the video
def comparison_panel() -> None:
    show_comparison_3d(processor.stats(), reference.keypoints_rel if reference is not None else None)


with video_col:
    ctx = browser_camera("coach-webrtc", holder)
if ctx.state.playing:
    with side_col:
        comparison_panel()
    readouts_panel()
else:
    side_col.info("Your skeleton, with the reference over it, appears here once the camera is running.")

export_col, reset_col = st.columns(2)
export_col.download_button(
    "Download the session (CSV)",
    data=processor.session_csv,
    file_name="coach-session.csv",
    mime="text/csv",
    on_click="ignore",
    help="Time, score, hold, repetitions and each limb's error, one row per frame.",
)
if reset_col.button("Start a new session", help="Repetitions, holds and the log back to zero."):
    processor.reset_session()
