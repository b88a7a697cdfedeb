"""The Coach page renders without exceptions (Streamlit AppTest); the browser test drives it for real."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pose.coach.exercises import EXERCISES

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture()
def coach(monkeypatch, tmp_path):
    import streamlit_webrtc.component

    monkeypatch.setattr(streamlit_webrtc.component, "get_this_session_info", lambda: None)
    monkeypatch.setenv("CONVNEXTPOSE_WEIGHTS", str(tmp_path))
    monkeypatch.setenv("CONVNEXTPOSE_CACHE", str(tmp_path / "cache"))
    app = AppTest.from_file(APP, default_timeout=120)
    app.run()
    app.switch_page("pages/coach.py").run()
    return app


def test_coach_page_with_bundled_blazepose(coach):
    assert not coach.exception
    assert coach.title[0].value == "Coach"
    assert not coach.warning  # BlazePose by default: a real skeleton
    options = coach.selectbox(key="coach_exercise").options
    assert options == ["(none)", *(f"{name} ({e.hint})" for name, e in EXERCISES.items())]  # one per row
    coach.selectbox(key="coach_exercise").set_value("squat").run()
    coach.toggle(key="coach_mirror").set_value(True).run()
    assert not coach.exception


def test_coach_page_warns_that_an_untrained_score_is_meaningless(coach):
    coach.selectbox(key="coach_estimator").set_value("XS").run()
    assert not coach.exception
    assert "meaningless" in coach.warning[0].value
