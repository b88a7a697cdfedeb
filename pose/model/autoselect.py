"""``backend="auto"``: the fastest backend for a (variant, device, precision) on this machine, measured once.

On the first use of a (variant, device, precision) the candidate backends run a few dozen single-crop
inferences each, interleaved (a busy neighbour slows them alike), and the fastest median wins. The choice
is cached on disk (``<cache>/autoselect.json``), keyed by the machine (CPU model and flags, cores, GPU) and
the library versions, so later starts are instant and a new machine or library measures anew;
``python -m pose.bench`` seeds or refreshes it (:func:`seed`).

Reduced precision is chosen only where the hardware runs it natively: bf16 on the CPU needs AVX-512 BF16
or AMX (``/proc/cpuinfo`` flags ``avx512_bf16``, ``amx_bf16``). Without them, ``auto`` with bf16 runs fp32
and says so in :attr:`AutoChoice.note`. On CUDA, ``auto`` is PyTorch unless a benchmark measured otherwise.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

from .choices import BACKEND_LABELS, BACKENDS

__all__ = [
    "AutoChoice",
    "CACHE_FILE",
    "candidates",
    "cpu_flags",
    "native_bf16",
    "machine",
    "machine_key",
    "lookup",
    "remember",
    "seed",
    "measure_backends",
    "choose",
]

log = logging.getLogger(__name__)

CACHE_FILE = "autoselect.json"
CPUINFO = Path("/proc/cpuinfo")
BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")  # either one: the CPU computes bf16 natively
LIBRARIES = ("torch", "onnxruntime", "openvino")  # their versions are part of the cache key
CPU_BACKENDS = tuple(b for b in BACKENDS if b != "auto")  # measured on the CPU, in this order each round
BF16_BACKENDS = ("openvino", "torch")  # the ones that run bf16 on the CPU (ONNX Runtime runs fp32 only)
CUDA_BACKEND = "torch"  # on CUDA unless a benchmark measured otherwise
CUDA_BENCH_BACKENDS = ("torch", "onnxruntime")  # what a benchmark may find faster on CUDA
ROUNDS, WARMUP = 30, 3  # timed and untimed single-crop calls per backend
DROP_AFTER, DROP_FACTOR = 5, 2.0  # after 5 rounds, a backend over 2x the best one's median stops

_lock = threading.Lock()


@dataclass(frozen=True)
class AutoChoice:
    """What ``auto`` chose for one (variant, device, precision), and why.

    Attributes:
        backend: "torch", "onnxruntime" or "openvino".
        precision: what runs: the precision asked for, or "fp32" where the hardware lacks it.
        timings_ms: median milliseconds per single-crop inference of each backend measured.
        source: "measured" (now), "cache" (an earlier measurement here), "bench" (``python -m pose.bench``),
            or "rule" (nothing to measure: one candidate, or CUDA).
        note: a remark for the user, e.g. that bf16 was asked for but runs fp32 here.
    """

    backend: str
    precision: str
    timings_ms: Mapping[str, float] = field(default_factory=dict)
    source: str = "rule"
    note: str = ""

    def describe(self) -> str:
        """In words: ``"ONNX Runtime (measured here: ONNX Runtime 14.1 ms, OpenVINO 21.1 ms, PyTorch 25.0 ms)"``."""
        label = BACKEND_LABELS.get(self.backend, self.backend)
        if self.timings_ms:
            ms = ", ".join(
                f"{BACKEND_LABELS.get(b, b)} {t:.1f} ms" for b, t in sorted(self.timings_ms.items(), key=lambda x: x[1])
            )
            how = {"bench": "measured by python -m pose.bench", "cache": "measured here earlier"}.get(
                self.source, "measured here"
            )
            text = f"{label}, the fastest ({how}, per crop: {ms})"
        elif self.source == "rule":
            text = f"{label} (the only candidate here)" if not self.note else label
        else:
            text = label
        return f"{text}. {self.note}" if self.note else text


# --- the machine -------------------------------------------------------------------------------


def _cpuinfo_field(name: str, cpuinfo: Path) -> str:
    try:
        with open(cpuinfo) as fh:
            for line in fh:
                if line.split(":", 1)[0].strip() == name:
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def cpu_flags(cpuinfo: Path | None = None) -> frozenset[str]:
    """The CPU's feature flags from ``/proc/cpuinfo`` (empty where there is none)."""
    return frozenset(_cpuinfo_field("flags", cpuinfo or CPUINFO).split())


def native_bf16(flags: frozenset[str] | None = None) -> bool:
    """Whether the CPU computes bf16 natively (AVX-512 BF16 or AMX)."""
    flags = cpu_flags() if flags is None else flags
    return any(f in flags for f in BF16_CPU_FLAGS)


def _library_version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def machine(gpu: str | None = None) -> dict:
    """What the cache is keyed on: CPU model, a hash of its flags, cores, GPU, library versions."""
    flags = sorted(cpu_flags())
    return {
        "cpu": _cpuinfo_field("model name", CPUINFO) or os.uname().machine,
        "cpu_flags_sha": hashlib.sha256(" ".join(flags).encode()).hexdigest()[:16],
        "bf16_native": native_bf16(frozenset(flags)),
        "cores": os.cpu_count(),
        "gpu": gpu,
        "versions": {name: _library_version(name) for name in LIBRARIES},
    }


def machine_key(description: Mapping) -> str:
    """A short stable key for :func:`machine`'s description."""
    return hashlib.sha256(json.dumps(description, sort_keys=True).encode()).hexdigest()[:16]


def installed(backend: str) -> bool:
    """Whether ``backend``'s library can be imported here."""
    return importlib.util.find_spec(backend) is not None


# --- what can run, and what to measure ---------------------------------------------------------


def candidates(device: str, precision: str, flags: frozenset[str] | None = None) -> tuple[tuple[str, ...], str, str]:
    """The backends ``auto`` may pick for ``device`` and ``precision``.

    Returns:
        (backends, the precision they run, a note for the user or "").

    Raises:
        ValueError: fp16 on the CPU.
    """
    if device == "cuda":
        return (CUDA_BACKEND,), precision, ""
    if precision == "fp16":
        raise ValueError("fp16 runs on CUDA only; on CPU use bf16")
    if precision == "bf16":
        if native_bf16(flags):
            return tuple(b for b in BF16_BACKENDS if installed(b)), "bf16", ""
        note = "bf16 was asked for, but this CPU has no native bf16 (no AVX-512 BF16 or AMX in its flags): running fp32"
        return tuple(b for b in CPU_BACKENDS if installed(b)), "fp32", note
    return tuple(b for b in CPU_BACKENDS if installed(b)), precision, ""


# --- the cache ---------------------------------------------------------------------------------


def _entry_key(variant: str, device: str, precision: str) -> str:
    return f"{variant}/{device}/{precision}"


def _read(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("ignoring the unreadable auto-select cache %s: %s", path, exc)
        return {}
    return data if isinstance(data, dict) else {}


def lookup(folder: Path, variant: str, device: str, precision: str, description: Mapping) -> AutoChoice | None:
    """The remembered choice for this machine, or None."""
    entry = (
        _read(folder / CACHE_FILE)
        .get(machine_key(description), {})
        .get("choices", {})
        .get(_entry_key(variant, device, precision))
    )
    if not isinstance(entry, dict) or entry.get("backend") not in CPU_BACKENDS:
        return None
    return AutoChoice(
        entry["backend"],
        entry.get("precision", precision),
        dict(entry.get("timings_ms", {})),
        "bench" if entry.get("source") == "bench" else "cache",
        entry.get("note", ""),
    )


def remember(folder: Path, variant: str, device: str, precision: str, choice: AutoChoice, description: Mapping) -> None:
    """Store ``choice`` for this machine (atomically; other machines' entries stay)."""
    path = folder / CACHE_FILE
    with _lock:
        data = _read(path)
        slot = data.setdefault(machine_key(description), {"machine": dict(description), "choices": {}})
        slot["choices"][_entry_key(variant, device, precision)] = {
            **asdict(choice),
            "timings_ms": dict(choice.timings_ms),
            "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        try:
            with os.fdopen(fd, "w") as fh:
                json.dump(data, fh, indent=2, sort_keys=True)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def seed(
    folder: Path,
    measured_ms: Mapping[tuple[str, str, str, str], float],
    description: Mapping,
    flags: frozenset[str] | None = None,
) -> list[tuple[str, str, str]]:
    """Store the fastest backend of each (variant, device, precision) a benchmark measured completely.

    Args:
        measured_ms: (variant, backend, device, precision) -> median single-crop milliseconds.

    Returns:
        The (variant, device, precision) entries written: those where every candidate backend was measured.
    """
    written = []
    for variant, device, precision in sorted({(v, d, p) for v, _, d, p in measured_ms}):
        try:
            backends, runs, note = candidates(device, precision, flags)
        except ValueError:
            continue
        if device == "cuda":
            backends = tuple(b for b in CUDA_BENCH_BACKENDS if (variant, b, device, runs) in measured_ms)
        timings = {b: measured_ms.get((variant, b, device, runs)) for b in backends}
        if runs != precision or len(timings) < 2 or any(t is None for t in timings.values()):
            continue
        best = min(timings, key=timings.get)
        remember(folder, variant, device, precision, AutoChoice(best, runs, timings, "bench", note), description)
        written.append((variant, device, precision))
    return written


# --- measuring ---------------------------------------------------------------------------------


def measure_backends(
    runners: Mapping[str, Callable[[np.ndarray], object]],
    batch: np.ndarray,
    rounds: int = ROUNDS,
    warmup: int = WARMUP,
    drop_after: int = DROP_AFTER,
) -> dict[str, float]:
    """Median milliseconds per call of each runner on ``batch``, the calls interleaved round by round.

    After ``drop_after`` rounds a runner whose median is over :data:`DROP_FACTOR` times the best one's
    stops being measured (it cannot win; this keeps the first start short on a slow backend).
    """
    for _ in range(warmup):
        for run in runners.values():
            run(batch)
    samples: dict[str, list[float]] = {name: [] for name in runners}
    active = list(runners)
    for round_ in range(rounds):
        for name in active:
            t0 = time.perf_counter()
            runners[name](batch)
            samples[name].append((time.perf_counter() - t0) * 1e3)
        if round_ + 1 == drop_after:
            best = min(float(np.median(samples[n])) for n in active)
            active = [n for n in active if float(np.median(samples[n])) <= DROP_FACTOR * best]
    return {name: float(np.median(ms)) for name, ms in samples.items()}


def choose(
    variant: str,
    input_size: tuple[int, int],
    device: str,
    precision: str,
    build: Callable[[str, str], object],
    folder: Path,
    *,
    gpu: str | None = None,
    rounds: int = ROUNDS,
) -> tuple[object, AutoChoice]:
    """The runner ``auto`` picks, and why: remembered, or measured now and remembered.

    Args:
        variant: the variant's name (part of the cache key).
        input_size: the network's (H, W) input, for the measuring batch.
        build: makes a runner for (backend, precision); it may raise ValueError or ImportError.
        folder: where the cache file lives.
        gpu: the CUDA GPU's name on CUDA (part of the machine's key).

    Raises:
        ValueError: fp16 on the CPU, or no candidate backend can be built.
    """
    backends, runs, note = candidates(device, precision)
    description = machine(gpu)
    remembered = lookup(folder, variant, device, precision, description)
    if remembered is not None:
        try:
            return build(remembered.backend, remembered.precision), remembered
        except (ValueError, ImportError) as exc:
            log.warning("the remembered backend %s fails now (%s): measuring again", remembered.backend, exc)
    runners, errors = {}, []
    for backend in backends:
        try:
            runners[backend] = build(backend, runs)
        except (ValueError, ImportError) as exc:
            errors.append(f"{backend}: {exc}")
            log.warning("auto: %s cannot run %s %s %s: %s", backend, variant, device, runs, exc)
    if not runners:
        raise ValueError(f"no backend can run {variant} on {device} in {runs}: " + "; ".join(errors))
    if len(runners) == 1:
        backend = next(iter(runners))
        return runners[backend], AutoChoice(backend, runs, {}, "rule", note)
    batch = np.random.default_rng(0).standard_normal((1, 3, *input_size)).astype(np.float32)
    timings = measure_backends(runners, batch, rounds)
    best = min(timings, key=timings.get)
    choice = AutoChoice(best, runs, timings, "measured", note)
    remember(folder, variant, device, precision, choice, description)
    log.info("auto for %s %s %s: %s", variant, device, precision, choice.describe())
    return runners[best], choice
