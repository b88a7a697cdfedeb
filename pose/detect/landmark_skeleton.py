"""MediaPipe BlazePose's 33 landmarks mapped onto ConvNeXtPose's 18-joint skeleton, as data."""

from __future__ import annotations

import numpy as np

from ..skeleton import JOINT_NAMES

__all__ = ["LANDMARK_NAMES", "JOINT_FROM_LANDMARKS", "MAPPING", "to_skeleton", "SHARED_JOINTS"]

# fmt: off
LANDMARK_NAMES: tuple[str, ...] = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye", "right_eye_outer",
    "left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_pinky", "right_pinky",
    "left_index", "right_index", "left_thumb", "right_thumb", "left_hip", "right_hip",
    "left_knee", "right_knee", "left_ankle", "right_ankle", "left_heel", "right_heel",
    "left_foot_index", "right_foot_index",
)
# fmt: on

# Each joint as a weighted sum of landmarks (weights sum to 1, so the map is affine).
JOINT_FROM_LANDMARKS: dict[str, dict[str, float]] = {
    "Pelvis": {"left_hip": 0.5, "right_hip": 0.5},
    "R_Hip": {"right_hip": 1.0},
    "R_Knee": {"right_knee": 1.0},
    "R_Ankle": {"right_ankle": 1.0},
    "L_Hip": {"left_hip": 1.0},
    "L_Knee": {"left_knee": 1.0},
    "L_Ankle": {"left_ankle": 1.0},
    "Torso": {"left_hip": 0.25, "right_hip": 0.25, "left_shoulder": 0.25, "right_shoulder": 0.25},
    "Neck": {"left_shoulder": 0.375, "right_shoulder": 0.375, "mouth_left": 0.125, "mouth_right": 0.125},
    "Nose": {"nose": 1.0},
    # head top: above the ears by the ears-to-mouth distance
    "Head": {"left_ear": 1.0, "right_ear": 1.0, "mouth_left": -0.5, "mouth_right": -0.5},
    "L_Shoulder": {"left_shoulder": 1.0},
    "L_Elbow": {"left_elbow": 1.0},
    "L_Wrist": {"left_wrist": 1.0},
    "R_Shoulder": {"right_shoulder": 1.0},
    "R_Elbow": {"right_elbow": 1.0},
    "R_Wrist": {"right_wrist": 1.0},
    "Thorax": {"left_shoulder": 0.5, "right_shoulder": 0.5},
}

# (18, 33) matrix: skeleton = MAPPING @ landmarks
MAPPING = np.zeros((len(JOINT_NAMES), len(LANDMARK_NAMES)))
for _joint, _weights in JOINT_FROM_LANDMARKS.items():
    for _landmark, _w in _weights.items():
        MAPPING[JOINT_NAMES.index(_joint), LANDMARK_NAMES.index(_landmark)] = _w

# Joints that are a single landmark in both skeletons (for agreement measures).
SHARED_JOINTS: tuple[int, ...] = tuple(JOINT_NAMES.index(j) for j, w in JOINT_FROM_LANDMARKS.items() if len(w) == 1)


def to_skeleton(landmarks: np.ndarray, visibility: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Map (33, D) landmarks to (18, D) joints; confidence (18,) is the least visibility used."""
    joints = MAPPING @ np.asarray(landmarks, dtype=np.float64)
    if visibility is None:
        return joints, np.ones(len(JOINT_NAMES))
    used = MAPPING != 0
    confidence = np.where(used, np.asarray(visibility)[None, :], np.inf).min(axis=1)
    return joints, confidence
