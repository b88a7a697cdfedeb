"""The Live page in a real browser on real footage: a clip of ../shared/videos is the WebRTC camera (whole
bodies with their legs, two people at once, a person small and far away), and the page finds the people in it,
shows as many as the engine finds offline on the same frames, draws each in 3D and keeps a usable frame rate."""

from __future__ import annotations

import statistics
import time

import pytest

from tools.live import run_offline

from .checks import MIN_JOINTS, chart_people, metric, metrics, people_drawn, wait_for, watch_metric
from .conftest import ARTIFACTS, clip_camera
from .test_live_browser import NOT_RUNNING, WEBRTC_IFRAME

# Each camera: the clip, the people in view throughout it (../shared/videos/README.md; checked by eye on its
# frames), and how far the camera is (each frame shrunk by this into a grey frame: tests/videos.py far_away). At a
# quarter, lateral_raise's man is 85 px tall in the 640x360 camera and 43 px where the browser's encoder halves it;
# the engine offline finds him on every one of the 120 frames at 640x360, 480x270 and 320x180.
CAMERAS = {
    "two_people_courtyard": ("two_people_courtyard.mp4", 2, 1.0),
    "lateral_raise": ("lateral_raise.mp4", 1, 1.0),
    "lateral_raise-far": ("lateral_raise.mp4", 1, 0.25),
}
# The end-to-end FPS the page must beat on these clips: safe on a loaded 2-core machine (measured there:
# see the report of the change that set it). Raise it as the page gets faster.
FPS_FLOOR = 1.0
WATCH_S = 12.0  # after the right count shows: about three loops of either clip (3.3 s and 4 s)


@pytest.fixture(params=sorted(CAMERAS))
def fake_camera(request, shared_videos, tmp_path_factory):
    """This module's camera: the first frames of a real clip, from near or far, its file named by its key in
    :data:`CAMERAS` (skipped without ../shared/videos; fails in CI)."""
    clip, _, far = CAMERAS[request.param]
    return clip_camera(shared_videos / clip, tmp_path_factory.mktemp("clip-camera"), far=far, name=request.param)


def test_a_real_clip_as_the_browser_camera(app_server, browser_page, fake_camera):
    _, people, _ = CAMERAS[fake_camera.stem]
    # The engine offline on the camera's own frames, with the app's defaults (the page's server has no weights:
    # BlazePose), detection on each frame that needs it: what the page should show.
    offline = run_offline(fake_camera, "BlazePose", async_detection=False)
    page = browser_page
    page.goto(f"{app_server}/live")
    page.get_by_text(NOT_RUNNING).wait_for()
    page.frame_locator(WEBRTC_IFRAME).get_by_role("button", name="START").click()
    assert wait_for(lambda: (metric(page, "Frames") or 0) >= 5, timeout_s=120), "the server processed no frames"

    # everybody is found at some point within a generous deadline ...
    found = watch_metric(page, "People in view", lambda n: n == people, timeout_s=120)
    assert found and found[-1] == people, f"people in view read {found[-20:]} (the last 20); {people} in the clip"
    # ... drawn in the 3D chart, each a whole skeleton (the clips show whole bodies) ...
    whole = wait_for(lambda: max(people_drawn(page, MIN_JOINTS), default=0) >= people, timeout_s=60)
    assert whole, f"the 3D chart draws {chart_people(page)} (finite joints per person); {people} in the clip"
    # ... and, while the clip loops, nobody is counted or drawn who is not there, at a usable frame rate
    seen, drawn, fps, frames = [], [], [], []
    started = time.time()
    while time.time() < started + WATCH_S or len(seen) < 5:
        shown = metrics(page, "People in view", "FPS (end to end)", "Frames")
        seen.append(shown["People in view"])
        drawn.append(max(people_drawn(page), default=0))
        fps.append(shown["FPS (end to end)"] or 0.0)
        frames.append((time.time(), shown["Frames"] or 0.0))
        time.sleep(0.5)  # the readouts refresh every 0.5 s
    counted = (frames[-1][1] - frames[0][1]) / (frames[-1][0] - frames[0][0])
    page.screenshot(path=str(ARTIFACTS / f"live-{fake_camera.stem}.png"), full_page=True)
    print(f"{fake_camera.stem}: people in view {found} then {seen}, drawn {drawn}, FPS {fps}, {counted:.1f} frames/s")
    # The page shows everyone the engine finds: at the median of its readings, as many people as the engine
    # offline on the same frames (a worker's search starved of a core has shown one where the engine found two).
    readings = [v for v in seen if v is not None]
    assert statistics.median(readings) >= offline.people_median, (
        f"the page showed {seen} people (median {statistics.median(readings)}); offline on the same frames "
        f"{offline.people_median} ({offline.people_per_frame})"
    )
    # Legs taken for one more person (a tile's view of them, a region the worker left on them) are dropped
    # (pose.identity.lower_body_of): none on these clips offline, with detection 0-0.8 s behind. A part of a
    # body (a torso seen alone, 4 of lateral_raise's first 120 frames) may still show for a moment, never often:
    # one reading, or a sixth of them (a loaded machine reads the page only 5-25 times in the window).
    over = [v for v in seen if v is not None and v > people]
    assert len(over) <= max(1, len(seen) // 6), f"people in view read {found} then {seen}"
    assert max(v for v in found + seen if v is not None) <= people + 1, f"people in view read {found} then {seen}"
    drawn_over = sum(d > people for d in drawn)
    assert drawn_over <= max(1, len(drawn) // 6), f"the 3D chart drew {drawn} people; {people} there"
    assert statistics.median(fps) > FPS_FLOOR, f"FPS {fps} (the floor: {FPS_FLOOR}; {counted:.1f} frames/s counted)"
    page.frame_locator(WEBRTC_IFRAME).get_by_role("button", name="STOP").click()
    page.get_by_text(NOT_RUNNING).wait_for()
