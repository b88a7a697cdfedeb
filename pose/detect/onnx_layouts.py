"""Which detector family an ONNX file is, from its input and output signature, and how that family is fed and read.

Families understood (``C`` classes, ``S`` the square input size, ``G = sum((S / s) ** 2 for s in (8, 16, 32))``
the anchor points of a stride-8/16/32 head; person is class 0):

============================  ==================================  =============================  ==================
family                        output(s)                           input                          letterbox
============================  ==================================  =============================  ==================
YOLOX, raw (its default)      (1, G, 5 + C): dx dy log-w log-h,   BGR, 0-255                     top-left, 114
                              objectness, classes
YOLOX, decoded                (1, G, 5 + C): cx cy w h (pixels),  BGR, 0-255                     top-left, 114
                              objectness, classes
mmdeploy end2end (rtmlib's    dets (1, N, 5) x1 y1 x2 y2 score,   BGR; RTMDet: minus mean        top-left, 114
RTMDet, mmdet YOLOX)          labels (1, N)                       (103.53, 116.28, 123.675),
                                                                  over std (57.375, 57.12,
                                                                  58.395); YOLOX: 0-255
YOLOv5                        (1, 3 G, 5 + C): cx cy w h, obj,    RGB, / 255                     centred, 114
                              classes
YOLOv8 / 11                   (1, 4 + C, G), or (1, G, 4 + C)     RGB, / 255                     centred, 114
YOLOv10 / end-to-end export   (1, K, 6): x1 y1 x2 y2 score class  RGB, / 255                     centred, 114
RT-DETR (Ultralytics)         (1, Q, 4 + C): cx cy w h (0-1),     RGB, / 255                     stretched, no pad
                              class scores
PicoDet (PaddleDetection)     per stride 8/16/32/64: scores       RGB, / 255, ImageNet mean      stretched, no pad
                              (1, N, C), then per stride a GFL    (0.485, 0.456, 0.406) and
                              box distribution (1, N, 32)         std (0.229, 0.224, 0.225)
============================  ==================================  =============================  ==================

mmdeploy does not put the mean and std in the graph (mmdet's ``data_preprocessor`` runs outside it), so an
end2end file is normalised as RTMDet is trained (``configs/rtmdet``: ``bgr_to_rgb=False``) unless its name
says YOLOX (mmdet's YOLOX takes 0-255) or its first operation already subtracts or scales the input.
YOLOX's raw and decoded exports have the same shape; the decoded one is told apart by its first column, which
follows the anchor grid (centres in pixels) where the raw one holds small offsets. PicoDet's decoding lives
in :mod:`pose.detect.picodet`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .picodet import IMAGENET_MEAN_RGB, IMAGENET_STD_RGB, PICODET_MIN_SCORE, decode_picodet, is_picodet

__all__ = ["Layout", "Signature", "recognise", "grid_points", "STRIDES", "PERSON_CLASS", "LayoutError"]

PERSON_CLASS = 0  # COCO's "person", class 0 in every family here
STRIDES = (8, 16, 32)  # the three heads of YOLOX, YOLOv5 and YOLOv8
COCO_CLASSES = 80
RTMDET_MEAN_BGR = (103.53, 116.28, 123.675)  # mmdet configs/rtmdet: data_preprocessor, bgr_to_rgb=False
RTMDET_STD_BGR = (57.375, 57.12, 58.395)

# outputs (each (shape,) array) and the input size -> person boxes (N, 4) x1 y1 x2 y2 in input pixels, scores (N,)
Decoder = Callable[[Sequence[np.ndarray], int], tuple[np.ndarray, np.ndarray]]


class LayoutError(ValueError):
    """The outputs are of no family understood here."""


@dataclass(frozen=True)
class Signature:
    """A model's inputs and outputs as (name, shape) pairs, shapes as the file declares them or as run."""

    inputs: tuple[tuple[str, tuple], ...]
    outputs: tuple[tuple[str, tuple], ...]

    def __str__(self) -> str:
        def side(pairs: tuple[tuple[str, tuple], ...]) -> str:
            return ", ".join(f"{name} {tuple(shape)}" for name, shape in pairs) or "none"

        return f"inputs {side(self.inputs)}; outputs {side(self.outputs)}"


@dataclass(frozen=True)
class Layout:
    """How one family is fed and read.

    Attributes:
        family: its name, as messages and logs give it.
        bgr: the model takes BGR (else RGB).
        scale: pixel values are multiplied by this (1.0: 0-255; 1/255: 0-1) ...
        mean, std: ... then, when given, have ``mean`` subtracted and are divided by ``std`` (the model's channel
            order).
        placement: "top-left" or "centre" (letterboxed, keeping the aspect) or "stretch" (resized to the square).
        nms: duplicates still need suppressing (the graph does not).
        decode: the outputs -> person boxes and scores in input pixels.
        min_score: the score cut tuned for this family, where its scores are on a scale of their own (None: the
            detector's default).
    """

    family: str
    bgr: bool
    scale: float
    placement: str
    nms: bool
    decode: Decoder
    mean: tuple[float, float, float] | None = None
    std: tuple[float, float, float] | None = None
    min_score: float | None = None


def grid_points(size: int) -> int:
    """Anchor points of a stride-8/16/32 head on a ``size`` x ``size`` input (3549 at 416, 8400 at 640)."""
    return sum((size // s) ** 2 for s in STRIDES)


def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    """The (G, 2) cell indices (x, y) and (G, 1) strides of the stride-8/16/32 heads, in YOLOX's order."""
    cells, strides = [], []
    for stride in STRIDES:
        n = size // stride
        ys, xs = np.mgrid[0:n, 0:n]
        cells.append(np.stack([xs.ravel(), ys.ravel()], axis=1))
        strides.append(np.full((n * n, 1), stride))
    return np.concatenate(cells).astype(np.float32), np.concatenate(strides).astype(np.float32)


def _xyxy(cxcywh: np.ndarray) -> np.ndarray:
    return np.concatenate([cxcywh[:, :2] - cxcywh[:, 2:4] / 2, cxcywh[:, :2] + cxcywh[:, 2:4] / 2], axis=1)


def _objectness_rows(outputs: Sequence[np.ndarray], size: int) -> tuple[np.ndarray, np.ndarray]:
    """(N, 5 + C) rows of cx cy w h (pixels), objectness, classes: decoded YOLOX and YOLOv5."""
    rows = outputs[0][0].astype(np.float32)
    return _xyxy(rows[:, :4]), rows[:, 4] * rows[:, 5 + PERSON_CLASS]


def _yolox_raw(outputs: Sequence[np.ndarray], size: int) -> tuple[np.ndarray, np.ndarray]:
    """(G, 5 + C) rows of grid offsets, log sizes (in strides), objectness, classes: YOLOX's default export."""
    rows = outputs[0][0].astype(np.float32)
    cells, strides = _grid(size)
    centres = (rows[:, :2] + cells) * strides
    sizes = np.exp(np.minimum(rows[:, 2:4], 20.0)) * strides  # clipped: exp of an untrained head overflows
    return _xyxy(np.concatenate([centres, sizes], axis=1)), rows[:, 4] * rows[:, 5 + PERSON_CLASS]


def _class_rows(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(N, 4 + C) rows of cx cy w h (pixels), class scores: YOLOv8."""
    return _xyxy(rows[:, :4]), rows[:, 4 + PERSON_CLASS]


def _yolov8(outputs: Sequence[np.ndarray], size: int) -> tuple[np.ndarray, np.ndarray]:
    return _class_rows(outputs[0][0].astype(np.float32).T)


def _yolov8_rows(outputs: Sequence[np.ndarray], size: int) -> tuple[np.ndarray, np.ndarray]:
    return _class_rows(outputs[0][0].astype(np.float32))


def _sigmoid_if_logits(scores: np.ndarray) -> np.ndarray:
    if scores.size and (scores.min() < 0 or scores.max() > 1):  # logits (some RT-DETR exports)
        return 1.0 / (1.0 + np.exp(-scores))
    return scores


def _rtdetr(outputs: Sequence[np.ndarray], size: int) -> tuple[np.ndarray, np.ndarray]:
    """(Q, 4 + C) rows of cx cy w h normalised to the input, class scores (or their logits)."""
    rows = outputs[0][0].astype(np.float32)
    return _xyxy(rows[:, :4] * size), _sigmoid_if_logits(rows[:, 4 + PERSON_CLASS])


def _xyxy_score_class(outputs: Sequence[np.ndarray], size: int) -> tuple[np.ndarray, np.ndarray]:
    """(K, 6) rows of x1 y1 x2 y2 (pixels), score, class: YOLOv10 and Ultralytics' end-to-end exports."""
    rows = outputs[0][0].astype(np.float32)
    people = np.round(rows[:, 5]) == PERSON_CLASS
    return rows[people, :4], rows[people, 4]


def _mmdeploy(outputs: Sequence[np.ndarray], size: int) -> tuple[np.ndarray, np.ndarray]:
    """dets (1, N, 5) x1 y1 x2 y2 score (pixels) and labels (1, N), in whichever order the file lists them."""
    dets, labels = (outputs[0], outputs[1]) if outputs[0].ndim == 3 else (outputs[1], outputs[0])
    people = np.round(labels[0]) == PERSON_CLASS
    rows = dets[0][people].astype(np.float32)
    return rows[:, :4], rows[:, 4]


def _follows_grid(rows: np.ndarray, size: int) -> bool:
    """Whether the first two columns are centres on the anchor grid (decoded) rather than offsets (raw)."""
    cells, strides = _grid(size)
    near = np.abs(rows[:, :2] - (cells + 0.5) * strides) <= 3 * strides
    return bool(near.all(axis=1).mean() > 0.5)


def recognise(signature: Signature, probe: Sequence[np.ndarray], size: int, *, file_name: str, self_normalising: bool):
    """The :class:`Layout` of a model with ``signature`` whose outputs on a probe image were ``probe``.

    Args:
        signature: as the file declares it (names; shapes may be symbolic).
        probe: the outputs of one run at ``size`` (concrete shapes).
        size: the square input size.
        file_name: the file's name (an mmdeploy end2end file named YOLOX is fed 0-255, else as RTMDet).
        self_normalising: the graph's first operation scales or shifts its input (no mean and std to apply).

    Raises:
        LayoutError: for outputs of no family here, naming what the file has.
    """
    shapes = [tuple(p.shape) for p in probe]
    grid = grid_points(size)
    yolo_kind = {"bgr": False, "scale": 1 / 255, "placement": "centre"}

    if is_picodet(shapes, size):
        return Layout(
            "PicoDet (PaddleDetection)", False, 1 / 255, "stretch", True, decode_picodet,
            IMAGENET_MEAN_RGB, IMAGENET_STD_RGB, min_score=PICODET_MIN_SCORE,
        )  # fmt: skip

    if len(probe) == 2 and sorted(len(s) for s in shapes) == [2, 3]:
        dets = shapes[0] if len(shapes[0]) == 3 else shapes[1]
        labels = shapes[1] if len(shapes[0]) == 3 else shapes[0]
        if dets[0] == 1 and dets[2] == 5 and labels == dets[:2]:
            if "yolox" in file_name.lower() or self_normalising:
                return Layout("mmdeploy end2end (YOLOX)", True, 1.0, "top-left", False, _mmdeploy)
            return Layout(
                "mmdeploy end2end (RTMDet)", True, 1.0, "top-left", False, _mmdeploy, RTMDET_MEAN_BGR, RTMDET_STD_BGR
            )
    if len(probe) == 1 and len(shapes[0]) == 3 and shapes[0][0] == 1:
        _, rows, cols = shapes[0]
        if rows == grid and cols - 5 in (1, COCO_CLASSES):
            if _follows_grid(probe[0][0], size):
                return Layout("YOLOX (decoded)", True, 1.0, "top-left", True, _objectness_rows)
            return Layout("YOLOX (raw)", True, 1.0, "top-left", True, _yolox_raw)
        if rows == grid and cols - 4 in (1, COCO_CLASSES):
            return Layout("YOLOv8 (rows)", nms=True, decode=_yolov8_rows, **yolo_kind)
        if cols == grid and rows - 4 in (1, COCO_CLASSES):
            return Layout("YOLOv8/11", nms=True, decode=_yolov8, **yolo_kind)
        if rows == 3 * grid and cols >= 6:
            return Layout("YOLOv5", nms=True, decode=_objectness_rows, **yolo_kind)
        if cols == 6 and rows not in (grid, 3 * grid):
            return Layout("YOLOv10 / end-to-end", nms=False, decode=_xyxy_score_class, **yolo_kind)
        if rows not in (grid, 3 * grid) and cols - 4 in (1, COCO_CLASSES):
            return Layout("RT-DETR", False, 1 / 255, "stretch", False, _rtdetr)
    run = ", ".join(str(s) for s in shapes)
    raise LayoutError(
        f"is no detector layout understood here ({signature}; on a {size}x{size} image it gave {run}). "
        "Understood: YOLOX raw or decoded (1, anchors, 85); mmdeploy/rtmlib end2end dets (1, N, 5) + labels (1, N); "
        "YOLOv5 (1, 3 x anchors, 85); YOLOv8/11 (1, 84, anchors); YOLOv10 (1, K, 6); RT-DETR (1, queries, 84); "
        "PicoDet 4 x (1, cells, 80) + 4 x (1, cells, 32)"
    )
