"""Videos made by the tests: a person photo moving across, in several containers and codecs; frames of the
real clips in ../shared/videos as a camera would show them."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np


def write_av(
    path: Path,
    frames,
    codec: str = "libx264",
    fps: int = 30,
    rotation: int = 0,
    pix_fmt: str = "yuv420p",
    options: dict[str, str] | None = None,
) -> Path:
    """Encode BGR frames with PyAV; ``rotation`` sets the display matrix (counter-clockwise degrees), ``options``
    are the container's (as ``{"movflags": "+faststart"}``)."""
    height, width = frames[0].shape[:2]
    with av.open(str(path), "w", options=options or {}) as container:
        stream = container.add_stream(codec, rate=Fraction(fps, 1))
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        if rotation:
            stream.set_display_rotation(rotation)
        for frame in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="bgr24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def write_mp4(path: Path, frames, fps: int = 30, faststart: bool = False) -> Path:
    """H.264 MP4 with its index (moov) at the front (faststart, as web exports) or at the end (as phones record)."""
    return write_av(path, frames, fps=fps, options={"movflags": "+faststart"} if faststart else None)


def write_vfr(path: Path, frames, times_s, codec: str = "libx264", rate: int = 1000) -> Path:
    """Encode BGR frames at ``times_s`` on a millisecond clock: a variable frame rate, as browsers record."""
    height, width = frames[0].shape[:2]
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=rate)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 1000)
        for t, frame in zip(times_s, frames):
            video_frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="bgr24")
            video_frame.pts, video_frame.time_base = int(round(t * 1000)), Fraction(1, 1000)
            for packet in stream.encode(video_frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def letterbox(frame_bgr: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``frame_bgr`` scaled to fit ``size`` (width, height), its aspect kept, on black."""
    width, height = size
    scale = min(width / frame_bgr.shape[1], height / frame_bgr.shape[0])
    w, h = round(frame_bgr.shape[1] * scale), round(frame_bgr.shape[0] * scale)
    out = np.zeros((height, width, 3), np.uint8)
    x, y = (width - w) // 2, (height - h) // 2
    out[y : y + h, x : x + w] = cv2.resize(frame_bgr, (w, h), interpolation=cv2.INTER_AREA)
    return out


def far_away(frame_bgr: np.ndarray, scale: float) -> np.ndarray:
    """The scene as a camera farther away would see it: ``frame_bgr`` shrunk by ``scale`` near the right edge of a
    grey frame of its own size, so that its people are small in view."""
    if not 0.0 < scale <= 0.9:
        raise ValueError(f"far_away shrinks a frame to at most 0.9 of its size, got {scale}")
    height, width = frame_bgr.shape[:2]
    small = cv2.resize(frame_bgr, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    h, w = small.shape[:2]
    out = np.full_like(frame_bgr, 128)
    x, y = width - w - width // 16, (height - h) // 2
    out[y : y + h, x : x + w] = small
    return out


def clip_frames(clip: Path, frames: int, size: tuple[int, int] = (640, 360)) -> list[np.ndarray]:
    """The first ``frames`` frames of a real clip, upright and letterboxed to ``size`` (a camera's 640x360)."""
    from pose.video import read_frames

    return [letterbox(image, size) for _, _, image in read_frames(clip, stop=frames)]
