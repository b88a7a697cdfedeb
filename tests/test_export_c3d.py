"""C3D: read back by the c3d package's reader, the points are the estimated joints in millimetres, with the
joints' names, the track's rate and first frame, and invalid where the person was not found."""

from __future__ import annotations

import c3d
import numpy as np
import pytest
from motions import synthetic_motion

from pose.export import PersonMotion, write_c3d
from pose.skeleton import JOINT_NAMES

pytestmark = pytest.mark.filterwarnings("ignore:No analog data found:UserWarning")  # there is none, by design


def read_c3d(path) -> tuple[c3d.Reader, np.ndarray]:
    """The reader and its points (T, M, 3), NaN where marked invalid."""
    with open(path, "rb") as fh:
        reader = c3d.Reader(fh)
        frames = [points.copy() for _, points, _ in reader.read_frames()]
    points = np.stack(frames)
    xyz = points[:, :, :3].astype(float)
    xyz[points[:, :, 3] < 0] = np.nan
    return reader, xyz


def test_points_are_the_joints_in_millimetres(tmp_path):
    motion = synthetic_motion(50, rate_hz=29.97)
    reader, points = read_c3d(write_c3d(tmp_path / "person-1.c3d", motion))
    assert [label.strip() for label in reader.point_labels] == list(JOINT_NAMES)
    assert abs(reader.point_rate - 29.97) < 1e-3 and reader.frame_count == 50 and reader.first_frame == 1
    assert reader.get("POINT:UNITS").string_value.strip() == "mm"
    assert reader.get("POINT:Y_SCREEN").string_value.strip() == "+Y"  # Y up
    assert np.abs(points - motion.joints_lab_mm()).max() < 0.01  # float32


def test_missing_points_are_invalid(tmp_path):
    motion = synthetic_motion(20)
    joints = motion.joints_cam_mm.copy()
    joints[3:6] = np.nan
    joints[10, 9] = np.nan
    gappy = PersonMotion(2, 30.0, motion.frame_indices + 40, motion.times_s, joints)
    reader, points = read_c3d(write_c3d(tmp_path / "person-2.c3d", gappy))
    assert reader.first_frame == 41
    assert np.isnan(points[3:6]).all() and np.isnan(points[10, 9]).all()
    assert np.isfinite(points[10, 8]).all() and np.isnan(points).any(axis=2).sum() == 3 * 18 + 1
