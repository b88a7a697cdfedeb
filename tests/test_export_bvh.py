"""BVH: read back by an independent parser (the ``bvh`` package) with forward kinematics written here from the
parsed offsets and channels, the file's motion is the estimated motion."""

from __future__ import annotations

import numpy as np
import pytest
from bvh import Bvh
from motions import J, synthetic_motion
from scipy.spatial.transform import Rotation

from pose.export import PersonMotion, bvh_text, motions_from_json, solve_bvh
from pose.skeleton import JOINT_NAMES


def parsed_positions(text: str) -> tuple[Bvh, dict[str, np.ndarray]]:
    """Every joint's (T, 3) position in mm, by forward kinematics over the parsed file (R = Rz @ Rx @ Ry)."""
    mocap = Bvh(text)
    frames = np.array(mocap.frames, dtype=float)
    names = mocap.get_joints_names()
    column, world, positions = 0, {}, {}
    for name in names:  # the file's order: parents before children, as the channels are laid out
        channels = mocap.joint_channels(name)
        values = frames[:, column : column + len(channels)]
        column += len(channels)
        rotation_axes = [c[0] for c in channels if c.endswith("rotation")]
        angles = values[:, [i for i, c in enumerate(channels) if c.endswith("rotation")]]
        local = Rotation.from_euler("".join(rotation_axes), angles, degrees=True).as_matrix()
        offset = np.array(mocap.joint_offset(name)) * 1000.0  # metres in the file
        parent = mocap.joint_parent(name)
        if parent is None:
            positions[name] = values[:, :3] * 1000.0 + offset
            world[name] = local
        else:
            positions[name] = positions[parent.name] + world[parent.name] @ offset
            world[name] = world[parent.name] @ local
    return mocap, positions


def test_the_file_reproduces_a_body_with_fixed_bones_exactly():
    motion = synthetic_motion(90)
    mocap, positions = parsed_positions(bvh_text(motion))
    assert mocap.nframes == 90 and mocap.frame_time == pytest.approx(1 / 30, abs=1e-6)
    assert set(mocap.get_joints_names()) == set(JOINT_NAMES) and mocap.get_joints_names()[0] == "Pelvis"
    expected = motion.joints_lab_mm()
    errors = np.stack([np.linalg.norm(positions[n] - expected[:, i], axis=-1) for i, n in enumerate(JOINT_NAMES)])
    assert errors.max() < 0.05, f"max {errors.max():.4f} mm"


def test_the_hierarchy_is_the_skeleton_rooted_at_the_pelvis():
    mocap = Bvh(bvh_text(synthetic_motion(5)))
    parent = {n: (p.name if (p := mocap.joint_parent(n)) else None) for n in mocap.get_joints_names()}
    assert parent["Pelvis"] is None and parent["Torso"] == "Pelvis" and parent["Thorax"] == "Neck"
    assert parent["L_Wrist"] == "L_Elbow" and parent["L_Elbow"] == "L_Shoulder" and parent["L_Shoulder"] == "Neck"
    assert parent["R_Ankle"] == "R_Knee" and parent["R_Knee"] == "R_Hip" and parent["R_Hip"] == "Pelvis"
    assert mocap.joint_channels("Pelvis")[:3] == ["Xposition", "Yposition", "Zposition"]
    assert all(len(mocap.joint_channels(n)) == 3 for n in JOINT_NAMES if n != "Pelvis")


def test_the_header_states_units_axes_and_timing_where_blender_skips_it():
    text = bvh_text(synthetic_motion(5))
    lines = text.splitlines()
    assert lines[0] == "HIERARCHY" and lines[lines.index("MOTION") - 1] == "}"  # notes sit before ROOT
    notes = [line for line in lines if line.startswith("#")]
    assert any("metres" in n and "Y up" in n for n in notes)
    assert all(lines.index(n) < lines.index("ROOT Pelvis") for n in notes)
    motion_lines = lines[lines.index("MOTION") + 3 :]
    assert len(motion_lines) == 5 and all(len(line.split()) == 6 + 3 * 17 for line in motion_lines)


def test_the_knee_and_elbow_turn_as_hinges():
    motion = synthetic_motion(90)
    solution = solve_bvh(motion)
    for joint in ("L_Knee", "R_Knee", "L_Elbow", "R_Elbow"):
        rotvec = Rotation.from_matrix(solution.local[:, J[joint]]).as_rotvec()
        bent = np.linalg.norm(rotvec, axis=-1) > np.radians(30)
        axes = rotvec[bent] / np.linalg.norm(rotvec[bent], axis=-1, keepdims=True)
        rest_axis = {"Knee": [1, 0, 0], "Elbow": [0, 1, 0]}[joint[2:]]  # the rest frame's second axis
        assert bent.sum() > 20 and np.abs(axes @ rest_axis).min() > 0.99, joint


def test_missing_frames_are_interpolated_and_counted():
    whole = synthetic_motion(60)
    joints = whole.joints_cam_mm.copy()
    joints[20:30] = np.nan  # the person missing for 10 frames
    joints[40, J["L_Wrist"]] = np.nan  # one joint missing once
    gappy = PersonMotion(1, 30.0, whole.frame_indices, whole.times_s, joints)
    text = bvh_text(gappy)
    assert "# frames interpolated where the person or a joint was missing: 11" in text
    mocap, positions = parsed_positions(text)
    assert mocap.nframes == 60
    pelvis = positions["Pelvis"]
    expected = np.linspace(pelvis[19], pelvis[30], 12)[1:-1]  # the root moves on a straight line across the gap
    assert np.abs(pelvis[20:30] - expected).max() < 0.01
    truth = whole.joints_lab_mm()
    assert np.linalg.norm(positions["L_Wrist"][39] - truth[39, J["L_Wrist"]]) < 0.05


def test_a_joint_never_found_is_refused():
    motion = synthetic_motion(10)
    joints = motion.joints_cam_mm.copy()
    joints[:, J["Head"]] = np.nan
    with pytest.raises(ValueError, match="never found"):
        bvh_text(PersonMotion(1, 30.0, motion.frame_indices, motion.times_s, joints))


def test_on_real_clips_the_joints_stay_within_the_bone_length_variation(shared_dir, tmp_path):
    """A short real clip through the engine (bundled BlazePose): the BVH's joints against keypoints.json."""
    from pose import EstimatorConfig
    from pose.video import VideoSettings, process_video

    clip = shared_dir / "videos" / "walk_side.mp4"
    if not clip.exists():
        pytest.skip(f"{clip} is missing")
    run = process_video(clip, tmp_path, VideoSettings(EstimatorConfig("BlazePose"), stop=45, draw=False))
    motions = motions_from_json(run.json_path)
    assert motions, "nobody found in the clip"
    for motion in motions:
        _, positions = parsed_positions(bvh_text(motion))
        truth, seen = motion.joints_lab_mm(), motion.present
        errors = np.stack([np.linalg.norm(positions[n] - truth[:, i], axis=-1) for i, n in enumerate(JOINT_NAMES)])
        errors = errors[:, seen]
        lengths = np.linalg.norm(truth[:, J["L_Knee"]] - truth[:, J["L_Hip"]], axis=-1)[seen]
        print(
            f"person {motion.person}: {seen.sum()} frames, median {np.median(errors):.1f} mm, p90 "
            f"{np.percentile(errors, 90):.1f} mm; left thigh {np.median(lengths):.0f} +- {lengths.std():.0f} mm"
        )
        assert np.median(errors) <= 30.0
