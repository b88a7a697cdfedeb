"""Joint angles from 3D keypoints (knees, elbows, hips, shoulders), as data and one function."""

from __future__ import annotations

import numpy as np

from .skeleton import JOINT_NAMES

__all__ = ["ANGLES", "FLEXION", "FLEXION_COLUMNS", "joint_angles", "flexion_angles"]

# angle name -> (joint a, vertex, joint b): the angle at the vertex between the segments to a and b
ANGLES: dict[str, tuple[str, str, str]] = {
    "left knee": ("L_Hip", "L_Knee", "L_Ankle"),
    "right knee": ("R_Hip", "R_Knee", "R_Ankle"),
    "left elbow": ("L_Shoulder", "L_Elbow", "L_Wrist"),
    "right elbow": ("R_Shoulder", "R_Elbow", "R_Wrist"),
    "left hip": ("L_Shoulder", "L_Hip", "L_Knee"),
    "right hip": ("R_Shoulder", "R_Hip", "R_Knee"),
    "left shoulder": ("L_Hip", "L_Shoulder", "L_Elbow"),  # arm raised sideways or forwards: 0 = along the body
    "right shoulder": ("R_Hip", "R_Shoulder", "R_Elbow"),
}
_INDEX = {name: tuple(JOINT_NAMES.index(j) for j in joints) for name, joints in ANGLES.items()}


def joint_angles(keypoints: np.ndarray) -> dict[str, np.ndarray]:
    """Angles in degrees (180 = straight) for keypoints (..., 18, 3); NaN where a joint is missing."""
    keypoints = np.asarray(keypoints, dtype=np.float64)
    out = {}
    for name, (a, v, b) in _INDEX.items():
        u = keypoints[..., a, :] - keypoints[..., v, :]
        w = keypoints[..., b, :] - keypoints[..., v, :]
        with np.errstate(invalid="ignore", divide="ignore"):  # missing joints are NaN, and stay NaN
            cos = (u * w).sum(-1) / (np.linalg.norm(u, axis=-1) * np.linalg.norm(w, axis=-1))
        out[name] = np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))
    return out


# Flexion, one convention for every joint: 0 degrees at the anatomical neutral (standing straight, arms
# hanging), growing as the joint bends, unsigned. Knees, hips, elbows: 180 minus the angle above (so a
# straight knee is 0, a right-angled one 90); shoulders: the angle above itself (the arm's elevation from
# the trunk, forwards or sideways alike).
FLEXION: dict[str, bool] = {  # angle name -> measured from straight (True) or from the body (False)
    "left knee": True, "right knee": True, "left hip": True, "right hip": True,
    "left elbow": True, "right elbow": True, "left shoulder": False, "right shoulder": False,
}  # fmt: skip
FLEXION_COLUMNS: tuple[str, ...] = tuple(f"{name.replace(' ', '_')}_flexion_deg" for name in FLEXION)


def flexion_angles(keypoints: np.ndarray) -> dict[str, np.ndarray]:
    """Flexion in degrees (see :data:`FLEXION`) for keypoints (..., 18, 3); NaN where a joint is missing."""
    angles = joint_angles(keypoints)
    return {name: 180.0 - angles[name] if from_straight else angles[name] for name, from_straight in FLEXION.items()}
