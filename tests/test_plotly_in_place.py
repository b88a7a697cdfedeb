"""The in-place Plotly component's folder (ui/plotly_in_place.py); the browser tests see its charts drawn."""

from __future__ import annotations

import json

import plotly.graph_objects as go
import pytest

from pose.model.backends import CACHE_ENV
from ui import plotly_in_place as in_place


def test_the_folder_holds_the_page_and_the_installed_plotly_js_and_is_made_once(tmp_path):
    folder = in_place.component_folder(tmp_path)
    assert (folder / "index.html").read_bytes() == in_place.PAGE.read_bytes()
    assert (folder / "plotly.min.js").read_bytes() == in_place.PLOTLY_JS.read_bytes()
    made = (folder / "plotly.min.js").stat().st_mtime_ns
    assert in_place.component_folder(tmp_path) == folder
    assert (folder / "plotly.min.js").stat().st_mtime_ns == made
    assert sorted(p.name for p in folder.parent.iterdir()) == [folder.name]  # no staging folder left


def test_a_changed_page_gets_a_folder_of_its_own(tmp_path, monkeypatch):
    first = in_place.component_folder(tmp_path)
    changed = tmp_path / "changed.html"
    changed.write_text(in_place.PAGE.read_text() + "<!-- changed -->\n")
    monkeypatch.setattr(in_place, "PAGE", changed)
    second = in_place.component_folder(tmp_path)
    assert second != first and (second / "index.html").read_text().endswith("<!-- changed -->\n")


def test_the_page_speaks_the_component_protocol_and_updates_in_place():
    page = in_place.PAGE.read_text()
    for message in ("streamlit:componentReady", "streamlit:render", "streamlit:setFrameHeight"):
        assert message in page
    assert "Plotly.react(" in page and "newPlot" not in page
    assert '<script src="./plotly.min.js">' in page


def test_a_cache_that_cannot_hold_the_folder_falls_back_to_st_plotly_chart(tmp_path, monkeypatch):
    not_a_folder = tmp_path / "cache"
    not_a_folder.write_text("a file where the cache folder should be\n")
    with pytest.raises(OSError):
        in_place.component_folder(not_a_folder)
    monkeypatch.setenv(CACHE_ENV, str(not_a_folder))
    in_place._component.cache_clear()
    try:
        assert in_place._component() is None  # plotly_chart then draws with st.plotly_chart
    finally:
        in_place._component.cache_clear()


def test_the_figure_goes_with_the_white_template_and_the_callers_figure_is_untouched():
    figure = go.Figure(go.Scatter3d(x=[0, 1], y=[0, 1], z=[0, 1]), layout=dict(title="t", height=420))
    before = figure.to_json()
    sent = json.loads(in_place._figure_json(figure))
    assert sent == json.loads(go.Figure(figure).update_layout(template="plotly_white").to_json())
    assert figure.to_json() == before
