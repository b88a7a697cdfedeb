"""The Human3.6M skeleton used by ConvNeXtPose (18 joints, Thorax added), as data."""

from __future__ import annotations

__all__ = [
    "JOINT_NAMES",
    "NUM_JOINTS",
    "ROOT",
    "BONES",
    "FLIP_PAIRS",
    "FLIP_PERMUTATION",
    "EVAL_JOINTS",
    "joint_side",
    "bone_side",
]

JOINT_NAMES: tuple[str, ...] = (
    "Pelvis",
    "R_Hip",
    "R_Knee",
    "R_Ankle",
    "L_Hip",
    "L_Knee",
    "L_Ankle",
    "Torso",
    "Neck",
    "Nose",
    "Head",
    "L_Shoulder",
    "L_Elbow",
    "L_Wrist",
    "R_Shoulder",
    "R_Elbow",
    "R_Wrist",
    "Thorax",
)
NUM_JOINTS = len(JOINT_NAMES)
ROOT = JOINT_NAMES.index("Pelvis")

# Parent -> child, as the reference draws them (Thorax is not drawn).
BONES: tuple[tuple[int, int], ...] = (
    (0, 7),
    (7, 8),
    (8, 9),
    (9, 10),
    (8, 11),
    (11, 12),
    (12, 13),
    (8, 14),
    (14, 15),
    (15, 16),
    (0, 1),
    (1, 2),
    (2, 3),
    (0, 4),
    (4, 5),
    (5, 6),
)

# Joints swapped by a horizontal flip.
FLIP_PAIRS: tuple[tuple[int, int], ...] = ((1, 4), (2, 5), (3, 6), (14, 11), (15, 12), (16, 13))

# Index map of the flip: joints[FLIP_PERMUTATION] swaps every pair.
FLIP_PERMUTATION: tuple[int, ...] = tuple(
    next((b if j == a else a for a, b in FLIP_PAIRS if j in (a, b)), j) for j in range(NUM_JOINTS)
)

# The 17 joints Human3.6M is evaluated on (all but Thorax).
EVAL_JOINTS: tuple[int, ...] = tuple(i for i, n in enumerate(JOINT_NAMES) if n != "Thorax")


def joint_side(index: int) -> str:
    """Return "left", "right" or "center" for a joint index."""
    prefix = JOINT_NAMES[index][:2]
    return {"L_": "left", "R_": "right"}.get(prefix, "center")


def bone_side(bone: tuple[int, int]) -> str:
    """Return the side of a bone: that of its child joint."""
    return joint_side(bone[1])
