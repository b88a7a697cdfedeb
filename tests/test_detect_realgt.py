"""The bundled detector on real annotated photos nobody tuned it on: ``../shared/realgt`` (skipped where absent).

Scored by the accuracy command's rules (:mod:`pose.measure.scoring`, the detector alone:
:func:`pose.measure.accuracy.predict_boxes`): "clear" people (not crowd, at least 8 labelled joints, box at
least 96 px tall), each matched to at most one detection at box IoU 0.5; a detection mostly inside an ignore
region, or on a person who is not clear, counts neither way; a part box is a false detection mostly inside a
person's box, covering under half of it (a torso or legs taken for a whole person).
"""

from __future__ import annotations

import numpy as np
import pytest

from pose.measure.accuracy import measure, predict_boxes
from pose.measure.annotations import AnnotatedImage, GroundTruthPerson, read_annotations
from pose.measure.scoring import BoxPrediction, score_image, summarise


@pytest.fixture(scope="module")
def realgt_summary(realgt_dir):
    images = read_annotations(realgt_dir)
    run, close = predict_boxes("blazepose")
    try:
        predictions, _ = measure(images, run)
    finally:
        close()
    return summarise([score_image(image, people) for image, people in zip(images, predictions)])


def test_people_found_on_real_photos(realgt_summary):
    """Measured with the bundled default, its own boxes (2026-12-02, ``python -m pose.measure.accuracy
    ../shared/realgt --estimators detector``): 25 of 41 clear people (0.61), 25 of 31 detections right (0.81),
    no part box. The bars are those, less one person and one false detection, and two part boxes. The
    issue's targets (recall 0.85, precision 0.9, no part box) are not reached: people seen from behind, seated
    from above or in the dark are still missed (ExLPose's frames: 0 of 6)."""
    s = realgt_summary
    assert s["clear_people"] == 41
    assert s["true_detections"] >= 24, f"{s['true_detections']} of {s['clear_people']} people"
    assert s["precision"] >= 24 / 31, f"{s['true_detections']} right of {s['true_detections'] + s['false_detections']}"
    assert s["part_boxes"] <= 2


def _person(box, joints: int = 12) -> GroundTruthPerson:
    keypoints = np.zeros((21, 3))
    keypoints[:joints] = [box[0] + 1, box[1] + 1, 2]
    return GroundTruthPerson(box_xywh=np.asarray(box, float), keypoints=keypoints)


def test_a_detector_alone_is_scored_on_its_boxes_found_parts_ignored_and_false():
    image = AnnotatedImage(
        path=None,
        name="made.jpg",
        size=(900, 700),
        people=(_person([100, 100, 100, 300]), _person([400, 100, 100, 300]), _person([600, 100, 50, 60])),
        ignore_regions=(np.array([[0, 500], [300, 500], [300, 600], [0, 600]], float),),
    )
    boxes = [
        [105, 95, 95, 310],  # the first person
        [110, 110, 80, 120],  # a part of the first person (a torso)
        [10, 510, 100, 80],  # inside the ignore region
        [600, 100, 52, 58],  # the small person, not clear
        [700, 300, 80, 200],  # nobody
    ]
    score = score_image(image, [BoxPrediction(np.array(b, float), 0.9 - 0.1 * i) for i, b in enumerate(boxes)])
    assert score.verdicts == ("true", "part", "ignored", "ignored", "false")
    s = summarise([score])
    assert (s["true_detections"], s["clear_people"], s["false_detections"], s["part_boxes"]) == (1, 2, 2, 1)
    assert np.isnan(s["pck"])  # a box has no joints to score
