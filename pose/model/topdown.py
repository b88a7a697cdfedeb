"""The top-down step, in one place: boxes -> crops -> one network call -> flip-averaged output.

Every caller (the estimator, the reference pipeline, evaluation, comparison
and the benchmark) runs people through :func:`infer_boxes`, so cropping,
normalisation and flip averaging (of coordinates *and* confidence) cannot
drift apart. Decoding to pixels and millimetres is :func:`pose.geometry.decode_pose`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..crop import crop_image, expand_bbox, normalize_crop
from ..skeleton import FLIP_PERMUTATION
from .variants import Variant

__all__ = ["CropOutput", "crop_batch", "run_crops", "infer_boxes", "flip_back", "RunBatch"]

# A runner: (N, 3, H, W) float32 crops -> coords (N, J, 3) and confidence (N, J).
RunBatch = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class CropOutput:
    """The network's answer for one person's box.

    Attributes:
        coords_hm: (18, 3) heatmap cells (x, y) and depth bins (z), flip-averaged when asked.
        confidence: (18,) per joint, flip-averaged likewise.
        bbox_xywh: the processed (aspect-preserving, 1.25x) box that was cropped.
        transform: the 2x3 image->crop affine.
    """

    coords_hm: np.ndarray
    confidence: np.ndarray
    bbox_xywh: np.ndarray
    transform: np.ndarray


def flip_back(coords_flipped: np.ndarray, heatmap_width: int) -> np.ndarray:
    """Map outputs of horizontally flipped crops back: x -> W - 1 - x, left/right joints swapped."""
    out = coords_flipped[..., list(FLIP_PERMUTATION), :]  # advanced indexing copies
    out[..., 0] = heatmap_width - 1 - out[..., 0]
    return out


def crop_batch(
    variant: Variant, items: Sequence[tuple[np.ndarray, np.ndarray]], *, expand: bool = True, spare: int = 0
) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray] | None]]:
    """Crop and normalise every (frame_bgr, bbox_xywh) into one batch.

    Returns:
        (batch (N + spare, 3, H, W) float32 whose first N rows are the crops that exist, in order;
        per item, (processed box, 2x3 affine), or None where the box has no area inside its frame).
    """
    in_h, in_w = variant.input_size
    batch = np.empty((len(items) + spare, 3, in_h, in_w), dtype=np.float32)
    prepared: list[tuple[np.ndarray, np.ndarray] | None] = []
    n = 0
    for frame_bgr, bbox_xywh in items:
        height, width = frame_bgr.shape[:2]
        box = expand_bbox(bbox_xywh, (width, height), in_w / in_h) if expand else np.asarray(bbox_xywh, float)
        if box is None:
            prepared.append(None)
            continue
        crop_bgr, transform = crop_image(frame_bgr, box, (in_w, in_h))
        normalize_crop(crop_bgr, out=batch[n])
        prepared.append((box, transform))
        n += 1
    return batch, prepared


def run_crops(
    run: RunBatch, variant: Variant, batch: np.ndarray, n: int, *, flip_test: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """One network call on the first ``n`` crops of ``batch`` (from :func:`crop_batch`).

    With ``flip_test`` the mirrored crops go into rows n..2n (``batch`` must have them spare) and
    coordinates and confidence are both averaged with their mirror images.

    Returns:
        coords (n, J, 3) and confidence (n, J).
    """
    if not flip_test:
        return run(batch[:n])
    batch[n : 2 * n] = batch[:n, :, :, ::-1]
    coords, confidence = run(batch[: 2 * n])
    coords = (coords[:n] + flip_back(coords[n:], variant.heatmap_size[1])) / 2.0
    confidence = (confidence[:n] + confidence[n:][:, list(FLIP_PERMUTATION)]) / 2.0
    return coords, confidence


def infer_boxes(
    run: RunBatch,
    variant: Variant,
    items: Sequence[tuple[np.ndarray, np.ndarray]],
    *,
    flip_test: bool = False,
    expand: bool = True,
    timings_ms: dict[str, float] | None = None,
) -> list[CropOutput | None]:
    """Run the network on every (frame_bgr, bbox_xywh) in ``items`` with one call.

    Args:
        run: a runner (see :mod:`pose.model.backends`) or any callable of that shape.
        variant: the network's variant (input and heatmap sizes).
        items: people to estimate, each a frame (H, W, 3) uint8 and a box (x, y, w, h) in its pixels;
            several people of one frame, or of several frames, share the call.
        flip_test: also run the mirrored crops and average (twice the work).
        expand: make each box the input's aspect ratio and 1.25x larger first, as the reference does;
            False crops the boxes as given (already processed, e.g. Human3.6M's).
        timings_ms: if given, receives the milliseconds spent on "crop" and "infer".

    Returns:
        One :class:`CropOutput` per item, None where the box has no area inside its frame.
    """
    t0 = time.perf_counter()
    batch, prepared = crop_batch(variant, items, expand=expand, spare=len(items) if flip_test else 0)
    n = sum(p is not None for p in prepared)
    t1 = time.perf_counter()
    if n:
        coords, confidence = run_crops(run, variant, batch, n, flip_test=flip_test)
    if timings_ms is not None:
        timings_ms.update(crop=(t1 - t0) * 1e3, infer=(time.perf_counter() - t1) * 1e3)
    if n == 0:
        return [None] * len(items)
    outputs: list[CropOutput | None] = []
    k = 0
    for item in prepared:
        if item is None:
            outputs.append(None)
            continue
        box, transform = item
        outputs.append(CropOutput(coords[k].astype(np.float64), confidence[k].astype(np.float64), box, transform))
        k += 1
    return outputs
