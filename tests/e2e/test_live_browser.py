"""The Live page in a real browser: a fake camera over WebRTC, and the OpenCV source with a video file."""

from __future__ import annotations

import re
import time

from conftest import write_video

from pose.measure.samples import moving_person_frames

from .conftest import ARTIFACTS

WEBRTC_IFRAME = 'iframe[title="streamlit_webrtc.component.webrtc_streamer"]'


def _metric(page, label: str) -> float | None:
    """The number a st.metric with ``label`` shows, or None."""
    text = page.inner_text("body")
    found = re.search(rf"{re.escape(label)}\s*\n\s*([0-9]+(?:\.[0-9]+)?)", text)
    return float(found.group(1)) if found else None


def _wait_for(predicate, timeout_s: float, interval_s: float = 0.5):
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval_s)
    return predicate()


def test_browser_camera_streams_skeletons_with_fps(app_server, browser_page):
    page = browser_page
    page.goto(f"{app_server}/live")
    page.get_by_text("No trained weights for ConvNeXtPose-XS").wait_for()
    page.frame_locator(WEBRTC_IFRAME).get_by_role("button", name="START").click()
    frames = _wait_for(lambda: (_metric(page, "Frames") or 0) >= 20, timeout_s=90)
    assert frames, "the server processed no camera frames"
    fps = _metric(page, "FPS (end to end)")
    assert fps is not None and fps > 0
    assert "No person detected" not in page.inner_text("body")
    # the annotated video plays in the component, and the 3D skeleton is drawn
    video = page.frame_locator(WEBRTC_IFRAME).locator("video")
    assert _wait_for(lambda: video.evaluate("v => v.videoWidth > 0 && v.currentTime > 0"), timeout_s=20)
    page.locator(".js-plotly-plot").first.wait_for()
    page.screenshot(path=str(ARTIFACTS / "live-webrtc.png"), full_page=True)
    print(f"webrtc: {_metric(page, 'Frames'):.0f} frames processed, {fps} FPS, {_metric(page, 'Dropped'):.0f} dropped")
    page.frame_locator(WEBRTC_IFRAME).get_by_role("button", name="STOP").click()


def test_opencv_source_plays_a_video_file(app_server, browser_page, tmp_path):
    clip = write_video(tmp_path / "walk.avi", list(moving_person_frames(60)))
    page = browser_page
    page.goto(f"{app_server}/live")
    page.get_by_text("Stream or video file").click()
    page.get_by_label("Stream URL or video path").fill(str(clip))
    page.get_by_role("button", name="Start").click()
    page.locator("[data-testid='stImage'] img").first.wait_for(timeout=60_000)
    frames = _wait_for(lambda: (_metric(page, "Frames") or 0) >= 20, timeout_s=90)
    assert frames, "no frames from the OpenCV source"
    assert (_metric(page, "FPS (end to end)") or 0) > 0
    page.locator(".js-plotly-plot").first.wait_for()
    page.screenshot(path=str(ARTIFACTS / "live-opencv.png"), full_page=True)


def test_opencv_source_that_does_not_exist(app_server, browser_page, tmp_path):
    page = browser_page
    page.goto(f"{app_server}/live")
    page.get_by_text("Stream or video file").click()
    page.get_by_label("Stream URL or video path").fill(str(tmp_path / "nothing.mp4"))
    page.get_by_role("button", name="Start").click()
    page.get_by_text("cannot open").wait_for()
