"""The Human3.6M skeleton used by ConvNeXtPose (18 joints, Thorax added), as data."""

from __future__ import annotations

__all__ = [
    "JOINT_NAMES",
    "NUM_JOINTS",
    "ROOT",
    "BONES",
    "BONE_LENGTHS_MM",
    "FLIP_PAIRS",
    "FLIP_PERMUTATION",
    "EVAL_JOINTS",
    "joint_side",
    "bone_side",
    "SIDE_COLORS_RGB",
]

# fmt: off
JOINT_NAMES: tuple[str, ...] = (
    "Pelvis", "R_Hip", "R_Knee", "R_Ankle", "L_Hip", "L_Knee", "L_Ankle",
    "Torso", "Neck", "Nose", "Head",
    "L_Shoulder", "L_Elbow", "L_Wrist", "R_Shoulder", "R_Elbow", "R_Wrist",
    "Thorax",
)
# fmt: on
NUM_JOINTS = len(JOINT_NAMES)
ROOT = JOINT_NAMES.index("Pelvis")

# Parent -> child, as the reference draws them (Thorax is not drawn).
# fmt: off
BONES: tuple[tuple[int, int], ...] = (
    (0, 7), (7, 8), (8, 9), (9, 10),      # spine and head
    (8, 11), (11, 12), (12, 13),          # left arm
    (8, 14), (14, 15), (15, 16),          # right arm
    (0, 1), (1, 2), (2, 3),               # right leg
    (0, 4), (4, 5), (5, 6),               # left leg
)
# fmt: on

# Each bone's length in Human3.6M, the skeleton ConvNeXtPose learned, millimetres (subject S1, as commonly used
# by 3D pose work): what sets a ConvNeXtPose skeleton's metric size, and so its distance from the camera
# (pose.geometry.root_depth_from_bones).
# fmt: off
BONE_LENGTHS_MM: dict[tuple[int, int], float] = {
    (0, 7): 233.4, (7, 8): 257.1, (8, 9): 121.1, (9, 10): 115.0,
    (8, 11): 151.0, (11, 12): 278.9, (12, 13): 251.7,
    (8, 14): 151.0, (14, 15): 278.9, (15, 16): 251.7,
    (0, 1): 132.9, (1, 2): 442.9, (2, 3): 454.2,
    (0, 4): 132.9, (4, 5): 442.9, (5, 6): 454.2,
}
# fmt: on
assert set(BONE_LENGTHS_MM) == set(BONES)

# Joints swapped by a horizontal flip.
FLIP_PAIRS: tuple[tuple[int, int], ...] = ((1, 4), (2, 5), (3, 6), (14, 11), (15, 12), (16, 13))

# Index map of the flip: joints[FLIP_PERMUTATION] swaps every pair.
FLIP_PERMUTATION: tuple[int, ...] = tuple(
    next((b if j == a else a for a, b in FLIP_PAIRS if j in (a, b)), j) for j in range(NUM_JOINTS)
)

# The 17 joints Human3.6M is evaluated on (all but Thorax).
EVAL_JOINTS: tuple[int, ...] = tuple(i for i, n in enumerate(JOINT_NAMES) if n != "Thorax")


# Drawing colours per side, RGB: the person's left in blue, right in orange.
SIDE_COLORS_RGB: dict[str, tuple[int, int, int]] = {
    "left": (31, 119, 230),
    "right": (255, 127, 14),
    "center": (44, 190, 80),
}


def joint_side(index: int) -> str:
    """Return "left", "right" or "center" for a joint index."""
    prefix = JOINT_NAMES[index][:2]
    return {"L_": "left", "R_": "right"}.get(prefix, "center")


def bone_side(bone: tuple[int, int]) -> str:
    """Return the side of a bone: that of its child joint."""
    return joint_side(bone[1])
