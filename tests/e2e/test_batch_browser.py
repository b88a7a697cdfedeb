"""The Video page with several files: one batch, per-file progress, every result, a zip of all outputs."""

from __future__ import annotations

import zipfile

from videos import write_av

from pose.measure.samples import moving_person_frames

from .conftest import ARTIFACTS


def test_two_files_give_two_results_and_one_zip(app_server, browser_page, tmp_path):
    frames = list(moving_person_frames(45, (320, 240)))
    clips = [write_av(tmp_path / "squat.mp4", frames[:30]), write_av(tmp_path / "lunge.mp4", frames[15:])]
    page = browser_page
    page.goto(f"{app_server}/video")
    page.get_by_role("heading", name="Video").wait_for()
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files([str(c) for c in clips])
    page.get_by_text("lunge.mp4").first.wait_for()
    page.get_by_role("button", name="Process").click()
    page.get_by_role("button", name="All outputs (zip)").wait_for(timeout=240_000)
    assert page.locator("[data-testid='stException']").count() == 0
    body = page.inner_text("body")
    assert "squat.mp4" in body and "lunge.mp4" in body
    page.get_by_role("button", name="Keypoints CSV").wait_for()
    page.screenshot(path=str(ARTIFACTS / "video-batch.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("button", name="All outputs (zip)").click()
    archive = tmp_path / "all.zip"
    download.value.save_as(archive)
    with zipfile.ZipFile(archive) as zipped:
        names = set(zipped.namelist())
    expected = {
        f"{stem}-BlazePose/{f}"
        for stem in ("squat", "lunge")
        for f in ("annotated.mp4", "keypoints.csv", "keypoints.json", "person-1.bvh", "person-1.trc", "person-1.c3d")
    }  # one person in each clip: one motion file set
    assert names == expected
    # the second file's results are one choice away, and show without an exception
    page.get_by_text("Show the results of").wait_for()
    page.locator("[data-testid='stSelectbox']").last.click()
    page.get_by_role("option", name="lunge.mp4").click()
    names_offered = []
    for _ in range(20):  # the rerun that swaps the results in may still be on its way
        page.get_by_role("button", name="Keypoints CSV").wait_for()
        with page.expect_download() as download:
            page.get_by_role("button", name="Keypoints CSV").click()
        names_offered.append(download.value.suggested_filename)
        if names_offered[-1] == "lunge-BlazePose.csv":
            break
        page.wait_for_timeout(500)
    assert names_offered[-1] == "lunge-BlazePose.csv", names_offered
    assert page.locator("[data-testid='stException']").count() == 0
