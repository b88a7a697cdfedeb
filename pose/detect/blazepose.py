"""Every person in a frame, from MediaPipe's bundled BlazePose detector (an SSD) run by OpenVINO.

Unlike MediaPipe's pose solution, which keeps the best detection only, every detection that
survives the weighted non-max suppression is a person. Frames much larger than the model's
224x224 input are also searched tile by tile (the tiles are :func:`pose.detect.tiles.tile_regions`), so that
small, distant people get enough pixels; the whole frame and its tiles go through the model in one batched call.
"""

from __future__ import annotations

import logging
import threading

import cv2
import numpy as np

from ..identity import RULES
from . import ssd
from .base import Detection
from .detections import Detections
from .mediapipe_models import POSE_DETECTION, ThreadRequests
from .tiles import tile_regions

__all__ = ["BlazePoseDetector", "body_box"]

log = logging.getLogger(__name__)

# The person's extent from the mid-hip, in hip-to-scale-point distances: along the body axis (either way)
# and across it (either side). Along: measured, the segmented full-body people of jump_suit.jpg and
# jump_dark.png reach 0.78-0.95 up and 0.75-1.0 down at 60-180 px tall. Across: a compromise between a
# person with arms down (about 0.25) and arms spread (0.6-0.85), so that either overlaps the box at IoU > 0.5.
BODY_EXTENT = (0.85, 0.45)
MAX_AUTO_GRID = 4  # at most 16 fine tiles
# Coarse tiles: 3 x 3 tiles of 4/7 of the frame each way, half a tile apart. Measured on skiers.jpg: the centre
# skier (245 px tall, his face just below another skier's, poles across him) is found neither in the whole
# frame nor in 2 x 2 or 3 x 3 tiles overlapping by a quarter, but at 0.80 in a 366 x 224 tile from y = 84;
# these tiles hold him, and took the photo from 3 to 5 of its 5 skiers (with the fine tiles).
COARSE_TILES = (3, 0.625)


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


def _tile_answers(rows: np.ndarray, region: tuple[int, int, int, int], tolerance: float, image_size):
    """Which of a tile's detections, (N, 12) rows in image pixels, the tile answers for: (N,) those whose body
    lies within it (see :func:`_inside`), and (N,) those cut by its edge whose face box it holds.

    Cut views count whatever the body's size: a close-up cut by the frame (two_indoors.png's man on the
    right, 460 px tall, his hips at the frame's edge) is seen by no region whole, and the whole frame missed
    him; a large person the whole frame did see comes back twice, and the landmark model's skeletons tell
    the two views apart (:class:`~pose.detect.landmarks.BlazePoseMultiPersonDetector`).
    """
    keypoints = rows[:, 4:].reshape(len(rows), (rows.shape[1] - 4) // 2, 2)
    x, y, w, h = region
    face_inside = np.all((rows[:, :2] >= [x, y]) & (rows[:, 2:4] <= [x + w, y + h]), axis=1)
    whole = _inside(keypoints, region, tolerance, image_size)
    return whole, ~whole & face_inside


def _first_views(candidates: list[tuple[bool, float, np.ndarray]]) -> list[tuple[float, np.ndarray]]:
    """One view per face box: (whole, score, row) candidates from all regions, those seen whole first, then the
    surest; a later candidate whose face box overlaps a kept one's by more than ``face_overlap``
    (:class:`pose.identity.IdentityRules`) is the same detection seen again. Views are kept as the region gave
    them, not averaged across regions: an average of a whole view and a view cut through the body moves the
    landmark model's region (on footballer.jpg, world landmarks 128 mm from MediaPipe's instead of 0.6 mm)."""
    kept: list[tuple[float, np.ndarray]] = []
    for _, score, row in sorted(candidates, key=lambda c: (not c[0], -c[1])):
        if not kept or ssd._iou_one(row[:4], np.stack([k[1][:4] for k in kept])).max() <= RULES.face_overlap:
            kept.append((score, row))
    return kept


class BlazePoseDetector:
    """Views of every person in a frame: MediaPipe's BlazePose SSD on the whole frame and on tiles of it.

    Each :class:`~pose.detect.Detection` has the whole-body box, the score, and ``keypoints_px`` (4, 2):
    mid-hip, full-body scale point, mid-shoulder, upper-body scale point, from which
    :func:`pose.detect.ssd.body_roi` gives the landmark model's rotated region. A person seen by two regions
    with different face boxes (whole in one, cut in another) comes back once per view;
    :class:`~pose.detect.landmarks.BlazePoseMultiPersonDetector` keeps one skeleton each.

    Args:
        min_score: detections scoring less are dropped before the suppression (MediaPipe's default 0.5).
        tiles: besides the whole frame, the coarse tiles (:data:`COARSE_TILES`) and a ``tiles`` x ``tiles``
            grid of tiles overlapping by a quarter; "auto" takes a grid of ``long side / tile_px`` rounded (at
            most 4): none below 2 (a 256 px photo is searched whole), the coarse tiles alone at 2 (288-479 px),
            both from 3 (548 and 640 px give 3x3, 768 px and more 4x4); 0 never tiles. Measured on scenes of 4
            people (pose.measure.scenes), before the coarse tiles, recall at IoU 0.5 of the detector with
            landmarks went from 0.36 (whole frame) to 0.57 (2x2) and 0.92 (3x3) in 768x576; the coarse tiles
            took skiers.jpg from 3 to 5 skiers and left the scenes' recall as it was.
        tile_px: the fine tile size "auto" aims at (before the overlap). Measured in 768x576 (4 x 4 at 192 px,
            3 x 3 at 256): small (60-120 px) greyscale people went from 0.53 to 0.97 recall, the other clips
            stayed at 1.00, at 115-150 instead of 95-140 ms a detection frame.
        max_people: :meth:`detect` keeps at most this many views, largest first (None: all); :meth:`views`
            keeps all.
        tile_tolerance: a tile keeps a person whose body sticks out of it by at most this fraction of the
            body's size as seen whole (a person cut by the tile's edge is whole in a neighbour or in the
            whole frame, or answered for as a cut view: :func:`_tile_answers`).
        threads: threads per inference (None: OpenVINO's choice, every core).

    Raises:
        FileNotFoundError: mediapipe's wheel lacks the model.
    """

    def __init__(
        self,
        min_score: float = 0.5,
        tiles: int | str = "auto",
        tile_px: int = 192,
        max_people: int | None = None,
        tile_tolerance: float = 0.15,
        threads: int | None = None,
    ) -> None:
        if tiles != "auto" and (not isinstance(tiles, int) or tiles < 0):
            raise ValueError(f"tiles must be 'auto' or a grid size >= 0, got {tiles!r}")
        self.min_score = min_score
        self.tiles = tiles
        self.tile_px = tile_px
        self.max_people = max_people
        self.tile_tolerance = tile_tolerance
        self.threads = threads
        self._requests: dict[int, ThreadRequests] = {}  # by batch: one per number of regions
        self._requests_lock = threading.Lock()

    def regions(self, image_size: tuple[int, int]) -> list[tuple[int, int, int, int]]:
        """The regions (x, y, w, h) searched in an image of ``image_size``: the whole, then the coarse tiles
        (:data:`COARSE_TILES`), then the fine grid (see ``tiles``)."""
        if self.tiles == 0:
            return [(0, 0, *image_size)]
        grid = self.tiles
        if grid == "auto":
            grid = min(MAX_AUTO_GRID, int(max(image_size) / self.tile_px + 0.5))
            if grid < 2:  # a frame about a tile's size (a 256 x 256 photo) is searched whole
                return [(0, 0, *image_size)]
            grid = grid if grid >= 3 else 0  # a 2 x 2 grid is about the coarse tiles' size
        return [(0, 0, *image_size), *tile_regions(image_size, *COARSE_TILES), *tile_regions(image_size, grid)]

    def _run(self, regions_rgb: list[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Detections in each region, all in one batched call: (N, 12) rows (face box x1 y1 x2 y2,
        4 keypoints) in region pixels, and (N,) scores.

        The whole frame and 18 tiles (768x576, 3 x 3 fine tiles) took 65-67 ms in one call, 85-92 ms in 19
        (2 cores).
        """
        size = ssd.SSD.input_size
        squares = [ssd.letterbox(region, size) for region in regions_rgb]
        tensor = np.stack([square for square, _, _ in squares]).astype(np.float32) / 127.5 - 1.0
        with self._requests_lock:
            if len(squares) not in self._requests:
                self._requests[len(squares)] = ThreadRequests(POSE_DETECTION, len(squares), self.threads)
            requests = self._requests[len(squares)]
        request = requests.get()
        request.infer({0: tensor})
        regressors, logits = (ssd.unbatch(request.get_output_tensor(i).data, len(squares)) for i in range(2))
        found = []
        for i, (_, scale, offset) in enumerate(squares):
            rows, scores = ssd.decode(regressors[i], logits[i], self.min_score)
            points = rows.reshape(len(rows), rows.shape[1] // 2, 2) * size
            points = (points - np.asarray(offset, dtype=np.float32)) / scale
            found.append((points.reshape(len(rows), rows.shape[1]), scores))
        return found

    def detect(self, frame_bgr: np.ndarray) -> Detections:
        """Every person in ``frame_bgr`` (H, W, 3) uint8, largest first; empty when nobody is in view (see
        :meth:`views`)."""
        detections = Detections.from_list(self.views(frame_bgr)).largest_first()
        return detections[: self.max_people] if self.max_people is not None else detections

    def views(self, frame_bgr: np.ndarray) -> list[Detection]:
        """The views of the people in ``frame_bgr`` (H, W, 3) uint8, best first: those seen whole in a region,
        then those cut by a tile's edge, each by score.

        Each region's detections are merged as MediaPipe merges one image's (weighted NMS); across regions, a
        tile answers for the people it sees whole or whose face it holds (:func:`_tile_answers`), and each
        face box keeps its first view (:func:`_first_views`). A person may still come back twice, from two
        regions whose face boxes differ (a whole and a cut view): the landmark model's skeletons settle it.
        """
        height, width = frame_bgr.shape[:2]
        frame_rgb = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2RGB)
        candidates = []
        regions = self.regions((width, height))
        found = self._run([frame_rgb[y : y + h, x : x + w] for x, y, w, h in regions])
        for i, ((x, y, w, h), (rows, scores)) in enumerate(zip(regions, found)):
            if not len(rows):
                continue
            rows, scores = ssd.weighted_nms(rows, scores)
            rows = rows + np.tile(np.array([x, y], dtype=np.float32), rows.shape[1] // 2)
            whole, cut = np.ones(len(rows), dtype=bool), np.zeros(len(rows), dtype=bool)
            if i > 0:  # a tile answers for the people it holds, or whose face it holds
                whole, cut = _tile_answers(rows, (x, y, w, h), self.tile_tolerance, (width, height))
            candidates += [(bool(a), float(s), r) for r, s, a, b in zip(rows, scores, whole, cut) if a or b]
        detections = []
        for score, row in _first_views(candidates):
            keypoints_px = row[4:].reshape(-1, 2).astype(np.float64)
            box = body_box(keypoints_px, (width, height))
            if box is not None:
                detections.append(Detection(box, score, keypoints_px=keypoints_px))
        return detections

    def reset(self) -> None:
        """Nothing to forget: every frame is detected afresh."""

    def close(self) -> None:
        """The compiled models are shared (cached); the requests go with this object."""
        with self._requests_lock:
            for requests in self._requests.values():
                requests.release()
            self._requests.clear()
