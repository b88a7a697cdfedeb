import csv
import json
import subprocess
import sys
import threading

import av
import cv2
import numpy as np
import pytest
from conftest import write_video
from videos import write_av, write_vfr

from pose.engine.estimator import PoseEstimator
from pose.measure.samples import moving_person_frames
from pose.skeleton import JOINT_NAMES
from pose.video import (
    CSV_COLUMNS,
    Mp4Writer,
    VideoError,
    people_in,
    probe,
    process_video,
    read_frames,
    read_track,
)

SIZE = (320, 240)


def _rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def frames():
    return list(moving_person_frames(24, SIZE))


@pytest.fixture(scope="module")
def estimator(xs_runner):
    return PoseEstimator(runner=xs_runner, detect_every=8)


@pytest.mark.parametrize(
    "name, codec",
    [
        ("clip.mp4", "libx264"),
        ("clip.mov", "mpeg4"),
        ("clip.mkv", "libx264"),
        ("clip.webm", "libvpx-vp9"),
        ("clip.avi", "mjpeg"),
    ],
)
def test_containers_and_codecs_read_back(tmp_path, frames, name, codec):
    path = write_av(tmp_path / name, frames, codec, pix_fmt="yuvj420p" if codec == "mjpeg" else "yuv420p")
    info = probe(path)
    assert (info.width, info.height, info.rotation) == (*SIZE, 0)
    assert abs(info.fps - 30) < 0.1, info.fps
    assert info.frame_count in (0, 24), info.frame_count  # 0: a container that does not store its frame count
    got = list(read_frames(path))
    assert len(got) == 24
    assert got[3][1] == pytest.approx(3 / 30, abs=1e-3)
    assert np.abs(got[10][2].astype(int) - frames[10]).mean() < 12  # lossy, but the same picture


def test_rotation_is_honoured(tmp_path, frames):
    path = write_av(tmp_path / "phone.mp4", frames, rotation=90)
    info = probe(path)
    assert (info.width, info.height, info.rotation) == (240, 320, 90)
    _, _, upright = next(read_frames(path))
    assert upright.shape == (320, 240, 3)
    right = np.abs(upright.astype(int) - np.rot90(frames[0], 1)).mean()
    wrong = np.abs(upright.astype(int) - np.rot90(frames[0], -1)).mean()
    assert right < 6 < 3 * right < wrong


def test_variable_frame_rate_keeps_timestamps(tmp_path, frames):
    times = [0.0, 0.04, 0.05, 0.2, 0.21, 0.5]
    path = write_vfr(tmp_path / "vfr.mkv", frames, times)
    assert [round(s, 3) for _, s, _ in read_frames(path)] == times


def test_range_and_stride(tmp_path, frames):
    path = write_av(tmp_path / "clip.mp4", frames)
    assert [i for i, _, _ in read_frames(path, start=4, stop=20, stride=5)] == [4, 9, 14, 19]


def _column(joint: str, suffix: str) -> str:
    return f"{joint}_{suffix}"


def test_process_writes_browser_playable_mp4_csv_and_json(tmp_path, frames, estimator):
    path = write_av(tmp_path / "walk.mp4", frames)
    seen = []
    run = process_video(path, tmp_path / "out", estimator=estimator, progress=seen.append)
    assert run.frames_done == 24 and run.frames_with_person == 24 and not run.cancelled and run.people == 1
    assert run.counts == "24 frames (24 with a person, 1 person)"
    assert [p.frames_done for p in seen] == [4, 8, 12, 16, 20, 24] and seen[-1].frames_total == 24
    with pytest.raises(AttributeError):
        seen[0].frames_done = 99  # snapshots are immutable
    with av.open(str(run.video_path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264" and stream.codec_context.pix_fmt == "yuv420p"
        assert sum(1 for _ in container.decode(stream)) == 24
    rows = _rows(run.csv_path)
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == 24  # one row per person per frame
    assert len(CSV_COLUMNS) == 7 + 18 * 6 + 8 and all(r["person"] == rows[0]["person"] for r in rows)
    payload = json.loads(run.json_path.read_text())
    assert payload["estimator"] == "XS" and payload["trained"] is False
    assert payload["video"]["width"] == 320 and payload["settings"]["stride"] == 1
    assert payload["frames_processed"] == 24 and payload["stopped_early"] is None
    assert len(payload["frames"]) == 24 and payload["joints"] == list(JOINT_NAMES)
    person = payload["frames"][5]["people"][0]
    assert person["person"] == int(rows[5]["person"])
    row = rows[5]  # frame 5: the CSV and the JSON say the same
    assert int(row["frame"]) == 5
    np.testing.assert_allclose(
        [float(row[_column("R_Ankle", "x_px")]), float(row[_column("R_Ankle", "y_px")])],
        person["keypoints_2d_px"][3],
        atol=0.01,
    )
    np.testing.assert_allclose(float(row[_column("R_Ankle", "z_mm")]), person["keypoints_3d_mm"][3][2], atol=0.1)
    confidences = [float(row[_column(j, "confidence")]) for j in JOINT_NAMES]
    np.testing.assert_allclose(confidences, person["confidence"], atol=1e-4)
    track = read_track(run.json_path)
    assert track.keypoints_3d.shape == (24, 18, 3) and list(track.frame_indices) == list(range(24))
    np.testing.assert_allclose(track.keypoints_3d[5], person["keypoints_3d_mm"], atol=1e-6)
    assert not list((tmp_path / "out").glob("*.partial"))


def test_exports_carry_every_person(tmp_path, shared_dir, xs_runner):
    """Five skiers: one CSV row and one JSON person per skier found, each with its track id."""
    image = cv2.imread(str(shared_dir / "images" / "skiers.jpg"))
    path = write_av(tmp_path / "skiers.mp4", [image[: image.shape[0] // 2 * 2, : image.shape[1] // 2 * 2]] * 3)
    run = process_video(path, tmp_path / "out", estimator=PoseEstimator(runner=xs_runner))
    payload = json.loads(run.json_path.read_text())
    per_frame = [len(f["people"]) for f in payload["frames"]]
    # Every skier from the second frame on, and nobody else on any frame. On the first, the skier whose box lies
    # within another's waits for the second detection, as any newcomer within another person's box does (in a
    # video, where a part of a person can be taken for one more: pose.engine.tracker.NEWCOMER_INSIDE).
    assert per_frame[0] in (4, 5) and per_frame[1:] == [5, 5], f"people per frame {per_frame}: the photo shows five"
    assert run.people >= 5
    rows = _rows(run.csv_path)
    assert len(rows) == sum(per_frame)
    for frame in payload["frames"]:
        ids = [p["person"] for p in frame["people"]]
        assert sorted(ids) == sorted(int(r["person"]) for r in rows if int(r["frame"]) == frame["frame"])
    # the people the page offers, the most seen first, and any one of them read back as a track
    seen = people_in(run.json_path)
    assert sum(seen.values()) == sum(per_frame) and list(seen.values()) == sorted(seen.values(), reverse=True)
    assert read_track(run.json_path).person == next(iter(seen))
    last = list(seen)[-1]
    track = read_track(run.json_path, last)
    assert track.person == last
    assert int(np.isfinite(track.keypoints_3d[:, 0, 0]).sum()) == seen[last]


def test_cancel_keeps_what_was_done(tmp_path, frames, estimator):
    path = write_av(tmp_path / "walk.mp4", frames)
    cancel = threading.Event()

    def progress(snapshot):
        if snapshot.frames_done >= 8:
            cancel.set()

    run = process_video(path, tmp_path / "out", estimator=estimator, progress=progress, cancel=cancel)
    assert run.cancelled and run.frames_done == 8 and run.stopped_early is None
    with av.open(str(run.video_path)) as container:
        assert sum(1 for _ in container.decode(video=0)) == 8
    assert len(_rows(run.csv_path)) == 8
    assert json.loads(run.json_path.read_text())["cancelled"] is True


def test_truncated_video_processes_what_decodes(tmp_path, frames, estimator):
    good = write_video(tmp_path / "full.avi", frames)
    cut = tmp_path / "cut.avi"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size * 6 // 10])
    run = process_video(cut, tmp_path / "out", estimator=estimator)
    assert 5 <= run.frames_done < 24 and "breaks off" in run.stopped_early


def test_a_video_with_nobody(tmp_path, estimator):
    path = write_av(tmp_path / "empty.mp4", list(moving_person_frames(6, SIZE, absent=(0, 6))))
    run = process_video(path, tmp_path / "out", estimator=estimator)
    assert run.frames_done == 6 and run.frames_with_person == 0 and run.people == 0
    assert run.counts == "6 frames (0 with a person, 0 people)"
    assert len(_rows(run.csv_path)) == 0


def test_a_one_frame_video(tmp_path, frames, estimator):
    run = process_video(write_av(tmp_path / "one.mp4", frames[:1]), tmp_path / "out", estimator=estimator)
    assert run.frames_done == 1 and run.counts.startswith("1 frame (")


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p.write_bytes(b""), "empty"),
        (lambda p: p.write_text("this is a text file\n" * 50), "not a video file"),
        (lambda p: p.write_bytes(cv2.imencode(".png", np.zeros((40, 40, 3), np.uint8))[1].tobytes()), "an image"),
        (lambda p: p.mkdir(), "upload.mp4: a folder, not a video file"),
    ],
)
def test_bad_files(tmp_path, make, message, estimator):
    path = tmp_path / "upload.mp4"
    make(path)
    with pytest.raises(VideoError, match=message):
        probe(path)
    with pytest.raises(VideoError, match=message):
        process_video(path, tmp_path / "out", estimator=estimator)


def test_unsupported_codec(tmp_path, frames):
    good = write_av(tmp_path / "good.mp4", frames[:4])
    bad = tmp_path / "odd.mp4"
    bad.write_bytes(good.read_bytes().replace(b"avc1", b"zzz9"))
    with pytest.raises(VideoError, match="not supported"):
        probe(bad)


def test_writer_even_dimensions(tmp_path):
    with Mp4Writer(tmp_path / "odd.mp4", 25, (101, 75)) as writer:
        for _ in range(3):
            writer.write(np.zeros((75, 101, 3), np.uint8))
    assert probe(tmp_path / "odd.mp4").width == 100


def test_cli(tmp_path, frames):
    path = write_av(tmp_path / "walk.mp4", frames[:8])
    out = tmp_path / "cli"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pose.video",
            str(path),
            "--variant",
            "XS",
            "--backend",
            "onnxruntime",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**__import__("os").environ, "CONVNEXTPOSE_WEIGHTS": str(tmp_path / "none")},
    )
    assert done.returncode == 0, done.stderr
    assert "8/8 frames" in done.stderr and "untrained" in done.stderr and "\r" not in done.stderr
    names = {p.name for p in out.iterdir()}
    assert {"annotated.mp4", "keypoints.csv", "keypoints.json"} < names  # and the motion files, per person
    assert {n.rsplit(".", 1)[1] for n in names if n.startswith("person-")} == {"bvh", "trc", "c3d"}
    bad = tmp_path / "bad.mp4"
    bad.write_text("nope")
    failed = subprocess.run([sys.executable, "-m", "pose.video", str(bad)], capture_output=True, text=True, timeout=300)
    assert failed.returncode == 2 and "error: bad.mp4: not a video file" in failed.stderr
