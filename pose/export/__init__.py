"""Motion files for the tools people use: BVH (animation), TRC and C3D (biomechanics), one set per person.

Pure functions over arrays (a :class:`PersonMotion`: (T, 18, 3) camera mm and
a frame rate), independent of Streamlit. :func:`write_motion_files` writes the
chosen formats of every person as ``person-<id>.<format>``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

from .bvh import BvhSolution, bvh_text, forward_kinematics, solve_bvh, write_bvh
from .motion import AXES, LAB_FROM_CAMERA, MotionSpool, PersonMotion, fill_gaps, motions_from_json, resample, to_lab
from .recorder import DEFAULT_MAX_FRAMES, MAX_GAP_FRAMES, MotionRecorder, RecordingEstimator
from .trc import trc_text, write_trc

__all__ = [
    "AXES",
    "FORMATS",
    "LAB_FROM_CAMERA",
    "DEFAULT_MAX_FRAMES",
    "MAX_GAP_FRAMES",
    "BvhSolution",
    "MotionRecorder",
    "RecordingEstimator",
    "bvh_text",
    "MotionSpool",
    "PersonMotion",
    "fill_gaps",
    "forward_kinematics",
    "motion_file_name",
    "motions_from_json",
    "parse_formats",
    "resample",
    "solve_bvh",
    "to_lab",
    "trc_text",
    "write_bvh",
    "write_c3d",
    "write_motion_files",
    "write_trc",
]


def write_c3d(path, motion):
    """:func:`pose.export.c3d.write_c3d` (imported on first use: the ``c3d`` package loads only when needed)."""
    from .c3d import write_c3d as _write

    return _write(path, motion)


log = logging.getLogger(__name__)

FORMATS = {"bvh": write_bvh, "trc": write_trc, "c3d": write_c3d}


def parse_formats(text: str) -> tuple[str, ...]:
    """``"bvh,trc"`` -> ("bvh", "trc"); ``"all"`` -> every format; ``"none"`` or ``""`` -> ().

    Raises:
        ValueError: for a name that is not a format.
    """
    names = [n.strip().lower() for n in text.split(",") if n.strip()]
    if names in ([], ["none"]):
        return ()
    if names == ["all"]:
        return tuple(FORMATS)
    unknown = [n for n in names if n not in FORMATS]
    if unknown:
        raise ValueError(f"unknown motion format(s) {', '.join(unknown)}: choose from {', '.join(FORMATS)}, all, none")
    return tuple(dict.fromkeys(names))


def motion_file_name(person: int, fmt: str) -> str:
    return f"person-{person}.{fmt}"


def write_motion_files(motions: Iterable[PersonMotion], out_dir: str | Path, formats: Sequence[str]) -> list[Path]:
    """Write each format of each person into ``out_dir`` (``person-<id>.bvh`` ...); returns the paths.

    Each file is written under a ``.partial`` name and renamed when complete. A person a file cannot be
    made for (a joint never found: BVH needs every joint) is left out of that format, with a warning logged.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for motion in motions:
        for fmt in formats:
            final = out_dir / motion_file_name(motion.person, fmt)
            partial = final.with_name(final.name + ".partial")
            try:
                FORMATS[fmt](partial, motion)
            except ValueError as exc:
                partial.unlink(missing_ok=True)
                log.warning("no %s for person %s: %s", final.name, motion.person, exc)
                continue
            written.append(partial.replace(final))
    return written
