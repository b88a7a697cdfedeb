"""``python -m pose.batch INPUT --out OUT --variant XS``: many videos through a pool of pose workers on Ray.

INPUT is a folder (searched recursively for video files) or a text file
listing paths. Each video gets the outputs of ``python -m pose.video`` in
``OUT/<relative path>/``; ``OUT/summary.csv`` and ``OUT/summary.json`` hold one
row per input. Each worker is a Ray actor that loads its estimator once.
A rerun skips what is already done for the same content and settings
(``OUT/manifest.json``); outputs are written under temporary names and renamed,
so a killed run leaves nothing that looks complete. A file that cannot be
read, breaks off, or kills its worker is a failed row with the reason; the
others complete.

This module is the command: Ray's start, the arguments, the progress bars.
The inputs are found in :mod:`~pose.video.batch_inputs`, the manifest and
summary kept in :mod:`~pose.video.batch_records`, the pool run by
:mod:`~pose.video.batch_pool`.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import ray

from ..detect import check_detector
from .batch_inputs import BatchError, find_inputs
from .batch_pool import default_workers, run_batch
from .io import VideoError, probe
from .outcome import Outcome
from .progress import ProgressBar
from .settings import add_settings_arguments, settings_from_arguments

__all__ = ["init_ray", "main"]


def init_ray(address: str | None, cpus: int | None, ship_code: bool = False) -> bool:
    """Join the cluster at ``address`` (or $RAY_ADDRESS), or start a local one sized to this machine's cores.

    Returns:
        True when this call started Ray (and so must shut it down).
    """
    if ray.is_initialized():
        return False
    root = str(Path(__file__).resolve().parents[2])  # the checkout that holds the pose package
    address = address or os.environ.get("RAY_ADDRESS")
    if address:
        runtime_env = {"working_dir": root, "excludes": ["models/", ".venv/", "test-artifacts/"]} if ship_code else {}
        ray.init(address=address, runtime_env=runtime_env, log_to_driver=False)
    else:
        ray.init(
            num_cpus=cpus or os.cpu_count() or 1,
            include_dashboard=False,
            log_to_driver=False,
            runtime_env={"env_vars": {"PYTHONPATH": root}},
        )
    return True


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pose.batch",
        description="Pose estimation over many videos on a Ray actor pool (local, or a cluster with --address).",
        epilog="Exit status: 0 all done or skipped; 1 some failed (see OUT/summary.csv); 2 unusable INPUT or detector.",
    )
    parser.add_argument("input", help="a folder (searched recursively for mp4, mov, avi, mkv, webm) or a list file")
    parser.add_argument("--out", required=True, help="output folder: OUT/<relative path>/, summary.csv, summary.json")
    parser.add_argument("--address", default=None, help="a Ray cluster to join (default $RAY_ADDRESS, else local)")
    parser.add_argument("--workers", type=int, default=None, help="pose workers (default: GPUs, else cores / 2)")
    parser.add_argument("--cpus", type=int, default=None, help="CPUs for a local Ray (default: all cores)")
    parser.add_argument("--retry-failed", action="store_true", help="run again what failed in an earlier run")
    parser.add_argument("--ship-code", action="store_true", help="send this checkout to the cluster's workers")
    add_settings_arguments(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    started = time.monotonic()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = settings_from_arguments(args)
        check_detector()  # every worker would fail on a missing or unreadable CONVNEXTPOSE_DETECTOR file
        items = find_inputs(args.input)
    except (BatchError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    started_here: list[bool] = []

    def start_ray() -> None:
        started_here.append(init_ray(args.address, args.cpus, args.ship_code))
        workers = args.workers or default_workers()
        print(f"{workers} workers on Ray at {ray.get_runtime_context().gcs_address}", file=sys.stderr)

    try:
        frames_total, exact = 0, True
        for item in items:
            with contextlib.suppress(VideoError):
                info = probe(item.path)
                frames_total += info.frame_count
                exact = exact and info.frame_count_exact
        print(f"{len(items)} videos", file=sys.stderr)
        videos = ProgressBar(len(items), "videos", unit="videos", position=0)
        frames = ProgressBar(frames_total, "frames", exact=exact, position=1)
        in_flight: dict[str, int] = {}  # frames done per video being processed
        finished: list[int] = []  # frames of each video finished (or skipped)

        def on_outcome(outcome: Outcome) -> None:
            in_flight.pop(outcome.input, None)
            finished.append(outcome.frames)
            videos.update_to(len(finished))
            frames.update_to(sum(finished) + sum(in_flight.values()))
            why = f": {outcome.error}" if outcome.error else ""
            videos.write(f"{outcome.status} {outcome.input} ({outcome.frames} frames, {outcome.seconds:.1f} s){why}")

        def on_progress(name: str, done: int, pid: int) -> None:
            if name in in_flight or done:
                in_flight[name] = done
                frames.update_to(sum(finished) + sum(in_flight.values()))

        outcomes = run_batch(
            items, args.out, settings, workers=args.workers, retry_failed=args.retry_failed, start_ray=start_ray,
            on_outcome=on_outcome, on_progress=on_progress,
        )  # fmt: skip
        frames.close()
        videos.close()
    finally:
        if any(started_here):
            ray.shutdown()
    wall = time.monotonic() - started
    counts = {s: sum(o.status == s for o in outcomes) for s in ("done", "skipped", "failed")}
    processed = sum(o.frames for o in outcomes if o.status == "done")
    print(
        f"{counts['done']} done, {counts['skipped']} skipped, {counts['failed']} failed in {wall:.1f} s "
        f"({processed / max(wall, 1e-9):.1f} frames/s over {processed} frames) -> {args.out}/summary.csv"
    )
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
