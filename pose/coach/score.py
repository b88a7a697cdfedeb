"""The coach's comparison: how close a live pose is to a reference pose, limb by limb.

Poses are compared by the directions of their limbs in the person's own
frame: root-relative 3D keypoints (so where the person stands does not
matter), unit directions (nor how tall they are), turned about the vertical
axis so that the hips and shoulders face the camera (nor where the camera
stands around them). The vertical is the camera's: a camera held upright is
assumed, so that lying down and standing up stay different poses. ::

    result = score_pose(reference, live)           # two pose.Person
    result.score, result.worst_limb, result.limb_errors_deg["left_upper_arm"]
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from ..angles import ANGLES, joint_angles
from ..confidence import SURE
from ..engine.estimator import Person
from ..skeleton import FLIP_PERMUTATION, JOINT_NAMES

__all__ = [
    "Limb",
    "LIMBS",
    "LIMB_NAMES",
    "PoseScore",
    "score_pose",
    "heading_rotation",
    "mirror_keypoints",
    "align_reference",
]


@dataclass(frozen=True)
class Limb:
    """A body segment whose direction is compared: from joint ``start`` to joint ``end``; ``weight`` in the score."""

    name: str
    start: str
    end: str
    weight: float = 1.0

    @property
    def joints(self) -> tuple[int, int]:
        return JOINT_NAMES.index(self.start), JOINT_NAMES.index(self.end)


# fmt: off
LIMBS: tuple[Limb, ...] = (
    Limb("torso",           "Pelvis",     "Neck"),
    Limb("head",            "Neck",       "Head",       0.5),
    Limb("shoulders",       "R_Shoulder", "L_Shoulder", 0.5),
    Limb("hips",            "R_Hip",      "L_Hip",      0.5),
    Limb("left_upper_arm",  "L_Shoulder", "L_Elbow"),
    Limb("left_forearm",    "L_Elbow",    "L_Wrist"),
    Limb("right_upper_arm", "R_Shoulder", "R_Elbow"),
    Limb("right_forearm",   "R_Elbow",    "R_Wrist"),
    Limb("left_thigh",      "L_Hip",      "L_Knee"),
    Limb("left_shin",       "L_Knee",     "L_Ankle"),
    Limb("right_thigh",     "R_Hip",      "R_Knee"),
    Limb("right_shin",      "R_Knee",     "R_Ankle"),
)
# fmt: on
LIMB_NAMES: tuple[str, ...] = tuple(limb.name for limb in LIMBS)
_LIMB_JOINTS = np.array([limb.joints for limb in LIMBS])  # (L, 2)
_LIMB_WEIGHTS = np.array([limb.weight for limb in LIMBS])  # (L,)
# The person's right-to-left lines that define which way they face.
_HEADING_PAIRS = tuple((JOINT_NAMES.index(f"R_{j}"), JOINT_NAMES.index(f"L_{j}")) for j in ("Hip", "Shoulder"))
# angle name -> its three joints' indices (a list, to index confidence); the counters use it too.
ANGLE_JOINTS = {name: [JOINT_NAMES.index(j) for j in joints] for name, joints in ANGLES.items()}

MIN_CONFIDENCE = SURE  # a limb counts where both its joints are more likely right than wrong (pose.confidence)
ZERO_SCORE_DEG = 90.0  # a limb this far off (or further) adds nothing to the score


@dataclass(frozen=True)
class PoseScore:
    """How close a live pose is to the reference.

    Attributes:
        score: 0-100, 100 = the same pose; None when no limb could be compared.
        limb_errors_deg: limb name -> angle in degrees between its direction in the two poses
            (only the limbs that were compared).
        worst_limb: the limb with the largest error, or None.
        excluded_limbs: limbs left out because a joint of theirs had low confidence (or none) in either pose.
        angle_diffs_deg: joint angle name -> live minus reference in degrees (positive: the live joint is
            straighter / more open), where both were confident.
        mirrored: whether the reference was mirrored (left and right swapped) before comparing.
    """

    score: float | None
    limb_errors_deg: Mapping[str, float]
    worst_limb: str | None
    excluded_limbs: tuple[str, ...] = ()
    angle_diffs_deg: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    mirrored: bool = False


def mirror_keypoints(keypoints: np.ndarray, confidence: np.ndarray | None = None):
    """The mirror image of a pose: x negated (a vertical mirror) and left and right joints swapped.

    Args:
        keypoints: (18, 3) camera-axes coordinates (x right, y down, z forward).
        confidence: (18,), permuted alike when given.

    Returns:
        (18, 3) keypoints, and the (18,) confidence when it was given.
    """
    mirrored = np.asarray(keypoints, dtype=np.float64)[list(FLIP_PERMUTATION)] * [-1.0, 1.0, 1.0]
    if confidence is None:
        return mirrored
    return mirrored, np.asarray(confidence, dtype=np.float64)[list(FLIP_PERMUTATION)]


def heading_rotation(
    keypoints_rel: np.ndarray, confidence: np.ndarray | None = None, min_confidence: float = MIN_CONFIDENCE
) -> np.ndarray:
    """The rotation about the vertical (camera y) axis that turns the person to face the camera.

    The person's right-to-left direction (hips plus shoulders, those that are
    confident) is turned onto +x. Identity when it cannot be told (no
    confident hips or shoulders, or they point straight up or down).

    Args:
        keypoints_rel: (18, 3) mm, camera axes.
        confidence: (18,) per joint; None trusts every joint.

    Returns:
        (3, 3) rotation R: ``keypoints_rel @ R.T`` is the turned pose.
    """
    keypoints_rel = np.asarray(keypoints_rel, dtype=np.float64)
    lateral = np.zeros(3)
    for right, left in _HEADING_PAIRS:
        if confidence is not None and min(confidence[right], confidence[left]) < min_confidence:
            continue
        line = keypoints_rel[left] - keypoints_rel[right]
        if np.isfinite(line).all():
            lateral += line / max(np.linalg.norm(line), 1e-9)
    norm = math.hypot(lateral[0], lateral[2])
    if norm < 1e-6:
        return np.eye(3)
    c, s = lateral[0] / norm, lateral[2] / norm
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def _limb_directions(keypoints_rel: np.ndarray, rotation: np.ndarray) -> np.ndarray:
    """(L, 3) unit directions of :data:`LIMBS` in the turned frame; NaN for a missing or zero-length limb."""
    turned = np.asarray(keypoints_rel, dtype=np.float64) @ rotation.T
    vectors = turned[_LIMB_JOINTS[:, 1]] - turned[_LIMB_JOINTS[:, 0]]
    lengths = np.linalg.norm(vectors, axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(lengths > 1e-6, vectors / lengths, np.nan)


def _pose_arrays(person: Person, mirror: bool = False) -> tuple[np.ndarray, np.ndarray]:
    keypoints = np.asarray(person.keypoints_rel, dtype=np.float64)
    confidence = np.asarray(person.confidence, dtype=np.float64)
    return mirror_keypoints(keypoints, confidence) if mirror else (keypoints, confidence)


def score_pose(
    reference: Person,
    live: Person,
    *,
    mirror: bool = False,
    min_confidence: float = MIN_CONFIDENCE,
    zero_score_deg: float = ZERO_SCORE_DEG,
) -> PoseScore:
    """Compare ``live`` with ``reference``, whatever their place, size and heading.

    Each limb of :data:`LIMBS` scores 1 when it points the same way in both
    poses, falling linearly to 0 at ``zero_score_deg`` apart; the score is
    the weighted mean, times 100, over the limbs both poses are confident of.

    Args:
        reference: the pose to match.
        live: the pose to score.
        mirror: compare with the reference's mirror image (for a user who
            mirrors the screen: their right arm for its left).
        min_confidence: joints below this (in either pose) leave their limbs out.
        zero_score_deg: the limb error at which a limb scores nothing.
    """
    ref_kp, ref_conf = _pose_arrays(reference, mirror)
    live_kp, live_conf = _pose_arrays(live)
    ref_dirs = _limb_directions(ref_kp, heading_rotation(ref_kp, ref_conf, min_confidence))
    live_dirs = _limb_directions(live_kp, heading_rotation(live_kp, live_conf, min_confidence))
    with np.errstate(invalid="ignore"):
        cos = np.clip((ref_dirs * live_dirs).sum(axis=1), -1.0, 1.0)
    errors_deg = np.degrees(np.arccos(cos))  # (L,), NaN where a direction is missing
    confident = np.minimum(ref_conf, live_conf) >= min_confidence  # (18,)
    used = confident[_LIMB_JOINTS].all(axis=1) & np.isfinite(errors_deg)
    limb_errors = {name: float(e) for name, e, u in zip(LIMB_NAMES, errors_deg, used) if u}
    excluded = tuple(name for name, u in zip(LIMB_NAMES, used) if not u)
    if used.any():
        limb_scores = np.clip(1.0 - errors_deg[used] / zero_score_deg, 0.0, 1.0)
        score = float(100.0 * np.average(limb_scores, weights=_LIMB_WEIGHTS[used]))
        worst = max(limb_errors, key=limb_errors.get)
    else:
        score, worst = None, None
    ref_angles, live_angles = joint_angles(ref_kp), joint_angles(live_kp)
    angle_diffs = {
        name: float(live_angles[name] - ref_angles[name])
        for name, joints in ANGLE_JOINTS.items()
        if confident[joints].all() and np.isfinite(live_angles[name] - ref_angles[name])
    }
    return PoseScore(
        score, MappingProxyType(limb_errors), worst, excluded, MappingProxyType(angle_diffs), mirrored=mirror
    )


def align_reference(reference: Person, live: Person, *, mirror: bool = False) -> np.ndarray:
    """The reference pose turned to the live person's heading and scaled to their size, for drawing them together.

    Returns:
        (18, 3) mm relative to the pelvis, camera axes.
    """
    ref_kp, ref_conf = _pose_arrays(reference, mirror)
    live_kp, live_conf = _pose_arrays(live)
    rotation = heading_rotation(live_kp, live_conf).T @ heading_rotation(ref_kp, ref_conf)
    ref_len = np.linalg.norm(ref_kp[_LIMB_JOINTS[:, 1]] - ref_kp[_LIMB_JOINTS[:, 0]], axis=1)
    live_len = np.linalg.norm(live_kp[_LIMB_JOINTS[:, 1]] - live_kp[_LIMB_JOINTS[:, 0]], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratios = live_len / ref_len
    ratios = ratios[np.isfinite(ratios) & (ratios > 0)]
    scale = float(np.median(ratios)) if len(ratios) else 1.0
    return scale * (ref_kp - ref_kp[0]) @ rotation.T
