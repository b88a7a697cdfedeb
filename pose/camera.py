"""The camera's focal length: from a field of view, and calibrated from one person of known height.

Why a known height alone cannot give the focal length: the engine's 3D skeleton has the same size
whatever the focal length (BlazePose's is metric; ConvNeXtPose's is back-projected at a depth that
grows with the focal length, so its size does not change); only the depth scales with it. A person's
height fixes the ratio of their distance to the focal length, not either alone (a tall person far away
looks like a short one nearby). So the calibration takes their distance from the camera too, e.g.
measured on the floor, and gives the focal length at which the engine puts them there.
"""

from __future__ import annotations

import numpy as np

from .skeleton import JOINT_NAMES, ROOT

__all__ = ["ANKLE_HEIGHT", "fov_from_focal", "skeleton_height_mm", "calibrate_focal"]

# Ankle joints stand 0.039 of the stature above the floor (Drillis and Contini's segment proportions);
# the skeleton's head joint is the top of the head.
ANKLE_HEIGHT = 0.039
_HEAD = JOINT_NAMES.index("Head")
_ANKLES = [JOINT_NAMES.index("L_Ankle"), JOINT_NAMES.index("R_Ankle")]


def fov_from_focal(focal_px: float, width_px: int) -> float:
    """The horizontal field of view (degrees) of a focal length (pixels) on frames ``width_px`` wide.

    Raises:
        ValueError: for a focal length or width that is not positive.
    """
    if not focal_px > 0 or not width_px > 0:
        raise ValueError(f"focal length and width must be positive, got {focal_px} and {width_px}")
    return float(np.degrees(2.0 * np.arctan(width_px / 2.0 / focal_px)))


def skeleton_height_mm(keypoints_3d: np.ndarray) -> float:
    """Head top to the ankles' midpoint (mm) of an (18, 3) skeleton, as a standing person's height
    less the ankles' height (:data:`ANKLE_HEIGHT`)."""
    joints = np.asarray(keypoints_3d, dtype=np.float64)
    return float(np.linalg.norm(joints[_HEAD] - joints[_ANKLES].mean(axis=0)))


def calibrate_focal(person, focal_px: float, height_mm: float, distance_mm: float) -> float:
    """The focal length (pixels) at which the engine puts a standing person of known height at their
    known distance.

    Args:
        person: a :class:`pose.Person` (standing, head to ankles in view) found with ``focal_px``.
        focal_px: the focal length it was estimated with (the estimator's, e.g. from its field of view).
        height_mm: the person's height.
        distance_mm: their distance from the camera (to the pelvis, along the optical axis).

    Raises:
        ValueError: for a height or distance that is not positive, or a skeleton with no height.
    """
    if not height_mm > 0 or not distance_mm > 0 or not focal_px > 0:
        raise ValueError(
            f"height, distance and focal length must be positive, got {height_mm}, {distance_mm}, {focal_px}"
        )
    model_height = skeleton_height_mm(person.keypoints_3d)
    depth = float(np.asarray(person.keypoints_3d, dtype=np.float64)[ROOT, 2])
    if not model_height > 0 or not depth > 0:
        raise ValueError("the person's skeleton has no height or stands behind the camera")
    # The engine's depth is proportional to the focal length; a person model_height tall where the real one
    # is (1 - ANKLE_HEIGHT) * height_mm should stand at distance * model_height / that real height.
    wanted_depth = distance_mm * model_height / ((1.0 - ANKLE_HEIGHT) * height_mm)
    return float(focal_px * wanted_depth / depth)
