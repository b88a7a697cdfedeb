"""Joint confidence on one scale (pose.confidence) and its fitting (pose.measure.calibration)."""

from __future__ import annotations

import numpy as np
import pytest

from pose.confidence import BLAZEPOSE_CALIBRATION, CONVNEXTPOSE_CALIBRATION, SURE, Calibration, joints_between
from pose.measure.calibration import _isotonic, calibration_error, fit_calibration, reliability
from pose.skeleton import JOINT_NAMES


def test_a_calibration_maps_scores_through_its_knots_and_is_flat_beyond_them():
    table = Calibration(raw=(0.2, 0.4, 0.6), calibrated=(0.1, 0.5, 0.9))
    assert table([0.0, 0.2, 0.3, 0.6, 1.0]).tolist() == pytest.approx([0.1, 0.1, 0.3, 0.9, 0.9])
    assert table(np.zeros((2, 18))).shape == (2, 18)


@pytest.mark.parametrize(
    "raw, calibrated",
    [((0.5,), (0.5,)), ((0.4, 0.2), (0.1, 0.2)), ((0.1, 0.2), (0.6, 0.5)), ((0.1, 0.2), (0.5, 1.5))],
    ids=["one-knot", "scores-not-increasing", "chance-falling", "chance-over-one"],
)
def test_a_table_that_is_no_calibration_is_refused(raw, calibrated):
    with pytest.raises(ValueError):
        Calibration(raw, calibrated)


def test_the_tables_in_force_are_sure_where_their_models_are_right():
    # ConvNeXtPose's heatmap scores span 0.05-0.8; untrained weights give 0.03-0.11 and must be sure of nothing
    assert CONVNEXTPOSE_CALIBRATION([0.03, 0.11]).max() < SURE
    assert CONVNEXTPOSE_CALIBRATION(0.6) > SURE
    # BlazePose's visibility: a landmark it sees is sure, and one of 0.0 is still placed right more often than not
    assert BLAZEPOSE_CALIBRATION(1.0) > SURE


def test_isotonic_regression_pools_the_violators():
    assert _isotonic(np.array([1.0, 3.0, 2.0, 4.0])).tolist() == [1.0, 2.5, 2.5, 4.0]
    assert _isotonic(np.array([3.0, 2.0, 1.0])).tolist() == [2.0, 2.0, 2.0]


def test_a_fit_recovers_how_often_joints_are_right():
    rng = np.random.default_rng(0)
    raw = rng.uniform(0.0, 1.0, 4000)
    right = (rng.uniform(0.0, 1.0, 4000) < raw**2).astype(float)  # right with chance raw squared
    table = fit_calibration(raw, right, knots=8)
    assert table(np.array([0.25, 0.5, 0.9])) == pytest.approx([0.0625, 0.25, 0.81], abs=0.06)
    assert calibration_error(table(raw), right) < 0.03
    assert calibration_error(raw, right) > 0.1  # the raw score was not a chance: the check can fail
    bins = reliability(table(raw), right)
    assert sum(row["joints"] for row in bins) == 4000


def test_too_few_joints_are_not_fitted():
    with pytest.raises(ValueError, match="too few"):
        fit_calibration(np.array([0.1, 0.2]), np.array([0.0, 1.0]))


def test_a_joint_inside_the_trunk_is_at_least_as_sure_as_the_lesser_of_its_segments_ends():
    index = {name: JOINT_NAMES.index(name) for name in ("Torso", "Pelvis", "Neck", "L_Shoulder", "R_Shoulder")}
    confidence = np.full((3, len(JOINT_NAMES)), 0.9)
    confidence[:, index["Torso"]] = 0.3
    confidence[:, index["Neck"]] = 0.45
    confidence[1, index["R_Shoulder"]] = 0.4  # the neck keeps its own 0.45, and the torso takes it
    confidence[2, index["Neck"]] = 0.95  # a score above its ends' is kept
    result = joints_between(confidence)
    assert result[:, index["Neck"]].tolist() == [0.9, 0.45, 0.95]
    assert result[:, index["Torso"]].tolist() == [0.9, 0.45, 0.9]  # after the neck: the lesser of pelvis and neck
    assert confidence[0, index["Torso"]] == 0.3  # the input is left as it was
    others = [i for i, name in enumerate(JOINT_NAMES) if name not in ("Torso", "Neck")]
    assert np.array_equal(result[:, others], confidence[:, others])
