"""How right an estimator's people are on an annotated image: matching, detection, PCK, COCO AP, 3D errors.

The rules, in one place:

- **Matching** (per image, predictions by score, highest first, as COCO does): a prediction's box is its
  18 joints' extent grown by 7% of its larger side each side (as realgt's keypoint boxes), clipped to
  the image. It is a *true* detection when its IoU with a not yet matched clear person is at least
  :data:`MATCH_IOU` (the best such). Otherwise it counts neither way when its IoU with an unclear person
  (a crowd, under 8 joints, under 96 px: :attr:`GroundTruthPerson.clear`) reaches :data:`MATCH_IOU`,
  when at least half its area lies in an ignore region, or when it is a part of an unclear person (next
  rule). Else it is *false*; a false one mostly inside one clear person's box (at least
  :data:`PART_INSIDE` of its area) and covering a small part of it (under :data:`PART_AREA` of that
  box) is a *part box* (a face, a leg taken for a person).
- **A detector alone** (:class:`BoxPrediction`, no joints): its own box is matched by the same rules, for
  recall, precision and part boxes; it has no PCK, AP or 3D figures.
- **PCK@0.2**: a joint is right within 0.2 of the longer side of the person's box (mmpose's ``bbox``
  normalisation), over the labelled joints of :data:`JOINT_MAP` of each matched clear person.
- **COCO keypoint AP**: :mod:`pose.measure.coco_ap`.
- **3D** (people with ``joints_3d_cam_mm``): MPJPE after aligning the pelvis, PA-MPJPE (Procrustes,
  no scale, as the paper's protocol 1) on the 17 Human3.6M joints, and the pelvis depth error.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from ..geometry import box_iou, inside_fraction
from ..skeleton import JOINT_NAMES, ROOT
from .annotations import H36M_JOINTS, KEYPOINT_NAMES, AnnotatedImage
from .metrics import mpjpe, pa_mpjpe

__all__ = [
    "MATCH_IOU",
    "PART_INSIDE",
    "PART_AREA",
    "PCK_ALPHA",
    "BOX_GROWTH",
    "JOINT_MAP",
    "Match",
    "ImageScore",
    "BoxPrediction",
    "has_joints",
    "predicted_box",
    "prediction_box",
    "score_image",
    "score_of",
    "pck",
    "summarise",
]

MATCH_IOU = 0.5
PART_INSIDE = 0.8
PART_AREA = 0.5
IGNORE_INSIDE = 0.5
PCK_ALPHA = 0.2
BOX_GROWTH = 0.07

# Ground-truth keypoint name -> our joint (pose.skeleton). COCO's eyes and ears have no joint of ours, nor
# realgt's neck and thorax (they lie at different heights in different datasets). "nose" is MediaPipe's
# nose for BlazePose and Human3.6M's nose joint for ConvNeXtPose; Human3.6M's hips sit a little inside
# COCO's.
JOINT_MAP: dict[str, str] = {
    "nose": "Nose",
    "left_shoulder": "L_Shoulder",
    "right_shoulder": "R_Shoulder",
    "left_elbow": "L_Elbow",
    "right_elbow": "R_Elbow",
    "left_wrist": "L_Wrist",
    "right_wrist": "R_Wrist",
    "left_hip": "L_Hip",
    "right_hip": "R_Hip",
    "left_knee": "L_Knee",
    "right_knee": "R_Knee",
    "left_ankle": "L_Ankle",
    "right_ankle": "R_Ankle",
    "head_top": "Head",
    "pelvis": "Pelvis",
}
_GT_INDEX = np.array([KEYPOINT_NAMES.index(k) for k in JOINT_MAP])
_OUR_INDEX = np.array([JOINT_NAMES.index(j) for j in JOINT_MAP.values()])
# The limbs' joints: shoulders, elbows, wrists, hips, knees and ankles, and PCK's strict distance over them.
LIMB_JOINTS = tuple(k for k in JOINT_MAP if k.split("_")[-1] in ("shoulder", "elbow", "wrist", "hip", "knee", "ankle"))
_LIMBS = np.array([list(JOINT_MAP).index(k) for k in LIMB_JOINTS])
STRICT_ALPHA = 0.1
# Human3.6M's 17 joints are our first 17, in the same order (pose.skeleton).
_H36M_OURS = np.arange(len(H36M_JOINTS))


@dataclass(frozen=True)
class BoxPrediction:
    """A person detector's person, its box only: scored on detection alone (no PCK, AP or 3D).

    Attributes:
        bbox_xywh: (4,) pixels, as the detector gives it.
        score: the detector's confidence (orders the matching).
    """

    bbox_xywh: np.ndarray
    score: float


def has_joints(person) -> bool:
    """Whether a prediction has joints (an estimator's person), not only a box (:class:`BoxPrediction`)."""
    return getattr(person, "keypoints_2d", None) is not None


@dataclass(frozen=True)
class Match:
    """One ground-truth person and what the estimator made of them.

    Attributes:
        gt: index into the image's people.
        pred: index into the predictions, or -1 (missed).
        iou: of the two boxes (0 when missed).
        correct: (J,) per :data:`JOINT_MAP` joint: 1 right, 0 wrong (every labelled one of a missed person),
            NaN unlabelled.
        errors_px: (J,) pixel distance per joint, NaN where unlabelled.
        mpjpe_mm, pa_mpjpe_mm, root_depth_error_mm, root_depth_mm, gt_root_depth_mm: 3D people only, else NaN.
        size_px: the annotated box's longer side (what PCK's distance is a share of).
    """

    gt: int
    pred: int
    iou: float
    correct: np.ndarray
    errors_px: np.ndarray
    mpjpe_mm: float = float("nan")
    pa_mpjpe_mm: float = float("nan")
    root_depth_mm: float = float("nan")
    gt_root_depth_mm: float = float("nan")
    size_px: float = float("nan")

    @property
    def root_depth_error_mm(self) -> float:
        return self.root_depth_mm - self.gt_root_depth_mm


@dataclass(frozen=True)
class ImageScore:
    """Detection and keypoint results on one image.

    Attributes:
        matches: one per clear person, in the image's order.
        verdicts: per prediction: "true", "false", "part", "duplicate" or "ignored".
        boxes_xywh: (P, 4) the predictions' boxes.
    """

    image: AnnotatedImage
    matches: tuple[Match, ...]
    verdicts: tuple[str, ...]
    boxes_xywh: np.ndarray = field(default_factory=lambda: np.zeros((0, 4)))

    @property
    def true_positives(self) -> int:
        return self.verdicts.count("true")

    @property
    def false_positives(self) -> int:
        return sum(v in ("false", "part", "duplicate") for v in self.verdicts)

    @property
    def missed(self) -> int:
        return sum(m.pred < 0 for m in self.matches)


def prediction_box(keypoints_2d: np.ndarray, image_size: tuple[int, int]) -> np.ndarray:
    """(4,) box of (18, 2) joints grown by :data:`BOX_GROWTH` of its larger side each side, clipped to the image."""
    points = np.asarray(keypoints_2d, dtype=np.float64)
    points = points[np.isfinite(points).all(axis=1)]
    if not len(points):
        return np.zeros(4)
    lo, hi = points.min(axis=0), points.max(axis=0)
    pad = BOX_GROWTH * float((hi - lo).max())
    return _clipped(lo - pad, hi + pad, image_size)


def _clipped(lo, hi, image_size: tuple[int, int]) -> np.ndarray:
    """(4,) x, y, w, h of the corners ``lo`` and ``hi`` (x, y) clipped to the image."""
    x1, y1 = np.maximum(np.asarray(lo, dtype=np.float64), 0.0)
    x2, y2 = np.minimum(np.asarray(hi, dtype=np.float64), image_size)
    return np.array([x1, y1, max(x2 - x1, 0.0), max(y2 - y1, 0.0)])


def predicted_box(person, image_size: tuple[int, int]) -> np.ndarray:
    """(4,) the box a prediction is matched by: its joints' (:func:`prediction_box`), or a box-only
    prediction's own, clipped to the image."""
    if has_joints(person):
        return prediction_box(person.keypoints_2d, image_size)
    x, y, w, h = np.asarray(person.bbox_xywh, dtype=np.float64)
    return _clipped((x, y), (x + w, y + h), image_size)


def _ignore_mask(image: AnnotatedImage) -> np.ndarray | None:
    if not image.ignore_regions:
        return None
    width, height = image.size
    mask = np.zeros((height, width), np.uint8)
    for polygon in image.ignore_regions:
        cv2.fillPoly(mask, [np.round(polygon).astype(np.int32)], 1)
    return mask


def _in_ignore(box: np.ndarray, mask: np.ndarray | None) -> float:
    if mask is None:
        return 0.0
    x1, y1 = int(np.floor(box[0])), int(np.floor(box[1]))
    x2, y2 = int(np.ceil(box[0] + box[2])), int(np.ceil(box[1] + box[3]))
    region = mask[max(y1, 0) : max(y2, 0), max(x1, 0) : max(x2, 0)]
    return float(region.mean()) if region.size else 0.0


def pck(keypoints_2d: np.ndarray, gt_keypoints: np.ndarray, box_xywh) -> tuple[np.ndarray, np.ndarray]:
    """Per :data:`JOINT_MAP` joint: right (1.0), wrong (0.0) or unlabelled (NaN), and the pixel error.

    Args:
        keypoints_2d: (18, 2) our joints, pixels.
        gt_keypoints: (21, 3) x, y, v in :data:`~pose.measure.annotations.KEYPOINT_NAMES` order.
        box_xywh: the person's box; the threshold is :data:`PCK_ALPHA` of its longer side.
    """
    gt = np.asarray(gt_keypoints, float)[_GT_INDEX]
    pred = np.asarray(keypoints_2d, float)[_OUR_INDEX]
    labelled = gt[:, 2] > 0
    errors = np.where(labelled, np.linalg.norm(pred - gt[:, :2], axis=1), np.nan)
    threshold = PCK_ALPHA * float(max(box_xywh[2], box_xywh[3]))
    with np.errstate(invalid="ignore"):
        correct = np.where(labelled, (errors <= threshold).astype(float), np.nan)
    return correct, errors


def _errors_3d(person, gt_joints_mm: np.ndarray) -> dict:
    pred = np.asarray(person.keypoints_3d, float)[_H36M_OURS]
    known = np.isfinite(gt_joints_mm).all(axis=1)
    if not known[ROOT] or known.sum() < 4:
        return {}
    pred_rel, gt_rel = pred - pred[ROOT], gt_joints_mm - gt_joints_mm[ROOT]
    return {
        "mpjpe_mm": float(mpjpe(pred_rel[known], gt_rel[known], root=None).mean()),
        "pa_mpjpe_mm": float(pa_mpjpe(pred_rel[known], gt_rel[known]).mean()),
        "root_depth_mm": float(pred[ROOT, 2]),
        "gt_root_depth_mm": float(gt_joints_mm[ROOT, 2]),
    }


def score_of(person) -> float:
    """A prediction's confidence: its joints' mean, or a box-only prediction's score."""
    return float(np.mean(person.confidence)) if has_joints(person) else float(person.score)


def score_image(image: AnnotatedImage, people: Sequence) -> ImageScore:
    """Match an image's predicted people (objects with ``keypoints_2d`` (18, 2), ``keypoints_3d`` (18, 3),
    ``confidence`` (18,), e.g. :class:`pose.Person`; or :class:`BoxPrediction`) to its ground truth, by the
    rules of this module."""
    gts = image.people
    gt_boxes = np.array([p.box_xywh for p in gts]).reshape(-1, 4)
    clear = np.array([p.clear for p in gts], dtype=bool)
    boxes = np.array([predicted_box(p, image.size) for p in people]).reshape(-1, 4)
    order = sorted(range(len(people)), key=lambda i: -score_of(people[i]))
    ious = box_iou(boxes, gt_boxes)
    mask = _ignore_mask(image)
    matched: dict[int, int] = {}  # gt -> pred
    verdicts = [""] * len(people)
    for i in order:
        candidates = [g for g in range(len(gts)) if clear[g] and g not in matched and ious[i, g] >= MATCH_IOU]
        if candidates:
            best = max(candidates, key=lambda g: ious[i, g])
            matched[best] = i
            verdicts[i] = "true"
            continue
        box = boxes[i]
        inside = [inside_fraction(box, gt_boxes[g]) for g in range(len(gts))]
        part_of = [
            g
            for g in range(len(gts))
            if inside[g] >= PART_INSIDE and box[2] * box[3] < PART_AREA * gt_boxes[g, 2] * gt_boxes[g, 3]
        ]
        if (
            any(not clear[g] and ious[i, g] >= MATCH_IOU for g in range(len(gts)))
            or _in_ignore(box, mask) >= IGNORE_INSIDE
            or any(not clear[g] for g in part_of)
        ):
            verdicts[i] = "ignored"
        elif any(clear[g] and ious[i, g] >= MATCH_IOU for g in range(len(gts))):
            verdicts[i] = "duplicate"
        elif part_of:
            verdicts[i] = "part"
        else:
            verdicts[i] = "false"
    matches = []
    for g, gt in enumerate(gts):
        if not clear[g]:
            continue
        if g not in matched:
            labelled = gt.keypoints[_GT_INDEX, 2] > 0
            matches.append(Match(g, -1, 0.0, np.where(labelled, 0.0, np.nan), np.full(len(JOINT_MAP), np.nan)))
            continue
        i = matched[g]
        if not has_joints(people[i]):
            matches.append(
                Match(g, i, float(ious[i, g]), np.full(len(JOINT_MAP), np.nan), np.full(len(JOINT_MAP), np.nan))
            )
            continue
        correct, errors = pck(people[i].keypoints_2d, gt.keypoints, gt.box_xywh)
        extra = _errors_3d(people[i], gt.joints_3d_cam_mm) if gt.joints_3d_cam_mm is not None else {}
        size = float(max(gt.box_xywh[2], gt.box_xywh[3]))
        matches.append(Match(g, i, float(ious[i, g]), correct, errors, size_px=size, **extra))
    return ImageScore(image, tuple(matches), tuple(verdicts), boxes)


def _median(values) -> float:
    values = [v for v in values if np.isfinite(v)]
    return float(np.median(values)) if values else float("nan")


def _mean(values) -> float:
    values = [v for v in values if np.isfinite(v)]
    return float(np.mean(values)) if values else float("nan")


def _pck_limbs_strict(matches: Sequence[Match]) -> float:
    """PCK@:data:`STRICT_ALPHA` over the limb joints (:data:`LIMB_JOINTS`) of the people found: a stricter
    figure than :data:`PCK_ALPHA`'s, the one the paper's peers quote for 2D limbs."""
    found = [m for m in matches if m.pred >= 0 and np.isfinite(m.size_px)]
    if not found:
        return float("nan")
    errors = np.array([m.errors_px[_LIMBS] / m.size_px for m in found])
    labelled = np.isfinite(errors)
    return float((errors[labelled] <= STRICT_ALPHA).mean()) if labelled.any() else float("nan")


def summarise(scores: Sequence[ImageScore]) -> dict:
    """Totals over images: recall, precision, part boxes, PCK over found people (all joints and per joint)
    and over every clear person (``pck_all``), 3D errors."""
    matches = [m for s in scores for m in s.matches]
    tp = sum(s.true_positives for s in scores)
    fp = sum(s.false_positives for s in scores)
    correct = np.array([m.correct for m in matches if m.pred >= 0]).reshape(-1, len(JOINT_MAP))
    with warnings.catch_warnings():  # a joint nobody has labelled: NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        per_joint = np.nanmean(correct, axis=0) if len(correct) else np.full(len(JOINT_MAP), np.nan)
    labelled = np.isfinite(correct)
    everyone = np.array([m.correct for m in matches]).reshape(-1, len(JOINT_MAP))
    three_d = [m for m in matches if np.isfinite(m.root_depth_mm)]
    depth_rel = [abs(m.root_depth_error_mm) / m.gt_root_depth_mm for m in three_d]
    return {
        "images": len(scores),
        "clear_people": len(matches),
        "true_detections": tp,
        "false_detections": fp,
        "part_boxes": sum(s.verdicts.count("part") for s in scores),
        "duplicates": sum(s.verdicts.count("duplicate") for s in scores),
        "ignored_detections": sum(s.verdicts.count("ignored") for s in scores),
        "recall": tp / len(matches) if matches else float("nan"),
        "precision": tp / (tp + fp) if tp + fp else float("nan"),
        "pck": float(np.nansum(correct) / labelled.sum()) if labelled.any() else float("nan"),
        "pck_joints": int(labelled.sum()),
        # the same over every clear person, a missed one's labelled joints counted wrong
        "pck_all": float(np.nansum(everyone) / np.isfinite(everyone).sum())
        if np.isfinite(everyone).any()
        else float("nan"),
        "pck_per_joint": {k: float(v) for k, v in zip(JOINT_MAP, per_joint)},
        "pck_limbs_strict": _pck_limbs_strict(matches),
        "people_3d": len(three_d),
        "mpjpe_mm": _mean(m.mpjpe_mm for m in three_d),
        "pa_mpjpe_mm": _mean(m.pa_mpjpe_mm for m in three_d),
        "root_depth_error_median_mm": _median(abs(m.root_depth_error_mm) for m in three_d),
        "root_depth_error_median_rel": _median(depth_rel),
        "root_depth_mm": [m.root_depth_mm for m in three_d],
        "gt_root_depth_mm": [m.gt_root_depth_mm for m in three_d],
    }
