"""Uploading checkpoints on the Models page, in a real browser; unusable files in the weights folder."""

from __future__ import annotations

import os
import re
from pathlib import Path

import torch
from conftest import CONFORMANCE, require_shared

from .conftest import ARTIFACTS

EXCEPTION = "[data-testid='stException']"


def _upload(page, path):
    uploader = page.get_by_role("region", name="Upload a checkpoint (")  # the page has a detector uploader too
    uploader.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(path))


class _System:
    def __reduce__(self):
        return (os.system, ("echo never run",))


def test_upload_a_bad_file_then_a_real_checkpoint(fresh_app_server, browser_page, tmp_path):
    """It stores weights, so it runs on a server of its own (the shared one must not change)."""
    conformance = require_shared(CONFORMANCE / "snapshot_XS_deterministic.pth.tar")
    page = browser_page
    app_server = fresh_app_server
    page.goto(f"{app_server}/models")
    page.get_by_role("heading", name="Models").wait_for()

    bad = tmp_path / "ConvNeXtPose_L.tar"
    bad.write_bytes(b"definitely not weights" * 100)
    _upload(page, bad)
    page.get_by_text("ConvNeXtPose_L.tar was refused: not a PyTorch checkpoint").wait_for()
    assert "BytesIO" not in page.inner_text("body")

    exploit = tmp_path / "snapshot_68.pth.tar"
    torch.save({"network": {"x": torch.zeros(1)}, "payload": _System()}, exploit)
    _upload(page, exploit)
    refusal = f"snapshot_68.pth.tar was refused: refused: the file wants to run code ({os.system.__module__}.system)"
    page.get_by_text(refusal).wait_for()
    assert page.locator(EXCEPTION).count() == 0

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


def test_an_unusable_checkpoint_in_the_weights_folder(app_server, browser_page):
    page = browser_page
    page.goto(f"{app_server}/models")
    caption = page.get_by_text(re.compile("^Weights folder: ")).inner_text()
    folder = Path(caption.removeprefix("Weights folder: ").strip("` "))
    assert folder.is_dir(), caption
    broken = folder / "ConvNeXtPose_L.pth"
    broken.write_bytes(b"\x00" * 4096)  # half a download
    try:
        page.reload()
        page.get_by_text(f"{broken.resolve()}").first.wait_for()
        body = page.inner_text("body")
        assert "cannot be used: not a PyTorch checkpoint" in body
        assert "Upload a ConvNeXtPose-L checkpoint on the Models page to replace it" in body
        page.get_by_text("unusable (ConvNeXtPose_L.pth): see Models").wait_for(state="attached")
        page.screenshot(path=str(ARTIFACTS / "models-unusable.png"), full_page=True)

        page.goto(f"{app_server}/live")
        page.get_by_role("combobox", name="Estimator").click()
        page.get_by_role("option", name="ConvNeXtPose-L").click()
        page.get_by_text("Cannot load the model: ConvNeXtPose_L.pth: not a PyTorch checkpoint").wait_for()
        assert page.locator(EXCEPTION).count() == 0
    finally:
        broken.unlink()
