"""A variant's weights, found and loaded, inside a ready runner."""

from __future__ import annotations

import logging
from pathlib import Path

from .backends import Runner, create_runner
from .checkpoints import OtherSizeError, load_checkpoint
from .network import ConvNeXtPose, build_model
from .variants import get_variant, variant_title
from .weights import find_checkpoint, init_deterministic

__all__ = ["load_model", "load_runner"]

log = logging.getLogger(__name__)


def load_model(
    variant: str,
    *,
    checkpoint: str | Path | None = None,
    weights_folder: Path | None = None,
    other_size: bool = False,
) -> tuple[ConvNeXtPose, Path | None]:
    """``variant``'s trained network (from ``checkpoint``, or the weights folder), else deterministic weights.

    Args:
        variant: the size asked for.
        checkpoint: a checkpoint file (default: the weights folder's file for ``variant``).
        weights_folder: that folder (default :func:`~pose.model_folder.weights_dir`).
        other_size: use a file that holds another size as that size (its ``variant`` says which), instead of
            refusing it.

    Returns:
        (the eval-ready network, the checkpoint file it came from or None).

    Raises:
        OtherSizeError: the file holds another size (a CheckpointError; ``held`` names it; the message says how to
            store it under that size), unless ``other_size``.
        CheckpointError: the checkpoint found is unusable.
        ValueError: for an unknown variant.
    """
    v = get_variant(variant)
    path = Path(checkpoint) if checkpoint else find_checkpoint(v.name, weights_folder)
    if path is None:
        log.info("no trained checkpoint for %s: running deterministic untrained weights", v.name)
        return init_deterministic(build_model(v)), None
    model = load_checkpoint(path)
    held = model.variant.name
    if held != v.name:
        if other_size:
            log.warning("%s is named for %s but holds %s weights: running it as %s", path.name, v.name, held, held)
            return model, path
        raise OtherSizeError(
            f"holds {variant_title(held)} weights, not {v.name}: use it as {held} "
            f"(`python -m pose.fetch weights --source {path}` stores it under the size it holds, "
            f"or 'Use it as {held}' on the Models page)",
            path.name,
            held=held,
            wanted=v.name,
        )
    return model, path


def load_runner(
    variant: str,
    backend: str = "auto",
    device: str = "auto",
    precision: str = "fp32",
    *,
    checkpoint: str | Path | None = None,
    weights_folder: Path | None = None,
    other_size: bool = False,
) -> Runner:
    """Load ``variant``'s trained checkpoint (or deterministic untrained weights) into a runner.

    ``runner.checkpoint`` is the file loaded (None for untrained weights), ``runner.trained`` says which;
    ``other_size``: see :func:`load_model`.

    Raises:
        CheckpointError: the checkpoint found is unusable or of another variant (an OtherSizeError).
        ValueError: for an unknown variant, backend, device or precision.
    """
    model, path = load_model(variant, checkpoint=checkpoint, weights_folder=weights_folder, other_size=other_size)
    return create_runner(model, backend, device, precision, checkpoint=path)
