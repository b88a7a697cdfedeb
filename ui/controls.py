"""Sidebar controls shared by the pages: which estimator, how to run it, what to draw."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import streamlit as st

import pose
from pose.draw import DrawOptions

from .resources import runner_for

UNTRAINED = "untrained: speed only"
ESTIMATOR_LABEL = "Estimator"  # the selector of one estimator (the lab picks by it: tools/live_page.py)
DEFAULTS = pose.EstimatorConfig()  # every widget starts at the library's default


def _help(name: str) -> str:
    """The help text of an :class:`pose.EstimatorConfig` field."""
    return next(f.metadata["help"] for f in fields(pose.EstimatorConfig) if f.name == name)


@dataclass(frozen=True)
class EstimatorSettings:
    """Which estimators the user chose, and the one config they all run with."""

    estimators: tuple[str, ...]
    config: pose.EstimatorConfig = pose.EstimatorConfig()

    def build(self, name: str, *, static_image_mode: bool = False, live: bool = False) -> pose.PoseEstimator:
        """A new estimator (own tracking state) around the shared runner; ``live``: detection on a worker
        beside the tracking, so a slow detection never stalls the video.

        Raises:
            pose.CheckpointError, ValueError: when the model cannot be loaded.
        """
        config = replace(
            self.config, static_image_mode=static_image_mode, async_detection=live and not static_image_mode
        )
        return pose.PoseEstimator(name, config=config, runner=self.runner(name))

    def runner(self, name: str) -> pose.Runner | None:
        """The shared ConvNeXtPose runner for size ``name`` (None for BlazePose).

        Raises:
            pose.CheckpointError, ValueError: when the model cannot be loaded.
        """
        c = self.config
        return None if name == pose.BLAZEPOSE else runner_for(name, c.backend, c.device, c.precision)


def estimator_label(name: str) -> str:
    return "BlazePose (bundled)" if name == pose.BLAZEPOSE else pose.variant_title(name)


def selector_label(name: str) -> str:
    """The estimator's name as the selector shows it: marked where its weights are untrained."""
    label = estimator_label(name)
    return label if pose.has_trained_weights(name) else f"{label} ({UNTRAINED})"


def estimator_settings(
    *, multiple: bool = False, default: tuple[str, ...] | None = None, key: str = ""
) -> EstimatorSettings:
    """Sidebar widgets for the estimator(s) and how they run.

    Args:
        multiple: let the user pick several estimators.
        default: preselected estimators (default: :func:`pose.default_estimator`, the most accurate
            size with trained weights, else BlazePose).
        key: a prefix that keeps widget state apart between pages.
    """
    default = default or (pose.default_estimator(),)
    sb = st.sidebar
    sb.header("Estimator")
    help_text = "Sizes without trained weights are marked: their speed is real, their skeleton is not."
    if multiple:
        chosen = tuple(
            sb.multiselect(
                "Estimators",
                pose.ESTIMATORS,
                default=list(default),
                format_func=selector_label,
                key=f"{key}estimators",
                help=help_text,
            )
        )
    else:
        chosen = (
            sb.selectbox(
                ESTIMATOR_LABEL,
                pose.ESTIMATORS,
                index=pose.ESTIMATORS.index(default[0]),
                format_func=selector_label,
                key=f"{key}estimator",
                help=help_text,
            ),
        )
    backend = sb.selectbox(
        "Backend",
        pose.BACKENDS,
        format_func=pose.BACKEND_LABELS.get,
        key=f"{key}backend",
        help="ConvNeXtPose only; BlazePose runs MediaPipe's own models in OpenVINO. auto times the backends on "
        "first use of a size here (a few seconds), keeps the fastest and remembers it.",
    )
    devices = [d for d in pose.DEVICES if d != "cuda" or pose.cuda_available()]
    device = sb.selectbox(
        "Device",
        devices,
        key=f"{key}device",
        help="auto takes the CUDA GPU when there is one."
        + ("" if pose.cuda_available() else " No CUDA GPU was found here."),
    )
    precision = sb.selectbox(
        "Precision",
        [p for p in pose.PRECISIONS if p != "fp16" or pose.cuda_available()],
        key=f"{key}precision",
        help="bf16: 2-3x faster on CPUs with AVX-512 BF16 or AMX (OpenVINO), at a small cost in precision; "
        "the Compare page and `python -m pose.bench` measure the deviation. "
        + (
            "This CPU runs bf16 natively."
            if pose.native_bf16()
            else "This CPU has no native bf16 (no AVX-512 BF16 or AMX): auto runs fp32 instead, OpenVINO "
            "refuses, PyTorch emulates it slowly."
        ),
    )
    smoothing = sb.toggle(
        "Smoothing (One-Euro)", value=DEFAULTS.smoothing, key=f"{key}smoothing", help=_help("smoothing")
    )
    max_people = sb.slider("People to follow, at most", 1, 20, DEFAULTS.max_people, key=f"{key}max_people")
    detect_every = sb.slider(
        "Look for new people at least every N frames",
        1,
        60,
        DEFAULTS.detect_every,
        key=f"{key}detect_every",
        help=_help("detect_every") + ". In between, the box follows the keypoints (when confident) or stays put.",
    )
    flip_test = sb.toggle("Flip test (2x inference)", value=DEFAULTS.flip_test, key=f"{key}flip")
    fov = sb.slider(
        "Camera field of view (degrees)",
        30,
        120,
        int(DEFAULTS.fov_deg),
        key=f"{key}fov",
        help="Sets the focal length used for depth and 3D.",
    )
    focal = sb.number_input(
        "Or the focal length (pixels)",
        min_value=0.0,
        max_value=100000.0,
        value=0.0,
        step=10.0,
        key=f"{key}focal",
        help="The camera's focal length in pixels of the frames it sends (0: use the field of view). Depth "
        "scales with it: a camera calibration, or the Live page's calibration from a person of known height.",
    )
    config = replace(
        DEFAULTS, backend=backend, device=device, precision=precision, smoothing=smoothing, max_people=max_people,
        detect_every=detect_every, flip_test=flip_test, fov_deg=float(fov), focal_px=float(focal) or None,
    )  # fmt: skip
    return EstimatorSettings(chosen, config)


def draw_options(key: str = "") -> DrawOptions:
    """Sidebar widgets for what the overlay and the 3D figure show."""
    sb = st.sidebar
    sb.header("Drawing")
    shown = sb.multiselect(
        "Draw", ["skeleton", "joints", "box", "ids"], default=["skeleton", "joints", "ids"], key=f"{key}draw"
    )
    min_confidence = sb.slider(
        "Hide joints less confident than",
        0.0,
        1.0,
        DrawOptions.min_confidence,
        0.05,
        key=f"{key}min_confidence",
        help="A joint's confidence is the chance it is placed right (within 0.1 of the person's size), on one "
        "scale for every estimator. Joints below this are not drawn, in 2D or 3D, nor bones to them; the exports "
        "keep every joint with its confidence. Untrained weights' confidences mean nothing: their every joint is "
        "drawn.",
    )
    return DrawOptions(
        skeleton="skeleton" in shown,
        joints="joints" in shown,
        box="box" in shown,
        min_confidence=float(min_confidence),
        ids="ids" in shown,
    )


def auto_choices(runners) -> list[str]:
    """One line per runner that ``auto`` chose: which backend, and the milliseconds measured."""
    return [
        f"{pose.variant_title(r.variant.name)} on {r.device}, {r.auto.precision}: auto chose {r.auto.describe()}"
        for r in runners
        if r is not None and r.auto is not None
    ]


def warn_if_untrained(estimators) -> None:
    """The notes on the estimators just built: what ``auto`` chose and why, and a banner for untrained weights.

    Always two elements, each filled or left empty: the Live page's loop over a video file never ends its script
    run, so a note written by an earlier run (another estimator's) and not overwritten stayed on the page.
    """
    lines = auto_choices([e.runner for e in estimators])
    if lines:
        st.caption("  \n".join(lines))
    else:
        st.empty()
    untrained = [e.variant for e in estimators if not e.trained]
    if not untrained:
        st.empty()
    else:
        from .resources import weights_help

        st.warning(
            f"**No trained weights for {', '.join('ConvNeXtPose-' + v for v in untrained)}**: the skeleton is "
            "meaningless (deterministic untrained weights), but the speed is real. "
            + weights_help()
            + " BlazePose (bundled) shows a real skeleton on a fresh install.",
            icon="⚠️",
        )
