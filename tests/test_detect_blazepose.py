"""The bundled multi-person detector: real photos (skipped without ../shared) and scenes with known boxes."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from conftest import SHARED

from pose.detect import create_detector
from pose.detect.blazepose import BlazePoseDetector, _first_views, _tile_answers, body_box
from pose.measure.scenes import multi_person_clip, score_detector

IMAGES = SHARED / "images"
needs_photos = pytest.mark.usefixtures("shared_images")  # skips without ../shared/images; fails in CI


@pytest.fixture(scope="module")
def detector():
    return BlazePoseDetector()


def test_body_box_around_an_upright_and_a_lying_person():
    standing = np.array([[100.0, 200.0], [100.0, 100.0], [100.0, 130.0], [100.0, 80.0]])
    np.testing.assert_allclose(body_box(standing, (640, 480)), [55, 115, 90, 170])  # 0.85 / 0.45 of 100 px
    lying = np.array([[200.0, 200.0], [300.0, 200.0], [0, 0], [0, 0]])
    np.testing.assert_allclose(body_box(lying, (640, 480)), [115, 155, 170, 90])
    assert body_box(standing + 1000, (640, 480)) is None


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
    whole = score_detector(BlazePoseMultiPersonDetector(BlazePoseDetector(tiles=0)), clip)
    tiled = score_detector(BlazePoseMultiPersonDetector(BlazePoseDetector(tiles=2)), clip)
    assert tiled.recall >= whole.recall + 0.4
    assert tiled.false_per_frame <= 0.2 and tiled.false_on_empty == 0


def test_auto_regions_by_frame_size(detector):
    """A photo about a tile's size is searched whole; larger frames add the 3x3 coarse tiles, and from about
    2.5 fine tiles (480 px) the fine grid, whatever the aspect."""
    assert detector.regions((256, 256)) == [(0, 0, 256, 256)]
    assert len(detector.regions((400, 300))) == 1 + 9
    assert len(detector.regions((548, 342))) == len(detector.regions((640, 360))) == 1 + 9 + 9
    assert len(detector.regions((768, 576))) == len(detector.regions((1280, 720))) == 1 + 9 + 16
    coarse = detector.regions((700, 350))[1]
    assert coarse == (0, 0, 400, 200)  # 4/7 of the frame each way


def test_factory_default_is_bundled(monkeypatch):
    monkeypatch.delenv("CONVNEXTPOSE_DETECTOR", raising=False)
    from pose.detect.landmarks import BlazePoseMultiPersonDetector

    assert isinstance(create_detector(), BlazePoseMultiPersonDetector)  # every person, confirmed by landmarks
    assert isinstance(create_detector("BlazePose").detector, BlazePoseDetector)
    with pytest.raises(ValueError, match="unknown person detector"):
        create_detector("yolo-please")


def _row(face_xyxy, hip, top):
    return np.array([*face_xyxy, *hip, *top, *hip, *top], dtype=np.float32)


def test_a_tile_answers_for_a_close_up_cut_by_its_edge_but_the_whole_frames_view_comes_first():
    tile = (0, 0, 300, 200)
    inside = _row((140, 40, 160, 60), (150, 150), (150, 90))  # 60 px to the head: all of it in the tile
    cut = _row((140, 150, 170, 180), (155, 290), (155, 200))  # face in, body down past the tile's edge
    elsewhere = _row((340, 10, 380, 50), (360, 150), (360, 90))  # face outside the tile: another tile's
    rows = np.stack([inside, cut, elsewhere])
    whole, cut_only = _tile_answers(rows, tile, 0.15, (600, 400))
    assert whole.tolist() == [True, False, False] and cut_only.tolist() == [False, True, False]
    # the whole frame saw the close-up too: its view stays, as it was, and the cut one adds nobody
    seen = _row((141, 151, 171, 181), (150, 300), (152, 198))
    views = _first_views([(False, 0.95, cut), (True, 0.9, seen)])
    assert len(views) == 1 and np.array_equal(views[0][1], seen)
    assert len(_first_views([(True, 0.9, inside), (False, 0.95, cut)])) == 2  # nobody else saw the close-up


def test_one_batched_call_finds_what_a_call_per_region_finds(detector):
    """The whole frame and its tiles go through the model in one call (the batch's outputs unpacked by
    ssd.unbatch): the same detections as one call per region."""
    frame = multi_person_clip(1, 4, seed=1)[0].frame_bgr
    frame_rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
    crops = [frame_rgb[y : y + h, x : x + w] for x, y, w, h in detector.regions(frame.shape[1::-1])]
    assert len(crops) == 26  # 768x576: the whole, 9 coarse and 16 fine tiles
    batched = detector._run(crops)
    assert sum(len(rows) for rows, _ in batched) > 0
    for (rows, scores), crop in zip(batched, crops):
        ((one_rows, one_scores),) = detector._run([crop])
        np.testing.assert_allclose(rows, one_rows, atol=1e-3)
        np.testing.assert_allclose(scores, one_scores, atol=1e-5)
