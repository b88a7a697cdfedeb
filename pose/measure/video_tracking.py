"""How the engine's ids hold on real video: every id's lifetime, and the frame times, per clip.

``python -m pose.measure.video_tracking CLIP [CLIP ...] --people N [N ...]`` runs each clip (scaled to
``--width`` pixels) through the engine offline, as ``python -m pose.video`` does, and prints per clip the
ids it gave, how many frames each lived, the ids that lived under 5 frames, the switches (ids beyond the
number of people who are in view: ``--people``, one per clip), people per frame and the frame time's
median and p95. ``--json`` writes the figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np

from ..config import EstimatorConfig, add_arguments, from_arguments
from ..engine.estimator import PoseEstimator
from ..video.io import VideoError, read_frames

__all__ = ["ClipTracking", "track_clip", "SHORT_LIVED_FRAMES"]

SHORT_LIVED_FRAMES = 5  # an id that lives fewer frames than this is a fragment


@dataclass(frozen=True)
class ClipTracking:
    """One clip through the engine.

    Attributes:
        clip: the file's name.
        frames: frames processed.
        people: people in view, as the user says (None: not given).
        lifetimes: per id, the frames it was reported in.
        short_lived: ids that lived under :data:`SHORT_LIVED_FRAMES` frames.
        switches: ids beyond ``people`` (None where ``people`` is not given).
        people_per_frame: how many frames reported 0, 1, 2 ... people.
        frame_ms_median, frame_ms_p95: the engine's time per frame, first frame (model loading) left out.
        first_frame_ms: the first frame's time.
    """

    clip: str
    frames: int
    people: int | None
    lifetimes: dict[int, int]
    short_lived: tuple[int, ...]
    switches: int | None
    people_per_frame: dict[int, int]
    frame_ms_median: float
    frame_ms_p95: float
    first_frame_ms: float


def _scaled(frame_bgr: np.ndarray, width: int | None) -> np.ndarray:
    if width is None or frame_bgr.shape[1] <= width:
        return frame_bgr
    height = round(frame_bgr.shape[0] * width / frame_bgr.shape[1])
    return cv2.resize(frame_bgr, (width, height), interpolation=cv2.INTER_AREA)


def track_clip(
    estimator: PoseEstimator, path: str | Path, *, people: int | None = None, width: int | None = 640,
    limit: int | None = None,
) -> ClipTracking:  # fmt: skip
    """Every frame of ``path`` (up to ``limit``), scaled to ``width``, through ``estimator`` from a fresh start.

    Raises:
        VideoError: when the file cannot be read.
    """
    estimator.reset()
    lifetimes: Counter[int] = Counter()
    counts: Counter[int] = Counter()
    times_ms = []
    for _, t_s, frame in read_frames(path, stop=limit):
        start = time.perf_counter()
        result = estimator.process(_scaled(frame, width), t_s)
        times_ms.append((time.perf_counter() - start) * 1e3)
        lifetimes.update(int(i) for i in result.people.track_id)
        counts[len(result.people)] += 1
    if not times_ms:
        raise VideoError(f"{path}: no frame could be decoded")
    steady = times_ms[1:] or times_ms
    return ClipTracking(
        Path(path).name, len(times_ms), people, dict(sorted(lifetimes.items())),
        tuple(i for i, n in sorted(lifetimes.items()) if n < SHORT_LIVED_FRAMES),
        None if people is None else max(0, len(lifetimes) - people), dict(sorted(counts.items())),
        float(np.median(steady)), float(np.percentile(steady, 95)), times_ms[0],
    )  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pose.measure.video_tracking", description=__doc__.splitlines()[0])
    parser.add_argument("clips", nargs="+", help="video files")
    parser.add_argument("--people", type=int, nargs="+", help="people in view in each clip, in order")
    parser.add_argument("--width", type=int, default=640, help="scale frames to this width, pixels (default 640)")
    parser.add_argument("--limit", type=int, default=None, help="at most this many frames of each clip")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    add_arguments(parser, EstimatorConfig)
    args = parser.parse_args(argv)
    if args.people and len(args.people) != len(args.clips):
        parser.error("--people needs one number per clip")
    rows = []
    try:
        with PoseEstimator(config=from_arguments(args)) as estimator:
            print(f"{estimator!r}")
            header = ("clip", "frames", "ids", "lifetimes (frames)", "short", "switches", "ms p50", "ms p95")
            print(f"{header[0]:27s} {header[1]:>6s} {header[2]:>4s}  {header[3]:32s} " + "  ".join(header[4:]))
            for i, clip in enumerate(args.clips):
                row = track_clip(
                    estimator, clip, people=args.people[i] if args.people else None, width=args.width, limit=args.limit
                )
                rows.append(row)
                lives = " ".join(f"{k}:{v}" for k, v in row.lifetimes.items())
                switches = "" if row.switches is None else str(row.switches)
                print(
                    f"{row.clip:27s} {row.frames:6d} {len(row.lifetimes):4d}  {lives:32s} {len(row.short_lived):5d}  "
                    f"{switches:>8s}  {row.frame_ms_median:6.1f}  {row.frame_ms_p95:6.1f}"
                )
    except (VideoError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
