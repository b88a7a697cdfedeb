"""Everyone in a frame as arrays (:class:`People`), one person's view of them (:class:`Person`), and what the
estimator answers for a frame (:class:`PoseResult`).

As supervision's ``KeyPoints``: the storage is a few stacked arrays, (N, 18, 2) pixels, (N, 18, 3) camera
millimetres, (N, 18) confidences, (N,) track ids, so exports and batch operations stay simple; indexing or
iterating gives :class:`Person` views, ordered by track id.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from ..skeleton import NUM_JOINTS, ROOT

__all__ = ["Person", "People", "PoseResult"]


@dataclass(frozen=True)
class Person:
    """One person's pose in a frame.

    Attributes:
        bbox_xywh: (4,) the person's box in pixels.
        keypoints_2d: (18, 2) image pixels.
        keypoints_3d: (18, 3) camera millimetres.
        keypoints_rel: (18, 3) millimetres relative to the pelvis.
        confidence: (18,) per joint, in [0, 1].
        track_id: the person's identity (from 1), kept across frames while they stay in view.
    """

    bbox_xywh: np.ndarray
    keypoints_2d: np.ndarray
    keypoints_3d: np.ndarray
    keypoints_rel: np.ndarray
    confidence: np.ndarray
    track_id: int = 0


@dataclass(frozen=True, eq=False)
class People:
    """Every person of one frame, as arrays; empty (N = 0) when nobody is in view.

    Attributes:
        bbox_xywh: (N, 4) pixels.
        keypoints_2d: (N, 18, 2) image pixels.
        keypoints_3d: (N, 18, 3) camera millimetres.
        confidence: (N, 18) in [0, 1].
        track_id: (N,) int, ascending.

    ``len``, truth, iteration and indexing work as on a tuple of :class:`Person`; ``people == ()`` is
    true when nobody is in view.
    """

    bbox_xywh: np.ndarray
    keypoints_2d: np.ndarray
    keypoints_3d: np.ndarray
    confidence: np.ndarray
    track_id: np.ndarray

    @classmethod
    def empty(cls) -> People:
        return cls(
            np.zeros((0, 4)),
            np.zeros((0, NUM_JOINTS, 2)),
            np.zeros((0, NUM_JOINTS, 3)),
            np.zeros((0, NUM_JOINTS)),
            np.zeros(0, dtype=np.int64),
        )

    @classmethod
    def from_persons(cls, persons: Sequence[Person]) -> People:
        """Stack :class:`Person` objects, ordered by track id."""
        if not persons:
            return cls.empty()
        persons = sorted(persons, key=lambda p: p.track_id)
        return cls(
            np.stack([np.asarray(p.bbox_xywh, dtype=np.float64) for p in persons]),
            np.stack([p.keypoints_2d for p in persons]),
            np.stack([p.keypoints_3d for p in persons]),
            np.stack([p.confidence for p in persons]),
            np.array([p.track_id for p in persons], dtype=np.int64),
        )

    @property
    def keypoints_rel(self) -> np.ndarray:
        """(N, 18, 3) millimetres relative to each pelvis."""
        return self.keypoints_3d - self.keypoints_3d[:, ROOT : ROOT + 1]

    def __len__(self) -> int:
        return len(self.track_id)

    def __bool__(self) -> bool:
        return len(self) > 0

    def __getitem__(self, index: int) -> Person:
        if not -len(self) <= index < len(self):
            raise IndexError(f"person {index} of {len(self)}")
        return Person(
            self.bbox_xywh[index],
            self.keypoints_2d[index],
            self.keypoints_3d[index],
            self.keypoints_3d[index] - self.keypoints_3d[index, ROOT],
            self.confidence[index],
            int(self.track_id[index]),
        )

    def __iter__(self) -> Iterator[Person]:
        return (self[i] for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, tuple | list) and not other:
            return not self
        return self is other

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"People({len(self)}: ids {self.track_id.tolist()})"


@dataclass(frozen=True)
class PoseResult:
    """What :meth:`pose.PoseEstimator.process` returns; ``people`` is empty when nobody is in view.

    Attributes:
        people: everyone found, as arrays; indexing or iterating gives :class:`Person` views by track id.
        timings_ms: milliseconds per stage (:data:`pose.engine.stages.STAGES`) spent on this frame's path.
        trained: False when the variant ran on untrained (deterministic) weights.
        variant: "XS", "S", "M", "L" or "BlazePose".
        backend: "torch", "onnxruntime", "openvino" (ConvNeXtPose) or "openvino" (BlazePose's models).
        device: "cpu" or "cuda".
        detected: whether a detection's people were merged on this frame.
        frame_size: (width, height).
    """

    people: People
    timings_ms: MappingProxyType
    trained: bool
    variant: str
    backend: str
    device: str
    detected: bool = False
    frame_size: tuple[int, int] = field(default=(0, 0))
