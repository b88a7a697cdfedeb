"""Every person in a frame, from MediaPipe's bundled BlazePose detector (an SSD) run by OpenVINO.

Unlike MediaPipe's pose solution, which keeps the best detection only, every detection that
survives the weighted non-max suppression is a person. Frames much larger than the model's
224x224 input are also searched tile by tile, so that small, distant people get enough pixels.
"""

from __future__ import annotations

import logging
import threading

import cv2
import numpy as np

from . import ssd
from .base import Detection
from .mediapipe_models import POSE_DETECTION, compile_model

__all__ = ["BlazePoseDetector", "tile_regions", "body_box"]

log = logging.getLogger(__name__)

# The person's extent from the mid-hip, in hip-to-scale-point distances: along the body axis (either way)
# and across it (either side). Along: measured, the segmented full-body people of jump_suit.jpg and
# jump_dark.png reach 0.78-0.95 up and 0.75-1.0 down at 60-180 px tall. Across: a compromise between a
# person with arms down (about 0.25) and arms spread (0.6-0.85), so that either overlaps the box at IoU > 0.5.
BODY_EXTENT = (0.85, 0.45)
MAX_AUTO_GRID = 4  # 16 tiles + the whole frame: 17 detector runs


def body_box(keypoints_px: np.ndarray, image_size: tuple[int, int], extent: tuple[float, float] = BODY_EXTENT):
    """Axis-aligned box (x, y, w, h) around the whole person from the detector's alignment keypoints.

    The person spans ``extent`` (along, across the body axis) hip-to-scale-point distances on either side
    of the mid-hip; the box bounds that rotated rect, clipped to the image.

    Args:
        keypoints_px: (4, 2) the detection's keypoints in pixels (0 mid-hip, 1 full-body scale point).
        image_size: (width, height).

    Returns:
        (4,) box, or None when it has no area inside the image.
    """
    width, height = image_size
    corners = _body_corners(keypoints_px, extent)
    x1, y1 = np.maximum(corners.min(axis=0), 0.0)
    x2, y2 = np.minimum(corners.max(axis=0), [width, height])
    if x2 - x1 < 2 or y2 - y1 < 2:
        return None
    return np.array([x1, y1, x2 - x1, y2 - y1])


def _body_corners(keypoints_px: np.ndarray, extent: tuple[float, float] = BODY_EXTENT) -> np.ndarray:
    """(..., 4, 2) corners of the rotated rect around the person (see :func:`body_box`)."""
    hip, top = keypoints_px[..., 0, :], keypoints_px[..., 1, :]
    axis = (top - hip) * extent[0]
    across = np.stack([-axis[..., 1], axis[..., 0]], axis=-1) * (extent[1] / extent[0])
    return np.stack([hip + axis + across, hip + axis - across, hip - axis + across, hip - axis - across], axis=-2)


def _inside(keypoints_px: np.ndarray, region: tuple[int, int, int, int], tolerance: float) -> np.ndarray:
    """(N,) whether each person's body (from (N, 4, 2) keypoints) lies within ``region``, give or take
    ``tolerance`` of the body's size."""
    corners = _body_corners(keypoints_px)
    lo, hi = corners.min(axis=1), corners.max(axis=1)
    slack = (hi - lo) * tolerance
    x, y, w, h = region
    return np.all((lo + slack >= [x, y]) & (hi - slack <= [x + w, y + h]), axis=1)


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


class BlazePoseDetector:
    """Every person in a frame: MediaPipe's BlazePose SSD on the whole frame, plus tiles of large frames.

    Each :class:`~pose.detect.Detection` has the whole-body box, the score, and ``keypoints_px`` (4, 2):
    mid-hip, full-body scale point, mid-shoulder, upper-body scale point, from which
    :func:`pose.detect.ssd.body_roi` gives the landmark model's rotated region.

    Args:
        min_score: detections scoring less are dropped before the suppression (MediaPipe's default 0.5).
        tiles: search a ``tiles`` x ``tiles`` grid of overlapping tiles besides the whole frame; "auto"
            takes a grid of ``long side // tile_px`` (at most 4; none below 2: 640 px gives 2x2, 768 px 3x3);
            0 never tiles. Measured on scenes of 4 people (tools: pose.measure.scenes), recall at IoU 0.5
            of the detector with landmarks went from 0.36 (whole frame) to 0.57 (2x2) and 0.92 (3x3) in 768x576.
        tile_px: the tile size "auto" aims at (before the overlap).
        max_people: keep at most this many, largest first (None: all).
        tile_tolerance: a tile keeps a person whose body sticks out of it by at most this fraction of the
            body's size (a person cut by the tile's edge is whole in a neighbour or in the whole frame).

    Raises:
        FileNotFoundError: mediapipe's wheel lacks the model.
    """

    def __init__(
        self,
        min_score: float = 0.5,
        tiles: int | str = "auto",
        tile_px: int = 256,
        max_people: int | None = None,
        tile_tolerance: float = 0.15,
    ) -> None:
        if tiles != "auto" and (not isinstance(tiles, int) or tiles < 0):
            raise ValueError(f"tiles must be 'auto' or a grid size >= 0, got {tiles!r}")
        self.min_score = min_score
        self.tiles = tiles
        self.tile_px = tile_px
        self.max_people = max_people
        self.tile_tolerance = tile_tolerance
        self._compiled = compile_model(POSE_DETECTION)
        self._local = threading.local()

    def _request(self):
        request = getattr(self._local, "request", None)
        if request is None:
            request = self._local.request = self._compiled.create_infer_request()
        return request

    def regions(self, image_size: tuple[int, int]) -> list[tuple[int, int, int, int]]:
        """The regions (x, y, w, h) searched in an image of ``image_size``: the whole, then any tiles."""
        grid = self.tiles
        if grid == "auto":
            grid = min(MAX_AUTO_GRID, max(image_size) // self.tile_px)
        return [(0, 0, *image_size), *tile_regions(image_size, grid)]

    def _run(self, region_rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Detections in one region: (N, 12) rows (face box x1 y1 x2 y2, 4 keypoints) in region pixels."""
        size = ssd.SSD.input_size
        square, scale, offset = ssd.letterbox(region_rgb, size)
        tensor = square.astype(np.float32)[None] / 127.5 - 1.0
        request = self._request()
        request.infer({0: tensor})
        regressors, logits = (request.get_output_tensor(i).data for i in range(2))
        rows, scores = ssd.decode(regressors.reshape(-1, regressors.shape[-1]), logits, self.min_score)
        points = rows.reshape(len(rows), rows.shape[1] // 2, 2) * size
        points = (points - np.asarray(offset, dtype=np.float32)) / scale
        return points.reshape(len(rows), rows.shape[1]), scores

    def detect(self, frame_bgr: np.ndarray) -> list[Detection]:
        """Every person in ``frame_bgr`` (H, W, 3) uint8, largest first; an empty list when nobody is in view."""
        height, width = frame_bgr.shape[:2]
        frame_rgb = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2RGB)
        found_rows, found_scores = [], []
        for i, (x, y, w, h) in enumerate(self.regions((width, height))):
            rows, scores = self._run(frame_rgb[y : y + h, x : x + w])
            rows = rows + np.tile(np.array([x, y], dtype=np.float32), rows.shape[1] // 2)
            if i > 0:  # a tile answers only for people wholly inside it; larger ones are the whole frame's
                whole = _inside(
                    rows[:, 4:].reshape(len(rows), rows.shape[1] // 2 - 2, 2), (x, y, w, h), self.tile_tolerance
                )
                rows, scores = rows[whole], scores[whole]
            found_rows.append(rows)
            found_scores.append(scores)
        rows, scores = ssd.weighted_nms(np.concatenate(found_rows), np.concatenate(found_scores))
        detections = []
        for row, score in zip(rows, scores):
            keypoints_px = row[4:].reshape(-1, 2).astype(np.float64)
            box = body_box(keypoints_px, (width, height))
            if box is not None:
                detections.append(Detection(box, float(score), keypoints_px=keypoints_px))
        detections.sort(key=lambda d: -d.bbox_xywh[2] * d.bbox_xywh[3])
        return detections[: self.max_people] if self.max_people is not None else detections

    def reset(self) -> None:
        """Nothing to forget: every frame is detected afresh."""

    def close(self) -> None:
        """The compiled model is shared (cached); the thread's request goes with this object."""
        self._local = threading.local()
