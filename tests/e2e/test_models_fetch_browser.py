"""The Models page's fetch buttons, upload and detector choice, in a real browser, against a loopback server.

A checkpoint named for M that holds XS is fetched from 127.0.0.1 and kept as XS; a server that is down is said
with where to get the files; a person detector is fetched by the button, a wrong one uploaded is refused, and
the one chosen shows in the sidebar. Each test stores models, so each has a server of its own.
"""

from __future__ import annotations

import io
import zipfile

import torch
from conftest import SHARED, require_shared
from loopback import closed_port, serve
from playwright.sync_api import expect

import pose

from .conftest import ARTIFACTS


def _xs_checkpoint() -> bytes:
    buffer = io.BytesIO()
    torch.save({"network": pose.deterministic_state_dict(pose.build_model("XS"))}, buffer)
    return buffer.getvalue()


def test_fetch_checkpoints_from_a_source_and_from_a_server_that_is_down(fresh_app_server, browser_page):
    page = browser_page
    with serve() as files:
        files.files["/ConvNeXtPose_M.pth"] = _xs_checkpoint()
        page.goto(f"{fresh_app_server}/models")
        page.get_by_role("heading", name="Fetch the authors' checkpoints").wait_for()

        source = page.get_by_label("Checkpoint source (optional)")
        source.fill(f"http://127.0.0.1:{closed_port()}/ConvNeXtPose_XS.tar")
        page.get_by_role("button", name="Fetch checkpoints").click()
        page.get_by_text("Nothing was kept.").wait_for()
        body = page.inner_text("body")
        assert "cannot reach http://127.0.0.1" in body and "Get the authors' checkpoints from https://drive" in body
        assert not any(fresh_app_server.weights.iterdir())

        source.fill(files.url("/ConvNeXtPose_M.pth"))
        page.get_by_role("button", name="Fetch checkpoints").click()
        page.get_by_text("Fetched and checked: ConvNeXtPose-XS").wait_for()
        assert "named M, it holds XS: stored as XS" in page.inner_text("body")
        page.get_by_text("trained (ConvNeXtPose_XS.pth.tar)").wait_for(state="attached")  # a canvas grid cell
        page.screenshot(path=str(ARTIFACTS / "models-fetch-weights.png"), full_page=True)
    assert sorted(p.name for p in fresh_app_server.weights.iterdir()) == ["ConvNeXtPose_XS.pth.tar"]


def test_fetch_upload_and_choose_a_person_detector(fresh_app_server, browser_page, tmp_path):
    yolox = require_shared(SHARED / "detectors" / "yolox_nano.onnx")
    rtmdet = require_shared(SHARED / "detectors" / "rtmdet_nano_person.onnx")
    sdk = io.BytesIO()  # as OpenMMLab publishes it: a zip of the mmdeploy export and its settings
    with zipfile.ZipFile(sdk, "w") as zf:
        zf.writestr("rtmdet-nano/end2end.onnx", rtmdet.read_bytes())
        zf.writestr("rtmdet-nano/pipeline.json", "{}")
    page = browser_page
    with serve() as files:
        files.files["/rtmdet_nano.zip"] = sdk.getvalue()
        page.goto(f"{fresh_app_server}/models")
        page.get_by_role("heading", name="Person detector").wait_for()
        page.get_by_text("Person detector: bundled (BlazePose)").wait_for()  # the sidebar

        page.get_by_label("Detector source (optional)").fill(files.url("/rtmdet_nano.zip"))
        page.get_by_role("button", name="Fetch detector").click()
        page.get_by_text("Fetched and checked: rtmdet-nano (mmdeploy end2end (RTMDet), 320 px)").wait_for()

    wrong = tmp_path / "not-a-detector.onnx"
    wrong.write_bytes(b"<html>Not Found</html>")
    page.locator("[data-testid='stFileUploaderDropzoneInput']").last.set_input_files(str(wrong))
    page.get_by_role("button", name="Check and keep the detector").click()
    page.get_by_text("Refused: not-a-detector.onnx is not a usable person detector").wait_for()
    text = page.inner_text("body")
    # named as the person named it, in plain words (not the hidden copy the check reads, nor an error code)
    assert "person detector: it is not a readable ONNX model (INVALID_PROTOBUF" in text, text
    assert ".not-a-detector" not in text and "[ONNXRuntimeError]" not in text

    page.locator("[data-testid='stFileUploaderDropzoneInput']").last.set_input_files(str(yolox))
    expect(page.get_by_label("Keep it as")).to_have_value("yolox_nano")  # the field of this file, not the last one's
    page.get_by_label("Keep it as").fill("my-yolox")
    page.get_by_role("button", name="Check and keep the detector").click()
    page.get_by_text("Checked and kept: my-yolox").wait_for()

    page.get_by_test_id("stRadio").get_by_text("my-yolox (your file)").click()  # the one setting, for every page
    page.get_by_text("Person detector: my-yolox (your file)").wait_for()
    page.get_by_test_id("stRadio").get_by_text("rtmdet-nano (fetched)").wait_for()  # downloaded: fetched
    page.screenshot(path=str(ARTIFACTS / "models-detector.png"), full_page=True)
    kept = sorted(p.name for p in (fresh_app_server.weights / "detectors").iterdir())
    assert kept == ["my-yolox.json", "my-yolox.onnx", "rtmdet-nano.json", "rtmdet-nano.onnx"]


def test_a_checkpoint_named_for_another_size_is_offered_as_what_it_holds(fresh_app_server, browser_page):
    (fresh_app_server.weights / "ConvNeXtPose_S.pth.tar").write_bytes(_xs_checkpoint())  # named S, holds XS
    page = browser_page
    page.goto(f"{fresh_app_server}/models")
    page.get_by_text("is named for S but holds ConvNeXtPose-XS weights").wait_for()
    page.get_by_role("button", name="Use it as XS").click()
    page.get_by_text("Stored as ConvNeXtPose-XS").wait_for()
    page.get_by_text("trained (ConvNeXtPose_XS.pth.tar)").wait_for(state="attached")
    assert sorted(p.name for p in fresh_app_server.weights.iterdir()) == ["ConvNeXtPose_XS.pth.tar"]
