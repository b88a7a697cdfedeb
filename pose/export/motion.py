"""One person's motion as arrays, the axes every motion file is written in, and where tracks come from.

Every motion file (BVH, TRC, C3D) is written in one lab frame, right-handed
and Y-up: the engine's camera millimetres (x right, y down, z forward, the
camera at the origin) turned 180 degrees about x, so x stays right, y points
up and z points from the scene towards the camera. :data:`AXES` says so in
words for the files' headers.

Tracks come from a run's ``keypoints.json`` (:func:`motions_from_json`), or
from frames as they are processed (:class:`MotionSpool`, which keeps them on
disk so that a long video's memory stays flat).
"""

from __future__ import annotations

import json
import tempfile
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..skeleton import NUM_JOINTS

__all__ = [
    "AXES",
    "LAB_FROM_CAMERA",
    "PersonMotion",
    "MotionSpool",
    "motions_from_json",
    "resample",
    "to_lab",
    "fill_gaps",
]

# lab = camera @ LAB_FROM_CAMERA.T: a 180-degree turn about x (right-handed both, so no mirror)
LAB_FROM_CAMERA = np.diag([1.0, -1.0, -1.0])
AXES = (
    "axes: right-handed, Y up; X = camera right, Y = up (camera -y), Z = towards the camera (camera -z); "
    "origin at the camera"
)


def to_lab(joints_cam_mm: np.ndarray) -> np.ndarray:
    """Camera millimetres (x right, y down, z forward) to the lab frame of every motion file (see :data:`AXES`)."""
    return np.asarray(joints_cam_mm, dtype=np.float64) @ LAB_FROM_CAMERA.T


@dataclass(frozen=True)
class PersonMotion:
    """One tracked person, frame by frame at a fixed rate, from the first frame they are seen to the last.

    Attributes:
        person: the track id.
        rate_hz: frames per second of the rows.
        frame_indices: (T,) the source frame of each row (the video's; for a live session, the row's number).
        times_s: (T,) each row's time in seconds.
        joints_cam_mm: (T, 18, 3) camera millimetres; NaN in the frames (or joints) the person was not found.
    """

    person: int
    rate_hz: float
    frame_indices: np.ndarray
    times_s: np.ndarray
    joints_cam_mm: np.ndarray

    def __post_init__(self) -> None:
        if not self.rate_hz > 0:
            raise ValueError(f"the frame rate must be positive, got {self.rate_hz}")
        shape = np.shape(self.joints_cam_mm)
        if len(shape) != 3 or shape[1:] != (NUM_JOINTS, 3) or not shape[0]:
            raise ValueError(f"joints must be (T, {NUM_JOINTS}, 3) with T >= 1, got {shape}")
        if len(self.frame_indices) != shape[0] or len(self.times_s) != shape[0]:
            raise ValueError("one frame index and one time per row of joints")

    @property
    def frames(self) -> int:
        return len(self.times_s)

    @property
    def present(self) -> np.ndarray:
        """(T,) rows where every joint was found."""
        return np.isfinite(self.joints_cam_mm).all(axis=(1, 2))

    def joints_lab_mm(self) -> np.ndarray:
        """(T, 18, 3) in the lab frame (:data:`AXES`), NaN where missing."""
        return to_lab(self.joints_cam_mm)


def fill_gaps(joints: np.ndarray) -> np.ndarray:
    """Every missing value (NaN) linearly interpolated in time from the frames around it, held before the
    first and after the last one found, joint by joint and axis by axis; (T, J, 3) in, the same out.

    Raises:
        ValueError: when a joint is never found.
    """
    joints = np.array(joints, dtype=np.float64)
    flat = joints.reshape(len(joints), -1)
    rows = np.arange(len(joints))
    for column in range(flat.shape[1]):
        known = np.isfinite(flat[:, column])
        if not known.any():
            raise ValueError("a joint is never found in the whole track")
        if not known.all():
            flat[:, column] = np.interp(rows, rows[known], flat[known, column])
    return flat.reshape(joints.shape)


def resample(times_s: np.ndarray, joints: np.ndarray, grid_s: np.ndarray, max_gap_s: float) -> np.ndarray:
    """Joints sampled at irregular times (T,) -> the regular ``grid_s`` (G,), linearly between the two samples
    around each grid time; NaN where those are more than ``max_gap_s`` apart (a gap stays a gap) or outside
    the samples. (T, J, 3) in, (G, J, 3) out; samples with NaN are not used.
    """
    times_s = np.asarray(times_s, dtype=np.float64)
    joints = np.asarray(joints, dtype=np.float64)
    out = np.full((len(grid_s), *joints.shape[1:]), np.nan)
    known = np.isfinite(joints).all(axis=(1, 2))
    t, values = times_s[known], joints[known]
    if not len(t):
        return out
    after = np.clip(np.searchsorted(t, grid_s, side="left"), 0, len(t) - 1)
    before = np.clip(after - 1, 0, len(t) - 1)
    exact = np.isclose(t[after], grid_s, rtol=0.0, atol=1e-9)
    before = np.where(exact, after, before)
    span = t[after] - t[before]
    usable = exact | ((t[before] <= grid_s) & (grid_s <= t[after]) & (span <= max_gap_s) & (span > 0))
    w = np.where(span > 0, (grid_s - t[before]) / np.where(span > 0, span, 1.0), 0.0)[:, None, None]
    mixed = values[before] * (1 - w) + values[after] * w
    out[usable] = mixed[usable]
    return out


def _motions(frames: np.ndarray, times: np.ndarray, rate_hz: float, rows: dict[int, list]) -> list[PersonMotion]:
    """Per track id, its span of processed frames with NaN where it was not seen."""
    out = []
    for person in sorted(rows):
        positions = np.array([r for r, _ in rows[person]])
        first, last = positions.min(), positions.max()
        joints = np.full((last - first + 1, NUM_JOINTS, 3), np.nan)
        joints[positions - first] = np.array([j for _, j in rows[person]], dtype=np.float64)
        span = slice(first, last + 1)
        out.append(PersonMotion(person, rate_hz, frames[span], times[span], joints))
    return out


def motions_from_json(json_path: str | Path, rate_hz: float | None = None) -> list[PersonMotion]:
    """Every person of a run's ``keypoints.json``, by track id; rows are the processed frames.

    Args:
        rate_hz: the rows' rate (default: the video's frame rate over the run's stride).
    """
    payload = json.loads(Path(json_path).read_text())
    if rate_hz is None:
        rate_hz = float(payload["video"]["fps"]) / int(payload.get("settings", {}).get("stride", 1))
    frames = np.array([f["frame"] for f in payload["frames"]], dtype=int)
    times = np.array([f["time"] for f in payload["frames"]], dtype=float)
    rows: dict[int, list] = {}
    for position, frame in enumerate(payload["frames"]):
        for p in frame["people"]:
            joints = np.array([[np.nan if v is None else v for v in j] for j in p["keypoints_3d_mm"]], dtype=float)
            rows.setdefault(int(p["person"]), []).append((position, joints))
    return _motions(frames, times, rate_hz, rows)


# one spooled row: the processed frame's position, its source index and time, a person and their joints
_ROW = np.dtype([("position", "<i8"), ("frame", "<i8"), ("time", "<f8"), ("person", "<i8"), ("joints", "<f4", (54,))])


class MotionSpool:
    """Collects every person of every processed frame in a file on disk, then hands out one track at a time.

    Memory stays flat while frames come (a row of 248 bytes per person per frame goes to the file); reading
    back maps the file and loads one person's rows at a time.
    """

    def __init__(self, rate_hz: float, folder: str | Path | None = None) -> None:
        self.rate_hz = rate_hz
        self._file = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115 (closed in close())
        self._position = 0
        self._frame_indices, self._times = array("q"), array("d")  # 16 bytes per frame

    def add(self, frame_index: int, time_s: float, people: Sequence) -> None:
        """One processed frame and the people in it (anything with ``track_id`` and ``keypoints_3d``)."""
        rows = np.zeros(len(people), _ROW)
        for row, person in zip(rows, people):
            row["position"], row["frame"], row["time"] = self._position, frame_index, time_s
            row["person"], row["joints"] = person.track_id, np.asarray(person.keypoints_3d, np.float32).ravel()
        self._file.write(rows.tobytes())
        self._frame_indices.append(int(frame_index))
        self._times.append(float(time_s))
        self._position += 1

    def motions(self) -> Iterable[PersonMotion]:
        """Each person seen, by track id, one at a time."""
        self._file.flush()
        if not self._file.tell():
            return
        table = np.memmap(self._file, dtype=_ROW, mode="r")
        frames, times = np.array(self._frame_indices, dtype=int), np.array(self._times, dtype=float)
        for person in np.unique(table["person"]):
            mine = table[table["person"] == person]
            rows = {int(person): [(int(r["position"]), r["joints"].reshape(NUM_JOINTS, 3)) for r in mine]}
            yield from _motions(frames, times, self.rate_hz, rows)

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> MotionSpool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
