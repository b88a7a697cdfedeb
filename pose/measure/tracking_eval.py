"""How well the engine follows people through a clip with known boxes (``pose.measure.scenes``).

``python -m pose.measure.tracking_eval`` prints the figures for BlazePose and ConvNeXtPose-XS.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..engine.estimator import PoseEstimator, PoseResult
from ..geometry import box_iou
from .scenes import VARIANTS, SceneFrame, multi_person_clip

__all__ = ["TrackingScore", "score_tracking", "run_clip"]


@dataclass(frozen=True)
class TrackingScore:
    """Per clip.

    Attributes:
        recall: people in view found at IoU >= ``iou`` (boxes matched one to one).
        false_per_frame: people reported that match nobody, per frame.
        false_on_empty: people reported on frames with nobody in view.
        id_switches_per_100: times a person's track id changed, per 100 frames.
        frames_to_gone: after each departure, frames until nothing is reported where the person was (max).
    """

    recall: float
    false_per_frame: float
    false_on_empty: int
    id_switches_per_100: float
    frames_to_gone: int


def _match(truth: np.ndarray, found: np.ndarray, iou: float) -> list[tuple[int, int]]:
    if not len(truth) or not len(found):
        return []
    overlap = box_iou(truth, found)
    pairs, used = [], set()
    for t in np.argsort(-overlap.max(axis=1)):
        candidates = [(overlap[t, f], f) for f in range(len(found)) if f not in used and overlap[t, f] >= iou]
        if candidates:
            _, f = max(candidates)
            used.add(f)
            pairs.append((int(t), int(f)))
    return pairs


def score_tracking(results: Sequence[PoseResult], clip: Sequence[SceneFrame], iou: float = 0.5) -> TrackingScore:
    """Score an estimator's results on ``clip`` (one result per frame)."""
    found_n = truth_n = false_n = false_empty = switches = 0
    track_of: dict[int, int] = {}
    last_box: dict[int, tuple[int, np.ndarray]] = {}
    gone_after = [0]
    for index, (result, scene) in enumerate(zip(results, clip)):
        truth = np.array([box for _, box in scene.people]).reshape(-1, 4)
        found = np.array([p.bbox_xywh for p in result.people]).reshape(-1, 4)
        pairs = _match(truth, found, iou)
        truth_n += len(truth)
        found_n += len(pairs)
        false_n += len(found) - len(pairs)
        false_empty += len(found) if not len(truth) else 0
        for t, f in pairs:
            person, track = scene.people[t][0], result.people[f].track_id
            switches += person in track_of and track_of[person] != track
            track_of[person] = track
        present = {pid for pid, _ in scene.people}
        for pid, box in scene.people:
            last_box[pid] = (index, np.asarray(box, dtype=np.float64))
        for pid, (seen, box) in last_box.items():  # departed people: is anything still reported there?
            if pid not in present and len(found) and box_iou(box[None], found).max() >= iou:
                gone_after.append(index - seen + 1)
    frames = max(len(clip), 1)
    return TrackingScore(
        found_n / max(truth_n, 1), false_n / frames, false_empty, 100.0 * switches / frames, max(gone_after)
    )


def run_clip(estimator: PoseEstimator, clip: Sequence[SceneFrame], fps: float = 30.0) -> list[PoseResult]:
    """Every frame of ``clip`` through ``estimator``, timed as ``fps`` frames a second."""
    return [estimator.process(scene.frame_bgr, i / fps) for i, scene in enumerate(clip)]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--estimators", nargs="+", default=["BlazePose", "XS"])
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--people", type=int, default=3)
    parser.add_argument("--detect-every", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    print("estimator  variant  recall  false/frame  false on empty  id switches/100  frames to gone  ms/frame")
    for name in args.estimators:
        for variant in VARIANTS:
            clip = multi_person_clip(args.frames, args.people, seed=args.seed, heights=(120, 360), variant=variant)
            clip += multi_person_clip(10, 0, seed=args.seed)
            with PoseEstimator(name, detect_every=args.detect_every) as estimator:
                start = time.perf_counter()
                results = run_clip(estimator, clip)
                ms = (time.perf_counter() - start) * 1e3 / len(clip)
            s = score_tracking(results, clip)
            print(
                f"{name:10s} {variant:7s} {s.recall:6.2f}  {s.false_per_frame:11.2f}  {s.false_on_empty:14d}  "
                f"{s.id_switches_per_100:15.1f}  {s.frames_to_gone:14d}  {ms:8.0f}"
            )


if __name__ == "__main__":
    main()
