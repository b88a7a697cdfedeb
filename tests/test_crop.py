import cv2
import numpy as np
import pytest

from pose.crop import IMAGENET_MEAN, IMAGENET_STD, crop_image, crop_transform, expand_bbox, normalize_crop

# (bbox, image (w, h), processed bbox) from shared/conformance/golden.json
CASES = [
    ([30.0, 20.0, 200.0, 220.0], (256, 256), [-7.375, -7.375, 273.75, 273.75]),
    ([40.0, 15.0, 190.0, 235.0], (256, 256), [-11.75, -14.25, 292.5, 292.5]),
    ([139.41, 102.25, 222.39, 241.57], (640, 392), [99.74875, 72.17875, 300.7125, 300.7125]),
    ([372.58, 170.84, 266.63, 217.19], (640, 392), [339.37625, 112.91625, 332.0375, 332.0375]),
]


@pytest.mark.parametrize("bbox, size, expected", CASES)
def test_expand_bbox_matches_reference(bbox, size, expected):
    np.testing.assert_allclose(expand_bbox(bbox, size), expected, atol=1e-9)


def test_expand_bbox_outside_image_is_none():
    assert expand_bbox([500, 500, 50, 50], (256, 256)) is None
    assert expand_bbox([10, 10, 0, 50], (256, 256)) is None


def test_crop_transform_maps_box_onto_crop():
    t = crop_transform([10.0, 20.0, 100.0, 100.0], (256, 256))
    corners = np.array([[10, 20, 1], [110, 120, 1], [60, 70, 1]], dtype=np.float64)
    np.testing.assert_allclose(corners @ t.T, [[0, 0], [256, 256], [128, 128]], atol=1e-4)


def test_crop_and_normalise_match_the_naive_formula():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (120, 90, 3), dtype=np.uint8)
    crop, t = crop_image(image, [5.0, 10.0, 80.0, 80.0])
    assert crop.shape == (256, 256, 3) and crop.dtype == np.uint8
    np.testing.assert_array_equal(crop, cv2.warpAffine(image, t, (256, 256), flags=cv2.INTER_LINEAR))
    naive = ((crop[:, :, ::-1].astype(np.float32) / 255.0 - IMAGENET_MEAN) / IMAGENET_STD).transpose(2, 0, 1)
    np.testing.assert_allclose(normalize_crop(crop), naive, atol=1e-5)
