"""Resources shared by every session: runners (models) cached per variant, backend, device and precision."""

from __future__ import annotations

import json
import logging
import os

import pandas as pd
import streamlit as st

import pose
from pose import Runner, find_checkpoint, weights_dir

log = logging.getLogger(__name__)

ICE_ENV = "CONVNEXTPOSE_ICE_SERVERS"


def device_label() -> str:
    """The accelerator in words: the CUDA GPU's name, or CPU."""
    if name := pose.gpu_name():
        return f"CUDA GPU: {name}"
    return "CPU (no CUDA GPU found)"


def ice_servers() -> list[dict]:
    """ICE servers for WebRTC, from ``st.secrets["ice_servers"]`` or ``$CONVNEXTPOSE_ICE_SERVERS`` (JSON).

    Empty by default: on localhost or a LAN no STUN/TURN server is needed, and
    nothing reaches out to a public one.
    """
    raw = os.environ.get(ICE_ENV)
    if raw:
        try:
            servers = json.loads(raw)
        except json.JSONDecodeError as exc:
            st.warning(f"{ICE_ENV} is not valid JSON ({exc}); using no ICE servers.")
            return []
        return servers if isinstance(servers, list) else [servers]
    try:
        return list(st.secrets.get("ice_servers", []))
    except FileNotFoundError:  # no secrets.toml
        return []
    except Exception as exc:  # a malformed secrets.toml
        log.warning("cannot read st.secrets: %s", exc)
        return []


def _checkpoint_key(variant: str) -> tuple[str, int] | None:
    path = find_checkpoint(variant)
    return (str(path), path.stat().st_mtime_ns) if path else None


@st.cache_resource(max_entries=16, show_spinner="Loading the model (exported once, then cached)...")
def _shared_runner(variant: str, backend: str, device: str, precision: str, checkpoint_key) -> Runner:
    return pose.load_runner(variant, backend, device, precision)


def runner_for(variant: str, backend: str, device: str, precision: str) -> Runner:
    """The runner for these settings, shared by every session; a new checkpoint file loads anew.

    Raises:
        pose.CheckpointError, ValueError: from :func:`pose.load_runner`.
    """
    return _shared_runner(variant, backend, device, precision, _checkpoint_key(variant))


def estimator_table() -> pd.DataFrame:
    """One row per estimator: params, the paper's accuracy, and whether trained weights were found."""
    found = {name: find_checkpoint(name) for name in pose.VARIANTS}
    rows = [
        {
            "estimator": f"ConvNeXtPose-{v.name}",
            "params (M)": round(v.params / 1e6, 2),
            "MPJPE P2 (mm, paper)": v.mpjpe_mm,
            "PA-MPJPE P1 (mm, paper)": v.pa_mpjpe_mm,
            "GFLOPs (paper)": v.gflops,
            "weights": f"trained ({found[v.name].name})" if found[v.name] else "missing: untrained",
        }
        for v in pose.VARIANTS.values()
    ]
    rows.append(
        {
            "estimator": "BlazePose (bundled)",
            "params (M)": None,
            "MPJPE P2 (mm, paper)": None,
            "PA-MPJPE P1 (mm, paper)": None,
            "GFLOPs (paper)": None,
            "weights": "bundled with mediapipe 0.10.21",
        }
    )
    return pd.DataFrame(rows).astype(object).where(lambda df: df.notna(), "–")  # "–" where the paper is silent


def weights_help() -> str:
    """Where trained checkpoints go, in a sentence."""
    return (
        f"Put the authors' checkpoints in `{weights_dir()}/` as `ConvNeXtPose_<XS|S|M|L>.tar` "
        "(set `CONVNEXTPOSE_WEIGHTS` to use another folder), or upload them on the **Models** page."
    )
