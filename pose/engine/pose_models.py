"""The pose models under :class:`~pose.engine.estimator.PoseEstimator`: people's boxes in, skeletons out.

A pose model knows nothing of detection, tracking, smoothing or timing of the
whole frame (the estimator owns those). Two implement the protocol:
:class:`ConvNeXtPoseModel` (the network, every box of a call in one batch) and
:class:`BlazePoseModel` (MediaPipe's bundled landmark model). :class:`RegionConfirmer`
asks the landmark model whether an unsure track's person is still in its region.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from ..confidence import BLAZEPOSE_CALIBRATION, CONVNEXTPOSE_CALIBRATION, SURE, Calibration, joints_between
from ..crop import expand_bbox
from ..detect import Detection, landmark_skeleton, landmarks_box
from ..geometry import decode_pose, pixel_to_camera, root_depth_from_bbox, root_depth_from_bones, root_from_skeleton
from ..model.topdown import infer_boxes
from ..skeleton import BONE_LENGTHS_MM, ROOT

if TYPE_CHECKING:  # its module loads torch
    from ..model.backends import Runner

__all__ = [
    "PoseRequest",
    "PoseEstimate",
    "PoseModel",
    "ConvNeXtPoseModel",
    "BlazePoseModel",
    "RegionConfirmer",
]

# The bones a skeleton's distance is read from first: the limbs and the spine (200 mm and more). A short bone's
# pixels carry a larger share of error, and the hip, shoulder and head segments are where datasets place their
# joints differently. On realgt's 3D frames (pose.measure.accuracy --camera true): the pelvis depth off by
# 3% and 2% with these, 7% and 11% with every bone; the third person, with too few of them sure, takes every
# sure bone (22%), then the box (37%).
LONG_BONES_MM = {bone: length for bone, length in BONE_LENGTHS_MM.items() if length >= 200.0}


@dataclass(frozen=True)
class PoseRequest:
    """One person to estimate.

    Attributes:
        frame_bgr: (H, W, 3) uint8 frame.
        bbox_xywh: (4,) the person's box in its pixels.
        focal: (fx, fy) of the camera in pixels.
        detection: where the box came from: the detector's or the confirmer's finding on this frame (with
            BlazePose landmarks, which a BlazePose model then reuses), or a track's region (alignment
            keypoints only, which place the landmark model's crop), or None.
    """

    frame_bgr: np.ndarray
    bbox_xywh: np.ndarray
    focal: tuple[float, float]
    detection: Detection | None = None


@dataclass(frozen=True)
class PoseEstimate:
    """One person's skeleton, before tracking and smoothing.

    Attributes:
        keypoints_2d: (18, 2) image pixels.
        keypoints_3d: (18, 3) camera millimetres.
        confidence: (18,) per joint, the chance it is placed right (:mod:`pose.confidence`), in [0, 1].
        presence: how sure the model is that the box holds a person, in [0, 1].
        next_detection: where and how the model would look for this person in the next frame, if it
            knows better than the box around ``keypoints_2d`` (BlazePose: its region from the landmarks,
            as MediaPipe tracks); else None.
    """

    keypoints_2d: np.ndarray
    keypoints_3d: np.ndarray
    confidence: np.ndarray
    presence: float
    next_detection: Detection | None = None


class PoseModel(Protocol):
    """Skeletons for given boxes; every request of a call is one batch where the model allows."""

    variant: str
    backend: str
    device: str
    precision: str
    trained: bool
    needs_detection_every_frame: bool

    def estimate(self, requests: Sequence[PoseRequest], timings_ms: dict[str, float]) -> list[PoseEstimate | None]:
        """One estimate per request (None where the box has no area in its frame); fills ``timings_ms``
        with the milliseconds of :data:`.stages.MODEL_STAGES`."""
        ...

    def close(self) -> None: ...


def _principal_point(frame_bgr: np.ndarray) -> tuple[float, float]:
    height, width = frame_bgr.shape[:2]
    return width / 2.0, height / 2.0


class ConvNeXtPoseModel:
    """ConvNeXtPose through a runner: every box of a call cropped into one batch, one network call.

    The 3D skeleton's distance from the camera comes from its own size where enough of it is sure: the depth
    at which bones of Human3.6M's lengths (the skeleton the network learned) span its 2D joints
    (:func:`pose.geometry.root_depth_from_bones`; its long bones, :data:`LONG_BONES_MM`, where four are sure,
    else every sure bone); else from the box's size (RootNet's prior, as the reference).

    Args:
        runner: from :func:`pose.load_runner` (may be shared; runners are thread-safe).
        flip_test: average with the mirrored crops (twice the inference).
        calibration: the network's joint score -> the chance the joint is placed right (then the joints inside
            the trunk raised to their segment's ends: :func:`pose.confidence.joints_between`); None keeps the raw
            score.
    """

    needs_detection_every_frame = False
    default_calibration = CONVNEXTPOSE_CALIBRATION

    def __init__(
        self, runner: Runner, *, flip_test: bool = False, calibration: Calibration | None = CONVNEXTPOSE_CALIBRATION
    ) -> None:
        self.runner, self.flip_test, self.calibration = runner, flip_test, calibration
        self.variant = runner.variant.name
        self.backend, self.device, self.precision = runner.backend, runner.device, runner.precision
        self.trained = runner.trained

    def estimate(self, requests: Sequence[PoseRequest], timings_ms: dict[str, float]) -> list[PoseEstimate | None]:
        variant = self.runner.variant
        items = [(r.frame_bgr, r.bbox_xywh) for r in requests]
        outputs = infer_boxes(self.runner, variant, items, flip_test=self.flip_test, timings_ms=timings_ms)
        t0 = time.perf_counter()
        estimates: list[PoseEstimate | None] = []
        for request, out in zip(requests, outputs):
            if out is None:
                estimates.append(None)
                continue
            own = confidence = out.confidence
            if self.calibration is not None:
                own = self.calibration(out.confidence)
                confidence = joints_between(own)
            box_depth = root_depth_from_bbox(out.bbox_xywh, request.focal)
            principal = _principal_point(request.frame_bgr)
            keypoints_2d, keypoints_3d = decode_pose(
                out.coords_hm, out.transform, variant, box_depth, request.focal, principal
            )
            if self.runner.trained:  # untrained weights' bones have no length to go by
                # bones measured between joints sure by their own score: a joint sure as its segment's ends are
                # is drawn but not measured (with the torso, realgt's 3DHP pelvis depth error went from 3% to 11%)
                depth_rel, sure = keypoints_3d[:, 2] - box_depth, own >= SURE
                depth = root_depth_from_bones(keypoints_2d, depth_rel, request.focal, LONG_BONES_MM, sure)
                if depth is None:
                    depth = root_depth_from_bones(keypoints_2d, depth_rel, request.focal, BONE_LENGTHS_MM, sure)
                if depth is not None:
                    keypoints_2d, keypoints_3d = decode_pose(
                        out.coords_hm, out.transform, variant, depth, request.focal, principal
                    )
            # how sure it is of a person, which the tracker goes by: its own evidence (a joint raised to its
            # segment's ends adds none, and with them a skeleton laid across two people passed for one more)
            estimates.append(PoseEstimate(keypoints_2d, keypoints_3d, confidence, float(own.mean())))
        timings_ms["decode"] = (time.perf_counter() - t0) * 1e3
        return estimates

    def close(self) -> None:
        """The runner may be shared: it stays."""


def _next_region(
    landmarks_px: np.ndarray, presence: float, image_size: tuple[int, int], roi_px: np.ndarray | None = None
) -> Detection | None:
    """MediaPipe-style tracking: the next frame's box around the landmarks, and its region given as the two
    alignment keypoints the landmark model's region is made from (:func:`pose.detect.ssd.body_roi`).

    The keypoints are the model's own (``roi_px``: its auxiliary landmarks, as MediaPipe tracks) where they
    are known; else centred on the mid-hip, turned along the body (hips to shoulders) and reaching the
    farthest landmark. Measured on a generated clip through H.264 at 160x128 (tests/test_batch.py's): the
    farthest-landmark region shrank with the skeleton frame by frame (box height 89 -> 23 px in 5 frames)
    onto the head, and the next detection started a second id for the same person; the auxiliary
    landmarks keep the whole body.
    """
    box = landmarks_box(landmarks_px, image_size)
    if box is None:
        return None
    if roi_px is not None:
        return Detection(box, presence, keypoints_px=np.asarray(roi_px, dtype=np.float64))
    hips = landmarks_px[[landmark_skeleton.LANDMARK_NAMES.index(n) for n in ("left_hip", "right_hip")]].mean(axis=0)
    shoulders = landmarks_px[[landmark_skeleton.LANDMARK_NAMES.index(n) for n in ("left_shoulder", "right_shoulder")]]
    up = shoulders.mean(axis=0) - hips
    up /= max(float(np.hypot(*up)), 1e-6)
    reach = float(np.linalg.norm(landmarks_px - hips, axis=1).max())
    return Detection(box, presence, keypoints_px=np.stack([hips, hips + up * reach]))


class BlazePoseModel:
    """MediaPipe BlazePose's landmarks on the 18-joint skeleton, its world landmarks placed in the camera.

    The 3D skeleton is BlazePose's own (hip-centred, metric); its root goes where that skeleton projects
    onto the 2D landmarks (:func:`pose.geometry.root_from_skeleton`), or, where that fit fails, where the 2D
    pelvis back-projects at the depth the box's size implies (RootNet's prior, as for ConvNeXtPose).

    Args:
        landmarker: finds 33 landmarks in a request's box (between detections, MediaPipe-style tracking);
            without one, only the landmarks a detector brings are used, so it must detect every frame.
        calibration: a landmark's visibility -> the chance the joint is placed right; None keeps the visibility.
    """

    variant = "BlazePose"
    # MediaPipe's models, read from its wheel and run by OpenVINO (pose.detect.mediapipe_models).
    backend, device, precision, trained = "openvino", "cpu", "fp32", True

    default_calibration = BLAZEPOSE_CALIBRATION

    def __init__(self, landmarker=None, calibration: Calibration | None = BLAZEPOSE_CALIBRATION) -> None:
        self.landmarker, self.calibration = landmarker, calibration
        self.needs_detection_every_frame = landmarker is None

    def _landmarks(self, requests: Sequence[PoseRequest]):
        """Per request: the landmarks its detection brought (and the region they were found in, where the next
        frame looks), else the landmarker's on its box (and the region its own auxiliary landmarks place)."""
        found = [
            (d.landmarks_px, d.visibility, d.world_mm, d.score, None if d.keypoints_px is None else d.keypoints_px[:2])
            if (d := r.detection) is not None and d.world_mm is not None
            else None
            for r in requests
        ]
        missing = [i for i, f in enumerate(found) if f is None]
        if missing and self.landmarker is not None:
            for i, seen in zip(missing, self.landmarker([requests[i] for i in missing])):
                if seen is not None:
                    found[i] = (
                        seen.landmarks_px,
                        seen.visibility,
                        seen.world_mm,
                        seen.presence,
                        seen.region_keypoints_px,
                    )
        return found

    def estimate(self, requests: Sequence[PoseRequest], timings_ms: dict[str, float]) -> list[PoseEstimate | None]:
        t0 = time.perf_counter()
        found = self._landmarks(requests)
        t1 = time.perf_counter()
        estimates: list[PoseEstimate | None] = []
        for request, landmarks in zip(requests, found):
            if landmarks is None:
                estimates.append(None)
                continue
            landmarks_px, visibility, world_mm, presence, roi_px = landmarks
            keypoints_2d, confidence = landmark_skeleton.to_skeleton(landmarks_px, visibility)
            if self.calibration is not None:
                confidence = self.calibration(confidence)
            world_joints_mm, _ = landmark_skeleton.to_skeleton(world_mm)
            height, width = request.frame_bgr.shape[:2]
            processed = expand_bbox(request.bbox_xywh, (width, height))
            if processed is None:
                estimates.append(None)
                continue
            principal = _principal_point(request.frame_bgr)
            rel_mm = world_joints_mm - world_joints_mm[ROOT]
            # The root where the metric skeleton projects onto its landmarks: the median pelvis depth error on
            # realgt's 3D frames with their true focal length is 9% (the box-size prior's: 20%).
            root_cam = root_from_skeleton(keypoints_2d, rel_mm, request.focal, principal, confidence)
            if root_cam is None:
                root_depth = root_depth_from_bbox(processed, request.focal)
                root_cam = pixel_to_camera(keypoints_2d[ROOT], root_depth, request.focal, principal)
            keypoints_3d = rel_mm + root_cam
            next_look = _next_region(
                np.asarray(landmarks_px, dtype=np.float64), float(presence), (width, height), roi_px
            )
            estimates.append(PoseEstimate(keypoints_2d, keypoints_3d, confidence, float(presence), next_look))
        timings_ms.update(crop=0.0, infer=(t1 - t0) * 1e3, decode=(time.perf_counter() - t1) * 1e3)
        return estimates

    def close(self) -> None:
        if self.landmarker is not None and hasattr(self.landmarker, "close"):
            self.landmarker.close()


class RegionConfirmer:
    """Whether each unsure track's person is still in its region: BlazePose's landmark model looks there
    (MediaPipe-style tracking, much cheaper than a detection pass).

    Each finding carries the landmarks it saw, so a BlazePose pose model reuses them on the same frame (the
    landmark model runs once per person per frame), and the box and region where to look next.

    Args:
        landmarker: a :class:`~pose.detect.landmarks.BlazePoseLandmarker`; its ``min_presence`` is the pose
            flag a person must reach to stay.
    """

    def __init__(self, landmarker) -> None:
        self.landmarker = landmarker

    def __call__(self, frame_bgr: np.ndarray, regions: Sequence[Detection]) -> list[Detection | None]:
        """Per region, the person found there (a :class:`Detection` with landmarks), or None."""
        height, width = frame_bgr.shape[:2]
        found = []
        for seen in self.landmarker.landmarks(frame_bgr, regions):
            nxt = (
                None
                if seen is None
                else _next_region(seen.landmarks_px, seen.presence, (width, height), seen.region_keypoints_px)
            )
            found.append(
                None
                if nxt is None
                else Detection(
                    nxt.bbox_xywh, seen.presence, seen.landmarks_px, seen.visibility, seen.world_mm, nxt.keypoints_px
                )
            )
        return found

    def close(self) -> None:
        self.landmarker.close()
