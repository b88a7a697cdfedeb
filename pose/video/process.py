"""The whole-file pipeline: frames in, poses, the annotated MP4 and the keypoint exports out, streaming.

Memory stays flat whatever the video's length: a frame is read, estimated,
drawn, encoded and exported, then dropped; only counters are kept (measured:
see docs/batch.md). The people of each frame also go to a spool on disk, from
which the motion files (BVH, TRC, C3D per person: :mod:`pose.export`) are
written at the end, one person at a time. Progress goes to the caller as
immutable snapshots.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from ..draw import DrawOptions, draw_message, draw_people
from ..engine.estimator import PoseEstimator
from ..export import MotionSpool, write_motion_files
from ..skeleton import JOINT_NAMES
from .export import KeypointsCsv, KeypointsJson
from .io import Mp4Writer, ReadReport, VideoError, VideoInfo, incompleteness, probe, read_frames, replace_atomically
from .settings import VideoSettings

__all__ = ["Progress", "VideoRun", "process_video", "OUTPUT_NAMES"]

log = logging.getLogger(__name__)

OUTPUT_NAMES = {"video": "annotated.mp4", "csv": "keypoints.csv", "json": "keypoints.json"}
# Frames estimated per step: progress is reported and a cancel honoured between steps (the results do not depend
# on it).
FRAMES_PER_STEP = 4


@dataclass(frozen=True)
class Progress:
    """A snapshot of a run in progress (a new one after every batch of frames)."""

    estimator: str
    frames_done: int
    frames_total: int  # an estimate when not total_exact
    total_exact: bool
    frames_with_person: int
    wall_s: float

    @property
    def fraction(self) -> float:
        return min(self.frames_done / max(self.frames_total, 1), 1.0)

    @property
    def fps(self) -> float:
        return self.frames_done / self.wall_s if self.wall_s > 0 else 0.0


@dataclass(frozen=True)
class VideoRun:
    """The outcome of :func:`process_video`: counts, warnings and where the outputs are."""

    info: VideoInfo
    estimator: str
    trained: bool
    settings: Mapping[str, Any] = field(default_factory=dict)
    frames_done: int = 0
    frames_with_person: int = 0
    people: int = 0  # distinct track ids seen
    cancelled: bool = False
    stopped_early: str | None = None  # e.g. "the file breaks off at 4.4 s of 10.0 s"
    wall_s: float = 0.0
    video_path: Path | None = None
    csv_path: Path | None = None
    json_path: Path | None = None
    motion_paths: tuple[Path, ...] = ()  # person-<id>.bvh, .trc, .c3d for each person

    @property
    def fps(self) -> float:
        return self.frames_done / self.wall_s if self.wall_s > 0 else 0.0

    @property
    def outputs(self) -> tuple[Path, ...]:
        return tuple(p for p in (self.video_path, self.csv_path, self.json_path) if p is not None) + self.motion_paths

    @property
    def counts(self) -> str:
        """The frames and people in words: "540 frames (540 with a person, 1 person)"."""
        frames = "1 frame" if self.frames_done == 1 else f"{self.frames_done} frames"
        people = "1 person" if self.people == 1 else f"{self.people} people"
        return f"{frames} ({self.frames_with_person} with a person, {people})"


def _expected_frames(info: VideoInfo, settings: VideoSettings) -> int:
    end = info.frame_count if settings.stop is None else min(settings.stop, info.frame_count)
    return max(1, len(range(settings.start, max(end, settings.start + 1), settings.stride)))


def process_video(
    path: str | Path,
    out_dir: str | Path,
    settings: VideoSettings | None = None,
    *,
    estimator: PoseEstimator | None = None,
    progress: Callable[[Progress], None] | None = None,
    cancel: threading.Event | None = None,
) -> VideoRun:
    """Run pose estimation over a video file; write annotated.mp4, keypoints.csv, keypoints.json and the motion
    files of ``settings.formats`` (``person-<id>.bvh`` ...) to ``out_dir``.

    Frames are read, estimated :data:`FRAMES_PER_STEP` at a time, drawn,
    encoded and exported as they go. Each output is written under a
    ``.partial`` name and renamed when complete. ``cancel`` stops after the
    current batch, keeping what was done; a file that breaks off is processed
    as far as it decodes, and ``stopped_early`` says where it broke off.

    Args:
        settings: the estimator's settings and the frames taken (default: XS, every frame).
        estimator: a ready estimator (shared runner); by default one is built
            from ``settings`` and closed at the end.

    Raises:
        VideoError: when the file cannot be read as a video.
        pose.CheckpointError, ValueError: when the estimator cannot be built.
    """
    settings = settings or VideoSettings()
    info = probe(path)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    own = estimator is None
    estimator = settings.build() if own else estimator
    try:
        return _process(Path(path), out_dir, info, settings, estimator, progress, cancel)
    finally:
        if own:
            estimator.close()


def _process(path, out_dir, info, settings, estimator, progress, cancel) -> VideoRun:
    ran_on = {"backend": estimator.backend, "device": estimator.device, "precision": estimator.precision}
    record = MappingProxyType({**settings.as_dict(), "variant": estimator.variant, "ran_on": ran_on})
    header = {
        "video": {**info.__dict__},
        "estimator": estimator.variant,
        "trained": estimator.trained,
        "settings": dict(record),
        "joints": list(JOINT_NAMES),
    }
    total, exact = _expected_frames(info, settings), info.frame_count_exact
    video_path, csv_path, json_path = (out_dir / OUTPUT_NAMES[k] for k in ("video", "csv", "json"))
    partial_video = video_path.with_name(video_path.name + ".partial")
    report = ReadReport()
    with_person = 0
    track_ids: set[int] = set()
    cancelled = False
    estimator.reset()  # a new sequence: no track or smoothing carried over from another video
    started = time.perf_counter()
    csv_out, json_out = KeypointsCsv(csv_path), KeypointsJson(json_path, header)
    writer = Mp4Writer(partial_video, info.fps, (info.width, info.height))
    spool = MotionSpool(info.fps / settings.stride, out_dir) if settings.motion_formats else None
    exports = (csv_out, json_out, spool)
    try:
        batch: list[tuple[int, float, np.ndarray]] = []
        frames = read_frames(path, start=settings.start, stop=settings.stop, stride=settings.stride, report=report)
        for item in frames:
            batch.append(item)
            if len(batch) < FRAMES_PER_STEP:
                continue
            with_person += _estimate_batch(batch, estimator, settings, writer, exports, track_ids)
            batch.clear()
            if progress:
                wall_s = time.perf_counter() - started
                progress(Progress(estimator.variant, writer.frames, total, exact, with_person, wall_s))
            if cancel is not None and cancel.is_set():
                cancelled = True
                frames.close()
                break
        if batch:
            with_person += _estimate_batch(batch, estimator, settings, writer, exports, track_ids)
            if progress:
                wall_s = time.perf_counter() - started
                progress(Progress(estimator.variant, writer.frames, total, exact, with_person, wall_s))
        writer.close(_last_frame_duration(info, report, settings))
    except BaseException:
        for out in (csv_out, json_out):
            out.discard()
        writer.close()
        partial_video.unlink(missing_ok=True)
        if spool is not None:
            spool.close()
        raise
    stopped_early = incompleteness(info, report)
    if stopped_early and report.error:
        log.warning("%s: %s (%s)", path.name, stopped_early, report.error)
    motion_paths: tuple[Path, ...] = ()
    if spool is not None:
        with spool:
            if writer.frames:
                motion_paths = tuple(write_motion_files(spool.motions(), out_dir, settings.motion_formats))
    if writer.frames == 0:
        csv_out.discard()
        json_out.discard()
        partial_video.unlink(missing_ok=True)
        raise VideoError(f"{path.name}: no frame could be decoded" + (f" ({stopped_early})" if stopped_early else ""))
    wall_s = time.perf_counter() - started
    json_out.close(
        {
            "frames_processed": writer.frames,
            "frames_with_person": with_person,
            "people": len(track_ids),
            "cancelled": cancelled,
            "stopped_early": stopped_early,
            "wall_s": round(wall_s, 3),
        }
    )
    csv_out.close()
    replace_atomically(partial_video, video_path)
    return VideoRun(
        info,
        estimator.variant,
        estimator.trained,
        record,
        writer.frames,
        with_person,
        len(track_ids),
        cancelled,
        stopped_early,
        wall_s,
        video_path,
        csv_path,
        json_path,
        motion_paths,
    )


def _estimate_batch(batch, estimator, settings, writer, exports, track_ids) -> int:
    """Estimate, draw, encode and export one batch of (index, seconds, frame); returns how many had someone."""
    csv_out, json_out, spool = exports
    t0 = time.perf_counter()
    results = estimator.process_batch([f for _, _, f in batch], [s for _, s, _ in batch])
    ms = (time.perf_counter() - t0) * 1e3 / len(batch)
    for (index, seconds, frame), result in zip(batch, results):
        people = result.people
        track_ids.update(p.track_id for p in people)
        csv_out.write(index, seconds, people)
        json_out.write(index, seconds, ms, people)
        if spool is not None:
            spool.add(index, seconds, people)
        if settings.draw:
            draw_people(frame, people, DrawOptions().for_weights(result.trained))
            draw_message(frame, f"{estimator.variant} | frame {index}" + ("" if people else " | no person detected"))
        writer.write(frame, seconds)
    return sum(bool(r.people) for r in results)


def _last_frame_duration(info: VideoInfo, report: ReadReport, settings: VideoSettings) -> float:
    """How long the last frame written lasts: until the next source frame, or the stream's end."""
    step_s = settings.stride / info.fps
    if report.last_yielded_s is None:
        return step_s
    if report.next_time_s is not None:
        return max(report.next_time_s - report.last_yielded_s, 1e-3)
    to_end_s = info.start_s + info.duration_s - report.last_yielded_s
    return to_end_s if 0 < to_end_s <= step_s + 1.0 / info.fps else step_s
