"""The live readouts: FPS, per-stage milliseconds, drops, the FPS chart, and the 3D skeletons."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pose.draw import people_figure
from pose.engine.stages import LIVE_STAGES
from pose.live.processor import LiveStats

from .plotly_in_place import plotly_chart

# How often the page redraws the FPS chart: a line chart redrawn every 0.5 s with the readouts cost the Live page
# 9.9 -> 13.9 FPS on a 2-core machine with the browser beside it (python -m tools.live, lateral_raise).
FPS_CHART_EVERY_S = 5.0
# How often the page redraws the 3D chart unless the user picks another rate (a 3D chart redraws slowly in the
# browser: a bounded rate never starves the video). It shows the people of the last such period, so a person lost
# for a frame is not missing from it.
SKELETON_3D_EVERY_S = 1.0
# The rates the sidebar offers (None: no 3D chart). Where the browser runs on the server's machine without a GPU,
# WebGL runs in software: redrawn every second, the chart took 0.28 of the browser's core and 2.0-2.4 of the
# page's 20-21 FPS (python -m tools.live, two_people_courtyard, 2 cores; docs/benchmarks.md).
SKELETON_3D_LABEL = "3D chart redraws every"  # the slider's label (the lab moves it by this: tools/live_page.py)
SKELETON_3D_CHOICES = {"1 s": 1.0, "2 s": 2.0, "5 s": 5.0, "off": None}
SKELETON_3D_OFF = f"The 3D chart is off (sidebar: {SKELETON_3D_LABEL}): its share of the CPU goes to the video."
SKELETON_3D_WAITING = "The 3D skeleton appears here once the camera is running."  # where the chart goes, meanwhile
# The readouts' labels; the lab reads the page by them (tools/live_page.py).
FPS_LABEL, FRAMES_LABEL, DROPPED_LABEL, PEOPLE_LABEL = "FPS (end to end)", "Frames", "Dropped", "People in view"


def stage_label(stage: str) -> str:
    """The label of a stage's readout (``stage``: one of :data:`pose.engine.stages.LIVE_STAGES`)."""
    return f"{stage} ms"


def show_readouts(stats: LiveStats, backend: str, device: str) -> None:
    """FPS, frames, drops, people in view, device and backend, and stage timings.

    Always the same elements, each filled or left empty: the Live page rewrites them in place from a run
    that never ends (a video file or stream), where an element written once and not again stays on the page
    (a notice that nobody was in view stayed under "People in view 1" for a whole clip).
    """
    # four columns: in five, beside the sidebar of a 1000 px window, the labels were cut ("FPS (end to e…")
    cols = st.columns(4)
    cols[0].metric(FPS_LABEL, f"{stats.fps:.1f}", help="Frames shown per second, every stage included.")
    cols[1].metric(FRAMES_LABEL, stats.frames)
    cols[2].metric(
        DROPPED_LABEL, stats.dropped,
        help="Frames skipped to stay in real time: a camera or a file plays at its own rate, and the frames that "
        "come while one is being processed are left out (the people of the newest frame are always shown).",
    )  # fmt: skip
    cols[3].metric(PEOPLE_LABEL, len(stats.latest.people) if stats.latest else 0)
    st.caption(f"Running on **{device} / {backend}**")
    stages, variants, notice = st.empty(), st.empty(), st.empty()
    if stats.stage_ms:
        stage_cols = stages.container().columns(len(LIVE_STAGES))
        for col, stage in zip(stage_cols, LIVE_STAGES):
            col.metric(stage_label(stage), f"{stats.stage_ms[stage]:.1f}")
    if len(stats.per_variant_fps) > 1:
        with variants.container():
            st.caption("Each size's own FPS (1000 / its mean ms per frame), on the same frames, round-robin:")
            variant_cols = st.columns(len(stats.per_variant_fps))
            for col, (variant, fps) in zip(variant_cols, sorted(stats.per_variant_fps.items())):
                col.metric(variant, f"{fps:.1f} FPS")
    if stats.error:
        notice.error(f"The last frame could not be processed: {stats.error}")
    elif stats.frames and not stats.person_in_view:
        notice.info("No person detected. Step into view; the video keeps playing.")


def show_fps_history(stats: LiveStats) -> None:
    """The FPS of the last seconds, as a line chart (redraw it every :data:`FPS_CHART_EVERY_S`)."""
    if len(stats.fps_history) > 1:
        history = pd.DataFrame(stats.fps_history, columns=["seconds", "FPS"]).set_index("seconds")
        st.line_chart(history, height=140, x_label="seconds since start", y_label="FPS")


def skeleton_3d_every(key: str = "") -> float | None:
    """The sidebar's choice of how often the 3D chart is redrawn, in seconds (None: no 3D chart)."""
    labels = list(SKELETON_3D_CHOICES)
    default = next(label for label, every in SKELETON_3D_CHOICES.items() if every == SKELETON_3D_EVERY_S)
    chosen = st.sidebar.select_slider(
        SKELETON_3D_LABEL,
        labels,
        value=default,
        key=f"{key}skeleton_3d_every",
        help="Redrawing a 3D chart costs the browser CPU (much of it without a GPU, where WebGL runs in "
        "software), which the video shares: off gives the video that share on a small machine, a slower rate "
        "part of it.",
    )
    return SKELETON_3D_CHOICES[chosen]


def show_skeleton_3d(
    stats: LiveStats, every_s: float = SKELETON_3D_EVERY_S, key: str = "live-3d", in_place: bool = True
) -> None:
    """Every person of the newest frame in 3D, placed where the camera saw them, coloured by track id;
    joints under the overlay's confidence threshold are left out. While nobody is in view, the people of the
    newest frame that had any, if it is at most ``every_s`` old (redraw the chart that often). Updated in place,
    the chart keeps the user's rotation and zoom.

    ``in_place``: see :func:`ui.plotly_in_place.plotly_chart` (False in a loop within one run, a key a call).
    """
    latest = stats.shown(every_s)
    people = latest.people if latest else ()
    title = "3D skeletons"
    if latest:
        # short: a longer title was cut in the page's narrow column ("BlazePose 3D (camera space,")
        title = f"{latest.variant} in 3D, mm" + (f": {len(people)} people" if len(people) > 1 else "")
    fig = people_figure(people, min_confidence=stats.draw_for(latest).min_confidence, title=title, uirevision="live")
    plotly_chart(fig, key=key, config={"displaylogo": False}, in_place=in_place)
