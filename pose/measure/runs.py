"""What the benchmarks share: a configuration string to a runner, percentiles, the process's memory."""

from __future__ import annotations

import os

import numpy as np

from ..model.backends import Runner, TorchRunner, create_runner
from ..model.device import resolve_device

__all__ = ["EAGER", "parse_config", "make_runner", "percentiles", "rss_mb"]

EAGER = "eager"  # the plain PyTorch model, no rewrites: the baseline of every ratio


def parse_config(config: str) -> tuple[str, str, str]:
    """ "backend[:precision][@device]" -> (backend, precision, device)."""
    rest, _, device = config.partition("@")
    backend, _, precision = rest.partition(":")
    return backend, precision or "fp32", device or "cpu"


def make_runner(config: str, model, checkpoint=None) -> Runner:
    """The runner a configuration string names (``eager``: the plain PyTorch model)."""
    backend, precision, device = parse_config(config)
    device = resolve_device(device)
    if backend == EAGER:
        return TorchRunner(model, device=device, precision=precision, optimize=False, checkpoint=checkpoint)
    return create_runner(model, backend, device, precision, checkpoint=checkpoint)


def percentiles(samples_ms) -> tuple[float, float]:
    """(median, p90)."""
    return float(np.median(samples_ms)), float(np.percentile(samples_ms, 90))


def rss_mb() -> float:
    """This process's resident memory, MiB."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
