"""Live: the browser camera, a local camera or a stream in; the 2D skeleton on the video and
the 3D skeleton beside it out, with FPS and per-stage timings."""

from __future__ import annotations

import time

import streamlit as st

from pose.live.capture import SourceError, check_source
from pose.live.source import LiveSource, SourceState
from ui import require_app_entry
from ui.calibration import calibration_panel
from ui.controls import draw_options, estimator_settings, warn_if_untrained
from ui.live_session import browser_camera, session_processor
from ui.motion_files import recording_panel, recording_processor, session_recorder
from ui.readouts import (
    FPS_CHART_EVERY_S,
    SKELETON_3D_OFF,
    SKELETON_3D_WAITING,
    show_fps_history,
    show_readouts,
    show_skeleton_3d,
    skeleton_3d_every,
)
from ui.resources import live_max_frames, open_sources_policy

BROWSER, LOCAL_CAMERA, STREAM = "Browser camera", "Local camera", "Stream or video file"
SHOW_STATE = {  # how each state of an OpenCV source is shown in its slot
    SourceState.CONNECTING: lambda slot, message: slot.info(message, icon=":material/hourglass_top:"),
    SourceState.PLAYING: lambda slot, message: slot.caption(message),
    SourceState.STALLED: lambda slot, message: slot.warning(message),
    SourceState.ENDED: lambda slot, message: slot.info(message),
    SourceState.LOST: lambda slot, message: slot.error(f"{message} Press Start again."),
    SourceState.FAILED: lambda slot, message: slot.error(message),
}


require_app_entry("live")
st.title("Live")
settings = estimator_settings(multiple=st.sidebar.toggle("Compare sizes live", key="live_compare"), key="live_")
draw = draw_options(key="live_")
chart_every = skeleton_3d_every(key="live_")
source = st.radio("Source", [BROWSER, LOCAL_CAMERA, STREAM], horizontal=True, key="live_source")

if not settings.estimators:
    st.info("Choose at least one estimator in the sidebar.")
    st.stop()
recorder = session_recorder()
holder = session_processor(settings, draw, make=recording_processor(recorder, draw))
if holder is None:
    st.stop()
processor = holder.get()
with st.container():  # one element whatever the notes: the camera below keeps its place, and its stream
    warn_if_untrained(processor.estimators)
first = processor.estimators[0]
with st.sidebar:  # beside the focal length it sets
    calibration_panel(holder, settings)
video_col, side_col = st.columns([3, 2])


@st.fragment(run_every=0.5)
def readouts_panel() -> None:
    show_readouts(processor.stats(), first.backend, first.device)
    if holder.ended:
        st.warning("The camera stopped sending video (unplugged, or taken by another app?). Press START again.")


@st.fragment(run_every=FPS_CHART_EVERY_S)
def fps_chart_panel() -> None:
    show_fps_history(processor.stats())


@st.fragment(run_every=1.0)  # the take's length while recording; its files once it ends
def record_panel(playing: bool) -> None:  # only while the camera plays
    recording_panel(recorder, playing)


@st.fragment(run_every=chart_every)
def skeleton_panel() -> None:
    show_skeleton_3d(processor.stats(), chart_every)


if source == BROWSER:
    with video_col:
        ctx = browser_camera("live-webrtc", holder)
    if ctx.state.playing and not st.session_state.get("live_webrtc_was_playing"):
        processor.restart()  # started (again): its own counts and ids, not the last run's
    st.session_state["live_webrtc_was_playing"] = ctx.state.playing
    if ctx.state.playing:
        with side_col:
            if chart_every is None:
                st.caption(SKELETON_3D_OFF)
            else:
                skeleton_panel()
        readouts_panel()
        fps_chart_panel()
        record_panel(True)
    else:
        side_col.info(SKELETON_3D_WAITING)
        recording_panel(recorder, False)  # no timer here: one left running would rerun another source's loop
else:
    policy = open_sources_policy()
    with st.form("opencv-source"):
        if source == LOCAL_CAMERA:
            target = int(st.number_input("Camera index", min_value=0, max_value=16, value=0, step=1))
        else:
            target = st.text_input("Stream URL or video path", placeholder="rtsp://camera.local/stream or clip.mp4")
            if not policy.allows_any:
                st.caption(f"Refused here: {policy.reason}.")
        loop = source != LOCAL_CAMERA and st.checkbox("Loop a video file", value=True)  # a camera does not end
        started = st.form_submit_button("Start")
    if st.button("Stop"):
        st.session_state.pop("live_running", None)
    elif started:
        st.session_state.pop("live_running", None)
        try:
            st.session_state.live_running = (source, target if source == LOCAL_CAMERA else check_source(target, policy))
            processor.restart()  # a new run: its own counts and ids
        except SourceError as exc:
            st.error(exc.sentence())
    running_source, running = st.session_state.get("live_running", (None, None))
    if running_source == source:  # runs on across reruns (a changed setting) until Stop or the end
        frame_slot = video_col.empty()
        with side_col:
            chart_slot = st.empty()
            if chart_every is None:
                chart_slot.caption(SKELETON_3D_OFF)
        status_slot, readout_slot, fps_chart_slot, record_slot = st.empty(), st.empty(), st.empty(), st.empty()
        with record_slot.container():  # a click reruns the page, and the source with it
            recording_panel(recorder, True, key="live_source")
        last_readout = last_chart = last_fps_chart = 0.0
        charts = 0  # each redraw in this run is a new element: identical figures (nobody yet) must not clash
        shown = False  # a source that never gave a frame has nothing to read out
        with LiveSource(running, processor.process, loop=loop, max_frames=live_max_frames()) as live:
            for update in live.updates():
                if update.frame_bgr is not None:
                    shown = True
                    frame_slot.image(update.frame_bgr, channels="BGR", output_format="JPEG")
                SHOW_STATE[update.state](status_slot, update.message)
                now = time.monotonic()
                if shown and (update.finished or now - last_readout >= 0.5):
                    last_readout = now
                    with readout_slot.container():
                        show_readouts(processor.stats(), first.backend, first.device)
                if shown and (update.finished or now - last_fps_chart >= FPS_CHART_EVERY_S):
                    last_fps_chart = now
                    with fps_chart_slot.container():
                        show_fps_history(processor.stats())
                if chart_every is not None and update.frame_bgr is not None and now - last_chart >= chart_every:
                    last_chart, charts = now, charts + 1
                    with chart_slot.container():
                        show_skeleton_3d(processor.stats(), chart_every, key=f"live-3d-source-{charts}", in_place=False)
        st.session_state.pop("live_running", None)
        with record_slot.container():  # the source ended: the take's files, in the Record button's place
            recording_panel(recorder, False, key="live_source_end")
    else:
        recording_panel(recorder, False, key="live_source_idle")  # stopped: the take's files
