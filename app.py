"""ConvNeXtPose Live: the Streamlit entry point.

Run with ``streamlit run app.py``.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st
import torch

import pose
from pose.weights import find_checkpoint, weights_dir


def device_label() -> str:
    """The accelerator the models run on, in words."""
    if torch.cuda.is_available():
        return f"CUDA GPU: {torch.cuda.get_device_name(0)}"
    return "CPU (no CUDA GPU found)"


def home() -> None:
    st.title("ConvNeXtPose Live")
    st.write(
        "Real-time 3D human pose estimation with ConvNeXtPose (Nguyen et al., IEEE Access 2023): "
        "see it on your camera, measure its speed, and compare the XS, S, M and L sizes."
    )
    st.metric("Device", device_label())
    rows = [
        {
            "variant": v.name,
            "params (M)": round(v.params / 1e6, 2),
            "MPJPE P2 (mm, paper)": v.mpjpe_mm,
            "PA-MPJPE P1 (mm, paper)": v.pa_mpjpe_mm,
            "trained weights": "found" if find_checkpoint(v.name) else "missing",
        }
        for v in pose.VARIANTS.values()
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    st.caption(
        f"Trained checkpoints are read from `{weights_dir()}` (set `CONVNEXTPOSE_WEIGHTS` to change it), "
        "named `ConvNeXtPose_<XS|S|M|L>.tar` as in the authors' download folder."
    )


st.set_page_config(page_title="ConvNeXtPose Live", page_icon="🏃", layout="wide")
st.navigation([st.Page(home, title="Home", default=True)]).run()
