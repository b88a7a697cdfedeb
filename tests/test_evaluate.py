"""Evaluation on a small synthetic Human3.6M, in the reference's layout, made here."""

import json

import cv2
import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from pose.measure.evaluate import evaluate, load_samples, main, network_predictor
from pose.skeleton import EVAL_JOINTS, JOINT_NAMES

FOCAL, CENTRE = (500.0, 500.0), (128.0, 128.0)


def _skeleton_17(rng):
    base = np.array(
        [
            [0, 0, 0],
            [-130, 0, 0],
            [-130, 450, 0],
            [-130, 880, 0],
            [130, 0, 0],
            [130, 450, 0],
            [130, 880, 0],
            [0, -230, 0],
            [0, -480, 0],
            [0, -560, -60],
            [0, -680, 0],
            [180, -450, 0],
            [300, -200, 0],
            [330, 50, 0],
            [-180, -450, 0],
            [-300, -200, 0],
            [-330, 50, 0],
        ],
        float,
    )
    return base + rng.normal(0, 15, base.shape)


@pytest.fixture(scope="module")
def h36m(tmp_path_factory):
    root = tmp_path_factory.mktemp("Human36M")
    (root / "annotations").mkdir()
    (root / "images").mkdir()
    rng = np.random.default_rng(0)
    rotation = Rotation.from_euler("y", 20, degrees=True).as_matrix()
    translation = np.array([50.0, -100.0, 4500.0])
    images, annotations, joints = [], [], {}
    image_id = 0
    for action_idx in (2, 3):  # Directions, Discussion
        for frame_idx in (0, 1, 64, 128):
            world = _skeleton_17(rng)
            joints.setdefault(str(action_idx), {}).setdefault("1", {})[str(frame_idx)] = world.tolist()
            cam = world @ rotation.T + translation
            px = cam[:, :2] / cam[:, 2:] * FOCAL + CENTRE
            lo, hi = px.min(0), px.max(0)
            name = f"s_09_act_{action_idx:02d}_subact_01_ca_01/frame_{frame_idx:06d}.jpg"
            (root / "images" / name).parent.mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(root / "images" / name), rng.integers(0, 255, (256, 256, 3), dtype=np.uint8))
            images.append(
                {
                    "id": image_id,
                    "file_name": name,
                    "width": 256,
                    "height": 256,
                    "subject": 9,
                    "action_idx": action_idx,
                    "subaction_idx": 1,
                    "cam_idx": 1,
                    "frame_idx": frame_idx,
                }
            )
            annotations.append({"id": image_id, "image_id": image_id, "bbox": [*lo, *(hi - lo)]})
            image_id += 1
    stem = root / "annotations" / "Human36M_subject9"
    (root / "annotations" / "Human36M_subject9_data.json").write_text(
        json.dumps({"images": images, "annotations": annotations})
    )
    cameras = {"1": {"R": rotation.tolist(), "t": translation.tolist(), "f": list(FOCAL), "c": list(CENTRE)}}
    (stem.parent / "Human36M_subject9_camera.json").write_text(json.dumps(cameras))
    (stem.parent / "Human36M_subject9_joint_3d.json").write_text(json.dumps(joints))
    return root


def test_samples_follow_the_reference_selection(h36m):
    samples = list(load_samples(h36m, subjects=[9], sampling=64))
    assert len(samples) == 6  # frames 0, 64, 128 of two actions; frame 1 is skipped
    assert {s.action for s in samples} == {"Directions", "Discussion"}
    thorax = samples[0].joints_cam_mm[JOINT_NAMES.index("Thorax")]
    shoulders = samples[0].joints_cam_mm[[JOINT_NAMES.index("L_Shoulder"), JOINT_NAMES.index("R_Shoulder")]]
    np.testing.assert_allclose(thorax, shoulders.mean(0))
    assert samples[0].root_depth_mm == pytest.approx(samples[0].joints_cam_mm[0, 2])


def test_known_offsets_give_known_errors(h36m):
    samples = list(load_samples(h36m, subjects=[9]))
    shifted = evaluate(samples, lambda s: s.joints_cam_mm + [40.0, -20.0, 300.0])
    assert shifted["overall"]["mpjpe_mm"] == pytest.approx(0.0, abs=1e-9)

    def one_joint_off(s):
        pred = s.joints_cam_mm.copy()
        pred[JOINT_NAMES.index("L_Wrist")] += [0.0, 17.0 * 3, 17.0 * 4]  # 85 mm on 1 of 17 joints
        return pred

    result = evaluate(samples, one_joint_off)
    assert result["overall"]["mpjpe_mm"] == pytest.approx(5.0)
    assert result["per_action"]["Directions"]["samples"] == 3

    def thorax_off(s):  # Thorax is not evaluated
        pred = s.joints_cam_mm.copy()
        pred[JOINT_NAMES.index("Thorax")] += 500.0
        return pred

    assert evaluate(samples, thorax_off)["overall"]["mpjpe_mm"] == pytest.approx(0.0, abs=1e-9)
    assert len(EVAL_JOINTS) == 17


def test_rotation_counts_in_protocol_2_but_not_in_protocol_1(h36m):
    samples = list(load_samples(h36m, subjects=[9]))
    turn = Rotation.from_euler("z", 15, degrees=True).as_matrix()
    result = evaluate(samples, lambda s: (s.joints_cam_mm - s.joints_cam_mm[0]) @ turn.T)
    assert result["overall"]["mpjpe_mm"] > 20
    assert result["overall"]["pa_mpjpe_mm"] == pytest.approx(0.0, abs=1e-6)


def test_detected_boxes_and_roots(h36m, tmp_path):
    samples = list(load_samples(h36m, subjects=[9]))
    detections = [{"image_id": i, "bbox": [10, 20, 200, 200], "root_cam": [0, 0, 4321.0]} for i in range(8)]
    path = tmp_path / "bbox_root_human36m_output.json"
    path.write_text(json.dumps(detections))
    detected = list(load_samples(h36m, subjects=[9], bbox_root=path))
    assert len(detected) == len(samples)
    assert detected[0].root_depth_mm == 4321.0 and list(detected[0].bbox_xywh) == [10, 20, 200, 200]


def test_the_network_runs_through_the_evaluation(h36m, xs_runner):
    samples = list(load_samples(h36m, subjects=[9]))
    predict = network_predictor(xs_runner, flip_test=True)
    predictions = [predict(s) for s in samples]
    for sample, pred in zip(samples, predictions):
        assert pred.shape == (18, 3)
        # depths lie in the 2000 mm cube about the given root depth (as the reference evaluates), and every
        # joint projects back into the crop the network saw: the box, squared and enlarged 1.25x about its centre
        assert (np.abs(pred[:, 2] - sample.root_depth_mm) <= 1000.0).all()
        px = pred[:, :2] / pred[:, 2:] * sample.focal + sample.principal_point
        x, y, w, h = sample.bbox_xywh
        half = 1.25 * max(w, h) / 2 + 1.0
        assert (np.abs(px - [x + w / 2, y + h / 2]) <= half).all()
    # protocol 2 by hand: root-aligned joint errors over the 17 evaluated joints, averaged per sample
    errors = [
        np.linalg.norm(
            (p - p[0])[list(EVAL_JOINTS)] - (s.joints_cam_mm - s.joints_cam_mm[0])[list(EVAL_JOINTS)], axis=1
        )
        for s, p in zip(samples, predictions)
    ]
    result = evaluate(samples, lambda s: predictions[samples.index(s)])
    assert result["overall"]["mpjpe_mm"] == pytest.approx(np.mean([e.mean() for e in errors]))
    assert evaluate(samples, predict)["overall"]["mpjpe_mm"] == pytest.approx(result["overall"]["mpjpe_mm"])


def test_cli(h36m, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CONVNEXTPOSE_WEIGHTS", str(tmp_path / "none"))
    monkeypatch.setenv("CONVNEXTPOSE_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "results.json"
    assert (
        main(
            ["--data", str(h36m), "--variant", "XS", "--subjects", "9", "--backend", "onnxruntime", "--json", str(out)]
        )
        == 0
    )
    printed = capsys.readouterr()
    assert "Directions" in printed.out and "overall" in printed.out and "untrained" in printed.err
    saved = json.loads(out.read_text())
    assert saved["variant"] == "XS" and saved["overall"]["samples"] == 6
    assert main(["--data", str(tmp_path / "missing"), "--variant", "XS"]) == 2
