"""TRC: read back by its text layout (OpenSim's five header lines, then tab-separated rows), the markers are the
estimated joints in millimetres, empty where the person was not found."""

from __future__ import annotations

import numpy as np
from motions import synthetic_motion

from pose.export import PersonMotion, trc_text
from pose.skeleton import JOINT_NAMES


def read_trc(text: str) -> tuple[dict, list[str], np.ndarray, np.ndarray]:
    """(header values by name, marker names, times (T,), markers (T, M, 3) with NaN where empty)."""
    lines = text.split("\n")
    assert lines[0].split("\t")[:3] == ["PathFileType", "4", "(X/Y/Z)"]
    header = dict(zip(lines[1].split("\t"), lines[2].split("\t")))
    markers = [m for m in lines[3].split("\t")[2:] if m]
    assert lines[4].split("\t")[2:5] == ["X1", "Y1", "Z1"]
    rows = [line.split("\t") for line in lines[6:] if line]
    assert [int(r[0]) for r in rows] == list(range(1, len(rows) + 1))
    values = np.array([[float(v) if v else np.nan for v in r[2:]] for r in rows])
    return header, markers, np.array([float(r[1]) for r in rows]), values.reshape(len(rows), len(markers), 3)


def test_markers_are_the_joints_in_millimetres_at_the_track_rate():
    motion = synthetic_motion(40, rate_hz=25.0)
    header, markers, times, values = read_trc(trc_text(motion))
    assert markers == list(JOINT_NAMES)
    assert header["Units"] == "mm" and float(header["DataRate"]) == 25.0 and int(header["NumFrames"]) == 40
    assert int(header["NumMarkers"]) == 18 and int(header["OrigDataStartFrame"]) == 1
    assert np.allclose(times, motion.times_s, atol=1e-5)
    assert np.abs(values - motion.joints_lab_mm()).max() < 0.001  # three decimals of a millimetre


def test_missing_markers_are_left_empty():
    motion = synthetic_motion(20)
    joints = motion.joints_cam_mm.copy()
    joints[5:8] = np.nan
    joints[12, 3] = np.nan
    gappy = PersonMotion(4, 30.0, motion.frame_indices + 100, motion.times_s, joints)
    text = trc_text(gappy)
    header, _, _, values = read_trc(text)
    assert np.isnan(values[5:8]).all() and np.isnan(values[12, 3]).all() and np.isfinite(values[12, 4]).all()
    assert int(header["OrigDataStartFrame"]) == 101 and "person-4.trc" in text.splitlines()[0]
    assert np.isfinite(values[~np.isnan(values)]).all() and (~np.isnan(values)).sum() == (20 - 3) * 54 - 3
