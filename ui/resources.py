"""Resources shared by every session: runners (models) cached per variant, backend, device and precision."""

from __future__ import annotations

import ipaddress
import json
import logging
import os
from collections.abc import Mapping
from urllib.parse import urlsplit

import pandas as pd
import streamlit as st

import pose
from pose import Runner, find_checkpoint, weights_dir
from pose.live.capture import OPEN_SOURCES_ENV, SourcePolicy, source_policy

log = logging.getLogger(__name__)

ICE_ENV = "CONVNEXTPOSE_ICE_SERVERS"
LIVE_MAX_FRAMES_ENV = "CONVNEXTPOSE_LIVE_MAX_FRAMES"


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
    return list(_secret("ice_servers") or [])


def live_max_frames() -> int | None:
    """The most frames one run of a Live camera, file or stream processes, from ``$CONVNEXTPOSE_LIVE_MAX_FRAMES``
    (a host's cap on a session's work; the browser tests set it so that a looping file ends by itself).

    None (no limit) where it is unset; a value that is not a positive whole number is said and ignored.
    """
    raw = os.environ.get(LIVE_MAX_FRAMES_ENV, "").strip()
    if not raw:
        return None
    if raw.isdigit() and int(raw) > 0:
        return int(raw)
    st.warning(f"{LIVE_MAX_FRAMES_ENV} must be a positive whole number of frames, not {raw!r}: no limit.")
    return None


def _secret(key: str):
    """``st.secrets[key]``, or None where it, or secrets.toml, is absent or malformed."""
    try:
        return st.secrets.get(key)
    except FileNotFoundError:  # no secrets.toml
        return None
    except Exception as exc:  # a malformed secrets.toml
        log.warning("cannot read st.secrets: %s", exc)
        return None


# Headers a reverse proxy adds: behind one, the connection comes from the proxy, not the visitor.
_FORWARDING_HEADERS = ("forwarded", "x-forwarded-for", "x-forwarded-host", "x-real-ip")


def is_local_client(ip_address: str | None, headers: Mapping[str, str]) -> bool:
    """Whether a browser runs on this computer, from its connection.

    Local means: the connection comes from a loopback address (Streamlit's ``st.context.ip_address``
    is None for one), the browser asked for a loopback host (``localhost:8501``), and no proxy
    forwarded the request. A reverse proxy on the same machine therefore does not make every
    visitor local.

    Args:
        ip_address: ``st.context.ip_address``.
        headers: ``st.context.headers`` (names in any case); empty where there is no HTTP
            connection at all (a script run, AppTest).
    """
    if isinstance(ip_address, str) and not _loopback(ip_address):  # None for loopback (Streamlit's own rule)
        return False
    names = {k.lower(): v for k, v in headers.items()}
    if any(h in names for h in _FORWARDING_HEADERS):
        return False
    if "host" not in names:
        return True
    hostname = urlsplit(f"//{names['host']}").hostname or ""
    return hostname == "localhost" or _loopback(hostname)


def _loopback(address: str) -> bool:
    """Whether ``address`` is a loopback IP, an IPv4 one written as IPv6 too: a server listening on both gets a
    visitor of http://127.0.0.1 as ``::ffff:127.0.0.1``, which Streamlit does not take for loopback."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback


def open_sources_policy() -> SourcePolicy:
    """Which typed files and URLs this visitor's session may open on the server.

    From ``$CONVNEXTPOSE_OPEN_SOURCES`` or ``st.secrets["open_sources"]`` (see
    :func:`pose.live.capture.source_policy` and the README); unset, only a local visitor may.
    A malformed setting allows nothing and says why.
    """
    setting = os.environ.get(OPEN_SOURCES_ENV)
    if setting is None:
        setting = _secret("open_sources")
    local = is_local_client(st.context.ip_address, dict(st.context.headers))
    try:
        return source_policy(setting, local=local)
    except ValueError as exc:
        return SourcePolicy(reason=str(exc))


def _checkpoint_key(variant: str) -> tuple[str, int] | None:
    path = find_checkpoint(variant)
    return (str(path), path.stat().st_mtime_ns) if path else None


@st.cache_resource(max_entries=16, show_spinner="Loading the model (exported once, then cached)...")
def _shared_runner(variant: str, backend: str, device: str, precision: str, checkpoint_key) -> Runner:
    return pose.load_runner(variant, backend, device, precision)


def runner_for(variant: str, backend: str, device: str, precision: str) -> Runner:
    """The runner for these settings, shared by every session; a new checkpoint file loads anew.

    Raises:
        pose.CheckpointError: the weights folder's file for ``variant`` is unusable; the message
            says why and how to fix it.
        ValueError: from :func:`pose.load_runner`.
    """
    try:
        return _shared_runner(variant, backend, device, precision, _checkpoint_key(variant))
    except pose.CheckpointError as exc:
        raise pose.CheckpointError(f"{exc.reason}. {_fix_advice(variant)}", exc.file) from None


def _fix_advice(variant: str) -> str:
    return (
        f"Upload a {pose.variant_title(variant)} checkpoint on the Models page to replace it, or remove it from "
        f"`{weights_dir()}/` to run untrained weights"
    )


@st.cache_data(max_entries=32, show_spinner="Checking the checkpoints in the weights folder...")
def _checkpoint_problem(path: str, variant: str, checkpoint_key) -> tuple[str, str | None] | None:
    """(why ``path`` cannot serve ``variant``, the size it holds where it holds another), or None."""
    try:
        found = pose.detect_variant(pose.read_state_dict(path)).name
    except pose.CheckpointError as exc:
        return exc.reason, None
    return None if found == variant else (f"it holds {pose.variant_title(found)} weights, not {variant}", found)


def checkpoint_problems() -> dict[str, str]:
    """What is wrong with each unusable checkpoint in the weights folder, by variant (read once per file version).

    Returns:
        ``{variant: "`<path>` cannot be used: <reason>. <how to fix it>"}``; empty when all are usable.
    """
    problems = {}
    for name in pose.VARIANTS:
        key = _checkpoint_key(name)
        if key and (problem := _checkpoint_problem(key[0], name, key)):
            problems[name] = f"`{key[0]}` cannot be used: {problem[0]}. {_fix_advice(name)}."
    return problems


def other_size_checkpoints() -> dict[str, tuple[str, str]]:
    """The weights folder's files named for one size that hold another: ``{named size: (path, size held)}``."""
    found = {}
    for name in pose.VARIANTS:
        key = _checkpoint_key(name)
        if key and (problem := _checkpoint_problem(key[0], name, key)) and problem[1]:
            found[name] = (key[0], problem[1])
    return found


def estimator_table(problems: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per estimator: params, the paper's accuracy, and whether trained weights were found.

    Numbers stay numbers (None where the paper is silent), so the table converts to Arrow as it is;
    :func:`ui.tables.shown` shows it.

    Args:
        problems: :func:`checkpoint_problems`, to mark unusable files (the table alone only looks
            for files; it does not read them).
    """
    problems = problems or {}
    rows = []
    for v in pose.VARIANTS.values():
        path = find_checkpoint(v.name)
        if path is None:
            weights = "missing: untrained"
        elif v.name in problems:
            weights = f"unusable ({path.name}): see Models"
        else:
            weights = f"trained ({path.name})"
        rows.append(
            {
                "estimator": pose.variant_title(v.name),
                "params (M)": round(v.params / 1e6, 2),
                "MPJPE P2 (mm, paper)": v.mpjpe_mm,
                "PA-MPJPE P1 (mm, paper)": v.pa_mpjpe_mm,
                "GFLOPs (paper)": v.gflops,
                "weights": weights,
            }
        )
    rows.append({"estimator": "BlazePose (bundled)", "weights": "bundled with mediapipe 0.10.21"})
    return pd.DataFrame(rows, columns=list(rows[0]))


def weights_help(upload_here: bool = False) -> str:
    """Where trained checkpoints go, in a sentence; ``upload_here``: said on the Models page itself."""
    return (
        f"Put the authors' checkpoints in `{weights_dir()}/` as `ConvNeXtPose_<XS|S|M|L>.tar` "
        "(set `CONVNEXTPOSE_WEIGHTS` to use another folder), or upload them "
        + ("below." if upload_here else "on the **Models** page.")
    )
