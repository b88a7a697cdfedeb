"""The detection schedule, and the worker that detects beside the tracking."""

from __future__ import annotations

import os
import sys
import threading

import numpy as np
import pytest

from pose.detect import Detection
from pose.engine.scheduler import DetectionScheduler, DetectionWorker

GENEROUS_S = 60.0  # a bound for a loaded machine, never a measurement


def test_it_looks_every_frame_while_nobody_is_in_view_and_on_schedule_otherwise():
    scheduler = DetectionScheduler(detect_every=5, max_people=10)
    looks = []
    for frame in range(12):
        shown = 0 if frame <= 3 else 1  # somebody appears on frame 3, and is in view from then on
        due = scheduler.due(shown=shown, lost_sight=False, unconfirmed=False)
        scheduler.tick(due)
        looks.append(due)
    assert looks[:4] == [True] * 4  # nobody in view: every frame (frame 3 found the person)
    assert [i for i, due in enumerate(looks) if due][4:] == [8]  # then every 5 frames


def test_a_person_lost_from_sight_or_an_unconfirmed_track_brings_the_detector_next_frame():
    scheduler = DetectionScheduler(detect_every=30, max_people=10)
    scheduler.tick(True)
    assert not scheduler.due(shown=2, lost_sight=False, unconfirmed=False)
    assert scheduler.due(shown=2, lost_sight=True, unconfirmed=False)
    assert scheduler.due(shown=2, lost_sight=False, unconfirmed=True)


def test_a_worker_looks_back_to_back_until_max_people_are_in_view():
    scheduler = DetectionScheduler(detect_every=30, max_people=2)
    scheduler.tick(True)
    assert scheduler.worker_due(shown=1, lost_sight=False, unsure=False)
    assert not scheduler.worker_due(shown=2, lost_sight=False, unsure=False)
    assert scheduler.worker_due(shown=2, lost_sight=False, unsure=True)  # an unsure track waits to be vouched for


class GatedDetector:
    """Finds one person per frame, but only once the test opens the gate: a detection slower than frames."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.seen: list[int] = []

    def __call__(self, frame_bgr):
        assert self.gate.wait(GENEROUS_S)
        self.seen.append(int(frame_bgr[0, 0, 0]))
        return [Detection(np.array([1.0, 2.0, 3.0, 4.0]), 0.9)]


def _frame(value: int) -> np.ndarray:
    return np.full((4, 4, 3), value, np.uint8)


def test_a_slow_detection_never_blocks_the_caller_and_its_answer_comes_once():
    detector = GatedDetector()
    worker = DetectionWorker(detector)
    try:
        assert worker.submit(_frame(7), frame_index=7)
        assert not worker.submit(_frame(8), frame_index=8)  # busy: the frame is not queued, nothing waits
        assert worker.poll() is None
        detector.gate.set()
        assert worker.wait_idle(GENEROUS_S)
        done = worker.poll()
        assert done is not None and done.frame_index == 7 and len(done.detections) == 1 and done.error is None
        assert detector.seen == [7]
        assert worker.poll() is None  # handed out once
    finally:
        worker.close()


def test_the_worker_copies_the_frame_it_is_handed():
    detector = GatedDetector()
    worker = DetectionWorker(detector)
    try:
        frame = _frame(3)
        worker.submit(frame, 0)
        frame[:] = 9  # the caller draws on its frame meanwhile
        detector.gate.set()
        assert worker.wait_idle(GENEROUS_S)
        assert detector.seen == [3]
    finally:
        worker.close()


def test_a_failing_detection_comes_back_as_its_error():
    def broken(frame_bgr):
        raise RuntimeError("model exploded")

    worker = DetectionWorker(broken)
    try:
        worker.submit(_frame(0), 0)
        assert worker.wait_idle(GENEROUS_S)
        done = worker.poll()
        assert isinstance(done.error, RuntimeError) and not done.detections
    finally:
        worker.close()


@pytest.mark.parametrize("busy", [False, True])
def test_close_stops_the_threads(busy):
    detector = GatedDetector()
    worker = DetectionWorker(detector, nice=5)  # two threads: the first look's and the search's
    assert worker.running
    if busy:
        worker.submit(_frame(0), 0, urgent=False)
        detector.gate.set()
    worker.close()
    assert not worker.running
    assert not worker.submit(_frame(1), 1)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a thread's own nice value is Linux's")
def test_the_search_runs_nicer_than_the_frame_path_and_a_first_look_does_not():
    def own_nice():
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    seen = []
    worker = DetectionWorker(lambda frame: seen.append(own_nice()) or [], nice=5)
    try:
        for index, urgent in enumerate((False, True)):  # a search for more people, then a first look
            assert worker.submit(np.zeros((4, 4, 3), np.uint8), index, urgent=urgent)
            assert worker.wait_idle(GENEROUS_S)
            assert worker.poll().frame_index == index
    finally:
        worker.close()
    assert seen == [min(own_nice() + 5, 19), own_nice()]  # the first look keeps the caller's priority
