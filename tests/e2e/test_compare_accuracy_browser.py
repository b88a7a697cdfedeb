"""Compare's measured accuracy on annotated photos in a real browser: a zip of realgt photos (one with 3D
ground truth and its camera) measured by the trained estimators, and a zip with no annotations refused."""

from __future__ import annotations

import zipfile

from pose.measure.annotations import read_annotations

from .conftest import ARTIFACTS, PHOTOS


def test_measured_accuracy_on_an_uploaded_zip(app_server, browser_page, annotated_zip, realgt_dir, tmp_path):
    page = browser_page
    page.goto(f"{app_server}/compare")
    page.get_by_role("heading", name="Compare sizes").wait_for()
    page.get_by_text("Measured accuracy (your annotated photos, or Human3.6M)").click()
    uploader = page.locator("[data-testid='stFileUploader']").filter(has_text="Annotated photos")
    upload = uploader.locator("[data-testid='stFileUploaderDropzoneInput']")

    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("photo.jpg", b"not really")
    upload.set_input_files(str(empty))
    page.get_by_text("These photos cannot be used: no annotations").wait_for()

    every = read_annotations(realgt_dir / "annotations.json")
    partial = tmp_path / "partial.zip"  # every annotation, the two photos only
    with zipfile.ZipFile(partial, "w") as archive:
        archive.write(realgt_dir / "annotations.json", "set/annotations.json")
        for name in PHOTOS:
            archive.write(realgt_dir / name, f"set/{name}")
    upload.set_input_files(str(partial))
    page.get_by_text(f"{len(every) - 2} annotated images are not in the upload").wait_for()

    upload.set_input_files(str(annotated_zip))
    page.get_by_text("2 annotated photos, 2 clear people, 1 with 3D ground truth").wait_for()
    page.get_by_text("Left out, untrained").wait_for()  # the test server has no trained ConvNeXtPose weights
    page.get_by_role("button", name="Measure on these photos").click()
    page.get_by_text("Measured on your photos").wait_for(timeout=300_000)
    page.locator("[data-testid='stDataFrame']").first.wait_for()
    line = page.get_by_text("BlazePose (bundled): found").inner_text()
    assert "found 2 of 2 clear people (recall 1.00)" in line, line
    assert "1 in 3D: MPJPE" in line, line
    page.get_by_text("Where it does worst").first.wait_for()  # one estimator measured
    page.screenshot(path=str(ARTIFACTS / "compare-accuracy.png"), full_page=True)
