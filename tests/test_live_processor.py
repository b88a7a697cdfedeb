import types

import numpy as np
import pytest

import pose.live.processor
from pose.draw import DrawOptions
from pose.engine.estimator import PoseEstimator
from pose.engine.stages import LIVE_STAGES
from pose.live.processor import LiveProcessor
from pose.measure.samples import moving_person_frames


class Clock:
    """A monotonic clock the test moves by hand (LiveProcessor's FPS is frames over its own clock)."""

    def __init__(self, t: float = 100.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture()
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(
        pose.live.processor,
        "time",
        types.SimpleNamespace(monotonic=clock, perf_counter=pose.live.processor.time.perf_counter),
    )
    return clock


def test_live_processor_draws_and_keeps_readouts(moving_frames, xs_runner, clock):
    live = LiveProcessor([PoseEstimator(runner=xs_runner)], DrawOptions(box=True), window_s=2.0)
    out = live.process(moving_frames[0], 0.0)
    assert out.shape == moving_frames[0].shape and not np.array_equal(out, moving_frames[0])
    assert np.array_equal(moving_frames[0], next(moving_person_frames(1, absent=None)))  # input untouched
    for i, frame in enumerate(moving_frames[1:10], start=1):
        clock.t += 0.1  # a frame done every 100 ms: 10 FPS
        live.process(frame, i / 30, dropped_before=1)
    stats = live.stats()
    assert stats.frames == 10 and stats.dropped == 9 and stats.person_in_view
    assert stats.fps == pytest.approx(10.0)
    seconds, fps = stats.fps_history[-1]  # sampled every 0.5 s: (seconds since start, FPS then)
    assert 0.5 <= seconds <= 0.9 and fps == pytest.approx(10.0)
    assert set(stats.stage_ms) == set(LIVE_STAGES)
    parts = sum(stats.stage_ms[s] for s in LIVE_STAGES if s != "total")
    assert stats.stage_ms["total"] == pytest.approx(parts, rel=1e-6)  # the stages account for the whole frame
    # one estimator, 10 frames (all in the window and in its last 30): its FPS is 1000 / the mean total ms
    assert stats.per_variant_fps == {"XS": pytest.approx(1000.0 / stats.stage_ms["total"])}
    assert stats.latest.people and stats.error is None
    clock.t += 2.5  # nothing processed for longer than the window: the readout says 0, not the old rate
    assert live.stats().fps == 0.0 and live.stats().frames == 10
    live.close()


def test_compare_sizes_round_robin(moving_frames, xs_runner):
    live = LiveProcessor([PoseEstimator(runner=xs_runner), PoseEstimator("BlazePose")])
    turns = []
    for i, frame in enumerate(moving_frames[:6]):
        live.process(frame, i / 30)
        turns.append(live.stats().latest.variant)
    assert turns == ["XS", "BlazePose"] * 3  # consecutive frames take turns
    assert set(live.stats().per_variant_fps) == {"XS", "BlazePose"}
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


def test_any_error_in_a_frame_is_a_message_not_a_dead_stream(moving_frames, xs_runner, monkeypatch):
    estimator = PoseEstimator(runner=xs_runner)
    live = LiveProcessor([estimator])
    live.process(moving_frames[0], 0.0)

    def backend_fails(frame_bgr, timestamp_s=None):
        raise RuntimeError("CUDA error: an illegal memory access was encountered")

    monkeypatch.setattr(estimator, "process", backend_fails)
    out = live.process(moving_frames[1], 0.1)  # must not raise
    assert out.shape == moving_frames[1].shape and not np.array_equal(out, moving_frames[1])  # drawn on
    assert "illegal memory access" in live.stats().error
    monkeypatch.undo()
    live.process(moving_frames[2], 0.2)  # and the next good frame goes on as before
    assert live.stats().error is None and live.stats().frames == 2
    live.close()


def test_needs_an_estimator():
    with pytest.raises(ValueError):
        LiveProcessor([])


def test_untrained_weights_draw_every_joint_in_2d_and_3d(moving_frames, xs_runner):
    """Untrained XS is sure of no joint (all under the default 0.3): the threshold would hide the whole
    skeleton, on the overlay and in the 3D chart, while people are in view."""
    estimator = PoseEstimator(runner=xs_runner)
    assert not estimator.trained
    live = LiveProcessor([estimator], DrawOptions(skeleton=True, joints=True, label=False, ids=False))
    out = live.process(moving_frames[0], 0.0)
    stats = live.stats()
    assert stats.latest.people and stats.draw_for(stats.latest).min_confidence == 0.0
    assert not np.array_equal(out, moving_frames[0])  # the skeleton is on the frame
    assert DrawOptions().for_weights(trained=True).min_confidence == DrawOptions().min_confidence
    live.close()


def test_a_person_just_lost_stays_on_a_view_until_its_next_redraw(moving_frames, xs_runner, clock):
    """Small, far people are found and lost frame to frame: a view redrawn once a second (the 3D chart) shows
    the newest people of the last second, not an empty frame that happened to be the newest."""
    live = LiveProcessor([PoseEstimator(runner=xs_runner)])
    assert live.stats().shown(1.0) is None  # nothing processed yet
    live.process(moving_frames[0], 0.0)
    seen = live.stats().latest
    assert seen.people and live.stats().last_seen is seen and live.stats().shown(1.0) is seen
    empty = next(moving_person_frames(1, absent=(0, 1)))
    for i in range(1, 40):  # long enough for the tracker to let the person go
        clock.t += 0.01
        live.process(empty, i / 30)
        if not live.stats().latest.people:
            break
    stats = live.stats()
    assert not stats.latest.people and not stats.person_in_view  # the readouts say nobody
    assert stats.last_seen is seen and stats.shown(1.0) is seen  # the chart still shows the person
    clock.t += 1.0
    stats = live.stats()
    assert stats.last_seen_age_s > 1.0 and stats.shown(1.0) is stats.latest  # a second on: nobody, as it is
    live.process(moving_frames[1], 0.5)
    assert live.stats().shown(1.0) is live.stats().latest  # someone in view: always the newest frame
    live.close()


def test_a_held_person_keeps_the_threshold_of_their_own_weights(moving_frames, xs_runner):
    """Compare sizes live: trained BlazePose's person, held while untrained XS's newest frame has nobody, is
    drawn with the user's threshold, not XS's none (each result by its own weights)."""
    options = DrawOptions(min_confidence=0.5)
    live = LiveProcessor([PoseEstimator("BlazePose"), PoseEstimator(runner=xs_runner)], options)
    live.process(moving_frames[0], 0.0)  # BlazePose's turn: the person
    live.process(next(moving_person_frames(1, absent=(0, 1))), 1 / 30)  # XS's turn: nobody (it never saw anyone)
    stats = live.stats()
    held = stats.shown(1.0)
    assert held.variant == "BlazePose" and held.trained and held.people
    assert stats.latest.variant == "XS" and not stats.latest.trained and not stats.latest.people
    assert stats.draw_for(held).min_confidence == 0.5  # the user's threshold for trained weights
    assert stats.draw_for(stats.latest).min_confidence == 0.0  # the newest (untrained XS): none
    live.close()


def test_a_restart_reads_out_from_zero_and_follows_people_from_id_1(moving_frames, xs_runner, clock):
    """Stopped and started again, a camera's frames, drops and FPS history went on from the last run's."""
    live = LiveProcessor([PoseEstimator(runner=xs_runner)], DrawOptions())
    for i, frame in enumerate(moving_frames[:6]):
        clock.t += 0.6
        live.process(frame, i / 30, dropped_before=2)
    before = live.stats()
    assert before.frames == 6 and before.dropped == 12 and len(before.fps_history) > 1
    ids_before = before.latest.people.track_id.tolist()
    live.restart()
    after = live.stats()
    assert after.frames == 0 and after.dropped == 0 and after.fps_history == () and after.latest is None
    for i, frame in enumerate(moving_frames[:2]):
        clock.t += 0.6
        live.process(frame, i / 30)
    assert live.stats().frames == 2 and live.stats().latest.people.track_id.tolist() == ids_before == [1]
