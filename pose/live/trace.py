"""What a live frame was and where its people went, for measurements (``python -m tools.live``): a small
thumbnail that finds the frame among the camera's, and the engine's funnel on it (the detector's newest people,
the newcomers held back, the tracks out of sight).

Nothing here changes what the engine does. The Live page logs each frame it processes (:func:`log_frame`) on
:data:`FRAME_LOG` at DEBUG, which nothing shows unless a measurement routes it somewhere (``python -m tools.live``
keeps it in a file); otherwise no record is even built.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

import cv2
import numpy as np

from ..engine.estimator import PoseEstimator
from ..engine.track import TrackState

if TYPE_CHECKING:
    from .processor import LiveProcessor

__all__ = ["FRAME_LOG", "THUMBNAIL_SIZE", "thumbnail", "funnel", "frame_record", "log_frame"]

# One DEBUG record per processed live frame, its fields (frame_record) in ``record.frame``.
FRAME_LOG = logging.getLogger("pose.live.frames")

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
    held = sum(t.state is TrackState.TENTATIVE for t in tracks)
    return {
        "found": estimator.detection.last_found,
        "held": held,
        "hidden": sum(not t.shown for t in tracks) - held,
        "duplicates": estimator.tracker.duplicates_dropped,
    }


def frame_record(live: LiveProcessor, frame_bgr: np.ndarray, ms: float) -> dict:
    """What a measurement needs of one processed frame: when (``t``, wall time), how long (``ms``, as the caller
    timed it), its size (``w``, ``h``) and :func:`thumbnail` (``thumb``, to find it among the camera's frames), the
    people shown (``people``), and where the first estimator's people went (:func:`funnel`)."""
    latest, (h, w) = live.stats().latest, frame_bgr.shape[:2]
    record = {"t": time.time(), "ms": ms, "w": w, "h": h, "people": len(latest.people) if latest else 0}
    return record | {"thumb": thumbnail(frame_bgr).ravel().tolist(), **funnel(live.estimators[0])}


def log_frame(live: LiveProcessor, frame_bgr: np.ndarray, ms: float) -> None:
    """:func:`frame_record` on :data:`FRAME_LOG`, where something listens at DEBUG."""
    if FRAME_LOG.isEnabledFor(logging.DEBUG):
        record = frame_record(live, frame_bgr, ms)
        FRAME_LOG.debug("frame of %dx%d in %.1f ms", record["w"], record["h"], ms, extra={"frame": record})
