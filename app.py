"""ConvNeXtPose Live: the Streamlit entry point (``streamlit run app.py``).

Page config, the shared sidebar, and navigation over the pages in ``pages/``.
"""

from __future__ import annotations

import streamlit as st

import pose
from pose.detect import describe_detector
from ui import RETURN_TO, mark_app_entry
from ui.controls import estimator_label
from ui.resources import device_label, estimator_table, weights_help
from ui.tables import shown


def home() -> None:
    st.title("ConvNeXtPose Live")
    st.write(
        "See, measure and compare real-time 3D human pose estimation with ConvNeXtPose "
        "(Nguyen et al., IEEE Access 2023): your camera in, a 2D and 3D skeleton out, with the speed of each size. "
        "The network is the published one, number for number; BlazePose (bundled) shows a real skeleton "
        "on a fresh install."
    )
    st.metric("Device", device_label())
    first = pose.default_estimator()
    st.markdown(
        f"The pages start with **{estimator_label(first)}**: "
        + (
            "the most accurate size with trained weights here."
            if first != pose.BLAZEPOSE
            else "no trained ConvNeXtPose weights were found, and BlazePose is bundled, so it shows a real "
            "skeleton at once. The ConvNeXtPose sizes stay selectable (marked untrained): their speed is real."
        )
        + " Backend `auto` times the backends on the first use of a size and keeps the fastest."
    )
    st.subheader("Estimators")
    st.dataframe(shown(estimator_table()), hide_index=True)
    st.caption(
        "Accuracy: the paper's Human3.6M figures (protocol 2 MPJPE, protocol 1 PA-MPJPE). "
        "A size without trained weights runs deterministic untrained weights: its speed is real, its skeleton is not."
    )
    st.subheader("Trained weights")
    st.markdown(
        weights_help() + " The checkpoints are distributed by the authors from the cloud folder linked in the "
        "[paper's repository](https://github.com/medialab-ku/ConvNeXtPose)."
    )
    st.page_link("pages/live.py", label="Open the live camera", icon=":material/videocam:")


st.set_page_config(page_title="ConvNeXtPose Live", page_icon=":material/directions_run:", layout="wide")
mark_app_entry()
PAGES = [
    st.Page(home, title="Home", icon=":material/home:", default=True),
    st.Page("pages/live.py", title="Live", icon=":material/videocam:"),
    st.Page("pages/coach.py", title="Coach", icon=":material/fitness_center:"),
    st.Page("pages/compare.py", title="Compare", icon=":material/compare:"),
    st.Page("pages/video.py", title="Video", icon=":material/movie:"),
    st.Page("pages/models.py", title="Models", icon=":material/deployed_code:"),
]
navigation = st.navigation(PAGES)
if (wanted := st.query_params.pop(RETURN_TO, None)) is not None:  # see ui.require_app_entry
    st.switch_page(next((p for p in PAGES if p.url_path == wanted), PAGES[0]))
st.sidebar.caption(f"Device: {device_label()}")
st.sidebar.caption(f"Person detector: {describe_detector()}")
navigation.run()
