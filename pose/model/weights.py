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


__all__ = [
    "CHECKPOINT_SUFFIXES",
    "READABLE_SUFFIXES",
    "store_checkpoint",
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


# --- where trained checkpoints live -----------------------------------------------------------

WEIGHTS_DIR_ENV = "CONVNEXTPOSE_WEIGHTS"
DEFAULT_WEIGHTS_DIR = "models"


def weights_dir() -> Path:
    """The folder trained checkpoints are read from: ``$CONVNEXTPOSE_WEIGHTS`` or ``models/``."""
    return Path(os.environ.get(WEIGHTS_DIR_ENV) or DEFAULT_WEIGHTS_DIR)


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
