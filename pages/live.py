"""Live: the browser camera, a local camera or a stream in; the 2D skeleton on the video and
the 3D skeleton beside it out, with FPS and per-stage timings."""

from __future__ import annotations

import os
import time

import streamlit as st

from pose.capture import LatestFrameReader, SourceError
from ui import require_app_entry
from ui.controls import draw_options, estimator_settings, warn_if_untrained
from ui.live_session import browser_camera, session_processor
from ui.readouts import show_readouts, show_skeleton_3d

BROWSER, LOCAL_CAMERA, STREAM = "Browser camera", "Local camera", "Stream or video file"
# Tests stop the OpenCV loop after this many frames (0: run until Stop or the end of the source).
MAX_FRAMES = int(os.environ.get("CONVNEXTPOSE_LIVE_MAX_FRAMES", "0"))


require_app_entry("live")
st.title("Live")
settings = estimator_settings(multiple=st.sidebar.toggle("Compare sizes live", key="live_compare"), key="live_")
draw = draw_options(key="live_")
source = st.radio("Source", [BROWSER, LOCAL_CAMERA, STREAM], horizontal=True, key="live_source")

if not settings.estimators:
    st.info("Choose at least one estimator in the sidebar.")
    st.stop()
holder = session_processor(settings, draw)
if holder is None:
    st.stop()
processor = holder.get()
warn_if_untrained(processor.estimators)
first = processor.estimators[0]
video_col, side_col = st.columns([3, 2])


@st.fragment(run_every=0.5)
def readouts_panel() -> None:
    show_readouts(processor.stats(), first.backend, first.device)
    if holder.ended:
        st.warning("The camera stopped sending video (unplugged, or taken by another app?). Press START again.")


@st.fragment(run_every=1.0)  # a 3D chart redraws slowly in the browser: a bounded rate never starves the video
def skeleton_panel() -> None:
    show_skeleton_3d(processor.stats())


if source == BROWSER:
    with video_col:
        ctx = browser_camera("live-webrtc", holder)
    if ctx.state.playing:
        with side_col:
            skeleton_panel()
        readouts_panel()
    else:
        side_col.info("The 3D skeleton appears here once the camera is running.")
else:
    with st.form("opencv-source"):
        if source == LOCAL_CAMERA:
            target = int(st.number_input("Camera index", min_value=0, max_value=16, value=0, step=1))
        else:
            target = st.text_input("Stream URL or video path", placeholder="rtsp://camera.local/stream or clip.mp4")
        loop = st.checkbox("Loop a video file", value=True)
        started = st.form_submit_button("Start")
    stop = st.button("Stop")
    if stop:
        st.session_state.live_running = False
    elif started:
        st.session_state.live_running = bool(str(target).strip())
        if not st.session_state.live_running:
            st.error("Enter a stream URL or a video file path.")
    if st.session_state.get("live_running"):
        try:
            reader = LatestFrameReader(target, realtime=True, loop=loop)
        except SourceError as exc:
            st.session_state.live_running = False
            st.error(f"{exc}.")
            st.stop()
        frame_slot = video_col.empty()
        with side_col:
            chart_slot = st.empty()
        readout_slot = st.empty()
        last_readout = last_chart = 0.0
        processed = dropped_seen = 0
        try:
            while True:
                frame = reader.read(timeout_s=3.0)
                if frame is None:
                    if reader.ended:
                        if reader.error:
                            st.error(f"{reader.error}.")
                        else:
                            st.info("The stream ended.")
                        break
                    readout_slot.warning("No frames for 3 seconds: is the source still there?")
                    continue
                processor.add_dropped(reader.frames_dropped - dropped_seen)
                dropped_seen = reader.frames_dropped
                annotated = processor.process(frame.image_bgr, frame.timestamp_s)
                frame_slot.image(annotated, channels="BGR", output_format="JPEG")
                processed += 1
                now = time.monotonic()
                if now - last_readout >= 0.5:
                    last_readout = now
                    with readout_slot.container():
                        show_readouts(processor.stats(), first.backend, first.device)
                if now - last_chart >= 1.0:
                    last_chart = now
                    with chart_slot.container():
                        show_skeleton_3d(processor.stats(), key=None)
                if MAX_FRAMES and processed >= MAX_FRAMES:
                    break
        finally:
            reader.close()
        with readout_slot.container():
            show_readouts(processor.stats(), first.backend, first.device)
        st.session_state.live_running = False
