"""Tracks per person from keypoints.json and from frames as they come (the spool), gaps, formats, file names."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest
from motions import synthetic_motion

from pose.export import (
    FORMATS,
    LAB_FROM_CAMERA,
    MotionSpool,
    fill_gaps,
    motions_from_json,
    parse_formats,
    to_lab,
    write_motion_files,
)


def _frames():
    """Six processed frames (every other source frame): person 3 throughout but frame 8, person 5 in 4..6."""
    a, b = synthetic_motion(6, seed=1).joints_cam_mm, synthetic_motion(6, seed=2).joints_cam_mm
    frames = []
    for i in range(6):
        people = [SimpleNamespace(track_id=3, keypoints_3d=a[i])] if i != 4 else []
        if 2 <= i <= 3:
            people.append(SimpleNamespace(track_id=5, keypoints_3d=b[i]))
        frames.append((2 * i, 2 * i / 30.0, people))
    return frames, a, b


def _json(path, frames):
    records = [
        {
            "frame": f,
            "time": t,
            "people": [{"person": p.track_id, "keypoints_3d_mm": p.keypoints_3d.tolist()} for p in ps],
        }
        for f, t, ps in frames
    ]
    path.write_text(json.dumps({"video": {"fps": 30.0}, "settings": {"stride": 2}, "frames": records}))
    return path


def _check(motions, a, b):
    assert [m.person for m in motions] == [3, 5]
    first, second = motions
    assert first.rate_hz == 15.0 and list(first.frame_indices) == [0, 2, 4, 6, 8, 10] and first.frames == 6
    assert list(first.present) == [True, True, True, True, False, True]
    assert np.allclose(first.joints_cam_mm[first.present], a[[0, 1, 2, 3, 5]], atol=1e-3)
    assert list(second.frame_indices) == [4, 6] and np.allclose(second.times_s, [4 / 30, 6 / 30])
    assert np.allclose(second.joints_cam_mm, b[2:4], atol=1e-3)


def test_tracks_from_keypoints_json(tmp_path):
    frames, a, b = _frames()
    _check(motions_from_json(_json(tmp_path / "keypoints.json", frames)), a, b)


def test_the_spool_gives_the_same_tracks(tmp_path):
    frames, a, b = _frames()
    with MotionSpool(15.0, tmp_path) as spool:
        for f, t, people in frames:
            spool.add(f, t, people)
        _check(list(spool.motions()), a, b)


def test_an_empty_spool_has_no_track(tmp_path):
    with MotionSpool(30.0, tmp_path) as spool:
        spool.add(0, 0.0, [])
        assert list(spool.motions()) == []


def test_the_lab_frame_is_a_turn_about_x_with_y_up():
    assert np.allclose(to_lab([[1.0, 2.0, 3.0]]), [[1.0, -2.0, -3.0]])
    assert np.isclose(np.linalg.det(LAB_FROM_CAMERA), 1.0)  # a rotation, not a mirror


def test_gaps_are_interpolated_and_held_at_the_ends():
    joints = np.full((5, 1, 3), np.nan)
    joints[1], joints[3] = 10.0, 30.0
    assert fill_gaps(joints)[:, 0, 0].tolist() == [10.0, 10.0, 20.0, 30.0, 30.0]
    with pytest.raises(ValueError, match="never found"):
        fill_gaps(np.full((3, 1, 3), np.nan))


def test_formats_are_parsed_with_a_clear_error():
    assert parse_formats("all") == tuple(FORMATS) == ("bvh", "trc", "c3d")
    assert parse_formats("C3D, bvh") == ("c3d", "bvh") and parse_formats("none") == ()
    with pytest.raises(ValueError, match="unknown motion format.*fbx"):
        parse_formats("bvh,fbx")


def test_one_file_set_per_track_id(tmp_path):
    frames, _, _ = _frames()
    written = write_motion_files(motions_from_json(_json(tmp_path / "k.json", frames)), tmp_path / "out", FORMATS)
    names = sorted(p.name for p in written)
    assert names == sorted(f"person-{i}.{f}" for i in (3, 5) for f in FORMATS)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == names  # no .partial left behind
