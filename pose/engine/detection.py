"""The detection stage of the frame path: the person detector, asked when a :class:`~.scheduler.DetectionScheduler`
says so, either on the frame itself (files: deterministic) or on a :class:`~.scheduler.DetectionWorker` beside
the tracking (live: a slow detection never stalls the video).
"""

from __future__ import annotations

import numpy as np

from ..detect import Detections, PersonDetector, as_detections
from ..geometry import same_view
from .scheduler import DetectionScheduler, DetectionWorker
from .tracker import Tracker

__all__ = ["WORKER_NICE", "DetectionStage"]

# The worker's search for more people beside those followed runs this much nicer than the frame path, so that
# where the cores are short the frame path wins them and the search looks with what is left ("as often as the
# cores allow"); a first look (nobody in view) or a person just lost keeps the frame path's priority
# (:class:`~.scheduler.DetectionWorker`). On 2 cores (AVX-512 EPYC), nice 0 -> 10, one run each: python -m
# pose.bench, L ONNX Runtime live 24.2 -> 36.1 frames/s (0.55 -> 0.41 of the eager model's time), XS 94 -> 119;
# the Live page on two_people_courtyard (BlazePose, python -m tools.live) 9.4 -> 16.4 and 14.0 -> 17.3 FPS
# in two pairs of runs.
WORKER_NICE = 10


class DetectionStage:
    """Which people the detector found for this frame, or None where it did not look.

    Args:
        detector: the person detector.
        scheduler: when to look.
        max_people: at most this many people, the largest, are kept from a detection.
        on_worker: detect beside the tracking, on a thread of its own.
        confirmed: a confirmer looks for unsure tracks in their regions (else the detector must, on the frame
            path).
    """

    def __init__(
        self, detector: PersonDetector, scheduler: DetectionScheduler, max_people: int, *, on_worker: bool,
        confirmed: bool,
    ) -> None:  # fmt: skip
        self.detector, self.scheduler, self.max_people, self.confirmed = detector, scheduler, max_people, confirmed
        self.worker = DetectionWorker(self.detect, nice=WORKER_NICE) if on_worker else None
        self.last_found: int | None = None  # people in the newest detection used (None before any): measurements

    def detect(self, frame_bgr: np.ndarray) -> Detections:
        """The people in the frame, largest first, at most ``max_people``."""
        return as_detections(self.detector.detect(frame_bgr)).largest_first()[: self.max_people]

    def step(self, frame_bgr: np.ndarray, tracker: Tracker) -> tuple[Detections | None, int | None]:
        """This frame's detection: the people and the tracker frame they were found on (None: this one), or
        (None, None) where nobody looked or no worker's answer is ready.

        Raises:
            RuntimeError: where the worker's detection failed (its error is the cause).
        """
        return self._on_worker(frame_bgr, tracker) if self.worker else (self._here(frame_bgr, tracker), None)

    def _here(self, frame_bgr: np.ndarray, tracker: Tracker) -> Detections | None:
        due = self.scheduler.due(
            shown=tracker.shown, lost_sight=tracker.lost_sight, unconfirmed=not self.confirmed and not tracker.all_sure
        )
        self.scheduler.tick(due)
        if not due:
            return None
        found = self.detect(frame_bgr)
        self.last_found = len(found)
        return found

    def _on_worker(self, frame_bgr: np.ndarray, tracker: Tracker) -> tuple[Detections | None, int | None]:
        """Hand this frame to the worker when it is free and a look is due; the newest finished answer (found on
        an earlier frame: its landmarks are left behind, they belong to that frame)."""
        finished = self.worker.poll()
        due = self.scheduler.worker_due(shown=tracker.shown, lost_sight=tracker.lost_sight, unsure=not tracker.all_sure)
        urgent = not tracker.shown or tracker.lost_sight  # a first look, or a person to find again
        self.scheduler.tick(due and self.worker.submit(frame_bgr, tracker.frame, urgent=urgent))
        if finished is None:
            return None, None
        if finished.error is not None:
            raise RuntimeError(f"person detection failed: {finished.error}") from finished.error
        people = finished.detections.without("landmarks_px", "visibility", "world_mm")
        (width, height), (seen_width, seen_height) = frame_bgr.shape[1::-1], finished.frame_size
        if (width, height) != (seen_width, seen_height):
            if not same_view((width, height), (seen_width, seen_height)):  # another camera's people: not this view's
                return None, None
            people = people.scaled(width / seen_width, height / seen_height)  # in this frame's pixels
        self.last_found = len(people)
        return people, finished.frame_index

    def reset(self) -> None:
        """Forget the schedule and the detector's state; an answer about the old sequence is dropped."""
        if self.worker is not None:
            self.worker.wait_idle(timeout_s=10.0)
            self.worker.poll()
        self.detector.reset()
        self.scheduler.reset()
        self.last_found = None

    def close(self) -> None:
        """Stop the worker and release the detector."""
        if self.worker is not None:
            self.worker.close()
        self.detector.close()
