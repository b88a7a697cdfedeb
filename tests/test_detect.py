import numpy as np

from pose.detect import landmarks_box


def test_landmarks_box_grows_and_clips():
    points = np.array([[100.0, 100.0], [200.0, 300.0]])
    np.testing.assert_allclose(landmarks_box(points, (640, 480)), [90, 80, 120, 240])
    np.testing.assert_allclose(landmarks_box(points, (150, 250)), [90, 80, 59, 169])  # clipped to the image
    assert landmarks_box(np.array([[700.0, 500.0], [800.0, 600.0]]), (640, 480)) is None  # outside
