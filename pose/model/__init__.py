"""The model room: the ConvNeXtPose network, its checkpoints and weights, and the runners that execute it.

Torch is imported here and nowhere else in :mod:`pose` (an import-linter contract checks it).
"""

import os

# PyTorch's OpenMP threads spin after each call by default, on the cores that the detection worker and the
# other runtimes need (the Live page runs detection beside the pose model). Measured on 2 cores,
# `python -m pose.bench --variants XS --configs torch`, live end to end: 0.7 frames/s spinning, 14.6 passive.
# Set before torch loads OpenMP; a value the user set stays.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from .autoselect import AutoChoice, native_bf16
from .backends import BACKEND_LABELS, BACKENDS, PRECISIONS, Runner, cache_dir, create_runner
from .checkpoints import (
    CheckpointError,
    OtherSizeError,
    detect_variant,
    filter_state_dict,
    load_checkpoint,
    read_state_dict,
)
from .device import DEVICES, cuda_available, gpu_name, resolve_device
from .load import load_model, load_runner
from .network import ConvNeXtPose, build_model, soft_argmax
from .pipeline import Estimate, estimate
from .topdown import CropOutput, infer_boxes
from .variants import VARIANTS, Variant, get_variant, variant_title
from .weights import (
    checkpoint_path,
    deterministic_state_dict,
    find_checkpoint,
    init_deterministic,
    store_as_held,
    store_checkpoint,
    weights_dir,
)

__all__ = [
    "BACKENDS",
    "BACKEND_LABELS",
    "DEVICES",
    "PRECISIONS",
    "VARIANTS",
    "AutoChoice",
    "CheckpointError",
    "OtherSizeError",
    "ConvNeXtPose",
    "CropOutput",
    "Estimate",
    "Runner",
    "Variant",
    "build_model",
    "cache_dir",
    "checkpoint_path",
    "create_runner",
    "cuda_available",
    "detect_variant",
    "deterministic_state_dict",
    "estimate",
    "filter_state_dict",
    "find_checkpoint",
    "get_variant",
    "variant_title",
    "gpu_name",
    "infer_boxes",
    "init_deterministic",
    "load_checkpoint",
    "load_model",
    "load_runner",
    "native_bf16",
    "read_state_dict",
    "resolve_device",
    "soft_argmax",
    "store_as_held",
    "store_checkpoint",
    "weights_dir",
]
