"""COCO keypoint AP of an estimator's people on annotated images, by pycocotools' own COCOeval.

OKS with COCO's sigmas on the 13 COCO joints we have (:data:`pose.measure.scoring.JOINT_MAP`; our skeleton has
no eyes or ears, so they are left out of the ground truth); unclear people and ignore regions go in as
crowds (neither right nor wrong), as :mod:`pose.measure.scoring` counts them; the OKS area is the box's.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Sequence

import numpy as np

from ..skeleton import JOINT_NAMES
from .annotations import COCO_KEYPOINTS, AnnotatedImage
from .scoring import JOINT_MAP, has_joints, prediction_box, score_of

__all__ = ["COCO_SIGMAS", "coco_keypoint_ap"]

COCO_SIGMAS = (
    np.array([0.26, 0.25, 0.25, 0.35, 0.35, 0.79, 0.79, 0.72, 0.72, 0.62, 0.62, 1.07, 1.07, 0.87, 0.87, 0.89, 0.89])
    / 10.0
)


def coco_keypoint_ap(images: Sequence[AnnotatedImage], predictions: Sequence[Sequence]) -> dict:
    """COCO keypoint AP, AP50, AP75 and AR (pycocotools) of ``predictions`` (per image, people as for
    :func:`~pose.measure.scoring.score_image`), on the COCO joints of
    :data:`~pose.measure.scoring.JOINT_MAP`; NaN where no clear person has any, or where the predictions are
    boxes only (a detector alone)."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    nan = {"ap": float("nan"), "ap50": float("nan"), "ap75": float("nan"), "ar": float("nan")}
    if any(not has_joints(person) for people in predictions for person in people):
        return nan
    coco_ours = [JOINT_NAMES.index(JOINT_MAP[k]) if k in JOINT_MAP else -1 for k in COCO_KEYPOINTS]
    used = np.array([i >= 0 for i in coco_ours])
    gt_anns, dt_anns, image_entries = [], [], []
    for image_id, (image, people) in enumerate(zip(images, predictions), start=1):
        width, height = image.size
        image_entries.append({"id": image_id, "width": width, "height": height})
        for person in image.people:
            kp = person.keypoints[: len(COCO_KEYPOINTS)].copy()
            kp[~used] = 0
            x, y, w, h = (float(v) for v in person.box_xywh)
            gt_anns.append(
                {
                    "image_id": image_id,
                    "category_id": 1,
                    "bbox": [x, y, w, h],
                    "area": w * h,
                    "keypoints": kp.reshape(-1).tolist(),
                    "num_keypoints": int((kp[:, 2] > 0).sum()),
                    "iscrowd": int(not person.clear),  # unclear: neither right nor wrong
                }
            )
        for polygon in image.ignore_regions:
            (x1, y1), (x2, y2) = polygon.min(axis=0), polygon.max(axis=0)
            gt_anns.append(
                {
                    "image_id": image_id,
                    "category_id": 1,
                    "bbox": [float(x1), float(y1), float(x2 - x1), float(y2 - y1)],
                    "area": float((x2 - x1) * (y2 - y1)),
                    "keypoints": [0] * 3 * len(COCO_KEYPOINTS),
                    "num_keypoints": 0,
                    "iscrowd": 1,
                }
            )
        for person in people:
            # Eyes and ears (not ours, not in the ground truth) at the nose: a crowd's OKS uses every point.
            nose = JOINT_NAMES.index(JOINT_MAP["nose"])
            kp = np.ones((len(COCO_KEYPOINTS), 3))
            kp[:, :2] = np.asarray(person.keypoints_2d, float)[[i if i >= 0 else nose for i in coco_ours]]
            box = prediction_box(person.keypoints_2d, image.size)
            dt_anns.append(
                {
                    "image_id": image_id,
                    "category_id": 1,
                    "keypoints": kp.reshape(-1).tolist(),
                    "score": score_of(person),
                    "bbox": box.tolist(),
                    "area": float(box[2] * box[3]),
                }
            )
    if not any(a["num_keypoints"] > 0 and not a["iscrowd"] for a in gt_anns):
        return nan
    for n, ann in enumerate(gt_anns, start=1):
        ann["id"] = n
    with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints its progress
        gt = COCO()
        gt.dataset = {"images": image_entries, "annotations": gt_anns, "categories": [{"id": 1, "name": "person"}]}
        gt.createIndex()
        if not dt_anns:
            return {**nan, "ap": 0.0, "ap50": 0.0, "ap75": 0.0, "ar": 0.0}
        dt = gt.loadRes(dt_anns)
        evaluator = COCOeval(gt, dt, "keypoints")
        evaluator.params.kpt_oks_sigmas = COCO_SIGMAS
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    stats = [max(float(s), 0.0) if s != -1 else float("nan") for s in evaluator.stats]
    return {"ap": stats[0], "ap50": stats[1], "ap75": stats[2], "ar": stats[5]}
