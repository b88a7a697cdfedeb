import numpy as np

from pose.detect import landmarks_box
from pose.detect.base import suppress_overlaps


def test_landmarks_box_grows_and_clips():
    points = np.array([[100.0, 100.0], [200.0, 300.0]])
    np.testing.assert_allclose(landmarks_box(points, (640, 480)), [90, 80, 120, 240])
    np.testing.assert_allclose(landmarks_box(points, (150, 250)), [90, 80, 59, 169])  # clipped to the image
    assert landmarks_box(np.array([[700.0, 500.0], [800.0, 600.0]]), (640, 480)) is None  # outside


def test_overlapping_boxes_keep_the_surest_and_low_scores_go():
    xyxy = np.array([[0, 0, 100, 100], [5, 5, 105, 105], [200, 0, 300, 100], [400, 0, 500, 100]], dtype=float)
    scores = np.array([0.6, 0.9, 0.5, 0.2])
    assert suppress_overlaps(xyxy, scores, iou=0.45).tolist() == [1, 2, 3]  # surest first; the weaker twin goes
    assert suppress_overlaps(xyxy, scores, iou=0.45, min_score=0.3).tolist() == [1, 2]
    assert suppress_overlaps(np.zeros((0, 4)), np.zeros(0), iou=0.45).tolist() == []
