"""Running the network: PyTorch, ONNX Runtime or OpenVINO, on CPU or CUDA.

Every runner has one call: a float32 batch (N, 3, 256, 256) of normalised
crops in, numpy ``coords`` (N, 18, 3) and ``confidence`` (N, 18) out. Runners
are thread-safe, so one can be shared between sessions.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .choices import BACKEND_LABELS, BACKENDS, PRECISIONS
from .device import gpu_name, resolve_device
from .fusion import fold_batchnorm, optimize_for_inference
from .network import ConvNeXtPose
from .torch_loader import torch

if TYPE_CHECKING:
    from .autoselect import AutoChoice

__all__ = [
    "BACKENDS",
    "BACKEND_LABELS",
    "PRECISIONS",
    "Runner",
    "TorchRunner",
    "OnnxRuntimeRunner",
    "OpenVinoRunner",
    "create_runner",
    "resolve_device",
    "cache_dir",
    "export_onnx",
]

log = logging.getLogger(__name__)

CACHE_ENV = "CONVNEXTPOSE_CACHE"
EXPORT_REVISION = "r3"  # bump when the exported graph changes, so stale cached exports are not reused


def cache_dir() -> Path:
    """The project's cache (exported models, the backend timings of ``auto``, the app's chart component):
    ``$CONVNEXTPOSE_CACHE`` or ``~/.cache/convnextpose``."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "convnextpose")


class Runner:
    """Base class: ``runner(batch) -> (coords, confidence)``; see the module docstring."""

    backend: str = ""
    device: str = "cpu"
    precision: str = "fp32"
    auto: AutoChoice | None = None  # set when backend="auto" chose this runner

    def __init__(self, model: ConvNeXtPose, checkpoint: Path | None = None) -> None:
        self.variant = model.variant
        self.checkpoint = checkpoint
        self._lock = threading.Lock()

    @property
    def trained(self) -> bool:
        """Whether the weights came from a checkpoint (else deterministic untrained weights)."""
        return self.checkpoint is not None

    def __call__(self, batch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        batch = np.ascontiguousarray(batch, dtype=np.float32)
        with self._lock:
            coords, confidence = self._run(batch)
        return coords.astype(np.float32, copy=False), confidence.astype(np.float32, copy=False)

    def _run(self, batch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.variant.name}, {self.device}, {self.precision})"


class TorchRunner(Runner):
    """PyTorch: BatchNorm folded, inference mode, channels-last and fp16 on CUDA, bf16 autocast on CPU.

    Args:
        model: the network.
        device: "cpu" or "cuda".
        precision: "fp32"; "fp16" (CUDA); "bf16" (autocast).
        optimize: fold BatchNorm and use channels-last; False runs the plain eager model.
    """

    backend = "torch"

    def __init__(
        self,
        model: ConvNeXtPose,
        device: str = "cpu",
        precision: str = "fp32",
        optimize: bool = True,
        checkpoint: Path | None = None,
    ):
        super().__init__(model, checkpoint)
        if precision == "fp16" and device != "cuda":
            raise ValueError("fp16 runs on CUDA only; on CPU use bf16")
        self.device, self.precision = device, precision
        # BatchNorm folding only: PyTorch's CPU bilinear upsampling of the 1152-channel volume costs more
        # than the final conv it would save (measured), unlike in ONNX Runtime and OpenVINO.
        net = fold_batchnorm(model) if optimize else model.eval()
        net = net.to(device)
        self._channels_last = optimize and device == "cuda"
        if self._channels_last:
            net = net.to(memory_format=torch.channels_last)
        if precision == "fp16":
            net = net.half()
        self._net = net

    def _run(self, batch):
        x = torch.from_numpy(batch).to(self.device, non_blocking=True)
        if self._channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        if self.precision == "fp16":
            x = x.half()
        with (
            torch.inference_mode(),
            torch.autocast(self.device, dtype=torch.bfloat16, enabled=self.precision == "bf16"),
        ):
            coords, confidence = self._net.forward_with_confidence(x)
        return coords.float().cpu().numpy(), confidence.float().cpu().numpy()


class _WithConfidence(torch.nn.Module):
    def __init__(self, model: ConvNeXtPose) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.model.forward_with_confidence(x)


def weights_hash(model: torch.nn.Module) -> str:
    """A short hash of the model's variant and every tensor of its state dict."""
    digest = hashlib.sha256(model.variant.name.encode())
    for key, tensor in model.state_dict().items():
        digest.update(key.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]


def export_onnx(model: ConvNeXtPose, folder: Path | None = None) -> Path:
    """Export ``model`` to ONNX once; later calls with the same weights reuse the file.

    The file is keyed by the weights' hash. The graph is the model rewritten by
    :func:`pose.fusion.optimize_for_inference`. Uses the TorchScript exporter
    (opset 17, one self-contained file), with a dynamic batch axis.
    """
    folder = folder or cache_dir()
    path = folder / f"convnextpose-{model.variant.name}-{weights_hash(model)}-{EXPORT_REVISION}.onnx"
    if path.is_file():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    dummy = torch.zeros(1, 3, *model.variant.input_size)
    torch.onnx.export(
        _WithConfidence(optimize_for_inference(model.cpu())),
        (dummy,),
        str(tmp),
        dynamo=False,
        opset_version=17,
        input_names=["crops"],
        output_names=["coords", "confidence"],
        dynamic_axes={"crops": {0: "batch"}, "coords": {0: "batch"}, "confidence": {0: "batch"}},
    )
    os.replace(tmp, path)  # atomic: concurrent exporters never see a half-written file
    log.info("exported %s to %s", model.variant.name, path)
    return path


class OnnxRuntimeRunner(Runner):
    """ONNX Runtime: the CPU provider, or the CUDA provider on "cuda"."""

    backend = "onnxruntime"

    def __init__(
        self, model: ConvNeXtPose, device: str = "cpu", precision: str = "fp32", checkpoint: Path | None = None
    ):
        super().__init__(model, checkpoint)
        import onnxruntime as ort

        if precision != "fp32":
            raise ValueError("the onnxruntime backend runs fp32; for reduced precision use openvino (bf16) or torch")
        providers = ["CPUExecutionProvider"]
        if device == "cuda":
            if "CUDAExecutionProvider" not in ort.get_available_providers():
                raise ValueError("this onnxruntime has no CUDA provider (install onnxruntime-gpu)")
            providers.insert(0, "CUDAExecutionProvider")
        options = ort.SessionOptions()
        options.intra_op_num_threads = os.cpu_count() or 1
        # ONNX Runtime's threads spin for a while after each run, on the cores that the detector and the
        # landmark model (OpenVINO) need next in the same frame. Measured on 2 cores, 5 people in view
        # (python -m pose.bench --people): see docs/benchmarks.md.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.device, self.precision = device, precision
        self._session = ort.InferenceSession(str(export_onnx(model)), options, providers=providers)

    def _run(self, batch):
        coords, confidence = self._session.run(None, {"crops": batch})
        return coords, confidence


class OpenVinoRunner(Runner):
    """OpenVINO on the CPU, fp32 or with a bf16 precision hint (fast on CPUs with AVX-512 BF16 / AMX).

    The graph is compiled for each batch size it meets, with static shapes:
    5-10% faster than one dynamic-batch graph (measured on XS and M, bf16).
    """

    backend = "openvino"

    def __init__(
        self, model: ConvNeXtPose, device: str = "cpu", precision: str = "fp32", checkpoint: Path | None = None
    ):
        super().__init__(model, checkpoint)
        import openvino as ov

        if device != "cpu":
            raise ValueError("the openvino backend runs on the CPU here; for CUDA use torch or onnxruntime")
        if precision not in ("fp32", "bf16"):
            raise ValueError("the openvino backend runs fp32 or bf16")
        self.device, self.precision = device, precision
        self._config = {
            "INFERENCE_PRECISION_HINT": "f32" if precision == "fp32" else "bf16",
            "PERFORMANCE_HINT": "LATENCY",
            "INFERENCE_NUM_THREADS": os.cpu_count() or 1,
            # Pinned to cores, OpenVINO's threads wait for the one whose core the detection worker holds.
            # python -m pose.bench, 2 cores, two pairs of runs, pinned against not: XS live 22.7/22.8 ->
            # 55.2/43.9 frames/s, L 13.3/9.7 -> 18.5/16.8, the model alone unchanged (6-7 and 22-25 ms). The
            # BlazePose models (one thread each beside the worker) keep pinning: without it the Live page on
            # the courtyard clip fell from 16.9/15.8 to 11.6/11.3 FPS.
            "ENABLE_CPU_PINNING": False,
        }
        self._core, self._path = ov.Core(), str(export_onnx(model))
        self._requests = {}  # batch size -> infer request
        self._request_for(1)

    def _request_for(self, batch_size: int):
        if batch_size not in self._requests:
            graph = self._core.read_model(self._path)
            graph.reshape({graph.inputs[0]: [batch_size, 3, *self.variant.input_size]})
            compiled = self._core.compile_model(graph, "CPU", self._config)
            check_openvino_precision(self.precision, compiled.get_property("INFERENCE_PRECISION_HINT"))
            self._requests[batch_size] = compiled.create_infer_request()
        return self._requests[batch_size]

    def _run(self, batch):
        outputs = self._request_for(len(batch)).infer({0: batch})
        return outputs[0].copy(), outputs[1].copy()


def check_openvino_precision(asked: str, compiled_hint) -> None:
    """Raise unless OpenVINO compiled the precision asked for (on a CPU without native bf16 it runs fp32).

    Raises:
        ValueError: bf16 asked for, another precision compiled.
    """
    runs = str(getattr(compiled_hint, "get_type_name", lambda: compiled_hint)())
    if asked == "bf16" and runs != "bf16":
        raise ValueError(
            f"bf16 was asked for, but OpenVINO runs {runs} on this CPU (no native bf16: AVX-512 BF16 or AMX); "
            "choose fp32, or auto"
        )


_RUNNERS = {"torch": TorchRunner, "onnxruntime": OnnxRuntimeRunner, "openvino": OpenVinoRunner}


def create_runner(
    model: ConvNeXtPose,
    backend: str = "auto",
    device: str = "auto",
    precision: str = "fp32",
    *,
    checkpoint: Path | None = None,
) -> Runner:
    """Build the runner for ``model``.

    ``checkpoint`` is the file the weights came from (None: untrained), kept as ``runner.checkpoint``.
    ``backend="auto"`` takes the backend measured fastest for this variant, device and precision on this
    machine (measured on first use, then remembered: :mod:`pose.model.autoselect`); ``runner.auto`` says
    what was chosen and why.

    Raises:
        ValueError: for an unknown backend, device or precision, or one the
            backend cannot run.
    """
    device = resolve_device(device)
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}")
    if backend == "auto":
        from . import autoselect  # here: autoselect reads this module's tables

        def build(chosen: str, runs: str) -> Runner:
            return _RUNNERS[chosen](model, device=device, precision=runs, checkpoint=checkpoint)

        runner, choice = autoselect.choose(
            model.variant.name,
            model.variant.input_size,
            device,
            precision,
            build,
            cache_dir(),
            gpu=gpu_name() if device == "cuda" else None,
        )
        runner.auto = choice
        return runner
    if backend not in _RUNNERS:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    return _RUNNERS[backend](model, device=device, precision=precision, checkpoint=checkpoint)
