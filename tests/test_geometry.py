import numpy as np
import pytest

from pose.crop import crop_transform
from pose.geometry import (
    bins_to_depth_mm,
    focal_from_fov,
    heatmap_to_image_px,
    pixel_to_camera,
    root_depth_from_bbox,
    root_from_skeleton,
)


def test_heatmap_to_image_inverts_the_crop():
    box = [40.0, 30.0, 200.0, 200.0]
    t = crop_transform(box, (256, 256))
    # heatmap (0,0) is crop (0,0) is the box corner; heatmap (16,16) of 32 is the box centre
    px = heatmap_to_image_px(np.array([[0.0, 0.0], [16.0, 16.0]]), t, (32, 32), (256, 256))
    np.testing.assert_allclose(px, [[40, 30], [140, 130]], atol=1e-3)


def test_depth_bins_span_the_2m_cube():
    np.testing.assert_allclose(bins_to_depth_mm([0, 16, 32], 32, 5000.0), [4000, 5000, 6000])


def test_pixel_to_camera_projects_back():
    xy = np.array([[100.0, 50.0], [320.0, 240.0]])
    cam = pixel_to_camera(xy, np.array([2000.0, 4000.0]), (500.0, 600.0), (320.0, 240.0))
    reproj = cam[:, :2] / cam[:, 2:] * [500.0, 600.0] + [320.0, 240.0]
    np.testing.assert_allclose(reproj, xy)
    np.testing.assert_allclose(cam[1], [0, 0, 4000])


def test_root_depth_prior_and_fov():
    # a 2 m person filling 200 px at f=1000 px is 10 m away
    assert abs(root_depth_from_bbox([0, 0, 200, 200], (1000.0, 1000.0)) - 10000.0) < 1e-6
    fx, fy = focal_from_fov((640, 480), 90.0)
    assert abs(fx - 320.0) < 1e-9 and fx == fy


def test_root_from_skeleton_recovers_where_a_metric_skeleton_stands():
    rng = np.random.default_rng(3)
    rel = rng.uniform(-800, 800, (18, 3)) * [0.4, 1.0, 0.2]
    rel -= rel[0]
    root, focal, centre = np.array([-400.0, 150.0, 3800.0]), (1500.0, 1490.0), (1010.0, 1040.0)
    cam = rel + root
    px = cam[:, :2] / cam[:, 2:] * focal + centre
    assert np.allclose(root_from_skeleton(px, rel, focal, centre), root, atol=1e-6)
    # Twice the size on the same pixels stands twice as far; a degenerate fit is refused.
    assert root_from_skeleton(px, rel * 2, focal, centre)[2] > 1.9 * root[2]
    assert root_from_skeleton(px[:1], rel[:1], focal, centre) is None
    assert root_from_skeleton(px, rel, focal, centre, weights=np.zeros(18)) is None


def test_a_skeleton_of_known_bone_lengths_gives_its_own_depth():
    from pose.geometry import root_depth_from_bones
    from pose.skeleton import BONE_LENGTHS_MM, BONES

    # a standing Human3.6M skeleton, some limbs turned towards the camera, its root 3.2 m away
    rng = np.random.default_rng(1)
    joints = np.zeros((18, 3))
    for parent, child in BONES:
        direction = rng.normal(size=3) * [1.0, 1.0, 0.5]
        joints[child] = joints[parent] + BONE_LENGTHS_MM[(parent, child)] * direction / np.linalg.norm(direction)
    focal, depth = (1100.0, 1100.0), 3200.0
    camera = joints + [150.0, -80.0, depth]
    pixels = camera[:, :2] / camera[:, 2:] * focal + [640.0, 360.0]
    sure = np.ones(18, bool)
    found = root_depth_from_bones(pixels, joints[:, 2], focal, BONE_LENGTHS_MM, sure)
    assert found == pytest.approx(depth, rel=0.03)
    # twice as far, half the size: twice the depth (the box's size plays no part)
    far = camera + [0.0, 0.0, depth]
    pixels_far = far[:, :2] / far[:, 2:] * focal + [640.0, 360.0]
    assert root_depth_from_bones(pixels_far, joints[:, 2], focal, BONE_LENGTHS_MM, sure) == pytest.approx(
        2 * depth, rel=0.03
    )
    # too few sure bones: no answer, the caller falls back on the box
    few = np.zeros(18, bool)
    few[[0, 1, 2]] = True
    assert root_depth_from_bones(pixels, joints[:, 2], focal, BONE_LENGTHS_MM, few) is None
