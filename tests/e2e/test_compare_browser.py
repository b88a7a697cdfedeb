"""The Compare page in a real browser: all five estimators on the generated clip; an uploaded video,
a bad video, and bad and good evaluation-result files."""

from __future__ import annotations

import json

from videos import write_av

from pose.measure.samples import moving_person_frames

from .checks import MIN_JOINTS, wait_for_images, wait_for_skeleton_scenes
from .conftest import ARTIFACTS

ESTIMATORS = 5  # ConvNeXtPose XS, S, M, L and BlazePose: the page's default


def assert_blazepose_skeleton(chart: dict) -> None:
    blazepose = chart[f"scene{ESTIMATORS}"]
    assert len(blazepose) >= MIN_JOINTS, f"BlazePose's 3D scene shows {len(blazepose)} points"


def test_compare_all_five_on_the_sample_clip(app_server, browser_page):
    page = browser_page
    page.goto(f"{app_server}/compare")
    page.get_by_role("heading", name="Compare sizes").wait_for()
    page.get_by_role("button", name="Run the comparison").click()
    page.get_by_role("heading", name="Results").wait_for(timeout=300_000)
    text = page.inner_text("body")
    assert "Untrained: ConvNeXtPose-XS, ConvNeXtPose-S, ConvNeXtPose-M, ConvNeXtPose-L" in text
    page.locator("[data-testid='stDataFrame']").first.wait_for()
    for title in ("Latency per stage", "Speed / accuracy trade-off", "Per-frame latency"):
        page.get_by_text(title).first.wait_for(state="attached")
    # the trade-off chart plots the paper's MPJPE: the estimator it leaves out is named, not silently dropped
    page.get_by_text("Not on this chart: BlazePose (bundled)").wait_for()
    # no size is trained here: no per-joint agreement with an untrained skeleton, and the page says why
    page.get_by_text("No trained ConvNeXtPose size in this run").wait_for()
    assert "Agreement with" not in page.inner_text("body")
    # the same frame's 3D skeleton from every estimator, and its 2D overlay from each; joints under the
    # confidence threshold are left out, so only BlazePose (trained; the last scene) must show a whole skeleton
    assert_blazepose_skeleton(wait_for_skeleton_scenes(page, ESTIMATORS, drawn=1))
    wait_for_images(page, ESTIMATORS)
    page.get_by_role("button", name="Table (CSV)").wait_for()
    page.screenshot(path=str(ARTIFACTS / "compare.png"), full_page=True)


def test_compare_on_an_uploaded_video_and_a_bad_file(app_server, browser_page, tmp_path):
    page = browser_page
    page.goto(f"{app_server}/compare")
    page.get_by_role("heading", name="Compare sizes").wait_for()
    page.get_by_text("Uploaded video").click()
    video_uploader = page.locator("[data-testid='stFileUploader']").filter(has_text="Video")
    video_uploader.wait_for()
    upload = video_uploader.locator("[data-testid='stFileUploaderDropzoneInput']")
    bad = tmp_path / "clip.webm"
    bad.write_text("no video here\n" * 50)
    upload.set_input_files(str(bad))
    page.get_by_text("cannot be used").wait_for()
    assert page.get_by_role("button", name="Run the comparison").is_disabled()

    upload.set_input_files(str(write_av(tmp_path / "walk.mp4", list(moving_person_frames(20, (320, 240))))))
    page.get_by_text("320x240 h264").wait_for()
    page.get_by_role("button", name="Run the comparison").click()
    page.get_by_role("heading", name="Results").wait_for(timeout=300_000)
    assert "20 frames (Uploaded video)" in page.inner_text("body")
    assert_blazepose_skeleton(wait_for_skeleton_scenes(page, ESTIMATORS, drawn=1))
    wait_for_images(page, ESTIMATORS)


def test_evaluation_results_files_bad_and_good(app_server, browser_page, tmp_path):
    page = browser_page
    page.goto(f"{app_server}/compare")
    page.get_by_role("heading", name="Compare sizes").wait_for()
    page.get_by_text("Measured accuracy (your annotated photos, or Human3.6M)").click()
    uploader = page.locator("[data-testid='stFileUploader']").filter(has_text="Evaluation results")
    upload = uploader.locator("[data-testid='stFileUploaderDropzoneInput']")
    not_json = tmp_path / "notes.json"
    not_json.write_text("these are my notes, not JSON")
    wrong_json = tmp_path / "other.json"
    wrong_json.write_text(json.dumps({"model": "XS"}))
    upload.set_input_files([str(not_json), str(wrong_json)])
    page.get_by_text("notes.json is not a pose.evaluate results file").wait_for()
    page.get_by_text("other.json is not a pose.evaluate results file").wait_for()

    good = tmp_path / "xs.json"
    good.write_text(json.dumps({"variant": "XS", "overall": {"samples": 6, "mpjpe_mm": 61.25, "pa_mpjpe_mm": 40.5}}))
    upload.set_input_files(str(good))
    shown = page.locator("[data-testid='stJson']")
    shown.wait_for()
    for _ in range(3):  # shown collapsed: open it level by level
        if shown.locator(".node-ellipsis").count():
            shown.locator(".node-ellipsis").first.click()
    shown.get_by_text("61.25").wait_for()
