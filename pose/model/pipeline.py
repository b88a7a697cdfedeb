"""The reference single-person pipeline: image + box -> 2D pixels and 3D camera millimetres."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..crop import check_image
from ..geometry import decode_pose
from .topdown import infer_boxes
from .torch_loader import torch

__all__ = ["Estimate", "estimate"]


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
    """Run ConvNeXtPose on one person exactly as the reference demo does (the eager model, no rewrites).

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
    height, width = image_bgr.shape[:2]
    device = next(model.parameters()).device

    def run(batch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with torch.inference_mode():
            coords, confidence = model.forward_with_confidence(torch.from_numpy(batch).to(device))
        return coords.float().cpu().numpy(), confidence.float().cpu().numpy()

    (output,) = infer_boxes(run, model.variant, [(image_bgr, bbox_xywh)], flip_test=flip_test)
    if output is None:
        raise ValueError(f"bbox {list(bbox_xywh)} has no area inside the {width}x{height} image")
    if principal_point is None:
        principal_point = (width / 2.0, height / 2.0)
    keypoints_2d, keypoints_3d = decode_pose(
        output.coords_hm, output.transform, model.variant, root_depth_mm, focal, principal_point
    )
    return Estimate(keypoints_2d, keypoints_3d, output.coords_hm, output.bbox_xywh)
