"""Person detection, offline: MediaPipe 0.10.21's bundled BlazePose models, or a user's ONNX detector.

A detector has one method, ``detect(frame_bgr) -> list[Detection]``, so
another can be added beside this one. :func:`create_detector` picks one from a
spec: "blazepose" (the default, bundled: :class:`~pose.blazepose_detector.BlazePoseDetector`,
every person) or the path of an .onnx file (:class:`~pose.onnx_detector.OnnxPersonDetector`);
the environment variable ``CONVNEXTPOSE_DETECTOR`` gives the default spec.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

__all__ = [
    "Detection",
    "PersonDetector",
    "MediaPipePoseDetector",
    "landmarks_box",
    "create_detector",
    "DETECTOR_ENV",
    "BUNDLED_DETECTOR",
]

log = logging.getLogger(__name__)

DETECTOR_ENV = "CONVNEXTPOSE_DETECTOR"
BUNDLED_DETECTOR = "blazepose"


@dataclass(frozen=True)
class Detection:
    """One person found in a frame.

    Attributes:
        bbox_xywh: the person's box in pixels, (4,).
        score: detection confidence in [0, 1].
        landmarks_px: (33, 2) BlazePose landmarks in pixels, when the detector has them.
        visibility: (33,) landmark visibilities, likewise.
        world_mm: (33, 3) BlazePose world landmarks, hip-centred millimetres, likewise.
        keypoints_px: (4, 2) the BlazePose detector's alignment keypoints in pixels (mid-hip, full-body
            scale point, mid-shoulder, upper-body scale point), when the detector has them; they place
            the landmark model's rotated region (:func:`pose.ssd.body_roi`).
    """

    bbox_xywh: np.ndarray
    score: float
    landmarks_px: np.ndarray | None = None
    visibility: np.ndarray | None = None
    world_mm: np.ndarray | None = None
    keypoints_px: np.ndarray | None = None


class PersonDetector(Protocol):
    """Finds people in a BGR frame, largest first."""

    def detect(self, frame_bgr: np.ndarray) -> list[Detection]: ...

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


class MediaPipePoseDetector:
    """One person per frame from MediaPipe's BlazePose (the full model that ships in the wheel).

    Its landmarks' box (with a margin) is the detection; the landmarks
    themselves come along for the bundled BlazePose estimator.

    Args:
        static_image_mode: detect afresh on every call (single images) instead
            of tracking between consecutive calls (video).
        min_confidence: detection and tracking confidence threshold.
        min_visibility: landmarks less visible than this do not shape the box.
    """

    def __init__(self, static_image_mode: bool = False, min_confidence: float = 0.5, min_visibility: float = 0.3):
        self.static_image_mode = static_image_mode
        self.min_confidence = min_confidence
        self.min_visibility = min_visibility
        self._pose = None

    def _solution(self):
        if self._pose is None:
            import mediapipe as mp

            self._pose = mp.solutions.pose.Pose(
                static_image_mode=self.static_image_mode,
                model_complexity=1,
                smooth_landmarks=True,
                min_detection_confidence=self.min_confidence,
                min_tracking_confidence=self.min_confidence,
            )
        return self._pose

    def detect(self, frame_bgr: np.ndarray) -> list[Detection]:
        """Find the person in ``frame_bgr``; an empty list when nobody is in view."""
        height, width = frame_bgr.shape[:2]
        result = self._solution().process(cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2RGB))
        if result.pose_landmarks is None:
            return []
        raw = np.array([(p.x, p.y, p.visibility) for p in result.pose_landmarks.landmark])
        landmarks_px = raw[:, :2] * [width, height]
        visibility = raw[:, 2]
        seen = visibility >= self.min_visibility
        box = landmarks_box(landmarks_px[seen] if seen.sum() >= 4 else landmarks_px, (width, height))
        if box is None:
            return []
        world = result.pose_world_landmarks
        world_mm = np.array([(p.x, p.y, p.z) for p in world.landmark]) * 1000.0 if world else None
        return [Detection(box, float(visibility.mean()), landmarks_px, visibility, world_mm)]

    def reset(self) -> None:
        """Drop the tracking state (for a new, unrelated sequence)."""
        if self._pose is not None:
            self._pose.reset()

    def close(self) -> None:
        if self._pose is not None:
            self._pose.close()
            self._pose = None


def create_detector(spec: str | Path | None = None) -> PersonDetector:
    """The person detector that ``spec`` names.

    Args:
        spec: "blazepose" (bundled, every person), the path of an .onnx detector, or None for the
            environment variable ``CONVNEXTPOSE_DETECTOR``, else "blazepose".

    Raises:
        ValueError: for a spec that is neither (with what is accepted).
        FileNotFoundError: for a missing .onnx file.
        pose.onnx_detector.DetectorFileError: for an unreadable or unsuitable .onnx file.
    """
    if spec is None or str(spec).strip() == "":
        spec = os.environ.get(DETECTOR_ENV, "").strip() or BUNDLED_DETECTOR
    if str(spec).lower() == BUNDLED_DETECTOR:
        from .blazepose_detector import BlazePoseDetector

        return BlazePoseDetector()
    path = Path(spec).expanduser()
    if path.suffix.lower() == ".onnx":
        from .onnx_detector import OnnxPersonDetector

        return OnnxPersonDetector(path)
    raise ValueError(f"unknown person detector {str(spec)!r}: use {BUNDLED_DETECTOR!r} or the path of an .onnx file")
