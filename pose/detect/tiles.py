"""Tiling, in one place: :class:`TiledDetector` makes any :class:`~pose.detect.base.PersonDetector` also search a
frame tile by tile, so that small, distant people get enough of its input's pixels.

Which tiles is a :class:`Tiling`: :class:`GridTiles` for the plug-in detectors, the bundled detector's own in
:mod:`pose.detect.blazepose`. A tile answers for the people it sees whole, and for those cut by its edge whose face
box it holds; the views' people are then merged, those seen whole first, then the surest. A plug-in ONNX detector
is wrapped by :func:`pose.detect.create_detector`, the bundled BlazePose detector by
:func:`pose.detect.blazepose.blazepose_detector`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from ..geometry import box_iou
from .base import PersonDetector
from .detections import Detections, as_detections

__all__ = ["BatchDetector", "GridTiles", "TiledDetector", "Tiling", "tile_regions", "TILE_ABOVE", "TILE_EDGE"]

Region = tuple[int, int, int, int]  # x, y, w, h in the frame's pixels

# With YOLOX-nano (416 px) on the 41 clear people of 27 annotated real photos (pose.detect.onnx's tuning), the
# 2 x 2 tiles took recall from 0.66 to 0.76 at a score floor of 0.40 (a 1920 x 1080 frame of 11 people: 5 found
# -> 8).
TILE_ABOVE = 1.5  # frames whose short side exceeds this many input sizes are also searched in tiles
TILE_EDGE = 0.01  # a tile's box within this fraction of its side of an inner edge is cut by it


def tile_regions(image_size: tuple[int, int], grid: int, overlap: float = 0.25) -> list[Region]:
    """``grid`` x ``grid`` overlapping tiles (x, y, w, h) covering an image; none for ``grid`` < 2.

    Neighbouring tiles share ``overlap`` of a tile, so a person cut by one tile's edge is whole in the next.
    """
    if grid < 2:
        return []
    width, height = image_size
    tile_w = int(np.ceil(width / (grid - (grid - 1) * overlap)))
    tile_h = int(np.ceil(height / (grid - (grid - 1) * overlap)))
    xs = np.linspace(0, width - tile_w, grid).round().astype(int)
    ys = np.linspace(0, height - tile_h, grid).round().astype(int)
    return [(int(x), int(y), tile_w, tile_h) for y in ys for x in xs]


class Tiling(Protocol):
    """Which tiles of a frame are searched besides the whole of it."""

    def regions(self, image_size: tuple[int, int]) -> list[Region]: ...


@dataclass(frozen=True)
class GridTiles:
    """``grid`` x ``grid`` tiles overlapping by ``overlap`` (:func:`tile_regions`), for a frame whose short side
    exceeds ``above_px`` (0: every frame)."""

    above_px: float
    grid: int = 2
    overlap: float = 0.25

    def regions(self, image_size: tuple[int, int]) -> list[Region]:
        return [] if min(image_size) <= self.above_px else tile_regions(image_size, self.grid, self.overlap)


@runtime_checkable
class BatchDetector(Protocol):
    """A person detector that also looks at several views in one call (the bundled SSD: one batched inference
    for the whole frame and its tiles)."""

    def detect_many(self, views_bgr: Sequence[np.ndarray]) -> list[Detections]:
        """The people in each view. Their boxes may reach past the view's edges, where the detector sees how far
        a person cut by them goes (the bundled SSD, from its keypoints): the wrapper clips them to the frame."""


def _answered(
    found: Detections,
    region: Region,
    image_size: tuple[int, int],
    edge: float,
    tolerance: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Which of a tile's people (in frame pixels) the tile answers for: (N,) those it sees whole, and (N,) those
    cut by one of its edges whose face box it holds.

    A person is whole where their box reaches no nearer than ``edge`` of the tile's side to one of its edges
    inside the frame, nor past it by more than ``tolerance`` of the box's size. An edge on the frame's border
    cuts nobody: a person cut by the frame is no more whole in any other view. A cut view counts where its face
    box lies in the tile: a close-up cut by the frame and by the tile, which no view sees whole, is answered for
    by the tile that holds its face, and where a view saw it whole that one comes first in the merge.
    """
    x, y, w, h = region
    margin = edge * max(w, h)
    lo, size = found.bbox_xywh[:, :2], found.bbox_xywh[:, 2:]
    slack = size * tolerance
    inner_lo = np.where([x > 0, y > 0], [x + margin, y + margin], -np.inf)
    inner_hi = np.where([x + w < image_size[0], y + h < image_size[1]], [x + w - margin, y + h - margin], np.inf)
    whole = np.all((lo + slack >= inner_lo) & (lo + size - slack <= inner_hi), axis=1)
    if "face_box_px" not in found.data:
        return whole, np.zeros(len(found), dtype=bool)
    face = found.data["face_box_px"]
    face_inside = np.all((face[:, 0] >= [x, y]) & (face[:, 1] <= [x + w, y + h]), axis=1)
    return whole, ~whole & face_inside


def _one_view_each(found: Detections, whole: np.ndarray, overlap: float) -> Detections:
    """One view per person: the views seen whole first, then the surest; a later view whose face box overlaps a
    kept one's by more than ``overlap`` is the same person seen again (their boxes are compared where either has
    no face box: another detector's). Views are kept as the region gave them, not averaged across regions: an
    average of a whole view and a view cut through the body moves the landmark model's region (on footballer.jpg,
    world landmarks 128 mm from MediaPipe's instead of 0.6 mm)."""
    faces = found.data.get("face_box_px", np.full((len(found), 2, 2), np.nan))
    faces_xywh = np.c_[faces[:, 0], faces[:, 1] - faces[:, 0]]
    has_face = np.isfinite(faces_xywh).all(axis=1)
    kept: list[int] = []
    for i in np.lexsort((-found.score, ~whole)):  # lexsort keeps the order of ties, as the suppression did
        if kept:
            same_face = box_iou(faces_xywh[i], faces_xywh[kept])[0] if has_face[i] else 0.0
            same_box = box_iou(found.bbox_xywh[i], found.bbox_xywh[kept])[0]
            if np.where(has_face[i] & has_face[kept], same_face, same_box).max() > overlap:
                continue
        kept.append(int(i))
    return found[kept]


class TiledDetector:
    """``detector`` on the whole frame and on the tiles of it that ``tiles`` names, the views' people merged.

    A tile's people are moved into frame pixels (landmarks, keypoints and face boxes with them). A tile answers
    for those it sees whole and those cut by its edge whose face box it holds (:func:`_answered`); the others are
    left to the views that see them whole. Then one view per person stays (:func:`_one_view_each`), its box
    clipped to the frame. With no tile to search, the detector's own answer stands.

    Args:
        detector: any person detector; it sees the frame, then each tile, in one call where it is a
            :class:`BatchDetector`. Give it no ``max_people`` of its own: it would cut each view's people, not the
            frame's.
        tiles: which tiles. None: :class:`GridTiles` of 2 x 2 above :data:`TILE_ABOVE` times the detector's
            ``input_size`` (a plug-in ONNX detector's square input), the rule the plug-in detectors were measured
            with.
        merge_iou: two views whose face boxes (their boxes, where either has none) overlap more than this are
            one person. None: the detector's own ``nms_iou``, the overlap at which it merges its own boxes.
        edge: :data:`TILE_EDGE`; a box a tile's view clips to it reaches its edge.
        tolerance: a box sticking out of a tile by at most this fraction of its size is whole in it, for a
            :class:`BatchDetector` whose boxes reach past a view's edges.
        max_people: :meth:`detect` keeps at most this many, largest first (None: all).

    Raises:
        ValueError: ``tiles`` or ``merge_iou`` is None and the detector has no ``input_size`` or ``nms_iou`` to
            take it from.
    """

    def __init__(
        self,
        detector: PersonDetector,
        tiles: Tiling | None = None,
        merge_iou: float | None = None,
        edge: float = TILE_EDGE,
        tolerance: float = 0.0,
        max_people: int | None = None,
    ) -> None:
        if tiles is None:
            if getattr(detector, "input_size", None) is None:
                raise ValueError(f"{type(detector).__name__} has no input_size: give its tiles")
            tiles = GridTiles(TILE_ABOVE * detector.input_size)
        if merge_iou is None:
            if getattr(detector, "nms_iou", None) is None:
                raise ValueError(f"{type(detector).__name__} has no nms_iou: give merge_iou")
            merge_iou = detector.nms_iou
        self.detector, self.tiles = detector, tiles
        self.merge_iou, self.edge, self.tolerance = float(merge_iou), float(edge), float(tolerance)
        self.max_people = max_people

    def regions(self, image_size: tuple[int, int]) -> list[Region]:
        """The tiles (x, y, w, h) searched besides the whole of a frame of ``image_size`` (width, height)."""
        return self.tiles.regions(image_size)

    def _look(self, views_bgr: list[np.ndarray]) -> list[Detections]:
        if isinstance(self.detector, BatchDetector):
            return [as_detections(found) for found in self.detector.detect_many(views_bgr)]
        return [as_detections(self.detector.detect(view)) for view in views_bgr]

    def views(self, frame_bgr: np.ndarray) -> Detections:
        """The people in ``frame_bgr`` (H, W, 3) uint8, one view each, best first: those seen whole in a view,
        then those cut by a tile's edge, each by score (with no tile to search, in the detector's own order)."""
        height, width = frame_bgr.shape[:2]
        regions = self.regions((width, height))
        whole_frame, *in_tiles = self._look([frame_bgr] + [frame_bgr[y : y + h, x : x + w] for x, y, w, h in regions])
        if not regions:
            return whole_frame.clipped((width, height))
        seen, whole = [whole_frame], [np.ones(len(whole_frame), dtype=bool)]
        for (x, y, w, h), found in zip(regions, in_tiles):
            found = found.shifted(x, y)
            whole_in_tile, cut = _answered(found, (x, y, w, h), (width, height), self.edge, self.tolerance)
            answered = whole_in_tile | cut
            seen.append(found[answered])
            whole.append(whole_in_tile[answered])
        merged = _one_view_each(Detections.concatenate(seen), np.concatenate(whole), self.merge_iou)
        return merged.clipped((width, height))

    def detect(self, frame_bgr: np.ndarray) -> Detections:
        """Every person in ``frame_bgr`` (H, W, 3) uint8, largest first; empty when nobody is in view."""
        found = self.views(frame_bgr).largest_first()
        return found[: self.max_people] if self.max_people is not None else found

    def reset(self) -> None:
        """The detector forgets what it kept between frames."""
        self.detector.reset()

    def close(self) -> None:
        """The detector is closed."""
        self.detector.close()
