"""Files that lie about their length: cut-off MP4s (index first or last) and variable frame rates."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import av
import numpy as np
import pytest
from videos import write_mp4, write_vfr

from pose.engine.estimator import PoseEstimator
from pose.measure.samples import moving_person_frames
from pose.video import VideoError, VideoSettings, probe, process_video

SIZE = (160, 128)


def cut(path, fraction=0.5):
    data = path.read_bytes()
    out = path.with_name("cut-" + path.name)
    out.write_bytes(data[: int(len(data) * fraction)])
    return out


@pytest.fixture(scope="module")
def frames():
    return list(moving_person_frames(300, SIZE))  # 10 s at 30 fps


@pytest.fixture(scope="module")
def estimator(xs_runner):
    return PoseEstimator(runner=xs_runner, detect_every=30)


def _duration_s(path) -> float:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return float(stream.duration * stream.time_base)


def test_a_cut_faststart_mp4_says_where_it_breaks_off(tmp_path, frames, estimator):
    broken = cut(write_mp4(tmp_path / "clip.mp4", frames, faststart=True))
    info = probe(broken)  # the index up front still promises all 300 frames
    assert info.frame_count == 300 and info.duration_s == pytest.approx(10.0)
    run = process_video(broken, tmp_path / "out", VideoSettings(), estimator=estimator)
    assert 60 < run.frames_done < 280
    said = re.match(r"the file breaks off at (\d+\.\d) s of 10\.0 s", run.stopped_early)
    assert said and float(said[1]) == pytest.approx(run.frames_done / 30, abs=0.15), run.stopped_early
    payload = json.loads(run.json_path.read_text())
    assert payload["stopped_early"] == run.stopped_early and payload["frames_processed"] == run.frames_done


def test_a_whole_file_is_not_called_cut(tmp_path, frames, estimator):
    run = process_video(
        write_mp4(tmp_path / "clip.mp4", frames[:45], faststart=True), tmp_path / "out", estimator=estimator
    )
    assert run.frames_done == 45 and run.stopped_early is None


def test_stopping_on_purpose_is_not_called_cut(tmp_path, frames, estimator):
    clip = write_mp4(tmp_path / "clip.mp4", frames[:60])
    run = process_video(clip, tmp_path / "out", VideoSettings(start=10, stop=30, stride=2), estimator=estimator)
    assert run.frames_done == 10 and run.stopped_early is None
    assert _duration_s(run.video_path) == pytest.approx(20 / 30, abs=0.01)  # frames 10..29, every other one


def test_a_phone_mp4_cut_before_its_index_is_named_so(tmp_path, frames):
    broken = cut(write_mp4(tmp_path / "phone.mp4", frames, faststart=False))
    with pytest.raises(VideoError, match="incomplete: its index .* is missing"):
        probe(broken)


def test_variable_frame_rate_keeps_the_length(tmp_path, frames, estimator):
    gaps = np.random.default_rng(0).choice([0.02, 1 / 30, 0.1], size=99)
    times = np.concatenate([[0.0], np.cumsum(gaps)]).round(3)
    source = write_vfr(tmp_path / "vfr.webm", frames[:100], times, codec="libvpx-vp9", rate=30)
    info = probe(source)
    assert not info.frame_count_exact and info.frames_text.startswith("about ")
    run = process_video(source, tmp_path / "out", estimator=estimator)
    assert run.frames_done == 100 and run.stopped_early is None
    assert _duration_s(run.video_path) == pytest.approx(info.duration_s, abs=0.04)
    with av.open(str(run.video_path)) as container:
        shown = [round(float(f.time), 3) for f in container.decode(video=0)]
    np.testing.assert_allclose(shown, times - times[0], atol=0.002)


def test_cli_warns_and_exits_3_on_a_cut_file(tmp_path, frames):
    broken = cut(write_mp4(tmp_path / "clip.mp4", frames[:90], faststart=True), 0.7)
    done = subprocess.run(
        [sys.executable, "-m", "pose.video", str(broken), "--variant", "BlazePose", "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 3, done.stderr
    assert "warning: the file breaks off at" in done.stderr and "of 3.0 s" in done.stderr
