import numpy as np
import pytest

from pose.detect.landmark_skeleton import SHARED_JOINTS
from pose.engine.estimator import PoseEstimator
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
    assert set(xs.stage_ms) == {"detect", "crop", "infer", "decode"} and xs.stage_ms["detect"].min() > 0
    # a frame's total is its stages; the end-to-end rate is frames over the total, the model's over its median
    np.testing.assert_allclose(xs.total_ms, sum(xs.stage_ms.values()), rtol=1e-9)
    assert xs.e2e_fps == pytest.approx(1000.0 / xs.total_ms.mean())
    assert len(xs.model_ms) == 6 and xs.model_fps == pytest.approx(1000.0 / np.median(xs.model_ms))
    # BlazePose's model alone is its landmark model on the same people (its "infer" stage is ~0 where the
    # landmarks came with the detection: a user saw 149,365 model-only FPS)
    assert len(blaze.model_ms) == 6 and blaze.model_ms.min() > 0.3
    agree = agreement(results)
    assert agree["reference"] is None  # XS is untrained: no reference; BlazePose's figures remain
    from ui.compare_charts import comparison_table

    columns = list(comparison_table(results, agree, {}).columns)
    assert "agreement: px to BlazePose" in columns and not [c for c in columns if "None" in c], columns
    # the pixel distance to BlazePose over the joints both skeletons have, on the 6 frames with a person
    shared = list(SHARED_JOINTS)
    per_joint = np.linalg.norm(xs.keypoints_2d[:6, shared] - blaze.keypoints_2d[:6, shared], axis=-1).mean(axis=0)
    assert agree["estimators"]["XS"]["px_to_blazepose"] == pytest.approx(per_joint.mean())
    assert agree["estimators"]["XS"]["jitter_per_joint_mm"].shape == (18,)


def test_untrained_skeletons_are_drawn_whole_in_compare_and_trained_ones_hide_unsure_joints():
    """Untrained confidences (0.03-0.11) mean nothing: hidden under the 0.3 threshold, the untrained sizes'
    3D scenes were empty beside BlazePose's."""
    from pose.measure.compare import Measurement
    from ui.compare_charts import skeletons_side_by_side

    rng = np.random.default_rng(0)
    pose_mm = rng.normal(0.0, 300.0, (1, 18, 3))
    unsure = np.full((1, 18), 0.05)
    untrained = Measurement("XS", False, "onnxruntime", "cpu", "fp32", keypoints_rel=pose_mm, confidence=unsure)
    trained = Measurement("S", True, "onnxruntime", "cpu", "fp32", keypoints_rel=pose_mm, confidence=unsure)
    fig = skeletons_side_by_side({"XS": untrained, "S": trained}, frame=0)
    scenes = {trace.scene for trace in fig.data if len(trace.x)}
    assert scenes == {"scene"}  # only the untrained size's scene has points: the trained one's joints are unsure


def test_the_agreement_reference_is_the_most_accurate_trained_size_and_never_an_untrained_one():
    from pose.measure.compare import Measurement, reference_for

    def measured(name, trained):
        return Measurement(name, trained, "onnxruntime", "cpu", "fp32")

    assert reference_for({"L": measured("L", False), "BlazePose": measured("BlazePose", True)}) is None
    assert reference_for({"L": measured("L", False), "XS": measured("XS", True), "S": measured("S", True)}) == "S"
    agree = agreement({"L": measured("L", False), "BlazePose": measured("BlazePose", True)})
    assert agree["reference"] is None and "px_to_reference" not in agree["estimators"]["L"]


def test_the_agreement_between_blazepose_and_the_reference_is_one_distance_either_way():
    """BlazePose's distance to the reference size and the size's distance to BlazePose are between the same two
    skeletons: one figure, over the joints both have (a user saw 39.0 px one way and 41.9 px the other)."""
    from pose.measure.compare import Measurement

    rng = np.random.default_rng(1)
    a2, b2 = rng.normal(200, 40, (5, 18, 2)), rng.normal(200, 40, (5, 18, 2))
    a3, b3 = rng.normal(0, 300, (5, 18, 3)), rng.normal(0, 300, (5, 18, 3))
    xs = Measurement("XS", True, "onnxruntime", "cpu", "fp32", keypoints_2d=a2, keypoints_rel=a3)
    blaze = Measurement("BlazePose", True, "mediapipe", "cpu", "fp32", keypoints_2d=b2, keypoints_rel=b3)
    rows = agreement({"XS": xs, "BlazePose": blaze})["estimators"]
    assert rows["BlazePose"]["px_to_reference"] == pytest.approx(rows["XS"]["px_to_blazepose"])
    assert rows["BlazePose"]["mm_to_reference"] == pytest.approx(rows["XS"]["mm_to_blazepose"])
    assert rows["BlazePose"]["mm_to_reference_per_joint"].shape == (18,)


def test_compare_draws_everyone_each_estimator_finds_on_a_real_two_person_clip(shared_videos):
    """Compare drew only each frame's first person: on the courtyard clip the woman had no skeleton at all."""
    from videos import clip_frames

    from ui.compare_charts import overlay

    frames = clip_frames(shared_videos / "two_people_courtyard.mp4", 4)
    # as the page runs BlazePose: detection on every frame
    results = compare(frames, ["BlazePose"], lambda name, _: PoseEstimator(name, detect_every=1, smoothing=False))
    blaze = results["BlazePose"]
    assert list(blaze.people) == [2, 2, 2, 2] and blaze.detected.all()
    assert [len(people) for people in blaze.frame_people] == [2, 2, 2, 2]
    assert sorted(blaze.frame_people[-1].track_id) == [1, 2]
    drawn = overlay(frames[-1], blaze, 3)
    for keypoints in blaze.frame_people[-1].keypoints_2d:  # each person's skeleton is drawn where their joints are
        x0, y0 = np.floor(keypoints.min(axis=0)).astype(int)
        x1, y1 = np.ceil(keypoints.max(axis=0)).astype(int) + 1
        changed = np.any(drawn[y0:y1, x0:x1] != frames[-1][y0:y1, x0:x1], axis=-1)
        assert changed.mean() > 0.01, f"nothing drawn over the person at x {x0}-{x1}"
    # the caption's figures: a detection's own time, and no per-person figure where every frame was detected
    assert blaze.detect_ms_when_run == np.median(blaze.stage_ms["detect"]) > 5.0
    assert np.isnan(blaze.pose_ms_per_person)


def test_blazeposes_landmark_time_per_person_is_read_from_the_frames_between_detections(shared_videos):
    from videos import clip_frames

    frames = clip_frames(shared_videos / "two_people_courtyard.mp4", 6)
    results = compare(frames, ["BlazePose"], lambda name, _: PoseEstimator(name, detect_every=30, smoothing=False))
    blaze = results["BlazePose"]
    assert blaze.detected[0] and not blaze.detected[1:].any()
    between = sum(blaze.stage_ms[s] for s in ("crop", "infer", "decode"))[1:] / blaze.people[1:]
    assert blaze.pose_ms_per_person == pytest.approx(np.median(between)) and blaze.pose_ms_per_person > 1.0
    assert blaze.detect_ms_when_run == blaze.stage_ms["detect"][0]


def test_the_agreement_heatmap_of_one_estimator_leaves_room_for_its_colour_bar_and_names():
    """With one row the chart was 160 px tall: its colour bar's labels lay on top of each other, and the joints'
    and estimators' names were cut off."""
    from ui.compare_charts import agreement_heatmap

    agree = {"reference": "XS", "estimators": {"XS": {}, "BlazePose": {"mm_to_reference_per_joint": np.ones(18)}}}
    fig = agreement_heatmap(agree)
    assert fig.layout.height >= 280
    assert fig.layout.xaxis.automargin and fig.layout.yaxis.automargin
