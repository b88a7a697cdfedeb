"""The coach's readouts: score, hold and repetitions as large numbers, what to fix, and the 3D comparison."""

from __future__ import annotations

import streamlit as st

from pose.coach.live import CoachStats
from pose.coach.render import comparison_figure

from .plotly_in_place import plotly_chart

_LARGE = """<style>
.st-key-coach-readouts [data-testid="stMetricValue"] { font-size: 4rem; line-height: 1.1; }
</style>"""


def show_coach_readouts(stats: CoachStats, has_reference: bool) -> None:
    """Score, hold timer and repetitions, large; then the worst limb and the joint to fix."""
    st.markdown(_LARGE, unsafe_allow_html=True)
    score = stats.score.score if stats.score is not None else None
    with st.container(key="coach-readouts"):
        cols = st.columns(3)
        cols[0].metric("Score", "–" if score is None else f"{score:.0f}", border=True)
        cols[1].metric("Hold (s)", f"{stats.hold_s:.1f}", border=True, help=f"Longest: {stats.best_hold_s:.1f} s")
        cols[2].metric(f"Repetitions ({stats.exercise or 'no exercise'})", stats.repetitions, border=True)
    notes = []
    if stats.live.error:
        st.error(f"The last frame could not be processed: {stats.live.error}")
    elif stats.live.frames and stats.person is None:
        st.info("No person detected. Step into view; the video keeps playing.")
    if stats.people_in_view > 1:
        notes.append(f"{stats.people_in_view} people in view: coaching the largest, nearest the centre.")
    if not has_reference:
        notes.append("Choose a reference pose above to be scored.")
    elif stats.score is not None:
        notes.extend(_advice(stats))
    if stats.exercise_angle_deg is not None:
        notes.append(f"{stats.exercise} angle now: {stats.exercise_angle_deg:.0f}°.")
    notes.append(f"{stats.live.fps:.1f} FPS, {stats.live.dropped} frames dropped, {stats.logged_rows} rows logged.")
    st.caption("  \n".join(notes))


def _advice(stats: CoachStats) -> list[str]:
    result = stats.score
    lines = []
    if result.worst_limb is not None:
        error = result.limb_errors_deg[result.worst_limb]
        lines.append(f"Furthest off: **{result.worst_limb.replace('_', ' ')}** ({error:.0f}°).")
    if result.angle_diffs_deg:
        joint, diff = max(result.angle_diffs_deg.items(), key=lambda item: abs(item[1]))
        if abs(diff) >= 15:
            lines.append(f"{joint.capitalize()}: {'bend' if diff > 0 else 'straighten'} it {abs(diff):.0f}° more.")
    if result.excluded_limbs:
        lines.append(f"Not scored (not seen clearly): {', '.join(n.replace('_', ' ') for n in result.excluded_limbs)}.")
    return lines


def show_comparison_3d(
    stats: CoachStats | None, reference_rel=None, key: str = "coach-3d", in_place: bool = True
) -> None:
    """The live skeleton with the reference overlaid (turned and scaled onto it); the reference alone before
    anyone is in view. ``in_place``: see :func:`ui.plotly_in_place.plotly_chart` (False for a chart drawn once)."""
    live = stats.person.keypoints_rel if stats is not None and stats.person is not None else None
    overlay = stats.reference_aligned if stats is not None and live is not None else reference_rel
    title = "You (blue/orange) and the reference (purple, dashed)" if live is not None else "Reference (3D)"
    plotly_chart(
        comparison_figure(live, overlay, title=title), key=key, config={"displaylogo": False}, in_place=in_place
    )
