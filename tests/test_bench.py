import json

import pytest
from conftest import write_video

from pose.measure import bench, runs
from pose.measure.samples import moving_person_frames
from pose.model import autoselect


def test_bench_command_writes_table_and_json(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CONVNEXTPOSE_WEIGHTS", str(tmp_path / "none"))
    monkeypatch.setenv("CONVNEXTPOSE_CACHE", str(tmp_path / "cache"))
    video = write_video(tmp_path / "walk.avi", list(moving_person_frames(12)))
    out = tmp_path / "bench.json"
    # bf16 runs where the CPU computes it natively; elsewhere asking for it is refused (tests/test_backends.py)
    bf16 = ["openvino:bf16"] if autoselect.native_bf16() else []
    code = bench.main(
        [
            "--variants",
            "XS",
            "--configs",
            "onnxruntime",
            "openvino",
            "torch",
            *bf16,
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
    assert list(rows) == ["eager", "onnxruntime", "openvino", "torch", *bf16]
    assert rows["eager"]["model_ratio"] == 1.0 and rows["eager"]["deviation_cells_max"] == 0.0
    assert rows["onnxruntime"]["deviation_cells_max"] < 1e-3
    for row in rows.values():
        assert row["model_ms_median"] > 0 and row["e2e_fps"] > 0 and row["trained"] is False
        assert set(row["stages_ms"]) == {"detect", "crop", "infer", "decode", "total"}
    assert report["frames"] == 12 and report["soak"]["frames"] == 20
    printed = capsys.readouterr().out
    assert all(config in printed for config in bf16) and "e2e fps" in printed and "its own timestamps" in printed
    flags = autoselect.cpu_flags()
    assert report["machine"]["isa"] == [f for f in bench.ISA_FLAGS if f in flags]
    # every fp32 CPU backend was measured: auto's cache is seeded with the fastest; bf16 (one backend) is not
    fastest = min(("onnxruntime", "openvino", "torch"), key=lambda c: rows[c]["model_ms_median"])
    assert list(report["auto_seeded"]) == ["XS/cpu/fp32"]
    choice = autoselect.lookup(tmp_path / "cache", "XS", "cpu", "fp32", autoselect.machine())
    assert (
        choice.backend == fastest and choice.source == "bench" and "pose.bench" in report["auto_seeded"]["XS/cpu/fp32"]
    )


def test_a_file_that_is_no_video_is_a_clear_error(tmp_path):
    bad = tmp_path / "notes.mp4"
    bad.write_text("not a video")
    with pytest.raises(SystemExit, match=r"^error: .*notes\.mp4"):
        bench.main(["--variants", "XS", "--configs", "onnxruntime", "--video", str(bad), "--no-e2e"])


def test_config_names():
    assert runs.parse_config("torch:fp16@cuda") == ("torch", "fp16", "cuda")
    assert runs.parse_config("onnxruntime") == ("onnxruntime", "fp32", "cpu")


def test_crowd_benchmark_finds_everybody_and_times_batched_against_one_by_one(tmp_path, monkeypatch):
    monkeypatch.setenv("CONVNEXTPOSE_WEIGHTS", str(tmp_path / "none"))
    monkeypatch.setenv("CONVNEXTPOSE_CACHE", str(tmp_path / "cache"))
    rows = bench.crowd_benchmark(["XS"], "onnxruntime", [1, 3], n_frames=6, detect_every=30, iters=2)
    assert [r.people for r in rows] == [1, 3]
    assert rows[0].found_per_frame == 1.0 and rows[1].found_per_frame >= 2.0  # several people, every frame
    assert rows[0].over_one_person == 1.0  # the ratios are to the one-person figure of the same run
    assert all(r.batched_ms > 0 and r.one_by_one_ms > 0 for r in rows)
    assert "one-by-one ms" in bench.format_crowd(rows)
