"""Uploading checkpoints on the Models page, in a real browser."""

from __future__ import annotations

import pytest

from .conftest import ARTIFACTS


def _upload(page, path):
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(path))


def test_upload_a_bad_file_then_a_real_checkpoint(app_server, browser_page, tmp_path, request):
    conformance = request.config.rootpath.parent / "shared" / "conformance" / "snapshot_XS_deterministic.pth.tar"
    if not conformance.exists():
        pytest.skip(f"{conformance} is absent (../shared beside the checkout)")
    page = browser_page
    page.goto(f"{app_server}/models")
    page.get_by_role("heading", name="Models").wait_for()

    bad = tmp_path / "ConvNeXtPose_L.tar"
    bad.write_bytes(b"definitely not weights" * 100)
    _upload(page, bad)
    page.get_by_text("was refused").wait_for()
    assert "not a PyTorch checkpoint" in page.inner_text("body")

    _upload(page, conformance)
    page.get_by_text("is a valid ConvNeXtPose-XS checkpoint").wait_for()
    page.get_by_role("button", name="Save as ConvNeXtPose-XS").click()
    page.get_by_text("Saved to").wait_for()
    page.get_by_text("trained (ConvNeXtPose_XS.pth.tar)").wait_for(state="attached")  # a canvas grid cell
    page.screenshot(path=str(ARTIFACTS / "models-upload.png"), full_page=True)

    # a second upload of the same size must not overwrite silently
    _upload(page, conformance)
    page.get_by_text("already holds ConvNeXtPose-XS weights").wait_for()
    assert page.get_by_role("button", name="Save as ConvNeXtPose-XS").is_disabled()
