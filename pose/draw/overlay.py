"""The 2D overlay (OpenCV): each person's skeleton, joints, box and id tag drawn on the frame, and messages.

It takes :class:`~pose.engine.people.Person` views (or their arrays), so it works alike for every ConvNeXtPose
size and for BlazePose; colours and the confidence threshold come from :mod:`pose.draw.style`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import cv2
import numpy as np

from ..skeleton import BONES, JOINT_NAMES, SIDE_COLORS_RGB, bone_side, joint_side
from .style import DEFAULT_MIN_CONFIDENCE, DRAWN_JOINTS, drawn_confidence, shown_joints, track_color

if TYPE_CHECKING:
    from ..engine.people import Person

__all__ = ["DrawOptions", "draw_person", "draw_people", "draw_message"]

_BGR = {side: rgb[::-1] for side, rgb in SIDE_COLORS_RGB.items()}
_HEAD = JOINT_NAMES.index("Head")


@dataclass(frozen=True)
class DrawOptions:
    """What the 2D overlay and the 3D figure show."""

    skeleton: bool = True
    joints: bool = True
    box: bool = False
    min_confidence: float = DEFAULT_MIN_CONFIDENCE
    label: bool = True
    ids: bool = True

    def for_weights(self, trained: bool) -> DrawOptions:
        """These options for a model's skeletons: every joint of untrained weights is drawn
        (:func:`~.style.drawn_confidence`; untrained XS is sure of no joint, so nothing was drawn, in 2D or
        3D)."""
        return replace(self, min_confidence=drawn_confidence(self.min_confidence, trained))


def draw_person(
    frame_bgr: np.ndarray,
    keypoints_2d: np.ndarray,
    *,
    bbox_xywh: np.ndarray | None = None,
    confidence: np.ndarray | None = None,
    min_confidence: float = 0.0,
    bones: bool = True,
    joints: bool = True,
    thickness: int | None = None,
    color_rgb: tuple[int, int, int] | None = None,
    tag: str | None = None,
) -> np.ndarray:
    """Draw one skeleton on ``frame_bgr`` in place (bones: left blue, right orange) and return it.

    Args:
        frame_bgr: (H, W, 3) uint8 image.
        keypoints_2d: (18, 2) pixels.
        bbox_xywh: draw this box too.
        confidence: (18,); joints below ``min_confidence`` are left out, and bones to them.
        color_rgb: the person's colour for joints, box and tag (default: the joints' side colours).
        tag: a label (e.g. the track id) drawn over the person, in ``color_rgb``.
    """
    height = frame_bgr.shape[0]
    thickness = thickness or max(2, round(height / 240))
    shown = shown_joints(len(keypoints_2d), confidence, min_confidence)
    points = np.round(keypoints_2d).astype(np.int32)
    person_bgr = None if color_rgb is None else tuple(int(c) for c in color_rgb[::-1])
    if bbox_xywh is not None:
        x, y, w, h = np.round(bbox_xywh).astype(int)
        cv2.rectangle(frame_bgr, (x, y), (x + w, y + h), person_bgr or (200, 200, 200), 1, cv2.LINE_AA)
    if bones:
        for a, b in BONES:
            if shown[a] and shown[b]:
                cv2.line(frame_bgr, tuple(points[a]), tuple(points[b]), _BGR[bone_side((a, b))], thickness, cv2.LINE_AA)
    if joints:
        for j in DRAWN_JOINTS:
            if shown[j]:
                color = person_bgr or _BGR[joint_side(j)]
                cv2.circle(frame_bgr, tuple(points[j]), thickness + 1, color, -1, cv2.LINE_AA)
    if tag and shown.any():
        anchor = points[_HEAD] if shown[_HEAD] else points[shown][np.argmin(points[shown][:, 1])]
        _draw_tag(frame_bgr, tag, anchor, person_bgr or (255, 255, 255))
    return frame_bgr


def _draw_tag(frame_bgr: np.ndarray, text: str, anchor_px: np.ndarray, color_bgr) -> None:
    """``text`` on a filled band of ``color_bgr`` just above ``anchor_px``, kept inside the frame."""
    scale = max(0.45, frame_bgr.shape[0] / 900)
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
    height, width = frame_bgr.shape[:2]
    x = int(np.clip(anchor_px[0] - tw // 2 - 4, 0, max(width - tw - 8, 0)))
    y = int(np.clip(anchor_px[1] - th - base - 16, 0, max(height - th - base - 8, 0)))
    cv2.rectangle(frame_bgr, (x, y), (x + tw + 8, y + th + base + 8), color_bgr, -1)
    text_bgr = (0, 0, 0) if sum(color_bgr) > 380 else (255, 255, 255)
    cv2.putText(frame_bgr, text, (x + 4, y + th + 4), cv2.FONT_HERSHEY_SIMPLEX, scale, text_bgr, 1, cv2.LINE_AA)


def draw_people(
    frame_bgr: np.ndarray,
    people: Sequence[Person],
    options: DrawOptions = DrawOptions(),  # noqa: B008 (frozen, so sharing the default is safe)
) -> np.ndarray:
    """Draw every person on ``frame_bgr`` in place, each in the colour of its track id, and return it.

    The id tag marks a drawn skeleton: with neither bones nor joints drawn, there is none."""
    for person in people:
        draw_person(
            frame_bgr,
            person.keypoints_2d,
            bbox_xywh=person.bbox_xywh if options.box else None,
            confidence=person.confidence,
            min_confidence=options.min_confidence,
            bones=options.skeleton,
            joints=options.joints,
            color_rgb=track_color(person.track_id),
            tag=f"#{person.track_id}" if options.ids and (options.skeleton or options.joints) else None,
        )
    return frame_bgr


def draw_message(frame_bgr: np.ndarray, text: str) -> np.ndarray:
    """Write ``text`` in the frame's top-left corner, on a dark band, in place: sized by the frame's shorter side,
    and smaller where it would not fit the frame's width (a portrait clip's banner ran off its right edge), down to
    a legible 0.3 (below that, in a frame a few hundred pixels wide, the band is cut at the frame's edge)."""
    height, width = frame_bgr.shape[:2]
    scale = max(0.5, min(height, width) / 720)
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
    while tw + 17 >= width and scale > 0.3:  # the font's width is not linear in its scale: shrink until it fits
        scale = max(0.3, min(scale * 0.95, scale * (width - 17) / tw))
        (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
    cv2.rectangle(frame_bgr, (0, 0), (tw + 16, th + base + 12), (30, 30, 30), -1)
    cv2.putText(frame_bgr, text, (8, th + 6), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 1, cv2.LINE_AA)
    return frame_bgr
