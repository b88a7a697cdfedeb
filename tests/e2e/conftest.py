"""Real-browser fixtures: the app served on 127.0.0.1 and headless Debian Chromium with a fake camera.

Every browser test gets its page from ``browser_page``. That fixture watches every document the page
loads (and its iframes) for a Streamlit exception box (``[data-testid="stException"]``); a test whose
pages showed one fails at teardown, whatever it waited for.

``app_server`` is one server for the whole session, with an empty weights folder that no test may
change (checked after each test). A test that stores weights (or changes any other server state) takes
``fresh_app_server`` instead: its own server, with its own weights folder (``fresh_app_server.weights``).
On every server a Live source stops by itself after ``LIVE_MAX_FRAMES`` frames, so that a looping file a
test left running does not load the tests after it.

``fake_camera`` (Grace Hopper's portrait, moving) is every page's camera; a module may override it, e.g.
with a real clip of ../shared/videos made into a camera by ``clip_camera``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import zipfile
from pathlib import Path

import cv2
import pytest
from conftest import IN_CI  # a missing browser or Playwright fails in CI
from videos import clip_frames, far_away

from tools.live_page import AppServer as StreamlitServer
from tools.live_page import MeasureError
from ui.resources import LIVE_MAX_FRAMES_ENV

from .checks import SCRIPT_IDLE_JS

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# The most frames one run of a Live source processes on the test servers: a safety net behind the Stop that
# browser_page presses at teardown. At most 30 frames a second come from a file, so a looping file runs for
# 30 s at least: long enough for any test that waits on a running source.
LIVE_MAX_FRAMES = 900
# Real clips as fake cameras: 640x360 (letterboxed), their first frames at their own rate.
CLIP_CAMERA_SIZE = (640, 360)
NO_NETWORK_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item (``item.rep_call``), for fixtures to see a failure at teardown."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


# Runs in every document and iframe the page loads: reports each Streamlit exception box once, with its
# text, to the Python side (window.__stExceptionSeen is bound by browser_page and survives navigations).
WATCH_EXCEPTIONS_JS = """
(() => {
  const reported = new WeakSet();
  const scan = () => {
    for (const el of document.querySelectorAll('[data-testid="stException"]')) {
      if (reported.has(el)) continue;
      reported.add(el);
      window.__stExceptionSeen(location.href, (el.innerText || el.textContent || '').slice(0, 3000));
    }
  };
  const watch = () => {
    new MutationObserver(scan).observe(document.documentElement, {childList: true, subtree: true});
    scan();
  };
  if (document.documentElement) watch(); else document.addEventListener('DOMContentLoaded', watch);
})();
"""


def pytest_collection_modifyitems(items):
    for item in items:
        if "e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


def _missing(reason: str):
    if IN_CI:
        pytest.fail(f"{reason}; in CI the browser tests must run (.ci/run installs Debian's chromium)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        _missing(f"{CHROMIUM} is missing (apt-get install chromium) for the browser tests")
    return CHROMIUM


def write_y4m(path: Path, frames, fps: int = 30) -> Path:
    """Frames (BGR) as a .y4m file, which Chromium streams as a fake camera."""
    height, width = frames[0].shape[:2]
    with open(path, "wb") as fh:
        fh.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            fh.write(b"FRAME\n")
            fh.write(cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420).tobytes())
    return path


def clip_camera(
    clip: Path,
    folder: Path,
    frames: int = 120,
    size: tuple[int, int] = CLIP_CAMERA_SIZE,
    far: float = 1.0,
    name: str | None = None,
) -> Path:
    """The first ``frames`` frames of a real clip (upright, letterboxed to ``size``) as a fake-camera .y4m in
    ``folder``, named ``name`` (default: the clip's), at the clip's own frame rate (Chromium loops it); with
    ``far`` under 1, each frame shrunk by it into a grey frame (:func:`videos.far_away`), its people small."""
    from pose.video import probe

    images = clip_frames(clip, frames, size)
    if far < 1.0:
        images = [far_away(image, far) for image in images]
    return write_y4m(folder / f"{name or clip.stem}.y4m", images, fps=max(1, round(probe(clip).fps)))


class AppServer(str):
    """A running ``streamlit run app.py`` (:class:`tools.live_page.AppServer`, the one way this project starts
    it): the string is its URL; ``weights`` its weights folder."""

    weights: Path
    log_path: Path
    streamlit: StreamlitServer

    def stop(self) -> None:
        self.streamlit.__exit__()


def start_app(weights: Path, cache: Path, log_path: Path, **env_extra: str) -> AppServer:
    """Start the app on a free port with its own weights folder; returns once it answers its health check."""
    weights.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "CONVNEXTPOSE_WEIGHTS": str(weights),
        LIVE_MAX_FRAMES_ENV: str(LIVE_MAX_FRAMES),  # a looping OpenCV source ends by itself
        "CONVNEXTPOSE_CACHE": str(cache),
        **env_extra,
    }
    streamlit = StreamlitServer(env, log_path, start_timeout_s=90)
    try:
        streamlit.__enter__()
    except MeasureError as error:
        pytest.fail(f"{error}; see {log_path}")
    server = AppServer(streamlit.url)
    server.weights, server.log_path, server.streamlit = weights, log_path, streamlit
    return server


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory) -> Path:
    """One export cache for every server of the session (exports are keyed by variant and weights)."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="session")
def app_server(tmp_path_factory, model_cache):
    """The app for the whole session; its weights folder stays empty (see ``_shared_server_unchanged``)."""
    server = start_app(tmp_path_factory.mktemp("weights"), model_cache, tmp_path_factory.mktemp("server") / "log")
    yield server
    server.stop()


@pytest.fixture()
def fresh_app_server(tmp_path, model_cache):
    """A server of this test's own, with an empty weights folder (``.weights``) the test may fill."""
    server = start_app(tmp_path / "weights", model_cache, tmp_path / "streamlit.log")
    yield server
    server.stop()


def _folder_state(folder: Path) -> list[tuple[str, int]]:
    return sorted((str(p.relative_to(folder)), p.stat().st_size) for p in folder.rglob("*") if p.is_file())


@pytest.fixture(autouse=True)
def _shared_server_unchanged(request):
    """A test on the shared server must leave its weights folder as it found it (else the order of
    the tests decides what the next one sees): the change is undone and the test fails."""
    if "app_server" not in request.fixturenames:
        yield
        return
    server = request.getfixturevalue("app_server")
    before = _folder_state(server.weights)
    yield
    after = _folder_state(server.weights)
    if after != before:
        for path in server.weights.iterdir():
            shutil.rmtree(path) if path.is_dir() else path.unlink()
        pytest.fail(
            f"the test changed the shared server's weights folder ({before} -> {after}); "
            "use the fresh_app_server fixture for a test that stores weights"
        )


@pytest.fixture(scope="session")
def fake_camera(tmp_path_factory) -> Path:
    from pose.measure.samples import moving_person_frames

    return write_y4m(tmp_path_factory.mktemp("camera") / "person.y4m", list(moving_person_frames(90)))


def _wait_until_idle(page, timeout_ms: int = 30_000) -> None:
    """Wait until the app's script is not running (fragments on a timer may keep it busy: then give up)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    with contextlib.suppress(PlaywrightTimeout):  # a page that never settles is still checked
        page.wait_for_function(SCRIPT_IDLE_JS, timeout=timeout_ms)


def _stop_live_source(page) -> None:
    """Press the Live page's Stop where it shows one, so that an OpenCV source a test left running ends now
    (the frame limit ends it otherwise)."""
    from playwright.sync_api import Error as PlaywrightError

    stop = page.get_by_role("button", name="Stop", exact=True)
    with contextlib.suppress(PlaywrightError):  # a page that went away or was never the Live page
        if stop.count() == 1 and stop.is_visible():
            stop.click(timeout=10_000)


@pytest.fixture()
def browser_page(request, chromium_path, fake_camera):
    """A Playwright page in headless Chromium whose camera streams the fake clip.

    At teardown it screenshots the page of a failed test (``test-artifacts/failed-<test>.png``: what the user
    saw when it failed), and fails the test when any page it showed held a Streamlit exception box.
    """
    try:
        playwright_api = __import__("playwright.sync_api", fromlist=["sync_playwright"])
    except ImportError:
        _missing("playwright is not installed (pip install -r requirements-dev.txt)")
    ARTIFACTS.mkdir(exist_ok=True)
    exceptions: list[tuple[str, str]] = []
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium_path,
            headless=True,
            args=[
                *NO_NETWORK_FLAGS,
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={fake_camera}",
            ],
        )
        context = browser.new_context(viewport={"width": 1400, "height": 2600}, permissions=["camera"])
        context.expose_function("__stExceptionSeen", lambda url, text: exceptions.append((url, text)))
        context.add_init_script(WATCH_EXCEPTIONS_JS)
        page = context.new_page()
        page.set_default_timeout(60_000)
        yield page
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed and not page.is_closed():
            with contextlib.suppress(Exception):  # the screenshot is for diagnosis; the failure is reported anyway
                page.screenshot(path=str(ARTIFACTS / f"failed-{request.node.name}.png"), full_page=True)
        if not page.is_closed():
            _stop_live_source(page)
            _wait_until_idle(page)
            page.evaluate("() => 0")  # lets the last reports in
            if exceptions:
                page.screenshot(path=str(ARTIFACTS / "exception.png"), full_page=True)
        context.close()
        browser.close()
    if exceptions:
        shown = "\n\n".join(f"{url}:\n{text}" for url, text in exceptions)
        pytest.fail(f"the page showed {len(exceptions)} Streamlit exception(s):\n{shown}", pytrace=False)


# Two realgt photos, one with 3D ground truth and its camera: the zip the Compare page's accuracy tests upload.
PHOTOS = ("mpii/005808361.jpg", "mpi_inf_3dhp/S8_Seq1_Cam8_002165.jpg")
# For the authors' XS: one clear person each, whom its skeleton spans with a margin (box IoU 0.94 and 0.87 against
# the 0.5 a match needs). On mpii/005808361 (a curler in a wheelchair) its skeleton spans her at 0.50-0.51, a
# match on one CPU and a part box on another.
TRAINED_XS_PHOTOS = ("mpii/060754485.jpg", "mpi_inf_3dhp/S8_Seq1_Cam8_002165.jpg")


def zip_annotated(realgt_dir: Path, photos: tuple[str, ...], path: Path) -> Path:
    """A zip of ``photos`` of realgt with their annotations at ``path``, as a user uploads a set to Compare."""
    data = json.loads((realgt_dir / "annotations.json").read_text())
    data["images"] = [img for img in data["images"] if img["file"] in photos]
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("set/annotations.json", json.dumps(data))
        for name in photos:
            archive.write(realgt_dir / name, f"set/{name}")
    return path


@pytest.fixture()
def annotated_zip(realgt_dir, tmp_path):
    """:data:`PHOTOS`, zipped with their annotations."""
    return zip_annotated(realgt_dir, PHOTOS, tmp_path / "photos.zip")
