"""TRC (OpenSim's marker file) for one person: one marker per joint, millimetres, the lab axes, the track's rate.

Tab-separated: the five header lines OpenSim reads (file type, the rates and
counts, the marker names over their X/Y/Z columns), then one row per frame,
``Frame#`` counting from 1 and ``Time`` the source time in seconds. A marker
the estimator did not find in a frame is left empty (OpenSim reads a blank
as missing). Axes: :data:`pose.export.motion.AXES` (Y up, as OpenSim's ground).
"""

from __future__ import annotations

import math
from pathlib import Path

from ..skeleton import JOINT_NAMES
from .motion import PersonMotion

__all__ = ["trc_text", "write_trc"]


def _value(v: float) -> str:
    return "" if math.isnan(v) else f"{v:.3f}"


def trc_text(motion: PersonMotion) -> str:
    """The whole TRC file for one person."""
    joints = motion.joints_lab_mm()
    n, markers, rate = motion.frames, len(JOINT_NAMES), f"{motion.rate_hz:.4f}"
    first = int(motion.frame_indices[0]) + 1  # OpenSim counts frames from 1
    lines = [
        f"PathFileType\t4\t(X/Y/Z)\tperson-{motion.person}.trc",
        "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\tOrigDataStartFrame\tOrigNumFrames",
        f"{rate}\t{rate}\t{n}\t{markers}\tmm\t{rate}\t{first}\t{n}",
        "Frame#\tTime\t" + "\t\t\t".join(JOINT_NAMES) + "\t\t",
        "\t\t" + "\t".join(f"{axis}{i}" for i in range(1, markers + 1) for axis in "XYZ"),
        "",
    ]
    for row in range(n):
        values = "\t".join(_value(v) for v in joints[row].ravel())
        lines.append(f"{row + 1}\t{float(motion.times_s[row]):.5f}\t{values}")
    return "\n".join(lines) + "\n"


def write_trc(path: str | Path, motion: PersonMotion) -> Path:
    """Write one person's TRC file; returns its path."""
    path = Path(path)
    path.write_text(trc_text(motion))
    return path
