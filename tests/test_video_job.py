"""The Video page's job and result cache: held results never vanish, sizes are bounded, folders are cleaned up."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import time
import zipfile
from dataclasses import fields, replace
from pathlib import Path

import pytest
from videos import write_av

import pose
from pose.measure.samples import moving_person_frames
from pose.video import VideoInfo, VideoRun, probe
from ui.controls import EstimatorSettings
from ui.video_job import RESULTS_PREFIX, ResultCache, Upload, VideoJob, remove_stale_results, result_cache

INFO = VideoInfo(1.0, 30.0, 64, 48, "h264", 0, 30, 1000, "mp4")
MB = 1 << 20


def _run_into(cache: ResultCache, key, size_bytes: int, publish: bool = True):
    """What a session does: reserve a folder, write a run's files there, publish it; returns the held lease."""
    lease = cache.reserve(key)
    (lease.folder / "annotated.mp4").write_bytes(b"\0" * size_bytes)
    (lease.folder / "keypoints.json").write_text("{}")
    if publish:
        cache.publish(lease, VideoRun(INFO, "XS", False, json_path=lease.folder / "keypoints.json"))
    return lease


def test_a_held_result_survives_other_sessions_filling_the_cache(tmp_path):
    cache = ResultCache(tmp_path, max_bytes=3 * MB)
    mine = _run_into(cache, ("mine",), MB)  # this session's page shows it
    for n in range(12):  # other sessions come and go, each with a bigger run than the bound allows to keep
        _run_into(cache, ("other", n), MB).release()
    assert (mine.folder / "annotated.mp4").stat().st_size == MB and mine.run is not None
    assert cache.total_bytes <= 3 * MB + 4096  # the bound holds for what nobody holds
    again = cache.lookup(("mine",))
    assert again is not None and again.folder == mine.folder
    mine.release()
    again.release()
    for n in range(4):
        _run_into(cache, ("later", n), MB).release()
    assert not mine.folder.exists()  # released, least recently used: now it may go


def test_held_results_may_exceed_the_bound_but_are_never_removed(tmp_path):
    cache = ResultCache(tmp_path, max_bytes=MB)
    held = [_run_into(cache, ("held", n), MB) for n in range(5)]
    assert all((lease.folder / "annotated.mp4").exists() for lease in held)
    assert cache.total_bytes >= 5 * MB
    for lease in held:
        lease.release()
    assert cache.total_bytes <= MB + 4096


def test_a_session_that_ends_lets_go_of_its_results(tmp_path):
    """Streamlit drops a closed session's state; the lease is collected and its hold released."""
    cache = ResultCache(tmp_path, max_bytes=0)
    folder = _run_into(cache, ("gone",), 1000).folder  # the lease is dropped at once, as when a session ends
    gc.collect()
    assert not folder.exists() and cache.lookup(("gone",)) is None


def test_an_unpublished_run_goes_when_released(tmp_path):
    cache = ResultCache(tmp_path, max_bytes=10 * MB)
    lease = _run_into(cache, ("cancelled",), 1000, publish=False)
    assert cache.lookup(("cancelled",)) is None and lease.folder.exists()
    lease.release()
    assert not lease.folder.exists()


def test_a_newer_result_replaces_an_older_one_only_when_free(tmp_path):
    cache = ResultCache(tmp_path, max_bytes=10 * MB)
    old = _run_into(cache, ("same",), 1000)
    new = _run_into(cache, ("same",), 1000)
    assert cache.lookup(("same",)).folder == new.folder and old.folder.exists()
    old.release()
    assert not old.folder.exists() and new.folder.exists()


def test_stale_results_folders_are_removed_and_live_ones_kept(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f"{RESULTS_PREFIX}{dead.stdout.strip()}-abc"
    legacy = tmp_path / f"{RESULTS_PREFIX}x1y2z3"  # the old mkdtemp name, from before pids were recorded
    live = tmp_path / f"{RESULTS_PREFIX}{os.getpid()}-def"
    for folder in (stale, legacy, live):
        (folder / "run").mkdir(parents=True)
    assert sorted(remove_stale_results(tmp_path)) == sorted([stale, legacy])
    assert live.exists()


def test_the_results_folder_is_removed_when_the_server_exits(tmp_path):
    code = f"from ui.video_job import results_root; r = results_root({str(tmp_path)!r}); (r / 'x').write_text('1')"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).parents[1])
    assert done.returncode == 0, done.stderr
    assert not list(tmp_path.glob(RESULTS_PREFIX + "*"))


def test_every_setting_is_in_the_cache_key(tmp_path):
    base = EstimatorSettings(("XS",))
    upload = Upload("a.mp4", tmp_path / "a.mp4", "f" * 64, INFO)
    key = VideoJob((upload,), base, tmp_path).key(upload, "XS")
    other_text = {"backend": "torch", "device": "cpu", "precision": "bf16"}
    for f in fields(pose.EstimatorConfig):
        if f.name == "variant":
            continue
        value = getattr(base.config, f.name)
        changed = {bool: lambda v: not v, int: lambda v: v + 1, float: lambda v: v + 1.0, type(None): lambda v: 500.0}
        new = other_text[f.name] if isinstance(value, str) else changed[type(value)](value)
        other = replace(base, config=replace(base.config, **{f.name: new}))
        assert VideoJob((upload,), other, tmp_path).key(upload, "XS") != key, f.name
    assert VideoJob((upload,), base, tmp_path, stride=2).key(upload, "XS") != key
    # choosing a second estimator does not change the first one's key
    assert VideoJob((upload,), replace(base, estimators=("XS", "S")), tmp_path).key(upload, "XS") == key


@pytest.fixture()
def uploads(tmp_path):
    made = []
    for name, n in (("walk.mp4", 12), ("jump.mp4", 8)):
        path = write_av(tmp_path / name, list(moving_person_frames(n, (160, 128))))
        made.append(Upload(name, path, name * 4, probe(path)))
    return tuple(made)


def _wait(job: VideoJob, seconds: float = 120):
    deadline = time.time() + seconds
    while not job.state.done and time.time() < deadline:
        time.sleep(0.1)
    assert job.state.done


def test_a_job_over_two_files_snapshots_zips_and_reuses(tmp_path, uploads):
    settings = EstimatorSettings(("BlazePose",))
    job = VideoJob(uploads, settings, tmp_path)
    first_state = job.state
    job.launch()
    _wait(job)
    assert first_state.items[0].status == "waiting"  # snapshots are replaced, never changed in place
    state = job.state
    assert state.error is None and [i.status for i in state.items] == ["done", "done"]
    assert [i.outcome.frames for i in state.items] == [12, 8]
    with zipfile.ZipFile(state.zip_path) as archive:
        names = set(archive.namelist())
    motion = {
        f"{stem}-BlazePose/{p.name}"
        for stem, i in zip(("walk", "jump"), state.items)
        for p in i.outcome.run.motion_paths
    }
    assert {p.rsplit(".", 1)[1] for p in motion} == {"bvh", "trc", "c3d"}  # each person's motion files, too
    assert names == {f"{stem}-BlazePose/{f}" for stem in ("walk", "jump") for f in OUTPUTS} | motion
    again = VideoJob(uploads, settings, tmp_path)
    again.launch()
    _wait(again)
    assert [i.status for i in again.state.items] == ["reused", "reused"] and all(i.reused for i in again.state.items)
    shown = state.items[0].outcome.run.video_path
    job.release()
    assert shown.exists()  # the second job still shows it
    again.release()
    result_cache()._evict()


OUTPUTS = ("annotated.mp4", "keypoints.csv", "keypoints.json")
