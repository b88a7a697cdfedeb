"""The WebRTC frame callback, driven directly with av frames (AppTest cannot drive the component)."""

import asyncio
import logging

import av
import numpy as np

from pose.engine.estimator import PoseEstimator
from pose.live.processor import LiveProcessor
from ui.live_session import ProcessorHolder, process_webrtc_frame, queued_frames_callback


def _av_frame(image, pts):
    frame = av.VideoFrame.from_ndarray(image, format="bgr24")
    frame.pts = pts
    from fractions import Fraction

    frame.time_base = Fraction(1, 90000)
    return frame


def test_callback_processes_the_newest_frame_and_counts_drops(moving_frames, xs_runner):
    holder = ProcessorHolder()
    holder.swap(LiveProcessor([PoseEstimator(runner=xs_runner)]))
    callback = queued_frames_callback(holder)
    frames = [_av_frame(moving_frames[i], i * 3000) for i in range(3)]
    (out,) = asyncio.run(callback(frames))
    assert out.pts == frames[-1].pts and out.width == 640 and out.height == 480
    assert not np.array_equal(out.to_ndarray(format="bgr24"), moving_frames[2])  # drawn on
    stats = holder.get().stats()
    assert stats.frames == 1 and stats.dropped == 2 and stats.latest.people
    holder.swap(None)


def test_without_a_processor_frames_pass_through(moving_frames):
    frame = _av_frame(moving_frames[0], 0)
    assert process_webrtc_frame(None, frame) is frame


def test_an_error_in_the_callback_leaves_a_message_on_the_video(moving_frames, xs_runner, monkeypatch):
    estimator = PoseEstimator(runner=xs_runner)
    holder = ProcessorHolder()
    holder.swap(LiveProcessor([estimator]))
    monkeypatch.setattr(estimator, "process", lambda *a, **k: (_ for _ in ()).throw(MemoryError("out of memory")))
    callback = queued_frames_callback(holder)
    (out,) = asyncio.run(callback([_av_frame(moving_frames[0], 0)]))  # must return a frame, not raise
    assert not np.array_equal(out.to_ndarray(format="bgr24"), moving_frames[0])  # the error drawn on it
    assert "out of memory" in holder.get().stats().error
    holder.swap(None)


def test_for_a_measurement_each_frame_is_logged_with_its_thumbnail_and_funnel(moving_frames, xs_runner, caplog):
    from pose.live.trace import FRAME_LOG, THUMBNAIL_SIZE, thumbnail

    live = LiveProcessor([PoseEstimator(runner=xs_runner)])  # detection on the frame: found on the first
    process_webrtc_frame(live, _av_frame(moving_frames[0], 0))
    assert not [r for r in caplog.records if r.name == FRAME_LOG.name]  # off by default: nothing logged
    with caplog.at_level(logging.DEBUG, logger=FRAME_LOG.name):
        for i in range(2):
            process_webrtc_frame(live, _av_frame(moving_frames[i], i * 3000))
    records = [r.frame for r in caplog.records if r.name == FRAME_LOG.name]
    assert len(records) == 2 and (records[0]["w"], records[0]["h"]) == (640, 480)
    assert records[1]["thumb"] == thumbnail(moving_frames[1]).ravel().tolist()
    assert len(records[1]["thumb"]) == THUMBNAIL_SIZE**2
    assert records[0]["people"] == 1 and records[0]["found"] == 1
    assert (records[0]["held"], records[0]["hidden"]) == (0, 0)
    live.close()


def test_the_lab_keeps_the_frame_log_as_json_lines_its_reader_reads(tmp_path):
    """tools.live_server's format, read back by tools.live_page.read_timing as tools.live reads it."""
    from tools.live_page import read_timing
    from tools.live_server import FrameLines

    path = tmp_path / "frames.jsonl"
    logger = logging.getLogger("tests.frame_log")
    handler = logging.FileHandler(path)
    handler.setFormatter(FrameLines())
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        logger.debug("frame", extra={"frame": {"t": 1.5, "ms": 12.0, "w": 640, "h": 360, "people": 2}})
        assert read_timing(path) == [{"t": 1.5, "ms": 12.0, "w": 640, "h": 360, "people": 2}]  # flushed as it came
    finally:
        logger.removeHandler(handler)
        handler.close()
