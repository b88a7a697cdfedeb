"""What the app starts with: the most accurate estimator that has trained weights, else bundled BlazePose."""

from __future__ import annotations

from pathlib import Path

from .estimator import BLAZEPOSE, ESTIMATORS
from .model.variants import VARIANTS
from .model.weights import find_checkpoint

__all__ = ["default_estimator", "has_trained_weights"]


def has_trained_weights(name: str, weights_folder: Path | None = None) -> bool:
    """Whether estimator ``name`` shows a real skeleton: BlazePose (bundled) always, a size with its checkpoint.

    Raises:
        ValueError: for an unknown estimator.
    """
    if name == BLAZEPOSE:
        return True
    if name not in VARIANTS:
        raise ValueError(f"unknown estimator {name!r}; choose one of {', '.join(ESTIMATORS)}")
    return find_checkpoint(name, weights_folder) is not None


def default_estimator(weights_folder: Path | None = None) -> str:
    """The most accurate ConvNeXtPose size (lowest paper MPJPE) with trained weights in ``weights_folder``
    (default :func:`pose.weights_dir`); with none, BlazePose, which is bundled and always trained."""
    trained = [v for v in VARIANTS.values() if has_trained_weights(v.name, weights_folder)]
    return min(trained, key=lambda v: v.mpjpe_mm).name if trained else BLAZEPOSE
