"""People across frames: each keeps a track id while in view.

Assignment is the Hungarian method (:func:`scipy.optimize.linear_sum_assignment`)
on a cost that mixes box overlap with keypoint distance, so two people who
cross keep their identities when their skeletons still tell them apart.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment

from ..geometry import box_iou

__all__ = ["box_iou", "keypoint_distance", "assign"]  # box_iou: pose.geometry's, for the matcher's callers

# A pair costs (1 - IoU) + KEYPOINT_WEIGHT * keypoint distance (in box diagonals, at most 1);
# pairs with neither overlap nor nearby keypoints are never made.
KEYPOINT_WEIGHT = 0.5
MIN_IOU = 0.1
MAX_KEYPOINT_DISTANCE = 0.5


def keypoint_distance(joints_a_px: np.ndarray, joints_b_px: np.ndarray, scale_px: float) -> float:
    """Mean distance between two (J, 2) skeletons, in units of ``scale_px``."""
    return float(np.linalg.norm(joints_a_px - joints_b_px, axis=1).mean() / max(scale_px, 1e-6))


def assign(
    track_boxes: np.ndarray,
    track_joints_px: Sequence[np.ndarray | None],
    boxes: np.ndarray,
    joints_px: Sequence[np.ndarray | None],
) -> list[tuple[int, int]]:
    """Pair tracks with this frame's people, each at most once.

    Args:
        track_boxes: (N, 4) where each track was.
        track_joints_px: per track, its last (J, 2) keypoints, or None.
        boxes: (M, 4) this frame's boxes.
        joints_px: per box, its (J, 2) keypoints, or None.

    Returns:
        (track index, box index) pairs, cheapest first overall.
    """
    if len(track_boxes) == 0 or len(boxes) == 0:
        return []
    iou = box_iou(track_boxes, boxes)
    cost = 1.0 - iou
    near = iou >= MIN_IOU
    for i, track_joints in enumerate(track_joints_px):
        if track_joints is None:
            continue
        _, _, w, h = track_boxes[i]
        for j, joints in enumerate(joints_px):
            if joints is None:
                continue
            distance = keypoint_distance(track_joints, joints, float(np.hypot(w, h)))
            cost[i, j] += KEYPOINT_WEIGHT * min(distance, 1.0)
            near[i, j] |= distance <= MAX_KEYPOINT_DISTANCE
    cost = np.where(near, cost, 1e6)
    rows, cols = linear_sum_assignment(cost)
    return [(int(i), int(j)) for i, j in zip(rows, cols) if near[i, j]]
