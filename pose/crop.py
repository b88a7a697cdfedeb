"""From a person box to the network's input, as the reference pipeline does it.

box -> sanitised, aspect-preserving, 1.25x box -> affine warp (bilinear) to
256x256 -> BGR to RGB -> /255 -> ImageNet normalisation.
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = [
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "BOX_SCALE",
    "expand_bbox",
    "crop_transform",
    "crop_image",
    "normalize_crop",
    "check_image",
]

IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
BOX_SCALE = 1.25

# (crop/255 - mean) / std == crop * _SCALE + _SHIFT, per RGB channel.
_SCALE = (1.0 / (255.0 * IMAGENET_STD)).astype(np.float32)
_SHIFT = (-IMAGENET_MEAN / IMAGENET_STD).astype(np.float32)


def expand_bbox(bbox_xywh, image_size: tuple[int, int], aspect_ratio: float = 1.0) -> np.ndarray | None:
    """Clip a box to the image, make it ``aspect_ratio`` (w/h) around its centre, enlarge 1.25x.

    Args:
        bbox_xywh: (x, y, w, h) in image pixels.
        image_size: (width, height) of the image.
        aspect_ratio: width / height of the network input.

    Returns:
        The processed (x, y, w, h) as float64, or None for a box with no area
        inside the image.
    """
    x, y, w, h = (float(v) for v in bbox_xywh)
    width, height = image_size
    x1, y1 = max(0.0, x), max(0.0, y)
    x2 = min(width - 1.0, x1 + max(0.0, w - 1.0))
    y2 = min(height - 1.0, y1 + max(0.0, h - 1.0))
    if not (w * h > 0 and x2 >= x1 and y2 >= y1):
        return None
    w, h = x2 - x1, y2 - y1
    cx, cy = x1 + w / 2.0, y1 + h / 2.0
    if w > aspect_ratio * h:
        h = w / aspect_ratio
    elif w < aspect_ratio * h:
        w = h * aspect_ratio
    w, h = w * BOX_SCALE, h * BOX_SCALE
    return np.array([cx - w / 2.0, cy - h / 2.0, w, h])


def crop_transform(bbox_xywh, output_size: tuple[int, int] = (256, 256)) -> np.ndarray:
    """The 2x3 affine taking the box's pixels onto an ``output_size`` (w, h) crop.

    Computed from three float32 point pairs, as the reference does.
    """
    x, y, w, h = (float(v) for v in bbox_xywh)
    cx, cy = x + 0.5 * w, y + 0.5 * h
    out_w, out_h = output_size
    src = np.array([[cx, cy], [cx, cy + 0.5 * h], [cx + 0.5 * w, cy]], dtype=np.float32)
    dst = np.array([[out_w * 0.5, out_h * 0.5], [out_w * 0.5, out_h], [out_w, out_h * 0.5]], dtype=np.float32)
    return cv2.getAffineTransform(src, dst)


def crop_image(
    image_bgr: np.ndarray, bbox_xywh, output_size: tuple[int, int] = (256, 256)
) -> tuple[np.ndarray, np.ndarray]:
    """Warp the box to an ``output_size`` crop (bilinear, zeros outside).

    Returns:
        (crop_bgr (H, W, 3) of the image's dtype, the 2x3 image->crop affine).
    """
    transform = crop_transform(bbox_xywh, output_size)
    crop_bgr = cv2.warpAffine(image_bgr, transform, output_size, flags=cv2.INTER_LINEAR)
    return crop_bgr, transform


def normalize_crop(crop_bgr: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """BGR uint8 crop (H, W, 3) -> normalised RGB float32 (3, H, W).

    Args:
        crop_bgr: the crop from :func:`crop_image`.
        out: optional (3, H, W) float32 array to write into.
    """
    if out is None:
        out = np.empty((3, *crop_bgr.shape[:2]), dtype=np.float32)
    for rgb_channel in range(3):
        bgr_channel = crop_bgr[:, :, 2 - rgb_channel]
        np.multiply(bgr_channel, _SCALE[rgb_channel], out=out[rgb_channel], dtype=np.float32)
        out[rgb_channel] += _SHIFT[rgb_channel]
    return out


def check_image(image_bgr: np.ndarray) -> None:
    """Raise ValueError unless ``image_bgr`` is an (H, W, 3) uint8 array."""
    if not isinstance(image_bgr, np.ndarray):
        raise ValueError(f"expected an image as a numpy array, got {type(image_bgr).__name__}")
    if image_bgr.ndim != 3 or image_bgr.shape[2] != 3 or min(image_bgr.shape[:2]) < 1:
        raise ValueError(f"expected a BGR image of shape (H, W, 3), got shape {image_bgr.shape}")
    if image_bgr.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image, got dtype {image_bgr.dtype}")
