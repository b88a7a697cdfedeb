"""A session's live processor, and the WebRTC frame callback that feeds it (no st.* off the script thread)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

import av
import streamlit as st
from streamlit_webrtc import WebRtcMode, webrtc_streamer

import pose
from pose.draw import DrawOptions
from pose.live import LiveProcessor, trace

from .controls import EstimatorSettings
from .resources import ice_servers


class ProcessorHolder:
    """Hands the current processor to the frame callback, which runs on another thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._processor: LiveProcessor | None = None
        self.ended = False

    def swap(self, processor: LiveProcessor | None) -> None:
        """Install ``processor``; the one it replaces is closed."""
        with self._lock:
            old, self._processor = self._processor, processor
        if old is not None and old is not processor:
            old.close()

    def get(self) -> LiveProcessor | None:
        with self._lock:
            return self._processor


def process_webrtc_frame(live: LiveProcessor | None, frame: av.VideoFrame, dropped_before: int = 0) -> av.VideoFrame:
    """Estimate and draw on one WebRTC frame; its timestamp drives the smoothing."""
    if live is None:
        return frame
    start = time.perf_counter()
    image = frame.to_ndarray(format="bgr24")
    timestamp = float(frame.time) if frame.time is not None else time.monotonic()
    annotated = live.process(image, timestamp, dropped_before=dropped_before)
    out = av.VideoFrame.from_ndarray(annotated, format="bgr24")
    out.pts, out.time_base = frame.pts, frame.time_base
    trace.log_frame(live, image, (time.perf_counter() - start) * 1e3)  # for a measurement that listens
    return out


def queued_frames_callback(holder: ProcessorHolder):
    """A ``queued_video_frames_callback``: the newest frame is processed; the ones that queued up
    behind a slow model are dropped and counted."""

    async def on_frames(frames: list[av.VideoFrame]) -> list[av.VideoFrame]:
        return [process_webrtc_frame(holder.get(), frames[-1], dropped_before=len(frames) - 1)]

    return on_frames


def session_processor(
    settings: EstimatorSettings,
    draw: DrawOptions,
    key: str = "live",
    make: Callable[[Sequence[pose.PoseEstimator]], LiveProcessor] | None = None,
) -> ProcessorHolder | None:
    """This session's holder, its processor rebuilt when the settings change; None (error shown) on failure.

    ``make`` builds the processor from the estimators (default: a :class:`LiveProcessor` drawing ``draw``);
    anything with ``process``, ``stats`` and ``close`` will do.
    """
    holder = st.session_state.setdefault(f"{key}_holder", ProcessorHolder())
    wanted = (settings, draw)
    if st.session_state.get(f"{key}_settings") != wanted or holder.get() is None:
        try:
            estimators = [settings.build(name, live=True) for name in settings.estimators]
        except (pose.CheckpointError, ValueError) as exc:
            st.error(f"Cannot load the model: {exc}")
            return None
        holder.swap(make(estimators) if make else LiveProcessor(estimators, draw))
        st.session_state[f"{key}_settings"] = wanted
    return holder


def browser_camera(key: str, holder: ProcessorHolder):
    """The browser camera over WebRTC, its frames through ``holder``'s processor; returns the streamer's context.

    ``holder.ended`` turns True when the camera stops sending video.
    """

    def on_ended() -> None:
        holder.ended = True

    ctx = webrtc_streamer(
        key=key,
        mode=WebRtcMode.SENDRECV,
        rtc_configuration={"iceServers": ice_servers()},
        media_stream_constraints={"video": True, "audio": False},
        queued_video_frames_callback=queued_frames_callback(holder),
        on_video_ended=on_ended,
        async_processing=True,
    )
    st.caption(
        "Press START and allow the camera. If the browser refuses it: allow camera access for this site; "
        "browsers only offer cameras on https:// or localhost (see the README for remote hosting)."
    )
    if ctx.state.playing:
        holder.ended = False
    return ctx
