"""``python -m pose.batch`` on a local Ray: outputs, failures with reasons, resuming, a worker that dies."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import av
import pytest
from videos import write_av, write_mp4

from pose import EstimatorConfig
from pose.measure.samples import moving_person_frames
from pose.video import OUTPUT_NAMES, VideoSettings
from pose.video.batch import init_ray
from pose.video.batch_inputs import BatchError, Item, find_inputs
from pose.video.batch_pool import run_batch

ROOT = Path(__file__).resolve().parents[1]
SIZE = (160, 128)
BLAZE = VideoSettings(EstimatorConfig("BlazePose"))


def _ray_daemons() -> set[int]:
    """Pids of Ray's own daemons (raylet, GCS) on this machine."""
    pids = set()
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "comm").read_text().strip() in ("raylet", "gcs_server"):
                pids.add(int(entry.name))
        except OSError:
            pass
    return pids


def _folder(root: Path) -> Path:
    frames = list(moving_person_frames(45, SIZE))
    (root / "sub").mkdir(parents=True)
    write_av(root / "a.mp4", frames[:30])
    write_av(root / "sub" / "b.mkv", frames[:45])
    write_av(root / "c.webm", frames[:20], codec="libvpx-vp9")
    (root / "broken.mp4").write_text("not a video\n" * 20)
    (root / "notes.txt").write_text("not an input")
    return root


def _summary(out: Path) -> dict[str, dict]:
    with open(out / "summary.csv", newline="") as fh:
        return {row["input"]: row for row in csv.DictReader(fh)}


def _batch(folder, out, *extra):
    return subprocess.run(
        [sys.executable, "-m", "pose.batch", str(folder), "--out", str(out), "--variant", "BlazePose"]
        + ["--cpus", "2", "--workers", "2", *extra],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )


def _decoded_frames(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def test_the_command_processes_skips_and_reruns_exactly_what_changed(tmp_path):
    folder, out = _folder(tmp_path / "in"), tmp_path / "out"
    daemons_before = _ray_daemons()
    first = _batch(folder, out)
    assert first.returncode == 1, first.stderr  # something failed
    rows = _summary(out)
    assert {name: r["status"] for name, r in rows.items()} == {
        "a.mp4": "done",
        "sub/b.mkv": "done",
        "c.webm": "done",
        "broken.mp4": "failed",
    }
    assert "not a video file" in rows["broken.mp4"]["error"]
    for name, frames in (("a.mp4", 30), ("sub/b.mkv", 45), ("c.webm", 20)):
        assert int(rows[name]["frames"]) == frames and int(rows[name]["people"]) == 1
        assert _decoded_frames(out / name / OUTPUT_NAMES["video"]) == frames  # playable, whole
        assert json.loads((out / name / OUTPUT_NAMES["json"]).read_text())["frames_processed"] == frames
    assert json.loads((out / "summary.json").read_text())[0]["input"] == "a.mp4"
    assert not list(out.rglob("*.partial*"))
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file() and p.parent != out}

    second = _batch(folder, out)
    assert second.returncode == 1 and "0 done, 3 skipped, 1 failed" in second.stdout, second.stderr
    assert "on Ray" not in second.stderr  # nothing to do: Ray is not even started
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps  # nothing reprocessed

    (out / "c.webm" / OUTPUT_NAMES["csv"]).unlink()
    third = _batch(folder, out)
    assert "1 done, 2 skipped, 1 failed" in third.stdout, third.stderr
    assert (out / "c.webm" / OUTPUT_NAMES["csv"]).exists()
    assert all(p.stat().st_mtime_ns == t for p, t in stamps.items() if "c.webm" not in p.parts)
    assert _ray_daemons() <= daemons_before  # Ray's processes went with the command


def test_a_list_file_and_bad_inputs(tmp_path):
    folder = _folder(tmp_path / "in")
    listing = tmp_path / "in" / "list.txt"
    listing.write_text(f"# two of them\na.mp4\n\n{folder / 'sub' / 'b.mkv'}\n")
    items = find_inputs(listing)
    assert [i.path for i in items] == [folder / "a.mp4", folder / "sub" / "b.mkv"]
    assert items[1].name == (folder / "sub" / "b.mkv").as_posix().lstrip("/")
    assert [i.name for i in find_inputs(folder)] == ["a.mp4", "broken.mp4", "c.webm", "sub/b.mkv"]
    with pytest.raises(BatchError, match="holds no video"):
        find_inputs(_empty(tmp_path))
    done = subprocess.run(
        [sys.executable, "-m", "pose.batch", str(tmp_path / "nowhere"), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 2 and "no such folder" in done.stderr


def _empty(tmp_path: Path) -> Path:
    (tmp_path / "empty").mkdir()
    return tmp_path / "empty"


@pytest.fixture(scope="module")
def local_ray():
    """One local Ray (2 CPUs) for this module's in-process batches; shut down at the end."""
    import ray

    started = init_ray(None, 2)
    yield
    if started:
        ray.shutdown()


def test_a_worker_that_dies_fails_only_its_video(tmp_path, local_ray):
    frames = list(moving_person_frames(20, SIZE))
    folder = tmp_path / "in"
    folder.mkdir()
    write_av(folder / "0-long.mp4", frames * 15)  # 300 frames: long enough to be killed mid-way
    for name in ("1-a.mp4", "2-b.mp4"):
        write_av(folder / name, frames)
    killed = []

    def on_progress(name: str, done: int, pid: int) -> None:
        if name == "0-long.mp4" and done > 0 and not killed:
            os.kill(pid, signal.SIGKILL)  # the worker process dies mid-video, as in a segfault or OOM kill
            killed.append(pid)

    outcomes = run_batch(find_inputs(folder), tmp_path / "out", BLAZE, workers=1, on_progress=on_progress)
    assert killed
    assert [o.status for o in outcomes] == ["failed", "done", "done"]  # a new worker took over
    assert "worker died" in outcomes[0].error
    assert not (tmp_path / "out" / "0-long.mp4").exists() and not list((tmp_path / "out").glob("*.partial*"))
    again = run_batch(find_inputs(folder), tmp_path / "out", BLAZE, workers=1, retry_failed=True)
    assert [o.status for o in again] == ["done", "skipped", "skipped"]


def test_new_settings_or_new_content_run_again(tmp_path, local_ray):
    folder = tmp_path / "in"
    folder.mkdir()
    frames = list(moving_person_frames(12, SIZE))
    write_av(folder / "a.mp4", frames)
    write_av(folder / "b.mp4", frames)
    out = tmp_path / "out"
    assert [o.status for o in run_batch(find_inputs(folder), out, BLAZE, workers=2)] == ["done", "done"]
    assert [o.status for o in run_batch(find_inputs(folder), out, BLAZE)] == ["skipped", "skipped"]
    strided = VideoSettings(EstimatorConfig("BlazePose"), stride=2)
    assert [o.frames for o in run_batch(find_inputs(folder), out, strided)] == [6, 6]
    write_av(folder / "b.mp4", frames[:8])  # same name, new content
    assert [o.status for o in run_batch(find_inputs(folder), out, strided)] == ["skipped", "done"]


def test_a_cut_file_is_a_failed_row_that_keeps_its_outputs(tmp_path, local_ray):
    folder = tmp_path / "in"
    folder.mkdir()
    whole = write_mp4(tmp_path / "whole.mp4", list(moving_person_frames(90, SIZE)), faststart=True)
    (folder / "cut.mp4").write_bytes(whole.read_bytes()[: whole.stat().st_size * 7 // 10])
    items = [Item(folder / "cut.mp4", "cut.mp4"), Item(folder / "gone.mp4", "gone.mp4")]
    outcomes = run_batch(items, tmp_path / "out", BLAZE)
    assert [o.status for o in outcomes] == ["failed", "failed"]
    assert "breaks off" in outcomes[0].error and 0 < outcomes[0].frames < 90
    assert "no such file" in outcomes[1].error
    assert (tmp_path / "out" / "cut.mp4" / OUTPUT_NAMES["video"]).exists()
