"""tools.live_readings: each page reading beside the engine offline on the same camera frame, and the stage
that lost the people it missed."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from pose.live.trace import THUMBNAIL_SIZE, thumbnail
from tools.live_page import PageSample
from tools.live_readings import (
    DUPLICATE,
    HELD_NEWCOMER,
    NOT_CONFIRMED,
    NOT_DETECTED,
    camera_thumbnails,
    format_readings,
    format_same_frames,
    lost_stage,
    match_frames,
    readings,
    summarise,
)


def _camera(n: int = 12, size=(320, 180)) -> list[np.ndarray]:
    """A bright bar walking across a textured background: every frame differs from its neighbours."""
    rng = np.random.default_rng(0)
    background = rng.integers(0, 120, (size[1], size[0], 3), dtype=np.uint8)
    frames = []
    for i in range(n):
        frame = background.copy()
        x = 10 + i * (size[0] - 40) // n
        frame[20:160, x : x + 24] = 230
        frames.append(frame)
    return frames


def _as_received(frame: np.ndarray, size=(240, 136), brighter: int = 12) -> np.ndarray:
    """The frame as WebRTC may deliver it: scaled down, blurred by compression, a little brighter."""
    small = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
    return cv2.add(cv2.GaussianBlur(small, (3, 3), 0), brighter)


def test_a_received_frame_is_found_among_the_cameras_though_scaled_and_brighter():
    frames = _camera()
    camera = camera_thumbnails(frames)
    assert camera.shape == (len(frames), THUMBNAIL_SIZE**2)
    lines = [thumbnail(_as_received(frames[i])).ravel().tolist() for i in (7, 0, 11, 3)]
    assert match_frames(lines, camera).tolist() == [7, 0, 11, 3]
    assert match_frames([], camera).tolist() == []


@pytest.mark.parametrize(
    ("shown", "offline", "found", "held", "hidden", "duplicates", "stage"),
    [
        (2, 2, 2, 0, 0, 0, None),
        (2, 1, 2, 0, 0, 0, None),  # more than offline: nobody lost
        (1, 2, 1, 0, 0, 0, NOT_DETECTED),
        (0, 1, None, 0, 0, 0, NOT_DETECTED),  # no detection yet
        (1, 2, 2, 1, 0, 0, HELD_NEWCOMER),
        (1, 2, 2, 0, 1, 0, NOT_CONFIRMED),  # a track out of sight
        (1, 2, 2, 0, 0, 0, NOT_CONFIRMED),  # found, but no pose where it was found
        (1, 2, 3, 0, 0, 1, DUPLICATE),
    ],
)
def test_the_stage_that_lost_someone(shown, offline, found, held, hidden, duplicates, stage):
    assert lost_stage(shown, offline, found, held, hidden, duplicates) == stage


def _line(t: float, frame: np.ndarray, people: int, found: int | None, held: int = 0, hidden: int = 0) -> dict:
    h, w = frame.shape[:2]
    return {"t": t, "ms": 10.0, "w": w, "h": h, "people": people, "thumb": thumbnail(frame).ravel().tolist(),
            "found": found, "held": held, "hidden": hidden}  # fmt: skip


def test_each_reading_takes_the_newest_frame_the_server_had_and_its_offline_count():
    frames = _camera()
    offline = [2] * len(frames)
    offline_received = [1] * len(frames)
    timing = [
        _line(10.0, _as_received(frames[2]), 2, 2),
        _line(10.4, _as_received(frames[5]), 1, 1),  # the detector missed one: the small frame's fault
        _line(10.9, _as_received(frames[9]), 1, 2, hidden=1),
    ]
    samples = [PageSample(9.5, None, None, None, 0), PageSample(10.2, 8.0, 5, 0, 2), PageSample(10.5, 8.0, 6, 0, 1),
               PageSample(11.0, 8.0, 8, 0, 1)]  # fmt: skip
    rows = readings(samples, timing, camera_thumbnails(frames), offline, offline_received)
    assert [r.frame for r in rows] == [None, 2, 5, 9]  # before any frame: nothing to compare
    assert [r.lost for r in rows] == [None, None, NOT_DETECTED, NOT_CONFIRMED]
    assert rows[1].size == "240x136" and rows[1].offline == 2 and rows[1].offline_received == 1
    figures = summarise(rows)
    assert figures["page_people_median"] == 1 and figures["offline_people_median"] == 2
    assert (figures["fewer"], figures["same"], figures["more"]) == (2, 1, 0)
    assert figures["lost_at"] == {NOT_DETECTED: 1, NOT_CONFIRMED: 1}
    assert figures["sizes"] == {"240x136": 3}
    printed = format_readings(rows, 9.5)
    assert len(printed) == 5 and "lost: never detected" in printed[3]
    summary = format_same_frames(figures, "240x136")
    assert "page 1, offline 2 (at 240x136: 1)" in summary and "2 / 1 / 0 of 4" in summary
    assert "1 never detected, 1 detected, not confirmed" in summary
