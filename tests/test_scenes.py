"""Scenes with known person boxes: deterministic, boxes on the people, variants, a fallback without ../shared."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SHARED, require_shared

from pose.measure import scenes


def test_same_seed_same_clip_and_boxes_inside_the_frame():
    a = scenes.multi_person_clip(6, 3, size=(320, 240), seed=3, heights=(60, 100), use_shared=False)
    b = scenes.multi_person_clip(6, 3, size=(320, 240), seed=3, heights=(60, 100), use_shared=False)
    c = scenes.multi_person_clip(6, 3, size=(320, 240), seed=4, heights=(60, 100), use_shared=False)
    assert all(np.array_equal(x.frame_bgr, y.frame_bgr) for x, y in zip(a, b))
    assert not np.array_equal(a[0].frame_bgr, c[0].frame_bgr)
    for frame, people in a:
        assert frame.shape == (240, 320, 3) and frame.dtype == np.uint8
        for person_id, (x, y, w, h) in people:
            assert 1 <= person_id <= 3 and 60 <= h <= 100
            assert x >= 0 and y >= 0 and x + w <= 320 and y + h <= 240


def test_the_box_holds_the_pasted_person():
    clip = scenes.multi_person_clip(1, 1, size=(320, 240), seed=0, use_shared=False, stay=True)
    (scene,) = clip
    ((_, (x, y, w, h)),) = scene.people
    x, y, w, h = (int(round(v)) for v in (x, y, w, h))
    background = scenes.multi_person_clip(1, 0, size=(320, 240), seed=0)[0].frame_bgr
    changed = np.abs(scene.frame_bgr.astype(int) - background).sum(axis=2) > 30
    ys, xs = np.nonzero(changed)
    assert xs.min() >= x - 1 and xs.max() <= x + w and ys.min() >= y - 1 and ys.max() <= y + h
    assert xs.max() - xs.min() > 0.8 * w and ys.max() - ys.min() > 0.8 * h  # the person fills the box


def test_people_arrive_and_leave_and_empty_clips():
    clip = scenes.multi_person_clip(30, 3, seed=5, use_shared=False, heights=(60, 150))
    counts = [len(people) for _, people in clip]
    assert max(counts) >= 2 and min(counts) < max(counts)
    assert all(not people for _, people in scenes.multi_person_clip(3, 0, seed=1))


def test_variants():
    colour, grey, dim = (
        scenes.multi_person_clip(1, 2, seed=1, variant=v, use_shared=False)[0].frame_bgr for v in scenes.VARIANTS
    )
    assert np.array_equal(grey[..., 0], grey[..., 1]) and not np.array_equal(colour[..., 0], colour[..., 1])
    assert dim.mean() < 0.5 * colour.mean()
    with pytest.raises(ValueError, match="variant"):
        scenes.multi_person_clip(1, 1, variant="sepia")


def test_cutouts_fall_back_to_grace_hopper():
    (only,) = scenes.cutouts(use_shared=False)
    assert only.name == "grace_hopper.jpg" and not only.full_body
    assert only.alpha.shape == only.image_bgr.shape[:2] and 0.3 < only.alpha.mean() < 1.0
    if scenes.shared_images() is None:
        for name in scenes.FULL_BODY_PHOTOS:  # the full-body cut-outs: skip, or fail in CI
            require_shared(SHARED / "images" / name)
    names = [c.name for c in scenes.cutouts()]
    assert names == [*scenes.FULL_BODY_PHOTOS, "grace_hopper.jpg"]
