"""The One-Euro filter (Casiez et al., CHI 2012) for keypoint arrays, and one person's pair of them."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["OneEuroFilter", "KeypointSmoother"]


def _alpha(cutoff_hz: float | np.ndarray, dt_s: float) -> float | np.ndarray:
    tau = 1.0 / (2.0 * math.pi * cutoff_hz)
    return 1.0 / (1.0 + tau / dt_s)


class OneEuroFilter:
    """Speed-adaptive low-pass filter, element-wise over an array.

    Slow motion is smoothed hard (cutoff ``min_cutoff``), fast motion lightly
    (cutoff grows by ``beta`` per unit of speed), so jitter drops without lag.

    Args:
        min_cutoff: cutoff frequency (Hz) at rest.
        beta: cutoff increase per unit/s of speed.
        d_cutoff: cutoff (Hz) of the speed estimate.
    """

    def __init__(self, min_cutoff: float = 1.0, beta: float = 0.0, d_cutoff: float = 1.0) -> None:
        self.min_cutoff, self.beta, self.d_cutoff = min_cutoff, beta, d_cutoff
        self.reset()

    def reset(self) -> None:
        """Forget the past: the next value passes through unchanged."""
        self._x: np.ndarray | None = None
        self._dx: np.ndarray | None = None
        self._t: float | None = None

    def scale(self, factor: float | np.ndarray) -> None:
        """Take the past into units ``factor`` times as large: its values and their speed (where the cutoff does
        not follow the speed, ``beta`` 0, the filter then goes on exactly as if it had been observed so).
        """
        if self._x is not None:
            self._x, self._dx = self._x * factor, self._dx * factor

    def __call__(self, x: np.ndarray, t_s: float) -> np.ndarray:
        """Filter ``x`` observed at time ``t_s`` (seconds); returns a new array."""
        x = np.asarray(x, dtype=np.float64)
        if self._x is None or self._t is None or t_s <= self._t or x.shape != self._x.shape:
            self._x, self._dx, self._t = x.copy(), np.zeros_like(x), t_s
            return x.copy()
        dt = t_s - self._t
        dx = (x - self._x) / dt
        self._dx = self._dx + _alpha(self.d_cutoff, dt) * (dx - self._dx)
        cutoff = self.min_cutoff + self.beta * np.abs(self._dx)
        self._x = self._x + _alpha(cutoff, dt) * (x - self._x)
        self._t = t_s
        return self._x.copy()


class KeypointSmoother:
    """One person's 2D (pixels) and 3D (millimetres) keypoints, each through its own One-Euro filter.

    Args:
        min_cutoff: both filters' cutoff at rest (Hz).
        beta_2d: the 2D filter's cutoff increase per pixel/s of speed.
        beta_3d: the 3D filter's, per millimetre/s.
    """

    def __init__(self, min_cutoff: float = 1.0, beta_2d: float = 0.05, beta_3d: float = 0.005) -> None:
        self.filter_2d = OneEuroFilter(min_cutoff=min_cutoff, beta=beta_2d)
        self.filter_3d = OneEuroFilter(min_cutoff=min_cutoff, beta=beta_3d)

    def __call__(self, keypoints_2d: np.ndarray, keypoints_3d: np.ndarray, t_s: float) -> tuple[np.ndarray, np.ndarray]:
        return self.filter_2d(keypoints_2d, t_s), self.filter_3d(keypoints_3d, t_s)

    def scale_2d(self, sx: float, sy: float) -> None:
        """The 2D past in the frame resized by ``sx`` across and ``sy`` down (the 3D one is in millimetres)."""
        self.filter_2d.scale(np.array([sx, sy]))
