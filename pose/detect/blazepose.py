"""Every person in a frame, from MediaPipe's bundled BlazePose detector (an SSD) run by OpenVINO.

Unlike MediaPipe's pose solution, which keeps the best detection only, every detection that
survives the weighted non-max suppression is a person (:class:`BlazePoseDetector`). Frames much larger than the
model's 224x224 input are also searched tile by tile (:class:`BlazePoseTiles`), so that small, distant people get
enough pixels, by the one tiling wrapper, :class:`~pose.detect.tiles.TiledDetector`
(:func:`blazepose_detector`); the whole frame and its tiles go through the model in one batched call.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from ..identity import RULES
from . import ssd
from .detections import Detections
from .mediapipe_models import POSE_DETECTION, ThreadRequests
from .tiles import TiledDetector, tile_regions

__all__ = ["BlazePoseDetector", "BlazePoseTiles", "blazepose_detector", "body_extent"]

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


def body_extent(keypoints_px: np.ndarray, extent: tuple[float, float] = BODY_EXTENT) -> np.ndarray:
    """(N, 4) axis-aligned boxes (x, y, w, h) around each whole person from the detector's alignment keypoints.

    The person spans ``extent`` (along, across the body axis) hip-to-scale-point distances on either side of the
    mid-hip; the box bounds that rotated rect. It is not clipped to the image: where a view cuts the person, it
    says how far the body goes on.

    Args:
        keypoints_px: (N, 4, 2) the detections' keypoints in pixels (0 mid-hip, 1 full-body scale point).
    """
    hip, top = keypoints_px[:, 0], keypoints_px[:, 1]
    axis = (top - hip) * extent[0]
    across = np.stack([-axis[:, 1], axis[:, 0]], axis=-1) * (extent[1] / extent[0])
    corners = np.stack([hip + axis + across, hip + axis - across, hip - axis + across, hip - axis - across], axis=1)
    lo, hi = corners.min(axis=1), corners.max(axis=1)
    return np.c_[lo, hi - lo]


@dataclass(frozen=True)
class BlazePoseTiles:
    """The bundled detector's tiles (a :class:`~pose.detect.tiles.Tiling`): the coarse tiles
    (:data:`COARSE_TILES`), then a fine grid.

    Args:
        grid: the fine grid's tiles each way, overlapping by a quarter; "auto" takes ``long side / tile_px``
            rounded (at most :data:`MAX_AUTO_GRID`): none below 2 (a 256 px photo is searched whole), the coarse
            tiles alone at 2 (288-479 px), both from 3 (548 and 640 px give 3x3, 768 px and more 4x4); 0 never
            tiles. Measured on scenes of 4 people (pose.measure.scenes), before the coarse tiles, recall at IoU
            0.5 of the detector with landmarks went from 0.36 (whole frame) to 0.57 (2x2) and 0.92 (3x3) in
            768x576; the coarse tiles took skiers.jpg from 3 to 5 skiers and left the scenes' recall as it was.
        tile_px: the fine tile size "auto" aims at (before the overlap). Measured in 768x576 (4 x 4 at 192 px,
            3 x 3 at 256): small (60-120 px) greyscale people went from 0.53 to 0.97 recall, the other clips
            stayed at 1.00, at 115-150 instead of 95-140 ms a detection frame.
    """

    grid: int | str = "auto"
    tile_px: int = 192

    def __post_init__(self) -> None:
        if self.grid != "auto" and (not isinstance(self.grid, int) or self.grid < 0):
            raise ValueError(f"tiles must be 'auto' or a grid size >= 0, got {self.grid!r}")

    def regions(self, image_size: tuple[int, int]) -> list[tuple[int, int, int, int]]:
        """The tiles (x, y, w, h) searched besides the whole of an image of ``image_size`` (width, height)."""
        if self.grid == 0:
            return []
        grid = self.grid
        if grid == "auto":
            grid = min(MAX_AUTO_GRID, int(max(image_size) / self.tile_px + 0.5))
            if grid < 2:  # a frame about a tile's size (a 256 x 256 photo) is searched whole
                return []
            grid = grid if grid >= 3 else 0  # a 2 x 2 grid is about the coarse tiles' size
        return [*tile_regions(image_size, *COARSE_TILES), *tile_regions(image_size, grid)]


def blazepose_detector(
    min_score: float = 0.5,
    tiles: int | str = "auto",
    tile_px: int = 192,
    max_people: int | None = None,
    tile_tolerance: float = 0.15,
    threads: int | None = None,
) -> TiledDetector:
    """The bundled detector as the app runs it: :class:`BlazePoseDetector` on the whole frame and its tiles
    (:class:`BlazePoseTiles`), in one batched call.

    A tile answers for the people whose body (:func:`body_extent`) sticks out of it by at most ``tile_tolerance``
    of its size, and for those cut by its edge whose face box it holds: a close-up cut by the frame (two_indoors.png's
    man on the right, 460 px tall, his hips at the frame's edge) is seen by no region whole, and the whole frame
    missed him. Views whose face boxes overlap more than ``face_overlap`` (:class:`pose.identity.IdentityRules`)
    are one; a person may still come back twice, from two regions whose face boxes differ (a whole and a cut
    view): the landmark model's skeletons settle it (:class:`~pose.detect.landmarks.BlazePoseMultiPersonDetector`).

    Args:
        min_score, threads: :class:`BlazePoseDetector`'s.
        tiles, tile_px: :class:`BlazePoseTiles`' ``grid`` and ``tile_px``.
        max_people: keep at most this many people, largest first (None: all).
        tile_tolerance: a tile keeps a person whose body sticks out of it by at most this fraction of the body's
            size.
    """
    return TiledDetector(
        BlazePoseDetector(min_score=min_score, threads=threads),
        tiles=BlazePoseTiles(tiles, tile_px),
        merge_iou=RULES.face_overlap,
        edge=0.0,
        tolerance=tile_tolerance,
        max_people=max_people,
    )


class BlazePoseDetector:
    """MediaPipe's BlazePose SSD on one image, or on several in one batched call (a
    :class:`~pose.detect.tiles.BatchDetector`): :func:`blazepose_detector` runs it on a frame and its tiles.

    Each person has the whole-body box (:func:`body_extent`), the score, ``keypoints_px`` (4, 2): mid-hip, full-body
    scale point, mid-shoulder, upper-body scale point, from which :func:`pose.detect.ssd.body_roi` gives the
    landmark model's rotated region, and ``face_box_px``, the face box the detector's anchors matched.
    An image's detections are merged as MediaPipe merges them (weighted NMS).

    Args:
        min_score: detections scoring less are dropped before the suppression (MediaPipe's default 0.5).
        threads: threads per inference (None: OpenVINO's choice, every core).

    Raises:
        FileNotFoundError: mediapipe's wheel lacks the model.
    """

    def __init__(self, min_score: float = 0.5, threads: int | None = None) -> None:
        self.min_score = min_score
        self.threads = threads
        self._requests: dict[int, ThreadRequests] = {}  # by batch: one per number of images
        self._requests_lock = threading.Lock()

    def _run(self, images_bgr: Sequence[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Detections in each image, all in one batched call: (N, 12) rows (face box x1 y1 x2 y2,
        4 keypoints) in the image's pixels, and (N,) scores.

        The whole frame and 18 tiles (768x576, 3 x 3 fine tiles) took 65-67 ms in one call, 85-92 ms in 19
        (2 cores).
        """
        size = ssd.SSD.input_size
        squares = [ssd.letterbox(image, size) for image in images_bgr]
        # the model takes RGB: the squares' channels swapped are the letterboxed RGB images (the warp is per channel)
        bgr = np.stack([square for square, _, _ in squares])
        rgb = cv2.cvtColor(bgr.reshape(-1, size, 3), cv2.COLOR_BGR2RGB).reshape(bgr.shape)
        tensor = rgb.astype(np.float32) / 127.5 - 1.0
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

    def detect_many(self, images_bgr: Sequence[np.ndarray]) -> list[Detections]:
        """The people in each of ``images_bgr`` ((H, W, 3) uint8 each), best first, from one batched call.

        Each box is the body's whole extent (:func:`body_extent`), past the image's edges where the body goes on:
        how far shows whether a tile holds the person (:class:`~pose.detect.tiles.TiledDetector` clips the boxes
        to the frame)."""
        people = []
        for rows, scores in self._run(images_bgr):
            if len(rows):
                rows, scores = ssd.weighted_nms(rows, scores)
            points = rows.reshape(len(rows), rows.shape[1] // 2, 2).astype(np.float64)
            face_box, keypoints = points[:, :2], points[:, 2:]
            people.append(
                Detections(body_extent(keypoints), scores, {"keypoints_px": keypoints, "face_box_px": face_box})
            )
        return people

    def detect(self, frame_bgr: np.ndarray) -> Detections:
        """The people in ``frame_bgr`` (H, W, 3) uint8, largest first, from one look at the whole of it (no tiles:
        :func:`blazepose_detector` for those)."""
        return self.detect_many([frame_bgr])[0].clipped(frame_bgr.shape[1::-1]).largest_first()

    def reset(self) -> None:
        """Nothing to forget: every frame is detected afresh."""

    def close(self) -> None:
        """The compiled models are shared (cached); the requests go with this object."""
        with self._requests_lock:
            for requests in self._requests.values():
                requests.release()
            self._requests.clear()
