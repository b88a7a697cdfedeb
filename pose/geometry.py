"""From the network's output to image pixels and camera millimetres."""

from __future__ import annotations

import cv2
import numpy as np

__all__ = [
    "BBOX_3D_MM",
    "heatmap_to_image_px",
    "bins_to_depth_mm",
    "pixel_to_camera",
    "root_depth_from_bbox",
    "root_from_skeleton",
    "root_depth_from_bones",
    "decode_pose",
    "focal_from_fov",
    "box_iou",
    "inside_fraction",
    "SAME_VIEW_ASPECT",
    "same_view",
]

# Side of the cube (mm) around the root that the depth bins span, as in the reference.
BBOX_3D_MM = 2000.0
# Two frame sizes whose aspect ratios differ by at most this are the same view at another resolution: a WebRTC
# encoder scales by whole pixels, which moves the ratio by under 1% (360x640 -> 240x426: 0.16%; 160 px across:
# 0.6%); another camera's differs by far more (4:3 after 16:9: 25%).
SAME_VIEW_ASPECT = 0.02


def same_view(size: tuple[int, int], other: tuple[int, int]) -> bool:
    """Whether frames of ``size`` and ``other`` (width, height) can be one view at two resolutions
    (:data:`SAME_VIEW_ASPECT`)."""
    return abs((size[0] / other[0]) / (size[1] / other[1]) - 1.0) <= SAME_VIEW_ASPECT


def heatmap_to_image_px(
    coords_hm: np.ndarray, transform: np.ndarray, heatmap_size: tuple[int, int], input_size: tuple[int, int]
) -> np.ndarray:
    """Heatmap cells (..., 2+) -> image pixels (..., 2) through the inverse crop affine.

    Args:
        coords_hm: x, y in heatmap cells in the first two columns.
        transform: the 2x3 image->crop affine.
        heatmap_size: (height, width) of the heatmap.
        input_size: (height, width) of the network input.
    """
    crop_xy = coords_hm[..., :2] * np.array(
        [input_size[1] / heatmap_size[1], input_size[0] / heatmap_size[0]], dtype=np.float64
    )
    crop_to_image = cv2.invertAffineTransform(np.asarray(transform, dtype=np.float64))
    return crop_xy @ crop_to_image[:, :2].T + crop_to_image[:, 2]


def bins_to_depth_mm(z_bins: np.ndarray, depth_bins: int, root_depth_mm: float) -> np.ndarray:
    """Depth-bin coordinates -> absolute depth in mm, bins spanning the 2000 mm cube around the root."""
    return (np.asarray(z_bins, dtype=np.float64) / depth_bins * 2.0 - 1.0) * (BBOX_3D_MM / 2.0) + root_depth_mm


def pixel_to_camera(
    xy_px: np.ndarray, depth_mm: np.ndarray, focal: tuple[float, float], principal_point: tuple[float, float]
) -> np.ndarray:
    """Pinhole back-projection: pixels (..., 2) and depth (...,) -> camera mm (..., 3)."""
    depth_mm = np.asarray(depth_mm, dtype=np.float64)
    x = (xy_px[..., 0] - principal_point[0]) / focal[0] * depth_mm
    y = (xy_px[..., 1] - principal_point[1]) / focal[1] * depth_mm
    return np.stack([x, y, depth_mm], axis=-1)


def root_depth_from_bbox(
    bbox_xywh, focal: tuple[float, float], human_area_mm: tuple[float, float] = (BBOX_3D_MM, BBOX_3D_MM)
) -> float:
    """Root depth (mm) from the box's size: RootNet's pinhole prior, k = sqrt(fx fy A_real / A_img).

    Args:
        bbox_xywh: the person's (aspect-preserving) box in pixels.
        focal: (fx, fy) in pixels.
        human_area_mm: the real-world size the box is assumed to span.
    """
    _, _, w, h = (float(v) for v in bbox_xywh)
    return float(np.sqrt(focal[0] * focal[1] * human_area_mm[0] * human_area_mm[1] / max(w * h, 1e-6)))


def root_from_skeleton(
    keypoints_2d: np.ndarray,
    joints_rel_mm: np.ndarray,
    focal: tuple[float, float],
    principal_point: tuple[float, float],
    weights: np.ndarray | None = None,
) -> np.ndarray | None:
    """The root's camera position (3,) mm at which a metric skeleton projects onto its 2D joints.

    Weighted least squares of the pinhole equations made linear in the root ``T``:
    ``f (r + T)_x = (u - c)_x (r + T)_z`` for each joint, and the same in y. The depth then follows from
    the skeleton's own size (BlazePose's world landmarks are metric) instead of an assumed box size.

    Args:
        keypoints_2d: (J, 2) pixels.
        joints_rel_mm: (J, 3) the skeleton relative to its root, millimetres, camera axes.
        weights: (J,) how much each joint counts (e.g. its confidence); default all alike.

    Returns:
        None where the fit is degenerate or puts the root behind the camera.
    """
    u = np.asarray(keypoints_2d, dtype=np.float64) - np.asarray(principal_point, dtype=np.float64)
    rel = np.asarray(joints_rel_mm, dtype=np.float64)
    w = np.ones(len(u)) if weights is None else np.clip(np.asarray(weights, dtype=np.float64), 0.0, None)
    ok = np.isfinite(u).all(axis=1) & np.isfinite(rel).all(axis=1) & (w > 0)
    if ok.sum() < 2:
        return None
    u, rel, w = u[ok], rel[ok], np.sqrt(np.repeat(w[ok], 2))
    a = np.zeros((2 * len(u), 3))
    b = np.zeros(2 * len(u))
    for axis in (0, 1):
        a[axis::2, axis] = focal[axis]
        a[axis::2, 2] = -u[:, axis]
        b[axis::2] = u[:, axis] * rel[:, 2] - focal[axis] * rel[:, axis]
    root, *_ = np.linalg.lstsq(a * w[:, None], b * w, rcond=None)
    return root if np.isfinite(root).all() and root[2] > 0 else None


def root_depth_from_bones(
    keypoints_2d: np.ndarray,
    depth_rel_mm: np.ndarray,
    focal: tuple[float, float],
    bone_lengths_mm: dict[tuple[int, int], float],
    sure: np.ndarray,
    min_bones: int = 4,
) -> float | None:
    """The root's depth (mm) at which a skeleton of known bone lengths spans its 2D joints.

    A bone of length ``L`` whose ends differ in depth by ``dz`` spans ``sqrt(L^2 - dz^2)`` across the view,
    so at depth ``Z`` it is ``f sqrt(L^2 - dz^2) / Z`` pixels long: each bone with both ends sure gives its own
    ``Z`` (less its mean depth relative to the root), and the root's depth is their median, weighted by the
    bones' lengths (a long bone's pixels say more). So the depth follows from the skeleton rather than from an
    assumed size of the box around it.

    Args:
        keypoints_2d: (J, 2) pixels.
        depth_rel_mm: (J,) each joint's depth relative to the root, millimetres.
        focal: (fx, fy) in pixels.
        bone_lengths_mm: (parent, child) -> length, e.g. :data:`pose.skeleton.BONE_LENGTHS_MM`.
        sure: (J,) bool, the joints to use.
        min_bones: fewer sure bones than this give None.

    Returns:
        None where too few bones are sure or seen with a length.
    """
    xy = np.asarray(keypoints_2d, dtype=np.float64)
    dz = np.asarray(depth_rel_mm, dtype=np.float64)
    f = float(np.sqrt(focal[0] * focal[1]))
    depths, weights = [], []
    for (a, b), length in bone_lengths_mm.items():
        if not (sure[a] and sure[b]):
            continue
        pixels = float(np.hypot(*(xy[a] - xy[b])))
        across = np.sqrt(max(length**2 - (dz[a] - dz[b]) ** 2, (0.3 * length) ** 2))  # foreshortened to 30% at most
        if pixels < 1.0 or not np.isfinite(pixels + across):
            continue
        depths.append(f * across / pixels - (dz[a] + dz[b]) / 2.0)
        weights.append(length)
    if len(depths) < min_bones:
        return None
    order = np.argsort(depths)
    cumulative = np.cumsum(np.asarray(weights)[order])
    depth = float(np.asarray(depths)[order][np.searchsorted(cumulative, cumulative[-1] / 2.0)])
    return depth if depth > 0 else None


def focal_from_fov(image_size: tuple[int, int], horizontal_fov_deg: float) -> tuple[float, float]:
    """Square-pixel focal length (fx, fy) in pixels for a horizontal field of view."""
    width, _ = image_size
    f = width / 2.0 / np.tan(np.radians(horizontal_fov_deg) / 2.0)
    return float(f), float(f)


def decode_pose(
    coords_hm: np.ndarray,
    transform: np.ndarray,
    variant,
    root_depth_mm: float,
    focal: tuple[float, float],
    principal_point: tuple[float, float],
) -> tuple[np.ndarray, np.ndarray]:
    """The network's output (18, 3) -> image pixels (18, 2) and camera millimetres (18, 3), as the reference.

    Args:
        coords_hm: x, y in heatmap cells, z in depth bins.
        transform: the 2x3 image->crop affine of the crop.
        variant: the :class:`~pose.variants.Variant` that produced ``coords_hm``.
        root_depth_mm: absolute depth of the pelvis.
    """
    coords_hm = np.asarray(coords_hm, dtype=np.float64)
    keypoints_2d = heatmap_to_image_px(coords_hm, transform, variant.heatmap_size, variant.input_size)
    depth_mm = bins_to_depth_mm(coords_hm[:, 2], variant.depth_bins, root_depth_mm)
    return keypoints_2d, pixel_to_camera(keypoints_2d, depth_mm, focal, principal_point)


def box_iou(boxes_a: np.ndarray, boxes_b: np.ndarray) -> np.ndarray:
    """Intersection over union of every pair: (N, 4) and (M, 4) xywh boxes -> (N, M)."""
    a = np.asarray(boxes_a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(boxes_b, dtype=np.float64).reshape(-1, 4)
    a1, a2 = a[:, None, :2], a[:, None, :2] + a[:, None, 2:]
    b1, b2 = b[None, :, :2], b[None, :, :2] + b[None, :, 2:]
    overlap = np.clip(np.minimum(a2, b2) - np.maximum(a1, b1), 0.0, None).prod(axis=2)
    union = a[:, None, 2:].prod(axis=2) + b[None, :, 2:].prod(axis=2) - overlap
    return np.where(union > 0, overlap / np.maximum(union, 1e-9), 0.0)


def inside_fraction(small_xywh, large_xywh) -> float:
    """How much of the box ``small_xywh``'s area lies within ``large_xywh`` (0 where it has no area)."""
    x, y, w, h = np.asarray(small_xywh, dtype=np.float64)
    lx, ly, lw, lh = np.asarray(large_xywh, dtype=np.float64)
    inside = max(0.0, min(x + w, lx + lw) - max(x, lx)) * max(0.0, min(y + h, ly + lh) - max(y, ly))
    return inside / (w * h) if w * h > 0 else 0.0
