"""Synthetic motion with a known answer: a body whose bones keep their lengths and whose pelvis and shoulders
are rigid, moving smoothly (turning, walking, swinging every limb), in the engine's camera millimetres."""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

from pose.export import LAB_FROM_CAMERA, PersonMotion
from pose.skeleton import JOINT_NAMES

J = {name: i for i, name in enumerate(JOINT_NAMES)}


def _direction(t: np.ndarray, rest: np.ndarray, phase: float, swing_deg: float) -> np.ndarray:
    """(T, 3) a unit vector swinging smoothly about ``rest`` on two axes."""
    angles = np.stack([swing_deg * np.sin(t * 1.3 + phase), swing_deg * 0.6 * np.sin(t * 0.7 + 2 * phase), 0 * t], 1)
    return Rotation.from_euler("xzy", angles, degrees=True).apply(rest)


def synthetic_lab(frames: int = 120, rate_hz: float = 30.0, seed: int = 0) -> np.ndarray:
    """(T, 18, 3) lab millimetres (Y up) of a moving body with rigid pelvis and shoulders and fixed bones."""
    rng = np.random.default_rng(seed)
    t = np.arange(frames) / rate_hz * 2.0
    p = np.zeros((frames, len(JOINT_NAMES), 3))
    body = Rotation.from_euler("yx", np.stack([40 * np.sin(t * 0.5), 10 * np.sin(t)], 1), degrees=True)
    p[:, J["Pelvis"]] = np.stack([300 * np.sin(t * 0.4), 900 + 30 * np.sin(t * 2), -3500 + 200 * np.cos(t * 0.3)], 1)
    pelvis = {"R_Hip": (-110, -10, 5), "L_Hip": (110, -10, 5), "Torso": (0, 230, 25)}
    for name, offset in pelvis.items():
        p[:, J[name]] = p[:, J["Pelvis"]] + body.apply(offset)
    spine = body * Rotation.from_euler("xz", np.stack([15 * np.sin(t), 10 * np.sin(t * 0.8)], 1), degrees=True)
    p[:, J["Neck"]] = p[:, J["Torso"]] + spine.apply([0, 260, 0])
    shoulders = {
        "L_Shoulder": (170, -35, -5),
        "R_Shoulder": (-170, -35, -5),
        "Nose": (0, 110, 70),
        "Thorax": (0, -40, 0),
    }
    for name, offset in shoulders.items():
        p[:, J[name]] = p[:, J["Neck"]] + spine.apply(offset)
    p[:, J["Head"]] = p[:, J["Nose"]] + 120 * _direction(t, np.array([0, 1.0, -0.3]) / 1.044, 0.3, 20)
    limbs = {
        ("L_Shoulder", "L_Elbow", "L_Wrist"): ((0.3, -1, 0.2), 290, 250),
        ("R_Shoulder", "R_Elbow", "R_Wrist"): ((-0.3, -1, 0.2), 290, 250),
        ("L_Hip", "L_Knee", "L_Ankle"): ((0.05, -1, 0.1), 420, 400),
        ("R_Hip", "R_Knee", "R_Ankle"): ((-0.05, -1, 0.1), 420, 400),
    }
    for (upper, middle, lower), (rest, l1, l2) in limbs.items():
        rest = np.array(rest) / np.linalg.norm(rest)
        phase = rng.uniform(0, 6)
        p[:, J[middle]] = p[:, J[upper]] + l1 * _direction(t, rest, phase, 50)
        p[:, J[lower]] = p[:, J[middle]] + l2 * _direction(t, rest, phase + 1.0, 70)
    return p


def synthetic_motion(frames: int = 120, rate_hz: float = 30.0, person: int = 1, seed: int = 0) -> PersonMotion:
    """The synthetic body as a track in camera millimetres (the engine's axes), frames 0..T-1."""
    cam = synthetic_lab(frames, rate_hz, seed) @ LAB_FROM_CAMERA  # the turn is its own inverse
    return PersonMotion(person, rate_hz, np.arange(frames), np.arange(frames) / rate_hz, cam)
