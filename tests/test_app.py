"""The app's pages render without exceptions (Streamlit AppTest), and their error paths show messages.

AppTest has no real session for streamlit-webrtc to find, so its session
lookup is patched; the component itself is exercised in tests/e2e.
"""

from pathlib import Path

import pytest
import torch
from streamlit.testing.v1 import AppTest

import pose

APP = str(Path(__file__).resolve().parents[1] / "app.py")
SIZES = ["XS", "S", "M", "L"]


@pytest.fixture()
def weights(tmp_path) -> Path:
    folder = tmp_path / "weights"
    folder.mkdir()
    return folder


@pytest.fixture()
def app(monkeypatch, tmp_path, weights):
    import streamlit_webrtc.component

    monkeypatch.setattr(streamlit_webrtc.component, "get_this_session_info", lambda: None)
    monkeypatch.setenv("CONVNEXTPOSE_WEIGHTS", str(weights))
    monkeypatch.delenv("CONVNEXTPOSE_DETECTOR", raising=False)  # the bundled detector unless a test says otherwise
    monkeypatch.setenv("CONVNEXTPOSE_CACHE", str(tmp_path / "cache"))
    return AppTest.from_file(APP, default_timeout=120)


@pytest.fixture()
def trained_xs(conformance_dir, weights) -> Path:
    """A real XS checkpoint (the conformance snapshot) in the weights folder, under the authors' name."""
    target = weights / "ConvNeXtPose_XS.pth.tar"
    target.symlink_to(conformance_dir / "snapshot_XS_deterministic.pth.tar")
    return target


def _page(app, page: str):
    app.run()
    return app.switch_page(page).run()


def test_home_page_lists_the_five_estimators(app, trained_xs):
    app.run()
    assert not app.exception
    assert app.title[0].value == "ConvNeXtPose Live"
    table = app.dataframe[0].value
    assert list(table["estimator"]) == [pose.variant_title(v) for v in SIZES] + ["BlazePose (bundled)"]
    assert table["weights"].tolist() == ["trained (ConvNeXtPose_XS.pth.tar)"] + ["missing: untrained"] * 3 + [
        "bundled with mediapipe 0.10.21"
    ]
    expected = f"CUDA GPU: {torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else "CPU (no CUDA GPU found)"
    assert app.metric[0].value == expected


def test_live_page_renders_with_the_untrained_banner(app):
    _page(app, "pages/live.py")
    assert not app.exception
    assert app.title[0].value == "Live"
    app.selectbox(key="live_estimator").set_value("XS").run()
    assert not app.exception
    assert any("No trained weights for ConvNeXtPose-XS" in w.value for w in app.warning)


def test_live_page_with_trained_xs_has_no_banner(app, trained_xs):
    _page(app, "pages/live.py")
    assert not app.exception
    assert not [w for w in app.warning if "No trained weights" in w.value]


def test_live_page_with_a_broken_checkpoint_says_so(app, weights):
    (weights / "ConvNeXtPose_S.pth.tar").write_bytes(b"a download that stopped half-way" * 10)
    _page(app, "pages/live.py")
    app.selectbox(key="live_estimator").set_value("S").run()
    assert not app.exception
    assert any("Cannot load the model" in e.value and "ConvNeXtPose_S.pth.tar" in e.value for e in app.error)


def test_live_page_opencv_source_reports_a_missing_file(app, tmp_path):
    _page(app, "pages/live.py")
    app.radio(key="live_source").set_value("Stream or video file").run()
    app.text_input[0].input(str(tmp_path / "missing.mp4"))
    app.button[0].click().run()  # the form's Start
    assert not app.exception
    assert any("Cannot open" in e.value and "missing.mp4" in e.value for e in app.error)


def test_live_page_opencv_source_needs_a_target(app):
    _page(app, "pages/live.py")
    app.radio(key="live_source").set_value("Stream or video file").run()
    app.button[0].click().run()  # Start with nothing entered
    assert not app.exception
    assert [e.value.lower() for e in app.error] == ["enter a stream url or a video file path."]


def test_live_page_with_bundled_blazepose_has_no_banner(app):
    _page(app, "pages/live.py")
    app.selectbox(key="live_estimator").set_value("BlazePose").run()
    assert not app.exception
    assert not app.warning


def test_models_page_renders(app):
    _page(app, "pages/models.py")
    assert not app.exception
    assert app.title[0].value == "Models"


def test_video_page_renders(app):
    _page(app, "pages/video.py")
    assert not app.exception
    assert app.title[0].value == "Video"


def test_compare_page_runs_all_five_on_a_short_clip(app):
    _page(app, "pages/compare.py")
    assert not app.exception
    app.slider(key="compare_count").set_value(10).run()
    next(b for b in app.button if b.label == "Run the comparison").click().run()
    assert not app.exception
    table = app.dataframe[0].value
    frames, measurements, _, _ = app.session_state["compare_run"]
    assert len(frames) == 10 and list(measurements) == [*SIZES, "BlazePose"]
    assert table["trained"].tolist()[:4] == ["NO (untrained)"] * 4
    # the table shows what was measured, per estimator
    assert table["end-to-end FPS"].tolist() == [round(m.e2e_fps, 1) for m in measurements.values()]
    assert all(len(m.total_ms) == 10 for m in measurements.values())
    assert any("Untrained" in w.value for w in app.warning)
    assert any("person detector for every estimator: bundled" in c.value for c in app.caption)


def test_compare_page_with_no_estimator_says_so(app):
    _page(app, "pages/compare.py")
    app.multiselect(key="compare_estimators").set_value([]).run()
    assert not app.exception
    assert any("Choose the estimators" in i.value for i in app.info)


def test_compare_page_with_a_broken_checkpoint_says_so(app, weights):
    (weights / "ConvNeXtPose_XS.pth.tar").write_text("not a checkpoint")
    _page(app, "pages/compare.py")
    app.multiselect(key="compare_estimators").set_value(["XS", "BlazePose"]).run()
    app.slider(key="compare_count").set_value(10).run()
    next(b for b in app.button if b.label == "Run the comparison").click().run()
    assert not app.exception
    assert any(e.value.startswith("Cannot run the comparison") for e in app.error)
    assert "compare_run" not in app.session_state and not app.dataframe  # no stale or partial results


def test_compare_page_evaluation_of_a_missing_folder_says_so(app, trained_xs, tmp_path):
    _page(app, "pages/compare.py")
    app.multiselect(key="compare_estimators").set_value(["XS"]).run()
    app.text_input(key="compare_h36m").input(str(tmp_path / "no-h36m-here")).run()
    next(b for b in app.button if b.label == "Evaluate the trained sizes").click().run()
    assert not app.exception
    assert any("Evaluation of ConvNeXtPose-XS failed" in e.value and "no-h36m-here" in e.value for e in app.error)


def test_compare_page_with_a_missing_plug_in_detector_says_so(app, monkeypatch):
    monkeypatch.setenv("CONVNEXTPOSE_DETECTOR", "/nonexistent/x.onnx")
    _page(app, "pages/compare.py")
    app.multiselect(key="compare_estimators").set_value(["BlazePose"]).run()
    app.slider(key="compare_count").set_value(10).run()
    next(b for b in app.button if b.label == "Run the comparison").click().run()
    assert not app.exception
    assert any("/nonexistent/x.onnx does not exist (CONVNEXTPOSE_DETECTOR=" in e.value for e in app.error)


@pytest.mark.parametrize("every", ["5 s", "off"])
def test_the_live_page_draws_the_3d_chart_at_the_chosen_rate_or_not_at_all(app, monkeypatch, tmp_path, every):
    """The sidebar's "3D chart redraws every": a file played to its end draws the 3D chart (the first frame draws
    it, whatever the rate), or, off, says so and draws none."""
    from conftest import write_video

    from pose.measure.samples import moving_person_frames
    from ui.readouts import SKELETON_3D_OFF

    clip = write_video(tmp_path / "walk.avi", list(moving_person_frames(6, (160, 120))))
    _page(app, "pages/live.py")
    app.select_slider(key="live_skeleton_3d_every").set_value(every).run()
    app.radio(key="live_source").set_value("Stream or video file").run()
    app.text_input[0].input(str(clip))
    app.checkbox[0].uncheck()  # play the file once
    app.button[0].click().run()  # the form's Start
    assert not app.exception
    assert any("walk.avi" in i.value for i in app.info)  # it played to its end
    charts = app.get("plotly_chart")
    captions = [c.value for c in app.caption]
    if every == "off":
        assert not charts and SKELETON_3D_OFF in captions
    else:
        assert charts and SKELETON_3D_OFF not in captions
