"""Every person in a frame, from MediaPipe's bundled BlazePose detector (an SSD) run by OpenVINO.

Unlike MediaPipe's pose solution, which keeps the best detection only, every detection that
survives the weighted non-max suppression is a person. Frames much larger than the model's
224x224 input are also searched tile by tile, so that small, distant people get enough pixels.
"""

from __future__ import annotations

import logging

import cv2
import numpy as np

from . import ssd
from .base import Detection
from .mediapipe_models import POSE_DETECTION, ThreadRequests

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


def _inside(
    keypoints_px: np.ndarray, region: tuple[int, int, int, int], tolerance: float, image_size: tuple[int, int]
) -> np.ndarray:
    """(N,) whether each person's body (from (N, 4, 2) keypoints) lies within ``region``, give or take
    ``tolerance`` of the body's size.

    A region's side on the image's edge is open: a body cut by the frame (a close-up, somebody half in view)
    is no more whole in any other region, so the tile that sees it best answers for it.
    """
    corners = _body_corners(keypoints_px)
    lo, hi = corners.min(axis=1), corners.max(axis=1)
    slack = (hi - lo) * tolerance
    x, y, w, h = region
    region_lo = np.where([x <= 0, y <= 0], -np.inf, [x, y])
    region_hi = np.where([x + w >= image_size[0], y + h >= image_size[1]], np.inf, [x + w, y + h])
    return np.all((lo + slack >= region_lo) & (hi - slack <= region_hi), axis=1)


# A tile also answers for a person whose face box it holds and whose body (head to feet, from the keypoints)
# is at most this many times its shorter side: somebody cut by the tile's edge, as a close-up cut by the frame,
# whom no region holds whole. Measured on the scenes (python -m pose.measure.scenes, 768x576, landmarks on):
# recall 0.71 -> 1.00 on 60-120 px people, 0.67 -> 1.00 on the grey clip, 0.90 -> 1.00 on the dim one, no
# false person on empty frames; the face rule alone (without the body rule) lost large people (0.97 -> 0.79).
TILE_FACE_FIT = 1.2


def _tile_answers(
    rows: np.ndarray, region: tuple[int, int, int, int], tolerance: float, image_size
) -> tuple[np.ndarray, np.ndarray]:
    """Which of a tile's detections, (N, 12) rows in image pixels, the tile answers for: (N,) those whose body
    lies within it (see :func:`_inside`), and (N,) those cut by its edge whose face box it holds, their body
    not much larger than the tile (:data:`TILE_FACE_FIT`). The rest are larger people, the whole frame's."""
    keypoints = rows[:, 4:].reshape(len(rows), (rows.shape[1] - 4) // 2, 2)
    x, y, w, h = region
    face_inside = np.all((rows[:, :2] >= [x, y]) & (rows[:, 2:4] <= [x + w, y + h]), axis=1)
    body_length = 2.0 * BODY_EXTENT[0] * np.linalg.norm(keypoints[:, 1] - keypoints[:, 0], axis=1)
    whole = _inside(keypoints, region, tolerance, image_size)
    return whole, ~whole & face_inside & (body_length <= TILE_FACE_FIT * min(w, h))


def _merge(sure: tuple[np.ndarray, np.ndarray], cut: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Weighted NMS of the whole frame's and whole-in-a-tile detections, then of those cut by a tile's edge,
    which only add people the first missed: where both saw somebody, a view cut through the body would move
    the landmark region (on footballer.jpg, world landmarks 128 mm from MediaPipe's instead of 0.6 mm)."""
    rows, scores = ssd.weighted_nms(*sure)
    extra_rows, extra_scores = ssd.weighted_nms(*cut)
    new = [not len(rows) or ssd._iou_one(row[:4], rows[:, :4]).max() <= ssd.SSD.nms_iou for row in extra_rows]
    new = np.asarray(new, dtype=bool)
    return np.concatenate([rows, extra_rows[new]]), np.concatenate([scores, extra_scores[new]])


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
            takes a grid of ``long side / tile_px`` rounded (at most 4; none below 2: 548 px gives 2x2, 640 and
            768 px 3x3); 0 never tiles. Measured on scenes of 4 people (tools: pose.measure.scenes), recall at
            IoU 0.5 of the detector with landmarks went from 0.36 (whole frame) to 0.57 (2x2) and 0.92 (3x3) in
            768x576; in 640x480, 3x3 instead of 2x2 took the colour clip from 0.61 to 0.98, small people from
            0.64 to 0.80, dim 1.00 to 0.95 and grey 0.87 to 0.74, at 45 instead of 25 ms a frame.
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
        self._requests = ThreadRequests(POSE_DETECTION)

    def regions(self, image_size: tuple[int, int]) -> list[tuple[int, int, int, int]]:
        """The regions (x, y, w, h) searched in an image of ``image_size``: the whole, then any tiles."""
        grid = self.tiles
        if grid == "auto":
            grid = min(MAX_AUTO_GRID, int(max(image_size) / self.tile_px + 0.5))
        return [(0, 0, *image_size), *tile_regions(image_size, grid)]

    def _run(self, region_rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Detections in one region: (N, 12) rows (face box x1 y1 x2 y2, 4 keypoints) in region pixels."""
        size = ssd.SSD.input_size
        square, scale, offset = ssd.letterbox(region_rgb, size)
        tensor = square.astype(np.float32)[None] / 127.5 - 1.0
        request = self._requests.get()
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
        sure_rows, sure_scores, cut_rows, cut_scores = [], [], [], []
        for i, (x, y, w, h) in enumerate(self.regions((width, height))):
            rows, scores = self._run(frame_rgb[y : y + h, x : x + w])
            rows = rows + np.tile(np.array([x, y], dtype=np.float32), rows.shape[1] // 2)
            whole, cut = np.ones(len(rows), dtype=bool), np.zeros(len(rows), dtype=bool)
            if i > 0:  # a tile answers for the people it holds; larger ones are the whole frame's
                whole, cut = _tile_answers(rows, (x, y, w, h), self.tile_tolerance, (width, height))
            sure_rows.append(rows[whole])
            sure_scores.append(scores[whole])
            cut_rows.append(rows[cut])
            cut_scores.append(scores[cut])
        rows, scores = _merge(
            (np.concatenate(sure_rows), np.concatenate(sure_scores)),
            (np.concatenate(cut_rows), np.concatenate(cut_scores)),
        )
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
        self._requests.release()
