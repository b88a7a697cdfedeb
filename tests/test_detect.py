import numpy as np

from pose.detect import MediaPipePoseDetector, landmarks_box
from pose.measure.samples import moving_person_frames


def test_landmarks_box_grows_and_clips():
    points = np.array([[100.0, 100.0], [200.0, 300.0]])
    np.testing.assert_allclose(landmarks_box(points, (640, 480)), [90, 80, 120, 240])
    np.testing.assert_allclose(landmarks_box(points, (150, 250)), [90, 80, 59, 169])  # clipped to the image
    assert landmarks_box(np.array([[700.0, 500.0], [800.0, 600.0]]), (640, 480)) is None  # outside


def test_mediapipe_finds_the_person_and_nobody():
    frame = next(moving_person_frames(1))
    detector = MediaPipePoseDetector(static_image_mode=True)
    (found,) = detector.detect(frame)
    x, y, w, h = found.bbox_xywh
    photo_left, photo_top = 0, 48  # the sprite starts at the left edge, vertically centred (384 px of 480)
    assert x >= photo_left and y >= 0 and x + w <= 640 and y + h <= 480
    assert w > 100 and h > 150 and y < photo_top + 150  # around the person, starting near the head
    assert found.landmarks_px.shape == (33, 2) and found.world_mm.shape == (33, 3)
    assert 0 <= found.score <= 1
    assert detector.detect(next(moving_person_frames(1, absent=(0, 1)))) == []
    detector.reset()
    detector.close()
