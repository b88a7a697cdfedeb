"""A plug-in detector's people, kept where BlazePose's landmark model sees a person in their box.

The bundled detector confirms each of its people with the landmark model before it gives them; BlazePose as the
estimator looks at a plug-in detector's box with the same model and drops a box where its pose flag is low.
ConvNeXtPose gives a skeleton for any box, so a plug-in's false box (a bag, a chair, a shadow) became a false
person. :class:`ConfirmedDetector` puts the same look in front of it: whichever estimator runs, a plug-in's box
is a person where the landmark model sees one.
"""

from __future__ import annotations

import numpy as np

from .base import Detection, PersonDetector
from .detections import Detections, as_detections

__all__ = ["ConfirmedDetector"]


class ConfirmedDetector:
    """``detector``'s people whose box ``landmarker`` finds a person in (its :meth:`find`: two looks, the pose
    flag at its ``min_presence``), each as ``detector`` gave it, largest first.

    Args:
        detector: any person detector.
        landmarker: a :class:`~pose.detect.landmarks.BlazePoseLandmarker`, closed with this detector.
    """

    def __init__(self, detector: PersonDetector, landmarker) -> None:
        self.detector, self.landmarker = detector, landmarker

    def detect(self, frame_bgr: np.ndarray) -> Detections:
        """The people of ``detector`` on ``frame_bgr`` that the landmark model sees, largest first."""
        found = as_detections(self.detector.detect(frame_bgr))
        seen = [
            self.landmarker.find(frame_bgr, Detection(np.asarray(box, dtype=np.float64), float(score))) is not None
            for box, score in zip(found.bbox_xywh, found.score)
        ]
        return found[np.array(seen, dtype=bool).reshape(-1)].largest_first()

    def reset(self) -> None:
        """The detector forgets what it kept between frames."""
        self.detector.reset()

    def close(self) -> None:
        """The detector and the landmark model are closed."""
        self.detector.close()
        self.landmarker.close()
