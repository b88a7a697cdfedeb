"""Recording live frames: only while recording, bounded by a cap that stops it (keeping what it took), kept
after Stop, irregular frame times resampled to a regular rate with gaps kept, and files that read back."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from motions import synthetic_lab
from test_export_bvh import parsed_positions

from pose.export import FORMATS, LAB_FROM_CAMERA, MotionRecorder, RecordingEstimator


def _people(i: int, poses: np.ndarray, ids=(1,)):
    return [SimpleNamespace(track_id=k, keypoints_3d=poses[i] + 500.0 * (k - 1)) for k in ids]


def test_it_records_only_between_start_and_stop_and_keeps_the_take():
    poses = synthetic_lab(20) @ LAB_FROM_CAMERA
    recorder = MotionRecorder()
    recorder.add(0.0, _people(0, poses))
    assert recorder.frames == 0 and not recorder.recording
    recorder.start()
    for i in range(1, 11):
        recorder.add(i / 30, _people(i, poses))
    recorder.stop()
    recorder.add(11 / 30, _people(11, poses))
    assert recorder.frames == 10 and not recorder.recording and recorder.duration_s == pytest.approx(0.3)
    (motion,) = recorder.motions()
    assert motion.rate_hz == 30.0 and motion.frames == 10
    assert np.allclose(motion.joints_cam_mm, poses[1:11], atol=1e-3)  # float32 kept
    recorder.start()
    assert recorder.frames == 0 and recorder.motions() == []


def test_the_cap_stops_the_recording_and_keeps_every_frame_taken():
    poses = synthetic_lab(10) @ LAB_FROM_CAMERA
    recorder = MotionRecorder(max_frames=5)
    recorder.start()
    for i in range(10):
        recorder.add(i / 30, _people(i, poses))
    assert recorder.full and not recorder.recording and recorder.frames == 5


def test_irregular_frames_are_resampled_and_gaps_stay_gaps():
    rate = 30.0
    poses = synthetic_lab(60) @ LAB_FROM_CAMERA
    recorder = MotionRecorder()
    recorder.start()
    kept = [i for i in range(60) if i % 7 != 3 and not 30 <= i < 40]  # a dropped frame now and then, and a gap
    for i in kept:
        people = _people(i, poses, ids=(1, 2) if i < 20 else (1,))
        recorder.add(100.0 + i / rate + 0.002 * np.sin(i), people)  # jitter of 2 ms
    first, second = recorder.motions()
    assert first.person == 1 and first.rate_hz == pytest.approx(rate, rel=0.05)  # the median interval
    assert recorder.rate_hz == first.rate_hz and recorder.frames == len(kept) < first.frames  # the rows the UI names
    assert first.frames == pytest.approx(60, rel=0.05) and first.times_s[0] == 0.0
    gap = ~first.present
    assert 8 <= gap.sum() <= 12  # the 10 missing frames, not interpolated across
    seen = np.flatnonzero(first.present)
    error = np.abs(first.joints_cam_mm[seen] - poses[np.round(first.times_s[seen] * rate).astype(int)])
    assert np.median(error) < 15.0  # mm: a regular grid off the jittered frames by up to a few ms
    assert second.person == 2 and second.frames == pytest.approx(20, rel=0.1)


def test_a_new_stream_clock_continues_the_take():
    poses = synthetic_lab(10) @ LAB_FROM_CAMERA
    recorder = MotionRecorder()
    recorder.start()
    for i in range(5):
        recorder.add(50.0 + i / 30, _people(i, poses))
    for i in range(5, 10):
        recorder.add((i - 5) / 30, _people(i, poses))  # the camera started again: its clock from 0
    assert recorder.frames == 10 and recorder.motions()[0].frames == 10


def test_the_wrapped_estimator_feeds_the_recorder_and_is_otherwise_the_same(tmp_path):
    poses = synthetic_lab(12) @ LAB_FROM_CAMERA
    calls = iter(range(12))

    class Estimator:
        variant = "BlazePose"

        def process(self, frame, timestamp_s=None):
            return SimpleNamespace(people=_people(next(calls), poses))

    recorder = MotionRecorder()
    wrapped = RecordingEstimator(Estimator(), recorder)
    assert wrapped.variant == "BlazePose"
    recorder.start()
    for i in range(12):
        assert wrapped.process(None, i / 25).people[0].track_id == 1
    recorder.stop()
    written = recorder.write(tmp_path, FORMATS)
    assert sorted(p.name for p in written) == ["person-1.bvh", "person-1.c3d", "person-1.trc"]
    mocap, positions = parsed_positions((tmp_path / "person-1.bvh").read_text())
    assert mocap.nframes == 12 and mocap.frame_time == pytest.approx(1 / 25, abs=1e-6)
    assert np.abs(positions["Pelvis"] - poses[:, 0] @ LAB_FROM_CAMERA.T).max() < 0.01
