import cv2
import numpy as np
import pytest
import torch

import pose
from pose.crop import crop_image, expand_bbox, normalize_crop
from pose.model.topdown import flip_back
from pose.model.variants import VARIANTS


@pytest.fixture(scope="module")
def deterministic_models():
    return {name: pose.init_deterministic(pose.build_model(name)) for name in VARIANTS}


@pytest.mark.parametrize("name", list(VARIANTS))
def test_reference_pipeline_on_photos(name, golden, shared_dir, deterministic_models):
    model = deterministic_models[name]
    for case in golden["variants"][name]["pipeline"]:
        image = cv2.imread(str(shared_dir / case["image"]))
        assert image is not None, case["image"]
        result = pose.estimate(model, image, case["bbox"], focal=tuple(case["focal"]), root_depth_mm=case["root_depth"])
        np.testing.assert_allclose(result.bbox_xywh, case["processed_bbox"], atol=1e-6)
        np.testing.assert_allclose(result.keypoints_2d, case["pose_2d_px"], atol=0.05, rtol=0)
        np.testing.assert_allclose(result.keypoints_3d, case["pose_3d_cam_mm"], atol=0.5, rtol=0)
        explicit = pose.estimate(
            model,
            image,
            case["bbox"],
            focal=tuple(case["focal"]),
            principal_point=tuple(case["principal_point"]),
            root_depth_mm=case["root_depth"],
        )
        np.testing.assert_allclose(explicit.keypoints_3d, result.keypoints_3d)


def test_flip_back_is_an_involution_and_swaps_sides():
    coords = np.random.default_rng(1).uniform(0, 31, (18, 3))
    once = flip_back(coords, 32)
    np.testing.assert_allclose(once[4, 0], 31 - coords[1, 0])  # L_Hip <- mirrored R_Hip
    np.testing.assert_allclose(once[0, 0], 31 - coords[0, 0])  # Pelvis stays
    np.testing.assert_allclose(flip_back(once, 32), coords)


def test_flip_test_averages_with_the_mirrored_crop(deterministic_models):
    model = deterministic_models["XS"]
    rng = np.random.default_rng(2)
    image = rng.integers(0, 256, (200, 160, 3), dtype=np.uint8)
    bbox = [20.0, 30.0, 100.0, 140.0]
    result = pose.estimate(model, image, bbox, focal=(800.0, 800.0), root_depth_mm=3000.0, flip_test=True)
    crop, _ = crop_image(image, expand_bbox(bbox, (160, 200)))
    x = torch.from_numpy(normalize_crop(crop))[None]
    with torch.inference_mode():
        plain = model(x)[0].numpy()
        mirrored = model(torch.flip(x, dims=[3]))[0].numpy()
    np.testing.assert_allclose(result.keypoints_heatmap, (plain + flip_back(mirrored, 32)) / 2, atol=1e-5)


def test_bad_images_and_boxes(deterministic_models):
    model = deterministic_models["XS"]
    kwargs = dict(focal=(500.0, 500.0), root_depth_mm=3000.0)
    with pytest.raises(ValueError, match="uint8"):
        pose.estimate(model, np.zeros((64, 64, 3), np.float32), [0, 0, 10, 10], **kwargs)
    with pytest.raises(ValueError, match=r"\(H, W, 3\)"):
        pose.estimate(model, np.zeros((64, 64), np.uint8), [0, 0, 10, 10], **kwargs)
    with pytest.raises(ValueError, match="numpy array"):
        pose.estimate(model, "image.jpg", [0, 0, 10, 10], **kwargs)
    with pytest.raises(ValueError, match="no area"):
        pose.estimate(model, np.zeros((64, 64, 3), np.uint8), [100, 100, 10, 10], **kwargs)
