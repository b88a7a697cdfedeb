"""Tiling, in one place: the overlapping tiles that cover a frame (:func:`tile_regions`), and
:class:`TiledDetector`, which makes any :class:`~pose.detect.base.PersonDetector` also search a large frame tile
by tile, so that small, distant people get enough of its input's pixels.

The bundled BlazePose detector takes its tiles from here but searches them itself, in one batched call with
rules of its own for people cut by a tile (:mod:`pose.detect.blazepose`); a plug-in ONNX detector is wrapped
(:func:`pose.detect.create_detector`).
"""

from __future__ import annotations

import numpy as np

from .base import PersonDetector, suppress_overlaps
from .detections import Detections, as_detections

__all__ = ["TiledDetector", "tile_regions", "TILE_ABOVE", "TILE_EDGE"]

# With YOLOX-nano (416 px) on the 41 clear people of 27 annotated real photos (pose.detect.onnx's tuning), the
# 2 x 2 tiles took recall from 0.66 to 0.76 at a score floor of 0.40 (a 1920 x 1080 frame of 11 people: 5 found
# -> 8).
TILE_ABOVE = 1.5  # frames whose short side exceeds this many input sizes are also searched in tiles
TILE_EDGE = 0.01  # a tile's box within this fraction of its side of an inner edge is cut by it


def tile_regions(image_size: tuple[int, int], grid: int, overlap: float = 0.25) -> list[tuple[int, int, int, int]]:
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


def _cut_by_inner_edge(
    boxes_xywh: np.ndarray, region: tuple[int, int, int, int], image_size: tuple[int, int], edge: float
) -> np.ndarray:
    """(N,) whether each box (in the tile's pixels) reaches within ``edge`` of the tile's side of one of the
    tile's edges inside the frame: a person cut there is whole in a neighbouring tile or in the whole frame. An
    edge on the frame's border cuts nobody the other views see whole."""
    x, y, w, h = region
    margin = edge * max(w, h)
    x1, y1, bw, bh = np.asarray(boxes_xywh, dtype=np.float64).reshape(-1, 4).T
    return (
        ((x1 < margin) & (x > 0))
        | ((y1 < margin) & (y > 0))
        | ((x1 + bw > w - margin) & (x + w < image_size[0]))
        | ((y1 + bh > h - margin) & (y + h < image_size[1]))
    )


class TiledDetector:
    """``detector`` on the whole frame and, for a large frame, also on ``grid`` x ``grid`` overlapping tiles, the
    views' people merged by non-max suppression, largest first.

    A tile's boxes are moved into frame pixels (landmarks and keypoints with them); those cut by one of its edges
    inside the frame are left to the views that see them whole (:data:`TILE_EDGE`). The merge compares the boxes
    as the detector returns them, clipped to the view that saw them.

    Args:
        detector: any person detector; it sees the frame, then each tile, one after the other. Give it no
            ``max_people`` of its own: it would cut each view's people, not the frame's.
        tile_above_px: a frame whose short side exceeds this many pixels is also searched in tiles (0: every
            frame). None: :data:`TILE_ABOVE` times the detector's ``input_size`` (a plug-in ONNX detector's
            square input), the rule the plug-in detectors were measured with.
        nms_iou: two views' boxes overlapping more than this are one person, the surer kept. None: the
            detector's own ``nms_iou``, the overlap at which it merges its own boxes.
        grid: tiles each way.
        overlap: the fraction of a tile that neighbouring tiles share (:func:`tile_regions`).
        edge: :data:`TILE_EDGE`.
        max_people: keep at most this many, largest first (None: all).

    Raises:
        ValueError: ``tile_above_px`` or ``nms_iou`` is None and the detector has no ``input_size`` or
            ``nms_iou`` to take it from.
    """

    def __init__(
        self,
        detector: PersonDetector,
        tile_above_px: float | None = None,
        nms_iou: float | None = None,
        grid: int = 2,
        overlap: float = 0.25,
        edge: float = TILE_EDGE,
        max_people: int | None = None,
    ) -> None:
        if tile_above_px is None:
            if getattr(detector, "input_size", None) is None:
                raise ValueError(f"{type(detector).__name__} has no input_size: give tile_above_px")
            tile_above_px = TILE_ABOVE * detector.input_size
        if nms_iou is None:
            if getattr(detector, "nms_iou", None) is None:
                raise ValueError(f"{type(detector).__name__} has no nms_iou: give nms_iou")
            nms_iou = detector.nms_iou
        self.detector = detector
        self.tile_above_px, self.nms_iou = float(tile_above_px), float(nms_iou)
        self.grid, self.overlap, self.edge, self.max_people = grid, overlap, edge, max_people

    def regions(self, image_size: tuple[int, int]) -> list[tuple[int, int, int, int]]:
        """The tiles (x, y, w, h) searched besides the whole of a frame of ``image_size`` (width, height)."""
        if min(image_size) <= self.tile_above_px:
            return []
        return tile_regions(image_size, self.grid, self.overlap)

    def detect(self, frame_bgr: np.ndarray) -> Detections:
        """Every person in ``frame_bgr`` (H, W, 3) uint8, largest first; empty when nobody is in view."""
        height, width = frame_bgr.shape[:2]
        views = [as_detections(self.detector.detect(frame_bgr))]
        regions = self.regions((width, height))
        for x, y, w, h in regions:
            tile = as_detections(self.detector.detect(frame_bgr[y : y + h, x : x + w]))
            whole = ~_cut_by_inner_edge(tile.bbox_xywh, (x, y, w, h), (width, height), self.edge)
            views.append(tile[whole].shifted(x, y))
        found = views[0] if len(views) == 1 else Detections.from_list(d for view in views for d in view)
        if regions and len(found):
            xyxy = np.c_[found.bbox_xywh[:, :2], found.bbox_xywh[:, :2] + found.bbox_xywh[:, 2:]]
            found = found[suppress_overlaps(xyxy, found.score, self.nms_iou)]
        found = found.largest_first()
        return found[: self.max_people] if self.max_people is not None else found

    def reset(self) -> None:
        """The detector forgets what it kept between frames."""
        self.detector.reset()

    def close(self) -> None:
        """The detector is closed."""
        self.detector.close()
