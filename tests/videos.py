"""Videos made by the tests: a person photo moving across, in several containers and codecs."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np


def write_av(
    path: Path, frames, codec: str = "libx264", fps: int = 30, rotation: int = 0, pix_fmt: str = "yuv420p"
) -> Path:
    """Encode BGR frames with PyAV; ``rotation`` sets the display matrix (counter-clockwise degrees)."""
    height, width = frames[0].shape[:2]
    with av.open(str(path), "w") as container:
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
