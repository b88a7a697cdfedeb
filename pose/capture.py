"""Live sources: capture on its own thread, latest-frame semantics.

A slow model then lowers the frame rate, never the freshness: the reader
keeps only the newest frame, and counts the ones nobody took.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

import cv2
import numpy as np

__all__ = ["Frame", "LatestFrameReader", "SourceError", "open_capture"]

log = logging.getLogger(__name__)


class SourceError(RuntimeError):
    """A camera or stream could not be opened, or stopped delivering frames."""


@dataclass(frozen=True)
class Frame:
    """A captured frame: the image, its sequence number and capture time (``time.monotonic``)."""

    image_bgr: np.ndarray
    index: int
    timestamp_s: float


def open_capture(source: int | str) -> cv2.VideoCapture:
    """Open a camera index, a video file or a stream URL with OpenCV.

    Raises:
        SourceError: when it cannot be opened.
    """
    capture = cv2.VideoCapture(source)
    if not capture.isOpened():
        capture.release()
        kind = f"camera {source}" if isinstance(source, int) else f"{source!r}"
        raise SourceError(f"cannot open {kind}: check that it exists and that no other program is using it")
    return capture


class LatestFrameReader:
    """Reads a source on a background thread, keeping only the newest frame.

    Args:
        source: camera index, file path or stream URL (see :func:`open_capture`).
        realtime: pace a video file at its own frame rate, as a camera would
            deliver it (files otherwise read as fast as they decode).
        loop: start a video file over when it ends.

    Raises:
        SourceError: when the source cannot be opened.
    """

    def __init__(self, source: int | str, *, realtime: bool = True, loop: bool = False) -> None:
        self.source = source
        self._capture = open_capture(source)
        fps = self._capture.get(cv2.CAP_PROP_FPS)
        self.fps = fps if fps and 1.0 <= fps <= 240.0 else 30.0
        self.realtime, self.loop = realtime, loop
        self._condition = threading.Condition()
        self._latest: Frame | None = None
        self._taken_index = -1
        self.frames_read = 0
        self.frames_dropped = 0
        self.error: str | None = None
        self.ended = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"capture-{source}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        period = 1.0 / self.fps
        next_due = time.monotonic()
        failures = 0
        while not self._stop.is_set():
            ok, image = self._capture.read()
            if not ok:
                if self.loop and self._capture.set(cv2.CAP_PROP_POS_FRAMES, 0) and failures == 0:
                    failures += 1
                    continue
                with self._condition:
                    if self.frames_read == 0:
                        self.error = f"{self.source!r} delivered no frames"
                    elif isinstance(self.source, int):
                        self.error = f"camera {self.source} stopped delivering frames (unplugged or in use?)"
                    self.ended = True
                    self._condition.notify_all()
                return
            failures = 0
            now = time.monotonic()
            with self._condition:
                if self._latest is not None and self._latest.index > self._taken_index:
                    self.frames_dropped += 1
                self._latest = Frame(image, self.frames_read, now)
                self.frames_read += 1
                self._condition.notify_all()
            if self.realtime and not isinstance(self.source, int):
                next_due = max(next_due + period, now)
                self._stop.wait(max(0.0, next_due - time.monotonic()))

    def read(self, timeout_s: float = 1.0) -> Frame | None:
        """The newest frame not yet taken; waits up to ``timeout_s``. None when none came.

        Check :attr:`ended` and :attr:`error` to tell a pause from the end.
        """
        deadline = time.monotonic() + timeout_s
        with self._condition:
            while self._latest is None or self._latest.index <= self._taken_index:
                if self.ended:
                    return None
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self._condition.wait(remaining):
                    return None
            self._taken_index = self._latest.index
            return self._latest

    def close(self) -> None:
        """Stop the thread and release the source."""
        self._stop.set()
        self._thread.join(timeout=2.0)
        self._capture.release()

    def __enter__(self) -> LatestFrameReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
