"""ConvNeXtPose: the published 3D human pose network, its reference pipeline, and a real-time engine.

Public API::

    model = pose.build_model("XS")            # eval-ready, untrained
    model = pose.load_checkpoint(path)        # any distributed checkpoint form
    result = pose.estimate(model, image_bgr, bbox_xywh, focal=(f, f), root_depth_mm=5000)

    with pose.PoseEstimator() as estimator:       # the default estimator: detect, track, crop, infer, decode
        result = estimator.process(frame_bgr)     # result.people[i].keypoints_3d ...

Rooms: ``pose.model`` (the network, checkpoints, runners: torch lives there), ``pose.detect`` (person
detectors), ``pose.engine`` (the estimator's stages: scheduler, tracker, pose models, smoothing),
``pose.draw`` (overlay and 3D figures), ``pose.live`` (sources and the live processor), ``pose.video``
(files in and out), ``pose.coach`` and ``pose.measure`` (benchmark, evaluation, comparison), ``pose.fetch``
(models fetched when a person asks); beside this
file the small shared modules (skeleton, geometry, crop, config). ``tests/test_layers.py`` enforces the
arrows.
"""

import importlib

from .camera import calibrate_focal, fov_from_focal
from .config import (
    BLAZEPOSE,
    ESTIMATORS,
    EstimatorConfig,
    default_estimator,
    estimator_title,
    has_trained_weights,
)
from .engine.estimator import People, Person, PoseEstimator, PoseResult
from .skeleton import BONES, FLIP_PAIRS, JOINT_NAMES, NUM_JOINTS

# The rooms above the engine load on first use (``pose.coach.score_pose`` after ``import pose``), and so do the
# model room's names (``pose.build_model``), so that ``import pose`` stays light: no torch, nothing set in the
# environment (tests/test_init.py).
_ROOMS = ("coach", "draw", "live", "measure", "model", "video")
_FROM_MODEL = (
    "BACKEND_LABELS",
    "BACKENDS",
    "DEVICES",
    "PRECISIONS",
    "VARIANTS",
    "AutoChoice",
    "CheckpointError",
    "OtherSizeError",
    "ConvNeXtPose",
    "Estimate",
    "Runner",
    "Variant",
    "build_model",
    "cache_dir",
    "checkpoint_path",
    "cuda_available",
    "detect_variant",
    "deterministic_state_dict",
    "estimate",
    "filter_state_dict",
    "find_checkpoint",
    "get_variant",
    "gpu_name",
    "init_deterministic",
    "load_checkpoint",
    "load_runner",
    "native_bf16",
    "read_state_dict",
    "soft_argmax",
    "store_checkpoint",
    "store_as_held",
    "variant_title",
    "weights_dir",
)

__all__ = [
    "BLAZEPOSE",
    "BONES",
    "ESTIMATORS",
    "FLIP_PAIRS",
    "JOINT_NAMES",
    "NUM_JOINTS",
    "EstimatorConfig",
    "People",
    "Person",
    "PoseEstimator",
    "PoseResult",
    "calibrate_focal",
    "default_estimator",
    "estimator_title",
    "fov_from_focal",
    "has_trained_weights",
    *_FROM_MODEL,
]


def __getattr__(name: str):
    if name in _ROOMS:
        return importlib.import_module(f".{name}", __name__)
    if name in _FROM_MODEL:
        return getattr(importlib.import_module(".model", __name__), name)
    raise AttributeError(f"module 'pose' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
