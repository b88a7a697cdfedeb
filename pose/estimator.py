"""PoseEstimator: frames in, people with 2D and 3D skeletons out.

One object, one method, in the spirit of MediaPipe's ``Pose.process``::

    with PoseEstimator("XS") as estimator:
        result = estimator.process(frame_bgr)
        for person in result.people:
            person.keypoints_2d, person.keypoints_3d

The detector runs at least every ``detect_every`` frames and whenever the
track is lost; in between, the next box comes from the current keypoints
when they are confident, and otherwise stays where the person last was.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import numpy as np

from . import blazepose
from .crop import check_image, crop_image, expand_bbox, normalize_crop
from .detect import Detection, MediaPipePoseDetector, PersonDetector, landmarks_box
from .geometry import decode_pose, focal_from_fov, pixel_to_camera, root_depth_from_bbox
from .model.backends import Runner
from .model.load import load_runner
from .model.topdown import flip_back
from .model.variants import VARIANTS, get_variant
from .skeleton import FLIP_PERMUTATION, ROOT
from .smoothing import OneEuroFilter

__all__ = ["ESTIMATORS", "BLAZEPOSE", "Person", "PoseResult", "PoseEstimator"]

log = logging.getLogger(__name__)

BLAZEPOSE = "BlazePose"
ESTIMATORS: tuple[str, ...] = (*VARIANTS, BLAZEPOSE)
STAGES = ("detect", "crop", "infer", "decode", "total")


@dataclass(frozen=True)
class Person:
    """One person's pose in a frame.

    Attributes:
        bbox_xywh: (4,) the person's box in pixels.
        keypoints_2d: (18, 2) image pixels.
        keypoints_3d: (18, 3) camera millimetres.
        keypoints_rel: (18, 3) millimetres relative to the pelvis.
        confidence: (18,) per joint, in [0, 1].
        track_id: the person's identity, kept across frames while they stay in view.
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
        people: one :class:`Person` per person found.
        timings_ms: milliseconds per stage: detect, crop, infer, decode, total.
        trained: False when the variant ran on untrained (deterministic) weights.
        variant: "XS", "S", "M", "L" or "BlazePose".
        backend: "torch", "onnxruntime", "openvino" or "mediapipe".
        device: "cpu" or "cuda".
        detected: whether the detector ran on this frame.
    """

    people: tuple[Person, ...]
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
        variant: "XS", "S", "M", "L", or "BlazePose" (MediaPipe's own 3D
            landmarks mapped onto the same skeleton; works on a fresh install).
        backend: "auto", "torch", "onnxruntime" or "openvino" (ConvNeXtPose only).
        device: "auto", "cpu" or "cuda".
        precision: "fp32", "bf16" or "fp16" (CUDA).
        detect_every: run the detector at least every N frames.
        static_image_mode: treat each frame as an unrelated image: detect on
            every frame, no tracking, no smoothing.
        smoothing: One-Euro filtering of the keypoints; default on for video,
            off for single images.
        flip_test: average with the mirrored crop (twice the inference).
        fov_deg: the camera's horizontal field of view, for the focal length.
        checkpoint: a checkpoint file; by default looked up in ``weights_folder``.
        weights_folder: where checkpoints are looked up (default ``models/``).
        runner: a ready runner from :func:`load_runner` (shared between estimators).
        detector: another :class:`~pose.detect.PersonDetector`.
        min_track_confidence: mean joint confidence above which the keypoints
            place the next box.

    Raises:
        ValueError: for an unknown variant, backend, device or precision.
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
        static_image_mode: bool = False,
        smoothing: bool | None = None,
        flip_test: bool = False,
        fov_deg: float = 60.0,
        checkpoint: str | Path | None = None,
        weights_folder: Path | None = None,
        runner: Runner | None = None,
        detector: PersonDetector | None = None,
        min_track_confidence: float = 0.3,
    ) -> None:
        if detect_every < 1:
            raise ValueError(f"detect_every must be at least 1, got {detect_every}")
        if not 1.0 <= fov_deg <= 179.0:
            raise ValueError(f"fov_deg must be between 1 and 179 degrees, got {fov_deg}")
        self.is_blazepose = str(variant).lower() == BLAZEPOSE.lower()
        self.variant = BLAZEPOSE if self.is_blazepose else get_variant(runner.variant if runner else variant).name
        self.detect_every = 1 if static_image_mode else detect_every
        self.static_image_mode = static_image_mode
        self.smoothing = (not static_image_mode) if smoothing is None else smoothing
        self.flip_test = flip_test
        self.fov_deg = fov_deg
        self.min_track_confidence = min_track_confidence
        self.detector = detector or MediaPipePoseDetector(static_image_mode=static_image_mode)
        if self.is_blazepose:
            self.runner = None
            self.backend, self.device, self.precision, self.trained = "mediapipe", "cpu", "fp32", True
        else:
            self.runner = runner or load_runner(
                self.variant, backend, device, precision, checkpoint=checkpoint, weights_folder=weights_folder
            )
            self.backend, self.device = self.runner.backend, self.runner.device
            self.precision, self.trained = self.runner.precision, self.runner.trained
        self._filter_2d = OneEuroFilter(min_cutoff=1.0, beta=0.05)
        self._filter_3d = OneEuroFilter(min_cutoff=1.0, beta=0.005)
        self._lose_track()

    # --- public --------------------------------------------------------------------------------

    def process(self, frame_bgr: np.ndarray, timestamp_s: float | None = None) -> PoseResult:
        """Estimate the poses in one frame.

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

        Within a batch, boxes come from the detector or stay where the person
        was (keypoints can only steer the box from one batch to the next).

        Raises:
            ValueError: for a frame of the wrong type, shape or dtype.
        """
        for frame in frames_bgr:
            check_image(frame)
        if timestamps_s is None:
            timestamps_s = [time.monotonic()] * len(frames_bgr)
        if self.is_blazepose:
            return [self._process_blazepose(f, t) for f, t in zip(frames_bgr, timestamps_s)]
        return self._process_convnextpose(frames_bgr, timestamps_s)

    def reset(self) -> None:
        """Forget the track, the detector's state and the smoothing (a new, unrelated sequence follows)."""
        self.detector.reset()
        self._lose_track()

    def close(self) -> None:
        """Release the detector; the runner may be shared and stays."""
        self.detector.close()

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"PoseEstimator({self.variant}, backend={self.backend}, device={self.device}, "
            f"precision={self.precision}, trained={self.trained})"
        )

    # --- ConvNeXtPose ----------------------------------------------------------------------------

    def _process_convnextpose(self, frames, timestamps) -> list[PoseResult]:
        v = VARIANTS[self.variant]
        in_h, in_w = v.input_size
        t_start = time.perf_counter()
        detect_ms, crop_ms = [], []
        jobs = []  # per frame: (detected, track box, processed box, crop transform)
        batch = np.empty((len(frames) * (2 if self.flip_test else 1), 3, in_h, in_w), dtype=np.float32)
        n = 0  # crops in the batch
        for frame in frames:
            t0 = time.perf_counter()
            box, detected = self._track_box(frame)
            t1 = time.perf_counter()
            detect_ms.append((t1 - t0) * 1e3)
            height, width = frame.shape[:2]
            processed = expand_bbox(box, (width, height), in_w / in_h) if box is not None else None
            if processed is None:
                self._lose_track()
                jobs.append((detected, None, None, None))
            else:
                crop, transform = crop_image(frame, processed, (in_w, in_h))
                normalize_crop(crop, out=batch[n])
                n += 1
                jobs.append((detected, box, processed, transform))
            crop_ms.append((time.perf_counter() - t1) * 1e3)
        t2 = time.perf_counter()
        if n:
            if self.flip_test:
                batch[n : 2 * n] = batch[:n, :, :, ::-1]
                coords, confidence = self.runner(batch[: 2 * n])
                coords = (coords[:n] + flip_back(coords[n:], v.heatmap_size[1])) / 2.0
                confidence = (confidence[:n] + confidence[n:][:, FLIP_PERMUTATION]) / 2.0
            else:
                coords, confidence = self.runner(batch[:n])
        infer_ms = (time.perf_counter() - t2) * 1e3 / max(len(frames), 1)

        results, k = [], 0
        for i, ((detected, box, processed, transform), frame, t_s) in enumerate(zip(jobs, frames, timestamps)):
            height, width = frame.shape[:2]
            t3 = time.perf_counter()
            people = ()
            if box is not None:
                person = self._decode(coords[k], confidence[k], box, processed, transform, (width, height), t_s)
                k += 1
                self._steer(person, (width, height))
                people = (person,)
            decode_ms = (time.perf_counter() - t3) * 1e3
            timings = dict(
                detect=detect_ms[i], crop=crop_ms[i], infer=infer_ms if box is not None else 0.0, decode=decode_ms
            )
            timings["total"] = sum(timings.values())
            results.append(self._result(people, timings, detected, (width, height)))
        log.debug("batch of %d frames in %.1f ms", len(frames), (time.perf_counter() - t_start) * 1e3)
        return results

    def _track_box(self, frame) -> tuple[np.ndarray | None, bool]:
        """The box to crop in this frame, and whether the detector ran for it."""
        if self._box is not None and self._frames_since_detection < self.detect_every:
            self._frames_since_detection += 1
            return self._box, False
        detection = self._detect(frame)
        if detection is None:
            self._lose_track()
            return None, True
        self._box = detection.bbox_xywh
        self._frames_since_detection = 1
        return self._box, True

    def _detect(self, frame) -> Detection | None:
        detections = self.detector.detect(frame)
        if not detections and not self.static_image_mode:
            detections = self.detector.detect(frame)  # a tracking detector re-detects on its next call
        return detections[0] if detections else None

    def _steer(self, person: Person, image_size) -> None:
        """Place the next frame's box from confident keypoints; otherwise it stays."""
        if float(person.confidence.mean()) >= self.min_track_confidence:
            box = landmarks_box(person.keypoints_2d, image_size)
            if box is None:
                self._lose_track()
            else:
                self._box = box

    def _lose_track(self) -> None:
        self._box: np.ndarray | None = None
        self._frames_since_detection = 0
        self._filter_2d.reset()
        self._filter_3d.reset()

    def _decode(self, coords, confidence, box, processed, transform, image_size, t_s) -> Person:
        v = VARIANTS[self.variant]
        focal = focal_from_fov(image_size, self.fov_deg)
        principal = (image_size[0] / 2.0, image_size[1] / 2.0)
        root_depth = root_depth_from_bbox(processed, focal)
        keypoints_2d, keypoints_3d = decode_pose(coords, transform, v, root_depth, focal, principal)
        keypoints_2d, keypoints_3d = self._smooth(keypoints_2d, keypoints_3d, t_s)
        return Person(
            np.asarray(box, dtype=np.float64),
            keypoints_2d,
            keypoints_3d,
            keypoints_3d - keypoints_3d[ROOT],
            confidence.astype(np.float64),
        )

    def _smooth(self, keypoints_2d, keypoints_3d, t_s):
        if not self.smoothing:
            return keypoints_2d, keypoints_3d
        return self._filter_2d(keypoints_2d, t_s), self._filter_3d(keypoints_3d, t_s)

    # --- BlazePose -----------------------------------------------------------------------------

    def _process_blazepose(self, frame, t_s) -> PoseResult:
        height, width = frame.shape[:2]
        t0 = time.perf_counter()
        detection = self._detect(frame)
        t1 = time.perf_counter()
        people = ()
        if detection is None or detection.world_mm is None:
            self._lose_track()
        else:
            keypoints_2d, confidence = blazepose.to_skeleton(detection.landmarks_px, detection.visibility)
            world_mm, _ = blazepose.to_skeleton(detection.world_mm)
            keypoints_rel = world_mm - world_mm[ROOT]
            focal = focal_from_fov((width, height), self.fov_deg)
            processed = expand_bbox(detection.bbox_xywh, (width, height))
            root_depth = root_depth_from_bbox(processed, focal)
            root_cam = pixel_to_camera(keypoints_2d[ROOT], root_depth, focal, (width / 2.0, height / 2.0))
            keypoints_2d, keypoints_3d = self._smooth(keypoints_2d, keypoints_rel + root_cam, t_s)
            people = (
                Person(detection.bbox_xywh, keypoints_2d, keypoints_3d, keypoints_3d - keypoints_3d[ROOT], confidence),
            )
        t2 = time.perf_counter()
        timings = dict(detect=0.0, crop=0.0, infer=(t1 - t0) * 1e3, decode=(t2 - t1) * 1e3)
        timings["total"] = sum(timings.values())
        return self._result(people, timings, True, (width, height))

    def _result(self, people, timings, detected, frame_size) -> PoseResult:
        return PoseResult(
            tuple(people),
            MappingProxyType(timings),
            self.trained,
            self.variant,
            self.backend,
            self.device,
            detected,
            frame_size,
        )
