"""BVH (Biovision hierarchy) for one person: the 18 joints as a skeleton rooted at the pelvis, rotations per frame.

The hierarchy is :data:`pose.skeleton.BONES` with the Thorax hung from the Neck.
Bone lengths are fixed per person (the median over the track). Each joint's
rotation is solved from the 3D keypoints frame by frame:

- a joint with one child (spine, head, limbs) turns its rest direction onto the
  bone, with its twist set by a reference: the bend axis of the limb (upper x
  lower segment), so knee and elbow are hinges, with the body's lateral axis
  taking over as the limb straightens; the shoulder line for the spine and head;
- the pelvis and the neck (several children) take the rotation that best maps
  the person's median shape onto the frame's (Kabsch), each child weighted by
  the joints it carries;
- a leaf (ankles, wrists, head top, thorax) keeps its parent's rotation.

Rest pose: a T-pose facing +Z (legs down, arms out to the sides, spine up), the
pelvis and shoulders shaped as the person's median. BVH needs every frame, so
frames where the person (or a joint) is missing are linearly interpolated
between the frames around them (held before the first and after the last).
Axes: Y up as Blender's importer expects by default (:data:`pose.export.motion.AXES`);
units metres; the root at the pelvis with X/Y/Z position channels; every joint
``Zrotation Xrotation Yrotation`` in degrees (the matrix Rz @ Rx @ Ry).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

from ..skeleton import BONES, JOINT_NAMES, NUM_JOINTS, ROOT
from .motion import AXES, PersonMotion, fill_gaps

__all__ = ["BVH_PARENTS", "BvhSolution", "solve_bvh", "forward_kinematics", "bvh_text", "write_bvh"]

METRES_PER_MM = 1e-3
EULER_ORDER = "ZXY"  # intrinsic: R = Rz @ Rx @ Ry, written as Zrotation Xrotation Yrotation
_J = {name: i for i, name in enumerate(JOINT_NAMES)}

# child -> parent: the drawn bones, and the Thorax (not drawn) under the Neck
BVH_PARENTS: dict[int, int] = {child: parent for parent, child in BONES} | {_J["Thorax"]: _J["Neck"]}
CHILDREN: dict[int, tuple[int, ...]] = {
    j: tuple(c for c in range(NUM_JOINTS) if BVH_PARENTS.get(c) == j) for j in range(NUM_JOINTS)
}
X, Y, Z = np.eye(3)

# single-child joints: the bone's rest direction (T-pose facing +Z)
REST_DIRECTION: dict[str, np.ndarray] = {
    "Torso": Y, "Nose": Y,
    "L_Shoulder": X, "L_Elbow": X, "R_Shoulder": -X, "R_Elbow": -X,
    "R_Hip": -Y, "R_Knee": -Y, "L_Hip": -Y, "L_Knee": -Y,
}  # fmt: skip
# limbs: (upper joint, middle, lower) and the bend axis at rest (upper x lower as the joint flexes)
LIMBS: dict[str, tuple[str, str, str, np.ndarray]] = {
    "L_Shoulder": ("L_Shoulder", "L_Elbow", "L_Wrist", -Y), "L_Elbow": ("L_Shoulder", "L_Elbow", "L_Wrist", -Y),
    "R_Shoulder": ("R_Shoulder", "R_Elbow", "R_Wrist", Y), "R_Elbow": ("R_Shoulder", "R_Elbow", "R_Wrist", Y),
    "L_Hip": ("L_Hip", "L_Knee", "L_Ankle", X), "L_Knee": ("L_Hip", "L_Knee", "L_Ankle", X),
    "R_Hip": ("R_Hip", "R_Knee", "R_Ankle", X), "R_Knee": ("R_Hip", "R_Knee", "R_Ankle", X),
}  # fmt: skip
# the End Site of each leaf: a stub in its rest frame, as a share of the bone above it
END_SITES: dict[str, np.ndarray] = {
    "Head": 0.3 * Y, "L_Wrist": 0.3 * X, "R_Wrist": -0.3 * X,
    "R_Ankle": 0.3 * Z, "L_Ankle": 0.3 * Z, "Thorax": -0.5 * Y,
}  # fmt: skip


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-9)


def _frame(primary: np.ndarray, secondary: np.ndarray) -> np.ndarray:
    """(..., 3, 3) rotations whose columns are the primary axis, the secondary made orthogonal, their cross."""
    a = _unit(primary)
    b = _unit(secondary - (secondary * a).sum(-1, keepdims=True) * a)
    return np.stack([a, b, np.cross(a, b)], axis=-1)


def _anatomical(p: np.ndarray, joint: str) -> np.ndarray:
    """(T, 3, 3) the body frame at the pelvis (hip line, spine) or the neck (shoulder line, spine); identity at rest."""
    if joint == "Pelvis":
        return _frame(p[:, _J["L_Hip"]] - p[:, _J["R_Hip"]], p[:, _J["Torso"]] - p[:, _J["Pelvis"]])
    return _frame(p[:, _J["L_Shoulder"]] - p[:, _J["R_Shoulder"]], p[:, _J["Neck"]] - p[:, _J["Torso"]])


def _descendants(joint: int) -> int:
    return sum(1 + _descendants(c) for c in CHILDREN[joint])


def _kabsch(rest: np.ndarray, now: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """(T, 3, 3) rotations R minimising sum_c w_c |R rest_c - now_c|^2; rest (C, 3), now (T, C, 3)."""
    h = np.einsum("c,ci,tcj->tij", weights, rest, now)
    u, _, vt = np.linalg.svd(h)
    d = np.sign(np.linalg.det(np.einsum("tji,tkj->tik", vt, u)))
    fix = np.broadcast_to(np.eye(3), h.shape).copy()
    fix[:, 2, 2] = d
    return np.einsum("tji,tjk,tlk->til", vt, fix, u)


@dataclass(frozen=True)
class BvhSolution:
    """A person's skeleton and motion, ready to write.

    Attributes:
        offsets_mm: (18, 3) each joint's rest offset from its parent (zero for the root), lab axes.
        end_sites_mm: leaf joint -> its End Site's offset.
        root_mm: (T, 3) the pelvis, lab axes.
        local: (T, 18, 3, 3) each joint's rotation relative to its parent (the root's: to the lab).
        euler_deg: (T, 18, 3) the same as Z, X, Y angles in degrees.
        filled: (T,) rows that were interpolated (the person, or a joint, missing there).
    """

    offsets_mm: np.ndarray
    end_sites_mm: dict[int, np.ndarray]
    root_mm: np.ndarray
    local: np.ndarray
    euler_deg: np.ndarray
    filled: np.ndarray


def solve_bvh(motion: PersonMotion) -> BvhSolution:
    """Fix the bone lengths and solve every joint's rotation of every frame (see the module docstring).

    Raises:
        ValueError: when a joint is never found in the track.
    """
    raw = motion.joints_lab_mm()
    filled = ~motion.present
    p = fill_gaps(raw)
    t = len(p)
    vec = {c: p[:, c] - p[:, BVH_PARENTS[c]] for c in BVH_PARENTS}
    length = {c: float(np.median(np.linalg.norm(vec[c][~filled] if (~filled).any() else vec[c], axis=-1))) for c in vec}
    offsets = np.zeros((NUM_JOINTS, 3))
    for j in range(NUM_JOINTS):
        name = JOINT_NAMES[j]
        if len(CHILDREN[j]) == 1:
            offsets[CHILDREN[j][0]] = length[CHILDREN[j][0]] * REST_DIRECTION[name]
        elif len(CHILDREN[j]) > 1:  # the person's median shape in the body frame, at the median lengths
            body = _anatomical(p, name)
            for c in CHILDREN[j]:
                local = np.einsum("tji,tj->ti", body, _unit(vec[c]))
                offsets[c] = length[c] * _unit(np.median(local[~filled] if (~filled).any() else local, axis=0))
    world = np.zeros((t, NUM_JOINTS, 3, 3))
    for j in _order():
        name, kids = JOINT_NAMES[j], CHILDREN[j]
        parent = world[:, BVH_PARENTS[j]] if j in BVH_PARENTS else np.broadcast_to(np.eye(3), (t, 3, 3))
        if not kids:
            world[:, j] = parent
        elif len(kids) > 1:
            weights = np.array([1.0 + _descendants(c) for c in kids])
            now = np.stack([_unit(vec[c]) * length[c] for c in kids], axis=1)
            world[:, j] = _kabsch(offsets[list(kids)], now, weights)
        else:
            reference, rest_reference = _twist_reference(p, name, world)
            rest = _frame(REST_DIRECTION[name], rest_reference)
            world[:, j] = _frame(vec[kids[0]], reference) @ rest.T
    local = world.copy()
    for c, parent in BVH_PARENTS.items():
        local[:, c] = np.swapaxes(world[:, parent], -1, -2) @ world[:, c]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # gimbal lock: the angles still give the same matrix
        euler = Rotation.from_matrix(local.reshape(-1, 3, 3)).as_euler(EULER_ORDER, degrees=True)
    euler = np.unwrap(euler.reshape(t, NUM_JOINTS, 3), period=360.0, axis=0)  # no 360-degree jumps between frames
    ends = {_J[n]: share * length[_J[n]] for n, share in END_SITES.items()}
    return BvhSolution(offsets, ends, p[:, ROOT], local, euler, filled)


def _twist_reference(p: np.ndarray, name: str, world: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(T, 3) the direction a single-child joint's second axis follows, and its rest direction.

    Both segments of a limb follow the same axis, the bend axis (upper x lower), signed to agree with the
    way the limb flexes, so the middle joint turns as a hinge; the body's axes take over as the limb
    straightens (where the bend axis is undefined). ``world``: (T, 18, 3, 3) the rotations solved so far.
    """
    if name in LIMBS:
        upper, middle, lower, rest = LIMBS[name]
        body = world[:, BVH_PARENTS[_J[upper]]]  # the pelvis or the neck
        u, w = p[:, _J[middle]] - p[:, _J[upper]], p[:, _J[lower]] - p[:, _J[middle]]
        bend = np.cross(u, w) / np.maximum(np.linalg.norm(u, axis=-1) * np.linalg.norm(w, axis=-1), 1e-9)[:, None]
        side = -1.0 if name.endswith(("Shoulder", "Elbow")) else 1.0  # the flexion axis: the body's right; left
        fallback = 0.05 * side * body[:, :, 0] + 0.03 * np.einsum("tij,j->ti", body, rest)
        sign = np.where((bend * fallback).sum(-1, keepdims=True) < 0, -1.0, 1.0)  # no flip past straight
        return sign * bend + fallback, rest
    if name == "Torso":
        return p[:, _J["L_Shoulder"]] - p[:, _J["R_Shoulder"]], X
    return world[:, BVH_PARENTS[_J[name]], :, 0], X  # the head follows the shoulder line


def _order() -> list[int]:
    """Joints parents first (depth first from the root, children in :data:`BONES` order)."""
    out, stack = [], [ROOT]
    while stack:
        j = stack.pop()
        out.append(j)
        stack.extend(reversed(CHILDREN[j]))
    return out


def forward_kinematics(solution: BvhSolution) -> np.ndarray:
    """(T, 18, 3) every joint's position (lab mm) from the solution's offsets and rotations."""
    t = len(solution.root_mm)
    world = np.zeros((t, NUM_JOINTS, 3, 3))
    pos = np.zeros((t, NUM_JOINTS, 3))
    for j in _order():
        if j == ROOT:
            world[:, j], pos[:, j] = solution.local[:, j], solution.root_mm
        else:
            parent = BVH_PARENTS[j]
            world[:, j] = world[:, parent] @ solution.local[:, j]
            pos[:, j] = pos[:, parent] + world[:, parent] @ solution.offsets_mm[j]
    return pos


def _joint_lines(j: int, solution: BvhSolution, depth: int) -> list[str]:
    pad = "  " * depth
    m = METRES_PER_MM
    kind = "ROOT" if j == ROOT else "JOINT"
    channels = "6 Xposition Yposition Zposition" if j == ROOT else "3"
    ox, oy, oz = np.round(solution.offsets_mm[j] * m, 6) + 0.0  # + 0.0: no "-0.000000"
    lines = [f"{pad}{kind} {JOINT_NAMES[j]}", f"{pad}{{", f"{pad}  OFFSET {ox:.6f} {oy:.6f} {oz:.6f}"]
    lines.append(f"{pad}  CHANNELS {channels} Zrotation Xrotation Yrotation")
    for c in CHILDREN[j]:
        lines += _joint_lines(c, solution, depth + 1)
    if not CHILDREN[j]:
        ex, ey, ez = np.round(solution.end_sites_mm[j] * m, 6) + 0.0
        lines += [f"{pad}  End Site", f"{pad}  {{", f"{pad}    OFFSET {ex:.6f} {ey:.6f} {ez:.6f}", f"{pad}  }}"]
    lines.append(f"{pad}}}")
    return lines


def bvh_text(motion: PersonMotion, solution: BvhSolution | None = None) -> str:
    """The whole BVH file for one person (solved here unless ``solution`` is given)."""
    solution = solution or solve_bvh(motion)
    first = int(motion.frame_indices[0])
    notes = [
        f"# person {motion.person}, from ConvNeXtPose Live: 18 joints of the Human3.6M skeleton",
        f"# units: metres; {AXES}",
        "# rotations: degrees, Zrotation Xrotation Yrotation = Rz @ Rx @ Ry, relative to the parent",
        f"# first frame: source frame {first} at {float(motion.times_s[0]):.4f} s; {motion.frames} frames at "
        f"{motion.rate_hz:.4f} fps",
        f"# frames interpolated where the person or a joint was missing: {int(solution.filled.sum())}",
    ]
    lines = ["HIERARCHY", *notes, *_joint_lines(ROOT, solution, 0), "MOTION", f"Frames: {motion.frames}"]
    lines.append(f"Frame Time: {1.0 / motion.rate_hz:.7f}")
    order = _order()
    root_m = solution.root_mm * METRES_PER_MM
    for t in range(motion.frames):
        values = [f"{v:.6f}" for v in root_m[t]]
        values += [f"{v:.4f}" for j in order for v in solution.euler_deg[t, j]]
        lines.append(" ".join(values))
    return "\n".join(lines) + "\n"


def write_bvh(path: str | Path, motion: PersonMotion) -> Path:
    """Write one person's BVH file; returns its path."""
    path = Path(path)
    path.write_text(bvh_text(motion))
    return path
