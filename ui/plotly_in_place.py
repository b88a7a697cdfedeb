"""A Plotly chart that a page redraws often, updated in place: a Streamlit component that keeps one plotly.js
graph and hands it each new figure with ``Plotly.react``.

``st.plotly_chart`` gives its figure a config with a fresh "Fullscreen" button (a new click function) on every
update; plotly.js takes a changed config for a new chart and builds it anew (``Plotly.newPlot``), and a 3D
chart with it a new WebGL context. Where WebGL runs in software (no GPU, or a headless browser), that costs
the browser about 0.7 of a core per redraw a second (measured on 2 cores, headless Chromium: 0.93 of a core
with ``st.plotly_chart``, 0.22 with this component, the same figure redrawn once a second), which the Live
page's video needs. The Live page's browser camera and the Coach page use it; a chart redrawn in a loop within
one script run (the Live page's local camera and streams) cannot keep one key, and stays a ``st.plotly_chart``.

The component's page (``frontend/plotly_in_place.html``) and plotly.min.js, copied from the installed plotly
package (nothing is downloaded), are put together once per page and plotly version in the project's cache
(:func:`pose.cache_dir`, about 5 MB each; folders of earlier versions are left there). The figure is drawn with
the ``plotly_white`` template: the default template under Streamlit is a placeholder whose colours only
``st.plotly_chart`` fills in.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path

import plotly
import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st
import streamlit.components.v1 as components
from plotly.io.json import to_json_plotly

import pose

log = logging.getLogger(__name__)

__all__ = ["plotly_chart", "component_folder"]

PAGE = Path(__file__).with_name("frontend") / "plotly_in_place.html"
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def component_folder(cache: Path | None = None) -> Path:
    """The folder the component is served from: its page and plotly.min.js, made once per page and plotly
    version under ``cache`` (default :func:`pose.cache_dir`), atomically (a half-made folder is never served).

    Raises:
        FileNotFoundError: the installed plotly package lacks plotly.min.js.
        OSError: the cache cannot hold the folder.
    """
    if not PLOTLY_JS.is_file():
        raise FileNotFoundError(f"{PLOTLY_JS} is missing: the installed plotly package ships it")
    page = PAGE.read_bytes()
    version = f"{plotly.__version__}-{hashlib.sha256(page).hexdigest()[:12]}"
    folder = (cache or pose.cache_dir()) / "components" / f"plotly_in_place-{version}"
    if (folder / "index.html").is_file():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".plotly_in_place-"))
    try:
        shutil.copyfile(PLOTLY_JS, staging / "plotly.min.js")
        (staging / "index.html").write_bytes(page)
        staging.chmod(0o755)  # mkdtemp's 0700 would keep the folder from a server run by another user
        os.replace(staging, folder)
    except OSError:
        if not (folder / "index.html").is_file():  # not another session's folder, made meanwhile
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


@functools.cache
def _white_template() -> dict:
    return pio.templates["plotly_white"].to_plotly_json()


def _figure_json(figure: go.Figure) -> str:
    """``figure`` as JSON with the ``plotly_white`` template (a copy of its dict: the caller's figure is theirs).
    The same JSON as ``go.Figure(figure).update_layout(template="plotly_white").to_json()``, in 1 ms instead of
    14 (a two-person skeleton figure)."""
    spec = figure.to_plotly_json()
    spec["layout"]["template"] = _white_template()
    return to_json_plotly(spec)


@functools.cache
def _component():
    """The declared component, or None where its folder cannot be made (the cache not writable): then, for the
    life of the server process, charts are drawn by ``st.plotly_chart`` (the warning is logged once)."""
    try:
        return components.declare_component("plotly_in_place", path=str(component_folder()))
    except OSError as error:
        log.warning("3D charts are redrawn by st.plotly_chart: the component's folder cannot be made (%s)", error)
        return None


def plotly_chart(figure: go.Figure, key: str, *, config: dict | None = None, in_place: bool = True) -> None:
    """Show ``figure``; with ``in_place``, a later call with the same ``key`` (a later run of the page or
    fragment) updates the same graph, keeping the user's rotation and zoom where the figure's ``uirevision``
    says so. False: ``st.plotly_chart`` (for a chart drawn once, or a loop within one run, each with its own key).

    Only one call per ``key`` per run (as for any element with a key). Where the component's folder cannot be
    made, ``st.plotly_chart`` shows the figure (the same chart, built anew on each update).
    """
    component = _component() if in_place else None
    if component is None:
        st.plotly_chart(figure, key=key, config=config)
    else:
        component(
            figure=_figure_json(figure),
            config=json.dumps(config or {}),
            height=figure.layout.height,
            key=key,
            default=None,
        )
