"""Live in real time on real footage: the Live page as a user sees it, beside the engine offline on the same frames.

``python -m tools.live CLIP [--estimator BlazePose|XS|...] [--seconds 40] [--readings] [--json OUT]`` turns CLIP
into a 25 fps fake camera (.y4m, scaled to ``--width``), serves the app, opens the Live page in headless Chromium
(Playwright), picks the estimator in the sidebar, presses START and reads the page every 0.5 s for ``--seconds``:
the FPS readout, people in view, stage times, dropped frames, and whether the 3D chart has points. The server logs
each WebRTC frame's time in its callback (``pose.live.trace.FRAME_LOG``, kept in a file by :mod:`.live_server`).
Then, with the server gone, the same frames go through the engine here, with detection inline and on a worker (as
the page runs it), and inline at the size the server received where it got another. Each reading is then put beside the
engine's offline count on the very camera frame the server had (found by the thumbnail it writes), with the stage
that lost whoever the page missed (:mod:`.live_readings`; ``--readings`` prints them all). While the page is read,
the cores the server, the browser (its GPU process apart) and the rest of the machine use are counted
(:mod:`.cpu_share`); ``--profile OUT`` also samples the server with py-spy. Medians leave out the first ``--warmup``
seconds. Exit 2 when something it needs is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np

from pose.config import ESTIMATORS, EstimatorConfig
from pose.engine.estimator import PoseEstimator
from pose.engine.stages import LIVE_STAGES
from pose.model_folder import WEIGHTS_DIR_ENV, weights_dir

from .cpu_share import CoresUsed, CpuShare
from .live_page import (
    CHROMIUM,
    AppServer,
    MeasureError,
    PageSample,
    clip_to_y4m,
    read_timing,
    read_y4m,
    sample_page,
)
from .live_profile import Profiler, ProfileSummary, find_py_spy
from .live_readings import Reading, camera_thumbnails, format_readings, format_same_frames, readings, summarise

__all__ = ["PageSummary", "OfflineRun", "summarise_page", "run_offline", "parse_args", "main"]

CAMERA_FPS = 25  # the fake camera's frame rate


@dataclass(frozen=True)
class PageSummary:
    """The page's readouts and the server's frame times over the window after the warm-up (None: never shown).

    Attributes:
        samples, window_s: page readings taken, and the seconds they span.
        fps_median, fps_min, fps_max: the "FPS (end to end)" readout.
        people_median, people_mode: "People in view".
        stage_ms: per stage, the median of its readout.
        frames, dropped: how far "Frames" and "Dropped" moved in the window; ``dropped_share`` of the frames
            delivered (processed + dropped).
        points_when_people: the share of readings with people in view whose 3D chart had points.
        server_frames, server_fps: WebRTC callbacks in the window, and per second.
        server_ms_p50, server_ms_p95: the callback's time per frame (decode to annotated frame).
        server_people_mode: people found per frame, the commonest count.
        frame_size: the size the server received (WebRTC may scale it down under load), "WxH".
    """

    samples: int
    window_s: float
    fps_median: float | None
    fps_min: float | None
    fps_max: float | None
    people_median: float | None
    people_mode: float | None
    stage_ms: dict[str, float]
    frames: float | None
    dropped: float | None
    dropped_share: float | None
    points_when_people: float | None
    server_frames: int
    server_fps: float | None
    server_ms_p50: float | None
    server_ms_p95: float | None
    server_people_mode: int | None
    frame_size: str | None


def _median(values) -> float | None:
    values = [v for v in values if v is not None]
    return float(statistics.median(values)) if values else None


def _mode(values):
    values = [v for v in values if v is not None]
    return Counter(values).most_common(1)[0][0] if values else None


def _moved(samples: Sequence[PageSample], name: str) -> float | None:
    """How far the counter ``name`` moved from its first reading in ``samples`` to its last."""
    values = [v for s in samples if (v := getattr(s, name)) is not None]
    return values[-1] - values[0] if values else None


def summarise_page(samples: Sequence[PageSample], timing: Sequence[dict], warmup_s: float) -> PageSummary:
    """The window of ``samples`` from ``warmup_s`` after the first one, and the ``timing`` lines in it."""
    if not samples:
        raise ValueError("no page samples to summarise")
    start = samples[0].t + warmup_s
    kept = [s for s in samples if s.t >= start] or [samples[-1]]
    t0, t1 = kept[0].t, kept[-1].t
    frames, dropped = _moved(kept, "frames"), _moved(kept, "dropped")
    delivered = (frames or 0) + (dropped or 0)
    with_people = [s for s in kept if s.people]
    lines = [x for x in timing if t0 <= x["t"] <= t1]
    ms = [x["ms"] for x in lines]
    return PageSummary(
        samples=len(kept),
        window_s=t1 - t0,
        fps_median=_median(s.fps for s in kept),
        fps_min=min((s.fps for s in kept if s.fps is not None), default=None),
        fps_max=max((s.fps for s in kept if s.fps is not None), default=None),
        people_median=_median(s.people for s in kept),
        people_mode=_mode(s.people for s in kept),
        stage_ms={k: v for k in LIVE_STAGES if (v := _median(s.stage_ms.get(k) for s in kept)) is not None},
        frames=frames,
        dropped=dropped,
        dropped_share=(dropped or 0) / delivered if delivered else None,
        points_when_people=sum(s.points_3d > 0 for s in with_people) / len(with_people) if with_people else None,
        server_frames=len(lines),
        server_fps=len(lines) / (t1 - t0) if t1 > t0 else None,
        server_ms_p50=float(np.percentile(ms, 50)) if ms else None,
        server_ms_p95=float(np.percentile(ms, 95)) if ms else None,
        server_people_mode=_mode(x.get("people") for x in lines),
        frame_size=_mode(f"{x['w']}x{x['h']}" for x in lines if "w" in x),
    )


@dataclass(frozen=True)
class OfflineRun:
    """The engine on the camera's frames in this process, frame after frame as fast as it goes.

    Attributes:
        async_detection: detection on a worker beside the tracking (as the Live page runs it; frames then come
            at the camera's pace, so ``fps`` is the engine's rate per frame, 1000 / mean ms), or inline.
        frames: frames processed.
        fps: frames per second over the run, the first frame (model loading) left out.
        ms_p50, ms_p95: time per frame, the first left out.
        people_median, people_mode: people found per frame.
        people_per_frame: how many frames found 0, 1, 2 ... people.
        size: the frames' size, "WxH" (the camera's, or the size they were scaled to).
        people_by_frame: people found on each frame, in order.
    """

    async_detection: bool
    frames: int
    fps: float
    ms_p50: float
    ms_p95: float
    people_median: float
    people_mode: int
    people_per_frame: dict[int, int]
    size: str = ""
    people_by_frame: tuple[int, ...] = ()


def run_offline(
    camera_y4m: Path, estimator: str, *, async_detection: bool, limit: int | None = None,
    size: tuple[int, int] | None = None,
) -> OfflineRun:  # fmt: skip
    """Every frame of ``camera_y4m`` (up to ``limit``) through a fresh ``estimator`` with the app's defaults;
    ``size``: each frame scaled to (width, height) first (area means, as an encoder's scaler).

    Raises:
        ValueError, pose.CheckpointError: when the estimator cannot be built.
        MeasureError: when the file holds no frame.
    """
    config = EstimatorConfig(variant=estimator, async_detection=async_detection)
    times_ms, people = [], []
    with PoseEstimator(config=config) as engine:
        began = time.perf_counter()
        for i, frame in enumerate(read_y4m(camera_y4m, limit)):
            if size is not None and frame.shape[1::-1] != size:
                frame = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
            shape = frame.shape
            if async_detection:  # a camera's pace: run flat out, the worker's detection would never land
                time.sleep(max(0.0, began + i / CAMERA_FPS - time.perf_counter()))
            start = time.perf_counter()
            result = engine.process(frame, i / CAMERA_FPS)
            times_ms.append((time.perf_counter() - start) * 1e3)
            people.append(len(result.people))
    if not times_ms:
        raise MeasureError(f"{camera_y4m}: no frame to run offline")
    steady = times_ms[1:] or times_ms
    return OfflineRun(
        async_detection, len(times_ms), 1e3 * len(steady) / sum(steady), float(np.percentile(steady, 50)),
        float(np.percentile(steady, 95)), float(statistics.median(people)), _mode(people),
        dict(sorted(Counter(people).items())), f"{shape[1]}x{shape[0]}", tuple(people),
    )  # fmt: skip


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.live", description=__doc__.splitlines()[0])
    parser.add_argument("clip", type=Path, help="a video file: the fake camera plays it in a loop")
    parser.add_argument(
        "--estimator",
        choices=ESTIMATORS,
        default=None,
        help="the estimator picked in the sidebar (default: the page's)",
    )
    parser.add_argument("--seconds", type=float, default=40.0, help="how long to read the page (default 40)")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of readings left out of the medians")
    parser.add_argument("--width", type=int, default=640, help="the camera's width in pixels (default 640)")
    parser.add_argument("--offline-frames", type=int, default=None, help="at most this many frames offline")
    parser.add_argument(
        "--skeleton-3d-every",
        default=None,
        metavar="LABEL",
        help='the sidebar\'s "3D chart redraws every", as the page labels it ("2 s", "off"; default: the page\'s)',
    )
    parser.add_argument("--chromium", default=CHROMIUM, help=f"the browser (default {CHROMIUM})")
    parser.add_argument("--profile", type=Path, default=None, help="sample the server with py-spy; raw stacks here")
    parser.add_argument("--json", type=Path, default=None, help="write every figure here")
    parser.add_argument(
        "--readings", action="store_true", help="also print each reading beside the offline count on its frame"
    )
    args = parser.parse_args(argv)
    if args.seconds <= args.warmup or args.warmup < 0:
        parser.error("--seconds must be longer than --warmup (and --warmup 0 or more)")
    if not 64 <= args.width <= 3840:
        parser.error("--width must be between 64 and 3840 pixels")
    if args.offline_frames is not None and args.offline_frames < 2:
        parser.error("--offline-frames must be at least 2")
    return args


def measure(args: argparse.Namespace, work: Path) -> dict:
    """Everything the command reports, as one dict (see :func:`main`)."""
    estimator = EstimatorConfig(variant=args.estimator).resolved().variant
    profiler = find_py_spy() if args.profile else None  # fail before anything starts
    camera = work / "camera.y4m"
    width, height, frames = clip_to_y4m(args.clip, camera, args.width, CAMERA_FPS)
    print(f"camera: {args.clip.name} as {width}x{height} at {CAMERA_FPS} fps, {frames} frames (looped)", flush=True)
    timing_path = work / "timing.jsonl"
    env = {**os.environ, WEIGHTS_DIR_ENV: str(weights_dir().resolve())}
    load_before = os.getloadavg()
    with AppServer(env, work / "streamlit.log", frame_log=timing_path) as server:
        if profiler:
            profiler = Profiler(server.process.pid, args.seconds, args.profile)
        cpu = CpuShare(server.process.pid)

        def on_sampling() -> None:
            cpu.start()
            if profiler:
                profiler.start()

        print(f"app: {server.url}; reading the Live page for {args.seconds:.0f} s with {estimator}", flush=True)
        samples = sample_page(
            server.url, camera, estimator, args.seconds, chromium=args.chromium,
            skeleton_3d_every=args.skeleton_3d_every, on_sampling=on_sampling, on_sampled=cpu.stop,
        )  # fmt: skip
        profile = profiler.result() if profiler else None
    page = summarise_page(samples, read_timing(timing_path), args.warmup)
    load_after = os.getloadavg()
    print("offline: the same frames through the engine here", flush=True)
    offline = [
        run_offline(camera, estimator, async_detection=flag, limit=args.offline_frames) for flag in (False, True)
    ]
    received = _size(page.frame_size)
    if received is not None and received != (width, height):
        print(f"offline: the same frames at the size the server received, {page.frame_size}", flush=True)
        at_received = run_offline(camera, estimator, async_detection=False, limit=args.offline_frames, size=received)
    else:
        at_received = offline[0]
    start = samples[0].t + args.warmup
    rows = readings(
        [s for s in samples if s.t >= start], read_timing(timing_path),
        camera_thumbnails(read_y4m(camera, args.offline_frames)), offline[0].people_by_frame,
        at_received.people_by_frame,
    )  # fmt: skip
    return {
        "clip": str(args.clip), "estimator": estimator, "skeleton_3d_every": args.skeleton_3d_every,
        "camera": {"width": width, "height": height, "fps": CAMERA_FPS, "frames": frames},
        "seconds": args.seconds, "warmup_s": args.warmup,
        "load_average": {"before": load_before, "after_page": load_after, "after_offline": os.getloadavg()},
        "page": asdict(page), "offline": [asdict(o) for o in offline], "offline_at_received": asdict(at_received),
        "same_frames": summarise(rows), "readings": [asdict(r) for r in rows],
        "page_fps_over_offline_fps": page.fps_median / offline[1].fps if page.fps_median and offline[1].fps else None,
        "page_fps_over_reachable_fps": (
            page.fps_median / min(offline[1].fps, CAMERA_FPS) if page.fps_median and offline[1].fps else None
        ),
        "cpu": asdict(cores) if (cores := cpu.result()) else None,
        "profile": asdict(profile) if profile else None, "samples": [asdict(s) for s in samples],
    }  # fmt: skip


def _size(text: str | None) -> tuple[int, int] | None:
    """ "WxH" as (width, height); None for None."""
    return None if not text else tuple(int(v) for v in text.split("x"))


def _f(value, spec: str = ".1f", suffix: str = "") -> str:
    return "-" if value is None else f"{value:{spec}}{suffix}"


def _pct(share: float | None) -> str:
    return _f(None if share is None else 100 * share, ".0f", " %")


def _pair(run: dict, a: str, b: str, spec: str = ".1f") -> str:
    return f"{_f(run[a], spec)} / {_f(run[b], spec)}"


def format_report(report: dict) -> str:
    """The table the command prints."""
    page, (inline, worker) = report["page"], report["offline"]
    camera, load = report["camera"], report["load_average"]
    rows = [
        ("", "page (browser)", "offline, detect inline", "offline, detect on worker"),
        ("FPS", _f(page["fps_median"]), _f(inline["fps"]), _f(worker["fps"])),
        ("people per frame, median / mode", _pair(page, "people_median", "people_mode", "g"),
         _pair(inline, "people_median", "people_mode", "g"), _pair(worker, "people_median", "people_mode", "g")),
        ("ms per frame, p50 / p95", _pair(page, "server_ms_p50", "server_ms_p95") + " (server)",
         _pair(inline, "ms_p50", "ms_p95"), _pair(worker, "ms_p50", "ms_p95")),
        ("frames", f"{_f(page['frames'], 'g')} shown, {page['server_frames']} on the server", str(inline["frames"]),
         str(worker["frames"])),
    ]  # fmt: skip
    loads = {k: " ".join(f"{x:.1f}" for x in v) for k, v in load.items()}
    lines = [
        f"{report['clip']}: {report['estimator']}"
        + (f", 3D chart every {every}" if (every := report.get("skeleton_3d_every")) else "")
        + f", camera {camera['width']}x{camera['height']} at {camera['fps']} fps; "
        f"load average {loads['before']} (after the page {loads['after_page']})",
        f"page window: {page['samples']} readings over {page['window_s']:.0f} s after a {report['warmup_s']:g} s "
        "warm-up",
        *(f"{a:34s} {b:32s} {c:24s} {d}" for a, b, c, d in rows),
        f"{'page FPS min / max':34s} {_pair(page, 'fps_min', 'fps_max')}; the server's own rate "
        f"{_f(page['server_fps'])} FPS on {page['frame_size'] or '-'} frames",
        f"{'stage ms (page medians)':34s} " + " / ".join(f"{k} {_f(page['stage_ms'].get(k))}" for k in LIVE_STAGES),
        f"{'dropped frames':34s} {_f(page['dropped'], 'g')} ({_pct(page['dropped_share'])} of those delivered)",
        f"{'3D chart has points (people in view)':34s} {_pct(page['points_when_people'])} of readings",
        f"{'page FPS / offline FPS (worker)':34s} {_f(report['page_fps_over_offline_fps'], '.2f')}",
        f"{'page FPS / reachable FPS':34s} {_f(report.get('page_fps_over_reachable_fps'), '.2f')} (the offline "
        f"worker's, at most the camera's {camera['fps']} fps: a page never shows more frames than it is sent)",
    ]
    if same := report.get("same_frames"):
        lines.append(format_same_frames(same, report["offline_at_received"]["size"]))
    if report.get("cpu"):
        lines.append(_format_cpu(CoresUsed(**report["cpu"])))
    if report["profile"]:
        lines.append(_format_profile(ProfileSummary(**report["profile"])))
    return "\n".join(lines)


def _format_cpu(cores: CoresUsed) -> str:
    return (
        f"{'cores used while the page was read':34s} server {cores.server:.2f}, browser {cores.browser:.2f} (its GPU "
        f"process, where WebGL runs, {cores.browser_gpu:.2f}), the rest {cores.other:.2f}; of {cores.cores}"
    )


def _format_profile(profile: ProfileSummary, top: int = 10) -> str:
    def block(title: str, shares: dict) -> list[str]:
        return [title] + [f"  {100 * v:5.1f} %  {k}" for k, v in list(shares.items())[:top]]

    return "\n".join([
        f"server profile: {profile.samples} samples of busy threads",
        *block("  per thread", profile.threads),
        *block("  where the time is (self)", profile.self_time),
        *block("  on the stack (inclusive)", profile.inclusive),
    ])  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        with tempfile.TemporaryDirectory(prefix="live-measure-") as work:
            report = measure(args, Path(work))
    except (MeasureError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(format_report(report))
    if args.readings and report["readings"]:
        print("\n".join(format_readings([Reading(**r) for r in report["readings"]], report["readings"][0]["t"])))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
