import numpy as np
import pytest
import torch

import pose
from pose.model.autoselect import native_bf16
from pose.model.backends import (
    OnnxRuntimeRunner,
    TorchRunner,
    check_openvino_precision,
    create_runner,
    export_onnx,
)
from pose.model.device import resolve_device


@pytest.fixture(scope="module")
def model():
    return pose.init_deterministic(pose.build_model("XS"))


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("CONVNEXTPOSE_CACHE", str(tmp_path_factory.getbasetemp() / "onnx-cache"))


@pytest.fixture(scope="module")
def batch():
    return np.random.default_rng(0).standard_normal((2, 3, 256, 256)).astype(np.float32)


@pytest.fixture(scope="module")
def reference(model, batch):
    with torch.inference_mode():
        coords, confidence = model.forward_with_confidence(torch.from_numpy(batch))
    return coords.numpy(), confidence.numpy()


@pytest.mark.parametrize("backend", ["torch", "onnxruntime", "openvino"])
def test_fp32_backends_agree_with_eager(model, batch, reference, backend):
    runner = create_runner(model, backend, "cpu", "fp32")
    coords, confidence = runner(batch)
    assert coords.shape == (2, 18, 3) and confidence.shape == (2, 18)
    np.testing.assert_allclose(coords, reference[0], atol=1e-3, rtol=0)
    np.testing.assert_allclose(confidence, reference[1], atol=1e-4, rtol=0)
    assert runner.backend == backend and runner.device == "cpu"


@pytest.mark.parametrize("backend", ["torch", "openvino"])
def test_bf16_stays_close(model, batch, reference, backend):
    if backend == "openvino" and not native_bf16():
        pytest.skip("this CPU has no native bf16 (AVX-512 BF16 or AMX): OpenVINO refuses bf16 here, tested below")
    coords, _ = create_runner(model, backend, "cpu", "bf16")(batch)
    assert np.abs(coords - reference[0]).mean() < 0.25  # heatmap cells


def test_openvino_bf16_that_runs_fp32_is_an_error_not_silent():
    class Compiled:  # what compile_model reports on a CPU without native bf16
        def __init__(self, name):
            self.name = name

        def get_type_name(self):
            return self.name

    with pytest.raises(ValueError, match="bf16 was asked for, but OpenVINO runs f32"):
        check_openvino_precision("bf16", Compiled("f32"))
    check_openvino_precision("bf16", Compiled("bf16"))
    check_openvino_precision("fp32", Compiled("f32"))


def test_plain_eager_runner_is_the_model(model, batch, reference):
    coords, _ = TorchRunner(model, optimize=False)(batch)
    np.testing.assert_allclose(coords, reference[0], atol=1e-6, rtol=0)


def test_onnx_export_is_cached_by_weights(model, tmp_path):
    first = export_onnx(model, tmp_path)
    mtime = first.stat().st_mtime_ns
    assert export_onnx(model, tmp_path) == first and first.stat().st_mtime_ns == mtime
    other = pose.build_model("XS")  # different weights, different file
    assert export_onnx(other, tmp_path) != first
    assert len(list(tmp_path.glob("*.onnx"))) == 2 and not list(tmp_path.glob("*.tmp"))


def test_bad_choices_are_explained(model):
    with pytest.raises(ValueError, match="unknown backend"):
        create_runner(model, "tensorrt", "cpu")
    with pytest.raises(ValueError, match="unknown device"):
        resolve_device("tpu")
    with pytest.raises(ValueError, match="fp16 runs on CUDA only"):
        create_runner(model, "torch", "cpu", "fp16")
    with pytest.raises(ValueError, match="runs fp32"):
        OnnxRuntimeRunner(model, "cpu", "bf16")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA GPU"):
            resolve_device("cuda")


def test_auto_picks_a_device():
    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("backend, precision", [("torch", "fp16"), ("torch", "fp32"), ("onnxruntime", "fp32")])
def test_cuda_backends_agree(model, batch, reference, backend, precision):
    try:
        runner = create_runner(model, backend, "cuda", precision)
    except ValueError as exc:
        pytest.skip(str(exc))
    coords, _ = runner(batch)
    np.testing.assert_allclose(coords, reference[0], atol=0.05 if precision == "fp16" else 1e-3, rtol=0)
