"""Joint confidence on one scale: each pose model's own score turned into the chance the joint is placed right.

ConvNeXtPose scores a joint by the heatmap's mass near its peak (0.05-0.8 on real people); BlazePose by its
landmark's visibility (mostly 0.9-1.0, even for joints it guesses). A cut on the raw scores means one thing
for one model and another for the other, so each model's score goes through its :class:`Calibration`: the
share of joints with that score that lie within :data:`CORRECT_WITHIN` of the person's size from where an
annotator put them, on real annotated photos. One cut, :data:`SURE`, then means the same for every
estimator: in the overlay, the 3D chart, the coach, the tracker and the exports.

The tables are data, fitted by ``python -m pose.measure.calibration ../shared/realgt --estimators XS BlazePose``
(isotonic regression, then a few knots); the command prints them in this module's form.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .skeleton import JOINT_NAMES

__all__ = [
    "CORRECT_WITHIN",
    "SURE",
    "Calibration",
    "CONVNEXTPOSE_CALIBRATION",
    "BLAZEPOSE_CALIBRATION",
    "JOINTS_BETWEEN",
    "joints_between",
]

CORRECT_WITHIN = 0.1
"""A joint is placed right within this share of the longer side of its person's box (PCK@0.1)."""

SURE = 0.5
"""A joint at least this sure is more likely right than wrong: the one cut for drawing, scoring a pose, counting
repetitions and steering a track."""


@dataclass(frozen=True)
class Calibration:
    """A model's raw joint score -> the chance the joint is placed right, piecewise linear between knots.

    Attributes:
        raw: increasing raw scores (the knots).
        calibrated: the chance at each knot, non-decreasing, in [0, 1]; flat beyond the ends.
        fitted_on: what the knots were fitted on, in words.
    """

    raw: tuple[float, ...]
    calibrated: tuple[float, ...]
    fitted_on: str = ""

    def __post_init__(self) -> None:
        raw, cal = np.asarray(self.raw, float), np.asarray(self.calibrated, float)
        if len(raw) < 2 or raw.shape != cal.shape or np.any(np.diff(raw) <= 0) or np.any(np.diff(cal) < 0):
            raise ValueError("a calibration needs at least two increasing knots and non-decreasing chances")
        if cal.min() < 0 or cal.max() > 1:
            raise ValueError("a calibrated confidence lies in [0, 1]")

    def __call__(self, raw_confidence) -> np.ndarray:
        """(...,) raw scores -> (...,) calibrated confidence."""
        return np.interp(np.asarray(raw_confidence, dtype=np.float64), self.raw, self.calibrated)


# Fitted on ../shared/realgt (every labelled joint of the people whose box the estimator found; docs/accuracy.md,
# "Confidence on one scale", gives the reliability). ConvNeXtPose's is XS's: the other sizes share its head and
# its score, and have no trained weights here to fit on. Below the lowest knot a joint is 0.25 sure (a quarter of
# XS's least sure joints were still placed right), so untrained weights (raw 0.03-0.11) are sure of nothing.
CONVNEXTPOSE_CALIBRATION = Calibration(
    raw=(0.154, 0.246, 0.309, 0.374, 0.46, 0.596),
    calibrated=(0.25, 0.54, 0.74, 0.74, 0.76, 0.95),
    fitted_on="ConvNeXtPose-XS (authors' weights, stem restored) on ../shared/realgt: 22 photos, 304 joints",
)
BLAZEPOSE_CALIBRATION = Calibration(
    raw=(0.399, 0.876, 0.977, 0.997, 0.999, 1.0),
    calibrated=(0.68, 0.83, 0.88, 0.89, 0.91, 0.97),
    fitted_on="BlazePose (MediaPipe 0.10.21, full) on ../shared/realgt: 22 photos, 304 joints",
)


# ConvNeXtPose joints with no landmark of their own, each inside a rigid segment of the body, in the order they
# are settled: at least as sure as the lesser of the segment's two ends. Their heatmaps spread along the segment,
# so their own scores undersell them (the Torso's is flat, whether it lies near its label or far off), and the
# calibration above, fitted on joints the photos label, does not speak for them. On ../shared/realgt's people that
# label them (3DHP's spine, JHMDB's belly; MPII, MHP and 3DHP's thorax), the joints this makes sure lie where the
# labels are, as their own scores' did: docs/accuracy.md, "Joints inside the trunk", has the figures.
JOINTS_BETWEEN: tuple[tuple[str, tuple[str, str]], ...] = (
    ("Neck", ("L_Shoulder", "R_Shoulder")),
    ("Torso", ("Pelvis", "Neck")),
)
_BETWEEN = [(JOINT_NAMES.index(joint), [JOINT_NAMES.index(end) for end in ends]) for joint, ends in JOINTS_BETWEEN]


def joints_between(confidence: np.ndarray) -> np.ndarray:
    """(..., 18) calibrated joint confidence (finite), each joint of :data:`JOINTS_BETWEEN` raised to the lesser of
    its two ends' where that is higher (a copy)."""
    confidence = np.array(confidence, dtype=np.float64, copy=True)
    for joint, ends in _BETWEEN:
        confidence[..., joint] = np.maximum(confidence[..., joint], confidence[..., ends].min(axis=-1))
    return confidence
