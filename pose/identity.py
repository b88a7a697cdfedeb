"""Who is who: whether two sightings in one frame are one person, with every threshold of that rule in one table.

One predicate, :func:`same_person`, and one merge, :func:`one_each` (the earlier of two sightings stays, except
that a whole body takes the place of its part), serve the bundled detector's merge of its views
(:class:`pose.detect.landmarks.BlazePoseMultiPersonDetector`) and the tracker's check of its tracks
(:class:`pose.engine.tracker.Tracker`); :func:`within_another` holds back a newcomer that may be a part of somebody
followed. Each threshold is a field of :data:`RULES`, with its margin on the dev data beside it; the clips and photos
each was measured on are in ``docs/identity.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .geometry import box_iou, inside_fraction

__all__ = ["IdentityRules", "RULES", "same_person", "part_of", "lower_body_of", "one_each", "within_another"]


@dataclass(frozen=True)
class IdentityRules:
    """The thresholds of who is who (fractions; boxes are xywh pixels).

    Attributes:
        view_overlap: two views of one frame (a detector's regions) whose boxes overlap at least this (IoU) are one
            person. On the 4-person dev scenes: 0.5 false people a frame without the rule, none with it. Of the 74
            pairs of people annotated on realgt's photos, 73 overlap at most 0.28 (margin 0.22); one, a dancer
            right in front of a man, overlaps 0.71, which no box rule tells apart.
        track_overlap: two tracks whose boxes overlap at least this are one person (the id shown first stays); higher
            than ``view_overlap``, as a track's box lags its person (realgt's pairs: at most 0.28, margin 0.42).
        head_distance: two skeletons whose head and shoulder landmarks lie within this fraction of the smaller
            box's diagonal (median) are one person: a whole view and a view cut through the body lay 1.3% apart
            on footballer.jpg, two skiers one behind the other 5.4% (margins 1.7 and 2.4 points).
        part_inside, part_height: a sighting whose box lies at least ``part_inside`` within another's and is
            under ``part_height`` of its height is a part of that person (a face, a shoe, spread arms: 0.13-0.32
            of the height on the dev scenes; margin 0.03); a skier behind another, within his box, is 0.47
            (margin 0.12).
        lower_body_top, lower_body_bottom, lower_body_height: a sighting that starts at least ``lower_body_top``
            of a person's height below their head, ends within ``lower_body_bottom`` of it from their feet and is
            at most ``lower_body_height`` of it tall is their legs (:func:`lower_body_of`). Legs start 0.33-0.63
            down, end 0.07 above to 0.01 below the feet and are 0.38-0.60 tall on the dev footage and photos
            (margins 0.08, 0.08 and 0.15); real people within another's box start 0.04-0.07 down (margin 0.18)
            and end 0.32-0.48 above the feet (margin 0.17).
        newcomer_inside: a new track whose box lies at least this much within a larger person's box of the same
            frame waits for a second detection before it is shown: a torso or mid-body view, 0.71 of the person
            tall, lay wholly within them (margin 0.2). A real person behind another is then shown one detection
            later.
        face_overlap: two of the bundled detector's regions' detections whose face boxes overlap more than this
            (IoU) are one view of one face (:mod:`pose.detect.blazepose`), and the landmark model runs once for
            them. A saving, not the decision: one face seen by regions of different scales gives face boxes that
            overlap anywhere from 0.3 to 1.0 (148 frames of realgt, the photos and the clips: of 2410 overlapping
            pairs from two regions, 958 lie between 0.3 and 0.5), and the views it leaves apart are one person by
            their skeletons, at ``view_overlap`` or ``head_distance``.
    """

    view_overlap: float = 0.5
    track_overlap: float = 0.7
    head_distance: float = 0.03
    part_inside: float = 0.9
    part_height: float = 0.35
    lower_body_top: float = 0.25
    lower_body_bottom: float = 0.15
    lower_body_height: float = 0.75
    newcomer_inside: float = 0.8
    face_overlap: float = 0.5


RULES = IdentityRules()
HEAD_SHOULDERS = slice(0, 13)  # BlazePose landmarks: nose, eyes, ears, mouth, shoulders


def lower_body_of(small_xywh, large_xywh, rules: IdentityRules = RULES) -> bool:
    """Whether the box ``small_xywh`` is the lower body of the person in ``large_xywh``: it stands on their feet,
    starts well below their head, is well shorter than them (:class:`IdentityRules`) and overlaps them across by
    at least half the narrower box's width (a side-on walker's legs stick out beside her box).

    Shown a person's legs alone (a tile, a region left behind by a moving person), BlazePose's landmark model takes
    them for a whole short person at pose flag 0.9-1.0. Not told apart: a person standing right in front of a
    taller one, feet level, or a child in front of an adult.
    """
    x, y, w, h = np.asarray(small_xywh, dtype=np.float64)
    lx, ly, lw, lh = np.asarray(large_xywh, dtype=np.float64)
    return bool(
        min(x + w, lx + lw) - max(x, lx) >= 0.5 * min(w, lw)
        and h <= rules.lower_body_height * lh
        and y - ly >= rules.lower_body_top * lh
        and abs((ly + lh) - (y + h)) <= rules.lower_body_bottom * lh
    )


def part_of(small_xywh, large_xywh, rules: IdentityRules = RULES) -> bool:
    """Whether ``small_xywh`` is a part of the person in ``large_xywh`` taken for a whole person: their lower body
    (:func:`lower_body_of`), or a small part lying within their box (``part_inside``, ``part_height``)."""
    small_xywh, large_xywh = np.asarray(small_xywh, dtype=np.float64), np.asarray(large_xywh, dtype=np.float64)
    if lower_body_of(small_xywh, large_xywh, rules):
        return True
    inside = inside_fraction(small_xywh, large_xywh)
    return bool(inside >= rules.part_inside and small_xywh[3] < rules.part_height * large_xywh[3])


def same_person(
    a_xywh,
    b_xywh,
    overlap: float,
    a_head_px: np.ndarray | None = None,
    b_head_px: np.ndarray | None = None,
    rules: IdentityRules = RULES,
) -> bool:
    """Whether two sightings in one frame are one person: their boxes overlap by at least ``overlap`` (IoU), one is
    a part of the other (:func:`part_of`), or, where both have BlazePose landmarks (``*_head_px``: (33, 2) or at
    least their first 13, the head and shoulders), their heads coincide (``head_distance``).

    Args:
        a_xywh, b_xywh: (4,) boxes.
        overlap: ``rules.view_overlap`` for a detector's views, ``rules.track_overlap`` for tracks.
    """
    a_xywh, b_xywh = np.asarray(a_xywh, dtype=np.float64), np.asarray(b_xywh, dtype=np.float64)
    if box_iou(a_xywh, b_xywh)[0, 0] >= overlap or part_of(a_xywh, b_xywh, rules) or part_of(b_xywh, a_xywh, rules):
        return True
    if a_head_px is None or b_head_px is None:
        return False
    a_head, b_head = np.asarray(a_head_px)[HEAD_SHOULDERS], np.asarray(b_head_px)[HEAD_SHOULDERS]
    apart = np.median(np.linalg.norm(a_head - b_head, axis=1))
    diagonal = min(np.hypot(*a_xywh[2:]), np.hypot(*b_xywh[2:]))
    return bool(apart < rules.head_distance * diagonal)


def one_each(
    boxes_xywh: Sequence,
    overlap: float,
    heads_px: Sequence[np.ndarray | None] | None = None,
    rules: IdentityRules = RULES,
) -> list[int]:
    """Indices of one sighting per person (:func:`same_person`), in order: the earlier of two stays, except that a
    whole body takes the place of its parts (:func:`part_of`), whichever came first.

    Args:
        boxes_xywh: (N, 4) the sightings' boxes, in order of preference (a detector's better view, an older track).
        overlap: as :func:`same_person`.
        heads_px: per sighting, its BlazePose landmarks, or None.
    """
    heads = list(heads_px) if heads_px is not None else [None] * len(boxes_xywh)
    kept: list[int] = []
    for i, box in enumerate(boxes_xywh):
        kept = [k for k in kept if not part_of(boxes_xywh[k], box, rules)]
        if not any(same_person(box, boxes_xywh[k], overlap, heads[i], heads[k], rules) for k in kept):
            kept.append(i)
    return sorted(kept)


def within_another(box_xywh, others_xywh: Sequence, rules: IdentityRules = RULES) -> bool:
    """Whether ``box_xywh`` lies ``newcomer_inside`` within a larger one of ``others_xywh``."""
    area = float(box_xywh[2] * box_xywh[3])
    larger = [other for other in others_xywh if area < float(other[2] * other[3])]
    return any(inside_fraction(box_xywh, other) >= rules.newcomer_inside for other in larger)
