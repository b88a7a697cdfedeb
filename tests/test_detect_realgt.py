"""The bundled detector on real annotated photos nobody tuned it on: ``../shared/realgt`` (skipped where absent).

Counted as the issue counts them: "clear" people (not crowd, at least 8 labelled joints, box at least 96 px
tall), each matched to at most one detection, greedily by box IoU, at IoU 0.5. A detection lying mostly inside
an ignore region, or on a person who is not clear, counts neither way; so does any detection on a photo whose
people are not all annotated. A part box is a false detection mostly inside a person's box, covering under
half of it (a torso or legs taken for a whole person).
"""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from pose.detect import create_detector
from pose.geometry import box_iou

MATCH_IOU = 0.5
MOSTLY_INSIDE = 0.5  # of the detection's area, for an ignore region
PART_INSIDE, PART_AREA = 0.8, 0.5  # a part box: this much of it inside a person's box, under this of its area


def _clear(person: dict) -> bool:
    return not person["iscrowd"] and person["num_visible"] >= 8 and person["box_xywh"][3] >= 96


def _inside(box: np.ndarray, region_mask: np.ndarray) -> float:
    """The fraction of ``box`` (x, y, w, h) on the region's pixels."""
    x, y, w, h = box
    x1, y1, x2, y2 = int(max(x, 0)), int(max(y, 0)), int(np.ceil(x + w)), int(np.ceil(y + h))
    return float(region_mask[y1:y2, x1:x2].sum()) / max(w * h, 1.0)


def _covered(box: np.ndarray, by: np.ndarray) -> float:
    """The fraction of ``box``'s area inside the box ``by`` (both x, y, w, h)."""
    x, y, w, h = box
    bx, by_, bw, bh = by
    inter = max(0.0, min(x + w, bx + bw) - max(x, bx)) * max(0.0, min(y + h, by_ + bh) - max(y, by_))
    return inter / max(w * h, 1e-9)


def score_image(image: dict, boxes: np.ndarray, shape: tuple[int, int]) -> tuple[int, int, int, int]:
    """(people found, clear people, false detections, of which part boxes) on one annotated image."""
    clear = np.array([p["box_xywh"] for p in image["people"] if _clear(p)], dtype=float).reshape(-1, 4)
    others = np.array([p["box_xywh"] for p in image["people"] if not _clear(p)], dtype=float).reshape(-1, 4)
    overlap = box_iou(boxes, clear) if len(boxes) and len(clear) else np.zeros((len(boxes), len(clear)))
    matched: set[int] = set()
    taken: set[int] = set()
    for flat in np.argsort(-overlap, axis=None):
        i, j = np.unravel_index(flat, overlap.shape)
        if overlap[i, j] < MATCH_IOU:
            break
        if i not in matched and j not in taken:
            matched.add(int(i))
            taken.add(int(j))
    ignore = np.zeros(shape, dtype=np.uint8)
    for region in image.get("ignore_regions", []):
        if "box_xywh" in region:
            x, y, w, h = (int(round(v)) for v in region["box_xywh"])
            ignore[max(y, 0) : y + h, max(x, 0) : x + w] = 1
        else:
            cv2.fillPoly(ignore, [np.round(np.array(region["polygon"])).astype(np.int32)], 1)
    false = parts = 0
    for i, box in enumerate(boxes):
        if i in matched or not image.get("all_people_annotated", True) or _inside(box, ignore) > MOSTLY_INSIDE:
            continue
        if len(others) and box_iou(box[None], others).max() >= MATCH_IOU:
            continue
        false += 1
        people = np.concatenate([clear, others])
        parts += any(_covered(box, p) >= PART_INSIDE and box[2] * box[3] < PART_AREA * p[2] * p[3] for p in people)
    return len(matched), len(clear), false, parts


@pytest.fixture(scope="module")
def realgt_scores(shared_dir):
    folder = shared_dir / "realgt"
    if not (folder / "annotations.json").is_file():
        pytest.skip(f"{folder} (real annotated photos) is absent")
    images = [im for im in json.loads((folder / "annotations.json").read_text())["images"] if im["annotated"]]
    detector = create_detector("blazepose")
    totals = np.zeros(4, dtype=int)
    for image in images:
        frame = cv2.imread(str(folder / image["file"]))
        boxes = np.array([d.bbox_xywh for d in detector.detect(frame)], dtype=float).reshape(-1, 4)
        totals += score_image(image, boxes, frame.shape[:2])
    detector.close()
    return totals


def test_people_found_on_real_photos(realgt_scores):
    """Measured with the bundled default: 26 of 41 clear people (0.634), 26 of 33 detections right (0.788),
    1 part box; before the landmark model's refined regions (BlazePoseMultiPersonDetector's ``refine``), 24 of
    41 (0.585), 0.706, 3 part boxes. The bars are those less one person and one false detection, and one more
    part box. The issue's targets (recall 0.85, precision 0.9, no part box) are not reached: people seen from
    behind, seated from above or in the dark are still missed (ExLPose's frames: 0 of 6)."""
    found, people, false, parts = realgt_scores
    assert people == 41
    assert found >= 25, f"{found} of {people} people"
    assert found / (found + false) >= 25 / 33, f"{found} right of {found + false}"
    assert parts <= 2


def test_the_scoring_counts_ignored_parts_and_misses():
    image = {
        "people": [
            {"box_xywh": [100, 100, 100, 300], "iscrowd": False, "num_visible": 12},
            {"box_xywh": [400, 100, 100, 300], "iscrowd": False, "num_visible": 12},
            {"box_xywh": [600, 100, 50, 60], "iscrowd": False, "num_visible": 12},  # too small to be clear
        ],
        "ignore_regions": [{"box_xywh": [0, 500, 300, 100]}],
        "all_people_annotated": True,
    }
    boxes = np.array(
        [
            [105, 95, 95, 310],  # the first person
            [110, 110, 80, 120],  # a part of the first person (a torso)
            [10, 510, 100, 80],  # inside the ignore region
            [600, 100, 52, 58],  # the small person
            [700, 300, 80, 200],  # nobody
        ],
        dtype=float,
    )
    assert score_image(image, boxes, (700, 900)) == (1, 2, 2, 1)
