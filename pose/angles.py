"""Joint angles from 3D keypoints (knees, elbows, hips, shoulders), as data and one function."""

from __future__ import annotations

import numpy as np

from .skeleton import JOINT_NAMES

__all__ = ["ANGLES", "joint_angles"]

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
