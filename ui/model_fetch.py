"""The Models page's fetch, upload and choice of models: the same library calls as ``python -m pose.fetch``.

Nothing is fetched unless a person presses a button. Each piece reports with ``st.success`` / ``st.error``
in the page's own words, and leaves what it kept for the next run through ``st.session_state``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import streamlit as st

import pose
from pose.detect import BUNDLED_DETECTOR, DETECTOR_ENV, describe_detector, detector_setting
from pose.detect.catalog import DETECTORS, fetched_names, fetched_record, kept_as
from pose.fetch import (
    FetchError,
    SourceUnreachable,
    fetch_detector,
    fetch_weights,
    keep_detector,
    where_to_get,
    where_to_get_detector,
)

__all__ = [
    "SAVED_KEY",
    "fetch_weights_form",
    "use_as_held",
    "upload_checkpoint",
    "detector_table",
    "fetch_detector_form",
    "upload_detector",
    "choose_detector",
]

SAVED_KEY = "models_saved"  # a success message shown once, after the rerun that shows what changed


def _progress_bar(label: str) -> Callable[[int, int | None], None]:
    bar = st.progress(0.0, text=label)

    def update(done: int, total: int | None) -> None:
        if total:
            bar.progress(min(1.0, done / total), text=f"{label}: {done / 2**20:,.1f} of {total / 2**20:,.1f} MB")
        else:
            bar.progress(0.0, text=f"{label}: {done / 2**20:,.1f} MB")

    return update


def _saved(message: str) -> None:
    st.session_state[SAVED_KEY] = message
    st.rerun()


def fetch_weights_form() -> None:
    """Sizes to fetch from the authors' folder, or one file from a source; a button; a progress bar."""
    with st.form("fetch-weights"):
        sizes = st.multiselect("Sizes", list(pose.VARIANTS), default=list(pose.VARIANTS))
        source = st.text_input(
            "Checkpoint source (optional)",
            placeholder="a URL or a path of one checkpoint file; empty: the authors' Google Drive folder",
        ).strip()
        pressed = st.form_submit_button("Fetch checkpoints")
    if not pressed:
        return
    if source and len(sizes) > 1:
        sizes = []  # one file: it is stored as the size it holds
    stored = _fetched(
        lambda: fetch_weights(sizes, source=source or None, progress=_progress_bar("Downloading")),
        lambda: where_to_get(in_app=True),
    )
    if stored is not None:
        _saved("Fetched and checked: " + "; ".join(s.describe() for s in stored))


def _fetched(fetch, where_to_get_it):
    """What ``fetch()`` stored, or None with the reason shown (and, for a source out of reach, where to get the
    files): nothing of a failed fetch is kept."""
    try:
        return fetch()
    except SourceUnreachable as error:
        st.error(f"{error}. Nothing was kept.\n\n{where_to_get_it()}")
    except (FetchError, ValueError) as error:
        st.error(f"{error}. Nothing was kept.")
    return None


def use_as_held(other_size: dict[str, tuple[str, str]]) -> None:
    """A button per file named for one size that holds another: store it as what it holds (never over another
    file of that size without a tick)."""
    for named, (path, held) in other_size.items():
        st.warning(f"`{path}` is named for {named} but holds {pose.variant_title(held)} weights.")
        existing = pose.find_checkpoint(held)
        replace = existing is None or st.checkbox(
            f"Replace `{existing}` (the {held} checkpoint there now)", key=f"use-as-{named}-replace"
        )
        if st.button(f"Use it as {held}", key=f"use-as-{named}", disabled=not replace):
            try:
                _, target = pose.store_as_held(path, replace=True)
            except pose.CheckpointError as error:
                st.error(error.reason)
                return
            _saved(f"Stored as {pose.variant_title(held)}: `{target}`.")


def upload_checkpoint(problems: dict[str, str]) -> None:
    """A checkpoint from this computer: checked by loading, saved as the size it holds (never over another
    usable file of that size without a tick)."""
    uploaded = st.file_uploader(
        "Upload a checkpoint (snapshot_N.pth.tar, ConvNeXtPose_XS.tar, a zip archive holding one, or a state dict)",
    )  # no type filter: read_state_dict judges every file, and says why it refuses one
    if uploaded is None:
        return
    try:
        state = pose.read_state_dict(uploaded)  # an UploadedFile: its name names it in every message
        variant = pose.detect_variant(state).name
    except pose.CheckpointError as exc:
        st.error(f"**{uploaded.name}** was refused: {exc.reason}")
        return
    title = pose.variant_title(variant)
    st.success(f"**{uploaded.name}** is a valid {title} checkpoint ({len(state)} tensors).")
    existing = pose.find_checkpoint(variant)
    replace = True
    if existing is not None and variant not in problems:
        st.warning(f"`{existing}` already holds {title} weights.")
        replace = st.checkbox(f"Replace the existing {variant} checkpoint", key=f"replace-{variant}")
    if st.button(f"Save as {title}", disabled=not replace, type="primary"):
        target = pose.store_checkpoint(state, variant)
        _saved(f"Saved to `{target}`. Every page now runs {title} with it.")


def detector_table() -> pd.DataFrame:
    """One row per detector one may fetch by name, and any other kept: family, input, accuracy, and whether it is
    here (fetched or your file, with its checksum)."""

    def here(name: str) -> str:
        if name not in kept:
            return "-"
        sha = str((kept[name] or {}).get("sha256", ""))
        return f"{kept_as(kept[name])} (sha256 {sha[:12]})" if sha else kept_as(kept[name])

    kept = {name: fetched_record(name) for name in fetched_names()}  # each record read once
    rows = [
        {
            "detector": entry.name,
            "family": entry.family,
            "input (px)": str(entry.input_size),
            "trained on": entry.trained_on,
            "accuracy (published)": entry.accuracy,
            "here": here(entry.name),
        }
        for entry in DETECTORS.values()
    ]
    for name in sorted(set(kept) - set(DETECTORS)):
        record = kept[name] or {}
        rows.append(
            {
                "detector": name,
                "family": record.get("family", "?"),
                "input (px)": str(record.get("input_size", "?")),
                "trained on": "-",
                "accuracy (published)": "-",
                "here": here(name),
            }
        )
    return pd.DataFrame(rows)


def fetch_detector_form() -> None:
    """A detector by name, from its publisher or a source; a button; a progress bar."""
    with st.form("fetch-detector"):
        name = st.selectbox("Detector", list(DETECTORS))
        source = st.text_input(
            "Detector source (optional)", placeholder="a URL or a path of an .onnx (or a zip holding one)"
        ).strip()
        pressed = st.form_submit_button("Fetch detector")
    if not pressed:
        return
    stored = _fetched(
        lambda: fetch_detector(name, source=source or None, progress=_progress_bar("Downloading")),
        lambda: where_to_get_detector(name, in_app=True),
    )
    if stored is not None:
        _saved(f"Fetched and checked: {stored.describe()}. Choose it below to use it.")


def upload_detector() -> None:
    """An ONNX person detector from this computer, checked as ``python -m pose.fetch detector`` checks one."""
    uploaded = st.file_uploader("Upload a person detector (.onnx, or a zip holding one)", key="detector-upload")
    if uploaded is None:
        return
    default = Path(uploaded.name).name.split(".")[0].lower().replace(" ", "-")
    name = st.text_input("Keep it as", value=default, key=f"detector-name-{uploaded.file_id}").strip().lower()
    if not st.button("Check and keep the detector", type="primary"):
        return
    with tempfile.TemporaryDirectory() as folder:
        candidate = Path(folder) / Path(uploaded.name).name
        candidate.write_bytes(uploaded.getvalue())
        try:
            stored = keep_detector(candidate, name, uploaded.name)
        except (FetchError, ValueError) as error:  # the reason names the file
            st.error(f"Refused: {error}")
            return
    _saved(f"Checked and kept: {stored.describe()}. Choose it below to use it.")


def choose_detector() -> None:
    """The one detector setting (``CONVNEXTPOSE_DETECTOR``) for this server: bundled, or a detector kept here."""
    current = detector_setting()
    choices = [BUNDLED_DETECTOR, *fetched_names()]
    if current not in choices:
        choices.append(current)  # a file given by path, or a name not fetched: shown as it is
    chosen = st.radio(
        "Person detector for every page",
        choices,
        index=choices.index(current),
        format_func=lambda spec: describe_detector(spec),
        key="detector-choice",
    )
    if chosen != current:
        os.environ[DETECTOR_ENV] = chosen  # the setting every page, command and library call reads
        _saved(f"Every page now finds people with {describe_detector(chosen)} (from the next start of a page).")
