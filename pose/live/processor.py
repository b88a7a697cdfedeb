"""Live processing shared by every source: estimate, draw, and keep the readouts.

:class:`LiveProcessor` is what a frame callback calls (WebRTC or an OpenCV
loop). It is thread-safe: the callback thread calls :meth:`~LiveProcessor.process`,
the page reads :meth:`~LiveProcessor.stats`. It knows nothing of Streamlit.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..draw import DrawOptions, draw_message, draw_people
from ..engine.estimator import PoseEstimator, PoseResult
from ..engine.stages import LIVE_STAGES, live_stage_ms

__all__ = ["DrawOptions", "LiveStats", "LiveProcessor"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LiveStats:
    """A snapshot of the live readouts.

    Attributes:
        frames: frames processed.
        fps: end-to-end frames per second over the last window.
        fps_history: (seconds since start, fps) samples, the last ``history_s``.
        stage_ms: mean milliseconds per stage over the window (:data:`pose.engine.stages.LIVE_STAGES`).
        dropped: frames the source delivered that were never processed.
        person_in_view: whether the newest frame had someone in it.
        per_variant_fps: each estimator's own frames per second (1000 / its mean ms per frame).
        latest: the newest result, and the variant that produced it.
        last_seen: the newest result with anyone in it (``latest`` itself while someone is in view).
        last_seen_age_s: seconds since ``last_seen`` was made.
        options: what the user asked the overlay to show; each result is drawn with :meth:`draw_for`.
    """

    frames: int = 0
    fps: float = 0.0
    fps_history: tuple[tuple[float, float], ...] = ()
    stage_ms: dict = field(default_factory=dict)
    dropped: int = 0
    person_in_view: bool = False
    per_variant_fps: dict = field(default_factory=dict)
    latest: PoseResult | None = None
    error: str | None = None
    options: DrawOptions = DrawOptions()
    last_seen: PoseResult | None = None
    last_seen_age_s: float = float("inf")

    def shown(self, hold_s: float) -> PoseResult | None:
        """What a view redrawn every ``hold_s`` seconds shows: the newest result, or, while nobody is in it,
        the newest one with people if it is at most ``hold_s`` old. A person found on one frame and lost on
        the next (small, far people) then stays on such a view until its next redraw instead of missing it.
        """
        if (self.latest is None or not self.latest.people) and self.last_seen_age_s <= hold_s:
            return self.last_seen
        return self.latest

    def draw_for(self, result: PoseResult | None) -> DrawOptions:
        """What ``result`` is drawn with: the user's options, with no confidence threshold for untrained
        weights (:meth:`DrawOptions.for_weights`). Each result by its own weights, so a held result of one
        size, shown while another size's newest frame has nobody (compare sizes live), keeps its threshold.
        """
        return self.options.for_weights(result.trained) if result is not None else self.options


class LiveProcessor:
    """Runs frames through one estimator, or several round-robin ("compare sizes live").

    Args:
        estimators: one per variant; several take turns on consecutive frames.
        draw: what the overlay shows.
        window_s: the window the FPS and stage means are taken over.
        history_s: how far back the FPS history goes.
    """

    def __init__(
        self,
        estimators: Sequence[PoseEstimator],
        draw: DrawOptions = DrawOptions(),  # noqa: B008 (frozen, so sharing the default is safe)
        window_s: float = 2.0,
        history_s: float = 30.0,
    ) -> None:
        if not estimators:
            raise ValueError("LiveProcessor needs at least one estimator")
        self.estimators = list(estimators)
        self.draw = draw
        self.window_s, self.history_s = window_s, history_s
        self._lock = threading.Lock()
        self._clear()

    def _clear(self) -> None:
        self._turn = 0
        self._start = time.monotonic()
        self._done: deque[tuple[float, dict, str]] = deque()  # (finish time, stage ms, variant)
        self._history: deque[tuple[float, float]] = deque()
        self._per_variant: dict[str, deque[float]] = {e.variant: deque(maxlen=30) for e in self.estimators}
        self._frames = 0
        self._dropped = 0
        self._latest: PoseResult | None = None
        self._last_seen: tuple[float, PoseResult] | None = None  # (when, the newest result with people)
        self._error: str | None = None
        self._last_history = 0.0

    def restart(self) -> None:
        """A new run of the camera or source: the readouts (frames, drops, FPS and its history) from zero, and
        the people followed forgotten (ids from 1). Stopped and started again, a camera's counts went on from
        the last run's, and its FPS history drew a line down to 0 across the pause."""
        with self._lock:
            for estimator in self.estimators:
                estimator.reset()
            self._clear()

    def process(self, frame_bgr: np.ndarray, timestamp_s: float | None = None, dropped_before: int = 0) -> np.ndarray:
        """Estimate and draw; returns an annotated copy of the frame. Never raises for a bad frame:
        the error is drawn on the frame and kept in :meth:`stats`."""
        with self._lock:
            estimator = self.estimators[self._turn % len(self.estimators)]
            self._turn += 1
        annotated = np.array(frame_bgr, copy=True) if isinstance(frame_bgr, np.ndarray) else None
        try:
            result = estimator.process(frame_bgr, timestamp_s)
        except Exception as exc:  # noqa: BLE001 (any failure is shown on the video; the stream goes on)
            if not isinstance(exc, ValueError):  # a bad frame is the caller's; anything else is ours: log it
                log.exception("estimating a live frame failed")
            with self._lock:
                self._error = str(exc)
            return draw_message(annotated, f"error: {exc}") if annotated is not None else frame_bgr
        t0 = time.perf_counter()
        drawn_with = self.draw.for_weights(result.trained)
        draw_people(annotated, result.people, drawn_with)
        if self.draw.label:
            label = f"{result.variant} | {result.backend} {result.device}"
            draw_message(annotated, label if result.people else f"{label} | no person detected")
        draw_ms = (time.perf_counter() - t0) * 1e3
        stages = live_stage_ms(result.timings_ms, draw_ms)
        self._record(result, stages, dropped_before)
        return annotated

    def _record(self, result: PoseResult, stages: dict, dropped_before: int) -> None:
        now = time.monotonic()
        with self._lock:
            self._frames += 1
            self._dropped += dropped_before
            self._latest = result
            if result.people:
                self._last_seen = (now, result)
            self._error = None
            self._done.append((now, stages, result.variant))
            while self._done and now - self._done[0][0] > self.window_s:
                self._done.popleft()
            self._per_variant.setdefault(result.variant, deque(maxlen=30)).append(stages["total"])
            if now - self._last_history >= 0.5:
                self._last_history = now
                self._history.append((now - self._start, self._fps_locked(now)))
                while self._history and self._history[-1][0] - self._history[0][0] > self.history_s:
                    self._history.popleft()

    def _fps_locked(self, now: float) -> float:
        if len(self._done) < 2:
            return 0.0
        span = now - self._done[0][0]
        return (len(self._done) - 1) / span if span > 0 else 0.0

    def add_dropped(self, n: int) -> None:
        """Count frames the source dropped before they reached :meth:`process`."""
        with self._lock:
            self._dropped += n

    def stats(self) -> LiveStats:
        """A consistent snapshot of the readouts."""
        with self._lock:
            now = time.monotonic()
            recent = [s for _, s, _ in self._done]
            stage_ms = {k: float(np.mean([s[k] for s in recent])) for k in LIVE_STAGES} if recent else {}
            per_variant = {v: 1000.0 / float(np.mean(ms)) for v, ms in self._per_variant.items() if ms}
            latest = self._latest
            seen_at, last_seen = self._last_seen or (float("-inf"), None)
            return LiveStats(
                frames=self._frames,
                fps=self._fps_locked(now) if self._done and now - self._done[-1][0] < self.window_s else 0.0,
                fps_history=tuple(self._history),
                stage_ms=stage_ms,
                dropped=self._dropped,
                person_in_view=bool(latest and latest.people),
                per_variant_fps=per_variant,
                latest=latest,
                error=self._error,
                options=self.draw,
                last_seen=last_seen,
                last_seen_age_s=now - seen_at,
            )

    def close(self) -> None:
        """Release every estimator's detector."""
        for estimator in self.estimators:
            estimator.close()
