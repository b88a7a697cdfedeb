import numpy as np

from pose.engine.matching import assign, box_iou, keypoint_distance


def test_box_iou_known_values():
    a = np.array([[0, 0, 10, 10]])
    b = np.array([[0, 0, 10, 10], [5, 0, 10, 10], [20, 20, 5, 5], [0, 0, 5, 5]])
    np.testing.assert_allclose(box_iou(a, b), [[1.0, 50 / 150, 0.0, 25 / 100]])
    assert box_iou(np.zeros((0, 4)), b).shape == (0, 4)


def test_keypoint_distance_is_in_units_of_the_scale():
    joints = np.zeros((18, 2))
    assert keypoint_distance(joints, joints + [3.0, 4.0], 10.0) == 0.5


def test_assign_pairs_by_overlap_and_leaves_strangers_alone():
    tracks = np.array([[0, 0, 100, 200], [300, 0, 100, 200]], dtype=float)
    boxes = np.array([[310, 5, 100, 200], [700, 0, 50, 50], [5, 0, 100, 200]], dtype=float)
    pairs = assign(tracks, [None, None], boxes, [None, None, None])
    assert sorted(pairs) == [(0, 2), (1, 0)]  # the box far from both starts a new track


def test_keypoints_break_a_tie_of_boxes():
    """Two people in the same place (one behind the other): their skeletons tell them apart."""
    box = np.array([[100, 100, 100, 200]], dtype=float)
    rng = np.random.default_rng(0)
    first, second = rng.uniform(100, 300, (18, 2)), rng.uniform(100, 300, (18, 2))
    pairs = assign(np.repeat(box, 2, 0), [first, second], np.repeat(box, 2, 0), [second + 1, first + 1])
    assert sorted(pairs) == [(0, 1), (1, 0)]
