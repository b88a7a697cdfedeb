"""The coach's reference pose from a photo: the photo's bytes decoded, and the person it follows picked.

The Coach page decodes an uploaded photo with :func:`decode_image`, runs the
estimator on it, and takes :func:`pick_reference`'s person as the pose to
match; :func:`pick_person` is the same choice made on every camera frame. ::

    pick = pick_reference(estimator.process(decode_image(data)))
    pick.person, pick.message
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from ..engine.estimator import Person, PoseResult

__all__ = ["pick_person", "ReferencePick", "pick_reference", "decode_image"]


def pick_person(people: Sequence[Person], frame_size: tuple[int, int] | None = None) -> Person | None:
    """The person the coach follows: the largest box, nearer the centre breaking near-ties.

    Each box's area is weighed by 1 - (its centre's distance from the frame's
    centre) / (half the frame's diagonal) / 2, so a person twice as large
    wins anywhere, and of two of a size the central one wins.

    Args:
        people: everyone found in the frame.
        frame_size: (width, height); without it the largest box wins.
    """
    if not people:
        return None

    def weight(person: Person) -> float:
        x, y, w, h = np.asarray(person.bbox_xywh, dtype=np.float64)
        area = max(w, 0.0) * max(h, 0.0)
        if not frame_size or not all(frame_size):
            return area
        width, height = frame_size
        off_centre = math.hypot(x + w / 2 - width / 2, y + h / 2 - height / 2) / (math.hypot(width, height) / 2)
        return area * (1.0 - min(off_centre, 1.0) / 2)

    return max(people, key=weight)


@dataclass(frozen=True)
class ReferencePick:
    """The reference pose taken from a photo, and what to tell the user about it.

    Attributes:
        person: the reference (the largest, most central person), or None when nobody was found.
        people_found: how many people the photo had.
        message: "" for exactly one person; otherwise what happened, in a sentence.
    """

    person: Person | None
    people_found: int
    message: str


def pick_reference(result: PoseResult) -> ReferencePick:
    """The reference from an estimator's result on a photo: its only person, or the largest of several."""
    person = pick_person(result.people, result.frame_size)
    n = len(result.people)
    if person is None:
        return ReferencePick(None, 0, "Nobody was found in this image: choose one with a person in full view.")
    if n > 1:
        return ReferencePick(person, n, f"{n} people were found: the largest (nearest the centre) is the reference.")
    return ReferencePick(person, 1, "")


def decode_image(data: bytes) -> np.ndarray:
    """An encoded image (JPEG, PNG, WebP, BMP...) as a BGR array (H, W, 3) uint8.

    Raises:
        ValueError: when the bytes are not an image OpenCV can read.
    """
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR) if data else None
    if image is None:
        raise ValueError("not an image that can be read (JPEG, PNG, WebP or BMP expected)")
    return image
