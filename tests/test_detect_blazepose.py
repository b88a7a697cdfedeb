"""The bundled multi-person detector: real photos (skipped without ../shared) and scenes with known boxes."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from conftest import SHARED

from pose.detect import create_detector
from pose.detect.blazepose import BlazePoseDetector, BlazePoseTiles, blazepose_detector, body_extent
from pose.detect.detections import Detections
from pose.detect.tiles import TiledDetector
from pose.measure.scenes import multi_person_clip, score_detector

IMAGES = SHARED / "images"
needs_photos = pytest.mark.usefixtures("shared_images")  # skips without ../shared/images; fails in CI


@pytest.fixture(scope="module")
def detector():
    return blazepose_detector()


def test_body_extent_around_an_upright_and_a_lying_person():
    standing = np.array([[100.0, 200.0], [100.0, 100.0], [100.0, 130.0], [100.0, 80.0]])
    lying = np.array([[200.0, 200.0], [300.0, 200.0], [0, 0], [0, 0]])
    boxes = body_extent(np.stack([standing, lying, standing + 1000]))
    np.testing.assert_allclose(boxes[:2], [[55, 115, 90, 170], [115, 155, 170, 90]])  # 0.85 / 0.45 of 100 px
    assert len(Detections(boxes, np.ones(3)).clipped((640, 480))) == 2  # the third is out of the image


def test_nobody_on_empty_frames(detector):
    for frame, _ in multi_person_clip(8, 0, seed=11):
        assert len(detector.detect(frame)) == 0


@needs_photos
@pytest.mark.parametrize(
    ("photo", "at_least"), [("jump_suit.jpg", 1), ("jump_dark.png", 1), ("footballer.jpg", 1), ("skiers.jpg", 5)]
)
def test_people_in_the_photos(detector, photo, at_least):
    """Views of people: each person at least once (the landmark model keeps one each: test_detect_landmarks)."""
    frame = cv2.imread(str(IMAGES / photo))
    found = detector.detect(frame)
    assert at_least <= len(found) <= 10  # a person may come back once per region that sees them
    for person in found:
        x, y, w, h = person.bbox_xywh
        assert x >= 0 and y >= 0 and x + w <= frame.shape[1] + 1e-6 and y + h <= frame.shape[0] + 1e-6
        assert 0.5 <= person.score <= 1 and person.keypoints_px.shape == (4, 2)
    areas = [p.bbox_xywh[2] * p.bbox_xywh[3] for p in found]
    assert areas == sorted(areas, reverse=True)


@needs_photos
def test_the_footballer_not_the_crowd():
    (person,) = create_detector("blazepose").detect(cv2.imread(str(IMAGES / "footballer.jpg")))
    x, y, w, h = person.bbox_xywh
    assert 150 < x + w / 2 < 350 and h > 200  # the player in the middle, full height


def test_tiles_find_small_people_the_whole_frame_misses():
    """Each view boxed by the landmark model, as the app runs it (the bare SSD's views count a person seen
    whole and cut twice). Measured: 0.22 -> 0.83 with the photos of ../shared, 0.19 -> 1.00 without."""
    from pose.detect.landmarks import BlazePoseMultiPersonDetector

    clip = multi_person_clip(10, 4, seed=2, heights=(60, 120))  # 60-120 px people in 768x576
    whole = score_detector(BlazePoseMultiPersonDetector(blazepose_detector(tiles=0)), clip)
    tiled = score_detector(BlazePoseMultiPersonDetector(blazepose_detector(tiles=2)), clip)
    assert tiled.recall >= whole.recall + 0.4
    assert tiled.false_per_frame <= 0.2 and tiled.false_on_empty == 0


def test_auto_regions_by_frame_size(detector):
    """A photo about a tile's size is searched whole; larger frames add the 3x3 coarse tiles, and from about
    2.5 fine tiles (480 px) the fine grid, whatever the aspect."""
    assert detector.regions((256, 256)) == []
    assert len(detector.regions((400, 300))) == 9
    assert len(detector.regions((548, 342))) == len(detector.regions((640, 360))) == 9 + 9
    assert len(detector.regions((768, 576))) == len(detector.regions((1280, 720))) == 9 + 16
    assert detector.regions((700, 350))[0] == (0, 0, 400, 200)  # a coarse tile: 4/7 of the frame each way
    assert BlazePoseTiles(grid=0).regions((1280, 720)) == [] and len(BlazePoseTiles(grid=2).regions((256, 256))) == 13
    with pytest.raises(ValueError, match="tiles must be"):
        BlazePoseTiles(grid=-1)


def test_factory_default_is_bundled(monkeypatch):
    monkeypatch.delenv("CONVNEXTPOSE_DETECTOR", raising=False)
    from pose.detect.landmarks import BlazePoseMultiPersonDetector

    assert isinstance(create_detector(), BlazePoseMultiPersonDetector)  # every person, confirmed by landmarks
    ssd = create_detector("BlazePose").detector  # the one tiling wrapper around the bundled SSD
    assert isinstance(ssd, TiledDetector) and isinstance(ssd.detector, BlazePoseDetector)
    with pytest.raises(ValueError, match="unknown person detector"):
        create_detector("yolo-please")


class Scripted(BlazePoseDetector):
    """The bundled SSD's answers scripted per view, (face x1 y1 x2 y2, hip, scale point, score) in the view's
    pixels: the whole frame first, then the tiles in order."""

    def __init__(self, *answers):
        super().__init__()
        self.answers = answers

    def _run(self, images_bgr):
        rows = [
            np.array([[*face, *hip, *top, *hip, *top] for face, hip, top, _ in a], np.float32).reshape(-1, 12)
            for a in self.answers
        ]
        return [(r, np.array([score for *_, score in a], np.float32)) for r, a in zip(rows, self.answers)]


class TwoTiles:
    def regions(self, image_size):
        return [(0, 0, 300, 200), (300, 0, 300, 200)]


def _tiled(*answers):
    """The bundled detector's wrapper (blazepose_detector's settings) around the scripted SSD, on two tiles."""
    tiled = blazepose_detector()
    tiled.detector, tiled.tiles = Scripted(*answers), TwoTiles()
    return tiled


def test_a_tile_answers_for_a_close_up_cut_by_its_edge_but_the_whole_frames_view_comes_first():
    frame = np.zeros((300, 600, 3), np.uint8)
    inside = ((140, 40, 160, 60), (150, 150), (150, 90), 0.9)  # 60 px to the head: all of it in the tile
    cut = ((140, 150, 170, 180), (155, 290), (155, 200), 0.95)  # face in, body down past the tile's edge
    elsewhere = ((40, 10, 80, 50), (60, 150), (60, 90), 0.8)  # in tile 2 at x 340: face outside tile 1
    found = _tiled([], [inside, cut], [elsewhere]).views(frame)
    # seen whole first (by score), then the cut close-up, which no view sees whole; its box is its body's whole
    # extent clipped to the frame, not to the tile (which it lies below)
    assert found.score.round(2).tolist() == [0.9, 0.8, 0.95]
    np.testing.assert_allclose(found.bbox_xywh[2], [114.5, 213.5, 81, 86.5])  # 366.5 px down, clipped at 300
    np.testing.assert_allclose(found[1].face_box_px, [[340, 10], [380, 50]])  # moved into frame pixels
    # the whole frame saw the close-up too: its view stays, as it was, and the cut one adds nobody
    seen = ((141, 151, 171, 181), (150, 300), (152, 198), 0.9)
    (view,) = _tiled([seen], [cut], []).views(frame)
    np.testing.assert_allclose(view.keypoints_px[0], [150, 300])
    assert len(_tiled([], [inside], [elsewhere]).views(frame)) == 2


def test_one_batched_call_finds_what_a_call_per_region_finds(detector):
    """The whole frame and its tiles go through the model in one call (the batch's outputs unpacked by
    ssd.unbatch): the same detections as one call per region."""
    frame = multi_person_clip(1, 4, seed=1)[0].frame_bgr
    crops = [frame] + [frame[y : y + h, x : x + w] for x, y, w, h in detector.regions(frame.shape[1::-1])]
    assert len(crops) == 26  # 768x576: the whole, 9 coarse and 16 fine tiles
    ssd = detector.detector
    batched = ssd._run(crops)
    assert sum(len(rows) for rows, _ in batched) > 0
    for (rows, scores), crop in zip(batched, crops):
        ((one_rows, one_scores),) = ssd._run([crop])
        np.testing.assert_allclose(rows, one_rows, atol=1e-3)
        np.testing.assert_allclose(scores, one_scores, atol=1e-5)
