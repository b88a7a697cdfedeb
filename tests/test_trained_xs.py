"""The authors' trained ConvNeXtPose-XS (../shared/weights: its stem restored) on real photos and clips: the path
a user with the authors' checkpoints takes. Its skeletons agree with annotated photos, its confidence is on the
common scale, its depth comes from its skeleton, and the tracker follows real clips on its sure skeletons, the
landmark confirmer unused."""

from __future__ import annotations

import json

import numpy as np
import pytest
from videos import clip_frames

import pose
from pose.confidence import JOINTS_BETWEEN, SURE
from pose.draw.figures import people_figure
from pose.geometry import box_iou
from pose.measure.accuracy import measure, predict
from pose.measure.annotations import read_annotations
from pose.measure.calibration import calibration_error, joint_outcomes
from pose.measure.scoring import score_image, summarise
from pose.skeleton import JOINT_NAMES


@pytest.fixture(scope="module")
def realgt_xs(realgt_dir, trained_weights, monkeypatch_module):
    """(images, each image's people) of the trained XS on ../shared/realgt, each photo with its own camera."""
    monkeypatch_module.setenv("CONVNEXTPOSE_WEIGHTS", str(trained_weights))
    images = read_annotations(realgt_dir)
    run, close = predict("XS", camera="true")
    try:
        people, _ = measure(images, run)
    finally:
        close()
    return images, people


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_the_trained_weights_are_found_and_loaded(trained_weights):
    with pose.PoseEstimator("XS", weights_folder=trained_weights) as estimator:
        assert estimator.trained and estimator.runner.checkpoint.name == "ConvNeXtPose_XS.tar"
    assert pose.default_estimator(trained_weights) == "XS"  # the app opens on it


def test_its_skeletons_agree_with_annotated_photos(realgt_xs):
    images, people = realgt_xs
    summary = summarise([score_image(image, found) for image, found in zip(images, people)])
    # measured: PCK@0.2 0.85 over the people found, recall 0.51 (21 of 41), 3D MPJPE 160 mm; untrained weights
    # score PCK 0 here, and a model fed the wrong colours or crops scores far lower
    assert summary["pck"] >= 0.78, summary
    assert summary["recall"] >= 0.45, summary
    assert summary["mpjpe_mm"] <= 220, summary


@pytest.mark.slow
def test_a_plug_in_detectors_false_boxes_are_not_its_people(realgt_dir, shared_dir, trained_weights, monkeypatch):
    """ConvNeXtPose gives a skeleton for any box, so a plug-in detector's boxes reach it where BlazePose's landmark
    model sees a person in them (pose.detect.confirmed). Measured with PicoDet-S: 27 of 41 found, 7 false (5 of
    them part boxes, the model's own); every box given, 27 and 11, which fails."""
    monkeypatch.setenv("CONVNEXTPOSE_WEIGHTS", str(trained_weights))
    images = read_annotations(realgt_dir)
    run, close = predict("XS", detector=str(shared_dir / "detectors" / "picodet_s_416_coco.onnx"))
    try:
        people, _ = measure(images, run)
    finally:
        close()
    summary = summarise([score_image(image, found) for image, found in zip(images, people)])
    assert summary["true_detections"] >= 26, summary
    assert summary["false_detections"] <= 8, summary


def test_its_confidence_is_on_the_common_scale(realgt_xs):
    confidence, right = joint_outcomes(*realgt_xs)
    assert len(confidence) > 200
    assert calibration_error(confidence, right) < 0.1  # measured 0.057
    # a sure joint is more likely right than wrong, an unsure one is not
    assert right[confidence >= SURE].mean() > 0.6
    assert right[confidence < SURE].mean() < 0.5


def test_its_depth_comes_from_its_skeleton(realgt_xs):
    images, people = realgt_xs
    summary = summarise([score_image(image, found) for image, found in zip(images, people)])
    assert summary["people_3d"] >= 3
    # measured: 3% median (every bone alike: 11%; the box-size prior: 14%, on the same people)
    assert summary["root_depth_error_median_rel"] <= 0.08, summary["root_depth_mm"]


def _labelled(realgt_dir, found_in) -> dict[str, list[tuple[list, list]]]:
    """Per photo, (box, point) of each person with a label ``found_in(person)`` gives (None: no label)."""
    entries = json.loads((realgt_dir / "annotations.json").read_text())["images"]
    return {
        entry["file"]: [(p["box_xywh"], found_in(p)) for p in entry["people"] if found_in(p) is not None]
        for entry in entries
    }


def _spine(person):
    extra = person.get("extra_keypoints") or {}
    return extra.get("spine") or extra.get("belly")  # 3DHP's spine, JHMDB's belly


def _thorax(person):
    return (person.get("keypoints") or {}).get("thorax")  # the base of the neck: Human3.6M's thorax


@pytest.mark.parametrize(("joint", "label"), [("Torso", _spine), ("Neck", _thorax)], ids=["torso", "neck"])
def test_a_joint_inside_the_trunk_it_makes_sure_lies_where_the_photos_label_it(realgt_xs, realgt_dir, joint, label):
    """The Torso and the Neck have no landmark of their own and their own scores undersell them: each is as sure
    as the lesser of its segment's ends where that is higher (pose.confidence.joints_between). Where it is sure, it
    must lie where the annotator put the point, within PCK@0.2, on at least 0.8 of the people (the figures and the
    margin: docs/accuracy.md, "Joints inside the trunk")."""
    images, people = realgt_xs
    labelled, index = _labelled(realgt_dir, label), JOINT_NAMES.index(joint)
    checked = []
    for image, found in zip(images, people):
        for box, point in labelled.get(image.name, []):
            overlaps = [float(box_iou([box], [person.bbox_xywh])[0, 0]) for person in found]
            if not overlaps or max(overlaps) < 0.5:
                continue  # not found
            person = found[int(np.argmax(overlaps))]
            error = np.linalg.norm(person.keypoints_2d[index] - np.asarray(point[:2])) / max(box[2:])
            checked.append((image.name, round(float(person.confidence[index]), 2), round(float(error), 3)))
    sure = [error for _, confidence, error in checked if confidence >= SURE]
    assert len(checked) >= 5 and len(sure) >= 3, checked
    assert np.mean(np.array(sure) <= 0.2) >= 0.8, checked


# People in view throughout the first frames of each clip (../shared/videos/README.md; checked by eye).
HALF_THE_JOINTS = 9
PEOPLE_IN_CLIP = {"two_people_courtyard.mp4": 2, "lateral_raise.mp4": 1, "basketball_drills.mp4": 2}


@pytest.mark.parametrize("clip", sorted(PEOPLE_IN_CLIP), ids=lambda name: name.removesuffix(".mp4"))
def test_the_tracker_follows_real_clips_on_its_sure_skeletons(shared_videos, trained_weights, clip):
    frames = clip_frames(shared_videos / clip, 40)
    people = PEOPLE_IN_CLIP[clip]
    asked = []
    with pose.PoseEstimator("XS", weights_folder=trained_weights) as estimator:
        confirm = estimator.confirmer
        estimator.confirmer = None if confirm is None else _Counting(confirm, asked)
        results = [estimator.process(frame) for frame in frames]
        sure = [track.confident for track in estimator.tracker.tracks]
        estimator.confirmer = confirm
    found = [len(r.people) for r in results]
    ids = [sorted(r.people.track_id.tolist()) for r in results]
    # Everyone on every frame after the first five, but for one frame at most with one fewer: basketball_drills'
    # half-hidden player's mean confidence sits at the cut there (0.49-0.50, by the run's float order), and where
    # it dips under it two frames running, BlazePose's landmark model, asked in his region, may miss him (about
    # one run in five on this machine; the next frame's detection finds him again with his id).
    dips = [i for i, n in enumerate(found) if i >= 5 and n != people]
    assert len(dips) <= 1 and all(found[i] == people - 1 for i in dips), f"people per frame: {found}"
    assert ids[-1] == list(range(1, people + 1)), f"ids per frame: {ids}"  # each person kept their first id
    assert all(sure), "a trained skeleton of a person in plain view is sure of them"
    # sure tracks need no confirmer: it is asked only on the frame or two the half-hidden player's skeleton dips
    assert len(asked) <= 2, f"the landmark confirmer was asked on {len(asked)} frames: sure tracks need none"
    # Each person is drawn: at least half their joints sure, and a 3D chart with their points. One
    # frame's count swings by a few joints with the CPU's float order (a half-hidden player read 9-12
    # over the last ten frames), so the floor is on the median of the last ten; on the dev clips the
    # lowest median is 11 of 18 against the floor of 9
    # (10.5 before the joints inside the trunk were raised to their segment's ends).
    recent = np.array([(r.people.confidence >= SURE).sum(axis=1) for r in results[-10:]])
    assert np.median(recent, axis=0).min() >= HALF_THE_JOINTS, recent.tolist()
    last = results[-1].people
    figure = people_figure(list(last), min_confidence=SURE)
    points = sum(
        np.isfinite(np.asarray(trace.x, dtype=float)).sum()
        for trace in figure.data
        if trace.type == "scatter3d" and trace.x is not None
    )
    assert points >= (last.confidence >= SURE).sum(), f"{points} points drawn in 3D for {people} people"
    assert points >= HALF_THE_JOINTS * people, f"{points} points drawn in 3D for {people} people"
    # wiring: each joint inside the trunk is sure wherever its segment's ends are (pose.confidence.joints_between, in
    # the pose model's output), so a person is drawn in one piece; without it the torso was sure on none of these
    # clips' frames, and every trunk fell apart into legs, arms and head
    for joint, ends in JOINTS_BETWEEN:
        columns = [JOINT_NAMES.index(name) for name in (ends[0], joint, ends[1])]
        seen = np.concatenate([r.people.confidence[:, columns] for r in results]) >= SURE
        both = seen[:, 0] & seen[:, 2]
        assert both.any() and seen[both, 1].all(), f"{joint}: sure on {seen[both, 1].sum()} of {both.sum()}"


class _Counting:
    """A confirmer that records each call, then asks the real one."""

    def __init__(self, confirm, calls: list) -> None:
        self.confirm, self.calls, self.landmarker = confirm, calls, confirm.landmarker

    def __call__(self, *args):
        self.calls.append(args)
        return self.confirm(*args)

    def close(self) -> None:
        self.confirm.close()
