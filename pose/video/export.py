"""Keypoint exports that stream: each frame's rows go out as the frame is done, so memory stays flat.

CSV: one row per person per frame (the person's ``track_id``), with every
joint's pixels, camera millimetres and confidence, then the flexion of knees,
hips, elbows and shoulders (:data:`pose.angles.FLEXION`), worked out from the
keypoints as exported, so smoothed as they are. JSON: the video, the
estimator, the settings, then every frame's people, written frame by frame;
the closing summary (frames processed, cancelled, where the file broke off)
comes last. Both are written under a ``.partial`` name and renamed when
complete, so a file with the final name is always whole.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..angles import FLEXION_COLUMNS, flexion_angles
from ..engine.estimator import Person
from ..skeleton import JOINT_NAMES
from .io import replace_atomically

__all__ = ["CSV_COLUMNS", "JOINT_FIELDS", "KeypointsCsv", "KeypointsJson", "Track", "people_in", "read_track"]

PARTIAL_SUFFIX = ".partial"

# Per joint: (column suffix, where the value comes from, decimals). One table for the header and the rows.
JOINT_FIELDS: tuple[tuple[str, str, int, int], ...] = (
    ("x_px", "keypoints_2d", 0, 2),
    ("y_px", "keypoints_2d", 1, 2),
    ("x_mm", "keypoints_3d", 0, 1),
    ("y_mm", "keypoints_3d", 1, 1),
    ("z_mm", "keypoints_3d", 2, 1),
    ("confidence", "confidence", None, 4),
)
FRAME_COLUMNS = ("frame", "time_s", "person", "bbox_x_px", "bbox_y_px", "bbox_w_px", "bbox_h_px")
CSV_COLUMNS: tuple[str, ...] = (
    FRAME_COLUMNS + tuple(f"{joint}_{suffix}" for joint in JOINT_NAMES for suffix, *_ in JOINT_FIELDS) + FLEXION_COLUMNS
)


def _partial(path: Path) -> Path:
    return path.with_name(path.name + PARTIAL_SUFFIX)


def _number(value: float, decimals: int) -> str:
    return "" if math.isnan(value) else f"{value:.{decimals}f}"


class KeypointsCsv:
    """The CSV export, one row per person per frame, written as frames come (see :data:`CSV_COLUMNS`)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._fh = open(_partial(self.path), "w", newline="")  # noqa: SIM115 (closed in close())
        self._writer = csv.writer(self._fh)
        self._writer.writerow(CSV_COLUMNS)

    def write(self, frame_index: int, time_s: float, people: Sequence[Person]) -> None:
        for person in people:
            row = [frame_index, f"{time_s:.4f}", person.track_id, *(f"{v:.1f}" for v in person.bbox_xywh)]
            for j in range(len(JOINT_NAMES)):
                for _, attribute, axis, decimals in JOINT_FIELDS:
                    values = getattr(person, attribute)[j]
                    row.append(_number(float(values if axis is None else values[axis]), decimals))
            row.extend(_number(float(v), 1) for v in flexion_angles(person.keypoints_3d).values())
            self._writer.writerow(row)

    def close(self) -> Path:
        """Finish the file and give it its final name."""
        self._fh.close()
        return replace_atomically(_partial(self.path), self.path)

    def discard(self) -> None:
        self._fh.close()
        _partial(self.path).unlink(missing_ok=True)


def _rounded(array: np.ndarray, decimals: int) -> list:
    """Rounded, as nested lists, with None (JSON null) where the value is NaN."""
    values = np.asarray(array, dtype=float)
    rounded = np.round(values, decimals).astype(object)
    rounded[np.isnan(values)] = None
    return rounded.tolist()


def person_record(person: Person) -> dict[str, Any]:
    """One person as JSON: id, box, and every joint's 2D, 3D, root-relative position and confidence."""
    return {
        "person": int(person.track_id),
        "bbox_xywh_px": _rounded(person.bbox_xywh, 1),
        "keypoints_2d_px": _rounded(person.keypoints_2d, 2),
        "keypoints_3d_mm": _rounded(person.keypoints_3d, 1),
        "keypoints_rel_mm": _rounded(person.keypoints_rel, 1),
        "confidence": _rounded(person.confidence, 4),
    }


class KeypointsJson:
    """The JSON export, streamed: header fields first, then one frame at a time, then the summary.

    The finished file is one JSON object::

        {"video": {...}, "estimator": "XS", "settings": {...}, "joints": [...],
         "frames": [{"frame": 0, "time": 0.0, "process_ms": 41.2, "people": [{"person": 1, ...}]}, ...],
         "frames_processed": 300, "cancelled": false, "stopped_early": null, ...}
    """

    def __init__(self, path: str | Path, header: Mapping[str, Any]) -> None:
        self.path = Path(path)
        self._fh = open(_partial(self.path), "w")  # noqa: SIM115 (closed in close())
        head = json.dumps(dict(header))
        self._fh.write(head[:-1] + (", " if header else "") + '"frames": [')
        self._first = True

    def write(self, frame_index: int, time_s: float, process_ms: float, people: Sequence[Person]) -> None:
        record = {
            "frame": int(frame_index),
            "time": round(float(time_s), 4),
            "process_ms": round(float(process_ms), 2),
            "people": [person_record(p) for p in people],
        }
        self._fh.write(("" if self._first else ",\n") + json.dumps(record))
        self._first = False

    def close(self, summary: Mapping[str, Any]) -> Path:
        """Write the closing summary and give the file its final name."""
        tail = json.dumps(dict(summary))
        self._fh.write("]" + (", " + tail[1:] if summary else "}"))
        self._fh.close()
        return replace_atomically(_partial(self.path), self.path)

    def discard(self) -> None:
        self._fh.close()
        _partial(self.path).unlink(missing_ok=True)


@dataclass(frozen=True)
class Track:
    """One person's path through a processed video, read back from the JSON export (for charts).

    Attributes:
        person: the track id.
        frame_indices: (F,) every processed frame.
        times_s: (F,) their timestamps.
        process_ms: (F,) processing time per frame.
        keypoints_3d: (F, 18, 3) camera mm, NaN where this person was not found.
        keypoints_rel: (F, 18, 3) mm from the pelvis, likewise.
    """

    person: int | None
    frame_indices: np.ndarray
    times_s: np.ndarray
    process_ms: np.ndarray
    keypoints_3d: np.ndarray
    keypoints_rel: np.ndarray


def _frames_per_person(frames: list[dict]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for frame in frames:
        for p in frame["people"]:
            counts[p["person"]] = counts.get(p["person"], 0) + 1
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def people_in(json_path: str | Path) -> dict[int, int]:
    """Each person's id in a JSON export -> the frames they were seen in, the most seen first (ties: lower id)."""
    return _frames_per_person(json.loads(Path(json_path).read_text())["frames"])


def read_track(json_path: str | Path, person: int | None = None) -> Track:
    """Read one person's track back from a JSON export; by default the person seen in the most frames
    (:func:`people_in`)."""
    payload = json.loads(Path(json_path).read_text())
    frames = payload["frames"]
    if person is None:
        person = next(iter(_frames_per_person(frames)), None)
    n = len(JOINT_NAMES)
    keypoints_3d = np.full((len(frames), n, 3), np.nan)
    keypoints_rel = np.full((len(frames), n, 3), np.nan)
    for i, frame in enumerate(frames):
        for p in frame["people"]:
            if p["person"] == person:
                keypoints_3d[i] = np.array(p["keypoints_3d_mm"], dtype=float)
                keypoints_rel[i] = np.array(p["keypoints_rel_mm"], dtype=float)
                break
    return Track(
        person,
        np.array([f["frame"] for f in frames], dtype=int),
        np.array([f["time"] for f in frames], dtype=float),
        np.array([f.get("process_ms", np.nan) for f in frames], dtype=float),
        keypoints_3d,
        keypoints_rel,
    )
