"""What a live frame was and where its people went, for measurements (``python -m tools.live``): a small
thumbnail that finds the frame among the camera's, and the engine's funnel on it (the detector's newest people,
the newcomers held back, the tracks out of sight).

Nothing here changes what the engine does; the app writes these only when a measurement asks it to.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..engine.estimator import PoseEstimator

__all__ = ["THUMBNAIL_SIZE", "thumbnail", "funnel"]

# A frame's thumbnail: small enough to write for every frame (256 numbers), large enough to tell a clip's frames
# apart after WebRTC's encoder has scaled and compressed them (matched by the nearest, brightness taken out).
THUMBNAIL_SIZE = 16


def thumbnail(frame_bgr: np.ndarray) -> np.ndarray:
    """The frame as (THUMBNAIL_SIZE, THUMBNAIL_SIZE) grey uint8, whatever its size (each pixel an area mean)."""
    grey = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2GRAY)
    return cv2.resize(grey, (THUMBNAIL_SIZE, THUMBNAIL_SIZE), interpolation=cv2.INTER_AREA)


def funnel(estimator: PoseEstimator) -> dict[str, int | None]:
    """Where the people of the estimator's newest frame went, after :meth:`PoseEstimator.process`:

    - ``found``: people in the newest detection it used (a worker's answer or the frame's own), None before any;
    - ``held``: newcomers the tracker holds back until a second detection finds them (within another's box);
    - ``hidden``: tracks out of sight (not confirmed in their region, or unseen), kept until the detector
      finds them again or gives up;
    - ``duplicates``: tracks dropped on this frame as another's duplicates.

    People found but in none of these, and not shown, got no pose where they were found (the pose model saw
    nobody there on this frame) or were beyond ``max_people``.
    """
    tracks = estimator.tracker.tracks
    held = sum(bool(getattr(t, "doubtful", False)) for t in tracks)
    return {
        "found": estimator.detection.last_found,
        "held": held,
        "hidden": sum(not t.shown for t in tracks) - held,
        "duplicates": getattr(estimator.tracker, "duplicates_dropped", 0),
    }
