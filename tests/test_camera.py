"""The focal length from a field of view, and calibrated from a person of known height and distance."""

from __future__ import annotations

import numpy as np
import pytest

import pose
from pose.camera import ANKLE_HEIGHT, calibrate_focal, fov_from_focal, skeleton_height_mm
from pose.geometry import focal_from_fov
from pose.skeleton import JOINT_NAMES, NUM_JOINTS, ROOT


def _standing(height_mm: float, depth_mm: float) -> pose.Person:
    joints = np.zeros((NUM_JOINTS, 3))
    joints[:, 2] = depth_mm
    joints[JOINT_NAMES.index("Head"), 1] = -0.5 * height_mm
    for ankle in ("L_Ankle", "R_Ankle"):
        joints[JOINT_NAMES.index(ankle), 1] = 0.5 * height_mm
    return pose.Person(np.zeros(4), np.zeros((NUM_JOINTS, 2)), joints, joints - joints[ROOT], np.ones(NUM_JOINTS))


def test_fov_and_focal_are_each_others_inverse():
    for fov in (30.0, 60.0, 94.0):
        assert fov_from_focal(focal_from_fov((1280, 720), fov)[0], 1280) == pytest.approx(fov)
    with pytest.raises(ValueError, match="positive"):
        fov_from_focal(0, 640)


def test_calibration_puts_the_person_at_their_distance():
    person = _standing(1600 * (1 - ANKLE_HEIGHT), depth_mm=3000)
    assert skeleton_height_mm(person.keypoints_3d) == pytest.approx(1600 * (1 - ANKLE_HEIGHT))
    # As tall as the model thinks, 3.6 m away where the engine said 3 m: the focal length grows by 3.6 / 3.
    assert calibrate_focal(person, 1000.0, 1600, 3600) == pytest.approx(1200.0)
    # Taller than the model thinks at the same distance: a shorter focal length (they are smaller in 3D).
    assert calibrate_focal(person, 1000.0, 2000, 3600) == pytest.approx(1200.0 * 1600 / 2000)
    with pytest.raises(ValueError, match="positive"):
        calibrate_focal(person, 1000.0, 1700, -1)
    with pytest.raises(ValueError, match="no height"):
        calibrate_focal(_standing(0, 3000), 1000.0, 1700, 3000)


@pytest.mark.slow
def test_calibration_on_real_3d_frames_finds_their_focal_length(realgt_dir):
    import cv2

    from pose.measure.annotations import H36M_JOINTS, read_annotations
    from pose.measure.scoring import score_image

    found = []
    for image in [i for i in read_annotations(realgt_dir) if i.camera is not None][1:3]:
        with pose.PoseEstimator("BlazePose", static_image_mode=True) as estimator:  # the default 60 degrees
            people = estimator.process(cv2.imread(str(image.path))).people
        match = score_image(image, people).matches[0]
        gt = image.people[match.gt].joints_3d_cam_mm
        ankles = gt[[H36M_JOINTS.index("left_ankle"), H36M_JOINTS.index("right_ankle")]].mean(axis=0)
        height = np.linalg.norm(gt[H36M_JOINTS.index("head")] - ankles) / (1 - ANKLE_HEIGHT)
        focal = calibrate_focal(people[match.pred], focal_from_fov(image.size, 60.0)[0], height, gt[0, 2])
        found.append(focal / image.camera.focal[0])
    assert found and all(abs(ratio - 1) < 0.1 for ratio in found)  # measured: 1.00 and 0.97
