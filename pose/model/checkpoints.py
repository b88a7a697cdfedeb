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
import zlib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import IO

from .errors import CheckpointError, OtherSizeError
from .network import ConvNeXtPose
from .torch_loader import torch
from .variants import VARIANTS, Variant, variant_title
from .weights import CHECKPOINT_SUFFIXES, READABLE_SUFFIXES

__all__ = [
    "CHECKPOINT_SUFFIXES",
    "READABLE_SUFFIXES",
    "MAX_CHECKPOINT_BYTES",
    "CheckpointError",
    "OtherSizeError",
    "filter_state_dict",
    "detect_variant",
    "read_state_dict",
    "load_checkpoint",
]

log = logging.getLogger(__name__)


MAX_CHECKPOINT_BYTES = 512 * 2**20
"""The most a checkpoint may hold, unpacked. ConvNeXtPose-L with its optimizer state is ~100 MB; a file
(or an archive member) over this is refused before it is read, so a zip bomb never reaches memory."""

_CHUNK_BYTES = 2**20
_WRAPPER_KEYS = ("network", "state_dict", "model")
_POSITIONAL_HEAD = re.compile(r"^(head\.deconv_layers_\d)\.([012])\.")
_HEAD_LAYER_NAMES = {"0": "dwconv", "1": "norm", "2": "pwconv"}
# torch words a refused global differently across versions:
# "Unsupported global: GLOBAL io.open was not an allowed global" (2.4-2.12),
# "Trying to load unsupported GLOBAL posix.system whose module posix is blocked" (2.13).
_REFUSED_GLOBAL = re.compile(r"unsupported (?:global: )?GLOBAL ([\w.]+)", re.IGNORECASE)
_TEXT_PICKLE_GLOBAL = re.compile(r"(?m)^c([\w.]+)\n(\w+)$")  # protocol 0's GLOBAL opcode: c<module>\n<name>\n


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


@cache
def _parameter_sizes(variant_name: str) -> dict[str, int]:
    """Each learned parameter's element count (buffers such as BatchNorm's running statistics left out)."""
    with torch.device("meta"):
        model = ConvNeXtPose(variant_name)
    return {k: v.numel() for k, v in model.named_parameters()}


def _incomplete(variant_name: str, shapes: Mapping[str, tuple[int, ...]], missing: list[str]) -> str:
    """Why a state dict whose every tensor fits ``variant_name`` but some are missing is refused, with its share."""
    sizes = _parameter_sizes(variant_name)
    total = sum(sizes.values())
    held = sum(n for k, n in sizes.items() if k in shapes)
    return (
        f"an incomplete {variant_title(variant_name)} checkpoint: {len(missing)} tensor(s) missing "
        f"({_few(missing)}); it holds {held:,} of its {total:,} parameters ({100 * held / total:.2f}%), "
        "and the network cannot run without the rest"
    )


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
    if missing and not unexpected and all(expected[k] == s for k, s in shapes.items()):
        raise CheckpointError(_incomplete(closest, shapes, missing))
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"{len(missing)} missing key(s): {_few(missing)}")
        if unexpected:
            parts.append(f"{len(unexpected)} unexpected key(s): {_few(unexpected)}")
        raise CheckpointError(f"not a ConvNeXtPose state dict (closest: {closest}); " + "; ".join(parts))
    wrong = [
        f"{k} {list(shapes[k])} ({variant_title(closest)}: {list(s)})" for k, s in expected.items() if shapes[k] != s
    ]
    raise CheckpointError(f"shapes of no known variant (XS, S, M, L): {_few(wrong)}")


def read_state_dict(
    source: str | Path | IO[bytes], *, name: str | None = None, max_bytes: int = MAX_CHECKPOINT_BYTES
) -> dict[str, torch.Tensor]:
    """Read a checkpoint file (or a zip archive holding one) into reference-named tensors.

    Args:
        source: a path or a binary file object (an upload: its ``name`` names it in messages).
        name: the file's name in messages, when ``source`` does not carry one.
        max_bytes: the most the checkpoint may hold, unpacked; larger files and archive
            members are refused before they are read.

    Raises:
        CheckpointError: the file is missing, empty, too large, truncated, not a
            checkpoint, or holds objects other than tensors (a pickle that
            wants to run code is refused, never run). ``file`` names it.
    """
    file = _display_name(source, name)
    try:
        data = _read_capped(source, max_bytes)
        if not data:
            raise CheckpointError("the file is empty")
        data, member = _unwrap_archive(data, max_bytes)
    except CheckpointError as exc:
        raise CheckpointError(exc.reason, file) from None
    where = f" ({member} in the archive)" if member else ""
    try:
        obj = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises several types; each becomes a clear message
        reason = _describe_load_error(exc)
        if not reason.startswith("refused"):  # a file that wants to run code is refused as such, whatever it is
            reason = _other_kind(data) or reason
        raise CheckpointError(reason + where, file) from None
    if not isinstance(obj, Mapping):
        raise CheckpointError(f"holds a {type(obj).__name__}, not a state dict{where}", file)
    try:
        return filter_state_dict(obj)
    except CheckpointError as exc:
        raise CheckpointError(exc.reason + where, file) from None


def load_checkpoint(source: str | Path | IO[bytes], device: str | torch.device = "cpu") -> ConvNeXtPose:
    """Load a ConvNeXtPose checkpoint, detecting its variant from the tensors' shapes.

    Returns:
        The eval-mode model, its ``variant`` set.

    Raises:
        CheckpointError: see :func:`read_state_dict` and :func:`detect_variant`; ``file`` names the file.
    """
    state = read_state_dict(source)
    try:
        variant = detect_variant(state)
    except CheckpointError as exc:
        raise CheckpointError(exc.reason, _display_name(source, None)) from None
    model = ConvNeXtPose(variant)
    model.load_state_dict(state, strict=True)
    log.info("loaded ConvNeXtPose-%s from %s", variant.name, _display_name(source, None))
    return model.to(device).eval()


def _display_name(source: str | Path | IO[bytes], name: str | None) -> str:
    if name:
        return name
    if hasattr(source, "read"):
        named = getattr(source, "name", None)
        return Path(named).name if isinstance(named, str | Path) and str(named) else "the uploaded file"
    return Path(source).name


def _too_large(size: int, max_bytes: int, what: str = "the file") -> CheckpointError:
    return CheckpointError(
        f"refused: {what} holds {_mb(size)}, more than any ConvNeXtPose checkpoint (the limit is {_mb(max_bytes)})"
    )


def _read_capped(source: str | Path | IO[bytes], max_bytes: int) -> bytes:
    """All of ``source``'s bytes, refusing before reading when it holds more than ``max_bytes``."""
    if hasattr(source, "read"):
        if source.seekable():
            here = source.tell()
            size = source.seek(0, io.SEEK_END) - here
            source.seek(here)
            if size > max_bytes:
                raise _too_large(size, max_bytes)
        return _read_chunks(source, max_bytes, "the file")
    path = Path(source)
    if not path.is_file():
        raise CheckpointError(f"no such file ({path})")
    size = path.stat().st_size
    if size > max_bytes:
        raise _too_large(size, max_bytes)
    with path.open("rb") as fh:
        return _read_chunks(fh, max_bytes, "the file")


def _read_chunks(fh: IO[bytes], max_bytes: int, what: str) -> bytes:
    """Read ``fh`` to its end in chunks, stopping as soon as it passes ``max_bytes`` (whatever a header said)."""
    out = bytearray()
    while chunk := fh.read(_CHUNK_BYTES):
        out += chunk
        if len(out) > max_bytes:
            raise _too_large(len(out), max_bytes, f"{what} (at least)")
    return bytes(out)


def _unwrap_archive(data: bytes, max_bytes: int) -> tuple[bytes, str | None]:
    """Return the checkpoint bytes inside a plain zip archive and the member's name, or ``(data, None)``.

    A checkpoint written by ``torch.save`` is itself a zip (with a ``data.pkl``);
    an archive *holding* one has a member named like a checkpoint. Either way the
    sizes the zip declares are checked before anything is unpacked, and the member
    is unpacked with a cap.
    """
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return data, None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if any(m.filename.endswith("data.pkl") for m in members):
                _check_declared(members, max_bytes)
                return data, None
            candidates = [m for m in members if m.filename.lower().endswith(CHECKPOINT_SUFFIXES)]
            if len(candidates) != 1:
                raise CheckpointError(
                    f"a zip archive with {len(candidates)} checkpoint files "
                    f"(expected one ending in {', '.join(CHECKPOINT_SUFFIXES)}); it holds: "
                    f"{_few([m.filename for m in members])}"
                )
            member = candidates[0]
            _check_declared([member], max_bytes)
            with archive.open(member) as fh:
                inner = _read_chunks(fh, max_bytes, member.filename)
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error, NotImplementedError) as exc:
        raise CheckpointError(f"damaged zip archive ({exc})") from None
    if zipfile.is_zipfile(io.BytesIO(inner)):  # the torch.save zip inside: its own declared sizes
        try:
            with zipfile.ZipFile(io.BytesIO(inner)) as checkpoint:
                _check_declared(checkpoint.infolist(), max_bytes)
        except zipfile.BadZipFile:
            pass  # torch.load says what is wrong with it
    return inner, member.filename


def _check_declared(members: list[zipfile.ZipInfo], max_bytes: int) -> None:
    declared = sum(m.file_size for m in members)
    if declared > max_bytes:
        what = members[0].filename if len(members) == 1 else "the archive"
        raise _too_large(declared, max_bytes, f"{what} (unpacked)")


# Files people hand in for a checkpoint by mistake, told by their first bytes: (offset, magic, what it is).
_OTHER_KINDS = (
    (0, b"\x89PNG", "a PNG image"),
    (0, b"\xff\xd8\xff", "a JPEG image"),
    (4, b"ftyp", "an MP4 or MOV video"),
    (4, b"TFL3", "a TensorFlow Lite model"),
    (0, b"\x1f\x8b", "a gzip archive"),
)


def _other_kind(data: bytes) -> str | None:
    """What a file that is not a checkpoint is instead, where it can be told (an ONNX model, an image, text),
    as the reason it is refused; None where it cannot."""
    for offset, magic, kind in _OTHER_KINDS:
        if data[offset : offset + len(magic)] == magic:
            return f"not a PyTorch checkpoint: it is {kind}"
    if data[:1] == b"\x08" and _is_onnx(data):
        return (
            "not a PyTorch checkpoint: it is an ONNX model (a person detector is given with CONVNEXTPOSE_DETECTOR; "
            "ConvNeXtPose's weights are the authors' .pth or .pth.tar checkpoints)"
        )
    head = data[:4096]
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if len(head) < 4096 or exc.start < len(head) - 3:  # not a character cut by the 4096 bytes taken
            return None
        text = head[: exc.start].decode("utf-8")
    if all(c.isprintable() or c in "\n\r\t" for c in text):
        if wanted := _TEXT_PICKLE_GLOBAL.search(text):  # a pickle in protocol 0 is text too
            return _refused(f"{wanted[1]}.{wanted[2]}")
        return "not a PyTorch checkpoint: it is a text file"
    return None


def _is_onnx(data: bytes) -> bool:
    """Whether ``data`` parses as an ONNX model with a graph (protobuf only: nothing in it is run)."""
    import onnx
    from google.protobuf.message import DecodeError

    try:
        model = onnx.load_model_from_string(data)
    except (DecodeError, ValueError, RuntimeError):
        return False
    return len(model.graph.node) > 0 and model.ir_version > 0


def _refused(wanted: str) -> str:
    return f"refused: the file wants to run code ({wanted}); a checkpoint never needs to, so it was not run"


def _describe_load_error(exc: Exception) -> str:
    text = str(exc)
    found = _REFUSED_GLOBAL.search(text)
    if found:
        return _refused(found[1])
    if "Unsupported operand" in text:
        # random bytes read as pickle opcodes end here too, as does pickle data a checkpoint never holds
        return "not a PyTorch checkpoint (its bytes are not a checkpoint's data; refused without running them)"
    if "central directory" in text or "failed reading" in text or isinstance(exc, EOFError) or "truncated" in text:
        return "truncated or damaged checkpoint (the file ends early)"
    first = next((line.strip() for line in text.splitlines() if line.strip()), "unreadable")
    return f"not a PyTorch checkpoint ({type(exc).__name__}: {first[:160]})"


def _mb(n_bytes: int) -> str:
    return f"{n_bytes / 2**20:,.0f} MB" if n_bytes >= 2**20 else f"{n_bytes:,} bytes"


def _few(items, limit: int = 4) -> str:
    items = [str(i) for i in items]
    more = f", ... ({len(items) - limit} more)" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more
