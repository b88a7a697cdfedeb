"""Drawing poses: the 2D overlay (OpenCV) and the 3D skeleton (Plotly).

Both take a :class:`~pose.estimator.Person` (or its arrays), so they work
alike for every ConvNeXtPose size and for BlazePose.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import plotly.graph_objects as go

from .skeleton import BONES, JOINT_NAMES, ROOT, SIDE_COLORS_RGB, bone_side, joint_side

__all__ = [
    "draw_person",
    "draw_message",
    "skeleton_traces",
    "skeleton_figure",
    "skeleton_animation",
    "to_plot_axes",
]

_BGR = {side: rgb[::-1] for side, rgb in SIDE_COLORS_RGB.items()}
_HEX = {side: "#{:02x}{:02x}{:02x}".format(*rgb) for side, rgb in SIDE_COLORS_RGB.items()}
_DRAWN_JOINTS = sorted({j for bone in BONES for j in bone})


def draw_person(
    frame_bgr: np.ndarray,
    keypoints_2d: np.ndarray,
    *,
    bbox_xywh: np.ndarray | None = None,
    confidence: np.ndarray | None = None,
    min_confidence: float = 0.0,
    bones: bool = True,
    joints: bool = True,
    thickness: int | None = None,
) -> np.ndarray:
    """Draw one skeleton on ``frame_bgr`` in place (left blue, right orange) and return it.

    Args:
        frame_bgr: (H, W, 3) uint8 image.
        keypoints_2d: (18, 2) pixels.
        bbox_xywh: draw this box too.
        confidence: (18,); joints below ``min_confidence`` are left out.
    """
    height = frame_bgr.shape[0]
    thickness = thickness or max(2, round(height / 240))
    shown = np.ones(len(keypoints_2d), bool) if confidence is None else confidence >= min_confidence
    points = np.round(keypoints_2d).astype(np.int32)
    if bbox_xywh is not None:
        x, y, w, h = np.round(bbox_xywh).astype(int)
        cv2.rectangle(frame_bgr, (x, y), (x + w, y + h), (200, 200, 200), 1, cv2.LINE_AA)
    if bones:
        for a, b in BONES:
            if shown[a] and shown[b]:
                cv2.line(frame_bgr, tuple(points[a]), tuple(points[b]), _BGR[bone_side((a, b))], thickness, cv2.LINE_AA)
    if joints:
        for j in _DRAWN_JOINTS:
            if shown[j]:
                cv2.circle(frame_bgr, tuple(points[j]), thickness + 1, _BGR[joint_side(j)], -1, cv2.LINE_AA)
    return frame_bgr


def draw_message(frame_bgr: np.ndarray, text: str) -> np.ndarray:
    """Write ``text`` in the frame's top-left corner, on a dark band, in place."""
    scale = max(0.5, frame_bgr.shape[0] / 720)
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
    cv2.rectangle(frame_bgr, (0, 0), (tw + 16, th + base + 12), (30, 30, 30), -1)
    cv2.putText(frame_bgr, text, (8, th + 6), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 1, cv2.LINE_AA)
    return frame_bgr


def to_plot_axes(points_cam: np.ndarray) -> np.ndarray:
    """Camera axes (x right, y down, z forward) -> plot axes (x right, y forward, z up)."""
    points_cam = np.asarray(points_cam, dtype=float)
    return np.stack([points_cam[..., 0], points_cam[..., 2], -points_cam[..., 1]], axis=-1)


def skeleton_traces(keypoints_rel: np.ndarray, *, name: str = "", opacity: float = 1.0) -> list[go.Scatter3d]:
    """Plotly traces for one root-relative skeleton (18, 3) mm: one line trace per side, and the joints."""
    pts = to_plot_axes(keypoints_rel)
    traces = []
    for side in ("center", "left", "right"):
        xs, ys, zs = [], [], []
        for a, b in BONES:
            if bone_side((a, b)) == side:
                xs += [pts[a, 0], pts[b, 0], None]
                ys += [pts[a, 1], pts[b, 1], None]
                zs += [pts[a, 2], pts[b, 2], None]
        traces.append(
            go.Scatter3d(
                x=xs,
                y=ys,
                z=zs,
                mode="lines",
                line=dict(color=_HEX[side], width=7),
                opacity=opacity,
                name=f"{name} {side}".strip(),
                hoverinfo="skip",
                showlegend=False,
            )
        )
    joints = _DRAWN_JOINTS
    traces.append(
        go.Scatter3d(
            x=pts[joints, 0],
            y=pts[joints, 1],
            z=pts[joints, 2],
            mode="markers",
            opacity=opacity,
            marker=dict(size=3, color=[_HEX[joint_side(j)] for j in joints]),
            text=[JOINT_NAMES[j] for j in joints],
            hovertemplate="%{text}<extra></extra>",
            showlegend=False,
            name=f"{name} joints".strip(),
        )
    )
    return traces


def floor_height(keypoints_rel: np.ndarray) -> float:
    """Height (plot z, mm) of the floor: just under the lowest ankle."""
    return float(to_plot_axes(keypoints_rel)[:, 2].min()) - 30.0


def skeleton_figure(
    keypoints_rel: np.ndarray | None,
    *,
    title: str = "",
    half_extent_mm: float = 1000.0,
    uirevision: str = "skeleton",
    height: int = 420,
    extra: Sequence[go.BaseTraceType] = (),
) -> go.Figure:
    """A 3D figure of one root-relative skeleton (18, 3) mm, with a floor and equal axes.

    ``uirevision`` keeps the user's rotation and zoom across updates; pass
    None as ``keypoints_rel`` for an empty stage.
    """
    fig = go.Figure()
    floor_z = -900.0
    if keypoints_rel is not None:
        keypoints_rel = np.asarray(keypoints_rel, dtype=float) - np.asarray(keypoints_rel, dtype=float)[ROOT]
        fig.add_traces(skeleton_traces(keypoints_rel))
        floor_z = max(-half_extent_mm, floor_height(keypoints_rel))
    e = half_extent_mm
    fig.add_trace(
        go.Mesh3d(
            x=[-e, e, e, -e],
            y=[-e, -e, e, e],
            z=[floor_z] * 4,
            i=[0, 0],
            j=[1, 2],
            k=[2, 3],
            color="lightgray",
            opacity=0.35,
            hoverinfo="skip",
            showlegend=False,
            name="floor",
        )
    )
    fig.add_traces(list(extra))
    axis = dict(range=[-e, e], showbackground=False, zeroline=False, title="", showticklabels=False)
    fig.update_layout(
        title=dict(text=title, x=0.02, y=0.98),
        height=height,
        margin=dict(l=0, r=0, t=30 if title else 0, b=0),
        uirevision=uirevision,
        scene=dict(
            xaxis=axis,
            yaxis=axis,
            zaxis=axis,
            aspectmode="cube",
            uirevision=uirevision,
            camera=dict(eye=dict(x=0.0, y=-1.9, z=0.5), up=dict(x=0, y=0, z=1)),
        ),
        showlegend=False,
    )
    return fig


def skeleton_animation(
    keypoints_rel: np.ndarray,
    frame_labels: Sequence[int],
    *,
    max_frames: int = 150,
    half_extent_mm: float = 1000.0,
    height: int = 480,
    frame_ms: float = 66.0,
) -> go.Figure:
    """A 3D skeleton animation with play/pause and a frame slider labelled with video frame numbers.

    Args:
        keypoints_rel: (F, 18, 3) root-relative mm; frames with NaN show an empty stage.
        frame_labels: the video frame number of each of the F frames.
        max_frames: at most this many animation frames (evenly subsampled, for the browser's sake).
    """
    keypoints_rel = np.asarray(keypoints_rel, dtype=float)
    picks = np.unique(np.linspace(0, len(keypoints_rel) - 1, min(max_frames, len(keypoints_rel))).round().astype(int))

    first_valid = next((i for i in picks if not np.isnan(keypoints_rel[i]).any()), None)
    fig = skeleton_figure(
        None if first_valid is None else keypoints_rel[first_valid],
        half_extent_mm=half_extent_mm,
        uirevision="animation",
        height=height,
    )
    # The skeleton's traces come first, so that each animation frame updates the same trace slots;
    # a frame without a person (NaN) draws nothing.
    floor = fig.data[-1]
    fig.data = ()
    fig.add_traces([*skeleton_traces(keypoints_rel[picks[0]]), floor])
    n_skeleton_traces = len(fig.data) - 1
    fig.frames = [
        go.Frame(
            data=skeleton_traces(keypoints_rel[i]), name=str(frame_labels[i]), traces=list(range(n_skeleton_traces))
        )
        for i in picks
    ]
    step_args = dict(mode="immediate", frame=dict(duration=0, redraw=True), transition=dict(duration=0))
    fig.update_layout(
        updatemenus=[
            dict(
                type="buttons",
                showactive=False,
                x=0.02,
                y=0.02,
                xanchor="left",
                yanchor="bottom",
                buttons=[
                    dict(
                        label="Play",
                        method="animate",
                        args=[
                            None,
                            dict(
                                frame=dict(duration=frame_ms, redraw=True),
                                fromcurrent=True,
                                transition=dict(duration=0),
                            ),
                        ],
                    ),
                    dict(label="Pause", method="animate", args=[[None], step_args]),
                ],
            )
        ],
        sliders=[
            dict(
                active=0,
                x=0.15,
                len=0.83,
                y=0.02,
                currentvalue=dict(prefix="frame "),
                steps=[
                    dict(label=str(frame_labels[i]), method="animate", args=[[str(frame_labels[i])], step_args])
                    for i in picks
                ],
            )
        ],
    )
    return fig
