"""Recording on the Live page in a real browser: the fake camera over WebRTC, Record, Stop recording, and the
BVH downloaded and parsed; a second take ended by stopping the camera keeps its frames too."""

from __future__ import annotations

import re

import numpy as np
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from test_export_bvh import parsed_positions

from pose.skeleton import JOINT_NAMES

from .checks import metric, wait_for
from .conftest import ARTIFACTS

WEBRTC_IFRAME = 'iframe[title="streamlit_webrtc.component.webrtc_streamer"]'
RECORDING = re.compile(r"Recording: (\d+) frames")


def _recorded_frames(page) -> int:
    found = RECORDING.search(page.inner_text("body"))
    return int(found.group(1)) if found else 0


def _record(page, frames: int) -> None:
    page.get_by_role("button", name="Record", exact=True).click()
    assert wait_for(lambda: _recorded_frames(page) >= frames, timeout_s=120), (
        f"the take did not reach {frames} frames: {_recorded_frames(page)}"
    )


def _wait_for_text(page, pattern: str) -> None:
    shown = wait_for(lambda: re.search(pattern, page.inner_text("body")), timeout_s=90)
    if not shown:
        page.screenshot(path=str(ARTIFACTS / "live-recording-failed.png"), full_page=True)
    assert shown, f"{pattern!r} not on the page:\n{page.inner_text('body')[-1500:]}"


def _download_bvh(page, tmp_path, name: str) -> str:
    button = page.get_by_role("button", name="BVH (animation)")
    try:
        button.wait_for(timeout=120_000)
    except PlaywrightTimeout:
        page.screenshot(path=str(ARTIFACTS / f"live-recording-{name}-no-download.png"), full_page=True)
        raise AssertionError(f"no BVH download for {name}:\n{page.inner_text('body')[-1500:]}") from None
    with page.expect_download() as download:
        button.click()
    path = tmp_path / name
    download.value.save_as(path)
    assert download.value.suggested_filename.endswith(".bvh")
    return path.read_text()


def _check_motion(text: str, at_least: int) -> None:
    mocap, positions = parsed_positions(text)
    assert mocap.nframes >= at_least and 1 / 60 <= mocap.frame_time <= 1 / 2, (mocap.nframes, mocap.frame_time)
    joints = np.stack([positions[n] for n in JOINT_NAMES], axis=1)  # (T, 18, 3) mm
    assert np.isfinite(joints).all()
    height = joints[:, :, 1].max(axis=1) - joints[:, :, 1].min(axis=1)  # Y up
    assert np.median(height) > 500, f"a skeleton {np.median(height):.0f} mm tall"
    assert np.ptp(joints[:, JOINT_NAMES.index("L_Wrist")], axis=0).max() > 10, "the motion does not move"


def test_record_stop_and_download_a_bvh_that_parses(app_server, browser_page, tmp_path):
    page = browser_page
    page.goto(f"{app_server}/live")
    page.get_by_text("The 3D skeleton appears here once the camera is running.").wait_for()
    assert page.get_by_role("button", name="Record", exact=True).is_disabled()  # nothing to record yet
    page.frame_locator(WEBRTC_IFRAME).get_by_role("button", name="START").click()
    assert wait_for(lambda: (metric(page, "Frames") or 0) >= 5, timeout_s=90), "the server processed no frames"
    _record(page, 20)
    page.get_by_role("button", name="Stop recording").click()
    _wait_for_text(page, r"Take 1 ended: \d+ frames")
    page.screenshot(path=str(ARTIFACTS / "live-recording.png"), full_page=True)
    _check_motion(_download_bvh(page, tmp_path, "take-1.bvh"), at_least=10)

    _record(page, 10)  # a second take, ended by the stream's end rather than Stop
    page.frame_locator(WEBRTC_IFRAME).get_by_role("button", name="STOP").click()
    _wait_for_text(page, r"Take 2 ended: \d+ frames")
    _check_motion(_download_bvh(page, tmp_path, "take-2.bvh"), at_least=5)
