import numpy as np
import pytest

from pose.estimator import PoseEstimator
from pose.measure.compare import SharedDetections, agreement, compare, measure_gmacs, pareto_front
from pose.measure.samples import moving_person_frames


def test_measured_macs_match_the_paper():
    # the paper counts multiply-accumulates as "FLOPs": M 2.82 and L 4.30 G
    assert measure_gmacs("M") == pytest.approx(2.82, rel=0.02)
    assert measure_gmacs("L") == pytest.approx(4.30, rel=0.02)
    assert measure_gmacs("XS") < measure_gmacs("S") < measure_gmacs("M")


def test_pareto_front():
    points = {"XS": (100, 56.6), "S": (50, 51.8), "M": (40, 51.05), "L": (30, 49.75), "slow-bad": (20, 60)}
    assert pareto_front(points) == ["L", "M", "S", "XS"]
    points["S"] = (35, 52.0)  # slower and worse than M
    assert "S" not in pareto_front(points)


def test_compare_uses_the_same_crops_and_measures(xs_runner):
    frames = list(moving_person_frames(8, (320, 240), absent=(6, 8)))
    made = {}

    def make(name, detector):
        est = PoseEstimator(
            name, runner=xs_runner if name != "BlazePose" else None, detector=detector, detect_every=1, smoothing=False
        )
        made[name] = detector
        return est

    results = compare(frames, ["XS", "BlazePose"], make)
    assert isinstance(made["XS"], SharedDetections) and made["BlazePose"] is None
    xs, blaze = results["XS"], results["BlazePose"]
    assert xs.keypoints_2d.shape == (8, 18, 2) and np.isnan(xs.keypoints_2d[7]).all()
    assert not np.isnan(blaze.keypoints_2d[:6]).any()
    assert xs.e2e_fps > 0 and xs.model_fps > 0 and len(xs.model_ms) == 6
    assert set(xs.stage_ms) == {"detect", "crop", "infer", "decode"} and xs.stage_ms["detect"].min() > 0
    agree = agreement(results)
    assert agree["reference"] == "XS"
    assert agree["estimators"]["XS"]["px_to_blazepose"] > 0
    assert agree["estimators"]["XS"]["jitter_per_joint_mm"].shape == (18,)
