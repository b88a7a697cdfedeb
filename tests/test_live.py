import numpy as np
import pytest

from pose.estimator import PoseEstimator
from pose.live import DrawOptions, LiveProcessor
from pose.measure.samples import moving_person_frames


def test_live_processor_draws_and_keeps_readouts(moving_frames, xs_runner):
    live = LiveProcessor([PoseEstimator(runner=xs_runner)], DrawOptions(box=True))
    out = live.process(moving_frames[0], 0.0)
    assert out.shape == moving_frames[0].shape and not np.array_equal(out, moving_frames[0])
    assert np.array_equal(moving_frames[0], next(moving_person_frames(1, absent=None)))  # input untouched
    for i, frame in enumerate(moving_frames[1:10], start=1):
        live.process(frame, i / 30, dropped_before=1)
    stats = live.stats()
    assert stats.frames == 10 and stats.dropped == 9 and stats.person_in_view
    assert stats.fps > 0 and set(stats.stage_ms) == {"detect", "crop", "pose", "draw", "total"}
    assert stats.latest.people and stats.error is None
    live.close()


def test_compare_sizes_round_robin(moving_frames, xs_runner):
    live = LiveProcessor([PoseEstimator(runner=xs_runner), PoseEstimator("BlazePose")])
    for i, frame in enumerate(moving_frames[:6]):
        live.process(frame, i / 30)
    assert set(live.stats().per_variant_fps) == {"XS", "BlazePose"}
    assert all(fps > 0 for fps in live.stats().per_variant_fps.values())
    live.close()


def test_nobody_and_bad_frames_keep_running(xs_runner):
    live = LiveProcessor([PoseEstimator(runner=xs_runner)])
    empty = next(moving_person_frames(1, absent=(0, 1)))
    live.process(empty, 0.0)
    assert not live.stats().person_in_view and live.stats().frames == 1
    bad = np.zeros((10, 10, 3), np.float32)
    out = live.process(bad, 0.1)
    assert out.shape == bad.shape and "uint8" in live.stats().error
    live.process(empty, 0.2)
    assert live.stats().error is None


def test_needs_an_estimator():
    with pytest.raises(ValueError):
        LiveProcessor([])
