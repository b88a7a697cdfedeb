"""Recording a live session's people for motion files: a bounded, thread-safe buffer fed by the frame callback.

:class:`RecordingEstimator` wraps the estimator a :class:`pose.live.LiveProcessor`
runs (the first one, when several take turns), so every result it produces
reaches the :class:`MotionRecorder` with its frame's timestamp, on whichever
thread processes frames. The recorder keeps at most ``max_frames`` frames
(:data:`DEFAULT_MAX_FRAMES`: 5 minutes at 30 fps; measured at the cap: 4.8 MB with
one person in view, 38 MB with ten);
at the cap it stops by itself and says so, keeping everything it took. What it
holds stays until the next :meth:`MotionRecorder.start`, whether the recording
was stopped or the stream ended.

Live frames come at irregular times (a slow model drops some), so the tracks
are resampled onto a regular grid at the median frame rate of the take; a
person unseen for more than :data:`MAX_GAP_FRAMES` frames' time is a gap there.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..skeleton import NUM_JOINTS
from .motion import PersonMotion, resample

__all__ = ["DEFAULT_MAX_FRAMES", "MAX_GAP_FRAMES", "MotionRecorder", "RecordingEstimator"]

DEFAULT_MAX_FRAMES = 9000  # 5 minutes at 30 fps; about 420 bytes per person per frame (216 of them joints)
MAX_GAP_FRAMES = 3  # a person missing for longer than 3 frame intervals is a gap, not interpolated


class MotionRecorder:
    """The tracked people of processed frames, from :meth:`start` to :meth:`stop` (or the cap)."""

    def __init__(self, max_frames: int = DEFAULT_MAX_FRAMES) -> None:
        if max_frames < 2:
            raise ValueError(f"max_frames must be at least 2, got {max_frames}")
        self.max_frames = max_frames
        self._lock = threading.Lock()
        self._frames: list[tuple[float, tuple[tuple[int, np.ndarray], ...]]] = []
        self._recording = False
        self._offset_s = 0.0  # added to timestamps after a source restarted its clock
        self.full = False  # the cap was reached: the recording stopped by itself
        self.take = 0  # counts the takes started (a new one names new files)

    def start(self) -> None:
        """Begin a new take (what an earlier one held is dropped)."""
        with self._lock:
            self._frames, self._recording, self.full = [], True, False
            self.take += 1
            self._offset_s = 0.0

    def stop(self) -> None:
        """End the take; what it holds is kept."""
        with self._lock:
            self._recording = False

    @property
    def recording(self) -> bool:
        return self._recording

    @property
    def frames(self) -> int:
        return len(self._frames)

    @property
    def duration_s(self) -> float:
        with self._lock:
            return self._frames[-1][0] - self._frames[0][0] if len(self._frames) > 1 else 0.0

    @property
    def rate_hz(self) -> float | None:
        """The rows a second of the take's motion files: its frames' median rate (None under two frames)."""
        with self._lock:
            times = np.array([t for t, _ in self._frames])
        return _rate(times) if len(times) > 1 else None

    def add(self, timestamp_s: float, people: Sequence[Any]) -> None:
        """One processed frame's people (anything with ``track_id`` and ``keypoints_3d``); ignored unless recording."""
        if not self._recording:
            return
        kept = tuple((int(p.track_id), np.asarray(p.keypoints_3d, np.float32).copy()) for p in people)
        with self._lock:
            if not self._recording:
                return  # stopped meanwhile
            t = float(timestamp_s) + self._offset_s
            if self._frames and t <= self._frames[-1][0]:  # the source's clock started again (a new stream)
                step = self._frames[-1][0] - self._frames[-2][0] if len(self._frames) > 1 else 1 / 30
                self._offset_s += self._frames[-1][0] + step - t
                t = self._frames[-1][0] + step
            self._frames.append((t, kept))
            if len(self._frames) >= self.max_frames:
                self._recording, self.full = False, True

    def motions(self) -> list[PersonMotion]:
        """Each person of the take, by track id, resampled at the take's median frame rate (empty when under
        two frames were taken)."""
        with self._lock:
            frames = list(self._frames)
        if len(frames) < 2:
            return []
        times = np.array([t for t, _ in frames])
        step, rate = float(np.median(np.diff(times))), _rate(times)
        grid = times[0] + np.arange(int(np.floor((times[-1] - times[0]) * rate + 1e-6)) + 1) / rate
        out = []
        for person in sorted({i for _, people in frames for i, _ in people}):
            joints = np.full((len(frames), NUM_JOINTS, 3), np.nan)
            for row, (_, people) in enumerate(frames):
                for i, kp in people:
                    if i == person:
                        joints[row] = kp
            on_grid = resample(times, joints, grid, MAX_GAP_FRAMES * step)
            seen = np.flatnonzero(np.isfinite(on_grid).all(axis=(1, 2)))
            if not len(seen):
                continue
            span = slice(seen[0], seen[-1] + 1)
            rows = np.arange(len(grid))[span]
            out.append(PersonMotion(person, rate, rows, grid[span] - times[0], on_grid[span]))
        return out

    def write(self, out_dir: str | Path, formats: Sequence[str]) -> list[Path]:
        """The take's motion files, ``person-<id>.<format>``, into ``out_dir``."""
        from . import write_motion_files

        return write_motion_files(self.motions(), out_dir, formats)


class RecordingEstimator:
    """An estimator whose every result also goes to a recorder; everything else is the estimator's own."""

    def __init__(self, estimator: Any, recorder: MotionRecorder) -> None:
        self._estimator, self._recorder = estimator, recorder

    def process(self, frame_bgr: np.ndarray, timestamp_s: float | None = None):
        result = self._estimator.process(frame_bgr, timestamp_s)
        self._recorder.add(time.monotonic() if timestamp_s is None else timestamp_s, result.people)
        return result

    def __getattr__(self, name: str):
        return getattr(self._estimator, name)


def _rate(times_s: np.ndarray) -> float:
    """Frames a second at the median interval of ``times_s`` (two or more), to 0.01."""
    return round(1.0 / float(np.median(np.diff(times_s))), 2)
