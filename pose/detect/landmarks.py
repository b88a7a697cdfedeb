"""BlazePose's 33 landmarks for every detected person: MediaPipe's bundled landmark model run by OpenVINO.

Each person's region is the detector's rotated square (:func:`pose.detect.ssd.body_roi`), cropped upright to
the model's 256x256 input as MediaPipe's ``pose_landmark_by_roi_cpu`` graph does; the outputs are
decoded as its ``pose_landmark_by_roi_post_processing`` graph does (sigmoid visibility, landmarks
projected back through the crop, world landmarks turned by the region's rotation), except that the
heatmap refinement of the 2D landmarks is left out.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np

from ..identity import RULES, one_each
from . import ssd
from .base import Detection, landmarks_box
from .detections import Detections
from .mediapipe_models import POSE_LANDMARK_FULL, ThreadRequests

if TYPE_CHECKING:
    from .tiles import TiledDetector

__all__ = ["PoseLandmarks", "BlazePoseLandmarker", "BlazePoseMultiPersonDetector", "NUM_LANDMARKS"]

log = logging.getLogger(__name__)

INPUT_SIZE = 256
NUM_LANDMARKS = 33  # the model gives 39: the 33 pose landmarks, then 6 auxiliary ones (ROI tracking)
MODEL_LANDMARKS = 39
LANDMARK_OUTPUT, FLAG_OUTPUT, WORLD_OUTPUT = "Identity", "Identity_1", "Identity_4"
# A box without alignment keypoints (another detector's) is grown by this to a square region: the region
# MediaPipe itself places is 2 x 1.25 = 2.5 hip-to-scale-point distances wide (``body_roi``), and a person's box
# spans 2 x 0.85 = 1.7 of them along the body (``pose.detect.blazepose.BODY_EXTENT``), so 2.5 / 1.7 = 1.47 of the
# box's long side. On realgt's 41 clear people with YOLOX-nano's boxes (docs/accuracy.md), with the second run
# (:meth:`BlazePoseLandmarker.find`): 24 people at 1.25, 28 at 1.0, 29 at 1.5, 28 at 1.75 and 2.0.
BOX_ROI_SCALE = 1.5
# A new person's pose flag must reach this (MediaPipe's is 0.5). Measured: footballer.jpg's legs, seen alone in
# a tile, gave a skeleton at 0.54; the people of the photos 0.93-1.0, and the scenes' recall was unchanged
# at 0.75. The estimator confirms unsure tracks at this flag too.
NEW_PERSON_PRESENCE = 0.75


@dataclass(frozen=True)
class PoseLandmarks:
    """One person's BlazePose landmarks.

    Attributes:
        landmarks_px: (33, 2) image pixels.
        visibility: (33,) in [0, 1] (sigmoid of the model's visibility logit).
        world_mm: (33, 3) metric 3D landmarks, millimetres, origin between the hips.
        presence: the model's pose flag in [0, 1]: how sure it is that the region holds a person.
        roi: (centre (2,) px, side px, rotation rad) of the region the model saw.
        region_keypoints_px: (2, 2) the model's two auxiliary landmarks in pixels (mid-hip, full-body scale
            point), from which MediaPipe's tracking places the person's next region (``pose_landmarks_to_roi``);
            they are a detection's alignment keypoints 0 and 1 (:func:`region_of`).
    """

    landmarks_px: np.ndarray
    visibility: np.ndarray
    world_mm: np.ndarray
    presence: float
    roi: tuple[np.ndarray, float, float]
    region_keypoints_px: np.ndarray | None = None

    def box(self, image_size: tuple[int, int]) -> np.ndarray | None:
        """The person's box (x, y, w, h) around all 33 landmarks, clipped to the image.

        All, not only the visible ones: the model places hidden and out-of-frame landmarks where the body
        would be, so a person cut by the frame gets a box down to the frame's edge, as a person's box should
        (on the scenes' head-and-shoulders people, visible-only boxes overlapped the truth at IoU 0.40-0.49).
        """
        return landmarks_box(self.landmarks_px, image_size)


def region_of(detection: Detection) -> tuple[np.ndarray, float, float]:
    """The landmark model's region for a detection: from its alignment keypoints when it has them
    (MediaPipe's PoseDetectionToRoi), else a square around its box, upright."""
    if detection.keypoints_px is not None:
        return ssd.body_roi(detection.keypoints_px[0], detection.keypoints_px[1])
    x, y, w, h = np.asarray(detection.bbox_xywh, dtype=np.float64)
    return np.array([x + w / 2, y + h / 2]), max(w, h) * BOX_ROI_SCALE, 0.0


def _crop(frame_rgb: np.ndarray, roi) -> tuple[np.ndarray, np.ndarray]:
    """The region cropped upright to (256, 256, 3) float32 in [0, 1], and the (2, 3) affine crop -> image."""
    corners = ssd.roi_corners(*roi)
    target = np.float32([[0, 0], [INPUT_SIZE, 0], [INPUT_SIZE, INPUT_SIZE]])
    to_crop = cv2.getAffineTransform(corners[:3].astype(np.float32), target)
    crop = cv2.warpAffine(
        frame_rgb, to_crop, (INPUT_SIZE, INPUT_SIZE), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    return crop.astype(np.float32) / 255.0, cv2.invertAffineTransform(to_crop)


class BlazePoseLandmarker:
    """33 landmarks, visibilities, world landmarks and a presence flag for every detected person.

    Args:
        min_presence: people whose pose flag is below this come back as None (MediaPipe's 0.5).
        threads: threads per inference (None: OpenVINO's choice, every core).

    Raises:
        FileNotFoundError: mediapipe's wheel lacks the model.
    """

    def __init__(self, min_presence: float = 0.5, threads: int | None = None) -> None:
        self.min_presence = min_presence
        self._requests = ThreadRequests(POSE_LANDMARK_FULL, threads=threads)

    def landmarks(
        self, frame_bgr: np.ndarray, detections: Sequence[Detection], min_presence: float | None = None
    ) -> list[PoseLandmarks | None]:
        """One :class:`PoseLandmarks` per detection (None where the model finds no person in its region).

        Args:
            frame_bgr: (H, W, 3) uint8.
            detections: people in it, from any :class:`~pose.detect.PersonDetector`.
            min_presence: the pose flag a person must reach (None: ``self.min_presence``).
        """
        min_presence = self.min_presence if min_presence is None else min_presence
        if not detections:
            return []
        frame_rgb = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2RGB)
        request = self._requests.get()
        found: list[PoseLandmarks | None] = []
        for detection in detections:
            roi = region_of(detection)
            if roi[1] < 2:
                found.append(None)
                continue
            crop, to_image = _crop(frame_rgb, roi)
            request.infer({0: crop[None]})
            outputs = {o.get_any_name(): request.get_tensor(o).data for o in self._requests.compiled.outputs}
            found.append(self._decode(outputs, roi, to_image, min_presence))
        return found

    def _decode(self, outputs, roi, to_image, min_presence: float) -> PoseLandmarks | None:
        presence = float(np.asarray(outputs[FLAG_OUTPUT]).reshape(-1)[0])
        if presence < min_presence:
            return None
        raw = np.asarray(outputs[LANDMARK_OUTPUT], dtype=np.float64).reshape(MODEL_LANDMARKS, 5)
        points = np.c_[raw[:, :2], np.ones(MODEL_LANDMARKS)] @ to_image.T
        region_keypoints = points[NUM_LANDMARKS : NUM_LANDMARKS + 2]
        points, raw = points[:NUM_LANDMARKS], raw[:NUM_LANDMARKS]
        visibility = 1.0 / (1.0 + np.exp(-raw[:, 3]))
        world = np.asarray(outputs[WORLD_OUTPUT], dtype=np.float64).reshape(MODEL_LANDMARKS, 3)[:NUM_LANDMARKS]
        c, s = np.cos(roi[2]), np.sin(roi[2])
        world_xy = world[:, :2] @ np.array([[c, -s], [s, c]]).T
        world_mm = np.c_[world_xy, world[:, 2]] * 1000.0
        return PoseLandmarks(points, visibility, world_mm, presence, roi, region_keypoints)

    def find(self, frame_bgr: np.ndarray, detection: Detection) -> PoseLandmarks | None:
        """The person in ``detection``'s region, or None.

        A box without alignment keypoints (another detector's, or a track's without a region) is looked at
        twice, as MediaPipe's tracking looks at a person: first in a square around the box
        (:data:`BOX_ROI_SCALE`), then in the region the first answer's auxiliary landmarks place, hips at its
        centre and turned along the body, which holds a seated, bent or cut person better than the box's
        centre does. The second answer stays where it finds a person, else the first. The pose flag must
        reach ``min_presence`` on the answer kept: on realgt's 41 clear people with YOLOX-nano's boxes, the
        first run alone found 27, both 29, with 5 and 4 false people.
        """
        if detection.keypoints_px is not None:
            return self.landmarks(frame_bgr, [detection])[0]
        (first,) = self.landmarks(frame_bgr, [detection], min_presence=0.0)
        if first is None:  # a region too small to crop
            return None
        region = Detection(detection.bbox_xywh, detection.score, keypoints_px=first.region_keypoints_px)
        (second,) = self.landmarks(frame_bgr, [region])
        if second is not None:
            return second
        return first if first.presence >= self.min_presence else None

    def __call__(self, requests: Sequence) -> list[PoseLandmarks | None]:
        """The landmarker protocol of :class:`pose.engine.pose_models.BlazePoseModel`: per request
        (``frame_bgr``, ``bbox_xywh``, ``detection``), the person's :class:`PoseLandmarks`, or None
        (:meth:`find`; a request without a detection is looked for from its box).
        """
        answers = []
        for request in requests:
            detection = request.detection or Detection(np.asarray(request.bbox_xywh, dtype=np.float64), 1.0)
            answers.append(self.find(request.frame_bgr, detection))
        return answers

    def close(self) -> None:
        """The compiled model is shared (cached); the thread's request goes with this object."""
        self._requests.release()


class BlazePoseMultiPersonDetector:
    """Every person with BlazePose landmarks: the bundled SSD's people, each confirmed and boxed by the landmark model.

    MediaPipe's pose solution for everybody, not its one best person: each
    :class:`~pose.detect.Detection` carries ``landmarks_px``, ``visibility`` and ``world_mm``, its box is
    the seen landmarks' (tighter than the detector's guess from two keypoints), its score the pose flag;
    people whose region the landmark model rejects (flag below ``min_presence``) are dropped.

    Args:
        detector: the bundled SSD that finds the people, on the frame and its tiles
            (:func:`~pose.detect.blazepose.blazepose_detector`, default: with its default tiles); its views, with
            their alignment keypoints, place the landmark model's regions. Another detector's boxes are confirmed
            by :class:`pose.detect.confirmed.ConfirmedDetector`.
        landmarker: default :class:`BlazePoseLandmarker`.
        min_presence: a new person's pose flag must reach this (:data:`NEW_PERSON_PRESENCE`).
        refine: run the landmark model a second time, on the region its first answer places (its two
            auxiliary landmarks, as MediaPipe's tracking places the next frame's region), and keep the second
            answer where it finds a person. A view whose face box sits off the body (a tile cut through it, a
            person bent over or turned away) gives a first region that holds the person badly; the second is
            placed on the whole body. Measured on realgt (27 annotated photos, 41 clear people, box IoU 0.5):
            24 people found without, 26 with; 10 false people without, 7 with, 3 and 1 of them part boxes.
            One more landmark run per distinct person (a person seen by several regions is refined once):
            detection took 1.08 times as long per 640x360 frame of 3-person scenes (median ratio).
        same_person_iou: two skeletons whose boxes overlap at least this are one person (a detector's
            duplicate from a tile and the whole frame), and so are a person and a part of them, and two skeletons
            whose heads coincide (:func:`pose.identity.same_person`); the detector's better view stays.
        threads: threads per inference of the default detector and landmarker (None: OpenVINO's choice).
    """

    def __init__(
        self,
        detector: TiledDetector | None = None,
        landmarker: BlazePoseLandmarker | None = None,
        same_person_iou: float = RULES.view_overlap,
        min_presence: float = NEW_PERSON_PRESENCE,
        refine: bool = True,
        threads: int | None = None,
    ) -> None:
        from .blazepose import blazepose_detector

        self.same_person_iou = same_person_iou
        self.min_presence = min_presence
        self.refine = refine
        self.detector = detector or blazepose_detector(threads=threads)
        self.landmarker = landmarker or BlazePoseLandmarker(threads=threads)

    def detect(self, frame_bgr: np.ndarray) -> Detections:
        """Every person in ``frame_bgr`` (H, W, 3) uint8 with landmarks, largest first.

        Where two skeletons are one person, the detector's better view stays: its
        :meth:`~pose.detect.tiles.TiledDetector.views` lists whole views before cut ones (on footballer.jpg
        flipped, a view cut at the knees had a higher pose flag, 0.9995 against 0.9987, and a box a third smaller).
        """
        height, width = frame_bgr.shape[:2]
        detections = list(self.detector.views(frame_bgr))
        answers = self.landmarker.landmarks(frame_bgr, detections)
        boxed = list(answers)  # per view: the answer that boxes and flags its person
        if self.refine:
            again = self._distinct(answers, (width, height))
            regions = [
                Detection(detections[i].bbox_xywh, detections[i].score, keypoints_px=answers[i].region_keypoints_px)
                for i in again
            ]
            for i, region, found in zip(again, regions, self.landmarker.landmarks(frame_bgr, regions)):
                if found is not None:
                    detections[i], boxed[i] = region, found
        people = []
        for detection, found, seen in zip(detections, boxed, answers):
            box = found.box((width, height)) if found is not None and found.presence >= self.min_presence else None
            if box is not None:
                # The refined run boxes and flags the person; the pose is the first run's, which matched the
                # photos' mirror images better (footballer.jpg and its mirror image score 85 with the first
                # run's landmarks, 74 with the refined run's: tests/test_coach.py).
                pose = seen if seen is not None else found
                people.append(
                    Detection(
                        box, found.presence, pose.landmarks_px, pose.visibility, pose.world_mm, detection.keypoints_px
                    )
                )
        return Detections.from_list(_one_per_person(people, self.same_person_iou))

    def _distinct(self, answers: list[PoseLandmarks | None], image_size: tuple[int, int]) -> list[int]:
        """The answers worth a second run: those with a person, less those that are another answer's person
        (:func:`_one_each`), which the final merge would drop (each person is seen by 2-3 regions)."""
        boxed = [(i, found, found.box(image_size)) for i, found in enumerate(answers) if found is not None]
        boxed = [(i, Detection(box, found.presence, found.landmarks_px)) for i, found, box in boxed if box is not None]
        return [boxed[k][0] for k in _one_each([person for _, person in boxed], self.same_person_iou)]

    def reset(self) -> None:
        self.detector.reset()

    def close(self) -> None:
        self.detector.close()
        self.landmarker.close()


def _one_each(people: Sequence[Detection], overlap: float) -> list[int]:
    """Indices of one skeleton per person, in order (:func:`pose.identity.one_each`, heads compared)."""
    return one_each([d.bbox_xywh for d in people], overlap, [d.landmarks_px for d in people])


def _one_per_person(people: list[Detection], overlap: float) -> list[Detection]:
    """One skeleton per person (:func:`_one_each`), largest first."""
    kept = [people[i] for i in _one_each(people, overlap)]
    kept.sort(key=lambda d: -d.bbox_xywh[2] * d.bbox_xywh[3])
    return kept
