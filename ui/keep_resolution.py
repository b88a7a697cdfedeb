"""Ask the browser to keep the camera's resolution over WebRTC, and send fewer frames when it runs short instead.

A browser's WebRTC encoder that runs short of CPU (or bandwidth) scales the video down by default, to keep its
frame rate: the Live page's server got 480x270 and 240x426 frames from 640x360 and 640x1138 cameras on a
loaded 2-core machine. A small person then has a quarter of the pixels, and the detector misses them where the
engine offline, at the camera's size, finds them (docs/benchmarks.md). The page drops the frames that queue up
behind a slow model anyway, so frames matter less than pixels: the page asks the sender to keep resolution
(``frontend/keep_resolution.js``: the video track's ``contentHint`` "detail", and the sender's
``degradationPreference`` "maintain-resolution" where the browser takes it). A camera larger than
:data:`MAX_PIXELS` is sent scaled down to about that size first, so that the frames it keeps come often enough.
"""

from __future__ import annotations

import functools
from pathlib import Path

import streamlit as st

__all__ = ["MAX_PIXELS", "SCRIPT", "keep_camera_resolution"]

SCRIPT = Path(__file__).with_name("frontend") / "keep_resolution.js"
# A camera of more pixels than this is sent scaled down to about this many (a 640x480 webcam's), and that size is
# kept. Kept whole, the two-person courtyard clip's 640x1138 portrait camera reached the server at 0.9 and 5.1
# frames a second on a busy 2-core machine (the browser dropped frames to keep its pixels), against 3.7 at the
# 240x426 the encoder had scaled it to before (docs/benchmarks.md).
MAX_PIXELS = 640 * 480


@functools.cache
def _html() -> str:
    return f"<script>{SCRIPT.read_text().replace('__MAX_PIXELS__', str(MAX_PIXELS))}</script>"


def keep_camera_resolution() -> None:
    """Put the script on the page (once per page: it watches for the WebRTC component's frames itself)."""
    st.html(_html(), unsafe_allow_javascript=True)
