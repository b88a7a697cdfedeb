"""The 3D figures (Plotly): each person's skeleton placed where they stand, one figure or an animation.

Camera axes (x right, y down, z forward, millimetres) are shown as plot axes with z up (:func:`to_plot_axes`).
Colours and the confidence threshold come from :mod:`pose.draw.style`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go

from ..skeleton import BONES, JOINT_NAMES, ROOT, bone_side, joint_side
from .style import DEFAULT_MIN_CONFIDENCE, DRAWN_JOINTS, SIDE_HEX, hex_color, shown_joints, track_color

if TYPE_CHECKING:
    from ..engine.people import Person

__all__ = ["to_plot_axes", "skeleton_traces", "floor_height", "skeleton_figure", "people_figure", "skeleton_animation"]


def to_plot_axes(points_cam: np.ndarray) -> np.ndarray:
    """Camera axes (x right, y down, z forward) -> plot axes (x right, y forward, z up)."""
    points_cam = np.asarray(points_cam, dtype=float)
    return np.stack([points_cam[..., 0], points_cam[..., 2], -points_cam[..., 1]], axis=-1)


def skeleton_traces(
    keypoints_mm: np.ndarray,
    *,
    name: str = "",
    opacity: float = 1.0,
    confidence: np.ndarray | None = None,
    min_confidence: float = 0.0,
    color_rgb: tuple[int, int, int] | None = None,
) -> list[go.Scatter3d]:
    """Plotly traces for one skeleton (18, 3) mm in camera axes: one line trace per side, and the joints.

    Joints below ``min_confidence`` (``confidence`` (18,)) and bones to them are left out; the number of
    traces stays the same (animation frames rely on it). ``color_rgb`` colours the joints (default: sides).
    """
    pts = to_plot_axes(keypoints_mm)
    shown = shown_joints(len(pts), confidence, min_confidence)
    traces = []
    for side in ("center", "left", "right"):
        xs, ys, zs = [], [], []
        for a, b in BONES:
            if bone_side((a, b)) == side and shown[a] and shown[b]:
                xs += [pts[a, 0], pts[b, 0], None]
                ys += [pts[a, 1], pts[b, 1], None]
                zs += [pts[a, 2], pts[b, 2], None]
        traces.append(
            go.Scatter3d(
                x=xs,
                y=ys,
                z=zs,
                mode="lines",
                line=dict(color=SIDE_HEX[side], width=7),
                opacity=opacity,
                name=f"{name} {side}".strip(),
                hoverinfo="skip",
                showlegend=False,
            )
        )
    joints = [j for j in DRAWN_JOINTS if shown[j]]
    colors = [hex_color(color_rgb) if color_rgb else SIDE_HEX[joint_side(j)] for j in joints]
    traces.append(
        go.Scatter3d(
            x=pts[joints, 0],
            y=pts[joints, 1],
            z=pts[joints, 2],
            mode="markers",
            opacity=opacity,
            marker=dict(size=3, color=colors),
            text=[f"{name} {JOINT_NAMES[j]}".strip() for j in joints],
            hovertemplate="%{text}<extra></extra>",
            showlegend=False,
            name=f"{name} joints".strip(),
        )
    )
    return traces


def floor_height(keypoints_mm: np.ndarray) -> float:
    """Height (plot z, mm) of the floor: just under the lowest joint of (..., 18, 3) camera-axis skeletons."""
    return float(np.nanmin(to_plot_axes(keypoints_mm)[..., 2])) - 30.0


def _floor(half_extent_mm: float, floor_z: float) -> go.Mesh3d:
    e = half_extent_mm
    return go.Mesh3d(
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


def _stage_layout(fig: go.Figure, half_extent_mm: float, title: str, uirevision: str, height: int) -> go.Figure:
    """Equal axes of ``half_extent_mm`` around the origin, a fixed start view, ``uirevision`` kept."""
    e = half_extent_mm
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
    fig.add_trace(_floor(half_extent_mm, floor_z))
    fig.add_traces(list(extra))
    return _stage_layout(fig, half_extent_mm, title, uirevision, height)


def people_figure(
    people: Sequence[Person],
    *,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    title: str = "",
    uirevision: str = "people",
    height: int = 420,
    min_half_extent_mm: float = 1000.0,
) -> go.Figure:
    """Every person's 3D skeleton where the camera put them (``keypoints_3d``), so their positions show.

    The stage is centred on the people's mean root; a single person stands at the centre as in
    :func:`skeleton_figure`. Each person's joints and id label take the colour of their track id;
    joints below ``min_confidence`` are left out, and bones to them.
    """
    fig = go.Figure()
    roots = np.array([p.keypoints_3d[ROOT] for p in people], dtype=float).reshape(-1, 3)
    centre = roots.mean(axis=0) if len(roots) else np.zeros(3)
    half_extent = min_half_extent_mm
    if len(roots):
        spread = float(np.abs(to_plot_axes(roots - centre)).max())
        half_extent = max(min_half_extent_mm, float(np.ceil((spread + min_half_extent_mm) / 1000.0) * 1000.0))
    floors = []
    for person in people:
        joints_mm = np.asarray(person.keypoints_3d, dtype=float) - centre
        shown = shown_joints(len(joints_mm), person.confidence, min_confidence)
        color = track_color(person.track_id)
        fig.add_traces(
            skeleton_traces(
                joints_mm,
                name=f"#{person.track_id}",
                confidence=person.confidence,
                min_confidence=min_confidence,
                color_rgb=color,
            )
        )
        if shown.any():
            floors.append(floor_height(joints_mm[shown]))
            pts = to_plot_axes(joints_mm[shown])
            top = pts[np.argmax(pts[:, 2])]
            fig.add_trace(
                go.Scatter3d(
                    x=[top[0]],
                    y=[top[1]],
                    z=[top[2] + 150.0],
                    mode="text",
                    text=[f"#{person.track_id}"],
                    textfont=dict(color=hex_color(color), size=16),
                    hoverinfo="skip",
                    showlegend=False,
                    name=f"#{person.track_id} label",
                )
            )
    fig.add_trace(_floor(half_extent, max(-half_extent, min(floors, default=-0.9 * half_extent))))
    return _stage_layout(fig, half_extent, title, uirevision, height)


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
