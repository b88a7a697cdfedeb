"""The app's pages render without exceptions (Streamlit AppTest).

AppTest has no real session for streamlit-webrtc to find, so its session
lookup is patched; the component itself is exercised in tests/e2e.
"""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture()
def app(monkeypatch, tmp_path):
    import streamlit_webrtc.component

    monkeypatch.setattr(streamlit_webrtc.component, "get_this_session_info", lambda: None)
    monkeypatch.setenv("CONVNEXTPOSE_WEIGHTS", str(tmp_path / "weights"))
    monkeypatch.setenv("CONVNEXTPOSE_CACHE", str(tmp_path / "cache"))
    (tmp_path / "weights").mkdir()
    return AppTest.from_file(APP, default_timeout=120)


def test_home_page_lists_the_five_estimators(app, tmp_path):
    (tmp_path / "weights" / "ConvNeXtPose_S.tar").write_bytes(b"placeholder")
    app.run()
    assert not app.exception
    assert app.title[0].value == "ConvNeXtPose Live"
    table = app.dataframe[0].value
    assert list(table["estimator"]) == [f"ConvNeXtPose-{v}" for v in ["XS", "S", "M", "L"]] + ["BlazePose (bundled)"]
    assert table["weights"].str.startswith("trained").tolist() == [False, True, False, False, False]
    assert "CPU" in app.metric[0].value or "CUDA" in app.metric[0].value


def test_live_page_renders_with_the_untrained_banner(app):
    app.run()
    app.switch_page("pages/live.py").run()
    assert not app.exception
    assert app.title[0].value == "Live"
    assert "No trained weights for ConvNeXtPose-XS" in app.warning[0].value


def test_live_page_opencv_source_reports_a_missing_file(app, tmp_path):
    app.run()
    app.switch_page("pages/live.py").run()
    app.radio(key="live_source").set_value("Stream or video file").run()
    app.text_input[0].input(str(tmp_path / "missing.mp4"))
    app.button[0].click().run()  # the form's Start
    assert not app.exception
    assert any("cannot open" in e.value for e in app.error)


def test_live_page_with_bundled_blazepose_has_no_banner(app):
    app.run()
    app.switch_page("pages/live.py").run()
    app.selectbox(key="live_estimator").set_value("BlazePose").run()
    assert not app.exception
    assert not app.warning


def test_models_page_renders(app):
    app.run()
    app.switch_page("pages/models.py").run()
    assert not app.exception
    assert app.title[0].value == "Models"


def test_video_page_renders(app):
    app.run()
    app.switch_page("pages/video.py").run()
    assert not app.exception
    assert app.title[0].value == "Video"


def test_compare_page_runs_all_five_on_a_short_clip(app):
    app.run()
    app.switch_page("pages/compare.py").run()
    assert not app.exception
    app.slider(key="compare_count").set_value(10).run()
    next(b for b in app.button if b.label == "Run the comparison").click().run()
    assert not app.exception
    table = app.dataframe[0].value
    assert len(table) == 5 and table["trained"].tolist()[:4] == ["NO (untrained)"] * 4
    assert (table["end-to-end FPS"] > 0).all()
    assert any("Untrained" in w.value for w in app.warning)
