"""The benchmark: ``python -m pose.bench``.

For each variant and configuration (backend, device, precision) it measures
model-only latency on single crops, the whole pipeline per frame (detect
amortised by tracking, crop, infer, decode) on a video of a moving person,
the output's deviation from fp32 eager, and memory; the plain eager PyTorch
model is always measured in the same run as the baseline, so the ratios hold
on a noisy machine. Prints the machine (CPU model and ISA flags) and a table,
writes JSON, and seeds ``auto``'s cache with the fastest backend of each
(variant, device, precision) it measured completely (``--no-seed``: not).

Examples::

    python -m pose.bench                                   # all sizes, CPU configurations
    python -m pose.bench --variants XS L --frames 300 --json bench.json
    python -m pose.bench --video walk.mp4 --configs onnxruntime openvino:bf16
    python -m pose.bench --variants XS --configs onnxruntime --soak 10000
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import resource
import sys
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from ..detect import create_detector
from ..engine.estimator import PoseEstimator
from ..engine.stages import STAGES
from ..model import autoselect
from ..model.backends import Runner, cache_dir
from ..model.device import cuda_available, gpu_name, set_cpu_threads
from ..model.load import load_model
from ..model.topdown import crop_batch
from ..model.variants import VARIANTS
from ..video import VideoError, read_frames
from .compare import ASSUMED_FPS
from .crowd import crowd_benchmark, format_crowd, soak
from .runs import EAGER, make_runner, percentiles, rss_mb
from .samples import moving_person_frames

__all__ = ["BenchRow", "run_benchmark", "main"]

log = logging.getLogger(__name__)

# The CPU flags that decide which kernels run (AVX2, AVX-512, their bf16 and VNNI forms, AMX), as the table shows them.
ISA_FLAGS = ("avx2", "fma", "avx_vnni", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile", "amx_bf16")
CPU_CONFIGS = ("torch", "onnxruntime", "openvino", "torch:bf16", "openvino:bf16")
CUDA_CONFIGS = ("eager@cuda", "torch:fp16@cuda", "torch@cuda", "onnxruntime@cuda")


@dataclass
class BenchRow:
    """One variant under one configuration; times in milliseconds."""

    variant: str
    config: str
    backend: str
    device: str
    precision: str
    trained: bool
    model_ms_median: float
    model_ms_p90: float
    model_fps: float
    model_ratio: float  # model-only latency / eager's, same run
    deviation_cells_mean: float  # |coords - eager fp32 coords|, heatmap cells
    deviation_cells_max: float
    e2e_fps: float = float("nan")  # live: detection on a worker beside the tracking (async_detection)
    e2e_ratio: float = float("nan")  # live pipeline time per frame / eager model-only latency
    e2e_over_model_fps: float = float("nan")
    offline_fps: float = float("nan")  # offline: detection on the frame that needs it (deterministic)
    offline_ratio: float = float("nan")
    offline_p95_over_median: float = float("nan")  # offline frame times: p95 / median
    stages_ms: dict = field(default_factory=dict)  # stage -> {"mean", "median", "p90"}
    rss_mb: float = float("nan")


def _time_model(runner: Runner, crops: np.ndarray, iters: int) -> tuple[list[float], np.ndarray]:
    for i in range(3):  # warm-up
        runner(crops[i % len(crops)][None])
    times = []
    for i in range(iters):
        t = time.perf_counter()
        runner(crops[i % len(crops)][None])
        times.append((time.perf_counter() - t) * 1e3)
    outputs = np.stack([runner(c[None])[0][0] for c in crops])
    return times, outputs


def _sample_crops(frames, n: int = 8) -> np.ndarray:
    """Normalised crops around the person in a few frames, as the pipeline makes them."""
    detector = create_detector()  # the bundled one: everybody, largest first
    items = []
    for frame in frames[:: max(1, len(frames) // n)][:n]:
        found = detector.detect(frame)
        h, w = frame.shape[:2]
        items.append((frame, found[0].bbox_xywh if found else np.array([0, 0, w, h], dtype=float)))
    detector.close()
    batch, _ = crop_batch(VARIANTS["XS"], items)
    return batch


def run_benchmark(
    variants,
    configs,
    frames,
    *,
    timestamps_s=None,
    model_iters: int = 30,
    detect_every: int = 30,
    e2e: bool = True,
) -> list[BenchRow]:
    """Measure every (variant, config); the eager baseline comes first for each variant.

    ``timestamps_s``: each frame's time, for the smoothing (default: :data:`ASSUMED_FPS` apart).
    """
    timestamps_s = _timestamps(frames, timestamps_s)
    crops = _sample_crops(frames)
    rows = []
    for name in variants:
        model, path = load_model(name)
        baseline_ms, reference = None, None
        for config in (EAGER, *[c for c in configs if c != EAGER]):
            try:
                runner = make_runner(config, model, path)
            except (ValueError, ImportError) as exc:
                log.warning("skipping %s %s: %s", name, config, exc)
                continue
            times, outputs = _time_model(runner, crops, model_iters)
            median, p90 = percentiles(times)
            if baseline_ms is None:
                baseline_ms, reference = median, outputs
            deviation = np.abs(outputs - reference)
            row = BenchRow(
                name,
                config,
                runner.backend if config != EAGER else EAGER,
                runner.device,
                runner.precision,
                runner.trained,
                median,
                p90,
                1e3 / median,
                median / baseline_ms,
                float(deviation.mean()),
                float(deviation.max()),
            )
            if e2e:
                _measure_pipeline(row, runner, frames, timestamps_s, detect_every, baseline_ms)
            row.rss_mb = rss_mb()
            rows.append(row)
            log.info("%s %s: model %.1f ms", name, config, median)
    return rows


def _timestamps(frames, timestamps_s) -> list[float]:
    return list(timestamps_s) if timestamps_s is not None else [i / ASSUMED_FPS for i in range(len(frames))]


def _run_pipeline(estimator: PoseEstimator, frames, timestamps_s) -> tuple[float, list[float], dict]:
    """Every frame through ``estimator`` from a fresh start (once somebody is found, for a worker's first
    detection); the wall seconds, each frame's ms and each stage's samples."""
    for frame in frames[:3]:  # warm-up
        estimator.process(frame)
    estimator.reset()
    if estimator.worker is not None:  # the first detection comes a few frames late: wait for it, as a camera does
        estimator.process(frames[0], timestamps_s[0])
        estimator.worker.wait_idle(60.0)
    stage_samples = {s: [] for s in STAGES}
    frame_ms = []
    start = time.perf_counter()
    for frame, t_s in zip(frames, timestamps_s):
        t0 = time.perf_counter()
        result = estimator.process(frame, t_s)
        frame_ms.append((time.perf_counter() - t0) * 1e3)
        for stage in STAGES:
            stage_samples[stage].append(result.timings_ms[stage])
    return time.perf_counter() - start, frame_ms, stage_samples


def _measure_pipeline(
    row: BenchRow, runner: Runner, frames, timestamps_s, detect_every: int, baseline_ms: float
) -> None:
    """Live (detection on a worker, as the Live page runs) and offline (as ``python -m pose.video`` runs)."""
    with PoseEstimator(runner=runner, detect_every=detect_every) as estimator:
        wall_s, frame_ms, _ = _run_pipeline(estimator, frames, timestamps_s)
    row.offline_fps = len(frames) / wall_s
    row.offline_ratio = (wall_s * 1e3 / len(frames)) / baseline_ms
    row.offline_p95_over_median = float(np.percentile(frame_ms, 95) / np.median(frame_ms))
    with PoseEstimator(runner=runner, detect_every=detect_every, async_detection=True) as estimator:
        wall_s, _, stage_samples = _run_pipeline(estimator, frames, timestamps_s)
    row.e2e_fps = len(frames) / wall_s
    row.e2e_ratio = (wall_s * 1e3 / len(frames)) / baseline_ms
    row.e2e_over_model_fps = row.e2e_fps / row.model_fps
    row.stages_ms = {
        s: {"mean": float(np.mean(v)), **dict(zip(("median", "p90"), percentiles(v)))} for s, v in stage_samples.items()
    }


def read_video(path: str, limit: int) -> tuple[list[np.ndarray], list[float]]:
    """Up to ``limit`` frames of a video file, and their times in seconds."""
    try:
        decoded = [(t_s, image) for _, t_s, image in read_frames(path, stop=limit)]
    except VideoError as exc:
        raise SystemExit(f"error: {exc}") from exc
    if not decoded:
        raise SystemExit(f"error: {path} holds no readable video frames")
    return [image for _, image in decoded], [t_s for t_s, _ in decoded]


def machine_description() -> dict:
    """The machine a table comes from: CPU model, cores, the ISA flags that pick kernels, GPU, versions."""
    here = autoselect.machine(gpu_name())
    flags = autoselect.cpu_flags()
    info = {
        "cpu": here["cpu"] or platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "isa": [f for f in ISA_FLAGS if f in flags],
        "bf16_native": here["bf16_native"],
        **{name: v for name, v in here["versions"].items() if v},
        "python": platform.python_version(),
    }
    if here["gpu"]:
        info["gpu"] = here["gpu"]
    return info


def seed_auto(rows: list[BenchRow]) -> dict[str, str]:
    """Seed ``auto``'s cache with the fastest backend of each (variant, device, precision) measured completely.

    Returns:
        "variant/device/precision" -> what ``auto`` will now choose, in words.
    """
    measured = {(r.variant, r.backend, r.device, r.precision): r.model_ms_median for r in rows if r.backend != EAGER}
    seeded = {}
    for device in sorted({key[2] for key in measured}):
        on_device = {k: ms for k, ms in measured.items() if k[2] == device}
        description = autoselect.machine(gpu_name() if device == "cuda" else None)
        for variant, _, precision in autoselect.seed(cache_dir(), on_device, description):
            choice = autoselect.lookup(cache_dir(), variant, device, precision, description)
            seeded[f"{variant}/{device}/{precision}"] = choice.describe()
    return seeded


def format_table(rows: list[BenchRow]) -> str:
    header = (
        f"{'variant':<7} {'config':<18} {'trained':<7} {'model ms':>9} {'p90':>7} {'model fps':>9} "
        f"{'x eager':>7} {'dev cells':>9} {'e2e fps':>8} {'e2e/eager':>9} {'e2e/model':>9} "
        f"{'offline fps':>11} {'off/eager':>9} {'p95/p50':>7} "
        f"{'detect':>7} {'crop':>6} {'infer':>7} {'decode':>6} {'RSS MB':>7}"
    )
    legend = (
        "model ms: median single-crop latency; x eager: that over the eager fp32 model's, same run; "
        "dev cells: mean |output - eager fp32| in heatmap cells;\ne2e: the whole pipeline per frame as the Live "
        "page runs it (detection on a worker beside the tracking); e2e/eager: its time per frame over eager's "
        "model-only latency; e2e/model: e2e fps over model fps;\noffline: as python -m pose.video runs it "
        "(detection on the frame that needs it); p95/p50: its frame times' p95 over their median; "
        "stages: mean ms per frame on the live frame path"
    )
    lines = [legend, header, "-" * len(header)]
    for r in rows:
        st = {k: v["mean"] for k, v in r.stages_ms.items()} or dict.fromkeys(STAGES, float("nan"))
        lines.append(
            f"{r.variant:<7} {r.config:<18} {str(r.trained):<7} {r.model_ms_median:>9.2f} {r.model_ms_p90:>7.2f} "
            f"{r.model_fps:>9.1f} {r.model_ratio:>7.2f} {r.deviation_cells_mean:>9.4f} {r.e2e_fps:>8.1f} "
            f"{r.e2e_ratio:>9.2f} {r.e2e_over_model_fps:>9.2f} {r.offline_fps:>11.1f} {r.offline_ratio:>9.2f} "
            f"{r.offline_p95_over_median:>7.2f} {st['detect']:>7.2f} {st['crop']:>6.2f} "
            f"{st['infer']:>7.2f} {st['decode']:>6.2f} {r.rss_mb:>7.0f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pose.bench",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__,
    )
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument(
        "--configs",
        nargs="+",
        default=None,
        help="backend[:precision][@device], e.g. onnxruntime openvino:bf16 torch:fp16@cuda "
        "(default: every CPU configuration, and the CUDA ones when a GPU is present)",
    )
    parser.add_argument("--video", help="a video file (default: a generated 640x480 moving-person clip)")
    parser.add_argument("--frames", type=int, default=150, help="frames for the pipeline measurement")
    parser.add_argument("--model-iters", type=int, default=30, help="timed model-only calls per configuration")
    parser.add_argument("--detect-every", type=int, default=30)
    parser.add_argument("--threads", type=int, default=None, help="PyTorch CPU threads (default: all cores)")
    parser.add_argument("--no-e2e", action="store_true", help="model-only figures")
    parser.add_argument(
        "--soak",
        type=int,
        default=0,
        metavar="N",
        help="also run N frames through the first variant and config, sampling memory",
    )
    parser.add_argument(
        "--people",
        type=int,
        nargs="+",
        default=None,
        metavar="N",
        help="also measure end to end with N people per frame (e.g. --people 1 5): scenes built from real photos, "
        "first config only",
    )
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--no-seed", action="store_true", help="leave auto's cache of backend choices as it is")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.threads:
        set_cpu_threads(args.threads)
    configs = args.configs or [*CPU_CONFIGS, *(CUDA_CONFIGS if cuda_available() else ())]
    if args.video:
        frames, timestamps_s = read_video(args.video, args.frames)
    else:
        frames, timestamps_s = list(moving_person_frames(args.frames)), None
    rows = run_benchmark(
        args.variants,
        configs,
        frames,
        timestamps_s=timestamps_s,
        model_iters=args.model_iters,
        detect_every=args.detect_every,
        e2e=not args.no_e2e,
    )
    machine = machine_description()
    clock = "its own timestamps" if args.video else f"taken as {ASSUMED_FPS:g} fps"
    print(
        f"# {machine}  frames: {len(frames)} {frames[0].shape[1]}x{frames[0].shape[0]} "
        f"({args.video or 'generated moving person'}, {clock}), detect_every={args.detect_every}"
    )
    print(format_table(rows))
    seeded = {} if args.no_seed else seed_auto(rows)
    for key, described in seeded.items():
        print(f"# auto for {key}, seeded: {described}")
    report = {
        "machine": machine,
        "frames": len(frames),
        "video": args.video,
        "detect_every": args.detect_every,
        "rows": [asdict(r) for r in rows],
        "auto_seeded": seeded,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    if args.people:
        crowd = crowd_benchmark(args.variants, configs[0], args.people, args.frames, args.detect_every)
        print(format_crowd(crowd))
        report["people"] = [asdict(r) for r in crowd]
    if args.soak:
        report["soak"] = soak(args.variants[0], configs[0], frames, args.soak)
        print(f"# soak: {report['soak']}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(report, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
