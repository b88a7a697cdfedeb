"""Where the machine's cores went while the Live page was read: the server, the browser's processes, the rest.

:class:`CpuShare` reads the CPU time (user + system) of every process from ``/proc`` at :meth:`~CpuShare.start`
and :meth:`~CpuShare.stop` and gives each group's cores used in between (1.0: one core busy all along). The
browser is every Chromium process; its GPU process is also given alone, since that is where WebGL (a 3D chart)
runs, in software where there is no GPU. Linux only: elsewhere :meth:`~CpuShare.result` is None.

Each process is counted from the second reading: one that ended within the window counts in "the rest", which
is the machine's busy time (``/proc/stat``: user, nice, system, irq, softirq; not what the hypervisor stole)
less the server and the browser. In a container ``/proc/stat`` may be the host's, so "the rest" may hold other
tenants too.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CpuShare", "CoresUsed", "process_times", "is_browser"]

PROC = Path("/proc")
BROWSER_EXECUTABLES = frozenset({"chromium", "chromium-browser", "chrome", "headless_shell"})


@dataclass(frozen=True)
class CoresUsed:
    """Cores used over ``window_s`` seconds of wall time, by group, out of ``cores`` (those this process may
    run on)."""

    window_s: float
    cores: int
    server: float
    browser: float
    browser_gpu: float
    other: float


def process_times(proc: Path = PROC) -> dict[int, tuple[str, float]]:
    """Every process's command line (NULs as spaces) and CPU seconds so far (user + system), by process id."""
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # gone meanwhile
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
        found[int(entry.name)] = (command, (int(fields[11]) + int(fields[12])) / tick)
    return found


def _total_busy_s(proc: Path) -> float:
    """CPU seconds the machine spent busy so far, all cores (``/proc/stat``'s first line: user, nice, system,
    irq and softirq; idle, iowait and steal left out, and guest time is already in user)."""
    user, nice, system, _idle, _iowait, irq, softirq = (int(v) for v in (proc / "stat").read_text().split()[1:8])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def is_browser(command: str) -> bool:
    """Whether a process's command line is a Chromium process (the browser, its renderers, GPU and utility
    processes; Playwright's headless shell too), by its executable's name."""
    name = Path(command.split(" ", 1)[0]).name
    return name in BROWSER_EXECUTABLES


class CpuShare:
    """Cores used by the server process ``server_pid``, the browser and everything else between two moments."""

    def __init__(self, server_pid: int, proc: Path = PROC) -> None:
        self.server_pid, self.proc = server_pid, proc
        self._start = self._stop = None

    def _snapshot(self):
        return time.monotonic(), process_times(self.proc), _total_busy_s(self.proc)

    def start(self) -> None:
        if (self.proc / "stat").is_file():
            self._start = self._snapshot()

    def stop(self) -> None:
        if self._start is not None:
            self._stop = self._snapshot()

    def result(self) -> CoresUsed | None:
        """The cores used between :meth:`start` and :meth:`stop`; None when either was not taken."""
        if self._start is None or self._stop is None:
            return None
        (t0, before, busy0), (t1, after, busy1) = self._start, self._stop
        window = t1 - t0
        used = {"server": 0.0, "browser": 0.0, "browser_gpu": 0.0}
        for pid, (command, seconds) in after.items():
            spent = seconds - before.get(pid, (command, 0.0))[1]
            if pid == self.server_pid:
                used["server"] += spent
            elif is_browser(command):
                used["browser"] += spent
                if "--type=gpu-process" in command:
                    used["browser_gpu"] += spent
        other = max(0.0, (busy1 - busy0) - used["server"] - used["browser"])
        shares = {k: v / window for k, v in used.items()}
        return CoresUsed(window, len(os.sched_getaffinity(0)), other=other / window, **shares)
