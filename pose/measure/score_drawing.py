"""An annotated photo's score drawn on it: the people found and missed, and each prediction's verdict
(:mod:`pose.measure.scoring`), for ``python -m pose.measure.accuracy --draw`` and the Compare page."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from ..skeleton import BONES
from .scoring import ImageScore, has_joints

__all__ = ["draw_misses", "draw_score", "legend"]

# Each mark: its colour (BGR), the colour's name, and what it means; the annotated people's boxes first, then the
# verdicts of the estimator's people (pose.measure.scoring).
_MARKS = {
    "found": ((80, 190, 44), "green", "an annotated person found"),
    "missed": ((40, 40, 230), "red", "an annotated person missed"),
    "true": ((230, 119, 31), "blue", "a skeleton on its person"),
    "false": ((0, 140, 255), "orange", "a skeleton on nobody"),
    "part": ((200, 0, 200), "magenta", "a skeleton spanning part of a person (a part box)"),
    "duplicate": ((0, 200, 255), "yellow", "a second skeleton on a person found"),
    "ignored": ((160, 160, 160), "grey", "a crowd or ignore region, and skeletons in it (counted neither way)"),
}
_COLOURS = {name: colour for name, (colour, _, _) in _MARKS.items()}


def legend() -> str:
    """What the colours of :func:`draw_score` mean, in one sentence."""
    return "; ".join(f"{word}: {meaning}" for _, word, meaning in _MARKS.values()) + "."


def draw_misses(score: ImageScore, people: Sequence, frame_bgr: np.ndarray) -> np.ndarray | None:
    """:func:`draw_score`, or None when nothing was missed and nothing false was found."""
    if not score.missed and not score.false_positives:
        return None
    return draw_score(score, people, frame_bgr)


def draw_score(score: ImageScore, people: Sequence, frame_bgr: np.ndarray) -> np.ndarray:
    """The image with its clear people's boxes (found, missed), the predictions' skeletons and boxes (coloured by
    verdict) and the ignore regions, in the colours :func:`legend` names."""
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
