"""The Video page in a real browser: upload, progress, the player, the 3D animation, downloads, a bad file."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from test_export_bvh import parsed_positions
from videos import write_av

from pose.angles import FLEXION
from pose.config import default_estimator
from pose.measure.samples import moving_person_frames

from .checks import assert_video_plays, wait_for_skeleton_chart
from .conftest import ARTIFACTS


def _upload(page, path):
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(path))


def _process(page, app_server, clip, size: str) -> None:
    """On the Video page, upload ``clip``, wait for its probe (``size``, e.g. "640x480") and press Process."""
    page.goto(f"{app_server}/video")
    page.get_by_role("heading", name="Video").wait_for()
    _upload(page, clip)
    page.get_by_text(size).wait_for()
    page.get_by_role("button", name="Process").click()


def test_upload_process_and_results(app_server, browser_page, tmp_path):
    clip = write_av(tmp_path / "workout.mp4", list(moving_person_frames(300)))  # 10 s, 640x480
    page = browser_page
    _process(page, app_server, clip, "640x480")
    page.locator("[data-testid='stProgress']").first.wait_for()
    # while it runs, Process cannot be pressed again (a second press once restarted the job, its work lost)
    expect(page.get_by_role("button", name="Process")).to_be_disabled()
    page.get_by_role("button", name="Keypoints CSV").wait_for(timeout=240_000)
    assert_video_plays(page.locator("video").first)  # the annotated video loads and plays
    wait_for_skeleton_chart(page)  # the 3D animation holds a skeleton
    page.locator(".updatemenu-button").first.wait_for()  # the 3D animation's play/pause
    assert page.locator(".slider-container").count() >= 1  # and its frame slider
    assert "300 frames" in page.inner_text("body")
    # every joint's curve is named where the user can read it (a half-width chart once showed 5 of 8 names)
    names = page.locator(".legendtext").filter(has_text=re.compile("|".join(FLEXION)))
    shown = {names.nth(i).text_content() for i in range(names.count()) if names.nth(i).is_visible()}
    assert shown == set(FLEXION), f"the joint-angle legend shows {sorted(shown)}"
    page.screenshot(path=str(ARTIFACTS / "video-results.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("button", name="Keypoints CSV").click()
    # the page runs the default estimator for the server's (empty) weights folder
    assert download.value.suggested_filename == f"workout-{default_estimator(app_server.weights)}.csv"
    with page.expect_download() as download:  # the person's motion, as a BVH that parses
        page.get_by_role("button", name="BVH (animation)").click()
    assert re.fullmatch(r"workout-.+-person-\d+\.bvh", download.value.suggested_filename)
    download.value.save_as(tmp_path / "person.bvh")
    mocap, positions = parsed_positions((tmp_path / "person.bvh").read_text())
    assert mocap.nframes >= 200 and len(positions) == 18


def test_a_text_file_renamed_mp4_is_refused(app_server, browser_page, tmp_path):
    fake = tmp_path / "holiday.mp4"
    fake.write_text("not a video at all\n" * 100)
    page = browser_page
    page.goto(f"{app_server}/video")
    page.get_by_role("heading", name="Video").wait_for()
    _upload(page, fake)
    page.get_by_text("cannot be used").wait_for()
    assert "not a video file" in page.inner_text("body")


def test_a_clip_with_nobody_says_so_and_still_plays(app_server, browser_page, tmp_path):
    clip = write_av(tmp_path / "empty-room.mp4", list(moving_person_frames(20, (320, 240), absent=(0, 20))))
    page = browser_page
    _process(page, app_server, clip, "320x240")
    page.get_by_text("No person was found in any frame.").wait_for(timeout=240_000)
    page.get_by_text("No 3D skeleton to show: nobody was found.").wait_for()
    text = page.inner_text("body")
    assert "20 frames (0 with a person, 0 people)" in text and "person None" not in text, text
    assert_video_plays(page.locator("video").first)  # the video is still there to check by eye
    assert page.locator("[data-testid='stException']").count() == 0
    page.screenshot(path=str(ARTIFACTS / "video-nobody.png"), full_page=True)
