"""Tiling (:mod:`pose.detect.tiles`): the tiles that cover a frame, and any detector run on them, here a scripted
one whose answers are known; a real plug-in detector on tiles is in tests/test_detect_onnx.py."""

from __future__ import annotations

import numpy as np
import pytest

from pose.detect import Detection, Detections
from pose.detect.tiles import TILE_ABOVE, BatchDetector, GridTiles, TiledDetector, tile_regions

FRAME = np.zeros((1200, 1600, 3), dtype=np.uint8)  # 2 x 2 tiles of 915 x 686 at x 0, 685 and y 0, 514


class Scripted:
    """A detector answering each call in turn: the whole frame first, then the tiles in :func:`tile_regions`'
    order. Boxes are (x, y, w, h, score) in the view's pixels."""

    def __init__(self, *answers: list[tuple[float, float, float, float, float]], input_size: int = 416) -> None:
        self.answers, self.input_size, self.nms_iou = list(answers), input_size, 0.45
        self.views: list[tuple[int, int]] = []
        self.was_reset = self.was_closed = False

    def detect(self, frame_bgr: np.ndarray) -> list[Detection]:
        self.views.append(frame_bgr.shape[1::-1])
        boxes = self.answers[len(self.views) - 1] if len(self.views) <= len(self.answers) else []
        return [
            Detection(np.array(box[:4], dtype=np.float64), box[4], keypoints_px=np.array([box[:2]])) for box in boxes
        ]

    def reset(self) -> None:
        self.was_reset = True

    def close(self) -> None:
        self.was_closed = True


def test_tiles_cover_the_frame_and_overlap():
    tiles = tile_regions((768, 576), 2)
    assert len(tiles) == 4 and tile_regions((768, 576), 1) == []
    covered = np.zeros((576, 768), dtype=int)
    for x, y, w, h in tiles:
        covered[y : y + h, x : x + w] += 1
    assert covered.min() >= 1 and (covered >= 2).mean() > 0.25  # a band of a quarter tile each way
    assert tile_regions((1600, 1200), 2) == [
        (0, 0, 915, 686),
        (685, 0, 915, 686),
        (0, 514, 915, 686),
        (685, 514, 915, 686),
    ]


def test_a_frame_no_larger_than_the_rule_is_looked_at_once():
    inner = Scripted([(10, 10, 20, 40, 0.5), (100, 10, 50, 100, 0.9)])
    tiled = TiledDetector(inner)  # the rule: a short side over TILE_ABOVE input sizes, 624 px here
    found = tiled.detect(np.zeros((int(TILE_ABOVE * 416), 2000, 3), np.uint8))
    assert inner.views == [(2000, 624)] and [d.score for d in found] == [0.9, 0.5]  # largest first
    assert tiled.regions((2000, 625)) and not TiledDetector(inner, GridTiles(700)).regions((2000, 625))


def test_tile_boxes_come_back_in_frame_pixels_merged_and_those_cut_by_an_inner_edge_go():
    inner = Scripted(
        [(100, 100, 200, 400, 0.6)],  # the whole frame sees a person ...
        [(102, 98, 200, 402, 0.9)],  # ... whom tile 1 sees surer: one person, the surer view
        [
            (300, 200, 40, 80, 0.5),  # a small person, only tile 2 (at x 685) sees
            (1, 300, 60, 120, 0.8),  # cut by the tile's left edge, inside the frame: left to the other views
            (500, 600, 50, 85, 0.8),  # cut by its bottom edge (686 - 9 px), inside the frame
        ],
        [],
        [(850, 100, 65, 150, 0.7)],  # on tile 4's right edge, the frame's own: kept
    )
    found = TiledDetector(inner).detect(FRAME)
    assert len(inner.views) == 5 and inner.views[1:] == [(915, 686)] * 4
    assert [(d.bbox_xywh.tolist(), d.score) for d in found] == [
        ([102, 98, 200, 402], 0.9),
        ([1535, 614, 65, 150], 0.7),
        ([985, 200, 40, 80], 0.5),
    ]
    np.testing.assert_allclose(found[2].keypoints_px, [[985, 200]])  # moved with its box


def test_max_people_counts_the_frame_and_the_detector_is_reset_and_closed_through_the_wrapper():
    inner = Scripted([(0, 0, 10, 10, 0.9)], [(0, 0, 40, 40, 0.5)], [(300, 300, 30, 30, 0.5)])
    tiled = TiledDetector(inner, max_people=2)
    assert [d.bbox_xywh[2] for d in tiled.detect(FRAME)] == [40, 30]  # the largest two of three views' people
    tiled.reset()
    tiled.close()
    assert inner.was_reset and inner.was_closed


def test_a_detector_without_an_input_size_needs_the_rule_given():
    inner = Scripted()
    del inner.input_size
    with pytest.raises(ValueError, match="give its tiles"):
        TiledDetector(inner)
    assert TiledDetector(inner, GridTiles(0)).regions((100, 100))  # 0: every frame is tiled


class ScriptedBatch(Scripted):
    """The scripted answers, all views in one call (a BatchDetector), boxes as given: past a view's edge too."""

    def __init__(self, *answers) -> None:
        super().__init__(*answers)
        self.calls = 0

    def detect_many(self, views_bgr):
        self.calls += 1
        return [Detections.from_list(self.detect(view)) for view in views_bgr]


def test_a_batch_detector_sees_every_view_in_one_call_and_a_box_may_stick_out_by_the_tolerance():
    inner = ScriptedBatch(
        [],
        [(840, 100, 100, 400, 0.9)],  # tile 1 (915 px wide): 25 px past its right edge, a quarter of the box
        [(300, 100, 50, 400, 0.8)],  # tile 2 (at x 685): inside it
        [(200, 600, 100, 100, 0.7)],  # tile 3 (at y 514): 14 px past its bottom edge, the frame's: kept
        [(100, 650, 100, 100, 0.6)],  # tile 4: 64 px past its bottom edge, the frame's too
    )
    strict = TiledDetector(inner)
    assert isinstance(inner, BatchDetector)
    found = strict.views(FRAME)
    assert inner.calls == 1 and len(inner.views) == 5  # the whole frame and four tiles, in one call
    assert found.score.tolist() == [0.8, 0.7, 0.6]  # tile 1's box goes past its inner edge: left to the others
    np.testing.assert_allclose(found.bbox_xywh[2], [785, 1164, 100, 36])  # clipped to the frame, not the tile
    assert TiledDetector(ScriptedBatch(*inner.answers), tolerance=0.25, edge=0.0).views(FRAME).score[0] == 0.9


def test_a_batch_detector_may_answer_with_lists_and_a_person_without_a_face_box_merges_on_their_box():
    class Listing(ScriptedBatch):
        def detect_many(self, views_bgr):
            self.calls += 1
            found = [self.detect(view) for view in views_bgr]
            if found[1]:  # tile 1's person has a face box, which the whole frame's same person lacks
                found[1] = [Detection(d.bbox_xywh, d.score, face_box_px=np.array([[0.0, 0], [9, 9]])) for d in found[1]]
            return found  # lists of Detection, as a detector of one's own may give

    inner = Listing([(100, 100, 200, 400, 0.6)], [(102, 98, 200, 402, 0.9)])
    found = TiledDetector(inner).views(FRAME)
    assert inner.calls == 1 and found.score.tolist() == [0.9]  # one person: the boxes overlap, the surer stays
