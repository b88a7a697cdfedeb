"""Reading ConvNeXtPose checkpoints in every form they are distributed in.

The forms: ``snapshot_N.pth.tar`` (``{'epoch', 'network', 'optimizer'}`` with
``module.`` keys), the same file renamed (``ConvNeXtPose_XS.tar``), a zip
archive holding it, a bare state dict, and head layers named by position
(``head.deconv_layers_1.0/.1/.2``). Files are untrusted input: they are only
ever read with ``weights_only=True``.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import IO

import torch

from .network import ConvNeXtPose
from .variants import VARIANTS, Variant

__all__ = ["CheckpointError", "filter_state_dict", "detect_variant", "read_state_dict", "load_checkpoint"]

log = logging.getLogger(__name__)

_WRAPPER_KEYS = ("network", "state_dict", "model")
_POSITIONAL_HEAD = re.compile(r"^(head\.deconv_layers_\d)\.([012])\.")
_HEAD_LAYER_NAMES = {"0": "dwconv", "1": "norm", "2": "pwconv"}
_CHECKPOINT_SUFFIXES = (".pth.tar", ".pth", ".pt", ".tar", ".ckpt", ".bin")


class CheckpointError(ValueError):
    """A file is not a usable ConvNeXtPose checkpoint; the message says why."""


def filter_state_dict(checkpoint: Mapping) -> dict[str, torch.Tensor]:
    """Turn any distributed checkpoint object into reference-named tensors.

    Unwraps ``{'network': ...}`` (ignoring ``epoch``, ``optimizer`` and other
    extras), strips ``module.`` prefixes and renames positional head layers.
    Pure: reads nothing, builds no model.

    Raises:
        CheckpointError: when no tensors are found.
    """
    for key in _WRAPPER_KEYS:
        if isinstance(checkpoint.get(key), Mapping):
            checkpoint = checkpoint[key]
            break
    state = {}
    for key, value in checkpoint.items():
        if not isinstance(value, torch.Tensor):
            continue
        key = str(key)
        while key.startswith("module."):
            key = key[len("module.") :]
        key = _POSITIONAL_HEAD.sub(lambda m: f"{m[1]}.{_HEAD_LAYER_NAMES[m[2]]}.", key)
        state[key] = value
    if not state:
        raise CheckpointError(
            "no tensors found: expected a state dict, or a dict with a 'network' state dict "
            f"(top-level keys: {_few(checkpoint)})"
        )
    return state


@cache
def _expected_shapes(variant_name: str) -> dict[str, tuple[int, ...]]:
    with torch.device("meta"):
        model = ConvNeXtPose(variant_name)
    return {k: tuple(v.shape) for k, v in model.state_dict().items()}


def detect_variant(state_dict: Mapping[str, torch.Tensor]) -> Variant:
    """Return the variant whose keys and shapes ``state_dict`` has exactly.

    Raises:
        CheckpointError: naming missing or unexpected keys, or the shapes that
            fit no variant.
    """
    shapes = {k: tuple(v.shape) for k, v in state_dict.items()}
    scores = {}
    for name in VARIANTS:
        expected = _expected_shapes(name)
        if shapes == expected:
            return VARIANTS[name]
        scores[name] = sum(shapes.get(k) == s for k, s in expected.items()) - len(shapes.keys() - expected.keys())
    closest = max(scores, key=scores.get)
    expected = _expected_shapes(closest)
    missing = sorted(expected.keys() - shapes.keys())
    unexpected = sorted(shapes.keys() - expected.keys())
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"{len(missing)} missing key(s): {_few(missing)}")
        if unexpected:
            parts.append(f"{len(unexpected)} unexpected key(s): {_few(unexpected)}")
        raise CheckpointError(f"not a ConvNeXtPose state dict (closest: {closest}); " + "; ".join(parts))
    wrong = [
        f"{k} {list(shapes[k])} (ConvNeXtPose-{closest}: {list(s)})" for k, s in expected.items() if shapes[k] != s
    ]
    raise CheckpointError(f"shapes of no known variant (XS, S, M, L): {_few(wrong)}")


def read_state_dict(source: str | Path | IO[bytes]) -> dict[str, torch.Tensor]:
    """Read a checkpoint file (or a zip archive holding one) into reference-named tensors.

    Args:
        source: a path or a binary file object.

    Raises:
        CheckpointError: the file is missing, empty, truncated, not a
            checkpoint, or holds objects other than tensors (a pickle that
            wants to run code is refused, never run).
    """
    name = getattr(source, "name", str(source))
    data = _read_bytes(source, name)
    if not data:
        raise CheckpointError(f"{Path(name).name}: the file is empty")
    data, inner = _unwrap_archive(data, name)
    try:
        obj = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises several types; each becomes a clear message
        raise CheckpointError(f"{Path(inner).name}: {_describe_load_error(exc)}") from None
    if not isinstance(obj, Mapping):
        raise CheckpointError(f"{Path(inner).name}: holds a {type(obj).__name__}, not a state dict")
    return filter_state_dict(obj)


def load_checkpoint(source: str | Path | IO[bytes], device: str | torch.device = "cpu") -> ConvNeXtPose:
    """Load a ConvNeXtPose checkpoint, detecting its variant from the tensors' shapes.

    Returns:
        The eval-mode model, its ``variant`` set.

    Raises:
        CheckpointError: see :func:`read_state_dict` and :func:`detect_variant`.
    """
    state = read_state_dict(source)
    variant = detect_variant(state)
    model = ConvNeXtPose(variant)
    model.load_state_dict(state, strict=True)
    log.info("loaded ConvNeXtPose-%s from %s", variant.name, getattr(source, "name", source))
    return model.to(device).eval()


def _read_bytes(source: str | Path | IO[bytes], name: str) -> bytes:
    if hasattr(source, "read"):
        return source.read()
    path = Path(source)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such file")
    return path.read_bytes()


def _unwrap_archive(data: bytes, name: str) -> tuple[bytes, str]:
    """Return the checkpoint bytes inside a plain zip archive, or ``data`` itself.

    A checkpoint written by ``torch.save`` is itself a zip (with a
    ``data.pkl``); an archive *holding* one has a member named like a
    checkpoint.
    """
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return data, name
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if any(m.filename.endswith("data.pkl") for m in members):
                return data, name
            candidates = [m for m in members if m.filename.lower().endswith(_CHECKPOINT_SUFFIXES)]
            if len(candidates) != 1:
                raise CheckpointError(
                    f"{Path(name).name}: a zip archive with {len(candidates)} checkpoint files "
                    f"(expected one ending in {', '.join(_CHECKPOINT_SUFFIXES)}); it holds: "
                    f"{_few([m.filename for m in members])}"
                )
            return archive.read(candidates[0]), candidates[0].filename
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise CheckpointError(f"{Path(name).name}: damaged zip archive ({exc})") from None


def _describe_load_error(exc: Exception) -> str:
    text = str(exc)
    found = re.search(r"Unsupported global: GLOBAL ([\w.]+)", text)
    if found:
        return f"refused: the file wants to run code or build objects ({found[1]}), which a checkpoint never needs"
    if "Unsupported operand" in text:
        return "not a PyTorch checkpoint (pickle data a checkpoint never holds; refused without running it)"
    if "central directory" in text or "failed reading" in text or isinstance(exc, EOFError) or "truncated" in text:
        return "truncated or damaged checkpoint (the file ends early)"
    return f"not a PyTorch checkpoint ({type(exc).__name__}: {text.splitlines()[0][:120] if text else 'unreadable'})"


def _few(items, limit: int = 4) -> str:
    items = [str(i) for i in items]
    more = f", ... ({len(items) - limit} more)" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more
