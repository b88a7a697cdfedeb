"""Models fetched on request (``python -m pose.fetch``), against a loopback HTTP server (127.0.0.1 only).

A checkpoint served is fetched, checked by loading, stored under the size it holds and used by the estimator;
a truncated, cut or wrong file is refused and nothing is left in the cache; a server that is down gives a clear
message and exit status 2. The same for person detectors (the real YOLOX-nano of ../shared/detectors).
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
import torch
from conftest import SHARED, require_shared
from loopback import closed_port, serve

import pose
from pose.detect import create_detector, describe_detector
from pose.detect.catalog import DETECTORS, fetched_names, fetched_path, fetched_record
from pose.fetch import FetchError, SourceUnreachable, fetch_detector, fetch_weights, keep_detector
from pose.fetch.__main__ import main
from pose.fetch.download import sha256_of


@pytest.fixture
def server():
    """Serves ``server.files`` on 127.0.0.1; ``server.url(path)``."""
    with serve() as files:
        yield files


@pytest.fixture(name="closed_port")
def _closed_port() -> int:
    return closed_port()


@pytest.fixture
def weights(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "models"
    monkeypatch.setenv("CONVNEXTPOSE_WEIGHTS", str(folder))
    monkeypatch.delenv("CONVNEXTPOSE_DETECTOR", raising=False)
    return folder


def _checkpoint_bytes(size: str = "XS") -> bytes:
    buffer = io.BytesIO()
    torch.save({"network": pose.deterministic_state_dict(pose.build_model(size))}, buffer)
    return buffer.getvalue()


def _left(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


def test_a_served_checkpoint_is_kept_as_the_size_it_holds_and_used_by_the_estimator(server, weights):
    server.files["/ConvNeXtPose_M.pth"] = _checkpoint_bytes("XS")  # named M, holds XS
    seen = []
    (stored,) = fetch_weights(
        ["M"], source=server.url("/ConvNeXtPose_M.pth"), progress=lambda d, t: seen.append((d, t))
    )
    assert (stored.asked, stored.held) == ("M", "XS")
    assert stored.path == pose.checkpoint_path("XS") and _left(weights) == ["ConvNeXtPose_XS.pth.tar"]
    assert "named M, it holds XS: stored as XS" in stored.describe()
    assert seen[-1][0] == seen[-1][1] == len(server.files["/ConvNeXtPose_M.pth"])  # the progress reached the end
    with pose.PoseEstimator("XS", backend="onnxruntime", device="cpu") as estimator:
        assert estimator.runner.trained and estimator.runner.checkpoint == stored.path


@pytest.mark.parametrize(
    "body, cut, reason",
    [
        (b"<html>Sign in to continue</html>", None, "not a usable ConvNeXtPose checkpoint: not a PyTorch checkpoint"),
        ("checkpoint", 200_000, "was cut short"),
        ("checkpoint", None, "an incomplete ConvNeXtPose-XS"),  # the served file misses a tensor
    ],
)
def test_a_wrong_or_cut_checkpoint_is_refused_and_nothing_is_left(server, weights, body, cut, reason):
    if body == "checkpoint":
        state = pose.deterministic_state_dict(pose.build_model("XS"))
        if cut is None:
            del state["backbone.downsample_layers.0.0.weight"]
        buffer = io.BytesIO()
        torch.save({"network": state}, buffer)
        body = buffer.getvalue()
    server.files["/x.pth"] = body
    if cut:
        server.cut["/x.pth"] = cut
    with pytest.raises(FetchError, match=reason):
        fetch_weights(source=server.url("/x.pth"))
    assert _left(weights) == []  # no checkpoint, no temporary file


def test_the_command_with_the_server_down_says_where_to_get_the_files_and_exits_2(weights, closed_port, capsys):
    assert main(["weights", "XS", "--source", f"http://127.0.0.1:{closed_port}/ConvNeXtPose_XS.tar"]) == 2
    err = capsys.readouterr().err
    assert "cannot reach http://127.0.0.1" in err and "Nothing was kept." in err
    assert "https://drive.google.com/drive/folders/12H7zkLvmJtrkCmAUAPkQ6788WAnO60gI" in err
    assert f"put them in {weights.resolve()}/ as ConvNeXtPose_<XS|S|M|L>.tar" in err
    assert _left(weights) == []


def test_the_command_keeps_a_served_checkpoint(server, weights, capsys):
    server.files["/snapshot_68.pth.tar"] = _checkpoint_bytes("XS")
    assert main(["weights", "--source", server.url("/snapshot_68.pth.tar")]) == 0
    assert "kept ConvNeXtPose-XS -> " in capsys.readouterr().out
    assert pose.find_checkpoint("XS") is not None


def test_a_missing_file_on_the_server_is_said(server, weights):
    with pytest.raises(FetchError, match="answered HTTP 404"):
        fetch_weights(source=server.url("/gone.pth"))
    assert _left(weights) == []


@pytest.fixture(scope="module")
def yolox_bytes() -> bytes:
    return require_shared(SHARED / "detectors" / "yolox_nano.onnx").read_bytes()


def test_a_served_detector_is_kept_with_its_checksum_and_used_by_name(server, weights, yolox_bytes, monkeypatch):
    server.files["/yolox_nano.onnx"] = yolox_bytes
    stored = fetch_detector("yolox-nano", source=server.url("/yolox_nano.onnx"))
    assert stored.path == fetched_path("yolox-nano") and stored.family == "YOLOX (raw)"
    assert stored.sha256 == stored.onnx_sha256 == sha256_of(stored.path)
    record = fetched_record("yolox-nano")
    assert record["sha256"] == stored.sha256 and record["source"] == server.url("/yolox_nano.onnx")
    assert fetched_names() == ["yolox-nano"] and _left(weights) == ["detectors", *_in("yolox-nano")]
    monkeypatch.setenv("CONVNEXTPOSE_DETECTOR", "yolox-nano")  # the one setting: a fetched name
    assert describe_detector() == "yolox-nano (fetched)"
    detector = create_detector().detector  # the ONNX detector inside the tiles
    assert detector.path == stored.path and detector.layout.family == "YOLOX (raw)"


def _in(name: str) -> list[str]:
    return [f"detectors/{name}.json", f"detectors/{name}.onnx"]


def test_a_detector_in_a_zip_as_openmmlab_publishes_them_is_unpacked(server, weights, yolox_bytes):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("yolox/end2end.onnx", yolox_bytes)
        zf.writestr("yolox/deploy.json", json.dumps({"version": "1.0"}))
    server.files["/yolox.zip"] = archive.getvalue()
    stored = fetch_detector("yolox-custom", source=server.url("/yolox.zip"))
    assert stored.sha256 == sha256_of_bytes(archive.getvalue()) != stored.onnx_sha256
    assert stored.path.read_bytes() == yolox_bytes and _left(weights) == ["detectors", *_in("yolox-custom")]


def sha256_of_bytes(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("what", ["cut", "not onnx", "a checkpoint"])
def test_a_wrong_or_cut_detector_is_refused_and_nothing_is_left(server, weights, yolox_bytes, what):
    server.files["/d.onnx"] = {
        "cut": yolox_bytes,
        "not onnx": b"<html>404</html>",
        "a checkpoint": _checkpoint_bytes(),
    }[what]
    if what == "cut":
        server.cut["/d.onnx"] = len(yolox_bytes) // 2
    with pytest.raises(FetchError, match="cut short" if what == "cut" else "not a usable person detector"):
        fetch_detector("d", source=server.url("/d.onnx"))
    assert _left(weights) in ([], ["detectors"])


def test_a_file_that_is_not_a_detector_is_refused_by_its_own_name_in_plain_words(weights, tmp_path):
    """The check reads a hidden temporary copy; the Models page once named that copy and printed ONNX Runtime's
    error code to the person who uploaded my_detector.onnx."""
    given = tmp_path / "my_detector.onnx"
    given.write_text("not a model")
    with pytest.raises(FetchError) as refused:
        keep_detector(given, "mine", given.name)
    message = str(refused.value)
    assert message.startswith("my_detector.onnx is not a usable person detector: it is not a readable ONNX model")
    assert message.count("my_detector.onnx") == 1  # the subject, named once
    assert "INVALID_PROTOBUF" in message and "[ONNXRuntimeError]" not in message and ".onnx." not in message
    assert _left(weights) in ([], ["detectors"])


def test_a_detector_kept_from_a_file_is_yours_and_one_downloaded_is_fetched_on_the_page_and_in_the_setting(
    server, weights, yolox_bytes, tmp_path
):
    from pose.detect.catalog import fetched_record, kept_as
    from ui.model_fetch import detector_table

    given = tmp_path / "mine.onnx"
    given.write_bytes(yolox_bytes)
    keep_detector(given, "mine", str(given))  # uploaded, or fetched with --source PATH
    server.files["/y.onnx"] = yolox_bytes
    fetch_detector("yolox-tiny", source=server.url("/y.onnx"))  # downloaded
    (weights / "detectors" / "by-hand.onnx").write_bytes(yolox_bytes)  # put there by hand: no record
    assert [kept_as(fetched_record(n)) for n in ("mine", "yolox-tiny", "by-hand")] == [
        "your file",
        "fetched",
        "your file",
    ]
    assert describe_detector("mine") == "mine (your file)" and describe_detector("yolox-tiny") == "yolox-tiny (fetched)"
    rows = detector_table().set_index("detector")
    assert rows.loc["mine", "here"].startswith("your file (sha256 ") and rows.loc["mine", "input (px)"] == "416"
    assert rows.loc["yolox-tiny", "here"].startswith("fetched (sha256 ") and rows.loc["rtmdet-s", "here"] == "-"
    assert rows.loc["by-hand", "here"] == "your file" and rows.loc["by-hand", "input (px)"] == "?"
    assert rows.loc["by-hand", "family"] == "?"


def test_the_detector_command_with_the_server_down_exits_2_saying_where_to_get_it(weights, closed_port, capsys):
    assert main(["detector", "rtmdet-nano", "--source", f"http://127.0.0.1:{closed_port}/r.zip"]) == 2
    err = capsys.readouterr().err
    assert "cannot reach" in err and DETECTORS["rtmdet-nano"].url in err and "as rtmdet-nano.onnx" in err
    assert _left(weights) in ([], ["detectors"])


def test_a_detector_not_fetched_yet_is_named_with_how_to_fetch_it(weights, monkeypatch):
    monkeypatch.setenv("CONVNEXTPOSE_DETECTOR", "rtmdet-nano")
    assert describe_detector() == "rtmdet-nano (not fetched yet)"
    with pytest.raises(FileNotFoundError, match="python -m pose.fetch detector rtmdet-nano"):
        create_detector()


def test_a_detector_published_as_pytorch_weights_only_is_said_so(weights):
    with pytest.raises(FetchError, match="PyTorch weights only"):
        fetch_detector("rtmdet-tiny")


def test_the_catalog_names_publishers_urls_and_published_accuracy():
    for entry in DETECTORS.values():
        assert entry.url is None or entry.url.startswith("https://download.openmmlab.com/"), entry
        assert "AP" in entry.accuracy and entry.family.startswith("mmdeploy end2end")
    assert {"rtmdet-nano", "rtmdet-tiny", "rtmdet-s", "rtmdet-m", "yolox-tiny", "yolox-s", "yolox-m"} <= set(DETECTORS)


def test_unreachable_is_a_fetch_error():
    assert issubclass(SourceUnreachable, FetchError)


def test_the_authors_folder_is_listed_and_each_file_kept_as_what_it_holds(server, weights, monkeypatch):
    """The Drive path without the internet: gdown's listing and download stand in, fed from the loopback server.
    As a public fork reports of the authors' folder, the file named M holds another size (XS here, for speed)."""
    import urllib.request

    import gdown

    listing = [
        type("Entry", (), {"id": "id-xs", "path": "ConvNeXtPose/ConvNeXtPose_XS.tar"})(),
        type("Entry", (), {"id": "id-m", "path": "ConvNeXtPose/ConvNeXtPose_M.tar"})(),
        type("Entry", (), {"id": "id-readme", "path": "ConvNeXtPose/README.txt"})(),
    ]
    server.files["/id-xs"] = server.files["/id-m"] = _checkpoint_bytes("XS")
    asked = []

    def download(id, output, **kwargs):  # noqa: A002 (gdown's name)
        asked.append(id)
        with urllib.request.urlopen(server.url(f"/{id}")) as response:
            Path(output).write_bytes(response.read())
        return output

    monkeypatch.setattr(gdown, "download_folder", lambda **kwargs: listing if kwargs.get("skip_download") else None)
    monkeypatch.setattr(gdown, "download", download)
    stored = fetch_weights(["M"])
    assert asked == ["id-m"] and [(s.asked, s.held) for s in stored] == [("M", "XS")]
    assert _left(weights) == ["ConvNeXtPose_XS.pth.tar"]
    with pytest.raises(FetchError, match="has no file named for L"):
        fetch_weights(["L"])


def test_where_to_get_the_files_speaks_to_the_page_or_the_command_line():
    from pose.fetch import where_to_get, where_to_get_detector

    for hint in (where_to_get(in_app=True), where_to_get_detector("yolox-tiny", in_app=True)):
        assert "--source" not in hint and ("upload it below" in hint or "upload them below" in hint)
    assert "--source URL-or-path" in where_to_get() and "--source URL-or-path" in where_to_get_detector("yolox-tiny")
    assert "ConvNeXtPose_<XS|S|M|L>.tar" in where_to_get()  # the authors' names, as the Home and Models pages say
