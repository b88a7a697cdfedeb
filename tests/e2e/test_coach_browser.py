"""The Coach page in a real browser: a reference photo, a fake camera doing jumping jacks with real photos,
the score, hold timer and repetitions live; the CSV export; bad reference files."""

from __future__ import annotations

import csv
import io
import re
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from test_coach import jumping_jack_frames
from videos import write_av

from .checks import SCRIPT_IDLE_JS, wait_for_chart_title
from .conftest import ARTIFACTS, write_y4m

WEBRTC_IFRAME = 'iframe[title="streamlit_webrtc.component.webrtc_streamer"]'


@pytest.fixture(scope="module")
def fake_camera(shared_dir, tmp_path_factory):
    """This module's camera: arms down, then raised like the reference photo, once a second, looping."""
    return write_y4m(tmp_path_factory.mktemp("coach-camera") / "jacks.y4m", jumping_jack_frames(shared_dir / "images"))


def _metric(page, label: str) -> float | None:
    """The number a st.metric with ``label`` shows, or None."""
    found = re.search(rf"{re.escape(label)}\s*\n\s*([0-9]+(?:\.[0-9]+)?)", page.inner_text("body"))
    return float(found.group(1)) if found else None


def _open_coach(page, app_server):
    page.goto(f"{app_server}/coach")
    page.get_by_role("heading", name="Coach").first.wait_for()
    # a file given while the page's first run is still drawing it can be lost (under a CPU hog, once in three
    # runs of the suite the uploader showed no file): upload once the script has finished
    page.wait_for_function(SCRIPT_IDLE_JS, timeout=120_000)
    return page.locator("[data-testid='stFileUploader']").filter(has_text="Reference photo")


def _choose(page, label: str, option: str) -> None:
    page.locator("[data-testid='stSelectbox']").filter(has_text=label).click()
    page.get_by_role("option", name=re.compile(re.escape(option))).click()


def _assert_no_exception(page) -> None:
    assert page.locator("[data-testid='stException']").count() == 0, page.inner_text("body")


def test_coach_scores_times_and_counts_the_camera(app_server, browser_page, shared_dir):
    page = browser_page
    uploader = _open_coach(page, app_server)
    uploader.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
        str(shared_dir / "images" / "jump_dark.png")
    )
    # the photo with its skeleton; the first photo also builds the detector (under a CPU hog on both cores and
    # more jobs beside it, over 60 s once)
    page.get_by_text("Reference", exact=True).wait_for(timeout=180_000)
    page.get_by_text("Reference (3D)").wait_for()
    assert "no trained weights" not in page.inner_text("body")  # BlazePose by default
    _choose(page, "Count repetitions of", "jumping jack")
    page.frame_locator(WEBRTC_IFRAME).get_by_role("button", name="START").click()

    seen = {"score": set(), "hold": set(), "reps": set()}
    deadline = time.time() + 120
    while time.time() < deadline:
        for name, label in (("score", "Score"), ("hold", "Hold (s)"), ("reps", "Repetitions (jumping jack)")):
            value = _metric(page, label)
            if value is not None:
                seen[name].add(value)
        # The readouts redraw a few times a second at most under load: watch until a high score is seen too
        # (a hold proves one happened, but the page may have shown only the lower ones around it).
        if (
            len(seen["score"]) >= 3
            and max(seen["score"], default=0) >= 80
            and max(seen["hold"], default=0) >= 0.5
            and max(seen["reps"], default=0) >= 2
        ):
            break
        time.sleep(0.25)
    print(f"coach readouts seen: {seen}")
    assert len(seen["score"]) >= 3 and max(seen["score"]) >= 80, seen
    assert 0.0 in seen["hold"] and max(seen["hold"]) >= 0.5, seen  # held, and lost again
    assert max(seen["reps"]) >= 2 and min(seen["reps"]) < max(seen["reps"]), seen
    video = page.frame_locator(WEBRTC_IFRAME).locator("video")
    assert video.evaluate("v => v.videoWidth > 0 && v.currentTime > 0")
    wait_for_chart_title(page, "You (blue/orange) and the reference")  # the live chart, updated in place
    page.screenshot(path=str(ARTIFACTS / "coach.png"), full_page=True)
    _assert_no_exception(page)

    # The session is kept after STOP, as a user downloads it once done. Downloading while the camera ran, the
    # browser reported the download "canceled" now and then in full runs of the suite (it passed alone).
    page.frame_locator(WEBRTC_IFRAME).get_by_role("button", name="STOP").click()
    page.get_by_text("Your skeleton, with the reference over it, appears here once the camera is running.").wait_for()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the session (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert len(rows) >= 30 and {"time_s", "score", "hold_s", "repetitions", "left_upper_arm_error_deg"} <= set(rows[0])
    assert max(int(r["repetitions"]) for r in rows) >= 2


def test_bad_reference_files_get_clear_messages(app_server, browser_page, tmp_path):
    page = browser_page
    upload = _open_coach(page, app_server).locator("[data-testid='stFileUploaderDropzoneInput']")
    fake = tmp_path / "pose.png"
    fake.write_text("not an image\n" * 20)
    upload.set_input_files(str(fake))
    page.get_by_text("cannot be used: not an image").wait_for()
    empty_room = tmp_path / "empty.png"
    cv2.imwrite(str(empty_room), np.full((240, 320, 3), 180, np.uint8))
    upload.set_input_files(str(empty_room))
    page.get_by_text("Nobody was found in this image").wait_for()
    _choose(page, "Estimator", "ConvNeXtPose-XS")
    page.get_by_text("has no trained weights").wait_for()
    assert "meaningless" in page.inner_text("body")
    _assert_no_exception(page)


def test_of_several_people_the_reference_is_the_most_whole_and_another_may_be_chosen(
    app_server, browser_page, shared_images
):
    """two_indoors.png: a whole body on the left, a larger close-up cut off by the frame on the right."""
    page = browser_page
    upload = _open_coach(page, app_server).locator("[data-testid='stFileUploaderDropzoneInput']")
    upload.set_input_files(str(shared_images / "two_indoors.png"))
    page.get_by_text("2 people were found: #2, the most wholly in view, is the reference.").wait_for(timeout=180_000)
    page.screenshot(path=str(ARTIFACTS / "coach-two-people.png"), full_page=True)
    _choose(page, "Reference person", "#1")
    page.get_by_text("2 people were found: #1 is the reference.").wait_for()
    _assert_no_exception(page)


def test_reference_from_a_frame_of_a_video(app_server, browser_page, shared_dir, tmp_path):
    clip = write_av(tmp_path / "jacks.mp4", jumping_jack_frames(shared_dir / "images", cycles=1))
    page = browser_page
    _open_coach(page, app_server)
    page.get_by_text("Frame of a video").click()
    uploader = page.locator("[data-testid='stFileUploader']").filter(has_text="Reference video")
    uploader.wait_for()
    page.wait_for_function(SCRIPT_IDLE_JS, timeout=120_000)  # the click's rerun drawn: a file given during it is lost
    uploader.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(clip))
    page.get_by_text("Reference", exact=True).wait_for()  # frame 30 (the slider's start): arms raised
    page.get_by_text("Reference (3D)").wait_for()
    page.get_by_text("Frame", exact=True).wait_for()  # the slider over the video's frames
    assert "Nobody was found" not in page.inner_text("body")
    _assert_no_exception(page)


def test_another_estimator_picked_while_the_camera_plays(app_server, browser_page):
    """Picking another estimator while the camera plays swaps the model under the stream: the untrained-weights
    banner comes above it, and the camera goes on playing (no second START)."""
    page = browser_page
    _open_coach(page, app_server)
    page.frame_locator(WEBRTC_IFRAME).get_by_role("button", name="START").click()
    page.get_by_text(re.compile(r"FPS, \d+ frames dropped, [1-9]\d* rows logged")).wait_for(timeout=90_000)
    _choose(page, "Estimator", "ConvNeXtPose-XS")
    page.get_by_text("has no trained weights").wait_for()
    page.wait_for_function(SCRIPT_IDLE_JS)
    placeholder = "Your skeleton, with the reference over it, appears here once the camera is running."
    assert placeholder not in page.inner_text("body"), "the camera stopped with the change"
    assert page.locator("[data-testid='stMetric']").filter(has_text="Score").count() == 1, "the readouts went"
    video = page.frame_locator(WEBRTC_IFRAME).locator("video")
    played = video.evaluate("v => v.currentTime")
    page.wait_for_function("([v, t]) => v.currentTime > t + 0.3", arg=[video.element_handle(), played])
    page.screenshot(path=str(ARTIFACTS / "coach-estimator-changed.png"), full_page=True)
    _assert_no_exception(page)
    page.frame_locator(WEBRTC_IFRAME).get_by_role("button", name="STOP").click()
    page.get_by_text(placeholder).wait_for()
