"""People from a user-supplied ONNX object detector, run by ONNX Runtime.

The family (YOLOX raw or decoded, mmdeploy/rtmlib end2end RTMDet or YOLOX, YOLOv5, YOLOv8/11, YOLOv10,
RT-DETR) is told from the file's input and output signature (:mod:`pose.detect.onnx_layouts`), and each is
fed as it was trained: its colour order, pixel scale, mean and std, and letterbox (top-left or centred, or a
stretch). Only the person class (COCO class 0) is kept. A file whose outputs are of no known family is
refused with what it has, never run as "nobody in view".

Each call looks at the frame once; :func:`pose.detect.create_detector` wraps the detector in a
:class:`~pose.detect.tiles.TiledDetector`, so that a large frame is also searched in tiles.
"""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path

import cv2
import numpy as np

from .base import suppress_overlaps
from .detections import Detections
from .onnx_layouts import PERSON_CLASS, Layout, LayoutError, Signature, recognise

__all__ = ["OnnxPersonDetector", "DetectorFileError", "DetectorNotFoundError", "PERSON_CLASS", "prepare"]

log = logging.getLogger(__name__)

LETTERBOX_FILL = 114  # the grey YOLO, YOLOX and mmdet pad with
DEFAULT_INPUT = 640  # for models whose input size is dynamic
# Tuned with YOLOX-nano (416 px) on the 41 clear people of 27 annotated real photos (box IoU >= 0.5; a person
# is clear when not a crowd, with >= 8 labelled joints and >= 96 px tall): recall 0.78, precision 0.865 at the
# defaults. Recall is the same from 0.30 to 0.35 and one person less at 0.40 (three at 0.45); precision is 0.842
# at 0.30 and 0.861 at 0.40. NMS at 0.45 and 0.5 give the same; 0.4 loses a person, 0.6 adds four false ones.
# Other families score on other scales: a family's own cut (Layout.min_score, PicoDet's) wins, min_score over both.
MIN_SCORE = 0.35
NMS_IOU = 0.45


class DetectorFileError(ValueError):
    """The detector file cannot be used: missing, not ONNX, or not an image detector of a known layout.

    Its message is ``f"{file} {reason}"``.

    Attributes:
        file: the file as the message names it.
        reason: what is wrong with it, said of the file ("is not a readable ONNX model (...)"), for a caller
            who names the file its own way (a checked temporary copy is named for its source).
    """

    def __init__(self, file: str, reason: str) -> None:
        super().__init__(f"{file} {reason}")
        self.file, self.reason = file, reason

    def __reduce__(self):  # pickled as made (a video worker's error crosses to the app)
        return type(self), (self.file, self.reason)


class DetectorNotFoundError(DetectorFileError, FileNotFoundError):
    """No file at the detector's path."""


def prepare(frame_bgr: np.ndarray, size: int, layout: Layout) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The (1, 3, size, size) float32 input ``layout``'s family takes for ``frame_bgr`` (H, W, 3) uint8.

    Returns:
        the tensor, the (x, y) scale (input pixels per frame pixel) and the (x, y) offset of the frame's origin
        in the input.
    """
    height, width = frame_bgr.shape[:2]
    image = frame_bgr if layout.bgr else cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2RGB)
    if layout.placement == "stretch":
        square = cv2.resize(image, (size, size), interpolation=cv2.INTER_LINEAR)
        scale, offset = np.array([size / width, size / height]), np.zeros(2)
    else:
        ratio = min(size / height, size / width)
        new_w, new_h = max(1, int(width * ratio)), max(1, int(height * ratio))  # truncated, as YOLOX and mmdet do
        left = int(round((size - new_w) / 2 - 0.1)) if layout.placement == "centre" else 0  # Ultralytics' rounding
        top = int(round((size - new_h) / 2 - 0.1)) if layout.placement == "centre" else 0
        square = np.full((size, size, 3), LETTERBOX_FILL, dtype=np.uint8)
        square[top : top + new_h, left : left + new_w] = cv2.resize(
            image, (new_w, new_h), interpolation=cv2.INTER_LINEAR
        )
        scale, offset = np.array([new_w / width, new_h / height]), np.array([left, top], dtype=np.float64)
    tensor = square.astype(np.float32) * np.float32(layout.scale)
    if layout.mean is not None:
        tensor = (tensor - np.asarray(layout.mean, np.float32)) / np.asarray(layout.std, np.float32)
    return np.ascontiguousarray(tensor.transpose(2, 0, 1)[None]), scale, offset


def _runtime_reason(error: Exception, path: Path) -> str:
    """ONNX Runtime's reason for refusing ``path``, in short: its status name and message, without its error-code
    prefix or its "Load model from PATH failed" (the error names the file), any other mention of the path as the
    file's name ("INVALID_PROTOBUF: Protobuf parsing failed.")."""
    text = re.sub(r"^\[ONNXRuntimeError\]\s*:\s*\d+\s*:\s*", "", str(error).strip())
    text = re.sub(r"\s*:\s*", ": ", text, count=1)
    text = re.sub(r"Load model from .*? failed:\s*", "", text)
    return text.replace(str(path), path.name).splitlines()[0] if text else type(error).__name__


def _graph_source(path: Path) -> str | bytes:
    """What ONNX Runtime opens for ``path``: the file, or, where an old exporter (Paddle's, PicoDet's) also lists
    the weights as graph inputs, the graph without them in memory. Listed as inputs, weights could be overridden
    at run time, so ONNX Runtime folds no constants there: PicoDet-S ran at 75 ms as shipped and 47 ms stripped,
    same outputs to 2e-5 (one thread, the same run, 2 loaded cores)."""
    import onnx

    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception:  # not ONNX: ONNX Runtime says why, with the file's name
        return str(path)
    weights = {t.name for t in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in weights]
    if len(inputs) == len(model.graph.input) or any(
        t.data_location == onnx.TensorProto.EXTERNAL for t in model.graph.initializer
    ):
        return str(path)
    del model.graph.input[:]
    model.graph.input.extend(inputs)
    return model.SerializeToString()


def _self_normalising(path: Path, input_name: str) -> bool:
    """Whether the graph's first operation on its input is arithmetic with a constant (its own normalisation)."""
    import onnx

    graph = onnx.load(str(path), load_external_data=False).graph
    constants = {t.name for t in graph.initializer} | {
        o for n in graph.node if n.op_type == "Constant" for o in n.output
    }
    first = [n for n in graph.node if input_name in n.input]
    return any(n.op_type in ("Sub", "Div", "Mul", "Add") and set(n.input) & constants for n in first)


class OnnxPersonDetector:
    """People from an ONNX object detector on disk (see the module docstring for the families).

    Args:
        path: the .onnx file.
        min_score: detections scoring less are dropped (None: the family's own cut where it has one, else
            :data:`MIN_SCORE`).
        nms_iou: overlap above which the weaker of two boxes is dropped (families whose graph does not; and, by
            default, where :class:`~pose.detect.tiles.TiledDetector` merges the tiles' boxes).
        max_people: keep at most this many, largest first (None: all; give a TiledDetector its own instead).
        input_size: the square side to feed a file whose input size is dynamic (None: :data:`DEFAULT_INPUT`).
        threads: ONNX Runtime's threads per inference (None: its choice, every core).

    Attributes:
        layout: the family read from the file, and how it is fed.
        input_size: the square input's side in pixels.

    Raises:
        DetectorNotFoundError: no such file (also a FileNotFoundError).
        DetectorFileError: not a readable ONNX model, not one (1, 3, S, S) image input, or outputs of no known
            family (the message names the inputs and outputs found).
    """

    def __init__(
        self,
        path: str | Path,
        min_score: float | None = None,
        nms_iou: float = NMS_IOU,
        max_people: int | None = None,
        threads: int | None = None,
        input_size: int | None = None,
    ) -> None:
        import onnxruntime as ort

        self.path = Path(path).expanduser()
        if not self.path.is_file():
            raise DetectorNotFoundError(f"person detector {self.path}", "does not exist")
        try:
            options = ort.SessionOptions()
            # Errors only: ONNX Runtime's warnings (once per weight of an old export that lists its weights as
            # graph inputs, hundreds of lines) say nothing to the user; a real failure still raises.
            options.log_severity_level = 3
            if threads is not None:
                options.intra_op_num_threads = int(threads)
            self._session = ort.InferenceSession(_graph_source(self.path), options, providers=["CPUExecutionProvider"])
        except Exception as error:  # onnxruntime raises its own exception types for unreadable files
            raise DetectorFileError(
                self.path.name, f"is not a readable ONNX model ({_runtime_reason(error, self.path)})"
            ) from error
        inputs, outputs = self._session.get_inputs(), self._session.get_outputs()
        signature = Signature(
            tuple((i.name, tuple(i.shape)) for i in inputs), tuple((o.name, tuple(o.shape)) for o in outputs)
        )
        if len(inputs) != 1 or len(inputs[0].shape) != 4 or inputs[0].shape[1] not in (3, "3"):
            raise DetectorFileError(self.path.name, f"has {signature}; a detector takes one (1, 3, H, W) image")
        height, width = inputs[0].shape[2:]
        self.input_size = int(height) if isinstance(height, int) else (input_size or DEFAULT_INPUT)
        if isinstance(width, int) and width != self.input_size:
            raise DetectorFileError(self.path.name, f"takes {width}x{height} images; only square inputs are read")
        self._input = inputs[0].name
        self.nms_iou, self.max_people = nms_iou, max_people
        self._lock = threading.Lock()
        grey = np.full((self.input_size, self.input_size, 3), LETTERBOX_FILL, dtype=np.float32)
        try:  # fails now, not on the first frame
            probe = self._run(grey.transpose(2, 0, 1)[None].copy())
        except Exception as error:  # onnxruntime's own types: a graph that cannot run on an image
            raise DetectorFileError(
                self.path.name, f"({signature}) fails on a {self.input_size}px image: {error}"
            ) from error
        try:
            self.layout = recognise(
                signature,
                probe,
                self.input_size,
                file_name=self.path.name,
                self_normalising=len(probe) == 2 and _self_normalising(self.path, self._input),
            )
        except LayoutError as error:
            raise DetectorFileError(self.path.name, str(error)) from error
        self.min_score = min_score if min_score is not None else (self.layout.min_score or MIN_SCORE)
        log.info("person detector %s: %s, input %d", self.path.name, self.layout.family, self.input_size)

    def _run(self, tensor: np.ndarray) -> list[np.ndarray]:
        with self._lock:
            return [np.asarray(o) for o in self._session.run(None, {self._input: tensor})]

    def _view(self, view_bgr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Person boxes (N, 4) x1 y1 x2 y2 in ``view_bgr``'s pixels and their scores, at ``min_score``."""
        tensor, scale, offset = prepare(view_bgr, self.input_size, self.layout)
        xyxy, scores = self.layout.decode(self._run(tensor), self.input_size)
        keep = np.isfinite(scores) & (scores >= self.min_score) & np.isfinite(xyxy).all(axis=1)
        xyxy, scores = xyxy[keep].astype(np.float64), scores[keep].astype(np.float64)
        if self.layout.nms:
            xyxy, scores = self._suppress(xyxy, scores)
        return (xyxy - np.tile(offset, 2)) / np.tile(scale, 2), scores

    def _suppress(self, xyxy: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        picked = suppress_overlaps(xyxy, scores, self.nms_iou, self.min_score)
        return xyxy[picked], scores[picked]

    def detect(self, frame_bgr: np.ndarray) -> Detections:
        """Every person in ``frame_bgr`` (H, W, 3) uint8, largest first, from one look at the whole frame (see
        the module docstring for tiles)."""
        height, width = frame_bgr.shape[:2]
        xyxy, scores = self._view(frame_bgr)
        xyxy = np.clip(xyxy, 0, [width, height, width, height])
        xywh = np.c_[xyxy[:, :2], xyxy[:, 2:] - xyxy[:, :2]]
        found = Detections(xywh, scores)[(xywh[:, 2] >= 2) & (xywh[:, 3] >= 2)].largest_first()
        return found[: self.max_people] if self.max_people is not None else found

    def reset(self) -> None:
        """Nothing to forget: every frame is detected afresh."""

    def close(self) -> None:
        """The session is released with the object."""
