"""Several estimators on exactly the same frames and crops: speed, size, and how much they agree.

ConvNeXtPose sizes all crop the boxes of one shared detection pass, so their
differences are the networks' alone; BlazePose runs its own MediaPipe graph.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..detect import Detection, Detections, create_detector
from ..detect.landmark_skeleton import SHARED_JOINTS
from ..detect.landmarks import BlazePoseLandmarker
from ..engine.build import convnextpose_detector
from ..engine.estimator import BLAZEPOSE, PoseEstimator
from ..engine.people import People
from ..engine.stages import MODEL_STAGES, STAGE_PARTS
from ..model.flops import measure_gmacs
from ..model.topdown import infer_boxes
from ..model.variants import VARIANTS
from ..skeleton import NUM_JOINTS
from .accuracy import accuracy_report, measure, predictor
from .annotations import AnnotatedImage
from .metrics import jitter, mean_distance

__all__ = [
    "SharedDetections",
    "Measurement",
    "measure_gmacs",
    "compare",
    "agreement",
    "pareto_front",
    "accuracy_on_photos",
    "differing_images",
    "ASSUMED_FPS",
]

ASSUMED_FPS = 30.0  # the rate of frames given without timestamps (generated clips, a snapshot)


class SharedDetections:
    """A detector that replays one detection pass, frame by frame, so every estimator crops the same boxes."""

    def __init__(self, detections: Sequence[Detections]) -> None:
        self._detections = list(detections)
        self._next = 0

    def detect(self, frame_bgr: np.ndarray) -> Detections:
        found = self._detections[self._next] if self._next < len(self._detections) else Detections.empty()
        self._next += 1
        return found

    def reset(self) -> None:
        self._next = 0

    def close(self) -> None:
        pass


@dataclass
class Measurement:
    """One estimator on the comparison frames. Per-frame arrays hold NaN where nobody was found.

    ``keypoints_2d``, ``keypoints_rel`` and ``confidence`` are each frame's first person (the lowest track id),
    whom agreement and jitter follow; ``frame_people`` holds every person found, for drawing.
    """

    name: str
    trained: bool
    backend: str
    device: str
    precision: str
    stage_ms: dict = field(default_factory=dict)  # stage -> (F,) ms
    total_ms: np.ndarray = field(default_factory=lambda: np.zeros(0))
    model_ms: np.ndarray = field(default_factory=lambda: np.zeros(0))
    keypoints_2d: np.ndarray = field(default_factory=lambda: np.zeros((0, NUM_JOINTS, 2)))
    keypoints_rel: np.ndarray = field(default_factory=lambda: np.zeros((0, NUM_JOINTS, 3)))
    confidence: np.ndarray = field(default_factory=lambda: np.zeros((0, NUM_JOINTS)))
    people: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))  # (F,) people found per frame
    detected: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))  # (F,) the detector ran
    frame_people: list[People] = field(default_factory=list)  # (F,) everyone found on each frame

    @property
    def ms_per_person(self) -> float:
        """End-to-end milliseconds per person found (how the cost grows with a crowd)."""
        return float(np.sum(self.total_ms) / max(int(np.sum(self.people)), 1))

    @property
    def pose_ms_per_person(self) -> float:
        """The pose model's milliseconds per person (:data:`~pose.engine.stages.MODEL_STAGES`), the median over
        the frames without a detection (a BlazePose detection brings its people's landmarks); NaN where every
        frame had one."""
        pose_ms = np.asarray(sum(self.stage_ms[s] for s in MODEL_STAGES)) if self.stage_ms else np.zeros(0)
        between = ~self.detected & (self.people > 0) if len(self.detected) else np.zeros(0, dtype=bool)
        return float(np.median(pose_ms[between] / self.people[between])) if between.any() else float("nan")

    @property
    def detect_ms_when_run(self) -> float:
        """The detection's milliseconds, the median over the frames it ran on (NaN where it never did)."""
        if not self.detected.any():
            return float("nan")
        return float(np.median(np.asarray(self.stage_ms["detect"])[self.detected]))

    @property
    def e2e_fps(self) -> float:
        return 1000.0 / float(np.mean(self.total_ms)) if len(self.total_ms) else float("nan")

    @property
    def model_fps(self) -> float:
        return 1000.0 / float(np.median(self.model_ms)) if len(self.model_ms) else float("nan")


def _nan_pose(shape) -> np.ndarray:
    return np.full(shape, np.nan)


def _shared_detection_pass(frames: Sequence[np.ndarray]) -> tuple[list[Detections], list[float]]:
    """The setting's detector over ``frames`` as ConvNeXtPose takes its people on every page (a plug-in's people
    after the landmark model's look): each frame's people, and the milliseconds each took."""
    detector = convnextpose_detector(create_detector())
    detections, detect_ms = [], []
    try:
        for frame in frames:
            t0 = time.perf_counter()
            detections.append(detector.detect(frame))
            detect_ms.append((time.perf_counter() - t0) * 1e3)
    finally:
        detector.close()
    return detections, detect_ms


def compare(
    frames: Sequence[np.ndarray],
    names: Sequence[str],
    make_estimator: Callable[[str, SharedDetections | None], PoseEstimator],
    *,
    timestamps_s: Sequence[float] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, Measurement]:
    """Run every estimator in ``names`` on ``frames`` and measure it.

    Timings cover every person in each frame (ConvNeXtPose crops them all in one call); the keypoints
    kept for agreement and jitter are each frame's first person (the lowest track id). The ConvNeXtPose sizes
    share one pass of the setting's detector (a plug-in's people after the landmark model's look, as on every
    page: :func:`~pose.engine.build.convnextpose_detector`); BlazePose runs its own.

    Args:
        frames: BGR frames, in order.
        timestamps_s: each frame's time in seconds (default: :data:`ASSUMED_FPS` apart).
        names: "XS", "S", "M", "L", "BlazePose".
        make_estimator: builds an estimator for a name with the given detector
            (None for BlazePose), e.g. around a cached runner.
        progress: called with (name, frames done, frames) as it goes.
    """
    any_size = any(name != BLAZEPOSE for name in names)  # only the ConvNeXtPose sizes share a pass
    detections, detect_ms = _shared_detection_pass(frames) if any_size else ([], [])
    timestamps = list(timestamps_s) if timestamps_s is not None else [i / ASSUMED_FPS for i in range(len(frames))]
    if len(timestamps) != len(frames):
        raise ValueError(f"{len(timestamps)} timestamps for {len(frames)} frames")
    results = {}
    for name in names:
        is_blazepose = name == BLAZEPOSE
        shared = None if is_blazepose else SharedDetections(detections)
        with make_estimator(name, shared) as estimator:
            # warm-up: first-call costs (graph init, allocation) are not speed
            estimator.process(frames[0], timestamps[0])
            estimator.reset()  # and the shared detections, back to the first frame
            m = Measurement(name, estimator.trained, estimator.backend, estimator.device, estimator.precision)
            stage = {s: [] for s in STAGE_PARTS}
            kp2d, rel, conf, people, detected, frame_people = [], [], [], [], [], []
            for i, (frame, t) in enumerate(zip(frames, timestamps)):
                result = estimator.process(frame, t)
                for s in STAGE_PARTS:
                    shared_ms = detect_ms[i] if s == "detect" and shared and result.detected else 0.0
                    stage[s].append(result.timings_ms[s] + shared_ms)
                people.append(len(result.people))
                detected.append(result.detected)
                frame_people.append(result.people)
                person = result.people[0] if result.people else None
                kp2d.append(person.keypoints_2d if person else _nan_pose((NUM_JOINTS, 2)))
                rel.append(person.keypoints_rel if person else _nan_pose((NUM_JOINTS, 3)))
                conf.append(person.confidence if person else np.zeros(NUM_JOINTS))
                if progress:
                    progress(name, i + 1, len(frames))
            m.stage_ms = {s: np.array(v) for s, v in stage.items()}
            m.total_ms = sum(m.stage_ms.values())
            m.keypoints_2d, m.keypoints_rel, m.confidence = np.stack(kp2d), np.stack(rel), np.stack(conf)
            m.people = np.array(people)
            m.detected, m.frame_people = np.array(detected, dtype=bool), frame_people
            if is_blazepose:
                m.model_ms = _landmarks_only_ms(frames, frame_people)
            else:
                m.model_ms = _model_only_ms(estimator, frames, detections)
        results[name] = m
    return results


def _landmarks_only_ms(frames, frame_people: Sequence[People]) -> np.ndarray:
    """BlazePose's landmark model alone on each frame's people, one frame's people per call (its "infer" stage is
    no such figure: where detection ran, the landmarks came with it and the stage took no time)."""
    looks = [
        (frame, [Detection(box, 1.0) for box in people.bbox_xywh])
        for frame, people in zip(frames, frame_people)
        if len(people)
    ]
    landmarker = BlazePoseLandmarker()
    try:
        if looks:  # warm-up: the first call's costs are not speed
            landmarker.landmarks(*looks[0])
        times = []
        for frame, regions in looks:
            t0 = time.perf_counter()
            landmarker.landmarks(frame, regions)
            times.append((time.perf_counter() - t0) * 1e3)
        return np.array(times)
    finally:
        landmarker.close()


def _model_only_ms(estimator: PoseEstimator, frames, detections) -> np.ndarray:
    """The network alone on the same crops, one frame's people per call."""
    times = []
    for frame, found in zip(frames, detections):
        if not found:
            continue
        items = [(frame, d.bbox_xywh) for d in found]
        t0 = time.perf_counter()
        infer_boxes(estimator.runner, estimator.runner.variant, items)
        times.append((time.perf_counter() - t0) * 1e3)
    return np.array(times)


def reference_for(measurements: dict[str, Measurement]) -> str | None:
    """The most accurate (paper MPJPE) trained ConvNeXtPose size among the results, as
    :func:`pose.default_estimator` picks; None where no size is trained (an untrained skeleton is no reference
    to hold the others against; BlazePose's own agreement figures remain)."""
    sizes = sorted((n for n in VARIANTS if n in measurements), key=lambda n: VARIANTS[n].mpjpe_mm)
    trained = [n for n in sizes if measurements[n].trained]
    return (trained or [None])[0]


def agreement(measurements: dict[str, Measurement]) -> dict:
    """Agreement (not accuracy) between estimators, and each one's stability.

    Returns a dict with ``reference`` (the most accurate trained size, or None: :func:`reference_for`), and per
    estimator: ``px_to_reference`` and ``mm_to_reference`` (where there is a reference: mean 2D and
    root-relative 3D distance over all joints, BlazePose's over the joints it shares), ``px_to_blazepose`` and
    ``mm_to_blazepose`` (over the joints both skeletons share), ``jitter_mm``
    (mean frame-to-frame motion), and ``jitter_per_joint_mm`` (18,).
    """
    reference = reference_for(measurements)
    blaze = measurements.get(BLAZEPOSE)
    rows = {}
    for name, m in measurements.items():
        row = {"jitter_per_joint_mm": jitter(m.keypoints_rel)}
        row["jitter_mm"] = float(np.nanmean(row["jitter_per_joint_mm"])) if len(m.keypoints_rel) > 1 else np.nan
        if reference and name != reference:
            ref = measurements[reference]
            # BlazePose to the reference over the joints both have, as the reference's own figure to BlazePose is
            # (one distance between the same two skeletons); the heatmap's row keeps every joint.
            joints = SHARED_JOINTS if name == BLAZEPOSE else None
            row["px_to_reference"] = float(np.nanmean(mean_distance(m.keypoints_2d, ref.keypoints_2d, joints)))
            row["mm_to_reference"] = float(np.nanmean(mean_distance(m.keypoints_rel, ref.keypoints_rel, joints)))
            row["mm_to_reference_per_joint"] = mean_distance(m.keypoints_rel, ref.keypoints_rel)
        if blaze is not None and name != BLAZEPOSE:
            row["px_to_blazepose"] = float(np.nanmean(mean_distance(m.keypoints_2d, blaze.keypoints_2d, SHARED_JOINTS)))
            row["mm_to_blazepose"] = float(
                np.nanmean(mean_distance(m.keypoints_rel, blaze.keypoints_rel, SHARED_JOINTS))
            )
        rows[name] = row
    return {"reference": reference, "estimators": rows}


def pareto_front(points: dict[str, tuple[float, float]]) -> list[str]:
    """Names on the speed/error Pareto front: (fps, error) points no other point beats on both."""
    front = []
    for name, (fps, err) in points.items():
        beaten = any(f >= fps and e <= err and (f, e) != (fps, err) for n, (f, e) in points.items() if n != name)
        if not beaten:
            front.append(name)
    return sorted(front, key=lambda n: points[n][0])


def accuracy_on_photos(
    images: Sequence[AnnotatedImage],
    names: Sequence[str],
    make_estimator: Callable[[str, float | None], PoseEstimator],
    *,
    camera: str = "default",
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, dict]:
    """Every estimator in ``names`` on annotated photos, each photo on its own (static-image mode).

    Args:
        make_estimator: builds a static-image-mode estimator for a name and a focal length in pixels
            (None: its field of view).
        camera: "true" gives each photo whose annotations have a camera its focal length.
        progress: called with (name, photos done, photos).

    Returns:
        Per name, :func:`pose.measure.accuracy.accuracy_report` with the ``predictions`` (per photo, its people).
    """
    reports = {}
    for name in names:
        run, close = predictor(lambda focal, name=name: make_estimator(name, focal), camera=camera)
        try:
            done = (lambda n, total, name=name: progress(name, n, total)) if progress else None
            predictions, ms = measure(images, run, done)
        finally:
            close()
        reports[name] = {**accuracy_report(images, predictions, ms), "predictions": predictions}
    return reports


def differing_images(reports: dict[str, dict], count: int = 3) -> list[int]:
    """The photos where the estimators' PCK over every clear person (missed people's joints wrong) differs
    most (with one estimator: where it is lowest), most first; photos without a clear person, and those where
    they do not differ (with one estimator: where it scores 1), are left out."""
    rows = [[r["pck_all"] for r in report["images"]] for report in reports.values()]
    if not rows:
        return []
    scores = np.array(rows, dtype=float)  # (estimators, photos)
    usable = np.isfinite(scores).all(axis=0)
    spread = 1.0 - scores[0] if len(scores) == 1 else scores.max(axis=0) - scores.min(axis=0)
    shown = usable & (spread > 0)
    order = [int(i) for i in np.argsort(-np.where(shown, spread, -np.inf), kind="stable") if shown[i]]
    return order[:count]
