"""PoseEstimator: frames in, every person's 2D and 3D skeleton out, each with a track id.

One object, one method, in the spirit of MediaPipe's ``Pose.process``::

    with PoseEstimator() as estimator:  # the default estimator; or PoseEstimator("XS"), or an EstimatorConfig
        result = estimator.process(frame_bgr)
        for person in result.people:  # ordered by track id
            person.track_id, person.keypoints_2d, person.keypoints_3d

It only wires stages, each testable alone (rtmlib's detector / pose / solution composition): a person
detector (:mod:`pose.detect`), a :class:`~.scheduler.DetectionScheduler` (when to detect) or a
:class:`~.scheduler.DetectionWorker` (detection beside the tracking), a :class:`~.tracker.Tracker`
(identity, lifecycle, next boxes), a pose model (:mod:`.pose_models`: every box of the frame in one call)
and, for tracks the model is unsure of, a :class:`~.pose_models.RegionConfirmer`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from types import MappingProxyType

import numpy as np

from ..config import BLAZEPOSE, ESTIMATORS, EstimatorConfig
from ..crop import check_image
from ..detect import Detection, PersonDetector, create_detector
from ..detect.landmarks import NEW_PERSON_PRESENCE, BlazePoseLandmarker
from ..model.backends import Runner
from ..model.load import load_runner
from .people import People, Person
from .pose_models import MODEL_STAGES, BlazePoseModel, ConvNeXtPoseModel, PoseModel, PoseRequest, RegionConfirmer
from .scheduler import DetectionScheduler, DetectionWorker
from .tracker import Candidate, Tracker

__all__ = ["ESTIMATORS", "BLAZEPOSE", "STAGES", "People", "Person", "PoseResult", "PoseEstimator"]

STAGES: tuple[str, ...] = ("detect", *MODEL_STAGES, "total")
# With detection on a worker, the detector (on the worker) and BlazePose's landmark model (on the frame path) run
# on one thread each, so the two streams take a core each instead of both fighting for both. On the
# Live page (2 cores, the browser beside it; python -m pose.measure.live): 7.1 -> 13.6 FPS on the two-person
# courtyard clip, 13.0 -> 15.4 on lateral_raise. Alone and offline one thread is slower (the landmark model
# 14.0 instead of 9.7 ms), so files keep every core.
WORKER_MODEL_THREADS = 1
_CONFIG_FIELDS = frozenset(f.name for f in fields(EstimatorConfig))


@dataclass(frozen=True)
class PoseResult:
    """What :meth:`PoseEstimator.process` returns; ``people`` is empty when nobody is in view.

    Attributes:
        people: everyone found, as arrays; indexing or iterating gives :class:`Person` views by track id.
        timings_ms: milliseconds per stage (:data:`STAGES`) spent on this frame's path.
        trained: False when the variant ran on untrained (deterministic) weights.
        variant: "XS", "S", "M", "L" or "BlazePose".
        backend: "torch", "onnxruntime", "openvino" (ConvNeXtPose) or "openvino" (BlazePose's models).
        device: "cpu" or "cuda".
        detected: whether a detection's people were merged on this frame.
        frame_size: (width, height).
    """

    people: People
    timings_ms: MappingProxyType
    trained: bool
    variant: str
    backend: str
    device: str
    detected: bool = False
    frame_size: tuple[int, int] = field(default=(0, 0))


class PoseEstimator:
    """Detect, track, crop, infer and decode: a frame in, a :class:`PoseResult` out.

    Args:
        variant: "XS", "S", "M", "L" or "BlazePose"; default :func:`pose.default_estimator` (the most
            accurate size with trained weights, else the bundled BlazePose).
        config: every other setting (:class:`pose.EstimatorConfig`); keyword arguments named as its fields
            override it (``PoseEstimator("XS", max_people=1)``).
        runner: a ready ConvNeXtPose runner (:func:`pose.load_runner`, shared between estimators), instead
            of loading one for the variant.
        model: another :class:`~.pose_models.PoseModel`, instead of the variant's.
        detector: another :class:`~pose.detect.PersonDetector`; default :func:`pose.detect.create_detector`.
        checkpoint, weights_folder: where the variant's trained weights are (default: looked up in
            ``models/`` or ``CONVNEXTPOSE_WEIGHTS``).

    Raises:
        ValueError: for an unknown variant, backend, device or precision, a bad setting, or a variant that
            disagrees with the given runner or model.
        CheckpointError: for an unusable checkpoint.
    """

    def __init__(
        self,
        variant: str | None = None,
        *,
        config: EstimatorConfig | None = None,
        runner: Runner | None = None,
        model: PoseModel | None = None,
        detector: PersonDetector | None = None,
        checkpoint: str | Path | None = None,
        weights_folder: Path | None = None,
        **settings,
    ) -> None:
        unknown = set(settings) - _CONFIG_FIELDS
        if unknown:
            raise TypeError(f"unknown setting(s) {', '.join(sorted(unknown))}")
        config = replace(config or EstimatorConfig(), **settings)
        given = model or runner
        if variant is not None and not isinstance(variant, str):
            raise ValueError(f"variant must be a name, got {variant!r}")
        named = variant if variant is not None else config.variant
        if given is not None:
            own = getattr(given.variant, "name", given.variant)  # a runner's is a Variant, a model's a name
            if named is not None and named.lower() != own.lower():
                raise ValueError(f"variant {named!r} disagrees with the given {type(given).__name__} ({own})")
            named = own
        self.config = replace(config, variant=_canonical(named)).resolved(weights_folder)
        cfg = self.config
        on_worker = cfg.async_detection and not cfg.static_image_mode
        self._threads = WORKER_MODEL_THREADS if on_worker else None
        self.model: PoseModel = model or self._build_model(runner, checkpoint, weights_folder)
        self.variant, self.trained = self.model.variant, self.model.trained
        self.backend, self.device, self.precision = self.model.backend, self.model.device, self.model.precision
        self.detector = detector or create_detector(threads=self._threads)
        every = 1 if cfg.static_image_mode or self.model.needs_detection_every_frame else cfg.detect_every
        self.scheduler = DetectionScheduler(every, cfg.max_people)
        self.tracker = Tracker(
            cfg.max_people, cfg.min_track_confidence, cfg.max_missed_detections,
            cfg.smoothing and not cfg.static_image_mode,
        )  # fmt: skip
        self.confirmer = self._build_confirmer() if cfg.confirm_tracks and not cfg.static_image_mode else None
        self.worker = DetectionWorker(self._detect) if on_worker else None

    def _build_model(self, runner, checkpoint, weights_folder) -> PoseModel:
        cfg = self.config
        if runner is None and cfg.variant == BLAZEPOSE:
            return BlazePoseModel(landmarker=BlazePoseLandmarker(threads=self._threads))
        runner = runner or load_runner(
            cfg.variant, cfg.backend, cfg.device, cfg.precision, checkpoint=checkpoint, weights_folder=weights_folder
        )
        return ConvNeXtPoseModel(runner, flip_test=cfg.flip_test)

    def _build_confirmer(self) -> RegionConfirmer:
        """BlazePose confirms its own tracks at its own pose flag; a ConvNeXtPose track is confirmed as surely
        as a new person is found: at MediaPipe's 0.5 the landmark model saw a person for 3 frames on the empty
        floor where one had just left (pose.measure.tracking_eval, XS colour: 0.04 false people a frame at
        0.5, none at 0.75, recall 0.97 either way)."""
        own = getattr(self.model, "landmarker", None)
        return RegionConfirmer(own or BlazePoseLandmarker(min_presence=NEW_PERSON_PRESENCE))

    @property
    def runner(self) -> Runner | None:
        """The ConvNeXtPose runner, or None for BlazePose."""
        return getattr(self.model, "runner", None)

    @property
    def flip_test(self) -> bool:
        return bool(getattr(self.model, "flip_test", False))

    def process(self, frame_bgr: np.ndarray, timestamp_s: float | None = None) -> PoseResult:
        """Estimate the poses in one frame: every person's crop in one inference call.

        Args:
            frame_bgr: (H, W, 3) uint8 BGR image.
            timestamp_s: the frame's time, for smoothing; defaults to now.

        Raises:
            ValueError: for a frame of the wrong type, shape or dtype.
        """
        check_image(frame_bgr)
        t_s = time.monotonic() if timestamp_s is None else timestamp_s
        image_size = tuple(frame_bgr.shape[1::-1])
        if self.config.static_image_mode:
            self.tracker.reset()
        t0 = time.perf_counter()
        detections, seen_on = self._worker_step(frame_bgr) if self.worker else (self._sync_step(frame_bgr), None)
        confirm = None if self.confirmer is None else (lambda regions: self.confirmer(frame_bgr, regions))
        candidates = self.tracker.candidates(detections, None if self.worker else confirm, seen_on)
        detect_ms = (time.perf_counter() - t0) * 1e3
        model_ms = dict.fromkeys(MODEL_STAGES, 0.0)
        estimates = self.model.estimate(self._requests(frame_bgr, candidates), model_ms) if candidates else []
        detected = detections is not None
        people = self.tracker.update(candidates, estimates, detected=detected, t_s=t_s, image_size=image_size)
        timings = {"detect": detect_ms, **model_ms}
        timings["total"] = sum(timings.values())
        return PoseResult(
            People.from_persons(people), MappingProxyType(timings), self.trained, self.variant, self.backend,
            self.device, detected, image_size,
        )  # fmt: skip

    def process_batch(
        self, frames_bgr: Sequence[np.ndarray], timestamps_s: Sequence[float] | None = None
    ) -> list[PoseResult]:
        """:meth:`process` on consecutive frames, in order (each frame's boxes come from the one before).

        Raises:
            ValueError: for a frame of the wrong type, shape or dtype.
        """
        times = timestamps_s if timestamps_s is not None else [None] * len(frames_bgr)
        return [self.process(frame, t_s) for frame, t_s in zip(frames_bgr, times)]

    def _sync_step(self, frame_bgr: np.ndarray) -> list[Detection] | None:
        """Detect on this frame when the scheduler says so; the people, or None where it did not look."""
        due = self.scheduler.due(
            shown=self.tracker.shown,
            lost_sight=self.tracker.lost_sight,
            unconfirmed=self.confirmer is None and not self.tracker.all_sure,
        )
        self.scheduler.tick(due)
        return self._detect(frame_bgr) if due else None

    def _worker_step(self, frame_bgr: np.ndarray) -> tuple[list[Detection] | None, int | None]:
        """Hand this frame to the worker when it is free and a look is due; the people of the newest finished
        detection (found on an earlier frame: their landmarks are left behind) and the frame they were found
        on (the tracker's count), or (None, None)."""
        finished = self.worker.poll()
        due = self.scheduler.worker_due(
            shown=self.tracker.shown, lost_sight=self.tracker.lost_sight, unsure=not self.tracker.all_sure
        )
        self.scheduler.tick(due and self.worker.submit(frame_bgr, self.tracker.frame))
        if finished is None:
            return None, None
        if finished.error is not None:
            raise RuntimeError(f"person detection failed: {finished.error}") from finished.error
        people = [Detection(d.bbox_xywh, d.score, keypoints_px=d.keypoints_px) for d in finished.detections]
        return people, finished.frame_index

    def _detect(self, frame_bgr: np.ndarray) -> list[Detection]:
        """The people in the frame, largest first, at most ``max_people``."""
        found = sorted(self.detector.detect(frame_bgr), key=lambda d: -float(d.bbox_xywh[2] * d.bbox_xywh[3]))
        return found[: self.config.max_people]

    def _requests(self, frame_bgr: np.ndarray, candidates: Sequence[Candidate]) -> list[PoseRequest]:
        focal = self.config.focal(frame_bgr.shape[1::-1])
        return [PoseRequest(frame_bgr, c.bbox_xywh, focal, c.region) for c in candidates]

    def reset(self) -> None:
        """Forget every track, the detector's state and the schedule (a new, unrelated sequence follows)."""
        if self.worker is not None:
            self.worker.wait_idle(timeout_s=10.0)
            self.worker.poll()  # an answer about the old sequence is dropped
        self.detector.reset()
        self.tracker.reset()
        self.scheduler.reset()

    def close(self) -> None:
        """Stop the worker; release the detector and the model (a shared runner stays)."""
        if self.worker is not None:
            self.worker.close()
        self.detector.close()
        self.model.close()
        if self.confirmer is not None and self.confirmer.landmarker is not getattr(self.model, "landmarker", None):
            self.confirmer.close()

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"PoseEstimator({self.variant}, backend={self.backend}, device={self.device}, "
            f"precision={self.precision}, trained={self.trained}, max_people={self.config.max_people})"
        )


def _canonical(name: str | None) -> str | None:
    """An estimator name as :data:`ESTIMATORS` spells it ("xs" -> "XS", "blazepose" -> "BlazePose")."""
    if name is None:
        return None
    for known in ESTIMATORS:
        if known.lower() == str(name).lower():
            return known
    raise ValueError(f"unknown estimator {name!r}; choose one of {', '.join(ESTIMATORS)}")
