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


def test_flexion_is_zero_standing_and_grows_as_the_joint_bends():
    from motions import J

    from pose.angles import FLEXION_COLUMNS, flexion_angles

    standing = np.zeros((18, 3))  # camera mm, y down: shoulders above hips above knees above ankles
    for side, x in (("L", 150), ("R", -150)):
        standing[J[f"{side}_Shoulder"]] = (x, -500, 0)
        standing[J[f"{side}_Elbow"]] = (x, -200, 0)
        standing[J[f"{side}_Wrist"]] = (x, 50, 0)
        standing[J[f"{side}_Hip"]] = (x, 0, 0)
        standing[J[f"{side}_Knee"]] = (x, 420, 0)
        standing[J[f"{side}_Ankle"]] = (x, 820, 0)
    squat = standing.copy()
    squat[J["L_Knee"]] = (150, 0, -420)  # thigh forward, level: hip at 90
    squat[J["L_Ankle"]] = (150, 400, -420)  # shank down: knee at 90
    squat[J["R_Elbow"]] = (-150, -500, -300)  # upper arm forward, level: shoulder at 90
    squat[J["R_Wrist"]] = (-150, -250, -300)  # forearm down: elbow at 90
    neutral, bent = flexion_angles(standing), flexion_angles(squat)
    assert len(FLEXION_COLUMNS) == 8 and all(abs(v) < 1e-6 for v in neutral.values())
    assert abs(bent["left knee"] - 90) < 1e-6 and abs(bent["left hip"] - 90) < 1e-6
    assert abs(bent["right shoulder"] - 90) < 1e-6 and abs(bent["right elbow"] - 90) < 1e-6
