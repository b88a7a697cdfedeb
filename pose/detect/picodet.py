"""PaddleDetection's PP-PicoDet exports, read as they were trained.

An exported PicoDet (v1, as PaddleDetection's ``export_model.py`` writes it without post-processing) has one
image input and, for each of its four strides (8, 16, 32, 64), a class-score map (1, N, C) already through a
sigmoid, then, after all four, a box distribution (1, N, 4 * (R + 1)): Generalized Focal Loss's discrete
distribution of the distances from the cell's centre to the left, top, right and bottom sides, ``R + 1`` bins
each (``reg_max`` R = 7 in every published model). The cells of a stride are ``ceil(S / s)`` on a side,
row-major. Decoding (PaddleDetection's ``PicoHead``, and hpc203/picodet-onnxruntime): a softmax over each
side's bins, its expected value times the stride is that side's distance from the centre
``((x + 0.5) * s - 0.5, (y + 0.5) * s - 0.5)``. The graph has no NMS.

Fed as trained (PaddleDetection's ``picodet_*.yml`` reader): RGB, divided by 255, ImageNet's mean and std, the
whole image resized to the square input (no letterbox).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = [
    "PICODET_STRIDES",
    "PICODET_MIN_SCORE",
    "IMAGENET_MEAN_RGB",
    "IMAGENET_STD_RGB",
    "is_picodet",
    "decode_picodet",
]

PICODET_STRIDES = (8, 16, 32, 64)
IMAGENET_MEAN_RGB = (0.485, 0.456, 0.406)  # on pixels scaled to 0-1
IMAGENET_STD_RGB = (0.229, 0.224, 0.225)
PERSON_CLASS = 0  # COCO's "person"
# Tuned on the 41 clear people of ../shared/realgt through the estimator that takes its boxes, as a user runs it
# (`python -m pose.measure.accuracy ../shared/realgt --estimators detector BlazePose --detector
# picodet_s_416_coco.onnx`): BlazePose's landmark model flags most false boxes out (pose flag 0-0.06), so the cut
# that keeps the most people is below the one the boxes alone would pick (0.46-0.49: 30 found, 2 false). Through
# BlazePose: 30 found at every cut from 0.33 to 0.39 (the boxes' own count at 0.47), 29 at 0.40-0.44, 28 at 0.47;
# false people 4 from 0.36 to 0.38, 5 at 0.35, 3 from 0.39. So 0.38 keeps 0.02 before a person is lost and 0.03
# before a false person comes. ConvNeXtPose gets the boxes after the same landmark model's look
# (pose.detect.confirmed): the trained XS finds 27 at 0.38 with 7 false people (without that look, 27 and 11 at
# 0.38, 25 and 7 at 0.47). Evidence: docs/accuracy.md, "PicoDet's cut, tuned through the estimator".
PICODET_MIN_SCORE = 0.38


def _cells(size: int) -> list[int]:
    return [math.ceil(size / s) ** 2 for s in PICODET_STRIDES]


def is_picodet(shapes: Sequence[tuple[int, ...]], size: int) -> bool:
    """Whether outputs of these shapes (as run on a ``size`` input) are a PicoDet's: four (1, N_s, C) score
    maps, then four (1, N_s, 4 * (R + 1)) box distributions, ``N_s`` the cells of stride s."""
    if len(shapes) != 2 * len(PICODET_STRIDES) or any(len(s) != 3 or s[0] != 1 for s in shapes):
        return False
    cells = _cells(size)
    scores, boxes = shapes[: len(cells)], shapes[len(cells) :]
    classes, bins = scores[0][2], boxes[0][2]
    return (
        [s[1] for s in scores] == cells
        and [s[1] for s in boxes] == cells
        and all(s[2] == classes for s in scores)
        and all(s[2] == bins for s in boxes)
        and bins % 4 == 0
        and bins > 4
    )


def decode_picodet(outputs: Sequence[np.ndarray], size: int) -> tuple[np.ndarray, np.ndarray]:
    """Person boxes (N, 4) x1 y1 x2 y2 in input pixels and their scores (N,), one per cell, before NMS.

    Args:
        outputs: the eight maps, in the file's order (scores of strides 8 to 64, then their distributions).
        size: the square input's side in pixels.
    """
    half = len(PICODET_STRIDES)
    all_boxes, all_scores = [], []
    for stride, score_map, distribution in zip(PICODET_STRIDES, outputs[:half], outputs[half:]):
        n = math.ceil(size / stride)
        ys, xs = np.mgrid[0:n, 0:n]
        centres = np.stack([xs.ravel(), ys.ravel()], axis=1).astype(np.float32) * stride + 0.5 * (stride - 1)
        logits = distribution[0].astype(np.float32).reshape(n * n, 4, -1)
        logits -= logits.max(axis=2, keepdims=True)  # a stable softmax
        weights = np.exp(logits)
        weights /= weights.sum(axis=2, keepdims=True)
        sides = (weights * np.arange(logits.shape[2], dtype=np.float32)).sum(axis=2) * stride  # left top right bottom
        all_boxes.append(np.concatenate([centres - sides[:, :2], centres + sides[:, 2:]], axis=1))
        all_scores.append(score_map[0][:, PERSON_CLASS].astype(np.float32))
    return np.concatenate(all_boxes), np.concatenate(all_scores)
