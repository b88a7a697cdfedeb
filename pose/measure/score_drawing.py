"""An annotated photo's score drawn on it: the people found and missed, and each prediction's verdict
(:mod:`pose.measure.scoring`), for ``python -m pose.measure.accuracy --draw`` and the Compare page."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from ..skeleton import BONES
from .scoring import ImageScore, has_joints

__all__ = ["draw_misses", "draw_score"]

_COLOURS = {  # BGR
    "found": (80, 190, 44),
    "missed": (40, 40, 230),
    "true": (230, 119, 31),
    "false": (0, 140, 255),
    "part": (200, 0, 200),
    "duplicate": (0, 200, 255),
    "ignored": (160, 160, 160),
}


def draw_misses(score: ImageScore, people: Sequence, frame_bgr: np.ndarray) -> np.ndarray | None:
    """:func:`draw_score`, or None when nothing was missed and nothing false was found."""
    if not score.missed and not score.false_positives:
        return None
    return draw_score(score, people, frame_bgr)


def draw_score(score: ImageScore, people: Sequence, frame_bgr: np.ndarray) -> np.ndarray:
    """The image with its clear people (green found, red missed), the predictions' skeletons and boxes
    (blue true, orange false, magenta part box, yellow duplicate, grey ignored) and the ignore regions."""
    canvas = frame_bgr.copy()
    thick = max(2, round(max(canvas.shape[:2]) / 400))
    for polygon in score.image.ignore_regions:
        cv2.polylines(canvas, [np.round(polygon).astype(np.int32)], True, _COLOURS["ignored"], thick)
    for m in score.matches:
        x, y, w, h = (int(round(v)) for v in score.image.people[m.gt].box_xywh)
        cv2.rectangle(canvas, (x, y), (x + w, y + h), _COLOURS["found" if m.pred >= 0 else "missed"], thick)
    for person, verdict, box in zip(people, score.verdicts, score.boxes_xywh):
        colour = _COLOURS[verdict]
        if has_joints(person):
            points = np.asarray(person.keypoints_2d)
            for a, b in BONES:
                cv2.line(canvas, tuple(int(v) for v in points[a]), tuple(int(v) for v in points[b]), colour, thick)
        x, y, w, h = (int(round(v)) for v in box)
        cv2.rectangle(canvas, (x, y), (x + w, y + h), colour, max(1, thick // 2))
    return canvas
