"""The coach's reference pose from a photo: the photo's bytes decoded, and the person it follows picked.

The Coach page decodes an uploaded photo with :func:`decode_image`, runs the
estimator on it, and takes :func:`pick_reference`'s person as the pose to
match (the most wholly in view, or the one the user chose); :func:`pick_person`
picks the person followed on every camera frame. ::

    pick = pick_reference(estimator.process(decode_image(data)))
    pick.person, pick.message
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from ..confidence import SURE
from ..engine.estimator import Person, PoseResult

__all__ = ["pick_person", "whole_joints", "ReferencePick", "pick_reference", "decode_image"]


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


def whole_joints(person: Person, frame_size: tuple[int, int] | None) -> int:
    """How many of the person's joints are sure (:data:`pose.confidence.SURE`) and lie within the frame (any
    place where its size is not known). BlazePose places the joints a frame cuts off where the body would be,
    outside it; ConvNeXtPose places them inside its crop, and is unsure of them (the trained XS, on
    two_indoors.png's close-up cut off by the frame: 18 joints inside, 8 sure; on the whole person beside it,
    18 sure)."""
    points = np.asarray(person.keypoints_2d, dtype=np.float64)
    counted = np.asarray(person.confidence, dtype=np.float64) >= SURE
    if frame_size and all(frame_size):
        width, height = frame_size
        counted &= (points[:, 0] >= 0) & (points[:, 0] < width) & (points[:, 1] >= 0) & (points[:, 1] < height)
    return int(counted.sum())


@dataclass(frozen=True)
class ReferencePick:
    """The reference pose taken from a photo, and what to tell the user about it.

    Attributes:
        person: the reference, or None when nobody was found.
        people_found: how many people the photo had.
        message: "" for exactly one person; otherwise what happened, in a sentence.
        people: everyone found, in the estimator's order (a page may offer them as the reference instead).
    """

    person: Person | None
    people_found: int
    message: str
    people: tuple[Person, ...] = ()


def pick_reference(result: PoseResult, track_id: int | None = None) -> ReferencePick:
    """The reference from an estimator's result on a photo: the person with id ``track_id``, else its only
    person, or of several the one whose skeleton lies most within the photo (a pose to copy is a whole body;
    the largest of two_indoors.png is a close-up cut off by the frame), the largest and most central of those
    (:func:`pick_person`)."""
    people = tuple(result.people)
    n = len(people)
    chosen = [p for p in people if track_id is not None and int(p.track_id) == track_id]
    if chosen:
        said = f"{n} people were found: #{track_id} is the reference." if n > 1 else ""
        return ReferencePick(chosen[0], n, said, people)
    if not people:
        return ReferencePick(None, 0, "Nobody was found in this image: choose one with a person in full view.")
    whole = [whole_joints(p, result.frame_size) for p in people]
    person = pick_person([p for p, n in zip(people, whole) if n == max(whole)], result.frame_size)
    if n > 1:
        return ReferencePick(
            person, n, f"{n} people were found: #{int(person.track_id)}, the most wholly in view, is the reference.",
            people,
        )  # fmt: skip
    return ReferencePick(person, 1, "", people)


def decode_image(data: bytes) -> np.ndarray:
    """An encoded image (JPEG, PNG, WebP, BMP...) as a BGR array (H, W, 3) uint8.

    Raises:
        ValueError: when the bytes are not an image OpenCV can read.
    """
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR) if data else None
    if image is None:
        raise ValueError("not an image that can be read (JPEG, PNG, WebP or BMP expected)")
    return image
