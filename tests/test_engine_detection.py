"""The detection stage: the detector asked on the frame path or on a worker, when the schedule says so."""

from __future__ import annotations

import numpy as np
import pytest

from pose.detect import Detection
from pose.engine.detection import DetectionStage
from pose.engine.scheduler import DetectionScheduler
from pose.engine.tracker import Tracker

GENEROUS_S = 60.0  # a bound for a loaded machine, never a measurement
FRAME = np.zeros((120, 160, 3), np.uint8)


class Boxes:
    """A detector that finds the same boxes on every frame and counts its calls (or fails, when told to)."""

    def __init__(self, *sizes: float, fail: bool = False) -> None:
        self.sizes, self.fail, self.calls, self.closed = sizes, fail, 0, False

    def detect(self, frame_bgr):
        self.calls += 1
        if self.fail:
            raise OSError("the detector's file went away")
        return [Detection(np.array([0.0, 0.0, s, s]), 0.9, landmarks_px=np.zeros((33, 2))) for s in self.sizes]

    def reset(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True


def _stage(detector, *, on_worker: bool, max_people: int = 2) -> DetectionStage:
    return DetectionStage(detector, DetectionScheduler(30, max_people), max_people, on_worker=on_worker, confirmed=True)


def test_on_the_frame_path_it_looks_while_nobody_is_followed_and_keeps_the_largest():
    detector = Boxes(10.0, 40.0, 20.0)
    stage = _stage(detector, on_worker=False)
    people, seen_on = stage.step(FRAME, Tracker(2, 0.5, 2, smoothing=False))
    assert seen_on is None  # found on this frame
    assert [d.bbox_xywh[2] for d in people] == [40.0, 20.0]  # max_people, largest first
    assert detector.calls == 1
    stage.close()
    assert detector.closed


def test_on_a_worker_the_answer_comes_on_a_later_frame_with_the_frame_it_was_found_on():
    stage = _stage(Boxes(30.0), on_worker=True)
    tracker = Tracker(2, 0.5, 2, smoothing=False)
    try:
        assert stage.step(FRAME, tracker) == (None, None)  # handed over; nothing finished yet
        assert stage.worker.wait_idle(GENEROUS_S)
        people, seen_on = stage.step(FRAME, tracker)
        assert seen_on == 0 and len(people) == 1
        assert people[0].landmarks_px is None  # an earlier frame's landmarks are left behind
    finally:
        stage.close()


def test_a_failed_detection_on_the_worker_is_raised_on_the_frame_path():
    stage = _stage(Boxes(fail=True), on_worker=True)
    tracker = Tracker(2, 0.5, 2, smoothing=False)
    try:
        stage.step(FRAME, tracker)
        assert stage.worker.wait_idle(GENEROUS_S)
        with pytest.raises(RuntimeError, match="person detection failed: the detector's file went away"):
            stage.step(FRAME, tracker)
    finally:
        stage.close()
