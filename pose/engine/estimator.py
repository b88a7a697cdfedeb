"""PoseEstimator: frames in, every person's 2D and 3D skeleton out, each with a track id.

One object, one method, in the spirit of MediaPipe's ``Pose.process``::

    with PoseEstimator() as estimator:  # the default estimator; or PoseEstimator("XS"), or an EstimatorConfig
        result = estimator.process(frame_bgr)
        for person in result.people:  # ordered by track id
            person.track_id, person.keypoints_2d, person.keypoints_3d

It only wires stages, each testable alone and built from one config by :mod:`.build` (rtmlib's detector /
pose / solution composition): a :class:`~.detection.DetectionStage` (the person detector, asked when its
scheduler says so, on the frame or on a worker beside the tracking), a :class:`~.tracker.Tracker` (identity,
lifecycle, next boxes), a pose model (:mod:`.pose_models`: every box of the frame in one call) and, for tracks
the model is unsure of, a :class:`~.pose_models.RegionConfirmer`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np

from ..config import BLAZEPOSE, ESTIMATORS, EstimatorConfig
from ..crop import check_image
from ..detect import Detections, PersonDetector
from ..geometry import same_view
from .build import build_confirmer, build_detection, build_pose_model, build_tracker, resolve_config
from .people import People, Person, PoseResult
from .pose_models import PoseModel, PoseRequest
from .scheduler import DetectionWorker
from .stages import MODEL_STAGES

if TYPE_CHECKING:  # the runner's module loads torch: only a ConvNeXtPose estimator needs it
    from ..model.backends import Runner

__all__ = ["ESTIMATORS", "BLAZEPOSE", "People", "Person", "PoseResult", "PoseEstimator"]


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
        detector: another :class:`~pose.detect.PersonDetector`; default :func:`pose.detect.create_detector`. A
            plug-in ONNX detector reaches a ConvNeXtPose model behind BlazePose's landmark model's look
            (:func:`~.build.convnextpose_detector`); :attr:`detector` is then the wrapper.
        checkpoint, weights_folder: where the variant's trained weights are (default: looked up in
            ``models/`` or ``CONVNEXTPOSE_WEIGHTS``).

    Raises:
        TypeError: for a keyword argument that is not a config field.
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
        self.config = resolve_config(variant, config, model or runner, settings, weights_folder)
        self.model: PoseModel = model or build_pose_model(self.config, runner, checkpoint, weights_folder)
        self.variant, self.trained = self.model.variant, self.model.trained
        self.backend, self.device, self.precision = self.model.backend, self.model.device, self.model.precision
        self.confirmer = build_confirmer(self.config, self.model)
        self.detection = build_detection(self.config, self.model, detector, confirmed=self.confirmer is not None)
        self.tracker = build_tracker(self.config, self.trained)
        self._frame_size: tuple[int, int] | None = None  # the last frame's (width, height)

    @property
    def detector(self) -> PersonDetector:
        """The person detector the detection stage asks."""
        return self.detection.detector

    @property
    def worker(self) -> DetectionWorker | None:
        """The detection worker (:class:`~.scheduler.DetectionWorker`), or None where detection is on the frame
        path."""
        return self.detection.worker

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
        else:
            self._follow_frame_size(image_size)
        t0 = time.perf_counter()
        detections, seen_on = self.detection.step(frame_bgr, self.tracker)
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

    def _requests(self, frame_bgr: np.ndarray, candidates: Detections) -> list[PoseRequest]:
        """A request per box the tracker offers, with the region it came from (its row: keypoints, landmarks)."""
        focal = self.config.focal(frame_bgr.shape[1::-1])
        return [PoseRequest(frame_bgr, row.bbox_xywh, focal, row) for row in candidates]

    def _follow_frame_size(self, size: tuple[int, int]) -> None:
        """Keep the people followed on a frame of another size: scaled into its pixels where it is the same view
        (:func:`pose.geometry.same_view`); else a new sequence (:meth:`reset`)."""
        before, self._frame_size = self._frame_size, size
        if before is None or before == size:
            return
        if same_view(size, before):
            self.tracker.scale(size[0] / before[0], size[1] / before[1])
        else:
            self.reset()
            self._frame_size = size

    def reset(self) -> None:
        """Forget every track, the detector's state and the schedule (a new, unrelated sequence follows)."""
        self.detection.reset()
        self.tracker.reset()
        self._frame_size = None

    def close(self) -> None:
        """Stop the worker; release the detector and the model (a shared runner stays)."""
        self.detection.close()
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
