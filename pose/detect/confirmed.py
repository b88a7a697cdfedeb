"""A plug-in detector's people, kept where BlazePose's landmark model sees a person in their box.

The bundled detector confirms each of its people with the landmark model before it gives them; BlazePose as the
estimator looks at a plug-in detector's box with the same model and drops a box where its pose flag is low.
ConvNeXtPose gives a skeleton for any box, so a plug-in's false box (a bag, a chair, a shadow) became a false
person. :class:`ConfirmedDetector` puts the same look in front of it: whichever estimator runs, a plug-in's box
is a person where the landmark model sees one.
"""

from __future__ import annotations

import numpy as np

from .base import PersonDetector
from .detections import Detections, as_detections

__all__ = ["ConfirmedDetector"]


class ConfirmedDetector:
    """``detector``'s people whose box ``landmarker`` finds a person in (its :meth:`find`: two looks, the pose
    flag at its ``min_presence``), each as ``detector`` gave it, largest first.

    Args:
        detector: any person detector.
        landmarker: a :class:`~pose.detect.landmarks.BlazePoseLandmarker`, closed with this detector.
        max_people: stop looking once this many are seen (the largest first; None: look at every box), as
            BlazePose looks at the people it will keep and no more.
    """

    def __init__(self, detector: PersonDetector, landmarker, max_people: int | None = None) -> None:
        self.detector, self.landmarker, self.max_people = detector, landmarker, max_people

    def detect(self, frame_bgr: np.ndarray) -> Detections:
        """The people of ``detector`` on ``frame_bgr`` that the landmark model sees, largest first."""
        found = as_detections(self.detector.detect(frame_bgr)).largest_first()
        seen = np.zeros(len(found), dtype=bool)
        for i, person in enumerate(found):
            if self.max_people is not None and seen.sum() >= self.max_people:
                break
            seen[i] = self.landmarker.find(frame_bgr, person) is not None
        return found[seen]

    def reset(self) -> None:
        """The detector forgets what it kept between frames."""
        self.detector.reset()

    def close(self) -> None:
        """The detector and the landmark model are closed."""
        self.detector.close()
        self.landmarker.close()
