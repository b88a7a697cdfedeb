"""Footage with known person boxes, built from real photos of people, for tests and the benchmark.

People are cut out of real photos and pasted, at several sizes, onto a generated background; each
walks in its own lane (so nobody hides anybody and every box is the truth), arrives and leaves
during the clip. Variants: colour, greyscale, dim; clips with nobody give empty frames.

Where the people come from:

- ``../shared/images/jump_suit.jpg`` and ``jump_dark.png`` (full bodies on plain backgrounds) when the
  development data folder is there (``CONVNEXTPOSE_SHARED_IMAGES`` or ``<repo>/../shared/images``);
- always matplotlib's ``grace_hopper.jpg`` (a head-and-shoulders portrait), so the clips work on any install.

The person inside each photo is found once per process by MediaPipe's selfie segmentation (bundled in
the mediapipe wheel): its mask (above 0.5) is the cut-out's alpha and its bounding box the person's
box, so a pasted person's box is exact by construction, however the photo is scaled.
"""

from __future__ import annotations

import functools
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

__all__ = ["Cutout", "SceneFrame", "cutouts", "multi_person_clip", "shared_images", "VARIANTS"]

log = logging.getLogger(__name__)

VARIANTS = ("colour", "grey", "dim")
FULL_BODY_PHOTOS = ("jump_suit.jpg", "jump_dark.png")


@dataclass(frozen=True)
class Cutout:
    """A person cut out of a photo, cropped to the person's box.

    Attributes:
        name: the photo's file name.
        image_bgr: (h, w, 3) uint8, the photo inside the person's box.
        alpha: (h, w) float32 in [0, 1], the segmentation mask inside it.
        full_body: whether head to feet are in the photo (else head and shoulders).
    """

    name: str
    image_bgr: np.ndarray
    alpha: np.ndarray
    full_body: bool


@dataclass(frozen=True)
class SceneFrame:
    """One frame of a clip and the people in it.

    Attributes:
        frame_bgr: (H, W, 3) uint8.
        people: (person_id, bbox_xywh (4,) pixels) for everybody in view.
    """

    frame_bgr: np.ndarray
    people: tuple[tuple[int, np.ndarray], ...]

    def __iter__(self):  # unpacks as (frame_bgr, people)
        return iter((self.frame_bgr, list(self.people)))


def shared_images() -> Path | None:
    """The development photo folder, or None where it is absent (outside this development setup)."""
    env = os.environ.get("CONVNEXTPOSE_SHARED_IMAGES")
    folder = Path(env) if env else Path(__file__).resolve().parents[3] / "shared" / "images"
    return folder if all((folder / name).is_file() for name in FULL_BODY_PHOTOS) else None


def _grace_hopper() -> np.ndarray:
    from matplotlib import cbook

    return cv2.imread(str(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)))


def _cut_out(name: str, photo_bgr: np.ndarray, segmenter, full_body: bool) -> Cutout:
    mask = segmenter.process(cv2.cvtColor(photo_bgr, cv2.COLOR_BGR2RGB)).segmentation_mask
    ys, xs = np.nonzero(mask > 0.5)
    if len(xs) == 0:
        raise ValueError(f"no person found in {name}")
    x1, y1, x2, y2 = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
    alpha = np.where(mask[y1:y2, x1:x2] > 0.5, mask[y1:y2, x1:x2], 0.0).astype(np.float32)
    return Cutout(name, photo_bgr[y1:y2, x1:x2].copy(), alpha, full_body)


@functools.lru_cache(maxsize=2)
def cutouts(use_shared: bool = True) -> tuple[Cutout, ...]:
    """The people to paste: the shared full-body photos (when there and ``use_shared``) and Grace Hopper."""
    import mediapipe as mp

    photos = []
    folder = shared_images() if use_shared else None
    if folder is not None:
        photos += [(name, cv2.imread(str(folder / name)), True) for name in FULL_BODY_PHOTOS]
    else:
        log.info("shared photos absent: scenes use matplotlib's grace_hopper.jpg only")
    photos.append(("grace_hopper.jpg", _grace_hopper(), False))
    with mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=0) as segmenter:
        return tuple(_cut_out(name, photo, segmenter, full) for name, photo, full in photos)


def _background(size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """A room-like background: a wall and a floor with smooth shading, a few boxy objects, sensor noise."""
    width, height = size
    wall, floor = rng.uniform(60, 220, 3), rng.uniform(40, 180, 3)
    horizon = int(height * rng.uniform(0.45, 0.7))
    ramp = np.linspace(0.8, 1.15, height)[:, None, None]
    image = np.empty((height, width, 3), dtype=np.float32)
    image[:horizon] = wall
    image[horizon:] = floor
    image *= ramp
    low = cv2.resize(rng.normal(0, 18, (9, 12, 3)).astype(np.float32), (width, height), interpolation=cv2.INTER_CUBIC)
    image += low
    for _ in range(rng.integers(3, 7)):
        w, h = int(rng.uniform(0.05, 0.25) * width), int(rng.uniform(0.05, 0.3) * height)
        x, y = int(rng.uniform(0, width - w)), int(rng.uniform(0, height - h))
        cv2.rectangle(image, (x, y), (x + w, y + h), rng.uniform(20, 235, 3).tolist(), -1)
    image += rng.normal(0, 3, image.shape).astype(np.float32)
    return np.clip(image, 0, 255).astype(np.uint8)


@dataclass
class _Walker:
    person_id: int
    cutout: Cutout
    height: int
    lane: tuple[int, int]  # x range it may occupy
    x: float
    y: float
    vx: float
    vy: float
    enter: int
    leave: int
    flip: bool


def _paste(frame: np.ndarray, walker: _Walker) -> np.ndarray:
    """Alpha-blend the walker into ``frame`` in place; returns its box (x, y, w, h)."""
    cut = walker.cutout
    scale = walker.height / cut.image_bgr.shape[0]
    w = max(2, round(cut.image_bgr.shape[1] * scale))
    h = walker.height
    image = cv2.resize(cut.image_bgr, (w, h), interpolation=cv2.INTER_AREA)
    alpha = cv2.resize(cut.alpha, (w, h), interpolation=cv2.INTER_AREA)[..., None]
    if walker.flip:
        image, alpha = image[:, ::-1], alpha[:, ::-1]
    x, y = int(round(walker.x)), int(round(walker.y))
    region = frame[y : y + h, x : x + w]
    region[:] = (region * (1 - alpha) + image * alpha).astype(np.uint8)
    return np.array([x, y, w, h], dtype=np.float64)


def _apply_variant(frame: np.ndarray, variant: str) -> np.ndarray:
    if variant == "grey":
        return cv2.cvtColor(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    if variant == "dim":  # a dark room: a third of the light, a gamma lift as a camera would apply
        return np.clip(((frame / 255.0) ** 1.3) * 255 * 0.35, 0, 255).astype(np.uint8)
    return frame


def multi_person_clip(
    n_frames: int,
    n_people: int,
    size: tuple[int, int] = (768, 576),
    seed: int = 0,
    *,
    heights: tuple[int, int] = (60, 360),
    variant: str = "colour",
    use_shared: bool = True,
    stay: bool = False,
) -> list[SceneFrame]:
    """A clip of ``n_frames`` frames with ``n_people`` people walking in it, deterministic for ``seed``.

    Each person keeps a height drawn from ``heights`` (pixels, head to feet for full bodies), walks
    within its own vertical lane (head-and-shoulders portraits stand on the bottom edge, as somebody
    close to the camera is cut by the frame), and is in view from a random arrival to a random departure frame
    (the whole clip when ``stay``). Half of the people (alternately) come from each photo where
    several are available.

    Args:
        n_frames: frames in the clip.
        n_people: people in it (0 gives a clip of empty frames).
        size: (width, height) of the frames.
        seed: the random seed; the same arguments give the same clip.
        heights: (min, max) person height in pixels.
        variant: "colour", "grey" (greyscale) or "dim" (a third of the light).
        use_shared: use the shared full-body photos when present (else Grace Hopper only).
        stay: everybody is in view in every frame.

    Returns:
        one :class:`SceneFrame` per frame; it unpacks as ``frame_bgr, people``.

    Raises:
        ValueError: for a variant not in :data:`VARIANTS`, or people who cannot fit their lanes.
    """
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
    width, height = size
    rng = np.random.default_rng(seed)
    people = cutouts(use_shared)
    background = _background(size, rng)
    lane_w = width // max(n_people, 1)
    walkers = []
    for i in range(n_people):
        cut = people[i % len(people)]
        aspect = cut.image_bgr.shape[1] / cut.image_bgr.shape[0]
        max_h = min(heights[1], height - 2, int((lane_w - 2) / aspect))
        if max_h < heights[0]:
            raise ValueError(f"{n_people} people of {heights[0]}+ px do not fit side by side in {size}")
        h = int(rng.integers(heights[0], max_h + 1))
        w = round(h * aspect)
        lane = (i * lane_w, (i + 1) * lane_w - w)
        enter, leave = (0, n_frames) if stay else sorted(rng.integers(0, n_frames + 1, 2).tolist())
        if not stay and leave - enter < max(1, n_frames // 3):  # long enough to be seen
            enter, leave = max(0, leave - n_frames // 2), min(n_frames, leave + n_frames // 3)
        walkers.append(
            _Walker(
                i + 1,
                cut,
                h,
                lane,
                rng.uniform(*lane),
                rng.uniform(0, height - h) if cut.full_body else height - h,
                rng.uniform(-4, 4),
                rng.uniform(-2, 2) if cut.full_body else 0.0,
                enter,
                leave,
                bool(rng.integers(2)),
            )
        )
    frames = []
    for t in range(n_frames):
        frame = background.copy()
        boxes = []
        for walker in walkers:
            if walker.enter <= t < walker.leave:
                boxes.append((walker.person_id, _paste(frame, walker)))
            _step(walker, height)
        frames.append(SceneFrame(_apply_variant(frame, variant), tuple(boxes)))
    return frames


def _step(walker: _Walker, frame_height: int) -> None:
    """Move one frame on, bouncing off the lane's sides and the frame's top and bottom."""
    walker.x += walker.vx
    walker.y += walker.vy
    lo, hi = walker.lane
    if not lo <= walker.x <= hi:
        walker.vx = -walker.vx
        walker.x = float(np.clip(walker.x, lo, hi))
    if not 0 <= walker.y <= frame_height - walker.height:
        walker.vy = -walker.vy
        walker.y = float(np.clip(walker.y, 0, frame_height - walker.height))


@dataclass(frozen=True)
class DetectionScore:
    """How a detector did on a clip.

    Attributes:
        recall: people found (a detection at IoU >= the threshold, one each) over people in view.
        false_per_frame: detections that matched nobody, per frame.
        false_on_empty: such detections on frames with nobody in view.
        empty_frames: frames with nobody in view.
        ms_per_frame: mean detector time per frame.
    """

    recall: float
    false_per_frame: float
    false_on_empty: int
    empty_frames: int
    ms_per_frame: float


def score_detector(detector, clip: list[SceneFrame], iou: float = 0.5) -> DetectionScore:
    """Run ``detector`` (a :class:`~pose.detect.PersonDetector`) on every frame of ``clip`` and score it
    against the known boxes, each truth matched to at most one detection (Hungarian on IoU)."""
    import time

    from scipy.optimize import linear_sum_assignment

    from pose.geometry import box_iou

    people = found = false = false_on_empty = empty = 0
    elapsed = 0.0
    for scene in clip:
        t0 = time.perf_counter()
        detections = detector.detect(scene.frame_bgr)
        elapsed += time.perf_counter() - t0
        truths = np.array([box for _, box in scene.people]).reshape(-1, 4)
        boxes = np.array([d.bbox_xywh for d in detections]).reshape(-1, 4)
        overlap = box_iou(truths, boxes)
        rows, cols = linear_sum_assignment(-overlap) if overlap.size else ((), ())
        hits = sum(overlap[r, c] >= iou for r, c in zip(rows, cols))
        people += len(truths)
        found += hits
        false += len(boxes) - hits
        if not len(truths):
            empty += 1
            false_on_empty += len(boxes)
    frames = max(len(clip), 1)
    return DetectionScore(found / max(people, 1), false / frames, false_on_empty, empty, elapsed / frames * 1e3)


# The clips of the detector measurement: (label, arguments of multi_person_clip).
MEASURED_CLIPS: tuple[tuple[str, dict], ...] = (
    ("mixed 60-360 px", dict(n_people=4, seed=1)),
    ("small 60-120 px", dict(n_people=4, seed=2, heights=(60, 120))),
    ("mixed grey", dict(n_people=4, seed=3, variant="grey")),
    ("small grey", dict(n_people=4, seed=5, heights=(60, 120), variant="grey")),
    ("mixed dim", dict(n_people=4, seed=4, variant="dim")),
    ("empty", dict(n_people=0, seed=6)),
)


def _detectors() -> dict[str, object]:
    from pose.detect.blazepose import blazepose_detector
    from pose.detect.landmarks import BlazePoseMultiPersonDetector

    return {
        "SSD whole frame": blazepose_detector(tiles=0),
        "SSD coarse + 2x2 tiles": blazepose_detector(tiles=2),
        "SSD auto tiles": blazepose_detector(),
        "SSD whole + landmarks": BlazePoseMultiPersonDetector(blazepose_detector(tiles=0)),
        "SSD auto + landmarks": BlazePoseMultiPersonDetector(),
    }


def main(argv: list[str] | None = None) -> None:
    """``python -m pose.measure.scenes [--frames N]``: recall, false people and time per detector and clip."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--frames", type=int, default=30, help="frames per clip")
    args = parser.parse_args(argv)
    clips = [(label, multi_person_clip(args.frames, **kw)) for label, kw in MEASURED_CLIPS]
    header = ("detector", "clip", "recall@0.5", "false/frame", "false on empty", "ms/frame")
    print("{:24s} {:16s} {:>10s} {:>11s} {:>14s} {:>8s}".format(*header))
    for name, detector in _detectors().items():
        for label, clip in clips:
            s = score_detector(detector, clip)
            print(
                f"{name:24s} {label:16s} {s.recall:10.2f} {s.false_per_frame:11.2f} "
                f"{s.false_on_empty:>8d} of {s.empty_frames:<3d} {s.ms_per_frame:8.0f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
