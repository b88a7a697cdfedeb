"""The plug-in ONNX person detector on small graphs built here, one per family, and on a real YOLOX-nano.

Two kinds of graph: ones that emit a fixed tensor encoding known boxes in the family's own format (decoding),
and ones whose scores are pixels of the input they were given (colour order, pixel scale, mean and std, and
where the letterbox puts the frame): a wrong preprocessing moves the score off its expected value.
"""

from __future__ import annotations

import math
import pickle

import cv2
import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from pose.detect import DETECTOR_ENV, check_detector, create_detector
from pose.detect.onnx import DetectorFileError, DetectorNotFoundError, OnnxPersonDetector
from pose.detect.onnx_layouts import RTMDET_MEAN_BGR, RTMDET_STD_BGR, STRIDES, grid_points
from pose.detect.tiles import TILE_ABOVE, GridTiles, TiledDetector

SIZE = 96  # the graphs' input: 12x12, 6x6 and 3x3 anchor grids, 189 points
GRID = grid_points(SIZE)
WIDE = np.zeros((48, 96, 3), dtype=np.uint8)  # a 2:1 frame: letterboxed at scale 1, 48 rows of padding


def _model(path, outputs: dict[str, np.ndarray], probes=(), input_shape=(1, 3, SIZE, SIZE)):
    """A graph emitting ``outputs`` (name -> fixed tensor), plus, for each probe ``(name, index, c, y, x, k)``,
    ``k`` times the input's pixel (c, y, x) at ``index`` of that output."""
    image = helper.make_tensor_value_info("images", TensorProto.FLOAT, list(input_shape))
    inits = [numpy_helper.from_array(np.zeros((), np.float32), "zero")]
    nodes = [
        helper.make_node("ReduceMean", ["images"], ["mean"], keepdims=0),
        helper.make_node("Mul", ["mean", "zero"], ["nothing"]),
    ]
    results = []
    for name, const in outputs.items():
        inits.append(numpy_helper.from_array(const.astype(np.float32), f"{name}_const"))
        total = f"{name}_base"
        nodes.append(helper.make_node("Add", [f"{name}_const", "nothing"], [total]))
        for n, (_, index, c, y, x, k) in enumerate(p for p in probes if p[0] == name):
            mask = np.zeros(const.shape, np.float32)
            mask[index] = k
            tag = f"{name}_{n}"
            inits += [
                numpy_helper.from_array(np.array([0, c, y, x], np.int64), f"{tag}_lo"),
                numpy_helper.from_array(np.array([1, c + 1, y + 1, x + 1], np.int64), f"{tag}_hi"),
                numpy_helper.from_array(np.array([], np.int64), f"{tag}_scalar"),
                numpy_helper.from_array(mask, f"{tag}_mask"),
            ]
            nodes += [
                helper.make_node("Slice", ["images", f"{tag}_lo", f"{tag}_hi"], [f"{tag}_px4"]),
                helper.make_node("Reshape", [f"{tag}_px4", f"{tag}_scalar"], [f"{tag}_px"]),
                helper.make_node("Mul", [f"{tag}_mask", f"{tag}_px"], [f"{tag}_term"]),
                helper.make_node("Add", [total, f"{tag}_term"], [f"{tag}_sum"]),
            ]
            total = f"{tag}_sum"
        nodes.append(helper.make_node("Identity", [total], [name]))
        results.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, list(const.shape)))
    graph = helper.make_graph(nodes, "detector", [image], results, initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def _cell(stride: int, gx: int, gy: int) -> int:
    """The row of anchor (gx, gy) of ``stride``'s grid in a YOLOX output."""
    row = 0
    for s in STRIDES:
        if s == stride:
            return row + gy * (SIZE // s) + gx
        row += (SIZE // s) ** 2
    raise ValueError(stride)


def _on_grid() -> np.ndarray:
    """(GRID, 4) cx cy w h of each anchor's own cell, as a decoded YOLOX gives where it sees nothing."""
    rows = []
    for s in STRIDES:
        n = SIZE // s
        ys, xs = np.mgrid[0:n, 0:n]
        rows.append(np.stack([(xs.ravel() + 0.5) * s, (ys.ravel() + 0.5) * s, np.full(n * n, s), np.full(n * n, s)], 1))
    return np.concatenate(rows)


def _boxes(detections):
    return [(np.round(d.bbox_xywh, 3).tolist(), round(d.score, 3)) for d in detections]


# --- decoding: fixed outputs in each family's format --------------------------------------------------------


def test_yolox_raw_decodes_grid_offsets_and_strides(tmp_path):
    out = np.zeros((1, GRID, 85), np.float32)
    row = _cell(8, 3, 4)  # cell (3, 4) of the stride-8 grid: centre (3 + 0.5, 4 + 0.25) * 8 = (28, 34)
    out[0, row, :6] = 0.5, 0.25, math.log(2.0), math.log(4.0), 0.9, 0.8  # 16 x 32 px; objectness x person
    car = _cell(32, 1, 1)
    out[0, car, :5], out[0, car, 7] = (0.5, 0.5, 0.0, 0.0, 0.9), 0.95
    detector = OnnxPersonDetector(_model(tmp_path / "yolox.onnx", {"output": out}))
    assert detector.layout.family == "YOLOX (raw)"
    (person,) = detector.detect(np.zeros((96, 96, 3), np.uint8))
    np.testing.assert_allclose(person.bbox_xywh, [20, 18, 16, 32], atol=1e-3)
    assert person.score == pytest.approx(0.72, abs=1e-4)


def test_yolox_decoded_is_told_from_raw_by_its_grid(tmp_path):
    out = np.zeros((1, GRID, 85), np.float32)
    out[0, :, :4] = _on_grid()
    row = _cell(16, 2, 2)
    out[0, row, :6] = 40, 44, 20, 30, 0.9, 0.9
    detector = OnnxPersonDetector(_model(tmp_path / "yolox_decoded.onnx", {"output": out}))
    assert detector.layout.family == "YOLOX (decoded)"
    (person,) = detector.detect(np.zeros((96, 96, 3), np.uint8))
    np.testing.assert_allclose(person.bbox_xywh, [30, 29, 20, 30], atol=1e-3)


def test_mmdeploy_end2end_dets_and_labels(tmp_path):
    dets = np.array([[[10, 20, 40, 80, 0.9], [50, 50, 90, 90, 0.95], [0, 0, 5, 5, 0.1]]], np.float32)
    labels = np.array([[0, 2, 0]], np.float32)  # a person, a car, a faint person
    detector = OnnxPersonDetector(_model(tmp_path / "rtmdet.onnx", {"dets": dets, "labels": labels}))
    assert detector.layout.family == "mmdeploy end2end (RTMDet)"
    (person,) = detector.detect(np.zeros((96, 96, 3), np.uint8))
    np.testing.assert_allclose(person.bbox_xywh, [10, 20, 30, 60], atol=1e-3)
    named_yolox = OnnxPersonDetector(_model(tmp_path / "yolox_m_humanart.onnx", {"dets": dets, "labels": labels}))
    assert named_yolox.layout.family == "mmdeploy end2end (YOLOX)" and named_yolox.layout.mean is None


def test_yolov5_yolov8_yolov10_and_rtdetr_layouts(tmp_path):
    frame = np.zeros((96, 96, 3), np.uint8)
    v5 = np.zeros((1, 3 * GRID, 85), np.float32)
    v5[0, 0, :6] = 32, 32, 16, 16, 0.9, 0.8
    v5[0, 1, :5], v5[0, 1, 7] = (10, 10, 8, 8, 0.9), 0.9  # a car
    v8 = np.zeros((1, 84, GRID), np.float32)
    v8[0, :5, 0] = 32, 32, 16, 16, 0.72
    v8[0, :5, 1] = 33, 32, 16, 16, 0.6  # a weaker duplicate, suppressed
    v8[0, :4, 2], v8[0, 6, 2] = (10, 10, 8, 8), 0.95  # a car
    v10 = np.zeros((1, 300, 6), np.float32)
    v10[0, 0] = 24, 24, 40, 40, 0.72, 0
    v10[0, 1] = 0, 0, 10, 10, 0.9, 2
    detr = np.zeros((1, 300, 84), np.float32)
    detr[0, 0, :5] = 1 / 3, 1 / 3, 1 / 6, 1 / 6, 0.72  # normalised boxes
    detr[0, 1, :4], detr[0, 1, 5] = (0.5, 0.5, 0.1, 0.1), 0.9
    for name, out, family in (
        ("v5", v5, "YOLOv5"),
        ("v8", v8, "YOLOv8/11"),
        ("v8rows", v8.transpose(0, 2, 1).copy(), "YOLOv8 (rows)"),
        ("v10", v10, "YOLOv10 / end-to-end"),
        ("detr", detr, "RT-DETR"),
    ):
        detector = OnnxPersonDetector(_model(tmp_path / f"{name}.onnx", {"output0": out}))
        assert detector.layout.family == family
        assert _boxes(detector.detect(frame)) == [([24.0, 24.0, 16.0, 16.0], 0.72)], name


# --- preprocessing: scores read from the input the model was given ------------------------------------------


def test_yolox_gets_bgr_0_255_letterboxed_top_left(tmp_path):
    out = np.zeros((1, GRID, 85), np.float32)
    a, b = _cell(8, 3, 4), _cell(8, 8, 2)  # boxes centred at (28, 34) and (68, 20), 16 px: inside the frame's rows
    out[0, a, :5] = 0.5, 0.25, math.log(2.0), math.log(2.0), 1.0
    out[0, b, :5] = 0.5, 0.5, math.log(2.0), math.log(2.0), 1.0
    probes = [
        ("output", (0, a, 5), 0, 10, 10, 0.9 / 255),  # person score = 0.9 x channel 0 (must be blue, 0-255) / 255
        ("output", (0, b, 5), 0, 80, 10, 1 / 255),  # channel 0 at row 80: padding (114) when placed top-left
    ]
    detector = OnnxPersonDetector(_model(tmp_path / "yolox.onnx", {"output": out}, probes), min_score=0.3)
    blue = WIDE.copy()
    blue[:] = 255, 0, 0
    found = dict((tuple(box), score) for box, score in _boxes(detector.detect(blue)))
    assert found == pytest.approx({(20.0, 26.0, 16.0, 16.0): 0.9, (60.0, 12.0, 16.0, 16.0): 114 / 255}, abs=2e-3)
    # RGB would score the first 0, /255 0.0035; a centred frame would cover row 80 (1.0) and move the boxes
    half = cv2.resize(blue, (192, 96))  # at scale 0.5 the boxes map back twice as large
    assert (40.0, 52.0, 32.0, 32.0) in {tuple(box) for box, _ in _boxes(detector.detect(half))}


def test_yolov8_gets_rgb_over_255_letterboxed_centred(tmp_path):
    out = np.zeros((1, 84, GRID), np.float32)
    out[0, :4, 0] = 48, 48, 20, 20
    out[0, :4, 1] = 20, 40, 10, 10
    probes = [
        ("output0", (0, 4, 0), 0, 48, 10, 0.9),  # score = 0.9 x channel 0 at the centre row (red, / 255)
        ("output0", (0, 4, 1), 0, 5, 10, 1.0),  # channel 0 at row 5: padding (114 / 255) when centred
    ]
    detector = OnnxPersonDetector(_model(tmp_path / "yolov8n.onnx", {"output0": out}, probes), min_score=0.3)
    red = WIDE.copy()
    red[:] = 0, 0, 255
    found = dict((tuple(box), score) for box, score in _boxes(detector.detect(red)))
    # (38..58, 38..58) and (15..25, 35..45) in the input; the frame starts at its row 24
    assert found == pytest.approx({(38.0, 14.0, 20.0, 20.0): 0.9, (15.0, 11.0, 10.0, 10.0): 114 / 255}, abs=2e-3)


def test_rtmdet_gets_bgr_minus_mean_over_std_top_left(tmp_path):
    dets = np.array([[[10, 10, 40, 40, 0.0], [50, 10, 80, 40, 0.0], [50, 20, 80, 45, 0.0]]], np.float32)
    labels = np.zeros((1, 3), np.float32)
    probes = [
        ("dets", (0, 0, 4), 0, 10, 10, 0.5),  # channel 0 (blue) normalised: (161 - 103.53) / 57.375 = 1.0
        ("dets", (0, 1, 4), 2, 10, 10, 0.5),  # channel 2 (red): (181 - 123.675) / 58.395 = 0.98
        ("dets", (0, 2, 4), 0, 80, 10, 0.5),  # padding (114), top-left: (114 - 103.53) / 57.375 = 0.18
    ]
    detector = OnnxPersonDetector(_model(tmp_path / "rtmdet_m.onnx", {"dets": dets, "labels": labels}, probes))
    assert detector.layout.mean == RTMDET_MEAN_BGR and detector.layout.std == RTMDET_STD_BGR
    detector.min_score = 0.05
    frame = WIDE.copy()
    frame[:] = 161, 116, 181
    scores = {tuple(box): s for box, s in _boxes(detector.detect(frame))}
    assert scores[(10.0, 10.0, 30.0, 30.0)] == pytest.approx(0.5 * (161 - 103.53) / 57.375, abs=2e-3)
    assert scores[(50.0, 10.0, 30.0, 30.0)] == pytest.approx(0.5 * (181 - 123.675) / 58.395, abs=2e-3)
    assert scores[(50.0, 20.0, 30.0, 25.0)] == pytest.approx(0.5 * (114 - 103.53) / 57.375, abs=2e-3)


def test_rtdetr_gets_the_frame_stretched(tmp_path):
    out = np.zeros((1, 300, 84), np.float32)
    out[0, 0, :4] = 0.25, 0.5, 0.25, 0.5
    probes = [("output0", (0, 0, 4), 0, 5, 5, 0.9)]  # row 5 is the frame's when stretched, padding when boxed
    detector = OnnxPersonDetector(_model(tmp_path / "rtdetr-l.onnx", {"output0": out}, probes))
    red = WIDE.copy()
    red[:] = 0, 0, 255
    # (12..36, 24..72) in the input; the frame is stretched 1x across and 2x down
    assert _boxes(detector.detect(red)) == [([12.0, 12.0, 24.0, 24.0], 0.9)]


# --- refusals -----------------------------------------------------------------------------------------------


def test_unreadable_outputs_are_refused_naming_what_the_file_has(tmp_path):
    classifier = _model(tmp_path / "resnet.onnx", {"logits": np.zeros((1, 1000), np.float32)})
    with pytest.raises(DetectorFileError, match=r"images \(1, 3, 96, 96\); outputs logits \(1, 1000\)"):
        OnnxPersonDetector(classifier)
    odd_rows = _model(tmp_path / "odd.onnx", {"output": np.zeros((1, GRID, 30), np.float32)})
    with pytest.raises(DetectorFileError, match=r"no detector layout understood here.*\(1, 189, 30\)"):
        OnnxPersonDetector(odd_rows)
    not_image = _model(tmp_path / "vector.onnx", {"output": np.zeros((1, 84, GRID), np.float32)}, input_shape=(1, 10))
    with pytest.raises(DetectorFileError, match=r"inputs images \(1, 10\).*one \(1, 3, H, W\) image"):
        OnnxPersonDetector(not_image)
    corrupt = tmp_path / "corrupt.onnx"
    corrupt.write_bytes(b"not a model at all")
    with pytest.raises(DetectorFileError, match="not a readable ONNX model") as refused:
        OnnxPersonDetector(corrupt)
    error = refused.value
    assert (error.file, str(error)) == (
        "corrupt.onnx",
        f"corrupt.onnx {error.reason}",
    )  # the reason says it of the file
    assert str(pickle.loads(pickle.dumps(error))) == str(error)  # a video worker's refusal reaches the app whole


def test_a_missing_file_is_a_clear_error_naming_its_source(tmp_path, monkeypatch):
    with pytest.raises(DetectorNotFoundError, match="does not exist") as caught:
        OnnxPersonDetector(tmp_path / "missing.onnx")
    assert isinstance(caught.value, FileNotFoundError) and isinstance(caught.value, ValueError)
    monkeypatch.setenv(DETECTOR_ENV, str(tmp_path / "gone.onnx"))
    with pytest.raises(DetectorNotFoundError, match=f"gone.onnx does not exist \\({DETECTOR_ENV}="):
        create_detector(None)
    with pytest.raises(DetectorNotFoundError):
        check_detector()
    monkeypatch.setenv(DETECTOR_ENV, "blazepose")
    check_detector()  # the bundled one: nothing to check, nothing loaded


def test_factory_picks_by_spec_and_environment(tmp_path, monkeypatch):
    v8 = np.zeros((1, 84, GRID), np.float32)
    path = _model(tmp_path / "people.onnx", {"output0": v8})
    detector = create_detector(str(path))
    assert isinstance(detector, TiledDetector) and isinstance(detector.detector, OnnxPersonDetector)
    # the tiles' rule the plug-in detectors were measured with, and the detector's own NMS overlap
    assert detector.tiles == GridTiles(TILE_ABOVE * SIZE) and detector.merge_iou == detector.detector.nms_iou
    monkeypatch.setenv(DETECTOR_ENV, str(path))
    assert isinstance(create_detector(None).detector, OnnxPersonDetector)
    check_detector()


def test_the_commands_refuse_a_missing_detector_with_exit_2(tmp_path, monkeypatch, capsys):
    from pose.video import batch
    from pose.video.__main__ import main as video_main

    monkeypatch.setenv(DETECTOR_ENV, "/nonexistent/x.onnx")
    assert video_main([str(tmp_path / "clip.mp4"), "--out", str(tmp_path / "out")]) == 2
    assert "error: person detector /nonexistent/x.onnx does not exist" in capsys.readouterr().err
    assert batch.main([str(tmp_path), "--out", str(tmp_path / "out")]) == 2
    assert f"({DETECTOR_ENV}=/nonexistent/x.onnx)" in capsys.readouterr().err


# --- a real detector ----------------------------------------------------------------------------------------


def test_real_yolox_nano_finds_the_skiers(shared_dir):
    path = shared_dir / "detectors" / "yolox_nano.onnx"
    if not path.is_file():
        pytest.skip(f"{path} is absent: the test detectors live in ../shared/detectors")
    detector = OnnxPersonDetector(path)
    assert detector.layout.family == "YOLOX (raw)" and detector.input_size == 416
    frame = cv2.imread(str(shared_dir / "images" / "skiers.jpg"))
    people = detector.detect(frame)
    assert 4 <= len(people) <= 5  # its README: 4 of the 5 skiers, decoded as YOLOX is
    for person in people:
        x, y, w, h = person.bbox_xywh
        assert h > 150 and h > w * 0.9  # a standing skier each, not a ski or a pole (the photo is 392 px tall)
    assert len(detector.detect(np.full((392, 640, 3), 114, np.uint8))) == 0  # nobody in an empty grey frame
    # three times as large, the factory's detector also searches the frame in tiles: the same skiers, each once,
    # where they stand
    large = create_detector(str(path)).detect(cv2.resize(frame, None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC))
    assert len(large) == len(people)
    for person in people:
        assert max(_iou(person.bbox_xywh * 3, big.bbox_xywh) for big in large) > 0.5  # the same person


def _iou(a, b) -> float:
    inter_w = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    inter_h = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = inter_w * inter_h
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)
