"""The stages an :class:`~.estimator.PoseEstimator` is made of, built from one :class:`~pose.EstimatorConfig`:
which estimator a request names, its pose model, the confirmer of unsure tracks, the detection stage and the
tracker. Each builder takes what it needs and nothing reads hidden state.
"""

from __future__ import annotations

from dataclasses import fields, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import BLAZEPOSE, ESTIMATORS, EstimatorConfig
from ..detect import PersonDetector, create_detector
from ..detect.confirmed import ConfirmedDetector
from ..detect.landmarks import NEW_PERSON_PRESENCE, BlazePoseLandmarker
from ..detect.onnx import OnnxPersonDetector
from ..detect.tiles import TiledDetector
from .detection import DetectionStage
from .pose_models import BlazePoseModel, ConvNeXtPoseModel, PoseModel, RegionConfirmer
from .scheduler import DetectionScheduler
from .tracker import MIN_SURE_JOINTS, Tracker

if TYPE_CHECKING:  # torch loads with the first ConvNeXtPose model (build_pose_model)
    from ..model.backends import Runner

__all__ = [
    "WORKER_MODEL_THREADS",
    "resolve_config",
    "build_pose_model",
    "build_confirmer",
    "build_detection",
    "convnextpose_detector",
    "build_tracker",
]

# With detection on a worker, the detector (on the worker) and BlazePose's landmark model (on the frame path) run
# on one thread each, so the two streams take a core each instead of both fighting for both. On the
# Live page (2 cores, the browser beside it; python -m tools.live): 7.1 -> 13.6 FPS on the two-person
# courtyard clip, 13.0 -> 15.4 on lateral_raise. Alone and offline one thread is slower (the landmark model
# 14.0 instead of 9.7 ms), so files keep every core.
WORKER_MODEL_THREADS = 1
_CONFIG_FIELDS = frozenset(f.name for f in fields(EstimatorConfig))


def resolve_config(
    variant: str | None, config: EstimatorConfig | None, given: PoseModel | Runner | None, settings: dict,
    weights_folder: Path | None = None,
) -> EstimatorConfig:  # fmt: skip
    """The config an estimator runs: ``config`` (default :class:`~pose.EstimatorConfig`) with ``settings``
    applied and the estimator named by ``variant``, the config, or the ``given`` model or runner, in that order
    (default :func:`pose.default_estimator`).

    Raises:
        TypeError: for a setting that is not a config field.
        ValueError: for an unknown estimator, a bad setting, or a name that disagrees with ``given``.
    """
    unknown = set(settings) - _CONFIG_FIELDS
    if unknown:
        raise TypeError(f"unknown setting(s) {', '.join(sorted(unknown))}")
    config = replace(config or EstimatorConfig(), **settings)
    if variant is not None and not isinstance(variant, str):
        raise ValueError(f"variant must be a name, got {variant!r}")
    named = variant if variant is not None else config.variant
    if given is not None:
        own = getattr(given.variant, "name", given.variant)  # a runner's is a Variant, a model's a name
        if named is not None and named.lower() != own.lower():
            raise ValueError(f"variant {named!r} disagrees with the given {type(given).__name__} ({own})")
        named = own
    return replace(config, variant=canonical(named)).resolved(weights_folder)


def canonical(name: str | None) -> str | None:
    """An estimator name as :data:`~pose.ESTIMATORS` spells it ("xs" -> "XS", "blazepose" -> "BlazePose").

    Raises:
        ValueError: for an unknown estimator.
    """
    if name is None:
        return None
    for known in ESTIMATORS:
        if known.lower() == str(name).lower():
            return known
    raise ValueError(f"unknown estimator {name!r}; choose one of {', '.join(ESTIMATORS)}")


def detects_on_worker(cfg: EstimatorConfig) -> bool:
    """Whether detection runs beside the tracking: asked for, and frames follow one another."""
    return cfg.async_detection and not cfg.static_image_mode


def model_threads(cfg: EstimatorConfig) -> int | None:
    """Threads for each model on the frame path and the worker: one each beside a worker, else every core."""
    return WORKER_MODEL_THREADS if detects_on_worker(cfg) else None


def build_pose_model(
    cfg: EstimatorConfig, runner: Runner | None = None, checkpoint: str | Path | None = None,
    weights_folder: Path | None = None,
) -> PoseModel:  # fmt: skip
    """The pose model of ``cfg.variant``: BlazePose's landmark model, or ConvNeXtPose on ``runner`` (default: the
    variant loaded with the config's backend, device and precision, from ``checkpoint`` or ``weights_folder``).

    Raises:
        CheckpointError: for an unusable checkpoint.
    """
    if runner is None and cfg.variant == BLAZEPOSE:
        return BlazePoseModel(landmarker=BlazePoseLandmarker(threads=model_threads(cfg)))
    from ..model.load import load_runner

    runner = runner or load_runner(
        cfg.variant, cfg.backend, cfg.device, cfg.precision, checkpoint=checkpoint, weights_folder=weights_folder
    )
    return ConvNeXtPoseModel(runner, flip_test=cfg.flip_test)


def build_confirmer(cfg: EstimatorConfig, model: PoseModel) -> RegionConfirmer | None:
    """Who confirms unsure tracks in their regions, or None (switched off, or every frame is its own image).

    BlazePose confirms its own tracks at its own pose flag; a ConvNeXtPose track is confirmed as surely as a new
    person is found: at MediaPipe's 0.5 the landmark model saw a person for 3 frames on the empty floor where one
    had just left (pose.measure.tracking_eval, XS colour: 0.04 false people a frame at 0.5, none at 0.75, recall
    0.97 either way)."""
    if not cfg.confirm_tracks or cfg.static_image_mode:
        return None
    own = getattr(model, "landmarker", None)
    return RegionConfirmer(own or BlazePoseLandmarker(min_presence=NEW_PERSON_PRESENCE))


def build_detection(
    cfg: EstimatorConfig, model: PoseModel, detector: PersonDetector | None, *, confirmed: bool
) -> DetectionStage:
    """The detection stage: ``detector`` (default :func:`pose.detect.create_detector`), on every frame for
    unrelated images or a model that cannot follow a person, else at least every ``detect_every`` frames.

    A plug-in ONNX detector's people go to a ConvNeXtPose model only where BlazePose's landmark model sees a
    person in their box (:class:`~pose.detect.confirmed.ConfirmedDetector`), as they do to BlazePose, which looks
    at each box itself."""
    every = 1 if cfg.static_image_mode or model.needs_detection_every_frame else cfg.detect_every
    detector = detector or create_detector(threads=model_threads(cfg))
    if not isinstance(model, BlazePoseModel):
        detector = convnextpose_detector(detector, model_threads(cfg), cfg.max_people)
    return DetectionStage(
        detector, DetectionScheduler(every, cfg.max_people), cfg.max_people, on_worker=detects_on_worker(cfg),
        confirmed=confirmed,
    )  # fmt: skip


def convnextpose_detector(
    detector: PersonDetector, threads: int | None = None, max_people: int | None = None
) -> PersonDetector:
    """The detector a ConvNeXtPose model takes its people from: a plug-in ONNX detector behind BlazePose's landmark
    model's look (:class:`~pose.detect.confirmed.ConfirmedDetector`, on ``threads``, looking until ``max_people``
    are seen); any other as it is."""
    if not _plug_in(detector):
        return detector
    return ConfirmedDetector(detector, BlazePoseLandmarker(threads=threads), max_people)


def _plug_in(detector: PersonDetector) -> bool:
    """Whether ``detector`` is a plug-in ONNX detector (tiled or not): boxes no landmark model has looked at."""
    return isinstance(detector.detector if isinstance(detector, TiledDetector) else detector, OnnxPersonDetector)


def build_tracker(cfg: EstimatorConfig, trained: bool = True) -> Tracker:
    """The tracker; where every frame is its own image, with no smoothing and newcomers shown at once. A trained
    model's person must be sure of :data:`~.tracker.MIN_SURE_JOINTS` joints to be shown; untrained weights are
    sure of none."""
    sequence = not cfg.static_image_mode
    return Tracker(
        cfg.max_people, cfg.min_track_confidence, cfg.max_missed_detections, cfg.smoothing and sequence,
        doubt_newcomers=sequence, min_sure_joints=MIN_SURE_JOINTS if trained else 0,
    )  # fmt: skip
