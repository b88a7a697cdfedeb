import numpy as np

from pose.detect import landmark_skeleton as blazepose
from pose.skeleton import JOINT_NAMES


def test_every_joint_is_an_affine_combination():
    assert set(blazepose.JOINT_FROM_LANDMARKS) == set(JOINT_NAMES)
    np.testing.assert_allclose(blazepose.MAPPING.sum(axis=1), 1.0)


def test_mapping_of_known_landmarks():
    landmarks = np.arange(33 * 3, dtype=float).reshape(33, 3)
    joints, confidence = blazepose.to_skeleton(landmarks, np.linspace(0.1, 0.9, 33))
    lm = {n: landmarks[i] for i, n in enumerate(blazepose.LANDMARK_NAMES)}
    np.testing.assert_allclose(joints[JOINT_NAMES.index("Pelvis")], (lm["left_hip"] + lm["right_hip"]) / 2)
    np.testing.assert_allclose(joints[JOINT_NAMES.index("R_Wrist")], lm["right_wrist"])
    np.testing.assert_allclose(joints[JOINT_NAMES.index("Thorax")], (lm["left_shoulder"] + lm["right_shoulder"]) / 2)
    vis = dict(zip(blazepose.LANDMARK_NAMES, np.linspace(0.1, 0.9, 33)))
    assert confidence[JOINT_NAMES.index("Pelvis")] == min(vis["left_hip"], vis["right_hip"])


def test_shared_joints_are_single_landmarks():
    assert JOINT_NAMES.index("L_Knee") in blazepose.SHARED_JOINTS
    assert JOINT_NAMES.index("Pelvis") not in blazepose.SHARED_JOINTS
