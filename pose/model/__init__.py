"""The model room: the ConvNeXtPose network, its checkpoints and weights, and the runners that execute it.

Torch is imported here and nowhere else in :mod:`pose` (an import-linter contract checks it), through
:mod:`.torch_loader`, and only when a module that needs it is first used: each name below loads its module on
first access (``pose.model.load_runner``), so that naming a variant, a backend or a device stays light.
"""

import importlib

# Each public name -> the module that holds it.
_HOMES = {
    "AutoChoice": "autoselect",
    "native_bf16": "autoselect",
    "Runner": "backends",
    "cache_dir": "backends",
    "create_runner": "backends",
    "BACKEND_LABELS": "choices",
    "BACKENDS": "choices",
    "DEVICES": "choices",
    "PRECISIONS": "choices",
    "CheckpointError": "errors",
    "OtherSizeError": "errors",
    "detect_variant": "checkpoints",
    "filter_state_dict": "checkpoints",
    "load_checkpoint": "checkpoints",
    "read_state_dict": "checkpoints",
    "cuda_available": "device",
    "gpu_name": "device",
    "resolve_device": "device",
    "load_model": "load",
    "load_runner": "load",
    "ConvNeXtPose": "network",
    "build_model": "network",
    "soft_argmax": "network",
    "Estimate": "pipeline",
    "estimate": "pipeline",
    "CropOutput": "topdown",
    "infer_boxes": "topdown",
    "VARIANTS": "variants",
    "Variant": "variants",
    "get_variant": "variants",
    "variant_title": "variants",
    "checkpoint_path": "weights",
    "deterministic_state_dict": "weights",
    "find_checkpoint": "weights",
    "init_deterministic": "weights",
    "store_checkpoint": "weights",
    "store_as_held": "weights",
    "weights_dir": "weights",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    if name in _HOMES:
        return getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES))
