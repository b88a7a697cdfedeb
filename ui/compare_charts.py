"""Tables and charts of a comparison run (Plotly and pandas); the page only lays them out."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

import pose
from pose.draw import DEFAULT_MIN_CONFIDENCE, draw_person, drawn_confidence, skeleton_traces
from pose.engine.stages import STAGE_PARTS
from pose.measure.compare import Measurement, measure_gmacs, pareto_front
from pose.measure.scoring import PCK_ALPHA, STRICT_ALPHA
from pose.skeleton import JOINT_NAMES

from .controls import estimator_label


def comparison_table(measurements: dict[str, Measurement], agree: dict, measured_accuracy: dict) -> pd.DataFrame:
    """One row per estimator: size, compute, latency, speed, accuracy (paper and measured), agreement."""
    rows = []
    for name, m in measurements.items():
        v = pose.VARIANTS.get(name)
        a = agree["estimators"].get(name, {})
        acc = measured_accuracy.get(name, {})
        row = {
            "estimator": estimator_label(name),
            "trained": "yes" if m.trained else "NO (untrained)",
            "params (M)": round(v.params / 1e6, 2) if v else None,
            "GMACs (measured)": round(measure_gmacs(name), 2) if v else None,
            "GFLOPs (paper)": v.gflops if v else None,
        }
        for stage in STAGE_PARTS:
            row[f"{stage} ms median"] = round(float(np.median(m.stage_ms[stage])), 2)
            row[f"{stage} ms p90"] = round(float(np.percentile(m.stage_ms[stage], 90)), 2)
        row.update(
            {
                "end-to-end FPS": round(m.e2e_fps, 1),
                "people per frame": round(float(np.mean(m.people)), 2) if len(m.people) else None,
                "ms per person": round(m.ms_per_person, 1),
                "model-only FPS": round(m.model_fps, 1),
                "device / backend": f"{m.device} / {m.backend} {m.precision}",
                "MPJPE P2 mm (paper)": v.mpjpe_mm if v else None,
                "PA-MPJPE P1 mm (paper)": v.pa_mpjpe_mm if v else None,
                "MPJPE P2 mm (measured)": acc.get("mpjpe_mm"),
                "PA-MPJPE P1 mm (measured)": acc.get("pa_mpjpe_mm"),
                **(
                    {}
                    if agree["reference"] is None
                    else {
                        f"agreement: px to {agree['reference']}": _round(a.get("px_to_reference")),
                        f"agreement: mm to {agree['reference']}": _round(a.get("mm_to_reference")),
                    }
                ),
                "agreement: px to BlazePose": _round(a.get("px_to_blazepose")),
                "agreement: mm to BlazePose": _round(a.get("mm_to_blazepose")),
                "jitter mm/frame": _round(a.get("jitter_mm")),
            }
        )
        rows.append(row)
    return pd.DataFrame(rows)


def photo_accuracy_table(reports: dict[str, dict]) -> pd.DataFrame:
    """One row per estimator: the paper's Human3.6M figures beside those measured on the annotated photos."""
    rows = []
    for name, report in reports.items():
        v, s = pose.VARIANTS.get(name), report["summary"]
        rows.append(
            {
                "estimator": estimator_label(name),
                "MPJPE P2 mm (paper, Human3.6M)": v.mpjpe_mm if v else None,
                "PA-MPJPE P1 mm (paper, Human3.6M)": v.pa_mpjpe_mm if v else None,
                "people found (recall)": _round(s["recall"], 2),
                "precision": _round(s["precision"], 2),
                "part boxes": s["part_boxes"],
                f"PCK@{PCK_ALPHA} (found people)": _round(s["pck"], 2),
                f"limbs PCK@{STRICT_ALPHA}": _round(s["pck_limbs_strict"], 2),
                "COCO AP": _round(s["ap"], 2),
                "COCO AP50": _round(s["ap50"], 2),
                "3D people": s["people_3d"],
                "MPJPE mm (measured)": _round(s["mpjpe_mm"]),
                "PA-MPJPE mm (measured)": _round(s["pa_mpjpe_mm"]),
                "pelvis depth error % (median)": _round(s["root_depth_error_median_rel"] * 100, 0)
                if np.isfinite(s["root_depth_error_median_rel"])
                else None,
                "ms per photo (median)": _round(s["median_ms_per_image"], 0),
            }
        )
    return pd.DataFrame(rows)


def _round(x, digits: int = 1):
    return None if x is None or not np.isfinite(x) else round(float(x), digits)


def latency_bars(measurements: dict[str, Measurement]) -> go.Figure:
    fig = go.Figure()
    labels = [estimator_label(n) for n in measurements]
    for stage in STAGE_PARTS:
        fig.add_bar(name=stage, x=labels, y=[float(np.median(m.stage_ms[stage])) for m in measurements.values()])
    fig.update_layout(
        barmode="stack",
        yaxis_title="median ms per frame",
        height=340,
        margin=dict(t=30, b=0),
        title="Latency per stage",
    )
    return fig


def speed_accuracy(measurements: dict[str, Measurement]) -> go.Figure:
    """End-to-end FPS against the paper's MPJPE, with the Pareto front."""
    points = {n: (m.e2e_fps, pose.VARIANTS[n].mpjpe_mm) for n, m in measurements.items() if n in pose.VARIANTS}
    fig = go.Figure()
    front = pareto_front(points)
    if len(front) > 1:
        fig.add_scatter(
            x=[points[n][0] for n in front],
            y=[points[n][1] for n in front],
            mode="lines",
            line=dict(dash="dot", color="gray"),
            name="Pareto front",
        )
    fig.add_scatter(
        x=[p[0] for p in points.values()],
        y=[p[1] for p in points.values()],
        mode="markers+text",
        text=list(points),
        textposition="top center",
        marker=dict(size=12),
        name="sizes",
    )
    fig.update_layout(
        xaxis_title="end-to-end FPS (measured here)",
        yaxis_title="MPJPE P2, mm (paper)",
        height=340,
        margin=dict(t=30, b=0),
        title="Speed / accuracy trade-off",
        showlegend=False,
    )
    return fig


def latency_lines(measurements: dict[str, Measurement]) -> go.Figure:
    fig = go.Figure()
    for name, m in measurements.items():
        fig.add_scatter(y=m.total_ms, mode="lines", name=estimator_label(name))
    fig.update_layout(
        xaxis_title="frame", yaxis_title="ms", height=300, margin=dict(t=30, b=0), title="Per-frame latency"
    )
    return fig


def agreement_heatmap(agree: dict) -> go.Figure:
    """Per-joint root-relative 3D distance (mm) of each estimator to the reference size."""
    rows = {
        n: a["mm_to_reference_per_joint"] for n, a in agree["estimators"].items() if "mm_to_reference_per_joint" in a
    }
    fig = go.Figure()
    if rows:
        fig.add_heatmap(
            z=np.array(list(rows.values())),
            x=list(JOINT_NAMES),
            y=[estimator_label(n) for n in rows],
            colorscale="Viridis",
            colorbar=dict(title="mm"),
        )
    fig.update_layout(
        title=f"Agreement with {pose.variant_title(agree['reference'])} (not accuracy): mean 3D distance per joint",
        # at least 280 px: with one or two rows the colour bar's labels were squeezed on top of each other
        height=max(280, 120 + 40 * len(rows)),
        margin=dict(t=40, b=0),
        xaxis=dict(automargin=True),  # room for the joints' names below and the estimators' beside
        yaxis=dict(automargin=True),
    )
    return fig


def skeletons_side_by_side(
    measurements: dict[str, Measurement], frame: int, min_confidence: float = DEFAULT_MIN_CONFIDENCE
) -> go.Figure:
    """The same frame's 3D skeleton of each estimator's first person (the lowest track id, whom the agreement
    figures follow), root-relative, one small scene per estimator; a trained one's joints under
    ``min_confidence`` left out."""
    names = list(measurements)
    fig = make_subplots(
        rows=1,
        cols=len(names),
        specs=[[{"type": "scene"}] * len(names)],
        subplot_titles=[estimator_label(n) for n in names],
    )
    axis = dict(range=[-1000, 1000], showticklabels=False, title="", showbackground=False)
    for col, name in enumerate(names, start=1):
        m = measurements[name]
        floor = drawn_confidence(min_confidence, m.trained)
        shown = skeleton_traces(m.keypoints_rel[frame], confidence=m.confidence[frame], min_confidence=floor)
        for trace in shown:
            fig.add_trace(trace, row=1, col=col)
        scene = "scene" if col == 1 else f"scene{col}"
        fig.layout[scene].update(
            xaxis=axis, yaxis=axis, zaxis=axis, aspectmode="cube", camera=dict(eye=dict(x=0, y=-2.0, z=0.4))
        )
    fig.update_layout(height=360, margin=dict(l=0, r=0, t=40, b=0), uirevision="compare")
    return fig


def overlay(
    frame_bgr: np.ndarray, m: Measurement, frame: int, min_confidence: float = DEFAULT_MIN_CONFIDENCE
) -> np.ndarray:
    """The frame with every person this estimator found drawn in 2D, each tagged with its track id; a trained
    one's joints under ``min_confidence`` left out."""
    image = frame_bgr.copy()
    floor = drawn_confidence(min_confidence, m.trained)
    people = m.frame_people[frame]
    for keypoints_2d, confidence, track_id in zip(people.keypoints_2d, people.confidence, people.track_id):
        draw_person(image, keypoints_2d, confidence=confidence, min_confidence=floor, tag=f"#{int(track_id)}")
    return image
