import json

from conftest import write_video

from pose.measure import bench
from pose.measure.samples import moving_person_frames


def test_bench_command_writes_table_and_json(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CONVNEXTPOSE_WEIGHTS", str(tmp_path / "none"))
    monkeypatch.setenv("CONVNEXTPOSE_CACHE", str(tmp_path / "cache"))
    video = write_video(tmp_path / "walk.avi", list(moving_person_frames(12)))
    out = tmp_path / "bench.json"
    code = bench.main(
        [
            "--variants",
            "XS",
            "--configs",
            "onnxruntime",
            "openvino:bf16",
            "--video",
            str(video),
            "--frames",
            "12",
            "--model-iters",
            "3",
            "--soak",
            "20",
            "--json",
            str(out),
        ]
    )
    assert code == 0
    report = json.loads(out.read_text())
    rows = {r["config"]: r for r in report["rows"]}
    assert list(rows) == ["eager", "onnxruntime", "openvino:bf16"]
    assert rows["eager"]["model_ratio"] == 1.0 and rows["eager"]["deviation_cells_max"] == 0.0
    assert rows["onnxruntime"]["deviation_cells_max"] < 1e-3
    for row in rows.values():
        assert row["model_ms_median"] > 0 and row["e2e_fps"] > 0 and row["trained"] is False
        assert set(row["stages_ms"]) == {"detect", "crop", "infer", "decode", "total"}
    assert report["frames"] == 12 and report["soak"]["frames"] == 20
    printed = capsys.readouterr().out
    assert "openvino:bf16" in printed and "e2e fps" in printed


def test_config_names():
    assert bench.parse_config("torch:fp16@cuda") == ("torch", "fp16", "cuda")
    assert bench.parse_config("onnxruntime") == ("onnxruntime", "fp32", "cpu")
