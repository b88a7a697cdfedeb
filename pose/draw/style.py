"""What the overlay and the 3D figures share: the track colours and which joints are drawn.

Bones keep the side colours (the person's left blue, right orange); each person's joints and id tag take the
colour of their track id (:data:`TRACK_COLORS_RGB`). Joints less confident than the threshold are not drawn,
nor bones to them; the data keeps them.
"""

from __future__ import annotations

import numpy as np

from ..confidence import SURE
from ..skeleton import BONES, SIDE_COLORS_RGB

__all__ = [
    "DEFAULT_MIN_CONFIDENCE",
    "TRACK_COLORS_RGB",
    "SIDE_HEX",
    "DRAWN_JOINTS",
    "track_color",
    "hex_color",
    "shown_joints",
    "drawn_confidence",
]

# Joints less likely right than wrong are not drawn (confidence on one scale for every model: pose.confidence).
# Untrained weights are sure of nothing, which means nothing: their joints are all drawn (:func:`drawn_confidence`),
# or the page would show people in view and no skeleton.
DEFAULT_MIN_CONFIDENCE = SURE

# One colour per track id (cycled), RGB; none is a side colour, so ids and sides never read alike.
TRACK_COLORS_RGB: tuple[tuple[int, int, int], ...] = (
    (230, 25, 75),  # red
    (255, 225, 25),  # yellow
    (70, 240, 240),  # cyan
    (240, 50, 230),  # magenta
    (145, 30, 180),  # purple
    (210, 245, 60),  # lime
    (250, 190, 212),  # pink
    (0, 128, 128),  # teal
)

SIDE_HEX = {side: "#{:02x}{:02x}{:02x}".format(*rgb) for side, rgb in SIDE_COLORS_RGB.items()}
DRAWN_JOINTS = sorted({j for bone in BONES for j in bone})


def track_color(track_id: int) -> tuple[int, int, int]:
    """The RGB colour of a track id (ids start at 1; the palette repeats)."""
    return TRACK_COLORS_RGB[(int(track_id) - 1) % len(TRACK_COLORS_RGB)]


def hex_color(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def shown_joints(count: int, confidence: np.ndarray | None, min_confidence: float) -> np.ndarray:
    """(count,) bool: the joints confident enough to draw."""
    if confidence is None:
        return np.ones(count, bool)
    return np.asarray(confidence, dtype=float) >= min_confidence


def drawn_confidence(min_confidence: float, trained: bool) -> float:
    """The confidence below which a model's joints are hidden: ``min_confidence``, or none for untrained
    weights, whose confidences mean nothing."""
    return min_confidence if trained else 0.0
