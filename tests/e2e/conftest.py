"""Real-browser fixtures: the app served on 127.0.0.1 and headless Debian Chromium with a fake camera."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import cv2
import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
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


def pytest_collection_modifyitems(items):
    for item in items:
        if "e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing in CI: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium) for the browser tests")
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def app_server(tmp_path_factory):
    """``streamlit run app.py`` on 127.0.0.1; yields its URL."""
    port = _free_port()
    weights = tmp_path_factory.mktemp("weights")
    env = {
        **os.environ,
        "CONVNEXTPOSE_WEIGHTS": str(weights),
        "CONVNEXTPOSE_LIVE_MAX_FRAMES": "120",
        "CONVNEXTPOSE_CACHE": str(tmp_path_factory.mktemp("cache")),
    }
    log = open(tmp_path_factory.mktemp("server") / "streamlit.log", "w")  # noqa: SIM115 (outlives the block)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "app.py"),
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        proc.terminate()
        pytest.fail(f"streamlit did not start; see {log.name}")
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="session")
def fake_camera(tmp_path_factory) -> Path:
    from pose.measure.samples import moving_person_frames

    return write_y4m(tmp_path_factory.mktemp("camera") / "person.y4m", list(moving_person_frames(90)))


@pytest.fixture()
def browser_page(chromium_path, fake_camera):
    """A Playwright page in headless Chromium whose camera streams the fake clip."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(exist_ok=True)
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
        page = context.new_page()
        page.set_default_timeout(60_000)
        yield page
        context.close()
        browser.close()
