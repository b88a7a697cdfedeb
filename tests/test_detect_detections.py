"""A frame's people as arrays: rows are Detections, slices keep every extra, pixels move with scaling."""

from __future__ import annotations

import numpy as np
import pytest

from pose.detect import Detection, Detections, as_detections


def _people() -> list[Detection]:
    landmarks = np.arange(66, dtype=float).reshape(33, 2)
    return [
        Detection(np.array([0.0, 0.0, 10.0, 20.0]), 0.9, keypoints_px=np.ones((4, 2))),
        Detection(np.array([5.0, 5.0, 40.0, 80.0]), 0.6, landmarks_px=landmarks, keypoints_px=np.zeros((2, 2))),
    ]


def test_rows_are_the_people_given_and_missing_extras_stay_missing():
    found = Detections.from_list(_people())
    assert len(found) == 2 and found.bbox_xywh.shape == (2, 4) and found.score.tolist() == [0.9, 0.6]
    first, second = found  # iteration gives Detection rows
    assert isinstance(first, Detection) and first.landmarks_px is None and first.visibility is None
    np.testing.assert_array_equal(second.landmarks_px, _people()[1].landmarks_px)
    # the region is placed by its first two keypoints, so four and two keypoints meet at two
    assert found.data["keypoints_px"].shape == (2, 2, 2) and first.keypoints_px.shape == (2, 2)


def test_slices_masks_and_order_keep_every_array_together():
    found = Detections.from_list(_people())
    largest = found.largest_first()
    assert largest.score.tolist() == [0.6, 0.9] and largest[0].landmarks_px is not None
    assert len(found[found.score > 0.7]) == 1 and found[found.score > 0.7][0].score == 0.9
    assert len(found[:0]) == 0 and not found[:0] and found[:0].data.keys() == found.data.keys()
    assert len(Detections.empty()) == 0 and repr(found) == "Detections(2, data: landmarks_px, keypoints_px)"


def test_scaling_and_shifting_move_pixels_only():
    found = Detections.from_list(_people())
    scaled = found.scaled(2.0, 0.5)
    np.testing.assert_allclose(scaled.bbox_xywh[1], [10.0, 2.5, 80.0, 40.0])
    np.testing.assert_allclose(scaled[1].landmarks_px, _people()[1].landmarks_px * [2.0, 0.5])
    shifted = found.shifted(100.0, 10.0)
    np.testing.assert_allclose(shifted.bbox_xywh[0], [100.0, 10.0, 10.0, 20.0])
    np.testing.assert_allclose(shifted[0].keypoints_px, np.ones((2, 2)) + [100.0, 10.0])
    assert shifted.score.tolist() == found.score.tolist()
    assert "landmarks_px" not in found.without("landmarks_px").data


def test_a_crops_people_shifted_into_the_frame_it_was_cut_from():
    crop_person = Detection(
        np.array([10.0, 20.0, 30.0, 40.0]), 0.8, landmarks_px=np.zeros((33, 2)), keypoints_px=np.ones((4, 2))
    )
    (moved,) = Detections.from_list([crop_person]).shifted(100, 50)
    np.testing.assert_allclose(moved.bbox_xywh, [110, 70, 30, 40])  # moved, not resized
    np.testing.assert_allclose(moved.landmarks_px, np.tile([100.0, 50.0], (33, 1)))
    np.testing.assert_allclose(moved.keypoints_px, np.tile([101.0, 51.0], (4, 1)))
    assert moved.score == 0.8 and moved.visibility is None and moved.world_mm is None


def test_a_detector_of_ones_own_may_answer_with_a_list():
    people = _people()
    assert as_detections(people).score.tolist() == [0.9, 0.6]
    found = Detections.from_list(people)
    assert as_detections(found) is found


def test_arrays_of_other_lengths_or_unknown_extras_are_refused():
    with pytest.raises(ValueError, match="one row per person"):
        Detections(np.zeros((2, 4)), np.zeros(3))
    with pytest.raises(ValueError, match="unknown Detections data"):
        Detections(np.zeros((1, 4)), np.zeros(1), {"mask": np.zeros((1, 4))})
    odd = [Detection(np.zeros(4), 1.0, world_mm=np.zeros((33, 3))), Detection(np.zeros(4), 1.0, world_mm=np.zeros(3))]
    with pytest.raises(ValueError, match="world_mm comes in shapes"):
        Detections.from_list(odd)


def test_concatenating_keeps_each_part_s_people_and_fills_missing_extras():
    faces = Detections(np.array([[0.0, 0.0, 10.0, 20.0]]), [0.9], {"face_box_px": np.array([[[1.0, 1.0], [4.0, 4.0]]])})
    plain = Detections(np.array([[50.0, 0.0, 10.0, 20.0], [70.0, 0.0, 5.0, 5.0]]), [0.5, 0.4])
    joined = Detections.concatenate([faces, Detections.empty(), plain])
    assert joined.score.tolist() == [0.9, 0.5, 0.4] and joined.data["face_box_px"].shape == (3, 2, 2)
    assert joined[0].face_box_px is not None and joined[1].face_box_px is None
    assert Detections.concatenate([plain]) is plain and len(Detections.concatenate([])) == 0
    # the region's keypoints of two kinds (four and two) meet at two, as in from_list
    mixed = Detections.concatenate([Detections.from_list(_people()[:1]), Detections.from_list(_people()[1:])])
    assert mixed.data["keypoints_px"].shape == (2, 2, 2)


def test_clipping_to_the_image_drops_who_is_not_in_it():
    found = Detections(
        np.array([[-5.0, 10.0, 20.0, 500.0], [630.0, 0.0, 50.0, 50.0], [700.0, 0.0, 9.0, 9.0]]), [1, 1, 1]
    )
    clipped = found.clipped((640, 480))
    np.testing.assert_allclose(clipped.bbox_xywh, [[0, 10, 15, 470], [630, 0, 10, 50]])  # the third is outside


def test_the_tracker_s_columns_keep_their_types_and_stay_off_the_rows():
    found = Detections(
        np.array([[0.0, 0.0, 10.0, 20.0], [5.0, 5.0, 40.0, 80.0]]),
        [0.9, 0.6],
        {"tracker_id": [3, -1], "found": [0, 1], "keypoints_px": np.ones((2, 2, 2))},
    )
    assert found.data["tracker_id"].dtype == np.int64 and found.data["found"].dtype == bool
    assert found[1:].data["tracker_id"].tolist() == [-1] and found.largest_first().data["tracker_id"].tolist() == [
        -1,
        3,
    ]
    assert found[0].keypoints_px is not None  # the row: a Detection, its extras only
    with pytest.raises(ValueError, match="lack the tracker's columns"):
        Detections.concatenate([found, Detections(np.array([[1.0, 1, 5, 5]]), [0.5])])
    with pytest.raises(ValueError, match="unknown Detections data"):
        Detections(np.zeros((1, 4)), [1.0], {"trackerid": [1]})
