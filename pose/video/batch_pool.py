"""The batch's pool: pose workers as Ray actors, one estimator each, and :func:`run_batch`, which skips what
the manifest says is done and hands the rest out, video by video.

A video is processed into a temporary folder that is renamed into place when
complete; a worker that dies is replaced, and its video is a failed row with
the reason.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import ray

from .batch_inputs import Item
from .batch_records import PARTIAL_MARK, Manifest, content_hash, write_summary
from .outcome import Outcome, process_one
from .settings import VideoSettings

__all__ = ["PoseWorker", "Tally", "default_workers", "run_batch"]

log = logging.getLogger(__name__)

PROGRESS_EVERY_S = 0.5


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
