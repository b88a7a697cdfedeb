"""The Compare page in a real browser: all five estimators on the generated clip."""

from __future__ import annotations

from videos import write_av

from pose.measure.samples import moving_person_frames

from .conftest import ARTIFACTS


def test_compare_all_five_on_the_sample_clip(app_server, browser_page):
    page = browser_page
    page.goto(f"{app_server}/compare")
    page.get_by_role("heading", name="Compare sizes").wait_for()
    page.get_by_role("button", name="Run the comparison").click()
    page.get_by_role("heading", name="Results").wait_for(timeout=300_000)
    text = page.inner_text("body")
    assert "Untrained: ConvNeXtPose-XS, ConvNeXtPose-S, ConvNeXtPose-M, ConvNeXtPose-L" in text
    page.locator("[data-testid='stDataFrame']").first.wait_for()
    for title in ("Latency per stage", "Speed / accuracy trade-off", "Per-frame latency", "Agreement with"):
        page.get_by_text(title).first.wait_for(state="attached")
    assert page.locator(".js-plotly-plot").count() >= 5
    assert page.locator("[data-testid='stImage']").count() == 5  # the 2D overlays grid
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
