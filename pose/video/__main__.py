"""``python -m pose.video INPUT --variant XS --out DIR``: one video file in; annotated MP4, CSV and JSON out,
and per person the motion files of ``--formats`` (BVH, TRC, C3D; default all).

Exit status: 0 done, 2 the file, the settings or the person detector cannot be used, 3 the outputs
were written but the input breaks off before its end (a truncated file).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from ..config import estimator_title
from ..detect import check_detector
from ..model import CheckpointError
from .io import VideoError, probe
from .process import process_video
from .progress import ProgressBar
from .settings import add_settings_arguments, settings_from_arguments

EXIT_OK, EXIT_ERROR, EXIT_INCOMPLETE = 0, 2, 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pose.video",
        description="Pose estimation over a video file: annotated MP4, keypoints CSV and JSON, and per person "
        "BVH, TRC and C3D motion files (--formats).",
        epilog="Exit status: 0 done; 2 unusable file, settings or detector; 3 outputs written, the file ends early.",
    )
    parser.add_argument("input", help="a video file (mp4, mov, avi, mkv, webm)")
    parser.add_argument(
        "--out",
        default="pose-output",
        help="folder for annotated.mp4, keypoints.csv, keypoints.json, person-<id>.bvh ...",
    )
    add_settings_arguments(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = settings_from_arguments(args)
        check_detector()  # a missing or unreadable CONVNEXTPOSE_DETECTOR file: refused before any work
        info = probe(args.input)
        print(
            f"{args.input}: {info.width}x{info.height} {info.codec}, {info.fps:.2f} fps, {info.duration_s:.1f} s, "
            f"{info.frames_text} frames, rotation {info.rotation}",
            file=sys.stderr,
        )
        with ProgressBar(info.frame_count, Path(args.input).name, exact=info.frame_count_exact) as bar:
            run = process_video(
                args.input, args.out, settings, progress=lambda p: bar.update_to(p.frames_done, p.frames_total)
            )
            if not run.stopped_early and not run.cancelled:
                bar.exact = True
                bar.update_to(run.frames_done, run.frames_done)  # the true count, where only an estimate was known
    except (VideoError, CheckpointError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    if not run.trained:
        title = estimator_title(run.estimator)
        print(f"warning: {title} ran untrained weights: the skeleton is meaningless", file=sys.stderr)
    if run.stopped_early:
        print(f"warning: {run.stopped_early}; the frames before it were processed", file=sys.stderr)
    print(
        f"{run.counts} in {run.wall_s:.1f} s "
        f"({run.fps:.1f} frames/s) -> {run.video_path}, {run.csv_path}, {run.json_path}"
        + (
            f", {len(run.motion_paths)} motion files ({', '.join(p.name for p in run.motion_paths[:3])} ...)"
            if run.motion_paths
            else ""
        )
    )
    return EXIT_INCOMPLETE if run.stopped_early else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
