"""A variant's weights, found and loaded, inside a ready runner."""

from __future__ import annotations

import logging
from pathlib import Path

from .backends import Runner, create_runner
from .checkpoints import CheckpointError, load_checkpoint
from .network import ConvNeXtPose, build_model
from .variants import get_variant, variant_title
from .weights import find_checkpoint, init_deterministic

__all__ = ["load_model", "load_runner"]

log = logging.getLogger(__name__)


def load_model(
    variant: str, *, checkpoint: str | Path | None = None, weights_folder: Path | None = None
) -> tuple[ConvNeXtPose, Path | None]:
    """``variant``'s trained network (from ``checkpoint``, or the weights folder), else deterministic weights.

    Returns:
        (the eval-ready network, the checkpoint file it came from or None).

    Raises:
        CheckpointError: the checkpoint found is unusable or of another variant.
        ValueError: for an unknown variant.
    """
    v = get_variant(variant)
    path = Path(checkpoint) if checkpoint else find_checkpoint(v.name, weights_folder)
    if path is None:
        log.info("no trained checkpoint for %s: running deterministic untrained weights", v.name)
        return init_deterministic(build_model(v)), None
    model = load_checkpoint(path)
    if model.variant != v:
        raise CheckpointError(f"{path.name} holds {variant_title(model.variant.name)} weights, not {v.name}")
    return model, path


def load_runner(
    variant: str,
    backend: str = "auto",
    device: str = "auto",
    precision: str = "fp32",
    *,
    checkpoint: str | Path | None = None,
    weights_folder: Path | None = None,
) -> Runner:
    """Load ``variant``'s trained checkpoint (or deterministic untrained weights) into a runner.

    ``runner.checkpoint`` is the file loaded (None for untrained weights), ``runner.trained`` says which.

    Raises:
        CheckpointError: the checkpoint found is unusable or of another variant.
        ValueError: for an unknown variant, backend, device or precision.
    """
    model, path = load_model(variant, checkpoint=checkpoint, weights_folder=weights_folder)
    return create_runner(model, backend, device, precision, checkpoint=path)
