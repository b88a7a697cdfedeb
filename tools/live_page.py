"""The Live page as a user sees it: a clip as a fake camera, the app served, headless Chromium reading the page.

Used by ``python -m tools.live`` (see there). :func:`clip_to_y4m` turns a clip into the .y4m file
Chromium streams as its camera; :class:`AppServer` runs ``streamlit run app.py`` on a free local port;
:func:`sample_page` opens the Live page in Debian's Chromium with Playwright (imported here only, a dev
dependency), picks the estimator in the sidebar, presses START and reads the readouts every ~0.5 s. It finds
what it reads and moves by the app's own labels (``ui/readouts.py``, ``ui/controls.py``).
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from pose.engine.stages import LIVE_STAGES
from ui.controls import ESTIMATOR_LABEL, UNTRAINED, estimator_label
from ui.readouts import (
    DROPPED_LABEL,
    FPS_LABEL,
    FRAMES_LABEL,
    PEOPLE_LABEL,
    SKELETON_3D_LABEL,
    SKELETON_3D_WAITING,
    stage_label,
)

__all__ = [
    "MeasureError",
    "PageSample",
    "AppServer",
    "clip_to_y4m",
    "read_y4m",
    "sample_page",
    "choose_estimator",
    "choose_skeleton_3d_every",
    "read_timing",
]

APP = Path(__file__).resolve().parents[1] / "app.py"
CHROMIUM = "/usr/bin/chromium"
# Chromium reaching for nothing off this machine (as the browser tests run it)
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
    "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
]  # fmt: skip
MAX_CLIP_S = 60  # at most this much of the clip becomes the camera (Chromium loops it): 640x360 is ~0.35 MB a frame
WEBRTC_IFRAME = 'iframe[title="streamlit_webrtc.component.webrtc_streamer"]'

# Every st.metric's label and value, in one round trip.
READ_METRICS_JS = """
() => {
  const metrics = {};
  for (const m of document.querySelectorAll('[data-testid="stMetric"]')) {
    const label = m.querySelector('[data-testid="stMetricLabel"]');
    const value = m.querySelector('[data-testid="stMetricValue"]');
    if (label && value) metrics[label.innerText.trim()] = value.innerText.trim();
  }
  return metrics;
}
"""
# The finite x values of a document's 3D charts' scatter3d traces (joints, bones and id labels; the floor is a
# mesh3d). Read in every frame: the Live page's 3D chart is updated in place in a component's iframe
# (ui/plotly_in_place.py). Read from the traces plotly.js drew (``_fullData``): in ``data`` a numpy array stays
# encoded ({dtype, bdata}) and would count as no points.
READ_POINTS_JS = """
() => {
  let points = 0;
  for (const el of document.querySelectorAll('.js-plotly-plot')) {
    for (const trace of (el._fullData || el.data || [])) {
      if (trace.type !== 'scatter3d' || !trace.x) continue;
      for (const v of Array.from(trace.x)) if (typeof v === 'number' && Number.isFinite(v)) points++;
    }
  }
  return points;
}
"""


class MeasureError(RuntimeError):
    """Something the measurement needs is missing or did not start; the message says what."""


@dataclass(frozen=True)
class PageSample:
    """What the Live page showed at wall time ``t`` (seconds since the epoch); None: not shown."""

    t: float
    fps: float | None
    frames: float | None
    dropped: float | None
    people: float | None
    stage_ms: dict[str, float] = field(default_factory=dict)
    points_3d: int = 0


def _number(text: str | None) -> float | None:
    found = re.search(r"-?[0-9]+(?:\.[0-9]+)?", text or "")
    return float(found.group()) if found else None


def parse_sample(t: float, shown: Mapping) -> PageSample:
    """A :class:`PageSample` from what the page shows: ``{"metrics": READ_METRICS_JS's, "points": the sum of
    READ_POINTS_JS's over the page's frames}``."""
    metrics = shown.get("metrics", {})
    stage_ms = {s: v for s in LIVE_STAGES if (v := _number(metrics.get(stage_label(s)))) is not None}
    return PageSample(
        t, _number(metrics.get(FPS_LABEL)), _number(metrics.get(FRAMES_LABEL)), _number(metrics.get(DROPPED_LABEL)),
        _number(metrics.get(PEOPLE_LABEL)), stage_ms, int(shown.get("points", 0)),
    )  # fmt: skip


def clip_to_y4m(clip: Path, out: Path, width: int = 640, fps: int = 25) -> tuple[int, int, int]:
    """``clip`` scaled to ``width`` (height even, aspect kept) at ``fps`` as an uncompressed .y4m (4:2:0).

    Returns (width, height, frames). Raises:
        MeasureError: no ffmpeg, or a clip it cannot read.
    """
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise MeasureError("ffmpeg is missing (apt-get install ffmpeg): it turns the clip into the fake camera")
    if not Path(clip).is_file():
        raise MeasureError(f"{clip}: no such file")
    command = [
        ffmpeg, "-v", "error", "-nostdin", "-y", "-i", str(clip), "-t", str(MAX_CLIP_S), "-an",
        "-vf", f"scale={width}:-2:flags=area,fps={fps}", "-pix_fmt", "yuv420p", "-f", "yuv4mpegpipe", str(out),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0 or not Path(out).is_file():
        raise MeasureError(f"ffmpeg could not convert {clip}: {done.stderr.strip()[-500:]}")
    frames = sum(1 for _ in read_y4m(out, decode=False))
    if frames == 0:
        raise MeasureError(f"{clip}: no frame could be decoded")
    w, h = _y4m_size(out)
    return w, h, frames


def _y4m_size(path: Path) -> tuple[int, int]:
    with open(path, "rb") as fh:
        header = fh.readline().decode("ascii", "replace").split()
    if not header or header[0] != "YUV4MPEG2":
        raise MeasureError(f"{path}: not a .y4m file")
    tags = {t[0]: t[1:] for t in header[1:]}
    if not tags.get("C", "420").startswith("420"):
        raise MeasureError(f"{path}: only 4:2:0 .y4m is read, this one is C{tags['C']}")
    return int(tags["W"]), int(tags["H"])


def read_y4m(path: Path, limit: int | None = None, *, decode: bool = True) -> Iterator[np.ndarray | None]:
    """The frames of a 4:2:0 .y4m file as BGR (H, W, 3) (None each where ``decode`` is False), up to ``limit``."""
    width, height = _y4m_size(path)
    size = width * height * 3 // 2
    with open(path, "rb") as fh:
        fh.readline()
        count = 0
        while limit is None or count < limit:
            if not fh.readline().startswith(b"FRAME"):
                return
            data = fh.read(size)
            if len(data) < size:
                return
            count += 1
            if decode:
                yuv = np.frombuffer(data, np.uint8).reshape(height * 3 // 2, width)
                yield cv2.cvtColor(yuv, cv2.COLOR_YUV2BGR_I420)
            else:
                yield None


def read_timing(path: Path) -> list[dict]:
    """The server's per-frame lines (``{t, ms, people, w, h}``); a line cut off mid-write is skipped."""
    import json

    lines = []
    if Path(path).is_file():
        for line in Path(path).read_text().splitlines():
            try:
                lines.append(json.loads(line))
            except ValueError:
                continue
    return lines


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    """``streamlit run app.py`` headless on a free 127.0.0.1 port, its output in ``log_path``; a context manager.
    With ``frame_log``, the Live page's record of each frame it processes is kept there, a JSON line each
    (:mod:`tools.live_server`; :func:`read_timing` reads it).

    Raises (on entry):
        MeasureError: no app.py beside ``tools/`` (a source checkout is needed), or a server that exits or
            does not answer its health check within ``start_timeout_s``.
    """

    def __init__(
        self, env: Mapping[str, str], log_path: Path, start_timeout_s: float = 180.0, frame_log: Path | None = None
    ) -> None:
        self.env, self.log_path, self.start_timeout_s = dict(env), Path(log_path), start_timeout_s
        self.frame_log = frame_log
        self.url = ""
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> AppServer:
        if not APP.is_file():
            raise MeasureError(f"no app at {APP}: run this from a source checkout of the project")
        port = _free_port()
        # With a frame log, through tools.live_server: Streamlit's command line with the page's per-frame records
        # routed to that file.
        launcher = ["tools.live_server", str(self.frame_log)] if self.frame_log else ["streamlit"]
        command = [
            sys.executable, "-m", *launcher, "run", str(APP), "--server.address", "127.0.0.1",
            "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
        ]  # fmt: skip
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(command, cwd=APP.parent, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.time() + self.start_timeout_s
        while time.time() < deadline:
            if self.process.poll() is not None:
                self.__exit__()
                raise MeasureError(f"streamlit exited with {self.process.returncode}: {self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.5)
        self.__exit__()
        raise MeasureError(f"streamlit did not answer within {self.start_timeout_s:.0f} s: {self.log_tail()}")

    def log_tail(self, chars: int = 1500) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.is_file() else ""

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _option_name(estimator: str) -> re.Pattern:
    """The sidebar's option for ``estimator``: its label, marked untrained or not (the server may see other
    weights than this process)."""
    label = re.escape(estimator_label(estimator))
    return re.compile(rf"^{label}( \({re.escape(UNTRAINED)}\))?$")


def sample_page(
    url: str, camera_y4m: Path, estimator: str, seconds: float, *, interval_s: float = 0.5,
    chromium: str = CHROMIUM, start_timeout_s: float = 240.0, skeleton_3d_every: str | None = None,
    on_sampling: Callable[[], None] | None = None, on_sampled: Callable[[], None] | None = None,
) -> list[PageSample]:  # fmt: skip
    """Open the Live page with ``camera_y4m`` as the camera, choose ``estimator`` (and the sidebar's "3D chart
    redraws every" ``skeleton_3d_every``, as the page labels it, unless None), press START, wait until frames
    are processed, then read the page every ``interval_s`` for ``seconds`` (``on_sampling`` is called first,
    ``on_sampled`` after the last reading, with the browser still open).

    Raises:
        MeasureError: no Playwright, no Chromium, or a page that never got to play.
    """
    if not (Path(chromium).exists() or shutil.which(chromium)):
        raise MeasureError(f"{chromium} is missing (apt-get install chromium): the page is read in a real browser")
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise MeasureError(
            "playwright is not installed (pip install -r requirements-dev.txt); it drives the system's Chromium, "
            "no browser download is needed"
        ) from None
    flags = [*CHROMIUM_FLAGS, f"--use-file-for-fake-video-capture={camera_y4m}"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=flags)
        try:
            page = browser.new_context(viewport={"width": 1400, "height": 2600}, permissions=["camera"]).new_page()
            page.set_default_timeout(start_timeout_s * 1000)
            try:
                _start_camera(page, url, estimator, start_timeout_s, skeleton_3d_every)
            except PlaywrightError as exc:
                body = page.inner_text("body")[-800:] if not page.is_closed() else ""
                raise MeasureError(
                    f"the Live page did not start playing: {exc.message.splitlines()[0]}; page: {body}"
                ) from None
            if on_sampling is not None:
                on_sampling()
            samples, end = [], time.time() + seconds
            while time.time() < end:
                tick = time.time()
                samples.append(parse_sample(tick, _read_page(page)))
                time.sleep(max(0.0, interval_s - (time.time() - tick)))
            if on_sampled is not None:
                on_sampled()
            return samples
        finally:
            browser.close()


def evaluate_in_frames(page, script: str) -> list:
    """What ``script`` gives in the page and in each of its frames (a component's iframe holds the chart the
    page updates in place, ui/plotly_in_place.py), one value per frame; a frame that detached or navigated
    meanwhile is left out (read it again next time)."""
    from playwright.sync_api import Error as PlaywrightError

    values = []
    for frame in page.frames:
        try:
            values.append(frame.evaluate(script))
        except PlaywrightError:
            continue
    return values


def _read_page(page) -> dict:
    """The page's metrics and its 3D charts' points (see :func:`parse_sample`)."""
    return {"metrics": page.evaluate(READ_METRICS_JS), "points": sum(evaluate_in_frames(page, READ_POINTS_JS))}


def _wait_until_script_idle(page) -> None:
    page.wait_for_function(
        """() => !['running', 'rerunRequested'].includes(
               document.querySelector('[data-testid="stApp"]')?.dataset.testScriptState)"""
    )


def choose_skeleton_3d_every(page, label: str) -> None:
    """Move the sidebar's "3D chart redraws every" slider to ``label``, one step at a time from its left end.

    Raises:
        MeasureError: the slider offers no such label.
    """
    slider = page.locator('[data-testid="stSlider"]').filter(has_text=SKELETON_3D_LABEL).locator("input[type=range]")
    slider.press("Home")
    offered = []
    for step in range(int(slider.get_attribute("max")) + 1):
        page.wait_for_function(  # the keys are React's to handle: wait for the slider to show the step
            "([el, step]) => el.value === String(step)", arg=[slider.element_handle(), step]
        )
        if (shown := slider.get_attribute("aria-valuetext")) == label:
            _wait_until_script_idle(page)
            return
        offered.append(shown)
        slider.press("ArrowRight")
    raise MeasureError(f"the page offers no 3D chart rate {label!r}; it offers {', '.join(offered)}")


def choose_estimator(page, estimator: str) -> None:
    """Pick ``estimator`` ("BlazePose", "XS", ...) in the Live page's sidebar, and wait for the rerun to end."""
    selector = page.get_by_role("combobox", name=ESTIMATOR_LABEL)
    if not _option_name(estimator).match(selector.input_value() or ""):
        selector.click()
        page.get_by_role("option", name=_option_name(estimator)).click()
        _wait_until_script_idle(page)


def _start_camera(page, url: str, estimator: str, timeout_s: float, skeleton_3d_every: str | None) -> None:
    page.goto(f"{url}/live")
    page.get_by_text(SKELETON_3D_WAITING).wait_for()
    choose_estimator(page, estimator)
    if skeleton_3d_every is not None:
        choose_skeleton_3d_every(page, skeleton_3d_every)
    page.get_by_text(SKELETON_3D_WAITING).wait_for()
    page.frame_locator(WEBRTC_IFRAME).get_by_role("button", name="START").click()
    page.wait_for_function(  # the server has processed frames: the readouts are up and counting
        """(frames) => [...document.querySelectorAll('[data-testid="stMetric"]')].some(m =>
               m.innerText.startsWith(frames) && parseFloat(m.innerText.split('\\n').pop()) >= 3)""",
        arg=FRAMES_LABEL,
        timeout=timeout_s * 1000,
    )
