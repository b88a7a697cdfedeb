"""MediaPipe's pose-detection SSD, decoded as its graph does (numpy only).

The numbers are MediaPipe's own, from ``mediapipe/modules/pose_detection/pose_detection_cpu.pbtxt``
(SsdAnchorsCalculator, TensorsToDetectionsCalculator, NonMaxSuppressionCalculator) and
``mediapipe/modules/pose_landmark/pose_detection_to_roi.pbtxt`` (AlignmentPointsRectsCalculator,
RectTransformationCalculator). Each detection is a face box plus four keypoints: 0 the mid-hip
centre, 1 a point whose distance from it is the full body's radius and whose direction is the body's
axis (upright: straight up), 2 the mid-shoulder centre and 3 the upper body's size-and-rotation point.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import cv2
import numpy as np

__all__ = [
    "SSD",
    "SsdSpec",
    "anchors",
    "feature_map_anchors",
    "unbatch",
    "decode",
    "weighted_nms",
    "letterbox",
    "body_roi",
    "roi_corners",
]


@dataclass(frozen=True)
class SsdSpec:
    """The anchor and decoding options of MediaPipe's pose detection graph."""

    input_size: int = 224
    num_layers: int = 5
    strides: tuple[int, ...] = (8, 16, 32, 32, 32)
    aspect_ratios: tuple[float, ...] = (1.0,)
    interpolated_scale_aspect_ratio: float = 1.0  # adds a second anchor per cell (both are 1x1 here)
    anchor_offset: float = 0.5
    num_boxes: int = 2254
    num_keypoints: int = 4
    scale: float = 224.0  # x_scale = y_scale = w_scale = h_scale
    score_clipping: float = 100.0
    min_score: float = 0.2
    nms_iou: float = 0.3
    roi_scale: float = 1.25  # the landmark model's ROI: the alignment rect grown by this


SSD = SsdSpec()


def _feature_maps(spec: SsdSpec) -> list[tuple[int, int]]:
    """(cells a side, anchors a cell) of each feature map: consecutive layers of the same stride share one
    map, as in MediaPipe's SsdAnchorsCalculator."""
    maps = []
    layer = 0
    while layer < spec.num_layers:
        stride = spec.strides[layer]
        per_cell = 0
        while layer < spec.num_layers and spec.strides[layer] == stride:
            per_cell += len(spec.aspect_ratios) + (spec.interpolated_scale_aspect_ratio > 0)
            layer += 1
        maps.append((int(np.ceil(spec.input_size / stride)), per_cell))
    return maps


def feature_map_anchors(spec: SsdSpec = SSD) -> list[int]:
    """The number of anchors of each feature map, in the model's output order (1568, 392, 294)."""
    return [cells * cells * per_cell for cells, per_cell in _feature_maps(spec)]


def unbatch(output: np.ndarray, batch: int, spec: SsdSpec = SSD) -> np.ndarray:
    """(batch, num_boxes, D) from a batched run's (1, batch x num_boxes, D) output.

    The model flattens each feature map's predictions, batch included, before joining the maps, so the
    output holds the first map's anchors for every image, then the second map's, and so on.
    """
    depth = output.shape[-1]
    per_map = np.split(output.reshape(-1, depth), np.cumsum([batch * n for n in feature_map_anchors(spec)])[:-1])
    return np.concatenate([m.reshape(batch, -1, depth) for m in per_map], axis=1)


def anchors(spec: SsdSpec = SSD) -> np.ndarray:
    """Anchor centres, (num_boxes, 2) normalised (x, y); with ``fixed_anchor_size`` every anchor is 1x1.

    Consecutive layers of the same stride share one feature map, as in MediaPipe's SsdAnchorsCalculator.
    """
    centres = []
    for cells, per_cell in _feature_maps(spec):
        ys, xs = np.meshgrid(np.arange(cells), np.arange(cells), indexing="ij")
        grid = np.stack([(xs + spec.anchor_offset) / cells, (ys + spec.anchor_offset) / cells], axis=-1)
        centres.append(np.repeat(grid.reshape(-1, 2), per_cell, axis=0))
    out = np.concatenate(centres).astype(np.float32)
    if len(out) != spec.num_boxes:
        raise ValueError(f"anchor options give {len(out)} anchors, the model has {spec.num_boxes}")
    return out


_anchors = functools.lru_cache(maxsize=4)(anchors)


def decode(
    regressors: np.ndarray, logits: np.ndarray, min_score: float = SSD.min_score, spec: SsdSpec = SSD
) -> tuple[np.ndarray, np.ndarray]:
    """Raw model outputs to scored detections at or above ``min_score`` (MediaPipe's pose solution
    raises the graph's 0.2 to its ``min_detection_confidence``, 0.5 by default, here too).

    Args:
        regressors: (num_boxes, 12) box (x, y, w, h) then 4 keypoints (x, y), in input pixels from the anchor.
        logits: (num_boxes,) or (num_boxes, 1) scores before the sigmoid.

    Returns:
        boxes: (N, 4 + 2 * num_keypoints) normalised to the model input: x1, y1, x2, y2, then keypoints (x, y).
        scores: (N,) in [0, 1].
    """
    logits = np.clip(np.asarray(logits, dtype=np.float64).reshape(-1), -spec.score_clipping, spec.score_clipping)
    scores = 1.0 / (1.0 + np.exp(-logits))
    keep = scores >= min_score
    raw = np.asarray(regressors, dtype=np.float32)[keep] / spec.scale
    anchor = _anchors(spec)[keep]
    centre = raw[:, :2] + anchor
    half = raw[:, 2:4] / 2.0
    points = raw[:, 4 : 4 + 2 * spec.num_keypoints].reshape(len(raw), spec.num_keypoints, 2) + anchor[:, None, :]
    boxes = np.concatenate([centre - half, centre + half, points.reshape(len(raw), 2 * spec.num_keypoints)], axis=1)
    return boxes, scores[keep].astype(np.float32)


def _iou_one(box: np.ndarray, others: np.ndarray) -> np.ndarray:
    x1 = np.maximum(box[0], others[:, 0])
    y1 = np.maximum(box[1], others[:, 1])
    x2 = np.minimum(box[2], others[:, 2])
    y2 = np.minimum(box[3], others[:, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (others[:, 2] - others[:, 0]) * (others[:, 3] - others[:, 1])
    return inter / np.maximum(area + areas - inter, 1e-9)


def weighted_nms(boxes: np.ndarray, scores: np.ndarray, iou: float = SSD.nms_iou) -> tuple[np.ndarray, np.ndarray]:
    """MediaPipe's WEIGHTED non-max suppression: every cluster (IoU above ``iou`` with its best box)
    becomes one detection, its coordinates (box and keypoints) the score-weighted mean, its score the best.

    Args:
        boxes: (N, D) rows starting x1, y1, x2, y2 (the overlap is measured on these).
        scores: (N,).

    Returns:
        (M, D) merged rows and (M,) scores, best first.
    """
    order = np.argsort(-scores, kind="stable")
    boxes, scores = boxes[order], scores[order]
    merged, merged_scores = [], []
    remaining = np.arange(len(boxes))
    while len(remaining):
        in_cluster = _iou_one(boxes[remaining[0]], boxes[remaining]) > iou
        in_cluster[0] = True
        cluster = remaining[in_cluster]
        weights = scores[cluster]
        merged.append((boxes[cluster] * weights[:, None]).sum(axis=0) / weights.sum())
        merged_scores.append(scores[remaining[0]])
        remaining = remaining[~in_cluster]
    return np.array(merged, dtype=np.float32).reshape(-1, boxes.shape[1]), np.array(merged_scores, dtype=np.float32)


def letterbox(image: np.ndarray, size: int, fill: int = 0) -> tuple[np.ndarray, float, tuple[float, float]]:
    """Scale ``image`` (H, W, C; the warp is per channel, so either channel order) to fit a ``size`` x ``size``
    square, keeping its aspect, padded with ``fill`` evenly on both sides (MediaPipe's ImageToTensorCalculator,
    keep_aspect_ratio, BORDER_ZERO).

    Sampled as MediaPipe does, by one bilinear warp of the image's edges onto the square's, without the
    smoothing of an area resize: against MediaPipe's own detection on the photos, an area resize moved the
    keypoints by up to 17 px (skiers.jpg) and cut a far skier's score from 0.66 to 0.44; with the warp, the
    landmark model's region agrees with MediaPipe's to 0.1 px, and so do the world landmarks, which depend on it
    (footballer.jpg: 93 mm mean apart with the area resize, 0.6 mm with the warp).

    Returns:
        the (size, size, 3) image, the scale (square pixels per image pixel), and the (x, y) offset of the
        image's origin in the square.
    """
    height, width = image.shape[:2]
    scale = size / max(height, width)
    left, top = (size - width * scale) / 2.0, (size - height * scale) / 2.0
    to_square = np.array([[scale, 0.0, left], [0.0, scale, top]])
    out = cv2.warpAffine(
        image,
        to_square,
        (size, size),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=(fill,) * image.shape[2],
    )
    return out, scale, (float(left), float(top))


def body_roi(hip_px: np.ndarray, scale_px: np.ndarray, spec: SsdSpec = SSD) -> tuple[np.ndarray, float, float]:
    """The landmark model's region around a person, from the two full-body alignment keypoints.

    The rect is centred on the mid-hip, its side twice the hip-to-scale-point distance, grown by
    ``spec.roi_scale``; its rotation turns the hip-to-scale-point vector upright.

    Args:
        hip_px: (2,) mid-hip centre in image pixels (keypoint 0).
        scale_px: (2,) the full-body size-and-rotation point in image pixels (keypoint 1).

    Returns:
        centre (2,) px, side px, rotation in radians (counter-clockwise positive as in MediaPipe's NormalizedRect).
    """
    delta = np.asarray(scale_px, dtype=np.float64) - np.asarray(hip_px, dtype=np.float64)
    side = 2.0 * float(np.hypot(*delta)) * spec.roi_scale
    rotation = np.pi / 2 - np.arctan2(-delta[1], delta[0])
    rotation = (rotation + np.pi) % (2 * np.pi) - np.pi
    return np.asarray(hip_px, dtype=np.float64), side, float(rotation)


def roi_corners(centre_px: np.ndarray, side_px: float, rotation: float) -> np.ndarray:
    """Corners (4, 2) of a rotated square in pixels: top-left, top-right, bottom-right, bottom-left of the
    upright crop, so that an affine map sends them to (0, 0), (s, 0), (s, s), (0, s)."""
    c, s = np.cos(rotation), np.sin(rotation)
    half = side_px / 2.0
    local = np.array([[-half, -half], [half, -half], [half, half], [-half, half]])
    rot = np.array([[c, -s], [s, c]])
    return np.asarray(centre_px, dtype=np.float64) + local @ rot.T
