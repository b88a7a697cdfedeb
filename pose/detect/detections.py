"""The people a detector found in one frame, as arrays: :class:`Detections` (supervision's ``Detections``).

Boxes and scores are one array each, and each detector's extras (BlazePose's landmarks, the alignment keypoints
that place its landmark model's region, its face box) ride in ``data``, one array per name with a row per person.
Indexing with a number gives that person as a :class:`~pose.detect.Detection`; with a slice, a mask or indices,
the chosen people as Detections. Every detector returns it, and the frame path passes it on: detector, tracker,
pose model.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np

from .base import Detection

__all__ = ["EXTRAS", "TRACKER_COLUMNS", "TRACKER_NONE", "Detections", "as_detections"]

# A Detection's optional per-person fields, the names ``data`` may hold (see Detection for their shapes).
EXTRAS = ("landmarks_px", "visibility", "world_mm", "keypoints_px", "face_box_px")
# The extras in pixel coordinates, which scaling and shifting move.
_PIXELS = ("landmarks_px", "keypoints_px", "face_box_px")
# The tracker's columns (pose.engine.tracker), which a Detection row does not carry: the id of the track that
# offered the box (TRACKER_NONE: a person the detector found whom no track claims), and whether a person was
# seen there on this frame (by the detector, the confirmer, or the worker's newest answer).
TRACKER_COLUMNS = {"tracker_id": np.int64, "found": np.bool_}
TRACKER_NONE = -1
# A region's alignment keypoints: BlazePose's detector gives four, its landmark model two; the region is placed
# by the first two (pose.detect.ssd.body_roi), so people with both kinds keep those.
_REGION_POINTS = 2


@dataclass(frozen=True, eq=False)
class Detections:
    """People found in one frame.

    Attributes:
        bbox_xywh: (N, 4) float64 boxes in pixels.
        score: (N,) float64 detection confidences in [0, 1].
        data: name (one of :data:`EXTRAS`) -> (N, ...) float64 array, a row per person; a person the detector
            gave none of it has a row of NaN. The tracker adds its columns (:data:`TRACKER_COLUMNS`): ``tracker_id``
            (N,) int64 and ``found`` (N,) bool.

    Raises:
        ValueError: (on creation) for arrays of other shapes or lengths.
    """

    bbox_xywh: np.ndarray
    score: np.ndarray
    data: Mapping[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        boxes = np.asarray(self.bbox_xywh, dtype=np.float64).reshape(-1, 4)
        scores = np.asarray(self.score, dtype=np.float64).reshape(-1)
        data = {
            name: np.asarray(values, dtype=TRACKER_COLUMNS.get(name, np.float64)) for name, values in self.data.items()
        }
        if len(scores) != len(boxes) or any(len(values) != len(boxes) for values in data.values()):
            lengths = {"bbox_xywh": len(boxes), "score": len(scores), **{k: len(v) for k, v in data.items()}}
            raise ValueError(f"Detections needs one row per person in every array, got {lengths}")
        if unknown := set(data) - set(EXTRAS) - set(TRACKER_COLUMNS):
            known = ", ".join([*EXTRAS, *TRACKER_COLUMNS])
            raise ValueError(f"unknown Detections data {sorted(unknown)}; known: {known}")
        object.__setattr__(self, "bbox_xywh", boxes)
        object.__setattr__(self, "score", scores)
        object.__setattr__(self, "data", data)

    @classmethod
    def empty(cls) -> Detections:
        """Nobody."""
        return cls(np.zeros((0, 4)), np.zeros(0))

    @classmethod
    def from_list(cls, people: Iterable[Detection]) -> Detections:
        """The same people as arrays; an extra some have and others not is NaN for the others.

        Raises:
            ValueError: where an extra's shape differs between people (other than the region's keypoints, of
                which each keeps the first two).
        """
        people = list(people)
        data = {}
        for name in EXTRAS:
            values = [getattr(person, name) for person in people]
            if all(value is None for value in values):
                continue
            values = [None if value is None else np.asarray(value, dtype=np.float64) for value in values]
            shapes = {value.shape for value in values if value is not None}
            if name == "keypoints_px" and len(shapes) > 1:
                values = [None if value is None else value[:_REGION_POINTS] for value in values]
                shapes = {value.shape for value in values if value is not None}
            if len(shapes) > 1:
                raise ValueError(f"{name} comes in shapes {sorted(shapes)}: one shape for every person")
            (shape,) = shapes
            data[name] = np.stack([np.full(shape, np.nan) if value is None else value for value in values])
        return cls(
            np.array([person.bbox_xywh for person in people], dtype=np.float64).reshape(-1, 4),
            np.array([person.score for person in people], dtype=np.float64),
            data,
        )

    @classmethod
    def concatenate(cls, parts: Iterable[Detections]) -> Detections:
        """The people of ``parts``, in order, as one Detections (supervision's ``Detections.merge``); an extra
        some parts have and others not is NaN for the others' people.

        Raises:
            ValueError: as :meth:`from_list`, where an extra's shape differs between parts; where some parts have
                the tracker's columns and others not.
        """
        parts = [part for part in parts if len(part)]
        if len(parts) < 2:
            return parts[0] if parts else cls.empty()
        tracked = {name for name in TRACKER_COLUMNS if any(name in part.data for part in parts)}
        if any(name not in part.data for name in tracked for part in parts):
            raise ValueError(f"some parts lack the tracker's columns {sorted(tracked)}")
        data = {name: np.concatenate([part.data[name] for part in parts]) for name in tracked}
        for name in EXTRAS:
            shapes = {part.data[name].shape[1:] for part in parts if name in part.data}
            if len(shapes) > 1:  # the region's keypoints of two kinds, or shapes from_list refuses
                if tracked:
                    raise ValueError(f"{name} comes in shapes {sorted(shapes)} in parts with the tracker's columns")
                return cls.from_list(person for part in parts for person in part)
            if shapes:
                (shape,) = shapes
                data[name] = np.concatenate(
                    [part.data.get(name, np.full((len(part), *shape), np.nan)) for part in parts]
                )
        return cls(
            np.concatenate([part.bbox_xywh for part in parts]), np.concatenate([part.score for part in parts]), data
        )

    def __len__(self) -> int:
        return len(self.score)

    def __iter__(self) -> Iterator[Detection]:
        return (self[i] for i in range(len(self)))

    def __getitem__(self, index) -> Detection | Detections:
        """A number: that person, a :class:`~pose.detect.Detection`. A slice, a boolean mask or indices: those
        people, as Detections."""
        if isinstance(index, (int, np.integer)):
            extras = {name: values[index] for name, values in self.data.items() if name in EXTRAS}
            return Detection(
                self.bbox_xywh[index].copy(),
                float(self.score[index]),
                **{name: None if np.isnan(row).all() else row.copy() for name, row in extras.items()},
            )
        rows = np.arange(len(self))[index]
        return Detections(self.bbox_xywh[rows], self.score[rows], {k: v[rows] for k, v in self.data.items()})

    @property
    def area(self) -> np.ndarray:
        """(N,) each box's area in square pixels."""
        return self.bbox_xywh[:, 2] * self.bbox_xywh[:, 3]

    def largest_first(self) -> Detections:
        """The same people, the largest box first (ties keep their order)."""
        return self[np.argsort(-self.area, kind="stable")]

    def clipped(self, image_size: tuple[int, int], min_side_px: float = 2.0) -> Detections:
        """The same people with their boxes clipped to an image of ``image_size`` (width, height); those with less
        than ``min_side_px`` of it either way are left out."""
        lo = np.clip(self.bbox_xywh[:, :2], 0.0, image_size)
        hi = np.clip(self.bbox_xywh[:, :2] + self.bbox_xywh[:, 2:], 0.0, image_size)
        keep = np.all(hi - lo >= min_side_px, axis=1)
        return Detections(np.c_[lo, hi - lo], self.score, self.data)[keep]

    def without(self, *names: str) -> Detections:
        """The same people without the extras ``names`` (landmarks found on another frame than the one they go to)."""
        return Detections(self.bbox_xywh, self.score, {k: v for k, v in self.data.items() if k not in names})

    def scaled(self, sx: float, sy: float) -> Detections:
        """The same people in the frame resized by ``sx`` across and ``sy`` down: every pixel coordinate scaled
        (the scores, visibilities and millimetres are the same)."""
        points = np.array([sx, sy])
        data = {k: v * points if k in _PIXELS else v for k, v in self.data.items()}
        return Detections(self.bbox_xywh * np.array([sx, sy, sx, sy]), self.score, data)

    def shifted(self, dx: float, dy: float) -> Detections:
        """The same people in a frame where this one's pixel (0, 0) is at (``dx``, ``dy``), as a crop's people in
        the frame it was cut from."""
        points = np.array([dx, dy])
        data = {k: v + points if k in _PIXELS else v for k, v in self.data.items()}
        return Detections(self.bbox_xywh + np.array([dx, dy, 0.0, 0.0]), self.score, data)

    def __repr__(self) -> str:
        extras = f", data: {', '.join(self.data)}" if self.data else ""
        return f"Detections({len(self)}{extras})"


def as_detections(found: Detections | Iterable[Detection]) -> Detections:
    """A detector's answer as :class:`Detections`: a person detector of the user's own may return a list of
    :class:`~pose.detect.Detection`, as the protocol's first version asked."""
    return found if isinstance(found, Detections) else Detections.from_list(found)
