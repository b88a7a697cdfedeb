"""Fit each pose model's joint confidence to one scale on annotated photos, and check how well it holds.

``python -m pose.measure.calibration ANNOTATIONS [--estimators XS BlazePose]`` runs each estimator on the
photos without its calibration, takes every labelled joint of every person whose box matches an annotated
person (IoU 0.5: a person the estimator found, whatever its skeleton), and fits the chance that the joint lies
within :data:`pose.confidence.CORRECT_WITHIN` of the person's size, as a non-decreasing function of the raw
score (isotonic regression, pool-adjacent-violators), reduced to a few knots. It prints the
:class:`~pose.confidence.Calibration` to paste into :mod:`pose.confidence`, and the reliability of the table in
force: per bin of calibrated confidence, the share of joints placed right.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import numpy as np

from ..confidence import CORRECT_WITHIN, Calibration
from ..config import BLAZEPOSE, ESTIMATORS
from ..engine import PoseEstimator
from ..engine.build import build_pose_model, resolve_config
from ..geometry import box_iou
from ..skeleton import JOINT_NAMES
from .accuracy import measure, predictor
from .annotations import AnnotatedImage, read_annotations
from .scoring import JOINT_MAP, pck

__all__ = ["joint_outcomes", "fit_calibration", "reliability", "raw_model", "main"]

MATCH_IOU = 0.5
_OURS = [JOINT_NAMES.index(name) for name in JOINT_MAP.values()]


def joint_outcomes(
    images: Sequence[AnnotatedImage], people: Sequence[Sequence], within: float = CORRECT_WITHIN
) -> tuple[np.ndarray, np.ndarray]:
    """Every labelled joint of every predicted person whose box overlaps a clear annotated person by
    :data:`MATCH_IOU`: (N,) its confidence and (N,) whether it lies within ``within`` of the longer side of
    the annotated box (1.0) or not (0.0)."""
    scores, right = [], []
    for image, found in zip(images, people):
        truth = [g for g in image.people if g.clear]
        if not truth or not found:
            continue
        ious = box_iou([p.bbox_xywh for p in found], [g.box_xywh for g in truth])
        taken: set[int] = set()
        for i in np.argsort(-ious.max(axis=1)):
            g = int(np.argmax(ious[i]))
            if ious[i, g] < MATCH_IOU or g in taken:
                continue
            taken.add(g)
            errors = pck(found[i].keypoints_2d, truth[g].keypoints, truth[g].box_xywh)[1]
            size = float(max(truth[g].box_xywh[2], truth[g].box_xywh[3]))
            ours = np.asarray(found[i].confidence, dtype=np.float64)[_OURS]
            labelled = np.isfinite(errors)
            scores.append(ours[labelled])
            right.append((errors[labelled] <= within * size).astype(np.float64))
    if not scores:
        return np.zeros(0), np.zeros(0)
    return np.concatenate(scores), np.concatenate(right)


def _isotonic(values: np.ndarray) -> np.ndarray:
    """The non-decreasing sequence closest to ``values`` in least squares (pool adjacent violators)."""
    blocks: list[list[float]] = []  # [mean, count]
    for v in values:
        blocks.append([float(v), 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            mean, count = blocks.pop()
            before, weight = blocks[-1]
            blocks[-1] = [(before * weight + mean * count) / (weight + count), weight + count]
    return np.concatenate([np.full(int(count), mean) for mean, count in blocks])


def fit_calibration(raw: np.ndarray, right: np.ndarray, knots: int = 6, fitted_on: str = "") -> Calibration:
    """The calibration of ``raw`` scores against ``right`` (1.0 placed right, 0.0 not): the isotonic fit,
    read at ``knots`` quantiles of the scores (each knot the mean of the fit in its slice, so a knot rests on a
    share of the joints, not on one).

    Raises:
        ValueError: for fewer than ``2 * knots`` joints.
    """
    raw, right = np.asarray(raw, dtype=np.float64), np.asarray(right, dtype=np.float64)
    if len(raw) < 2 * knots:
        raise ValueError(f"{len(raw)} joints are too few to fit {knots} knots")
    order = np.argsort(raw, kind="stable")
    raw, fitted = raw[order], _isotonic(right[order])
    slices = np.array_split(np.arange(len(raw)), knots)
    xs = [float(raw[s].mean()) for s in slices]
    ys = [float(fitted[s].mean()) for s in slices]
    xs, ys = np.maximum.accumulate(np.round(xs, 3)), np.round(ys, 2)
    keep = np.r_[True, np.diff(xs) > 0]  # equal scores make one knot
    return Calibration(tuple(xs[keep].tolist()), tuple(np.maximum.accumulate(ys[keep]).tolist()), fitted_on)


def reliability(confidence: np.ndarray, right: np.ndarray, edges=(0.0, 0.3, 0.5, 0.7, 0.9, 1.01)) -> list[dict]:
    """Per bin of ``confidence``: how many joints, their mean confidence and the share placed right."""
    rows = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (confidence >= lo) & (confidence < hi)
        if inside.any():
            rows.append(
                {"bin": (lo, min(hi, 1.0)), "joints": int(inside.sum()),
                 "confidence": float(confidence[inside].mean()), "right": float(right[inside].mean())}
            )  # fmt: skip
    return rows


def calibration_error(confidence: np.ndarray, right: np.ndarray) -> float:
    """The expected calibration error: over the bins of :func:`reliability`, the joint-weighted mean gap between
    confidence and the share placed right."""
    rows = reliability(confidence, right)
    total = sum(r["joints"] for r in rows)
    return sum(r["joints"] * abs(r["confidence"] - r["right"]) for r in rows) / max(total, 1)


def raw_model(name: str):
    """Estimator ``name``'s pose model with no calibration: its own raw joint scores."""
    config = resolve_config(name, None, None, {"static_image_mode": True})
    model = build_pose_model(config)
    model.calibration = None
    return model


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pose.measure.calibration", description=__doc__.splitlines()[0])
    parser.add_argument("annotations", help="COCO keypoints JSON or realgt annotations.json, or its folder")
    parser.add_argument("--estimators", nargs="+", default=["XS", BLAZEPOSE], choices=ESTIMATORS)
    parser.add_argument("--knots", type=int, default=6)
    args = parser.parse_args(argv)
    images = read_annotations(args.annotations)
    for name in args.estimators:
        model = raw_model(name)
        in_force = getattr(model, "default_calibration", None)
        run, close = predictor(
            lambda focal, name=name, model=model: PoseEstimator(name, model=model, static_image_mode=True)
        )
        people, _ = measure(images, run)
        close()
        raw, right = joint_outcomes(images, people)
        fitted = fit_calibration(raw, right, args.knots, f"{len(images)} photos, {len(raw)} joints")
        print(f"{name}: {len(raw)} joints, {right.mean():.2f} placed right (within {CORRECT_WITHIN} of the size)")
        print(f"  fitted: Calibration(raw={fitted.raw}, calibrated={fitted.calibrated})")
        for label, table in (("in force", in_force), ("fitted", fitted)):
            if table is None:
                continue
            cal = table(raw)
            print(f"  {label}: calibration error {calibration_error(cal, right):.3f}")
            for row in reliability(cal, right):
                lo, hi = row["bin"]
                print(
                    f"    confidence {lo:.1f}-{hi:.1f}: {row['joints']:4d} joints, "
                    f"mean {row['confidence']:.2f}, placed right {row['right']:.2f}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
