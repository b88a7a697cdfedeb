"""End to end with several people in view, and memory over a long run: the crowd and soak parts of
``python -m pose.bench`` (``--people``, ``--soak``)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np

from ..engine.estimator import PoseEstimator
from ..engine.stages import STAGES
from ..model.load import load_model
from ..model.network import build_model
from ..model.topdown import crop_batch
from ..model.weights import init_deterministic
from .compare import ASSUMED_FPS
from .runs import make_runner, rss_mb
from .scenes import multi_person_clip

__all__ = ["CrowdRow", "crowd_benchmark", "format_crowd", "soak"]

log = logging.getLogger(__name__)


@dataclass
class CrowdRow:
    """End-to-end cost per frame with ``people`` people in view, and what batching their crops saves.

    ``batched_ms`` is one network call on the ``people`` crops of a frame, ``one_by_one_ms`` the same crops
    a call each (both medians, same run)."""

    variant: str
    config: str
    people: int
    ms_per_frame: float
    stage_ms: dict
    found_per_frame: float
    batched_ms: float
    one_by_one_ms: float
    over_one_person: float = float("nan")


def _time_calls(run, batches, iters: int) -> float:
    for batch in batches:  # warm-up
        run(batch)
    times = []
    for _ in range(iters):
        start = time.perf_counter()
        for batch in batches:
            run(batch)
        times.append((time.perf_counter() - start) * 1e3)
    return float(np.median(times))


def crowd_benchmark(
    variants, config: str, people_counts, n_frames: int, detect_every: int, size=(768, 576), iters: int = 10
) -> list[CrowdRow]:
    """Per variant, frames with 1, ..., N people in view (``pose.measure.scenes``, built from real photos),
    through the engine as it runs by default; and the network alone on those crops, batched and one by one."""
    rows = []
    for name in variants:
        model, path = load_model(name)
        runner = make_runner(config, model, path)
        baseline = None
        for people in people_counts:
            clip = multi_person_clip(n_frames, people, size=size, seed=people, heights=(150, 300), stay=True)
            with PoseEstimator(runner=runner, detect_every=detect_every) as estimator:
                for scene in clip[:3]:  # warm-up, then a fresh start
                    estimator.process(scene.frame_bgr)
                estimator.reset()
                stages = {s: [] for s in STAGES}
                found = 0
                start = time.perf_counter()
                for i, scene in enumerate(clip):
                    result = estimator.process(scene.frame_bgr, i / ASSUMED_FPS)
                    found += len(result.people)
                    for stage in STAGES:
                        stages[stage].append(result.timings_ms[stage])
                ms = (time.perf_counter() - start) * 1e3 / len(clip)
            crops, _ = crop_batch(runner.variant, [(clip[0].frame_bgr, box) for _, box in clip[0].people])
            crops = crops[:people]
            batched = _time_calls(runner, [crops], iters)
            one_by_one = _time_calls(runner, [c[None] for c in crops], iters)
            stage_ms = {s: float(np.mean(v)) for s, v in stages.items()}
            row = CrowdRow(name, config, people, ms, stage_ms, found / len(clip), batched, one_by_one)
            baseline = baseline or ms
            row.over_one_person = ms / baseline
            rows.append(row)
            log.info("%s %s people=%d: %.1f ms/frame", name, config, people, ms)
    return rows


def format_crowd(rows: list[CrowdRow]) -> str:
    lines = [
        "crowd: end to end per frame with N people in view (skeletons confirmed as the engine does by default); "
        "network alone on the frame's N crops, one batched call vs one call each",
        "variant config             people  found/frame  ms/frame  x one person  detect  crop  infer  decode"
        "  batched ms  one-by-one ms",
    ]
    for r in rows:
        st = r.stage_ms
        lines.append(
            f"{r.variant:<7} {r.config:<18} {r.people:>6} {r.found_per_frame:>12.2f} {r.ms_per_frame:>9.1f} "
            f"{r.over_one_person:>13.2f} {st['detect']:>7.1f} {st['crop']:>5.1f} {st['infer']:>6.1f} "
            f"{st['decode']:>7.1f} {r.batched_ms:>11.1f} {r.one_by_one_ms:>14.1f}"
        )
    return "\n".join(lines)


def soak(variant: str, config: str, frames, n_frames: int, every: int = 1000) -> dict:
    """Run ``n_frames`` through the pipeline (the frames looped, :data:`ASSUMED_FPS` apart), sampling RSS;
    returns the samples and the growth."""
    model = init_deterministic(build_model(variant))
    runner = make_runner(config, model)
    samples = []
    with PoseEstimator(runner=runner) as estimator:
        for i in range(n_frames):
            estimator.process(frames[i % len(frames)], i / ASSUMED_FPS)
            if i % every == 0 or i == n_frames - 1:
                samples.append((i, round(rss_mb(), 1)))
    settled = samples[1][1] if len(samples) > 2 else samples[0][1]
    return {
        "variant": variant,
        "config": config,
        "frames": n_frames,
        "rss_mb": samples,
        "growth_mb_after_warmup": round(samples[-1][1] - settled, 1),
    }
