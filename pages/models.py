"""Models: trained ConvNeXtPose checkpoints and person detectors, fetched on request or uploaded, checked, kept."""

from __future__ import annotations

import streamlit as st

import pose
from pose import weights_dir
from ui import require_app_entry
from ui.model_fetch import (
    SAVED_KEY,
    choose_detector,
    detector_table,
    fetch_detector_form,
    fetch_weights_form,
    upload_checkpoint,
    upload_detector,
    use_as_held,
)
from ui.resources import (
    checkpoint_problems,
    estimator_table,
    other_size_checkpoints,
    weights_help,
)
from ui.tables import shown

require_app_entry("models")
st.title("Models")
if saved := st.session_state.pop(SAVED_KEY, None):
    st.success(saved)
st.markdown(weights_help(upload_here=True))
problems = checkpoint_problems()
st.dataframe(shown(estimator_table(problems)), hide_index=True)
other_size = other_size_checkpoints()
for variant, problem in problems.items():
    if variant not in other_size:
        st.error(problem)
use_as_held(other_size)

st.subheader("Fetch the authors' checkpoints")
st.caption(
    f"From the Google Drive folder the authors link ({pose.variant_title('XS')} to L), or one file from a URL or "
    "path. Each is checked by loading it and kept as the size its tensors hold, whatever its name."
)
fetch_weights_form()

st.subheader("Upload a checkpoint")
upload_checkpoint(problems)
st.caption(f"Weights folder: `{weights_dir().resolve()}`")

st.header("Person detector")
st.caption(
    "The bundled BlazePose finds people offline. The detectors rtmlib's users run can be fetched by name "
    "(`python -m pose.fetch detector NAME` does the same), or upload your own ONNX detector. Another detector's "
    "box counts as a person where BlazePose's landmark model sees one in it, whichever estimator runs: most of "
    "its false boxes are dropped."
)
st.dataframe(shown(detector_table()), hide_index=True)
choose_detector()
fetch_detector_form()
upload_detector()
