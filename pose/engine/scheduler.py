"""When the person detector runs: on the frame that needs it (:class:`DetectionScheduler`), or beside the
tracking on a worker thread (:class:`DetectionWorker`), as MediaPipe's graph runs detection and tracking as
parallel streams, so a detection slower than a frame never stalls the video.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..detect import Detections, as_detections

__all__ = ["DetectionScheduler", "DetectionWorker", "FinishedDetection"]

log = logging.getLogger(__name__)


class DetectionScheduler:
    """Whether the detector should look at the coming frame.

    It looks on every frame while nobody is in view (so a person who comes back is found on the frame they
    appear), on the frame after a person in view went unseen or while a track is unsure and nothing else
    confirms it, and at least every ``detect_every`` frames otherwise.

    Args:
        detect_every: the longest run of frames without a detection while people are in view.
        max_people: while fewer people than this are in view, a worker looks as often as it can.
    """

    def __init__(self, detect_every: int, max_people: int) -> None:
        self.detect_every, self.max_people = detect_every, max_people
        self.reset()

    def reset(self) -> None:
        self.frames_since_detection = 0

    def due(self, *, shown: int, lost_sight: bool, unconfirmed: bool) -> bool:
        """For a detection on the frame path: whether to detect on the coming frame.

        Args:
            shown: people in view on the last frame.
            lost_sight: a person in view on the last frame went unseen.
            unconfirmed: a track is unsure and no confirmer looks for it in its region.
        """
        return not shown or lost_sight or unconfirmed or self.frames_since_detection >= self.detect_every

    def worker_due(self, *, shown: int, lost_sight: bool, unsure: bool) -> bool:
        """For a detection on a worker: whether to hand it the coming frame once it is free. It looks
        back to back while fewer than ``max_people`` are in view or a track waits to be vouched for."""
        return shown < self.max_people or lost_sight or unsure or self.frames_since_detection >= self.detect_every

    def tick(self, detected: bool) -> None:
        """Count a frame (``detected``: the detector looked at it, or a worker took it)."""
        self.frames_since_detection = 1 if detected else self.frames_since_detection + 1


@dataclass(frozen=True)
class FinishedDetection:
    """A worker's answer: the people of an earlier frame.

    Attributes:
        frame_index: the index the frame was submitted with.
        detections: its people, largest first.
        ms: how long the detection took.
        frame_size: (width, height) of the frame it looked at: its pixels are that frame's.
        error: what went wrong, where it failed (then ``detections`` is empty).
    """

    frame_index: int
    detections: Detections
    ms: float
    frame_size: tuple[int, int]
    error: BaseException | None = None


class DetectionWorker:
    """Runs ``detect`` on the newest frame handed to it, beside the caller; one frame at a time.

    :meth:`submit` hands a frame over when the worker is free (and says whether it took it); :meth:`poll`
    returns the finished answer once, or None. Nothing blocks the caller.

    With ``nice``, two threads take the frames: an urgent look (nobody in view, or a person just lost) runs at
    the caller's priority, the search for more people beside those followed at ``nice`` lower, so that where
    the cores are short the frame path gets them first. One lowered thread for everything starved the first
    look on a machine kept busy by others (a CPU hog on both cores: the person was found only after the 4 s
    take the Live page's recording test makes).

    Args:
        detect: frame (H, W, 3) uint8 BGR -> people, largest first.
        name: the threads' name.
        nice: how much lower than the caller's the search thread's CPU priority is (Linux; elsewhere ignored);
            0: one thread at the caller's priority for every look.
    """

    def __init__(self, detect: Callable[[np.ndarray], Detections], name: str = "pose-detection", nice: int = 0) -> None:
        self._detect, self.nice = detect, nice
        self._lock = threading.Condition()
        self._job: tuple[int, np.ndarray, bool] | None = None  # (frame index, frame, urgent)
        self._busy = False
        self._done: FinishedDetection | None = None
        self._closed = False
        self._threads = [threading.Thread(target=self._run, args=(0,), name=name, daemon=True)]
        if nice > 0:
            self._threads.append(threading.Thread(target=self._run, args=(nice,), name=f"{name}-search", daemon=True))
        for thread in self._threads:
            thread.start()

    @property
    def running(self) -> bool:
        """Whether any of its threads still runs (none after :meth:`close`)."""
        return any(thread.is_alive() for thread in self._threads)

    @property
    def busy(self) -> bool:
        with self._lock:
            return self._busy

    def submit(self, frame_bgr: np.ndarray, frame_index: int, urgent: bool = True) -> bool:
        """Hand ``frame_bgr`` (copied) to the worker if it is free; whether it took it. ``urgent``: at the
        caller's priority; else on the lowered search thread, where there is one."""
        with self._lock:
            if self._busy or self._closed:
                return False
            self._job, self._busy = (frame_index, frame_bgr.copy(), urgent), True
            self._lock.notify_all()
            return True

    def poll(self) -> FinishedDetection | None:
        """The answer that finished since the last poll, or None."""
        with self._lock:
            done, self._done = self._done, None
            return done

    def wait_idle(self, timeout_s: float | None = None) -> bool:
        """Block until the frame in hand is done (or ``timeout_s`` passes); whether the worker is free. The
        answer stays for :meth:`poll`."""
        with self._lock:
            return self._lock.wait_for(lambda: not self._busy or self._closed, timeout_s)

    def close(self) -> None:
        """Stop the threads after the frame in hand (daemons: a stuck detector never holds the process)."""
        with self._lock:
            self._closed = True
            self._lock.notify_all()
        for thread in self._threads:
            thread.join(timeout=5.0)

    def _run(self, nice: int) -> None:
        _lower_priority(nice)
        searcher = nice > 0
        alone = len(self._threads) == 1

        def mine() -> bool:
            return self._job is not None and (alone or self._job[2] != searcher)

        while True:
            with self._lock:
                self._lock.wait_for(lambda: mine() or self._closed)
                if self._closed:
                    self._busy = False
                    self._lock.notify_all()
                    return
                index, frame, _ = self._job
                self._job = None
            t0 = time.perf_counter()
            try:
                found, error = as_detections(self._detect(frame)), None
            except Exception as exc:  # handed back to the frame path, which raises it there
                log.exception("detection failed")
                found, error = Detections.empty(), exc
            done = FinishedDetection(index, found, (time.perf_counter() - t0) * 1e3, frame.shape[1::-1], error)
            with self._lock:
                self._done, self._busy = done, False
                self._lock.notify_all()


def _lower_priority(nice: int) -> None:
    """Lower the calling thread's CPU priority by ``nice`` (Linux: a thread's own nice value); where the system
    cannot, it runs as it is."""
    if nice <= 0 or not hasattr(os, "setpriority"):
        return
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + nice)
    except OSError as exc:
        log.debug("the detection worker keeps its priority: %s", exc)
