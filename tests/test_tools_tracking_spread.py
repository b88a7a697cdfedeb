"""tools.tracking_spread: the bundled SSD's people nudged by a fraction of a pixel, and a clip's ids per nudge."""

from __future__ import annotations

import numpy as np
import pytest

from pose.detect.blazepose import BlazePoseDetector
from tools.tracking_spread import Nudged, main


def test_a_nudge_moves_every_person_and_their_keypoints_by_the_same_fraction_of_a_pixel():
    frame = np.zeros((240, 320, 3), np.uint8)

    class Answer(BlazePoseDetector):
        def _run(self, images):
            row = np.array([[150, 40, 170, 60, 160, 150, 160, 90, 160, 100, 160, 70]], np.float32)
            return [(row, np.array([0.9], np.float32)) for _ in images]

    answer = Answer()
    (plain,), (nudged,) = answer.detect_many([frame]), Nudged(answer, 1e-3).detect_many([frame])
    np.testing.assert_allclose(nudged.bbox_xywh - plain.bbox_xywh, [[1e-3, 1e-3, 0, 0]], atol=1e-9)
    np.testing.assert_allclose(nudged.data["keypoints_px"] - plain.data["keypoints_px"], 1e-3, atol=1e-9)
    np.testing.assert_allclose(nudged.data["face_box_px"] - plain.data["face_box_px"], 1e-3, atol=1e-9)
    answer.close()


def test_it_refuses_a_plug_in_detector(shared_dir, shared_videos, monkeypatch):
    monkeypatch.setenv("CONVNEXTPOSE_DETECTOR", str(shared_dir / "detectors" / "picodet_s_416_coco.onnx"))
    with pytest.raises(SystemExit, match="nudges the bundled detector"):
        main([str(shared_videos / "two_people_courtyard.mp4"), "--people", "2"])


def test_the_courtyard_keeps_its_two_ids_under_every_nudge(shared_videos, capsys):
    assert main([str(shared_videos / "two_people_courtyard.mp4"), "--people", "2", "--nudges", "1e-3"]) == 0
    out = capsys.readouterr().out
    assert out.count("two_people_courtyard.mp4") == 2 and "spread ids 2/2/2, switches 0/0/0" in out


def test_a_file_that_is_no_video_is_refused_with_exit_2(tmp_path, capsys):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video at all")
    assert main([str(broken), "--people", "1", "--nudges", "1e-3"]) == 2
    assert "error:" in capsys.readouterr().err
