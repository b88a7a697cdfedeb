"""PoseEstimator: frames in, every person's 2D and 3D skeleton out, each with a track id.

One object, one method, in the spirit of MediaPipe's ``Pose.process``::

    with PoseEstimator("XS") as estimator:
        result = estimator.process(frame_bgr)
        for person in result.people:  # ordered by track id
            person.track_id, person.keypoints_2d, person.keypoints_3d

The estimator owns detection, tracking, smoothing and timing; a pose model
(:mod:`pose.pose_model`: ConvNeXtPose or BlazePose) turns the boxes of a frame
into skeletons in one call. The detector runs at least every ``detect_every``
frames, whenever nobody is tracked, and on the next frame whenever a track's
skeleton is not confident (so a person who leaves is gone within a frame or
two, with untrained weights too). In between, each track's next box comes
from its keypoints when they are confident and otherwise stays.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import numpy as np

from .crop import check_image
from .detect import Detection, PersonDetector, create_detector, landmarks_box
from .detect.landmarks import BlazePoseLandmarker, BlazePoseMultiPersonDetector
from .geometry import focal_from_fov
from .model.backends import Runner
from .model.load import load_runner
from .model.variants import VARIANTS, get_variant
from .pose_model import MODEL_STAGES, BlazePoseModel, ConvNeXtPoseModel, PoseEstimate, PoseModel, PoseRequest
from .skeleton import ROOT
from .smoothing import OneEuroFilter
from .tracking import MIN_IOU, assign, box_iou

__all__ = ["ESTIMATORS", "BLAZEPOSE", "STAGES", "Person", "PoseResult", "PoseEstimator"]

log = logging.getLogger(__name__)

BLAZEPOSE = "BlazePose"
ESTIMATORS: tuple[str, ...] = (*VARIANTS, BLAZEPOSE)
STAGES: tuple[str, ...] = ("detect", *MODEL_STAGES, "total")
DEFAULT_MAX_PEOPLE = 10
SAME_PERSON_IOU = 0.7  # two tracks whose boxes overlap this much are one person


@dataclass(frozen=True)
class Person:
    """One person's pose in a frame.

    Attributes:
        bbox_xywh: (4,) the person's box in pixels.
        keypoints_2d: (18, 2) image pixels.
        keypoints_3d: (18, 3) camera millimetres.
        keypoints_rel: (18, 3) millimetres relative to the pelvis.
        confidence: (18,) per joint, in [0, 1].
        track_id: the person's identity (from 1), kept across frames while they stay in view.
    """

    bbox_xywh: np.ndarray
    keypoints_2d: np.ndarray
    keypoints_3d: np.ndarray
    keypoints_rel: np.ndarray
    confidence: np.ndarray
    track_id: int = 0


@dataclass(frozen=True)
class PoseResult:
    """What :meth:`PoseEstimator.process` returns; ``people`` is empty when nobody is in view.

    Attributes:
        people: one :class:`Person` per person found, ordered by track id.
        timings_ms: milliseconds per stage (:data:`STAGES`): detect, crop, infer, decode, total.
        trained: False when the variant ran on untrained (deterministic) weights.
        variant: "XS", "S", "M", "L" or "BlazePose".
        backend: "torch", "onnxruntime", "openvino" or "mediapipe".
        device: "cpu" or "cuda".
        detected: whether the detector ran on this frame.
        frame_size: (width, height).
    """

    people: tuple[Person, ...]
    timings_ms: MappingProxyType
    trained: bool
    variant: str
    backend: str
    device: str
    detected: bool = False
    frame_size: tuple[int, int] = field(default=(0, 0))


@dataclass
class _Track:
    """One person followed across frames."""

    track_id: int
    bbox_xywh: np.ndarray
    keypoints_2d: np.ndarray | None = None
    confident: bool = False
    shown: bool = True  # in the last frame's people; a hidden one is not confirmed in its old region
    missed: int = 0
    next_detection: Detection | None = None  # the pose model's own region for the next frame
    filter_2d: OneEuroFilter = field(default_factory=lambda: OneEuroFilter(min_cutoff=1.0, beta=0.05))
    filter_3d: OneEuroFilter = field(default_factory=lambda: OneEuroFilter(min_cutoff=1.0, beta=0.005))


@dataclass(frozen=True)
class _FramePlan:
    """The boxes to estimate in one frame, and where they came from."""

    boxes: tuple[np.ndarray, ...]
    detections: tuple[Detection | None, ...]  # per box: the detector's finding, or the region a track carries
    found: tuple[bool, ...]  # per box: whether the detector found it in this frame
    detected: bool
    detect_ms: float


class PoseEstimator:
    """Detect, track, crop, infer and decode: a frame in, a :class:`PoseResult` out.

    Args:
        variant: "XS", "S", "M", "L", or "BlazePose" (MediaPipe's own 3D
            landmarks mapped onto the same skeleton; works on a fresh install).
        backend: "auto", "torch", "onnxruntime" or "openvino" (ConvNeXtPose only).
        device: "auto", "cpu" or "cuda".
        precision: "fp32", "bf16" or "fp16" (CUDA).
        detect_every: run the detector at least every N frames.
        max_people: follow at most this many people (the largest first); 1 is single-person mode.
        static_image_mode: treat each frame as an unrelated image: detect on
            every frame, no tracking, no smoothing.
        smoothing: One-Euro filtering of each person's keypoints; default on
            for video, off for single images.
        flip_test: average with the mirrored crop (twice the inference).
        fov_deg: the camera's horizontal field of view, for the focal length.
        focal_px: the camera's focal length in pixels (square pixels), instead of ``fov_deg``.
        checkpoint: a checkpoint file; by default looked up in ``weights_folder``.
        weights_folder: where checkpoints are looked up (default ``models/``).
        runner: a ready runner from :func:`pose.load_runner` (shared between estimators).
        detector: another :class:`~pose.detect.PersonDetector`; default :func:`pose.detect.create_detector`
            (every person, bundled; ``CONVNEXTPOSE_DETECTOR`` may name a user's ONNX detector).
        model: another :class:`~pose.pose_model.PoseModel` (instead of variant/runner).
        min_track_confidence: a skeleton at least this sure of its person (mean joint
            confidence, or BlazePose's presence) steers its next box; a less sure one is
            confirmed by the detector on the next frame.
        max_missed_detections: how many detector runs in a row may miss a track before it ends
            (meanwhile it is hidden, so a missed detection does not cost the person their id).

    Raises:
        ValueError: for an unknown variant, backend, device or precision, or a bad setting.
        CheckpointError: for an unusable checkpoint.
    """

    def __init__(
        self,
        variant: str = "XS",
        *,
        backend: str = "auto",
        device: str = "auto",
        precision: str = "fp32",
        detect_every: int = 30,
        max_people: int = DEFAULT_MAX_PEOPLE,
        static_image_mode: bool = False,
        smoothing: bool | None = None,
        flip_test: bool = False,
        fov_deg: float = 60.0,
        focal_px: float | None = None,
        checkpoint: str | Path | None = None,
        weights_folder: Path | None = None,
        runner: Runner | None = None,
        detector: PersonDetector | None = None,
        model: PoseModel | None = None,
        min_track_confidence: float = 0.3,
        max_missed_detections: int = 3,
    ) -> None:
        if detect_every < 1:
            raise ValueError(f"detect_every must be at least 1, got {detect_every}")
        if max_people < 1:
            raise ValueError(f"max_people must be at least 1, got {max_people}")
        if not 1.0 <= fov_deg <= 179.0:
            raise ValueError(f"fov_deg must be between 1 and 179 degrees, got {fov_deg}")
        if focal_px is not None and not focal_px > 0:
            raise ValueError(f"focal_px must be a positive number of pixels, got {focal_px}")
        self.model: PoseModel = model or self._build_model(
            variant, backend, device, precision, flip_test, checkpoint, weights_folder, runner
        )
        self.variant, self.trained = self.model.variant, self.model.trained
        self.backend, self.device, self.precision = self.model.backend, self.model.device, self.model.precision
        self.detect_every = 1 if static_image_mode or self.model.needs_detection_every_frame else detect_every
        self.max_people = max_people
        self.static_image_mode = static_image_mode
        self.smoothing = (not static_image_mode) if smoothing is None else smoothing
        self.fov_deg, self.focal_px = fov_deg, focal_px
        self.flip_test = bool(getattr(self.model, "flip_test", False))
        self.min_track_confidence = min_track_confidence
        self.max_missed_detections = max_missed_detections
        self.detector = detector or create_detector()
        # Unsure tracks are confirmed in their regions by BlazePose's landmark model when the detector is the
        # bundled one (it runs that model anyway); with another detector, by a detection pass. A ConvNeXtPose
        # track is confirmed as surely as a new person is found: at MediaPipe's 0.5, the model saw a person for
        # 3 frames on the empty floor where one had just left (pose.measure.tracking_eval, XS colour: 0.04
        # false people a frame at 0.5, none at 0.75, recall 0.97 either way).
        self._confirmer: PoseModel | None = None
        if detector is None and isinstance(self.detector, BlazePoseMultiPersonDetector):
            self._confirmer = (
                self.model
                if isinstance(self.model, BlazePoseModel)
                else BlazePoseModel(BlazePoseLandmarker(min_presence=self.detector.min_presence))
            )
        self._forget()

    @staticmethod
    def _build_model(variant, backend, device, precision, flip_test, checkpoint, weights_folder, runner) -> PoseModel:
        if runner is None and str(variant).lower() == BLAZEPOSE.lower():
            return BlazePoseModel(landmarker=BlazePoseLandmarker())
        if runner is None:
            runner = load_runner(
                get_variant(variant).name,
                backend,
                device,
                precision,
                checkpoint=checkpoint,
                weights_folder=weights_folder,
            )
        return ConvNeXtPoseModel(runner, flip_test=flip_test)

    @property
    def runner(self) -> Runner | None:
        """The ConvNeXtPose runner, or None for BlazePose."""
        return getattr(self.model, "runner", None)

    # --- public --------------------------------------------------------------------------------

    def process(self, frame_bgr: np.ndarray, timestamp_s: float | None = None) -> PoseResult:
        """Estimate the poses in one frame: every person's crop in one inference call.

        Args:
            frame_bgr: (H, W, 3) uint8 BGR image.
            timestamp_s: the frame's time, for smoothing; defaults to now.

        Raises:
            ValueError: for a frame of the wrong type, shape or dtype.
        """
        return self.process_batch([frame_bgr], None if timestamp_s is None else [timestamp_s])[0]

    def process_batch(
        self, frames_bgr: Sequence[np.ndarray], timestamps_s: Sequence[float] | None = None
    ) -> list[PoseResult]:
        """Estimate the poses in consecutive frames, the crops of all of them in one inference call.

        Within a batch, boxes come from the detector or stay where the people were
        (keypoints steer the boxes from one batch to the next).

        Raises:
            ValueError: for a frame of the wrong type, shape or dtype.
        """
        for frame in frames_bgr:
            check_image(frame)
        if timestamps_s is None:
            timestamps_s = [time.monotonic()] * len(frames_bgr)
        plans = self._plan(frames_bgr)
        requests = [
            PoseRequest(frame, box, self._focal(frame), detection)
            for frame, plan in zip(frames_bgr, plans)
            for box, detection in zip(plan.boxes, plan.detections)
        ]
        model_ms = dict.fromkeys(MODEL_STAGES, 0.0)
        estimates = self.model.estimate(requests, model_ms) if requests else []
        per_crop_ms = {stage: ms / max(len(requests), 1) for stage, ms in model_ms.items()}
        results, start = [], 0
        for frame, plan, t_s in zip(frames_bgr, plans, timestamps_s):
            count = len(plan.boxes)
            people = self._update(plan, estimates[start : start + count], t_s, frame.shape[1::-1])
            start += count
            timings = {"detect": plan.detect_ms, **{s: ms * count for s, ms in per_crop_ms.items()}}
            timings["total"] = sum(timings.values())
            results.append(
                PoseResult(
                    people,
                    MappingProxyType(timings),
                    self.trained,
                    self.variant,
                    self.backend,
                    self.device,
                    plan.detected,
                    tuple(frame.shape[1::-1]),
                )
            )
        return results

    def reset(self) -> None:
        """Forget every track, the detector's state and the smoothing (a new, unrelated sequence follows)."""
        self.detector.reset()
        self._forget()

    def close(self) -> None:
        """Release the detector and the model (a shared runner stays)."""
        self.detector.close()
        self.model.close()
        if self._confirmer is not None and self._confirmer is not self.model:
            self._confirmer.close()

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"PoseEstimator({self.variant}, backend={self.backend}, device={self.device}, "
            f"precision={self.precision}, trained={self.trained}, max_people={self.max_people})"
        )

    def _focal(self, frame: np.ndarray) -> tuple[float, float]:
        """(fx, fy) in pixels for this frame: ``focal_px``, else from ``fov_deg`` and the frame's width."""
        if self.focal_px is not None:
            return float(self.focal_px), float(self.focal_px)
        return focal_from_fov(frame.shape[1::-1], self.fov_deg)

    # --- detection and tracking ------------------------------------------------------------------

    def _forget(self) -> None:
        self._tracks: list[_Track] = []
        self._ids = itertools.count(1)
        self._frames_since_detection = 0
        self._confirm = False  # a track was unsure: detect on the next frame

    def _plan(self, frames: Sequence[np.ndarray]) -> list[_FramePlan]:
        """Decide, frame by frame, whether to detect, and which boxes to estimate."""
        plans = []
        boxes = [t.bbox_xywh for t in self._tracks]
        regions = [t.next_detection for t in self._tracks]
        sure = [t.confident for t in self._tracks]
        shown = [t.shown for t in self._tracks]
        # A track may be looked at where it is on a detection frame that misses it: when its skeleton is
        # sure, or once in a row (bridging one missed detection; a person who left shows one frame more).
        lookable = [t.confident or t.missed == 0 for t in self._tracks]
        confirm = self._confirm
        for frame in frames:
            due = not boxes or self._frames_since_detection >= self.detect_every
            due = due or (confirm and self._confirmer is None)
            if not due:
                self._frames_since_detection += 1
                found, detect_ms = [False] * len(boxes), 0.0
                if self._confirmer is not None and not all(sure):
                    t0 = time.perf_counter()
                    boxes, regions, found, sure = self._confirm_unsure(frame, boxes, regions, sure, shown)
                    shown = [True] * len(boxes)
                    detect_ms = (time.perf_counter() - t0) * 1e3
                plans.append(_FramePlan(tuple(boxes), tuple(regions), tuple(found), False, detect_ms))
                continue
            t0 = time.perf_counter()
            detections = self._detect(frame)
            detect_ms = (time.perf_counter() - t0) * 1e3
            found_boxes = np.array([d.bbox_xywh for d in detections]).reshape(-1, 4)
            missed = [
                i
                for i, box in enumerate(boxes)
                if not len(detections) or box_iou(np.array([box]), found_boxes).max() < MIN_IOU
            ]
            if self._confirmer is not None:  # the detector's misses: sure tracks stay, unsure ones are confirmed
                t0 = time.perf_counter()
                kept = self._confirm_unsure(
                    frame,
                    [boxes[i] for i in missed],
                    [regions[i] for i in missed],
                    [sure[i] for i in missed],
                    [shown[i] for i in missed],
                )
                detect_ms += (time.perf_counter() - t0) * 1e3
            else:  # without a confirmer, a track the detector missed is bridged where it was
                bridged = [i for i in missed if lookable[i]]
                kept = ([boxes[i] for i in bridged], [regions[i] for i in bridged], [False] * len(bridged), None)
            plans.append(
                _FramePlan(
                    (*found_boxes, *kept[0]),
                    (*detections, *kept[1]),
                    (True,) * len(detections) + tuple(kept[2]),
                    True,
                    detect_ms,
                )
            )
            boxes, regions = list(found_boxes), list(detections)
            sure = lookable = [False] * len(detections)
            shown = [True] * len(detections)
            self._frames_since_detection = 1
            confirm = True  # how sure these skeletons are is known only after inference: confirm again
        return plans

    def _confirm_unsure(self, frame, boxes, regions, sure, shown):
        """Look for each unsure track's person in its region with the confirming landmark model (MediaPipe-
        style tracking, much cheaper than a detection pass); the ones not there are left out of the frame.

        A hidden track (not ``shown``: its person was not there) is left out too; the detector looks for them
        on the next frame (:meth:`_update`). Looked for in its old region frame after frame, a hidden track
        came back on an empty floor (pose flag 0.84 for a face at the frame's bottom edge, on
        pose.measure.tracking_eval's grey clip).
        """
        unsure = [i for i, ok in enumerate(sure) if not ok and shown[i]]
        gone = {i for i, ok in enumerate(sure) if not ok and not shown[i]}
        focal = self._focal(frame)
        requests = []
        for i in unsure:
            region = regions[i]
            keypoints = region.keypoints_px if region is not None else None
            requests.append(PoseRequest(frame, boxes[i], focal, Detection(boxes[i], 1.0, keypoints_px=keypoints)))
        answers = dict(zip(unsure, self._confirmer.estimate(requests, {})))
        kept_boxes, kept_regions, found, kept_sure = [], [], [], []
        for i, (box, region) in enumerate(zip(boxes, regions)):
            if i in gone:
                continue
            if i in answers:
                est = answers[i]
                if est is None or est.next_detection is None:  # the landmark model saw nobody there
                    continue
                box, region = est.next_detection.bbox_xywh, est.next_detection
            kept_boxes.append(box)
            kept_regions.append(region)
            found.append(i in answers)
            kept_sure.append(sure[i])
        return kept_boxes, kept_regions, found, kept_sure

    def _detect(self, frame: np.ndarray) -> list[Detection]:
        """The people in ``frame``, largest first, at most ``max_people``."""
        detections = sorted(self.detector.detect(frame), key=lambda d: -float(d.bbox_xywh[2] * d.bbox_xywh[3]))
        return detections[: self.max_people]

    def _update(
        self, plan: _FramePlan, estimates: Sequence[PoseEstimate | None], t_s: float, image_size: tuple[int, int]
    ) -> tuple[Person, ...]:
        """Match this frame's skeletons to the tracks; start, steer and end tracks; return the people."""
        if self.static_image_mode:
            self._tracks = []
        # A box the detector did not find this frame counts with a sure skeleton in it, or on a detection
        # frame as a track's one bridged miss (see _plan).
        entries = [
            (box, est, found, region)
            for box, est, found, region in zip(plan.boxes, estimates, plan.found, plan.detections)
            if est is not None and (found or plan.detected or est.presence >= self.min_track_confidence)
        ]
        pairs = assign(
            np.array([t.bbox_xywh for t in self._tracks]).reshape(-1, 4),
            [t.keypoints_2d for t in self._tracks],
            np.array([entry[0] for entry in entries]).reshape(-1, 4),
            [entry[1].keypoints_2d for entry in entries],
        )
        matched_tracks = {i for i, _ in pairs}
        matched_entries = {j for _, j in pairs}
        updates = [(self._tracks[i], *entries[j]) for i, j in pairs]
        survivors = [self._tracks[i] for i, _ in pairs]
        for i, track in enumerate(self._tracks):
            if i in matched_tracks:
                continue
            # Unseen this frame: hidden (never shown unseen, so no ghosts) until the detector finds the person
            # again, which it looks for on the next frame; it ends once the detector has missed it too often.
            if track.shown:
                self._frames_since_detection = self.detect_every
            track.confident = track.shown = False
            track.missed += plan.detected
            if track.missed > self.max_missed_detections:
                log.debug("track %d ended", track.track_id)
                continue
            survivors.append(track)
        if plan.detected:
            for j, (box, est, found, region) in enumerate(entries):
                if found and j not in matched_entries and len(survivors) < self.max_people:
                    track = _Track(next(self._ids), np.asarray(box, dtype=np.float64))
                    survivors.append(track)
                    updates.append((track, box, est, found, region))
        people = [
            self._advance(track, box, est, region, t_s, image_size, missed=plan.detected and not found)
            for track, box, est, found, region in updates
        ]
        people = sorted(people, key=lambda p: p.track_id)
        # Two tracks on one person (a detection beside a track it did not quite overlap, both then
        # following the same body): the older id stays.
        duplicates = set()
        for i, later in enumerate(people):
            for earlier in people[:i]:
                if (
                    earlier.track_id not in duplicates
                    and box_iou(earlier.bbox_xywh, later.bbox_xywh)[0, 0] >= SAME_PERSON_IOU
                ):
                    duplicates.add(later.track_id)
                    break
        self._tracks = sorted((t for t in survivors if t.track_id not in duplicates), key=lambda t: t.track_id)
        self._confirm = any(not t.confident for t in self._tracks)
        return tuple(p for p in people if p.track_id not in duplicates)

    def _advance(
        self, track: _Track, box, est: PoseEstimate, region: Detection | None, t_s: float, image_size, missed: bool
    ) -> Person:
        """Take this frame's skeleton into the track and place its next box (``missed``: the detector ran
        and did not find the person there)."""
        track.missed = track.missed + 1 if missed and est.presence < self.min_track_confidence else 0
        track.shown = True
        track.confident = est.presence >= self.min_track_confidence
        keypoints_2d, keypoints_3d = est.keypoints_2d, est.keypoints_3d
        if self.smoothing:
            keypoints_2d, keypoints_3d = track.filter_2d(keypoints_2d, t_s), track.filter_3d(keypoints_3d, t_s)
        track.keypoints_2d = keypoints_2d
        # Where to look next: the pose model's own region when it has one, else the region this box came from.
        region = est.next_detection or region
        track.next_detection = (
            None if region is None else Detection(region.bbox_xywh, region.score, keypoints_px=region.keypoints_px)
        )
        steered = None
        if track.confident:
            steered = est.next_detection.bbox_xywh if est.next_detection else landmarks_box(keypoints_2d, image_size)
        track.bbox_xywh = steered if steered is not None else np.asarray(box, dtype=np.float64)
        return Person(
            np.asarray(box, dtype=np.float64),
            keypoints_2d,
            keypoints_3d,
            keypoints_3d - keypoints_3d[ROOT],
            np.asarray(est.confidence, dtype=np.float64),
            track.track_id,
        )
