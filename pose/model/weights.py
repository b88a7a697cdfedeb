"""Where trained weights come from, and deterministic ones for a variant without them.

The rule is the one ``shared/conformance`` uses, so the same weights serve
conformance tests and the app's untrained variants: for each state-dict key,
a generator seeded with the key's CRC32.
"""

from __future__ import annotations

import math
import os
import tempfile
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

from ..model_folder import DEFAULT_WEIGHTS_DIR, WEIGHTS_DIR_ENV, weights_dir

__all__ = [
    "CHECKPOINT_SUFFIXES",
    "READABLE_SUFFIXES",
    "store_checkpoint",
    "store_as_held",
    "WEIGHTS_DIR_ENV",
    "DEFAULT_WEIGHTS_DIR",
    "deterministic_state_dict",
    "init_deterministic",
    "weights_dir",
    "checkpoint_path",
    "find_checkpoint",
]


# The one home of checkpoint file names: everything else derives from these two tuples.
CHECKPOINT_SUFFIXES = (".pth.tar", ".tar", ".pth", ".pt", ".ckpt", ".bin")
"""A ``torch.save`` file, however its publisher named it."""
READABLE_SUFFIXES = (*CHECKPOINT_SUFFIXES, ".zip")
"""What :func:`pose.model.checkpoints.read_state_dict` reads: a checkpoint, or a zip archive holding one."""


def deterministic_state_dict(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """Deterministic tensors for every key of ``model.state_dict()`` (independent of torch's RNG)."""
    from .torch_loader import torch

    state = {}
    for key, current in model.state_dict().items():
        shape = tuple(current.shape)
        gen = torch.Generator().manual_seed(zlib.crc32(key.encode()))
        if current.dtype == torch.int64:
            tensor = torch.zeros(shape, dtype=torch.int64)
        elif len(shape) == 4:
            tensor = torch.randn(shape, generator=gen) / math.sqrt(shape[1] * shape[2] * shape[3])
            if "final_layer" in key:
                tensor *= 0.25
        elif key.endswith("running_var"):
            tensor = 0.5 + torch.rand(shape, generator=gen)
        elif key.endswith("weight"):
            tensor = 1.0 + 0.1 * torch.randn(shape, generator=gen)
        else:
            tensor = 0.1 * torch.randn(shape, generator=gen)
        state[key] = tensor
    return state


def init_deterministic(model: torch.nn.Module) -> torch.nn.Module:
    """Load :func:`deterministic_state_dict` into ``model`` and return it."""
    model.load_state_dict(deterministic_state_dict(model), strict=True)
    return model


# --- where trained checkpoints live (the folder: pose.model_folder) ------------------------------


def checkpoint_path(variant: str, folder: Path | None = None) -> Path:
    """Where the checkpoint of ``variant`` is stored: ``<folder>/ConvNeXtPose_<V>.pth.tar``."""
    return (folder or weights_dir()) / f"ConvNeXtPose_{variant}.pth.tar"


def find_checkpoint(variant: str, folder: Path | None = None) -> Path | None:
    """The checkpoint file for ``variant`` in ``folder``, if any.

    Matches ``ConvNeXtPose_<V>`` with any suffix :func:`~pose.model.checkpoints.read_state_dict`
    reads (:data:`READABLE_SUFFIXES`, as the authors' download folder
    names them), case-insensitively.
    """
    folder = folder or weights_dir()
    if not folder.is_dir():
        return None
    stem = f"convnextpose_{variant}".lower()
    for path in sorted(folder.iterdir()):
        name = path.name.lower()
        if path.is_file() and any(name == stem + suffix for suffix in READABLE_SUFFIXES):
            return path
    return None


def store_checkpoint(state_dict: dict[str, torch.Tensor], variant: str, folder: Path | None = None) -> Path:
    """Save a validated state dict as ``variant``'s checkpoint, atomically, replacing any other file for it.

    Returns:
        The file written (:func:`checkpoint_path`).
    """
    from .torch_loader import torch

    target = checkpoint_path(variant, folder)
    existing = find_checkpoint(variant, folder)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            torch.save({"network": state_dict}, fh)
        os.replace(tmp, target)  # atomic: a half-written file is never seen
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if existing is not None and existing != target:
        existing.unlink()
    return target


def store_as_held(source: str | Path, folder: Path | None = None, *, replace: bool = False) -> tuple[str, Path]:
    """Check a checkpoint file by loading it, and store it under the size its tensors hold, whatever its name.

    The one rule for a file named for another size than it holds (a public fork reports that the authors'
    folder names two S checkpoints "M" and "L"): it is kept as what it is. A file already in ``folder`` under
    another size's name is moved, not copied.

    Args:
        source: the checkpoint file.
        folder: the weights folder (default :func:`weights_dir`).
        replace: replace another file already held for that size (else refused, naming it).

    Returns:
        (the size it holds, the file written).

    Raises:
        CheckpointError: unusable (see :func:`~pose.model.checkpoints.read_state_dict` and
            :func:`~pose.model.checkpoints.detect_variant`), or that size is already held and ``replace`` is False.
    """
    from .checkpoints import CheckpointError, detect_variant, read_state_dict

    source = Path(source)
    state = read_state_dict(source)
    try:
        held = detect_variant(state).name
    except CheckpointError as exc:
        raise CheckpointError(exc.reason, source.name) from None
    existing = find_checkpoint(held, folder)
    if existing is not None and not replace and existing.resolve() != source.resolve():
        raise CheckpointError(
            f"holds {held} weights, and {existing} already does: replace it to use this one", source.name
        )
    target = store_checkpoint(state, held, folder)
    if source.resolve() != target.resolve() and source.resolve().parent == target.resolve().parent:
        source.unlink(missing_ok=True)  # it was in the folder under another size's name: now named for what it holds
    return held, target
