"""People from a user-supplied ONNX object detector (YOLOv5/v8 or RT-DETR layout), run by ONNX Runtime.

Only the person class (COCO class 0) is kept. Output layouts understood, for ``C`` classes:

- YOLOv8 and later: (1, 4 + C, N) rows of centre x, centre y, width, height (input pixels), class scores;
- YOLOv5: (1, N, 5 + C) columns centre x, centre y, width, height, objectness, class scores;
- RT-DETR: (1, Q, 4 + C) columns centre x, centre y, width, height (normalised to the input), class scores.

(1, N, 4 + C) with boxes in input pixels is read as YOLOv8 exported without the transpose.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import cv2
import numpy as np

from . import ssd
from .base import Detection

__all__ = ["OnnxPersonDetector", "DetectorFileError", "PERSON_CLASS"]

log = logging.getLogger(__name__)

PERSON_CLASS = 0  # COCO's "person"
LETTERBOX_FILL = 114  # the grey YOLO pads with
DEFAULT_INPUT = 640  # for models whose input size is dynamic


class DetectorFileError(ValueError):
    """The detector file cannot be used: not ONNX, or not an image detector of a known layout."""


def _decode(output: np.ndarray, input_size: int) -> tuple[np.ndarray, np.ndarray, bool]:
    """Person boxes (N, 4) x1 y1 x2 y2 in input pixels and scores (N,) from a raw output; and whether NMS is due.

    Raises:
        DetectorFileError: for an output of no known layout.
    """
    if output.ndim != 3 or output.shape[0] != 1 or min(output.shape[1:]) < 5:
        raise DetectorFileError(
            f"output of shape {tuple(output.shape)} is no known detector layout "
            "(expected (1, 4 + classes, N), (1, N, 5 + classes) or (1, queries, 4 + classes))"
        )
    rows = output[0].astype(np.float32)
    if rows.shape[0] < rows.shape[1]:  # YOLOv8: (4 + C, N)
        rows = rows.T
        boxes, scores, nms = rows[:, :4], rows[:, 4 + PERSON_CLASS], True
    elif rows.shape[1] == 85 or rows.shape[1] == 6:  # YOLOv5: objectness then classes (COCO, or one class)
        boxes, scores, nms = rows[:, :4], rows[:, 4] * rows[:, 5 + PERSON_CLASS], True
    else:  # (Q, 4 + C): RT-DETR (normalised boxes, no NMS needed) or untransposed YOLOv8 (pixels)
        boxes, scores = rows[:, :4], rows[:, 4 + PERSON_CLASS]
        nms = float(np.abs(boxes).max(initial=0.0)) > 2.0
        if not nms:
            boxes = boxes * input_size
    if scores.size and (scores.min() < 0 or scores.max() > 1):  # logits (some RT-DETR exports)
        scores = 1.0 / (1.0 + np.exp(-scores))
    xyxy = np.concatenate([boxes[:, :2] - boxes[:, 2:] / 2, boxes[:, :2] + boxes[:, 2:] / 2], axis=1)
    return xyxy, scores, nms


class OnnxPersonDetector:
    """People from an ONNX object detector on disk (see the module docstring for the layouts).

    Args:
        path: the .onnx file.
        min_score: detections scoring less are dropped.
        nms_iou: overlap above which the weaker of two YOLO boxes is dropped.
        max_people: keep at most this many, largest first (None: all).

    Raises:
        FileNotFoundError: no such file.
        DetectorFileError: not a readable ONNX model, or not one image input and a known output layout.
    """

    def __init__(
        self, path: str | Path, min_score: float = 0.4, nms_iou: float = 0.5, max_people: int | None = None
    ) -> None:
        import onnxruntime as ort

        self.path = Path(path).expanduser()
        if not self.path.is_file():
            raise FileNotFoundError(f"person detector {self.path} does not exist")
        try:
            self._session = ort.InferenceSession(str(self.path), providers=["CPUExecutionProvider"])
        except Exception as error:  # onnxruntime raises its own exception types for unreadable files
            raise DetectorFileError(f"{self.path.name} is not a readable ONNX model: {error}") from error
        inputs = self._session.get_inputs()
        if len(inputs) != 1 or len(inputs[0].shape) != 4 or inputs[0].shape[1] not in (3, "3"):
            shapes = [tuple(i.shape) for i in inputs]
            raise DetectorFileError(f"{self.path.name} takes {shapes}; a detector takes one (1, 3, H, W) image")
        height, width = inputs[0].shape[2:]
        self.input_size = int(height) if isinstance(height, int) else DEFAULT_INPUT
        if isinstance(width, int) and width != self.input_size:
            raise DetectorFileError(f"{self.path.name} takes {width}x{height} images; only square inputs are read")
        self._input = inputs[0].name
        self.min_score, self.nms_iou, self.max_people = min_score, nms_iou, max_people
        self._lock = threading.Lock()
        probe = self._run(np.zeros((self.input_size, self.input_size, 3), dtype=np.uint8))
        _decode(probe, self.input_size)  # fails now, not on the first frame, for a wrong layout
        log.info("person detector %s, input %d", self.path.name, self.input_size)

    def _run(self, square_rgb: np.ndarray) -> np.ndarray:
        tensor = square_rgb.astype(np.float32).transpose(2, 0, 1)[None] / 255.0
        with self._lock:
            return np.asarray(self._session.run(None, {self._input: tensor})[0])

    def detect(self, frame_bgr: np.ndarray) -> list[Detection]:
        """Every person in ``frame_bgr`` (H, W, 3) uint8, largest first."""
        height, width = frame_bgr.shape[:2]
        square, scale, offset = ssd.letterbox(
            cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2RGB), self.input_size, fill=LETTERBOX_FILL
        )
        xyxy, scores, nms = _decode(self._run(square), self.input_size)
        keep = scores >= self.min_score
        xyxy, scores = xyxy[keep], scores[keep]
        if nms and len(scores):
            xywh = np.c_[xyxy[:, :2], xyxy[:, 2:] - xyxy[:, :2]]
            picked = cv2.dnn.NMSBoxes(xywh.tolist(), scores.tolist(), self.min_score, self.nms_iou)
            picked = np.asarray(picked, dtype=int).reshape(-1)
            xyxy, scores = xyxy[picked], scores[picked]
        xyxy = (xyxy - np.tile(np.asarray(offset, dtype=np.float32), 2)) / scale
        xyxy = np.clip(xyxy, 0, [width, height, width, height])
        detections = [
            Detection(np.array([x1, y1, x2 - x1, y2 - y1], dtype=np.float64), float(s))
            for (x1, y1, x2, y2), s in zip(xyxy, scores)
            if x2 - x1 >= 2 and y2 - y1 >= 2
        ]
        detections.sort(key=lambda d: -d.bbox_xywh[2] * d.bbox_xywh[3])
        return detections[: self.max_people] if self.max_people is not None else detections

    def reset(self) -> None:
        """Nothing to forget: every frame is detected afresh."""

    def close(self) -> None:
        """The session is released with the object."""
