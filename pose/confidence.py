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
    "TORSO_BETWEEN",
    "torso_from_trunk",
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


# ConvNeXtPose's Torso (Human3.6M's spine: a point inside the trunk, with no landmark to peak on) has a diffuse
# heatmap, so its own score says nothing: the trained XS gave it 0.25-0.33 (calibrated) on each of the 7 people of
# ../shared/realgt that label a spine (3DHP's spine, JHMDB's belly), whether it lay 0.01 or 0.49 of the box from
# the label, and 0.25-0.38 (median) on the people of the clips in ../shared/videos, where it was then hardly ever
# drawn and every trunk fell apart into legs, arms and head. It lies on the trunk between its two neighbours in
# the skeleton (:data:`pose.skeleton.BONES`), and is placed as well as they are: as the lesser of the two, the 4
# labelled torsos it makes sure lie 0.01-0.17 of the box off (right at PCK@0.2, as BlazePose's 0.03-0.12), and the
# one far off (0.49, a woman sitting on the floor) stays unsure with her pelvis (docs/accuracy.md).
TORSO_BETWEEN = ("Pelvis", "Neck")
_TORSO, _TRUNK_ENDS = JOINT_NAMES.index("Torso"), [JOINT_NAMES.index(name) for name in TORSO_BETWEEN]


def torso_from_trunk(confidence: np.ndarray) -> np.ndarray:
    """(..., 18) calibrated joint confidence, with the Torso's replaced by the lesser of :data:`TORSO_BETWEEN`'s
    (ConvNeXtPose's own Torso score says nothing: see the data above)."""
    confidence = np.array(confidence, dtype=np.float64, copy=True)
    confidence[..., _TORSO] = confidence[..., _TRUNK_ENDS].min(axis=-1)
    return confidence
