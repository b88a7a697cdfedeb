"""The Live page in a real browser: a fake camera over WebRTC, and the OpenCV source with a video file,
a file that loops or ends, Stop, and a stream that stalls and then is lost."""

from __future__ import annotations

import re
import socket
import statistics
import threading
import time

import cv2
import numpy as np
from conftest import write_video

from pose.measure.samples import moving_person_frames
from tools.live_page import choose_estimator, choose_skeleton_3d_every
from ui.readouts import SKELETON_3D_OFF, SKELETON_3D_WAITING

from .checks import (
    SCRIPT_IDLE_JS,
    assert_people_read,
    assert_video_plays,
    chart_people,
    in_place_chart_kept,
    mark_in_place_chart,
    metric,
    open_live_source,
    people_drawn,
    rising_counts,
    skeletons,
    wait_for,
    wait_for_images,
    wait_for_skeleton_chart,
    watch_metric,
)
from .conftest import ARTIFACTS

WEBRTC_IFRAME = 'iframe[title="streamlit_webrtc.component.webrtc_streamer"]'
CAMERA_FPS = 30  # the fake camera's clip (conftest.fake_camera) plays at 30 fps
NOT_RUNNING = SKELETON_3D_WAITING  # the placeholder while no camera runs
ENDED = re.compile(r" ended\.$")  # "<source> ended."
LOST = re.compile(r"stopped delivering frames \(the stream went away\?\)\. Press Start again\.$")
STALLED = re.compile(r"^No frames from .* for \d+ seconds: is the source still there\?$")


def _skeleton_changes(page, first, timeout_s: float = 30.0) -> list:
    """Wait until the Live page's 3D skeleton differs from ``first`` (the person moves; the chart follows)."""

    def moved():
        now = skeletons(page)
        if not now or not now[0]:
            return None
        if len(now[0]) != len(first):  # a joint came or went with its confidence
            return now[0]
        return float(np.abs(np.subtract(now[0], first)).max()) > 1.0 and now[0]

    later = wait_for(moved, timeout_s)
    assert later, "the 3D skeleton did not change while the camera ran"
    return later


def _check_fps(page, frames_readings, started, ended) -> list[float]:
    """FPS read several times: within what the camera can deliver, and near the frames counted per second.

    A reading may be 0 (the readout says 0 after 2 s without a frame, which a loaded machine can cause);
    their median may not.
    """
    fps = []
    for _ in range(5):
        fps.append(metric(page, "FPS (end to end)") or 0.0)
        time.sleep(0.5)  # the readouts refresh every 0.5 s
    counted = (frames_readings[-1] - frames_readings[0]) / (ended - started)
    assert all(0 <= f <= CAMERA_FPS * 1.1 for f in fps), f"FPS readings {fps} (camera: {CAMERA_FPS} fps)"
    assert 0 < counted / 4 <= statistics.median(fps) <= counted * 4, f"FPS {fps} vs {counted:.1f} frames/s counted"
    return fps


def _one_person_found(page) -> None:
    """The fake camera's one person: the readout says 1 (at some point; see :func:`assert_people_read`), and
    the 3D chart draws one person."""
    assert_people_read(watch_metric(page, "People in view", lambda people: people == 1, timeout_s=60), 1)
    drawn = wait_for(lambda: [n for n in people_drawn(page) if n] == [1], timeout_s=60)
    assert drawn, f"the 3D chart draws {chart_people(page)} (joints per person)"


def test_browser_camera_streams_skeletons_with_fps(app_server, browser_page):
    page = browser_page
    page.goto(f"{app_server}/live")
    page.get_by_text(NOT_RUNNING).wait_for()
    page.frame_locator(WEBRTC_IFRAME).get_by_role("button", name="START").click()
    assert wait_for(lambda: (metric(page, "Frames") or 0) >= 5, timeout_s=90), "the server processed no frames"
    started = time.time()
    frames = rising_counts(page, "Frames", samples=4)
    fps = _check_fps(page, frames, started, time.time())
    assert "No person detected" not in page.inner_text("body")
    _one_person_found(page)
    # the annotated video plays in the component, and the 3D skeleton is drawn and follows the person
    assert_video_plays(page.frame_locator(WEBRTC_IFRAME).locator("video"))
    (first, *_) = wait_for_skeleton_chart(page)
    mark_in_place_chart(page)
    _skeleton_changes(page, first)
    # the chart was updated, not built anew (a new WebGL context a redraw costs a software-WebGL browser a core)
    assert in_place_chart_kept(page), "the 3D chart was rebuilt instead of updated in place"
    page.screenshot(path=str(ARTIFACTS / "live-webrtc.png"), full_page=True)
    print(f"webrtc: frames {frames}, FPS {fps}, {metric(page, 'Dropped'):.0f} dropped")

    counted = metric(page, "Frames")
    page.frame_locator(WEBRTC_IFRAME).get_by_role("button", name="STOP").click()
    page.get_by_text(NOT_RUNNING).wait_for()  # Stop ends the session's stream; the page says so
    assert metric(page, "Frames") is None
    # started again, it counts afresh (the counts went on from the last run's, its FPS chart across the pause)
    page.frame_locator(WEBRTC_IFRAME).get_by_role("button", name="START").click()
    assert wait_for(lambda: metric(page, "Frames") is not None, timeout_s=90), "no readouts after START again"
    again = metric(page, "Frames")
    assert again < counted, f"the second run read {again} frames at once; the first ended at {counted}"
    page.frame_locator(WEBRTC_IFRAME).get_by_role("button", name="STOP").click()
    page.get_by_text(NOT_RUNNING).wait_for()


def test_the_3d_chart_turned_off_and_on_while_the_camera_plays(app_server, browser_page):
    """The sidebar's "3D chart redraws every": off, the page says so and draws no 3D chart while the person is
    found; back to every second, the chart draws them again, the camera playing all along."""
    page = browser_page
    page.goto(f"{app_server}/live")
    page.get_by_text(NOT_RUNNING).wait_for()
    choose_skeleton_3d_every(page, "off")
    page.frame_locator(WEBRTC_IFRAME).get_by_role("button", name="START").click()
    assert wait_for(lambda: (metric(page, "Frames") or 0) >= 5, timeout_s=90), "the server processed no frames"
    assert_people_read(watch_metric(page, "People in view", lambda people: people == 1, timeout_s=60), 1)
    page.get_by_text(SKELETON_3D_OFF).wait_for()
    assert not chart_people(page), f"the 3D chart is off, yet the page draws {chart_people(page)}"
    page.screenshot(path=str(ARTIFACTS / "live-webrtc-3d-off.png"), full_page=True)

    frames = metric(page, "Frames")
    choose_skeleton_3d_every(page, "1 s")
    drawn = wait_for(lambda: [n for n in people_drawn(page) if n] == [1], timeout_s=60)
    assert drawn, f"the 3D chart is back on, and draws {chart_people(page)} (joints per person)"
    assert wait_for(lambda: (metric(page, "Frames") or 0) > frames, timeout_s=60), "the camera stopped"
    page.frame_locator(WEBRTC_IFRAME).get_by_role("button", name="STOP").click()
    page.get_by_text(NOT_RUNNING).wait_for()


def test_another_estimator_picked_while_the_camera_plays(app_server, browser_page):
    """Picking another estimator while the camera plays swaps the model under the stream: the camera goes on
    playing (no second START), and the frames are the new estimator's, with its untrained-weights banner."""
    page = browser_page
    page.goto(f"{app_server}/live")
    page.get_by_text(NOT_RUNNING).wait_for()
    page.frame_locator(WEBRTC_IFRAME).get_by_role("button", name="START").click()
    assert wait_for(lambda: (metric(page, "Frames") or 0) >= 5, timeout_s=90), "the server processed no frames"
    choose_estimator(page, "XS")
    page.get_by_text("No trained weights for ConvNeXtPose-XS").wait_for()
    assert NOT_RUNNING not in page.inner_text("body"), "the camera stopped with the change"
    frames = metric(page, "Frames")
    assert frames is not None, "the readouts went with the change: the camera stopped"
    assert wait_for(lambda: (metric(page, "Frames") or 0) > frames, timeout_s=90), "no frames after the change"
    page.frame_locator(WEBRTC_IFRAME).get_by_role("button", name="STOP").wait_for()
    assert_video_plays(page.frame_locator(WEBRTC_IFRAME).locator("video"))
    page.screenshot(path=str(ARTIFACTS / "live-webrtc-estimator-changed.png"), full_page=True)
    page.frame_locator(WEBRTC_IFRAME).get_by_role("button", name="STOP").click()
    page.get_by_text(NOT_RUNNING).wait_for()


def test_opencv_source_loops_a_video_file(app_server, browser_page, tmp_path):
    clip = write_video(tmp_path / "walk.avi", list(moving_person_frames(30)))
    page = browser_page
    open_live_source(page, app_server, clip)
    wait_for_images(page, 1)  # the annotated frame, with real pixels
    first = wait_for_skeleton_chart(page)[0]
    _skeleton_changes(page, first)
    _one_person_found(page)
    started = time.time()
    frames = rising_counts(page, "Frames", samples=3)
    _check_fps(page, frames, started, time.time())
    # every processed frame is a new source frame: past 30, the 30-frame file started over
    assert wait_for(lambda: (metric(page, "Frames") or 0) > 30, timeout_s=120), "the file did not loop"
    page.screenshot(path=str(ARTIFACTS / "live-opencv.png"), full_page=True)


def test_opencv_source_without_loop_ends_with_the_file(app_server, browser_page, tmp_path):
    clip = write_video(tmp_path / "walk.avi", list(moving_person_frames(20)))
    page = browser_page
    open_live_source(page, app_server, clip, loop=False)
    page.get_by_text(ENDED).wait_for(timeout=120_000)
    frames = wait_for(lambda: metric(page, "Frames"), timeout_s=30)  # the final readouts follow the message
    assert frames and 1 <= frames <= 20, f"{frames} frames from a 20-frame file"
    wait_for_images(page, 1)  # the last frame stays on screen


def test_stop_ends_the_opencv_source(app_server, browser_page, tmp_path):
    clip = write_video(tmp_path / "walk.avi", list(moving_person_frames(60, (320, 240))))
    page = browser_page
    open_live_source(page, app_server, clip)
    wait_for_images(page, 1)
    assert wait_for(lambda: (metric(page, "Frames") or 0) >= 3, timeout_s=60)
    state = page.locator("[data-testid='stApp']").get_attribute("data-test-script-state")
    assert state == "running", f"the loop is not running before Stop (script state {state})"
    page.get_by_role("button", name="Stop").click()
    page.locator("[data-testid='stImage']").wait_for(state="detached", timeout=30_000)
    page.wait_for_function(SCRIPT_IDLE_JS, timeout=60_000)  # the loop no longer runs: the script has ended ...
    assert metric(page, "Frames") is None  # ... leaving no readouts and no frame
    assert page.locator("[data-testid='stImage']").count() == 0


def _stalling_stream(frames, stall_after: int, resume: threading.Event) -> tuple[str, threading.Thread]:
    """An HTTP stream of ``frames`` (y4m) on 127.0.0.1 that goes silent (the connection open) after
    ``stall_after`` frames until ``resume`` is set, sends the rest, then drops the connection mid-stream:
    a network stream that stalls, comes back, then is lost."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(120)
    height, width = frames[0].shape[:2]

    def serve():
        with server, server.accept()[0] as conn:
            conn.recv(65536)  # the request
            conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: video/x-yuv4mpeg\r\n\r\n")
            conn.sendall(f"YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\n".encode())
            for i, frame in enumerate(frames):
                if i == stall_after:
                    resume.wait(timeout=300)  # a test that never resumes: the app has long called the stream lost
                conn.sendall(b"FRAME\n" + cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420).tobytes())
                time.sleep(1 / 30)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{server.getsockname()[1]}/live.y4m", thread


def test_a_stream_that_stalls_comes_back_then_is_lost(app_server, browser_page):
    """The stall lasts until the test has seen the page say so (after 3 s without a frame; the stream
    counts as lost only after READ_TIMEOUT_S, 30 s, of silence), so no timing decides what the test sees."""
    resume = threading.Event()
    url, server = _stalling_stream(list(moving_person_frames(60, (320, 240))), stall_after=30, resume=resume)
    page = browser_page
    open_live_source(page, app_server, url)
    try:
        page.get_by_text(STALLED).wait_for(timeout=120_000)
        stalled_at = metric(page, "Frames") or 0
        assert 1 <= stalled_at <= 30, f"{stalled_at} frames before the stall (30 sent)"
    finally:
        resume.set()
    # it comes back: frames count on past the stall; then the connection drops and the page says so
    assert wait_for(lambda: (metric(page, "Frames") or 0) > stalled_at, timeout_s=60), "no frames after the stall"
    page.get_by_text(LOST).wait_for(timeout=90_000)
    frames = wait_for(lambda: metric(page, "Frames"), timeout_s=30)
    assert frames and stalled_at < frames <= 60, f"{frames} frames (stalled at {stalled_at}) of 60 sent"
    wait_for_images(page, 1)  # the last frame stays on screen
    server.join(timeout=30)


def test_opencv_source_that_does_not_exist(app_server, browser_page, tmp_path):
    page = browser_page
    open_live_source(page, app_server, tmp_path / "nothing.mp4")
    page.get_by_text("cannot open").wait_for()
