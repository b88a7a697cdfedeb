"""What every person detector gives: :class:`Detection`, the :class:`PersonDetector` protocol, the box around a
set of keypoints, and the suppression of overlapping boxes."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from .detections import Detections

__all__ = ["Detection", "PersonDetector", "landmarks_box", "suppress_overlaps"]


@dataclass(frozen=True)
class Detection:
    """One person found in a frame.

    Attributes:
        bbox_xywh: the person's box in pixels, (4,).
        score: detection confidence in [0, 1].
        landmarks_px: (33, 2) BlazePose landmarks in pixels, when the detector has them.
        visibility: (33,) landmark visibilities, likewise.
        world_mm: (33, 3) BlazePose world landmarks, hip-centred millimetres, likewise.
        keypoints_px: (K, 2) alignment keypoints in pixels that place the landmark model's rotated region
            (:func:`pose.detect.ssd.body_roi` reads the first two): the BlazePose detector's four (mid-hip,
            full-body scale point, mid-shoulder, upper-body scale point), or the landmark model's own two (mid-hip,
            scale point: a refined or tracked region); None for other detectors.
        face_box_px: (2, 2) the BlazePose detector's face box, its corners (x1, y1) and (x2, y2) in pixels: the
            part of the person its anchors matched, by which a tiled search tells its views of one person apart
            (:class:`~pose.detect.tiles.TiledDetector`); None for other detectors.
    """

    bbox_xywh: np.ndarray
    score: float
    landmarks_px: np.ndarray | None = None
    visibility: np.ndarray | None = None
    world_mm: np.ndarray | None = None
    keypoints_px: np.ndarray | None = None
    face_box_px: np.ndarray | None = None

    def scaled(self, sx: float, sy: float) -> Detection:
        """The same person in the frame resized by ``sx`` across and ``sy`` down: every pixel coordinate scaled
        (the score, visibilities and millimetres are the same)."""
        points = np.array([sx, sy])
        return replace(
            self,
            bbox_xywh=np.asarray(self.bbox_xywh, dtype=np.float64) * np.array([sx, sy, sx, sy]),
            landmarks_px=None if self.landmarks_px is None else np.asarray(self.landmarks_px) * points,
            keypoints_px=None if self.keypoints_px is None else np.asarray(self.keypoints_px) * points,
            face_box_px=None if self.face_box_px is None else np.asarray(self.face_box_px) * points,
        )


class PersonDetector(Protocol):
    """Finds people in a BGR frame, largest first, as :class:`~pose.detect.detections.Detections` (a detector of
    one's own may return a list of :class:`Detection`: :func:`~pose.detect.detections.as_detections` reads it)."""

    def detect(self, frame_bgr: np.ndarray) -> Detections: ...

    def reset(self) -> None: ...

    def close(self) -> None: ...


def landmarks_box(points_px: np.ndarray, image_size: tuple[int, int], margin: float = 0.1) -> np.ndarray | None:
    """Box (x, y, w, h) around ``points_px`` (K, 2), grown by ``margin`` of its size on each side,
    clipped to the image; None when nothing of it is inside."""
    width, height = image_size
    lo = points_px.min(axis=0)
    hi = points_px.max(axis=0)
    pad = (hi - lo) * margin
    x1, y1 = np.maximum(lo - pad, 0.0)
    x2, y2 = np.minimum(hi + pad, [width - 1.0, height - 1.0])
    if x2 - x1 < 2 or y2 - y1 < 2:
        return None
    return np.array([x1, y1, x2 - x1, y2 - y1])


def suppress_overlaps(xyxy: np.ndarray, scores: np.ndarray, iou: float, min_score: float = 0.0) -> np.ndarray:
    """Indices of the boxes kept by non-max suppression (OpenCV's), surest first: a box overlapping a surer kept
    one by more than ``iou`` is dropped, and so is a box scoring ``min_score`` or less.

    Args:
        xyxy: (N, 4) boxes x1 y1 x2 y2 in pixels.
        scores: (N,) their scores.
    """
    import cv2

    if not len(scores):
        return np.zeros(0, dtype=int)
    xywh = np.c_[xyxy[:, :2], xyxy[:, 2:] - xyxy[:, :2]]
    picked = cv2.dnn.NMSBoxes(xywh.tolist(), np.asarray(scores).tolist(), min_score, iou)
    return np.asarray(picked, dtype=int).reshape(-1)
