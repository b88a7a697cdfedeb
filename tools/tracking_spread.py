"""How far a clip's tracking figures move when the bundled detector's answers move by a fraction of a pixel.

``python -m tools.tracking_spread CLIP [CLIP ...] --people N [N ...] [--variant XS]`` runs each clip through the
engine offline (:func:`pose.measure.video_tracking.track_clip`) once as it is and once per sub-pixel nudge of
the bundled SSD's people (boxes, keypoints and face boxes moved by ``--nudges`` pixels right and down), and
prints the ids and switches of every run, then their least, median and most.

Why: BlazePose's landmark model samples its region by a fixed-point warp, so a region moved by 1e-4 px can
change its answer a little, and on a clip of fast, crossing people the tracker's choices then part ways. A
change that moves the detector's keypoints by rounding alone changes the single figure
``pose.measure.video_tracking`` gives; the spread says whether it changed the tracking. Lab code: it reaches
into the engine's detection stage for the bundled SSD (``CONVNEXTPOSE_DETECTOR`` must name the bundled one).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Sequence

import numpy as np

from pose.config import EstimatorConfig, add_arguments, from_arguments
from pose.detect.blazepose import BlazePoseDetector
from pose.detect.detections import Detections
from pose.detect.tiles import TiledDetector
from pose.engine.estimator import PoseEstimator
from pose.measure.video_tracking import track_clip
from pose.video.io import VideoError

NUDGES_PX = (1e-4, -1e-4, 1e-3, -1e-3, 3e-3, 1e-2, -1e-2)


class Nudged:
    """The bundled SSD with every person moved by ``px`` pixels right and down."""

    def __init__(self, ssd: BlazePoseDetector, px: float) -> None:
        self.ssd, self.px = ssd, px

    def detect_many(self, views_bgr: Sequence[np.ndarray]) -> list[Detections]:
        return [found.shifted(self.px, self.px) for found in self.ssd.detect_many(views_bgr)]

    def detect(self, frame_bgr: np.ndarray) -> Detections:
        return self.detect_many([frame_bgr])[0].clipped(frame_bgr.shape[1::-1]).largest_first()

    def reset(self) -> None:
        self.ssd.reset()

    def close(self) -> None:
        self.ssd.close()


def _bundled_ssd(estimator: PoseEstimator) -> TiledDetector:
    """The engine's tiled bundled SSD (under the landmark model's multi-person detector)."""
    tiled = getattr(estimator.detection.detector, "detector", None)
    if not isinstance(tiled, TiledDetector) or not isinstance(tiled.detector, (BlazePoseDetector, Nudged)):
        raise SystemExit("error: tools.tracking_spread nudges the bundled detector: unset CONVNEXTPOSE_DETECTOR")
    return tiled


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.tracking_spread", description=__doc__.splitlines()[0])
    parser.add_argument("clips", nargs="+", help="video files")
    parser.add_argument("--people", type=int, nargs="+", required=True, help="people in view in each clip, in order")
    parser.add_argument("--nudges", type=float, nargs="+", default=NUDGES_PX, help="pixels (default: %(default)s)")
    parser.add_argument("--width", type=int, default=640, help="scale frames to this width, pixels (default 640)")
    add_arguments(parser, EstimatorConfig)
    args = parser.parse_args(argv)
    if len(args.people) != len(args.clips):
        parser.error("--people needs one number per clip")
    with PoseEstimator(config=from_arguments(args)) as estimator:
        tiled = _bundled_ssd(estimator)
        try:
            _spread(estimator, tiled, args)
        except (VideoError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    return 0


def _spread(estimator: PoseEstimator, tiled: TiledDetector, args: argparse.Namespace) -> None:
    """Each clip as it is and under each nudge, its ids and switches printed, then their spread."""
    ssd = tiled.detector
    print(f"{estimator!r}")
    print(f"{'clip':27s} {'nudge px':>9s} {'ids':>4s} {'switches':>8s}")
    try:
        for clip, people in zip(args.clips, args.people):
            ids, switches = [], []
            for px in (0.0, *args.nudges):
                tiled.detector = Nudged(ssd, px) if px else ssd
                row = track_clip(estimator, clip, people=people, width=args.width)
                ids.append(len(row.lifetimes))
                switches.append(row.switches)
                print(f"{row.clip:27s} {px:9.0e} {ids[-1]:4d} {switches[-1]:8d}", flush=True)
            print(
                f"{'':27s} {'spread':>9s} ids {min(ids)}/{statistics.median(ids):g}/{max(ids)}, switches "
                f"{min(switches)}/{statistics.median(switches):g}/{max(switches)} (least/median/most)"
            )
    finally:
        tiled.detector = ssd  # the engine's own detector again, which closes with it


if __name__ == "__main__":
    sys.exit(main())
