"""One person per frame from MediaPipe's BlazePose pose solution (the reference single-person detector)."""

from __future__ import annotations

import cv2
import numpy as np

from .base import Detection, landmarks_box

__all__ = ["MediaPipePoseDetector"]


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
