"""MediaPipe's pose-detection SSD decoding: anchors, boxes, weighted NMS, the landmark region."""

from __future__ import annotations

import numpy as np
import pytest

from pose.detect import ssd


def test_anchors_match_the_model():
    anchors = ssd.anchors()
    assert anchors.shape == (2254, 2)  # the model's 2254 boxes
    # stride 8: a 28x28 map, two anchors a cell, first cell centred at half a cell
    np.testing.assert_allclose(anchors[:2], [[0.5 / 28, 0.5 / 28]] * 2)
    assert np.allclose(anchors[1568], [0.5 / 14, 0.5 / 14])  # stride 16 starts after 28*28*2
    assert np.allclose(anchors[-1], [6.5 / 7, 6.5 / 7])  # three stride-32 layers share the 7x7 map
    with pytest.raises(ValueError, match="2254"):
        ssd.anchors(ssd.SsdSpec(num_layers=4, strides=(8, 16, 32, 32)))


def test_decode_offsets_from_the_anchor():
    regressors = np.zeros((2254, 12), dtype=np.float32)
    logits = np.full(2254, -10.0, dtype=np.float32)
    logits[1568] = 3.0  # the first stride-16 anchor, centre (1/28, 1/28)
    regressors[1568, :4] = 22.4, -22.4, 44.8, 22.4  # +0.1, -0.1 of the input; 0.2 x 0.1
    regressors[1568, 4:6] = 0.0, 22.4  # the hip keypoint 0.1 below the anchor
    boxes, scores = ssd.decode(regressors, logits)
    assert scores == pytest.approx([1 / (1 + np.exp(-3.0))])
    cx, cy = 1 / 28 + 0.1, 1 / 28 - 0.1
    np.testing.assert_allclose(boxes[0, :4], [cx - 0.1, cy - 0.05, cx + 0.1, cy + 0.05], atol=1e-6)
    np.testing.assert_allclose(boxes[0, 4:6], [1 / 28, 1 / 28 + 0.1], atol=1e-6)
    assert len(ssd.decode(regressors, logits, min_score=0.99)[0]) == 0


def test_weighted_nms_merges_clusters_and_keeps_separate_people():
    boxes = np.array([[0, 0, 10, 10, 5], [1, 0, 11, 10, 7], [50, 50, 60, 60, 1]], dtype=np.float32)
    scores = np.array([0.9, 0.3, 0.6], dtype=np.float32)
    merged, merged_scores = ssd.weighted_nms(boxes, scores)
    assert len(merged) == 2 and merged_scores.tolist() == pytest.approx([0.9, 0.6])
    np.testing.assert_allclose(merged[0], [0.25, 0, 10.25, 10, 5.5])  # score-weighted mean, keypoints too
    np.testing.assert_allclose(merged[1], boxes[2])


def test_body_roi_is_upright_for_a_standing_person_and_turns_with_the_body():
    centre, side, rotation = ssd.body_roi(np.array([100.0, 200.0]), np.array([100.0, 100.0]))
    assert rotation == pytest.approx(0.0) and side == pytest.approx(250.0)  # 2 x 100 x 1.25
    _, _, lying = ssd.body_roi(np.array([100.0, 200.0]), np.array([200.0, 200.0]))  # head to the right
    assert lying == pytest.approx(np.pi / 2)
    corners = ssd.roi_corners(np.array([100.0, 200.0]), 100.0, np.pi / 2)
    assert corners[0, 0] > 100 and corners[1, 1] > 200  # the crop's top edge lies on the right


def test_letterbox_keeps_the_aspect():
    image = np.full((50, 100, 3), 255, dtype=np.uint8)
    square, scale, (left, top) = ssd.letterbox(image, 224)
    assert scale == pytest.approx(2.24) and (left, top) == pytest.approx((0, 56))
    assert square[0].max() == 0 and square[112, :222].min() == 255  # the last columns blend with the border


def test_feature_maps_hold_every_anchor():
    assert ssd.feature_map_anchors() == [1568, 392, 294] and sum(ssd.feature_map_anchors()) == ssd.SSD.num_boxes


def test_unbatch_reads_each_feature_map_batch_by_batch():
    maps = ssd.feature_map_anchors()
    # image b's anchor a of map m is (b, m, a): laid out map by map, each map image by image
    flat = np.concatenate([[(b, m, a) for b in range(3) for a in range(n)] for m, n in enumerate(maps)])
    per_image = ssd.unbatch(flat[None].astype(np.float32), 3)
    assert per_image.shape == (3, ssd.SSD.num_boxes, 3)
    for b in range(3):
        assert np.all(per_image[b, :, 0] == b)
        np.testing.assert_array_equal(per_image[b, :, 1], np.repeat(np.arange(len(maps)), maps))
