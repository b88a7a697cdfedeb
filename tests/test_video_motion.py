"""The motion files of a processed video (``--formats``): one set per track id, and the motion in them is the
motion of keypoints.json, read back by each format's own reader."""

from __future__ import annotations

import json
import subprocess
import sys

import cv2
import numpy as np
import pytest
from test_export_bvh import parsed_positions
from test_export_c3d import read_c3d
from test_export_trc import read_trc
from videos import write_av

from pose.engine.estimator import PoseEstimator
from pose.export import to_lab
from pose.measure.samples import moving_person_frames
from pose.skeleton import JOINT_NAMES
from pose.video import VideoSettings, process_video

pytestmark = pytest.mark.filterwarnings("ignore:No analog data found:UserWarning")


def _per_person(json_path) -> dict[int, dict[int, np.ndarray]]:
    """person -> {processed frame position: (18, 3) lab mm} from keypoints.json."""
    out: dict[int, dict[int, np.ndarray]] = {}
    for position, frame in enumerate(json.loads(json_path.read_text())["frames"]):
        for p in frame["people"]:
            out.setdefault(p["person"], {})[position] = to_lab(np.array(p["keypoints_3d_mm"], dtype=float))
    return out


def test_every_person_gets_files_holding_their_motion(tmp_path, shared_dir, xs_runner):
    image = cv2.imread(str(shared_dir / "images" / "skiers.jpg"))
    frames = [image[: image.shape[0] // 2 * 2, : image.shape[1] // 2 * 2]] * 4
    path = write_av(tmp_path / "skiers.mp4", frames)
    run = process_video(path, tmp_path / "out", estimator=PoseEstimator(runner=xs_runner))
    people = _per_person(run.json_path)
    assert len(people) >= 2, "the skiers clip should hold several people"
    names = sorted(p.name for p in run.motion_paths)
    assert names == sorted(f"person-{i}.{f}" for i in people for f in ("bvh", "trc", "c3d"))
    for person, seen in people.items():
        first = min(seen)
        _, _, _, trc = read_trc((tmp_path / "out" / f"person-{person}.trc").read_text())
        _, c3d = read_c3d(tmp_path / "out" / f"person-{person}.c3d")
        mocap, bvh = parsed_positions((tmp_path / "out" / f"person-{person}.bvh").read_text())
        assert len(trc) == len(c3d) == mocap.nframes == max(seen) - first + 1
        for position, truth in seen.items():
            assert np.abs(trc[position - first] - truth).max() <= 1.0  # mm
            assert np.abs(c3d[position - first] - truth).max() <= 1.0
        assert all(np.isfinite(bvh[n]).all() for n in JOINT_NAMES)


def test_formats_choose_the_files(tmp_path, xs_runner):
    path = write_av(tmp_path / "walk.mp4", list(moving_person_frames(6, (320, 240))))
    estimator = PoseEstimator(runner=xs_runner)
    none = process_video(path, tmp_path / "none", VideoSettings(formats="none"), estimator=estimator)
    assert none.motion_paths == () and not list((tmp_path / "none").glob("person-*"))
    some = process_video(path, tmp_path / "some", VideoSettings(formats="trc,bvh"), estimator=estimator)
    assert {p.suffix for p in some.motion_paths} == {".trc", ".bvh"} and some.motion_paths[0].exists()
    assert set(some.outputs) >= set(some.motion_paths)
    with pytest.raises(ValueError, match="unknown motion format"):
        VideoSettings(formats="fbx")


def test_the_command_takes_formats_and_refuses_an_unknown_one(tmp_path):
    path = write_av(tmp_path / "walk.mp4", list(moving_person_frames(4, (320, 240))))
    args = [sys.executable, "-m", "pose.video", str(path), "--variant", "BlazePose", "--out", str(tmp_path / "o")]
    done = subprocess.run([*args, "--formats", "c3d"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert sorted(p.suffix for p in (tmp_path / "o").glob("person-*")) == [".c3d"]
    bad = subprocess.run([*args, "--formats", "fbx"], capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "error: unknown motion format(s) fbx" in bad.stderr
