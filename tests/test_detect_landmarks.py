"""BlazePose landmarks for every person: on the photos (skipped without ../shared) and on scenes with known boxes."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from conftest import SHARED

from pose.detect import Detection
from pose.detect.blazepose import blazepose_detector
from pose.detect.landmarks import BlazePoseLandmarker, BlazePoseMultiPersonDetector
from pose.engine.matching import box_iou
from pose.measure.scenes import multi_person_clip, score_detector

IMAGES = SHARED / "images"
needs_photos = pytest.mark.usefixtures("shared_images")  # skips without ../shared/images; fails in CI


@pytest.fixture(scope="module")
def people():
    return BlazePoseMultiPersonDetector()


@needs_photos
def test_landmarks_land_on_the_person():
    frame = cv2.imread(str(IMAGES / "jump_suit.jpg"))
    detections = blazepose_detector().detect(frame)
    (found,) = BlazePoseLandmarker().landmarks(frame, detections)
    assert found.landmarks_px.shape == (33, 2) and found.world_mm.shape == (33, 3) and found.presence > 0.9
    # the man spans about x 34..225, y 25..234 (selfie segmentation); head on top, feet at the bottom
    assert np.all((found.landmarks_px > [25, 15]) & (found.landmarks_px < [235, 245]))
    nose, ankles = found.landmarks_px[0], found.landmarks_px[27:29]
    assert nose[1] < 70 and ankles[:, 1].min() > 120 and ankles[:, 1].max() > 200  # one foot kicked up
    assert np.all((found.visibility >= 0) & (found.visibility <= 1)) and found.visibility[:25].mean() > 0.8
    hips = found.world_mm[23:25].mean(axis=0)
    assert np.linalg.norm(hips) < 50  # world landmarks are hip-centred millimetres
    assert 1200 < np.ptp(found.world_mm[:, 1]) < 2200  # a man's height, head to heel


# Every clearly visible person of ../shared/images (its README lists them), boxed by hand (x1, y1, x2, y2).
PEOPLE_IN_THE_PHOTOS = {
    "skiers.jpg": [
        (0, 45, 105, 290),
        (140, 95, 360, 340),
        (285, 60, 365, 225),
        (535, 45, 640, 270),
        (370, 170, 640, 392),
    ],  # left, centre (blue), behind him (red), right, front
    "two_indoors.png": [(35, 80, 160, 480), (435, 20, 640, 480)],  # full body; close-up cut by the frame
    "footballer.jpg": [(65, 60, 460, 340)],  # not the crowd behind him
    "jump_suit.jpg": [(30, 15, 230, 240)],
    "jump_dark.png": [(35, 10, 230, 250)],
}


@needs_photos
@pytest.mark.parametrize("photo", sorted(PEOPLE_IN_THE_PHOTOS))
def test_every_person_in_the_photos_once(people, photo):
    """Each person matched by one skeleton (Hungarian on IoU, at least 0.3: hand boxes hold the whole person,
    skeleton boxes the part in view), and no other skeleton."""
    from scipy.optimize import linear_sum_assignment

    found = people.detect(cv2.imread(str(IMAGES / photo)))
    truth = np.array([[x1, y1, x2 - x1, y2 - y1] for x1, y1, x2, y2 in PEOPLE_IN_THE_PHOTOS[photo]], dtype=float)
    overlap = box_iou(truth, np.array([p.bbox_xywh for p in found]).reshape(-1, 4))
    rows, cols = linear_sum_assignment(-overlap)
    assert len(found) == len(truth), f"{len(found)} skeletons for {len(truth)} people"
    assert overlap[rows, cols].min() >= 0.3


@needs_photos
def test_skeletons_for_the_skiers_and_a_box_each(people):
    frame = cv2.imread(str(IMAGES / "skiers.jpg"))
    found = people.detect(frame)
    assert len(found) == 5
    boxes = np.array([p.bbox_xywh for p in found])
    overlap = box_iou(boxes, boxes) - np.eye(len(found))
    assert overlap.max() < 0.7  # different skiers, not one skier twice
    for person in found:
        assert person.landmarks_px.shape == (33, 2) and person.world_mm.shape == (33, 3)


@needs_photos
@pytest.mark.parametrize("name", ["jump_suit.jpg", "jump_dark.png", "footballer.jpg"])
def test_world_landmarks_agree_with_mediapipes_pose_solution(name):
    """Same model, same region, same decoding as MediaPipe's graph: measured 0.3-0.6 mm mean apart over the 33
    world landmarks (2.3-4.6 px in 2D, where the heatmap refinement is left out); 100-125 mm when OpenVINO ran
    the model in bf16, 93 mm on footballer.jpg when the detector's input was area-resized."""
    solutions = pytest.importorskip("mediapipe.python.solutions.pose")
    frame = cv2.imread(str(IMAGES / name))
    height, width = frame.shape[:2]
    with solutions.Pose(static_image_mode=True, model_complexity=1) as solution:
        result = solution.process(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
    truth_mm = np.array([[p.x, p.y, p.z] for p in result.pose_world_landmarks.landmark]) * 1000.0
    truth_px = np.array([[p.x * width, p.y * height] for p in result.pose_landmarks.landmark])
    found = [f for f in BlazePoseLandmarker().landmarks(frame, blazepose_detector().detect(frame)) if f is not None]
    ours = min(found, key=lambda f: np.linalg.norm(f.landmarks_px - truth_px, axis=1).mean())  # the same person
    assert np.linalg.norm(ours.landmarks_px - truth_px, axis=1).mean() < 8.0
    assert np.linalg.norm(ours.world_mm - truth_mm, axis=1).mean() < 5.0
    hip_width, true_hip_width = (np.linalg.norm(w[23] - w[24]) for w in (ours.world_mm, truth_mm))
    assert hip_width == pytest.approx(true_hip_width, rel=0.05)


def test_no_person_in_an_empty_region():
    blank = np.full((480, 640, 3), 128, dtype=np.uint8)
    (nobody,) = BlazePoseLandmarker().landmarks(blank, [Detection(np.array([100.0, 100.0, 200.0, 300.0]), 1.0)])
    assert nobody is None


@pytest.mark.skipif(
    not IMAGES.is_dir(),
    reason="the bars were measured on scenes cut from ../shared/images; without it the scenes hold only "
    "Grace Hopper's portrait (grey recall 0.78 there, 0.44 before this detector)",
)
def test_recall_on_scenes_with_known_boxes():
    """The issue's goal, 0.9 at IoU 0.5 and nobody on empty frames: measured 1.00 on these 10-frame colour, small
    (60-120 px), grey and dim clips (before tiles answered for people cut by their edge: 0.97, 0.71, 0.67, 0.90).
    Small greyscale people: 0.89 and 0.97 on two clips with 192 px fine tiles, 0.53-0.56 with 256 px ones."""
    detector = BlazePoseMultiPersonDetector()
    mixed = score_detector(detector, multi_person_clip(10, 4, seed=1))
    small = score_detector(detector, multi_person_clip(10, 4, seed=2, heights=(60, 120)))
    grey = score_detector(detector, multi_person_clip(10, 4, seed=3, variant="grey"))
    dim = score_detector(detector, multi_person_clip(10, 4, seed=4, variant="dim"))
    small_grey = score_detector(detector, multi_person_clip(10, 4, seed=5, heights=(60, 120), variant="grey"))
    empty = score_detector(detector, multi_person_clip(6, 0, seed=6))
    assert min(mixed.recall, small.recall, grey.recall, dim.recall) >= 0.95
    assert small_grey.recall >= 0.85
    assert max(r.false_per_frame for r in (mixed, small, grey, dim, small_grey)) <= 0.2
    assert empty.false_on_empty == 0


def test_a_whole_body_takes_the_place_of_its_legs_whichever_came_first():
    from pose.detect.landmarks import _one_per_person

    rng = np.random.default_rng(1)
    whole = Detection(np.array([491.0, 3.0, 162.0, 534.0]), 1.0, rng.uniform([491, 3], [653, 537], (33, 2)))
    legs = Detection(np.array([537.0, 180.0, 62.0, 318.0]), 1.0, rng.uniform([537, 180], [599, 498], (33, 2)))
    other = Detection(np.array([20.0, 100.0, 300.0, 440.0]), 1.0, rng.uniform([20, 100], [320, 540], (33, 2)))
    kept = _one_per_person([legs, other, whole], 0.5)  # a tile's view of his legs came first (an AIC photo)
    assert [d.bbox_xywh.tolist() for d in kept] == [other.bbox_xywh.tolist(), whole.bbox_xywh.tolist()]


@needs_photos
def test_the_second_run_is_placed_by_the_models_own_region_landmarks():
    """``refine``: the region of the second run comes from the first answer's two auxiliary landmarks, the
    mid-hip and the full-body scale point, which lie on the person's hips and beyond the head."""
    frame = cv2.imread(str(IMAGES / "jump_suit.jpg"))
    (found,) = BlazePoseLandmarker().landmarks(frame, blazepose_detector().detect(frame))
    hip, reach = found.region_keypoints_px
    height = np.ptp(found.landmarks_px[:, 1])
    assert np.linalg.norm(hip - found.landmarks_px[23:25].mean(axis=0)) < 0.1 * height
    assert reach[1] < found.landmarks_px[0, 1] and np.linalg.norm(reach - hip) > 0.4 * height
    (refined,) = BlazePoseMultiPersonDetector().detect(frame)
    (once,) = BlazePoseMultiPersonDetector(refine=False).detect(frame)
    assert refined.keypoints_px.shape == (2, 2) and once.keypoints_px.shape == (4, 2)
    assert box_iou([refined.bbox_xywh], [once.bbox_xywh])[0, 0] > 0.8  # a whole person: the same box


@pytest.mark.parametrize(
    ("name", "person"),
    [
        ("aic/fa436c914fe4a8ec1ec5474af4d3820b84d17561.jpg", 2),  # a man seated at a table, cut by the frame's bottom
        ("mpi_inf_3dhp/S4_Seq2_Cam0_001033.jpg", 0),  # a person crouched on the floor
    ],
)
def test_a_plug_in_detectors_box_gets_a_skeleton_that_spans_its_person(realgt_dir, shared_dir, name, person):
    """A box without alignment keypoints is looked at from the box, then from the region the model's own
    auxiliary landmarks place (:meth:`BlazePoseLandmarker.find`). Measured: one look in a square of 1.25 times the
    box gave skeletons covering 0.30 and 0.28 of these people's annotated boxes (IoU), lost between the detector
    and the pose; now they are found."""
    from pose.detect import create_detector
    from pose.detect.landmark_skeleton import to_skeleton
    from pose.measure.annotations import read_annotations
    from pose.measure.scoring import MATCH_IOU, prediction_box

    (image,) = [i for i in read_annotations(realgt_dir) if i.name == name]
    frame = cv2.imread(str(image.path))
    truth = image.people[person].box_xywh
    boxes = create_detector(str(shared_dir / "detectors" / "yolox_nano.onnx")).detect(frame)
    (box,) = [d.bbox_xywh for d in boxes if box_iou([d.bbox_xywh], [truth])[0, 0] >= MATCH_IOU]  # the detector's
    seen = BlazePoseLandmarker().find(frame, Detection(box, 1.0))
    assert seen is not None
    joints, _ = to_skeleton(seen.landmarks_px, seen.visibility)
    span = box_iou([prediction_box(joints, image.size)], [truth])[0, 0]
    assert span >= MATCH_IOU, f"a skeleton over {span:.2f} of the person"
