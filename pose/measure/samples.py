"""Sample footage made on the spot: a person photo moving across a frame.

For tests, the benchmark and the app's demo clip; nothing is downloaded. The
default photo is the one matplotlib ships (``grace_hopper.jpg``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

__all__ = ["person_photo", "moving_person_frames"]


def person_photo(path: str | Path | None = None) -> np.ndarray:
    """A BGR photo of a person: ``path``, or matplotlib's ``grace_hopper.jpg``.

    Raises:
        ValueError: when the file cannot be read as an image.
    """
    if path is None:
        from matplotlib import cbook

        path = cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError(f"cannot read {path} as an image")
    return image


def moving_person_frames(
    n_frames: int = 60,
    size: tuple[int, int] = (640, 480),
    photo: np.ndarray | None = None,
    person_height: float = 0.8,
    absent: tuple[int, int] | None = None,
    seed: int = 0,
) -> Iterator[np.ndarray]:
    """Yield ``n_frames`` BGR frames of ``size`` (w, h) with the photo gliding left to right and back.

    Args:
        n_frames: frames to make.
        size: (width, height) of each frame.
        photo: the person photo (default :func:`person_photo`).
        person_height: the photo's height as a fraction of the frame's.
        absent: [start, stop) frame range in which the person is out of view.
        seed: for the background's light noise.
    """
    width, height = size
    photo = person_photo() if photo is None else photo
    scale = person_height * height / photo.shape[0]
    sprite = cv2.resize(
        photo, (max(1, int(photo.shape[1] * scale)), max(1, int(photo.shape[0] * scale))), interpolation=cv2.INTER_AREA
    )
    sh, sw = sprite.shape[:2]
    sw, sh = min(sw, width), min(sh, height)
    sprite = sprite[:sh, :sw]
    rng = np.random.default_rng(seed)
    gradient = np.linspace(170, 230, width, dtype=np.float32)[None, :, None]
    background = np.broadcast_to(gradient, (height, width, 3)).astype(np.uint8)
    top = (height - sh) // 2
    travel = width - sw
    for i in range(n_frames):
        frame = background.copy()
        frame += rng.integers(0, 4, frame.shape, dtype=np.uint8)
        if not (absent and absent[0] <= i < absent[1]):
            phase = (i / max(n_frames - 1, 1)) * 2.0
            left = int(round(travel * (phase if phase <= 1.0 else 2.0 - phase)))
            frame[top : top + sh, left : left + sw] = sprite
        yield frame
