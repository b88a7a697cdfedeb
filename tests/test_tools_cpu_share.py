"""Cores used by the server, the browser and the rest (tools/cpu_share.py), on a /proc it writes."""

from __future__ import annotations

import os

import pytest

from tools import cpu_share
from tools.cpu_share import CpuShare, is_browser, process_times

TICK = os.sysconf("SC_CLK_TCK")


def _write_proc(root, processes: dict[int, tuple[str, float]], busy_s: float, waited_s: float = 0.0) -> None:
    """A /proc with ``processes`` (pid -> command line, CPU seconds split into user and system) and a
    machine that was ``busy_s`` seconds busy in all (user, nice, system, irq, softirq), and ``waited_s``
    seconds in each of idle, iowait and steal."""
    for pid, (command, seconds) in processes.items():
        folder = root / str(pid)
        folder.mkdir(exist_ok=True)
        ticks = round(seconds * TICK)
        fields = ["S", *["0"] * 10, str(ticks - ticks // 2), str(ticks // 2), *["0"] * 6]
        (folder / "stat").write_text(f"{pid} ({command.split()[0][-15:]} x) {' '.join(fields)}\n")
        (folder / "cmdline").write_bytes(command.replace(" ", "\0").encode() + b"\0")
    busy, waited = round(busy_s * TICK / 5), round(waited_s * TICK)
    fields = [busy, busy, busy, waited, waited, busy, busy, waited, 0, 0]  # guest and guest_nice: in user already
    (root / "stat").write_text(f"cpu  {' '.join(map(str, fields))}\ncpu0 0 0 0 0 0 0 0 0 0 0\n")


def test_each_group_gets_its_cores_over_the_window(tmp_path, monkeypatch):
    server = "/venv/bin/python -m streamlit run app.py"
    renderer = "/usr/lib/chromium/chromium --type=renderer --lang=en-US"
    gpu = "/usr/lib/chromium/chromium --type=gpu-process --headless"
    other = "python3 -c while True: pass"
    driver = "/venv/lib/playwright/driver/node cli.js run-driver --for chromium"  # not the browser
    _write_proc(
        tmp_path,
        {10: (server, 5.0), 20: (renderer, 1.0), 21: (gpu, 2.0), 30: (other, 0.0), 40: (driver, 0.0)},
        busy_s=50.0,
        waited_s=10.0,
    )
    clock = iter([100.0, 102.0])
    monkeypatch.setattr(cpu_share.time, "monotonic", lambda: next(clock))
    share = CpuShare(10, proc=tmp_path)
    share.start()
    # over 2 s: the server 1.5 core-seconds, the renderer 0.6, the GPU process 0.4, the busy loop 1.0, the
    # driver 0.2, and 0.3 more by processes that came and went; idle, iowait and steal grew, and are not busy
    _write_proc(
        tmp_path,
        {10: (server, 6.5), 20: (renderer, 1.6), 21: (gpu, 2.4), 30: (other, 1.0), 40: (driver, 0.2)},
        busy_s=54.0,
        waited_s=13.0,
    )
    share.stop()
    cores = share.result()
    assert cores.window_s == pytest.approx(2.0)
    assert cores.server == pytest.approx(0.75, abs=0.01)
    assert cores.browser == pytest.approx(0.5, abs=0.01) and cores.browser_gpu == pytest.approx(0.2, abs=0.01)
    assert cores.other == pytest.approx(0.75, abs=0.01)  # (4.0 - 1.5 - 1.0) / 2


def test_the_browser_is_told_by_its_executable():
    assert is_browser("/usr/lib/chromium/chromium --type=renderer --lang=en-US")
    assert is_browser("/ms-playwright/chromium_headless_shell-1200/chrome-linux/headless_shell --headless")
    assert not is_browser("/usr/bin/chromedriver --port=9515")
    assert not is_browser("/venv/lib/playwright/driver/node cli.js --browser chromium")


def test_no_result_without_both_moments_or_without_proc(tmp_path):
    share = CpuShare(1, proc=tmp_path)  # no /proc/stat here: not Linux
    share.start()
    share.stop()
    assert share.result() is None
    assert CpuShare(os.getpid()).result() is None  # never started


def test_process_times_reads_this_process():
    if not os.path.isfile("/proc/stat"):
        pytest.skip("no /proc here")
    mine = process_times()[os.getpid()]
    assert "python" in mine[0] and mine[1] > 0
