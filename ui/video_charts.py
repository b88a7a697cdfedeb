"""The Video page's charts of one processed clip: its person's joint flexion and the time each frame took."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from pose.angles import flexion_angles

__all__ = ["flexion_chart", "frame_times_chart"]


def flexion_chart(frame_indices: np.ndarray, keypoints_3d: np.ndarray) -> go.Figure:
    """One line per joint of :data:`pose.angles.FLEXION` (degrees, 0 = straight) over the frames of
    ``keypoints_3d`` (F, 18, 3), each named in a legend below the lines: beside them, a half-width column's
    chart had room for 5 of the 8 names."""
    figure = go.Figure(
        [
            go.Scatter(x=frame_indices, y=degrees, mode="lines", name=joint)
            for joint, degrees in flexion_angles(keypoints_3d).items()
        ]
    )
    figure.update_layout(
        height=340, margin=dict(l=0, r=0, t=10, b=0), xaxis_title="frame", yaxis_title="degrees",
        legend=dict(orientation="h", yanchor="top", y=-0.25, x=0),
    )  # fmt: skip
    return figure


def frame_times_chart(frame_indices: np.ndarray, process_ms: np.ndarray) -> go.Figure:
    """The milliseconds each frame took to process."""
    figure = go.Figure(go.Scatter(x=frame_indices, y=process_ms, mode="lines"))
    figure.update_layout(height=260, margin=dict(l=0, r=0, t=10, b=0), xaxis_title="frame", yaxis_title="ms per frame")
    return figure
