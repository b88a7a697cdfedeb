"""MediaPipe's bundled TFLite models, read and compiled by OpenVINO (no MediaPipe graph runs).

mediapipe 0.10.21's wheel ships the BlazePose detector and landmark models; OpenVINO reads
TFLite files directly, so the same models run here, batched and multi-person.
"""

from __future__ import annotations

import functools
import logging
import threading
from pathlib import Path

__all__ = ["POSE_DETECTION", "POSE_LANDMARK_FULL", "model_path", "compile_model", "ThreadRequests"]

log = logging.getLogger(__name__)

POSE_DETECTION = "modules/pose_detection/pose_detection.tflite"
POSE_LANDMARK_FULL = "modules/pose_landmark/pose_landmark_full.tflite"
# OpenVINO runs bf16 by default on CPUs with bf16 units (AMX, AVX512-BF16). The landmark model's world
# branch does not survive it: on jump_suit.jpg the hips came out 441 mm apart instead of 242 mm (MediaPipe's
# own TFLite run), 100+ mm mean error over the 33 world landmarks against 10-20 mm in fp32.
PRECISION = {"INFERENCE_PRECISION_HINT": "f32"}

_LOCK = threading.Lock()


def model_path(relative: str) -> Path:
    """The file of a model inside the installed mediapipe wheel.

    Raises:
        FileNotFoundError: mediapipe is missing or its wheel lacks the model.
    """
    try:
        import mediapipe
    except ImportError as error:
        raise FileNotFoundError(f"mediapipe is not installed, so its bundled {relative} is missing") from error
    path = Path(mediapipe.__file__).parent / relative
    if not path.is_file():
        raise FileNotFoundError(f"{path} is not in the installed mediapipe wheel (mediapipe==0.10.21 ships it)")
    return path


@functools.lru_cache(maxsize=16)
def compile_model(relative: str, batch: int = 1, threads: int | None = None):
    """The model compiled by OpenVINO for CPU in fp32 (see :data:`PRECISION`) with a static batch of ``batch``
    (cached; compiled models are thread-safe, their infer requests are not), on ``threads`` threads per
    inference (None: OpenVINO's choice, every core).

    Raises:
        FileNotFoundError: see :func:`model_path`.
    """
    import openvino as ov

    with _LOCK:
        core = ov.Core()
        model = core.read_model(model_path(relative))
        if batch != 1:
            shape = list(model.inputs[0].get_partial_shape().to_shape())
            model.reshape({model.inputs[0]: ov.PartialShape([batch, *shape[1:]])})
        log.debug("compiling %s for batch %d", relative, batch)
        config = PRECISION if threads is None else {**PRECISION, "INFERENCE_NUM_THREADS": int(threads)}
        return core.compile_model(model, "CPU", config)


class ThreadRequests:
    """One infer request per calling thread on a shared compiled model (requests are not thread-safe);
    ``threads``: see :func:`compile_model`."""

    def __init__(self, relative: str, batch: int = 1, threads: int | None = None) -> None:
        self.compiled = compile_model(relative, batch, threads)
        self._local = threading.local()

    def get(self):
        """This thread's request, made on first use."""
        request = getattr(self._local, "request", None)
        if request is None:
            request = self._local.request = self.compiled.create_infer_request()
        return request

    def release(self) -> None:
        """Drop this object's requests (the compiled model stays cached)."""
        self._local = threading.local()
