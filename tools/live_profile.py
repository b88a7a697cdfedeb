"""Where a running server's time goes: py-spy attached for a while, its stacks summed per thread and function.

:class:`Profiler` runs ``py-spy record --format raw --threads`` on a process id (py-spy is a dev dependency;
it needs ptrace rights on the process). :func:`summarise_stacks` reads the collapsed stacks it writes
("thread (tid): name;frame;frame count" lines, idle threads left out) into shares of the samples: per thread,
per function where the sample was (self), and per function anywhere on the stack (inclusive).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .live_page import MeasureError

__all__ = ["Profiler", "ProfileSummary", "summarise_stacks", "find_py_spy"]

_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")


def find_py_spy() -> str:
    """The py-spy executable (beside this Python, or on PATH).

    Raises:
        MeasureError: when it is not installed.
    """
    beside = Path(sys.executable).with_name("py-spy")
    found = str(beside) if beside.is_file() else shutil.which("py-spy")
    if found is None:
        raise MeasureError("py-spy is not installed (pip install -r requirements-dev.txt): it samples the server")
    return found


def _frame_name(frame: str) -> str:
    """``func (path/to/module.py:123)`` -> ``func (to/module.py)``: one name per function, whatever the line."""
    found = _FRAME.match(frame.strip())
    if not found:
        return frame.strip()
    short = "/".join(Path(found["file"]).parts[-2:])
    return f"{found['func']} ({short})"


@dataclass(frozen=True)
class ProfileSummary:
    """Shares (0-1) of the samples py-spy took of the threads that were busy.

    Attributes:
        samples: busy-thread samples in all.
        threads: per thread name.
        self_time: per function the sample was in (with the time spent in what it calls that is not Python).
        inclusive: per function anywhere on the sampled stack.
    """

    samples: int
    threads: dict[str, float]
    self_time: dict[str, float]
    inclusive: dict[str, float]


def summarise_stacks(text: str, top: int = 15) -> ProfileSummary:
    """The ``top`` threads and functions of py-spy's raw (collapsed) output with ``--threads``."""
    threads: Counter[str] = Counter()
    leaf: Counter[str] = Counter()
    anywhere: Counter[str] = Counter()
    total = 0
    for line in text.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        thread, *frames = stack.split(";")
        name = thread.split(": ", 1)[-1] if thread.startswith("thread (") else "?"
        threads[name] += n
        names = [_frame_name(f) for f in frames] or [name]
        leaf[names[-1]] += n
        for func in set(names):
            anywhere[func] += n
        total += n

    def shares(counter: Counter[str]) -> dict[str, float]:
        return {k: v / total for k, v in counter.most_common(top)} if total else {}

    return ProfileSummary(total, shares(threads), shares(leaf), shares(anywhere))


class Profiler:
    """py-spy recording process ``pid`` for ``seconds`` into ``out`` (raw collapsed stacks)."""

    def __init__(self, pid: int, seconds: float, out: Path, rate_hz: int = 50) -> None:
        self.command = [
            find_py_spy(), "record", "--pid", str(pid), "--duration", str(max(1, round(seconds))),
            "--rate", str(rate_hz), "--format", "raw", "--threads", "--nonblocking", "-o", str(out),
        ]  # fmt: skip
        self.out = Path(out)
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def result(self, timeout_s: float = 60.0) -> ProfileSummary:
        """Wait for py-spy to finish and summarise what it wrote.

        Raises:
            MeasureError: when py-spy failed (no ptrace rights, say), with its words.
        """
        if self.process is None:
            raise MeasureError("the profiler was never started")
        try:
            output, _ = self.process.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            output, _ = self.process.communicate()
        if self.process.returncode != 0 or not self.out.is_file():
            raise MeasureError(f"py-spy failed ({self.process.returncode}): {output.strip()[-500:]}")
        return summarise_stacks(self.out.read_text())
