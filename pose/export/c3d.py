"""C3D for one person, through the ``c3d`` package: a point per joint named as the joint, millimetres, float.

Points are in the lab axes (:data:`pose.export.motion.AXES`; POINT:X_SCREEN
``+X`` and Y_SCREEN ``+Y`` say Y is up). A joint the estimator did not find in
a frame is marked invalid as the format has it (residual -1, coordinates 0).
The first frame is the source frame's number counted from 1.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import c3d as c3d_format
import numpy as np

from ..skeleton import JOINT_NAMES
from .motion import PersonMotion

__all__ = ["write_c3d"]


def write_c3d(path: str | Path, motion: PersonMotion) -> Path:
    """Write one person's C3D file; returns its path."""
    path = Path(path)
    joints = motion.joints_lab_mm()
    writer = c3d_format.Writer(point_rate=float(motion.rate_hz), analog_rate=0.0, point_scale=-1.0, point_units="mm")
    writer.set_point_labels(list(JOINT_NAMES))
    writer.set_screen_axis("+X", "+Y")
    writer.set_start_frame(int(motion.frame_indices[0]) + 1)
    no_analog = np.zeros((0, 0), np.float32)
    frames = []
    for row in joints:
        points = np.zeros((len(JOINT_NAMES), 5), np.float32)
        found = np.isfinite(row).all(axis=1)
        points[found, :3] = row[found]
        points[~found, 3] = -1.0  # invalid: not found in this frame
        frames.append((points, no_analog))
    writer.add_frames(frames)
    with open(path, "wb") as fh, warnings.catch_warnings():
        warnings.filterwarnings("ignore", "No analog data found", UserWarning)  # there is none, by design
        writer.write(fh)
    return path
