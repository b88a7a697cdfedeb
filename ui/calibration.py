"""The Live page's camera calibration from one person of known height standing at a known distance."""

from __future__ import annotations

import streamlit as st

import pose

from .controls import EstimatorSettings

__all__ = ["calibration_panel"]


def _calibrate(holder, settings: EstimatorSettings, key: str) -> None:
    """Button callback (runs before the widgets): the focal length that puts the largest person in view at
    the given distance goes into the sidebar's focal-length field."""
    processor = holder.get()
    latest = processor.stats().latest if processor is not None else None
    if latest is None or not latest.people:
        st.session_state[f"{key}calibration_note"] = ("error", "Nobody is in view: stand in front of the camera.")
        return
    person = max(latest.people, key=lambda p: float(p.bbox_xywh[2] * p.bbox_xywh[3]))
    used = settings.config.focal(latest.frame_size)[0]
    try:
        focal = pose.calibrate_focal(
            person,
            used,
            st.session_state[f"{key}calibration_height"] * 10.0,
            st.session_state[f"{key}calibration_distance"] * 1000.0,
        )
    except ValueError as exc:
        st.session_state[f"{key}calibration_note"] = ("error", f"Cannot calibrate: {exc}.")
        return
    st.session_state[f"{key}focal"] = round(focal, 1)
    fov = pose.fov_from_focal(focal, latest.frame_size[0])
    st.session_state[f"{key}calibration_note"] = (
        "success",
        f"Focal length {focal:.0f} px (a {fov:.1f}° field of view on {latest.frame_size[0]} px wide frames), "
        "set in the sidebar.",
    )


def calibration_panel(holder, settings: EstimatorSettings, key: str = "live_") -> None:
    """Height and distance inputs and a button that calibrates the focal length from the person in view."""
    with st.expander("Calibrate the camera from a person of known height"):
        st.caption(
            "Stand upright, head to feet in view, at a measured distance from the camera (to the hips, along "
            "its line of sight), then press the button. A height alone cannot give the focal length: it fixes "
            "only the ratio of the distance to it."
        )
        st.number_input("Height (cm)", 50.0, 250.0, 175.0, 1.0, key=f"{key}calibration_height")
        st.number_input("Distance from the camera (m)", 0.5, 20.0, 3.0, 0.1, key=f"{key}calibration_distance")
        st.button(
            "Calibrate from the person in view",
            on_click=_calibrate,
            args=(holder, settings, key),
            key=f"{key}calibrate",
        )
        note = st.session_state.get(f"{key}calibration_note")
        if note:
            getattr(st, note[0])(note[1])
