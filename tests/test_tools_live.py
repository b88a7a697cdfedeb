"""tools.live without a browser: its arguments, the summary of page readings, the fake camera file,
and the profile summary."""

from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np
import pytest
from conftest import write_video

from tools.live import main, parse_args, summarise_page
from tools.live_page import MeasureError, PageSample, clip_to_y4m, parse_sample, read_y4m
from tools.live_profile import summarise_stacks
from ui.readouts import DROPPED_LABEL, FPS_LABEL, FRAMES_LABEL, PEOPLE_LABEL, stage_label


def test_arguments_and_their_refusals():
    args = parse_args(["clip.mp4", "--estimator", "XS", "--seconds", "12", "--width", "320"])
    assert (args.estimator, args.seconds, args.width, args.warmup) == ("XS", 12.0, 320, 5.0)
    assert args.skeleton_3d_every is None  # the page's own rate
    assert parse_args(["clip.mp4", "--skeleton-3d-every", "off"]).skeleton_3d_every == "off"
    for bad in (["clip.mp4", "--seconds", "4"], ["clip.mp4", "--width", "10"], ["clip.mp4", "--estimator", "Q"]):
        with pytest.raises(SystemExit) as exit_:
            parse_args(bad)
        assert exit_.value.code == 2


def test_the_estimator_is_picked_by_the_option_the_sidebar_shows():
    import pose
    from tools.live_page import _option_name
    from ui.controls import UNTRAINED, estimator_label, selector_label

    for estimator in pose.ESTIMATORS:
        others = [estimator_label(e) for e in pose.ESTIMATORS if e != estimator]
        option = _option_name(estimator)
        assert option.match(selector_label(estimator))
        assert option.match(f"{estimator_label(estimator)} ({UNTRAINED})")  # the server may see no weights
        assert not any(option.match(other) for other in others)


def test_help_runs_as_a_module():
    done = subprocess.run([sys.executable, "-m", "tools.live", "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "--estimator" in done.stdout and "--profile" in done.stdout


def test_a_missing_clip_exits_2_with_a_message(tmp_path, capsys):
    assert main([str(tmp_path / "nothing.mp4"), "--seconds", "6"]) == 2
    assert "nothing.mp4: no such file" in capsys.readouterr().err


def test_page_readings_are_read_from_the_metrics():
    shown = {"metrics": {FPS_LABEL: "7.5", FRAMES_LABEL: "120", DROPPED_LABEL: "3", PEOPLE_LABEL: "2",
                         stage_label("detect"): "4.0", stage_label("total"): "50.5"}, "points": 34}  # fmt: skip
    sample = parse_sample(10.0, shown)
    assert (sample.fps, sample.frames, sample.dropped, sample.people, sample.points_3d) == (7.5, 120, 3, 2, 34)
    assert sample.stage_ms == {"detect": 4.0, "total": 50.5}
    assert parse_sample(1.0, {"metrics": {}, "points": 0}).fps is None


def test_the_summary_leaves_out_the_warm_up_and_counts_the_window():
    samples = [PageSample(0.0, 1.0, 1, 0, 0, {"pose": 500.0}, 0)]  # warm-up: left out
    samples += [PageSample(10.0 + i, 8.0 + i % 3, 10 + 8 * i, 2 * i, 1 + (i == 4), {"pose": 20.0 + i}, 30 * (i != 2))
                for i in range(5)]  # fmt: skip
    timing = [{"t": 9.0, "ms": 999.0, "people": 0, "w": 640, "h": 360}]  # before the window
    timing += [{"t": 10.0 + i / 8, "ms": float(i % 10), "people": 1, "w": 640, "h": 360} for i in range(33)]
    page = summarise_page(samples, timing, warmup_s=5.0)
    assert page.samples == 5 and page.window_s == 4.0
    assert page.fps_median == 9.0 and (page.fps_min, page.fps_max) == (8.0, 10.0)
    assert (page.people_median, page.people_mode) == (1, 1)
    assert page.stage_ms == {"pose": 22.0}
    assert (page.frames, page.dropped) == (32, 8) and page.dropped_share == pytest.approx(8 / 40)
    assert page.points_when_people == pytest.approx(4 / 5)  # one reading with people had an empty chart
    assert page.server_frames == 33 and page.server_fps == pytest.approx(33 / 4)
    assert page.server_ms_p50 == pytest.approx(np.percentile([i % 10 for i in range(33)], 50))
    assert page.server_people_mode == 1 and page.frame_size == "640x360"
    with pytest.raises(ValueError):
        summarise_page([], [], 1.0)


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is missing (apt-get install ffmpeg)")
def test_a_clip_becomes_a_fake_camera_at_the_width_and_rate(tmp_path):
    rng = np.random.default_rng(0)
    frames = [np.full((240, 320, 3), (40 * i) % 255, np.uint8) for i in range(10)]
    frames[3][100:140, 100:200] = rng.integers(0, 255, (40, 100, 3), np.uint8)
    clip = write_video(tmp_path / "tiny.avi", frames, fps=10.0)
    width, height, count = clip_to_y4m(clip, tmp_path / "camera.y4m", width=160, fps=25)
    assert (width, height) == (160, 120)
    assert 24 <= count <= 26  # one second at 25 fps
    decoded = list(read_y4m(tmp_path / "camera.y4m"))
    assert len(decoded) == count and decoded[0].shape == (120, 160, 3)
    assert abs(float(decoded[-1].mean()) - 40 * 9 % 255) < 12  # the last frame's grey, through YUV and back
    assert len(list(read_y4m(tmp_path / "camera.y4m", limit=4))) == 4
    with pytest.raises(MeasureError, match="no such file"):
        clip_to_y4m(tmp_path / "missing.mp4", tmp_path / "x.y4m")


def test_the_profile_sums_threads_and_functions():
    raw = "\n".join([
        "thread (1): MainThread;run (a/b/server.py:10);loop (a/b/server.py:20) 30",
        "thread (2): detect;work (pose/engine/scheduler.py:5);infer (openvino/runtime.py:7) 60",
        "thread (2): detect;work (pose/engine/scheduler.py:6) 10",
        "not a line",
    ])  # fmt: skip
    profile = summarise_stacks(raw)
    assert profile.samples == 100
    assert profile.threads == {"detect": 0.7, "MainThread": 0.3}
    assert profile.self_time["infer (openvino/runtime.py)"] == 0.6
    assert profile.self_time["work (engine/scheduler.py)"] == 0.1  # lines of one function are one name
    assert profile.inclusive["work (engine/scheduler.py)"] == 0.7
