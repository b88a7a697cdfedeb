"""The reference single-person pipeline: image + box -> 2D pixels and 3D camera millimetres."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .crop import crop_image, expand_bbox, normalize_crop
from .geometry import decode_pose
from .skeleton import FLIP_PERMUTATION
from .variants import Variant

__all__ = ["Estimate", "estimate", "flip_back", "check_image"]


@dataclass(frozen=True)
class Estimate:
    """One person's pose from :func:`estimate`.

    Attributes:
        keypoints_2d: (18, 2) image pixels.
        keypoints_3d: (18, 3) camera millimetres.
        keypoints_heatmap: (18, 3) raw network output (heatmap cells, depth bins).
        bbox_xywh: the processed (aspect-preserving, 1.25x) box that was cropped.
    """

    keypoints_2d: np.ndarray
    keypoints_3d: np.ndarray
    keypoints_heatmap: np.ndarray
    bbox_xywh: np.ndarray


def check_image(image_bgr: np.ndarray) -> None:
    """Raise ValueError unless ``image_bgr`` is an (H, W, 3) uint8 array."""
    if not isinstance(image_bgr, np.ndarray):
        raise ValueError(f"expected an image as a numpy array, got {type(image_bgr).__name__}")
    if image_bgr.ndim != 3 or image_bgr.shape[2] != 3 or min(image_bgr.shape[:2]) < 1:
        raise ValueError(f"expected a BGR image of shape (H, W, 3), got shape {image_bgr.shape}")
    if image_bgr.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image, got dtype {image_bgr.dtype}")


def flip_back(coords_flipped: np.ndarray | torch.Tensor, heatmap_width: int):
    """Map outputs of horizontally flipped crops back: x -> W - 1 - x, left/right joints swapped."""
    out = coords_flipped[..., list(FLIP_PERMUTATION), :]  # advanced indexing copies
    out[..., 0] = heatmap_width - 1 - out[..., 0]
    return out


def estimate(
    model: torch.nn.Module,
    image_bgr: np.ndarray,
    bbox_xywh,
    *,
    focal: tuple[float, float],
    principal_point: tuple[float, float] | None = None,
    root_depth_mm: float,
    flip_test: bool = False,
) -> Estimate:
    """Run ConvNeXtPose on one person exactly as the reference demo does.

    Args:
        model: a ConvNeXtPose (``model.variant`` set), e.g. from :func:`pose.load_checkpoint`.
        image_bgr: (H, W, 3) uint8 image as OpenCV reads it.
        bbox_xywh: the person's box (x, y, w, h) in pixels.
        focal: (fx, fy) in pixels.
        principal_point: (cx, cy) in pixels; the image centre when None.
        root_depth_mm: absolute depth of the pelvis.
        flip_test: average with the horizontally flipped crop (test-time augmentation).

    Raises:
        ValueError: for a bad image or a box with no area inside it.
    """
    check_image(image_bgr)
    variant: Variant = model.variant
    height, width = image_bgr.shape[:2]
    in_h, in_w = variant.input_size
    box = expand_bbox(bbox_xywh, (width, height), aspect_ratio=in_w / in_h)
    if box is None:
        raise ValueError(f"bbox {list(bbox_xywh)} has no area inside the {width}x{height} image")
    crop_bgr, transform = crop_image(image_bgr, box, (in_w, in_h))
    batch = torch.from_numpy(normalize_crop(crop_bgr))[None]
    if flip_test:
        batch = torch.cat([batch, batch.flip(dims=[3])])
    device = next(model.parameters()).device
    with torch.inference_mode():
        out = model(batch.to(device)).float().cpu().numpy().astype(np.float64)
    coords = (out[0] + flip_back(out[1], variant.heatmap_size[1])) / 2.0 if flip_test else out[0]

    if principal_point is None:
        principal_point = (width / 2.0, height / 2.0)
    keypoints_2d, keypoints_3d = decode_pose(coords, transform, variant, root_depth_mm, focal, principal_point)
    return Estimate(keypoints_2d, keypoints_3d, coords, box)
