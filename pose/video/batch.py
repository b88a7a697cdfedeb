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
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import json
import logging
import os
import shutil
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import ray

from ..detect import check_detector
from .io import VIDEO_SUFFIXES, VideoError, probe
from .outcome import Outcome, process_one
from .process import OUTPUT_NAMES
from .progress import ProgressBar
from .settings import VideoSettings, add_settings_arguments, settings_from_arguments

__all__ = ["BatchError", "Item", "find_inputs", "run_batch", "main", "MANIFEST", "SUMMARY_COLUMNS"]

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
SUMMARY_COLUMNS = ("input", "status", "frames", "people", "seconds", "frames_per_s", "error")
PARTIAL_MARK = ".partial-"
PROGRESS_EVERY_S = 0.5


class BatchError(ValueError):
    """An INPUT that names no videos, or an OUT that cannot be used."""


@dataclass(frozen=True)
class Item:
    """One input video: where it is and its name under OUT (its path relative to INPUT)."""

    path: Path
    name: str


# --- inputs and the manifest ----------------------------------------------------------------------------------


def find_inputs(source: str | Path) -> list[Item]:
    """The videos a folder holds (recursively, by suffix) or a text file lists (one path a line, # comments).

    Raises:
        BatchError: when the source does not exist or names no video.
    """
    source = Path(source)
    if source.is_dir():
        paths = sorted(p for p in source.rglob("*") if p.is_file() and p.suffix.lower().lstrip(".") in VIDEO_SUFFIXES)
        items = [Item(p, p.relative_to(source).as_posix()) for p in paths]
    elif source.is_file():
        items = []
        for line in source.read_text().splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            path = Path(line) if Path(line).is_absolute() else source.parent / line
            name = Path(line).as_posix().lstrip("/") if Path(line).is_absolute() else Path(line).as_posix()
            items.append(Item(path, name))
    else:
        raise BatchError(f"{source}: no such folder or list file")
    if not items:
        raise BatchError(f"{source}: holds no video ({', '.join(VIDEO_SUFFIXES)})")
    names = [i.name for i in items]
    if len(set(names)) != len(names):
        raise BatchError(f"{source}: lists the same video more than once")
    return items


def content_hash(path: Path, known: dict | None = None) -> str:
    """SHA-256 of a file's bytes; reused from ``known`` (a manifest entry) while size and mtime are unchanged."""
    stat = path.stat()
    if known and known.get("size") == stat.st_size and known.get("mtime_ns") == stat.st_mtime_ns:
        return known["sha256"]
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_atomically(path: Path, text: str) -> None:
    partial = path.with_name(f"{path.name}{PARTIAL_MARK}{uuid.uuid4().hex[:8]}")
    partial.write_text(text)
    os.replace(partial, path)


class Manifest:
    """``OUT/manifest.json``: per input, its content hash, the settings' digest, and its outcome's row."""

    def __init__(self, out: Path) -> None:
        self.path = out / MANIFEST
        self.entries: dict[str, dict] = {}
        if self.path.exists():
            try:
                self.entries = json.loads(self.path.read_text()).get("entries", {})
            except (json.JSONDecodeError, AttributeError):
                log.warning("%s is unreadable; every video runs again", self.path)

    def record(self, item: Item, sha256: str, settings: VideoSettings, outcome: Outcome) -> None:
        stat = item.path.stat() if item.path.exists() else None
        self.entries[item.name] = {
            "sha256": sha256,
            "size": stat.st_size if stat else None,
            "mtime_ns": stat.st_mtime_ns if stat else None,
            "settings": settings.digest(),
            "row": outcome.row(),
        }
        _write_atomically(self.path, json.dumps({"version": 1, "entries": self.entries}, indent=1))

    def earlier(self, item: Item, sha256: str, settings: VideoSettings, out: Path) -> Outcome | None:
        """The earlier outcome for the same content and settings, when it still stands (outputs complete)."""
        entry = self.entries.get(item.name)
        if not entry or entry.get("sha256") != sha256 or entry.get("settings") != settings.digest():
            return None
        row = entry["row"]
        if row["status"] == "done":
            if not all((out / item.name / f).is_file() for f in OUTPUT_NAMES.values()):
                return None
            status = "skipped"
        elif row["status"] == "failed":
            status = "failed"
        else:
            return None
        return Outcome(item.name, status, row["frames"], row["people"], row["seconds"], row["error"])


def write_summary(out: Path, outcomes: Sequence[Outcome]) -> None:
    """``summary.csv`` and ``summary.json``: one row per input (see :data:`SUMMARY_COLUMNS`)."""
    rows = [o.row() for o in outcomes]
    partial = out / f"summary.csv{PARTIAL_MARK}{uuid.uuid4().hex[:8]}"
    with open(partial, "w", newline="") as fh:
        writer = csv.DictWriter(fh, SUMMARY_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    os.replace(partial, out / "summary.csv")
    _write_atomically(out / "summary.json", json.dumps(rows, indent=1))


# --- the workers ----------------------------------------------------------------------------------------------


def _swap_in(partial: Path, final: Path) -> None:
    """Put a finished output folder in place of the old one, each step a rename."""
    old = final.with_name(f"{final.name}{PARTIAL_MARK}old-{uuid.uuid4().hex[:8]}")
    if final.exists():
        final.rename(old)
    partial.rename(final)
    shutil.rmtree(old, ignore_errors=True)


class PoseWorker:
    """One pose estimator, loaded once, that processes video after video (a Ray actor)."""

    def __init__(self, settings: VideoSettings) -> None:
        self.settings = settings
        self.estimator = settings.build()

    def pid(self) -> int:
        return os.getpid()

    def process(self, item: Item, out: Path, tally=None) -> Outcome:
        """Process one video into ``out/<name>/`` (through a temporary folder)."""
        final = out / item.name
        partial = final.with_name(f"{final.name}{PARTIAL_MARK}{uuid.uuid4().hex[:8]}")
        last = [0.0]

        def progress(p) -> None:
            now = time.monotonic()
            if tally is not None and now - last[0] >= PROGRESS_EVERY_S:
                last[0] = now
                tally.add.remote(item.name, p.frames_done, os.getpid())

        outcome = process_one(
            item.path, partial, self.settings, name=item.name, estimator=self.estimator, progress=progress
        )
        if outcome.run is None:
            shutil.rmtree(partial, ignore_errors=True)
            return outcome
        final.parent.mkdir(parents=True, exist_ok=True)
        _swap_in(partial, final)
        run = outcome.run
        moved = replace(
            run,
            video_path=final / run.video_path.name,
            csv_path=final / run.csv_path.name,
            json_path=final / run.json_path.name,
            motion_paths=tuple(final / p.name for p in run.motion_paths),
        )
        return replace(outcome, run=moved)


class Tally:
    """Frames done per video, as workers report them (a Ray actor the driver polls)."""

    def __init__(self) -> None:
        self.frames: dict[str, tuple[int, int]] = {}

    def add(self, name: str, frames: int, pid: int) -> None:
        self.frames[name] = (frames, pid)

    def take(self) -> dict[str, tuple[int, int]]:
        return dict(self.frames)


def default_workers() -> int:
    """One worker per GPU of the cluster, else one per two CPUs (each worker's runtime uses a few threads)."""
    resources = ray.cluster_resources()
    return int(resources.get("GPU", 0)) or max(1, int(resources.get("CPU", 1)) // 2)


def _worker_options(settings: VideoSettings, workers: int) -> dict:
    """Each worker takes a CPU; a GPU share where the cluster has GPUs and the device may be CUDA."""
    gpus = ray.cluster_resources().get("GPU", 0)
    if gpus and settings.estimator.device in ("auto", "cuda"):
        return {"num_cpus": 1, "num_gpus": min(1.0, gpus / workers)}
    return {"num_cpus": 1}


# --- the batch ------------------------------------------------------------------------------------------------


def run_batch(
    items: Sequence[Item],
    out: str | Path,
    settings: VideoSettings,
    *,
    workers: int | None = None,
    retry_failed: bool = False,
    start_ray: Callable[[], object] | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> list[Outcome]:
    """Process ``items`` on a pool of Ray actors; outcomes in input order.

    What is already done for the same content and settings is skipped before
    Ray is needed: ``start_ray`` is called only when something is left to do
    (without it, Ray must be initialised). ``workers`` defaults to one per GPU,
    else one per two CPUs of the cluster. Outcomes are handed to
    ``on_outcome`` as each video finishes (skipped and earlier failures
    first); ``on_progress(name, frames_done, worker_pid)`` follows the frames
    of the videos in flight. The manifest and the summary are rewritten after
    every video.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for leftover in out.rglob(f"*{PARTIAL_MARK}*"):  # from a run that was killed
        shutil.rmtree(leftover, ignore_errors=True) if leftover.is_dir() else leftover.unlink(missing_ok=True)
    manifest = Manifest(out)
    outcomes: dict[str, Outcome] = {}
    hashes: dict[str, str] = {}
    todo: list[Item] = []
    for item in items:
        if not item.path.is_file():
            outcome = Outcome(item.name, "failed", error=f"{item.path}: no such file")
        else:
            hashes[item.name] = content_hash(item.path, manifest.entries.get(item.name))
            outcome = manifest.earlier(item, hashes[item.name], settings, out)
            if outcome is not None and outcome.status == "failed" and retry_failed:
                outcome = None
        if outcome is None:
            todo.append(item)
        else:
            outcomes[item.name] = outcome
            if on_outcome:
                on_outcome(outcome)

    def finish(item: Item, outcome: Outcome) -> None:
        outcomes[item.name] = outcome
        if item.name in hashes:
            manifest.record(item, hashes[item.name], settings, outcome)
        write_summary(out, [outcomes[i.name] for i in items if i.name in outcomes])
        if on_outcome:
            on_outcome(outcome)

    if todo:
        if start_ray is not None:
            start_ray()
        workers = workers or default_workers()
        _run_pool(todo, out, settings, min(workers, len(todo)), finish, on_progress)
    ordered = [outcomes[i.name] for i in items]
    write_summary(out, ordered)
    return ordered


def _run_pool(todo, out, settings, workers, finish, on_progress) -> None:
    Worker = ray.remote(PoseWorker).options(max_restarts=0, max_task_retries=0, **_worker_options(settings, workers))
    tally = ray.remote(Tally).options(num_cpus=0).remote()
    pool = [Worker.remote(settings) for _ in range(workers)]
    waiting = list(todo)
    running: dict = {}  # ObjectRef -> (worker index, item)
    settled: set[str] = set()

    def assign(index: int) -> None:
        if waiting:
            item = waiting.pop(0)
            running[pool[index].process.remote(item, out, tally)] = (index, item)

    try:
        for index in range(workers):
            assign(index)
        while running:
            ready, _ = ray.wait(list(running), num_returns=1, timeout=PROGRESS_EVERY_S)
            if on_progress:
                for name, (frames, pid) in ray.get(tally.take.remote()).items():
                    if name not in settled:
                        on_progress(name, frames, pid)
            for ref in ready:
                index, item = running.pop(ref)
                settled.add(item.name)
                try:
                    outcome = ray.get(ref)
                except ray.exceptions.RayActorError as exc:
                    reason = getattr(exc, "error_msg", "") or str(exc)
                    outcome = Outcome(
                        item.name, "failed", error=f"the worker died while processing it: {_first_line(reason)}"
                    )
                    log.warning("%s: %s; starting a new worker", item.name, outcome.error)
                    ray.kill(pool[index], no_restart=True)
                    pool[index] = Worker.remote(settings)
                    target = out / item.name
                    for leftover in target.parent.glob(f"{target.name}{PARTIAL_MARK}*"):
                        shutil.rmtree(leftover, ignore_errors=True)
                except ray.exceptions.RayError as exc:
                    outcome = Outcome(item.name, "failed", error=_first_line(str(exc)))
                finish(item, outcome)
                assign(index)
    finally:
        for actor in (*pool, tally):
            ray.kill(actor, no_restart=True)


def _first_line(text: str) -> str:
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    return lines[0][:300] if lines else "unknown error"


# --- the command ----------------------------------------------------------------------------------------------


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
