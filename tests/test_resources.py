"""The app's shared resources: who counts as local, the estimator table, and unusable checkpoints as
the pages see them (a clear error on the page, never a traceback)."""

from pathlib import Path

import pyarrow as pa
import pytest
import torch
from streamlit.testing.v1 import AppTest

import pose
from ui.resources import LIVE_MAX_FRAMES_ENV, checkpoint_problems, estimator_table, is_local_client

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.mark.parametrize(
    ("ip_address", "headers", "local"),
    [
        (None, {"Host": "localhost:8501"}, True),  # Streamlit gives None for a loopback connection
        (None, {"host": "127.0.0.1:8501"}, True),
        ("127.0.0.1", {"Host": "[::1]:8501"}, True),
        # a server on IPv6 and IPv4 at once sees a visitor of http://127.0.0.1 as an IPv4-mapped address
        ("::ffff:127.0.0.1", {"Host": "127.0.0.1:8501"}, True),
        ("::ffff:203.0.113.7", {"Host": "localhost:8501"}, False),
        (None, {}, True),  # no HTTP connection at all (a script run)
        ("203.0.113.7", {"Host": "localhost:8501"}, False),  # a visitor from elsewhere, whatever Host says
        ("192.168.1.20", {"Host": "192.168.1.5:8501"}, False),  # the LAN
        (None, {"Host": "pose.example.org"}, False),  # a reverse proxy on this machine, Host passed through
        (None, {"Host": "127.0.0.1:8501", "X-Forwarded-For": "203.0.113.7"}, False),  # a proxy that keeps Host
        (None, {"Host": "localhost", "Forwarded": "for=203.0.113.7"}, False),
        (None, {"Host": "localhost.evil.example"}, False),
        ("not an address", {"Host": "localhost"}, False),
    ],
)
def test_who_counts_as_local(ip_address, headers, local):
    assert is_local_client(ip_address, headers) is local


def test_the_estimator_table_converts_to_arrow_with_numbers_as_numbers(tmp_path, monkeypatch):
    monkeypatch.setenv("CONVNEXTPOSE_WEIGHTS", str(tmp_path))
    table = estimator_table()
    pa.Table.from_pandas(table)  # what st.dataframe does; a "–" string among floats made it log a traceback
    for column in ("params (M)", "MPJPE P2 (mm, paper)", "GFLOPs (paper)"):
        assert table[column].dtype.kind == "f", column
    assert table["params (M)"].isna().tolist() == [False] * 4 + [True]  # BlazePose: empty, not a string


@pytest.fixture()
def weights(tmp_path, monkeypatch):
    folder = tmp_path / "weights"
    folder.mkdir()
    monkeypatch.setenv("CONVNEXTPOSE_WEIGHTS", str(folder))
    monkeypatch.setenv("CONVNEXTPOSE_CACHE", str(tmp_path / "cache"))
    return folder


def _s_weights_named_xs(folder: Path) -> Path:
    path = folder / "ConvNeXtPose_XS.pth.tar"
    torch.save({"network": pose.deterministic_state_dict(pose.build_model("S"))}, path)
    return path


def test_unusable_checkpoints_in_the_weights_folder_are_named_with_the_fix(weights):
    (weights / "ConvNeXtPose_M.tar").write_bytes(b"half a download" * 50)
    _s_weights_named_xs(weights)
    problems = checkpoint_problems()
    assert sorted(problems) == ["M", "XS"]
    assert problems["M"].startswith(f"`{weights / 'ConvNeXtPose_M.tar'}` cannot be used: not a PyTorch checkpoint")
    assert "it holds ConvNeXtPose-S weights, not XS" in problems["XS"]
    assert "Upload a ConvNeXtPose-XS checkpoint on the Models page to replace it" in problems["XS"]
    weights_column = estimator_table(problems)["weights"].tolist()
    assert weights_column[:3] == [
        "unusable (ConvNeXtPose_XS.pth.tar): see Models",
        "missing: untrained",
        "unusable (ConvNeXtPose_M.tar): see Models",
    ]


@pytest.fixture()
def app(monkeypatch, weights):
    import streamlit_webrtc.component

    monkeypatch.setattr(streamlit_webrtc.component, "get_this_session_info", lambda: None)
    return AppTest.from_file(APP, default_timeout=120)


@pytest.mark.parametrize(
    ("write", "says"),
    [
        (lambda folder: (folder / "ConvNeXtPose_XS.tar").write_bytes(b"\x00" * 4096), "not a PyTorch checkpoint"),
        (_s_weights_named_xs, "holds ConvNeXtPose-S weights, not XS"),
    ],
    ids=["corrupt", "wrong-variant"],
)
def test_the_live_page_shows_an_unusable_checkpoint_as_an_error(app, weights, write, says):
    write(weights)
    app.run()
    app.switch_page("pages/live.py").run()
    assert not app.exception
    errors = [e.value for e in app.error]
    assert any(e.startswith("Cannot load the model:") and says in e and "Models page" in e for e in errors), errors


def test_the_models_page_flags_unusable_checkpoints(app, weights):
    (weights / "ConvNeXtPose_L.pth").write_bytes(b"\x00" * 4096)
    app.run()
    app.switch_page("pages/models.py").run()
    assert not app.exception
    assert any("ConvNeXtPose_L.pth` cannot be used: not a PyTorch checkpoint" in e.value for e in app.error)
    assert app.dataframe[0].value["weights"].tolist()[3] == "unusable (ConvNeXtPose_L.pth): see Models"


def test_the_live_page_refuses_typed_sources_when_the_host_turned_them_off(app, monkeypatch, tmp_path):
    monkeypatch.setenv("CONVNEXTPOSE_OPEN_SOURCES", "off")
    app.run()
    app.switch_page("pages/live.py").run()
    app.radio(key="live_source").set_value("Stream or video file").run()
    app.text_input[0].input(str(tmp_path / "clip.mp4"))
    app.button[0].click().run()  # the form's Start
    assert not app.exception
    assert any(e.value.startswith("Refused: opening files and stream URLs typed here is turned off") for e in app.error)
    assert not any("Cannot open" in e.value for e in app.error)  # nothing was opened


NOBODY = "No person detected. Step into view; the video keeps playing."


def test_the_live_page_stops_a_looping_file_at_the_host_frame_limit(app, monkeypatch, tmp_path):
    """CONVNEXTPOSE_LIVE_MAX_FRAMES ends a looping source by itself (without it this run would never end)."""
    from conftest import write_video

    from pose.measure.samples import moving_person_frames

    clip = write_video(tmp_path / "walk.avi", list(moving_person_frames(10, (160, 120))))
    monkeypatch.setenv(LIVE_MAX_FRAMES_ENV, "12")
    app.run()
    app.switch_page("pages/live.py").run()
    app.radio(key="live_source").set_value("Stream or video file").run()
    app.text_input[0].input(str(clip))
    app.button[0].click().run()  # the form's Start; "Loop a video file" is on by default
    assert not app.exception
    # (the first detection, on a worker beside the tracking, may come after these few frames: then the page
    # also says nobody is in view, which is what the video shows)
    infos = [i.value for i in app.info]
    assert "Stopped walk.avi after 12 frames, the limit here." in infos
    assert set(infos) <= {"Stopped walk.avi after 12 frames, the limit here.", NOBODY}


def test_a_malformed_frame_limit_is_said_and_ignored(app, monkeypatch, tmp_path):
    monkeypatch.setenv(LIVE_MAX_FRAMES_ENV, "lots")
    app.run()
    app.switch_page("pages/live.py").run()
    app.radio(key="live_source").set_value("Stream or video file").run()
    app.text_input[0].input(str(tmp_path / "missing.mp4"))
    app.button[0].click().run()
    assert not app.exception
    assert any(
        f"{LIVE_MAX_FRAMES_ENV} must be a positive whole number of frames, not 'lots'" in w.value for w in app.warning
    )
    assert any("Cannot open" in e.value for e in app.error)
