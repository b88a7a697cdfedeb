import numpy as np

from pose.detect import Detection, landmarks_box
from pose.detect.base import suppress_overlaps


def test_landmarks_box_grows_and_clips():
    points = np.array([[100.0, 100.0], [200.0, 300.0]])
    np.testing.assert_allclose(landmarks_box(points, (640, 480)), [90, 80, 120, 240])
    np.testing.assert_allclose(landmarks_box(points, (150, 250)), [90, 80, 59, 169])  # clipped to the image
    assert landmarks_box(np.array([[700.0, 500.0], [800.0, 600.0]]), (640, 480)) is None  # outside


def test_a_detection_shifted_into_the_frame_its_crop_was_cut_from():
    crop_person = Detection(
        np.array([10.0, 20.0, 30.0, 40.0]), 0.8, landmarks_px=np.zeros((33, 2)), keypoints_px=np.ones((4, 2))
    )
    moved = crop_person.shifted(100, 50)
    np.testing.assert_allclose(moved.bbox_xywh, [110, 70, 30, 40])  # moved, not resized
    np.testing.assert_allclose(moved.landmarks_px, np.tile([100.0, 50.0], (33, 1)))
    np.testing.assert_allclose(moved.keypoints_px, np.tile([101.0, 51.0], (4, 1)))
    assert moved.score == 0.8 and moved.visibility is None and moved.world_mm is None


def test_overlapping_boxes_keep_the_surest_and_low_scores_go():
    xyxy = np.array([[0, 0, 100, 100], [5, 5, 105, 105], [200, 0, 300, 100], [400, 0, 500, 100]], dtype=float)
    scores = np.array([0.6, 0.9, 0.5, 0.2])
    assert suppress_overlaps(xyxy, scores, iou=0.45).tolist() == [1, 2, 3]  # surest first; the weaker twin goes
    assert suppress_overlaps(xyxy, scores, iou=0.45, min_score=0.3).tolist() == [1, 2]
    assert suppress_overlaps(np.zeros((0, 4)), np.zeros(0), iou=0.45).tolist() == []
