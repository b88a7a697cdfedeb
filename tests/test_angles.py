import numpy as np

from pose.angles import joint_angles
from pose.skeleton import JOINT_NAMES


def test_straight_and_right_angles():
    kp = np.zeros((18, 3))
    idx = JOINT_NAMES.index
    kp[idx("L_Hip")] = (0, 0, 0)
    kp[idx("L_Knee")] = (0, 400, 0)
    kp[idx("L_Ankle")] = (0, 800, 0)  # straight leg
    kp[idx("R_Shoulder")] = (0, 0, 0)
    kp[idx("R_Elbow")] = (300, 0, 0)
    kp[idx("R_Wrist")] = (300, 250, 0)  # elbow at 90 degrees
    angles = joint_angles(kp)
    assert abs(angles["left knee"] - 180) < 1e-6 and abs(angles["right elbow"] - 90) < 1e-6
    series = joint_angles(np.stack([kp, np.full((18, 3), np.nan)]))
    assert series["left knee"].shape == (2,) and np.isnan(series["left knee"][1])
