"""Drawing for the coach: limbs coloured by their error (OpenCV), the readout banner, and the
reference overlaid on the live skeleton in 3D (Plotly)."""

from __future__ import annotations

import cv2
import numpy as np
import plotly.graph_objects as go

from ..draw import skeleton_figure, to_plot_axes
from .score import LIMBS, PoseScore

__all__ = ["RED_AT_DEG", "error_color_bgr", "draw_limb_errors", "draw_banner", "reference_traces", "comparison_figure"]

RED_AT_DEG = 45.0  # a limb this far off (or further) is drawn fully red
UNSCORED_BGR = (160, 160, 160)
REFERENCE_HEX = "#9b59b6"


def error_color_bgr(error_deg: float, red_at_deg: float = RED_AT_DEG) -> tuple[int, int, int]:
    """Green at 0 degrees, through yellow, to red at ``red_at_deg`` and beyond (BGR)."""
    hue = 60.0 * (1.0 - float(np.clip(error_deg / red_at_deg, 0.0, 1.0)))  # OpenCV hue: 60 green, 0 red
    b, g, r = cv2.cvtColor(np.uint8([[[round(hue), 230, 235]]]), cv2.COLOR_HSV2BGR)[0, 0]
    return int(b), int(g), int(r)


def draw_limb_errors(
    frame_bgr: np.ndarray,
    keypoints_2d: np.ndarray,
    result: PoseScore | None,
    *,
    thickness: int | None = None,
) -> np.ndarray:
    """Draw each limb of :data:`pose.coach.LIMBS` on ``frame_bgr`` in place, coloured by its error; limbs that
    were not scored (low confidence, or no reference) in grey. Returns the frame.

    Args:
        frame_bgr: (H, W, 3) uint8 image.
        keypoints_2d: (18, 2) pixels.
        result: the score whose ``limb_errors_deg`` colour the limbs.
    """
    thickness = thickness or max(3, round(frame_bgr.shape[0] / 160))
    errors = result.limb_errors_deg if result is not None else {}
    points = np.round(np.nan_to_num(np.asarray(keypoints_2d, dtype=np.float64), nan=-1.0)).astype(np.int32)
    for limb in LIMBS:
        a, b = limb.joints
        scored = limb.name in errors
        color = error_color_bgr(errors[limb.name]) if scored else UNSCORED_BGR
        cv2.line(frame_bgr, tuple(points[a]), tuple(points[b]), color, thickness if scored else 1, cv2.LINE_AA)
    for j in sorted({j for limb in LIMBS for j in limb.joints}):
        cv2.circle(frame_bgr, tuple(points[j]), thickness, (255, 255, 255), -1, cv2.LINE_AA)
    return frame_bgr


# The banner's text: sized by the frame's height (its height / 480, at least 0.7), made smaller where a line would
# not fit the frame's width, down to MIN_TEXT_SCALE; a line still too wide then is broken between words.
MIN_TEXT_SCALE = 0.5
_FONT, _THICK, _PAD = cv2.FONT_HERSHEY_SIMPLEX, 2, 8


def draw_banner(frame_bgr: np.ndarray, lines: list[str]) -> np.ndarray:
    """Write ``lines`` large in the frame's top-left corner on a dark band, in place, every word inside the frame:
    smaller text on a narrow (portrait) frame, and a line still too wide broken between words."""
    width = frame_bgr.shape[1] - 2 * _PAD - 2  # the band (the text and a pad each side) ends inside the frame

    def text_width(text: str, scale: float) -> int:
        return cv2.getTextSize(text, _FONT, scale, _THICK)[0][0]

    scale = max(0.7, frame_bgr.shape[0] / 480)
    while scale > MIN_TEXT_SCALE and max((text_width(text, scale) for text in lines), default=0) > width:
        scale = max(MIN_TEXT_SCALE, scale * 0.95)
    y = 0
    for text in (part for line in lines for part in _broken(line, lambda t: text_width(t, scale) <= width)):
        (tw, th), base = cv2.getTextSize(text, _FONT, scale, _THICK)
        cv2.rectangle(frame_bgr, (0, y), (tw + 2 * _PAD, y + th + base + 12), (30, 30, 30), -1)
        cv2.putText(frame_bgr, text, (_PAD, y + th + 6), _FONT, scale, (255, 255, 255), _THICK, cv2.LINE_AA)
        y += th + base + 12
    return frame_bgr


def _broken(line: str, fits) -> list[str]:
    """``line`` in as few parts as ``fits`` allows, broken between words (a single word too wide stays whole)."""
    parts: list[str] = []
    for word in line.split():
        if parts and fits(f"{parts[-1]} {word}"):
            parts[-1] = f"{parts[-1]} {word}"
        else:
            parts.append(word)
    return parts or [line]


def reference_traces(keypoints_rel: np.ndarray, name: str = "reference") -> list[go.Scatter3d]:
    """The reference pose's limbs (18, 3) mm as one dashed single-colour trace."""
    pts = to_plot_axes(np.asarray(keypoints_rel, dtype=float) - np.asarray(keypoints_rel, dtype=float)[0])
    xs, ys, zs = [], [], []
    for limb in LIMBS:
        a, b = limb.joints
        xs += [pts[a, 0], pts[b, 0], None]
        ys += [pts[a, 1], pts[b, 1], None]
        zs += [pts[a, 2], pts[b, 2], None]
    return [
        go.Scatter3d(
            x=xs,
            y=ys,
            z=zs,
            mode="lines",
            line=dict(color=REFERENCE_HEX, width=6, dash="dash"),
            name=name,
            hoverinfo="skip",
            showlegend=False,
        )
    ]


def comparison_figure(
    live_rel: np.ndarray | None, reference_rel: np.ndarray | None, *, title: str = "", height: int = 420
) -> go.Figure:
    """The live skeleton (left blue, right orange) with the reference overlaid (purple, dashed) in one 3D view.

    Args:
        live_rel: (18, 3) mm relative to the pelvis, or None.
        reference_rel: (18, 3) mm, already turned and scaled onto the live pose
            (:func:`pose.coach.align_reference`), or None.
    """
    extra = reference_traces(reference_rel) if reference_rel is not None else []
    return skeleton_figure(live_rel, title=title, uirevision="coach", height=height, extra=extra)
