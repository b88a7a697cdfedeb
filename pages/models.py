"""Models: upload a trained ConvNeXtPose checkpoint; it is checked, then stored in the weights folder."""

from __future__ import annotations

import streamlit as st

import pose
from pose import detect_variant, find_checkpoint, read_state_dict, weights_dir
from ui import require_app_entry
from ui.resources import checkpoint_problems, estimator_columns, estimator_table, weights_help

require_app_entry("models")
st.title("Models")
if saved := st.session_state.pop("models_saved", None):
    st.success(saved)
st.markdown(weights_help(upload_here=True))
problems = checkpoint_problems()
st.dataframe(estimator_table(problems), hide_index=True, column_config=estimator_columns())
for problem in problems.values():
    st.error(problem)

uploaded = st.file_uploader(
    "Upload a checkpoint (snapshot_N.pth.tar, ConvNeXtPose_XS.tar, a zip archive holding one, or a state dict)",
)  # no type filter: read_state_dict judges every file, and says why it refuses one
if uploaded is not None:
    try:
        state = read_state_dict(uploaded)  # an UploadedFile: its name names it in every message
        variant = detect_variant(state).name
    except pose.CheckpointError as exc:
        st.error(f"**{uploaded.name}** was refused: {exc.reason}")
        st.stop()
    st.success(f"**{uploaded.name}** is a valid {pose.variant_title(variant)} checkpoint ({len(state)} tensors).")
    existing = find_checkpoint(variant)
    replace = True
    if existing is not None and variant not in problems:
        st.warning(f"`{existing}` already holds {pose.variant_title(variant)} weights.")
        replace = st.checkbox(f"Replace the existing {variant} checkpoint", key=f"replace-{variant}")
    if st.button(f"Save as {pose.variant_title(variant)}", disabled=not replace, type="primary"):
        target = pose.store_checkpoint(state, variant)
        title = pose.variant_title(variant)
        st.session_state.models_saved = f"Saved to `{target}`. Every page now runs {title} with it."
        st.rerun()  # the table above shows the new weights
else:
    st.caption(f"Weights folder: `{weights_dir().resolve()}`")
