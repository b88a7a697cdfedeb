"""The app with the authors' trained ConvNeXtPose-XS (../shared/weights, its stem restored) in a real browser:
the pages a user sees once the checkpoint is in their weights folder. Each opens on XS: on a real two-person
clip as the camera everyone counted is drawn, each a whole skeleton in 3D; Compare measures XS's accuracy on
annotated photos; Video follows both people of the real clip through a file; Coach takes a reference pose from a
real photo; Home and Models name XS as trained, refusing nothing."""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

import pytest

from pose.confidence import SURE

from .checks import (
    MIN_JOINTS,
    SCRIPT_IDLE_JS,
    chart_people,
    metric,
    people_drawn,
    wait_for,
    wait_for_skeleton_chart,
    watch_metric,
)
from .conftest import ARTIFACTS, TRAINED_XS_PHOTOS, clip_camera, start_app, zip_annotated
from .test_live_browser import NOT_RUNNING, WEBRTC_IFRAME

CLIP, PEOPLE = "two_people_courtyard.mp4", 2


@pytest.fixture(scope="module")
def trained_server(trained_weights, model_cache, tmp_path_factory):
    """The app with a weights folder holding the trained XS (a link: the test data stays read-only)."""
    folder = tmp_path_factory.mktemp("trained-weights")
    os.symlink(trained_weights / "ConvNeXtPose_XS.tar", folder / "ConvNeXtPose_XS.tar")
    server = start_app(folder, model_cache, tmp_path_factory.mktemp("trained-server") / "streamlit.log")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def fake_camera(shared_videos, tmp_path_factory):
    return clip_camera(shared_videos / CLIP, tmp_path_factory.mktemp("trained-camera"))


def test_live_draws_everyone_the_trained_xs_counts(trained_server, browser_page):
    page = browser_page
    page.goto(f"{trained_server}/live")
    page.get_by_text(NOT_RUNNING).wait_for()
    body = page.inner_text("body")
    assert "ConvNeXtPose-XS" in body, "the page opens on the trained size"
    assert "No trained weights" not in body
    page.frame_locator(WEBRTC_IFRAME).get_by_role("button", name="START").click()
    assert wait_for(lambda: (metric(page, "Frames") or 0) >= 5, timeout_s=120), "the server processed no frames"
    found = watch_metric(page, "People in view", lambda n: n == PEOPLE, timeout_s=120)
    assert found and found[-1] == PEOPLE, f"people in view read {found[-20:]}; {PEOPLE} in the clip"
    # every person counted is drawn in 3D, each with most of their joints (sure ones only are drawn)
    whole = wait_for(lambda: max(people_drawn(page, MIN_JOINTS), default=0) >= PEOPLE, timeout_s=60)
    page.screenshot(path=str(ARTIFACTS / "live-trained-xs.png"), full_page=True)
    assert whole, f"the 3D chart draws {chart_people(page)} (finite joints per person); {PEOPLE} counted"
    page.frame_locator(WEBRTC_IFRAME).get_by_role("button", name="STOP").click()
    page.get_by_text(NOT_RUNNING).wait_for()


def test_compare_measures_the_trained_xs_on_annotated_photos(trained_server, browser_page, realgt_dir, tmp_path):
    annotated_zip = zip_annotated(realgt_dir, TRAINED_XS_PHOTOS, tmp_path / "photos.zip")
    page = browser_page
    page.goto(f"{trained_server}/compare")
    page.get_by_role("heading", name="Compare sizes").wait_for()
    page.get_by_text("Measured accuracy (your annotated photos, or Human3.6M)").click()
    uploader = page.locator("[data-testid='stFileUploader']").filter(has_text="Annotated photos")
    uploader.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(annotated_zip))
    page.get_by_text("2 annotated photos, 2 clear people, 1 with 3D ground truth").wait_for()
    page.get_by_role("button", name="Measure on these photos").click()
    page.get_by_text("Measured on your photos").wait_for(timeout=300_000)
    page.screenshot(path=str(ARTIFACTS / "compare-trained-xs.png"), full_page=True)
    line = page.get_by_text("ConvNeXtPose-XS: found").inner_text()
    assert "found 2 of 2 clear people (recall 1.00)" in line, line
    assert "1 in 3D: MPJPE" in line, line


def test_video_follows_the_people_of_a_real_clip(trained_server, browser_page, shared_videos, tmp_path):
    page = browser_page
    page.goto(f"{trained_server}/video")
    page.get_by_role("heading", name="Video").wait_for()
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(shared_videos / CLIP))
    page.get_by_text("1080x1920").wait_for()
    page.get_by_role("button", name="Process").click()
    page.get_by_role("button", name="Keypoints CSV").wait_for(timeout=300_000)
    wait_for_skeleton_chart(page)  # the 3D animation holds a skeleton
    page.screenshot(path=str(ARTIFACTS / "video-trained-xs.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("button", name="Keypoints CSV").click()
    assert download.value.suggested_filename == f"{Path(CLIP).stem}-XS.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    ids = {row["person"] for row in rows}
    assert len(ids) == PEOPLE, f"people ids in the CSV: {sorted(ids)}"
    sure = [float(value) >= SURE for row in rows for key, value in row.items() if key.endswith("_confidence")]
    assert sum(sure) / len(sure) > 0.7, "most of a trained skeleton's joints are sure"
    # one choice of person drives the 3D skeleton, the joint angles and the motion files (the animation and the
    # angles once always showed the person seen most, whoever the files were chosen for)
    first = re.search(r"person #(\d+)", page.get_by_text(re.compile(r"Joint flexion .*person #\d+")).inner_text())
    other = next(i for i in sorted(ids) if i != first.group(1))
    page.locator("[data-testid='stSelectbox']").filter(has_text=re.compile(r"^Person")).click()
    page.get_by_role("option", name=re.compile(f"^#{other} on the video")).click()
    page.get_by_text(re.compile(f"Joint flexion .*person #{other}$")).wait_for()
    wait_for_skeleton_chart(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="BVH (animation)").click()
    assert download.value.suggested_filename == f"{Path(CLIP).stem}-XS-person-{other}.bvh"


def test_coach_takes_a_reference_from_a_real_photo(trained_server, browser_page, shared_images):
    page = browser_page
    page.goto(f"{trained_server}/coach")
    page.get_by_role("heading", name="Coach").first.wait_for()
    page.wait_for_function(SCRIPT_IDLE_JS, timeout=120_000)
    uploader = page.locator("[data-testid='stFileUploader']").filter(has_text="Reference photo")
    uploader.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
        str(shared_images / "jump_dark.png")
    )
    page.get_by_text("Reference (3D)").wait_for(timeout=180_000)
    selector = page.locator("[data-testid='stSelectbox']").filter(has_text="Estimator").first
    chosen = selector.locator("input").first.input_value() or selector.inner_text()
    assert "ConvNeXtPose-XS" in chosen and "untrained" not in chosen, chosen
    assert "no trained weights" not in page.inner_text("body").lower()
    wait_for_skeleton_chart(page)
    page.screenshot(path=str(ARTIFACTS / "coach-trained-xs.png"), full_page=True)


def test_home_and_models_pages_name_the_trained_xs(trained_server, browser_page):
    page = browser_page
    page.goto(trained_server)
    page.get_by_role("heading", name="ConvNeXtPose Live").wait_for()
    page.get_by_text("the most accurate size with trained weights here").wait_for()
    assert "no trained ConvNeXtPose weights were found" not in page.inner_text("body")
    page.goto(f"{trained_server}/models")
    page.get_by_role("heading", name="Models", exact=True).wait_for()
    page.wait_for_function(SCRIPT_IDLE_JS, timeout=60_000)
    page.get_by_text("trained (ConvNeXtPose_XS.tar)").wait_for(state="attached")  # a canvas grid cell
    page.screenshot(path=str(ARTIFACTS / "models-trained-xs.png"), full_page=True)
    body = page.inner_text("body")
    for refusal in ("unusable (", "was refused", "an incomplete"):
        assert refusal not in body, f"the Models page refuses something: {refusal!r}"
