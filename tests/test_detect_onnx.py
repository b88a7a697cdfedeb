"""The ONNX person detector on tiny graphs built here, whose outputs are known (nothing downloaded)."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from pose.detect import create_detector
from pose.detect.onnx import DetectorFileError, OnnxPersonDetector

SIZE = 64  # the fake model's input


def _constant_model(path, output: np.ndarray, input_shape=(1, 3, SIZE, SIZE)):
    """A graph that ignores its image (times zero) and emits ``output``."""
    image = helper.make_tensor_value_info("images", TensorProto.FLOAT, list(input_shape))
    result = helper.make_tensor_value_info("output0", TensorProto.FLOAT, list(output.shape))
    const = numpy_helper.from_array(output.astype(np.float32), "const")
    zero = numpy_helper.from_array(np.zeros((), dtype=np.float32), "zero")
    nodes = [
        helper.make_node("ReduceMean", ["images"], ["mean"], keepdims=0),
        helper.make_node("Mul", ["mean", "zero"], ["nothing"]),
        helper.make_node("Add", ["const", "nothing"], ["output0"]),
    ]
    graph = helper.make_graph(nodes, "fake_detector", [image], [result], initializer=[const, zero])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def _yolov8(rows):
    """(1, 84, N) from rows of (cx, cy, w, h, class, score) in input pixels."""
    out = np.zeros((1, 84, 100), dtype=np.float32)  # anchors outnumber the rows, as in every YOLOv8
    for i, (cx, cy, w, h, cls, score) in enumerate(rows):
        out[0, :4, i] = cx, cy, w, h
        out[0, 4 + cls, i] = score
    return out


def test_yolov8_people_in_frame_pixels(tmp_path):
    # a person in the middle of the 64x64 input, a weaker duplicate, a car, a faint person
    output = _yolov8(
        [(32, 32, 16, 32, 0, 0.9), (33, 32, 16, 32, 0, 0.8), (10, 10, 8, 8, 2, 0.95), (50, 50, 8, 8, 0, 0.1)]
    )
    detector = OnnxPersonDetector(_constant_model(tmp_path / "v8.onnx", output))
    frame = np.zeros((64, 128, 3), dtype=np.uint8)  # letterboxed: scale 0.5, 16 px bands above and below
    (person,) = detector.detect(frame)
    np.testing.assert_allclose(person.bbox_xywh, [48, 0, 32, 64], atol=1e-4)  # (24..40, 16..48) in the input
    assert person.score == pytest.approx(0.9)


def test_yolov5_and_rtdetr_layouts(tmp_path):
    v5 = np.zeros((1, 100, 85), dtype=np.float32)
    v5[0, 0, :6] = 32, 32, 16, 16, 0.9, 0.8  # objectness 0.9 x person 0.8
    v5[0, 1, :4], v5[0, 1, 4], v5[0, 1, 7] = (10, 10, 8, 8), 0.9, 0.9  # a car
    (person,) = OnnxPersonDetector(_constant_model(tmp_path / "v5.onnx", v5)).detect(np.zeros((64, 64, 3), np.uint8))
    np.testing.assert_allclose(person.bbox_xywh, [24, 24, 16, 16], atol=1e-4)
    assert person.score == pytest.approx(0.72)

    detr = np.zeros((1, 300, 84), dtype=np.float32)
    detr[0, 0, :5] = 0.25, 0.5, 0.25, 0.5, 0.7  # normalised boxes
    (person,) = OnnxPersonDetector(_constant_model(tmp_path / "detr.onnx", detr)).detect(
        np.zeros((64, 64, 3), np.uint8)
    )
    np.testing.assert_allclose(person.bbox_xywh, [8, 16, 16, 32], atol=1e-4)


def test_clear_errors_for_bad_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        OnnxPersonDetector(tmp_path / "missing.onnx")
    corrupt = tmp_path / "corrupt.onnx"
    corrupt.write_bytes(b"not a model at all")
    with pytest.raises(DetectorFileError, match="not a readable ONNX model"):
        OnnxPersonDetector(corrupt)
    flat = _constant_model(tmp_path / "flat.onnx", np.zeros((1, 10), dtype=np.float32))
    with pytest.raises(DetectorFileError, match="no known detector layout"):
        OnnxPersonDetector(flat)
    not_image = _constant_model(tmp_path / "vector.onnx", _yolov8([]), input_shape=(1, 10))
    with pytest.raises(DetectorFileError, match=r"one \(1, 3, H, W\) image"):
        OnnxPersonDetector(not_image)


def test_factory_picks_by_spec_and_environment(tmp_path, monkeypatch):
    path = _constant_model(tmp_path / "people.onnx", _yolov8([(32, 32, 16, 32, 0, 0.9)]))
    assert isinstance(create_detector(str(path)), OnnxPersonDetector)
    monkeypatch.setenv("CONVNEXTPOSE_DETECTOR", str(path))
    assert isinstance(create_detector(None), OnnxPersonDetector)
    with pytest.raises(FileNotFoundError):
        create_detector(str(tmp_path / "gone.onnx"))
