"""The live loop for an OpenCV source (local camera, video file, stream): open, take the newest frame,
process it, and say what the source is doing.

The page iterates :meth:`LiveSource.updates` and shows each update; everything that can go wrong
with a source (it does not open, it stalls, a camera is unplugged, a file ends or starts over)
arrives as an update with a message, never as an exception.

    with LiveSource("clip.mp4", processor.process, loop=True) as live:
        for update in live.updates():
            show(update.frame_bgr, update.message)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from .capture import OPEN_TIMEOUT_S, READ_TIMEOUT_S, LatestFrameReader, SourceError, describe_source

__all__ = ["FrameFunction", "LiveSource", "LiveUpdate", "SourceState"]

log = logging.getLogger(__name__)

FrameFunction = Callable[[np.ndarray, float, int], np.ndarray]
"""``process(frame_bgr, timestamp_s, dropped_before) -> annotated_bgr`` (:meth:`pose.live.LiveProcessor.process`)."""


class SourceState(StrEnum):
    """What a live source is doing."""

    CONNECTING = "connecting"
    PLAYING = "playing"
    STALLED = "stalled"  # open, but no frame for a while
    ENDED = "ended"  # a video file reached its end (not looping), or the frame limit was reached
    LOST = "lost"  # a camera or stream stopped delivering frames
    FAILED = "failed"  # it never delivered a frame: not found, refused, no answer


FINAL_STATES = frozenset({SourceState.ENDED, SourceState.LOST, SourceState.FAILED})


@dataclass(frozen=True)
class LiveUpdate:
    """One step of the live loop.

    Attributes:
        state: what the source is doing.
        message: the state in words, for the page.
        frame_bgr: the processed frame this update brings, (H, W, 3) uint8; None for a state change.
        frames: frames processed so far.
        loops: times a video file started over.
    """

    state: SourceState
    message: str
    frame_bgr: np.ndarray | None = None
    frames: int = 0
    loops: int = 0

    @property
    def finished(self) -> bool:
        """Whether this is the last update (the source ended, was lost or failed)."""
        return self.state in FINAL_STATES


class LiveSource:
    """Runs a camera, video file or stream through a frame function, newest frame first.

    Args:
        source: camera index, file path or stream URL (check a typed one with
            :func:`pose.live.capture.check_source` first).
        process: called with each frame taken; its result is the update's ``frame_bgr``.
        loop: start a video file over when it ends.
        realtime: pace a video file at its frame rate.
        stall_after_s: a :attr:`SourceState.STALLED` update after this long without a new frame from the
            source (counted from the newest frame's arrival, however long processing took), and again after
            each further period.
        open_timeout_s, read_timeout_s: how long a stream may take to answer, and to send a frame.
        max_frames: stop after processing this many frames (a final :attr:`SourceState.ENDED` update
            says so); None: run until the source ends or :meth:`stop`.
    """

    def __init__(
        self,
        source: int | str,
        process: FrameFunction,
        *,
        loop: bool = False,
        realtime: bool = True,
        stall_after_s: float = 3.0,
        open_timeout_s: float = OPEN_TIMEOUT_S,
        read_timeout_s: float = READ_TIMEOUT_S,
        max_frames: int | None = None,
    ) -> None:
        if max_frames is not None and max_frames < 1:
            raise ValueError(f"max_frames must be at least 1, not {max_frames}")
        self.source, self.process = source, process
        self.loop, self.realtime, self.stall_after_s = loop, realtime, stall_after_s
        self.open_timeout_s, self.read_timeout_s = open_timeout_s, read_timeout_s
        self.max_frames = max_frames
        self.name = describe_source(source)
        self._reader: LatestFrameReader | None = None
        self._stopped = False

    def updates(self) -> Iterator[LiveUpdate]:
        """Open the source, then yield an update per processed frame and per change of state.

        The first update is :attr:`SourceState.CONNECTING` (before the possibly slow open), the last
        one is ``finished``. Stops early after :meth:`stop`.
        """
        yield LiveUpdate(SourceState.CONNECTING, f"Connecting to {self.name}...")
        try:
            self._reader = reader = LatestFrameReader(
                self.source,
                realtime=self.realtime,
                loop=self.loop,
                open_timeout_s=self.open_timeout_s,
                read_timeout_s=self.read_timeout_s,
            )
        except SourceError as exc:
            yield LiveUpdate(SourceState.FAILED, exc.sentence())
            return
        frames = dropped_seen = stalls = 0  # stalls: STALLED updates since the newest frame
        while not self._stopped:
            due_s = reader.last_frame_s + (stalls + 1) * self.stall_after_s
            frame = reader.read(timeout_s=max(0.0, due_s - time.monotonic()))
            if frame is None:
                if reader.ended:
                    yield self._final(reader, frames)
                    return
                stalls += 1
                silent_s = time.monotonic() - reader.last_frame_s
                yield LiveUpdate(
                    SourceState.STALLED,
                    f"No frames from {self.name} for {silent_s:.0f} seconds: is the source still there?",
                    frames=frames,
                    loops=reader.loops,
                )
                continue
            stalls = 0
            dropped, dropped_seen = reader.frames_dropped - dropped_seen, reader.frames_dropped
            annotated = self.process(frame.image_bgr, frame.timestamp_s, dropped)
            frames += 1
            loops = reader.loops
            message = f"Playing {self.name}" + (
                f" (started over {'once' if loops == 1 else f'{loops} times'})" if loops else ""
            )
            yield LiveUpdate(SourceState.PLAYING, message, annotated, frames, loops)
            if frames == self.max_frames:
                log.info("live source %s: stopped at the limit of %d frames", self.name, frames)
                yield LiveUpdate(
                    SourceState.ENDED,
                    f"Stopped {self.name} after {frames} frames, the limit here.",
                    frames=frames,
                    loops=loops,
                )
                return

    def _final(self, reader: LatestFrameReader, frames: int) -> LiveUpdate:
        if reader.error and reader.frames_read == 0:
            state = SourceState.FAILED
        elif reader.error:
            state = SourceState.LOST
        else:
            state = SourceState.ENDED
        message = f"{reader.error}." if reader.error else f"{self.name} ended."
        log.info("live source %s: %s", self.name, message)
        return LiveUpdate(state, message, frames=frames, loops=reader.loops)

    def stop(self) -> None:
        """Stop reading and release the source (safe to call twice)."""
        self._stopped = True
        if self._reader is not None:
            self._reader.close()

    def __enter__(self) -> LiveSource:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
