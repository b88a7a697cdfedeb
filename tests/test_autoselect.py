"""``backend="auto"``: measured on first use, the fastest kept, remembered per machine, bf16 only where native."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

import pose
from pose.model import autoselect
from pose.model.backends import create_runner

CPU = autoselect.CPU_BACKENDS


@pytest.fixture(scope="module")
def model():
    return pose.init_deterministic(pose.build_model("XS"))


@pytest.fixture(autouse=True)
def _onnx_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("CONVNEXTPOSE_CACHE", str(tmp_path_factory.getbasetemp() / "onnx-cache"))


class FakeRunner:
    """Sleeps a set time per call: a backend of known speed."""

    def __init__(self, backend: str, precision: str, delay_s: float) -> None:
        self.backend, self.precision, self.delay_s, self.calls = backend, precision, delay_s, 0

    def __call__(self, batch):
        self.calls += 1
        time.sleep(self.delay_s)


def fake_build(delays: dict[str, float], built: list):
    def build(backend: str, precision: str) -> FakeRunner:
        runner = FakeRunner(backend, precision, delays[backend])
        built.append(runner)
        return runner

    return build


class TimedRunner:
    """A real runner that keeps the milliseconds of each of its calls: what ``auto`` measured, seen from inside."""

    def __init__(self, runner) -> None:
        self.runner, self.backend, self.calls_ms = runner, runner.backend, []

    def __call__(self, batch):
        t0 = time.perf_counter()
        out = self.runner(batch)
        self.calls_ms.append((time.perf_counter() - t0) * 1e3)
        return out


@pytest.fixture(scope="module")
def measured(model, tmp_path_factory):
    """``auto`` measured once with the real backends, each call of each timed from inside the runner."""
    folder = tmp_path_factory.mktemp("auto")
    built = []

    def build(backend, precision):
        runner = TimedRunner(create_runner(model, backend, "cpu", precision))
        built.append(runner)
        return runner

    runner, choice = autoselect.choose("XS", (256, 256), "cpu", "fp32", build, folder, rounds=15)
    # the calls auto timed: each runner's after its warm-up ones (a runner dropped early has fewer)
    samples = {r.backend: np.array(r.calls_ms[autoselect.WARMUP :]) for r in built}
    return folder, runner, choice, samples


def test_auto_picks_the_fastest_of_its_own_measurement(measured):
    """Checked against the very calls ``auto`` timed (a second timing would differ on a busy machine)."""
    _, runner, choice, samples = measured
    assert choice.source == "measured" and runner.backend == choice.backend
    assert set(choice.timings_ms) == {b for b in CPU if autoselect.installed(b)} == set(samples)
    medians = {b: float(np.median(ms)) for b, ms in samples.items()}
    for backend, ms in choice.timings_ms.items():  # auto's medians are of these calls (plus a call's overhead)
        assert medians[backend] <= ms <= medians[backend] * 1.05 + 0.05, (backend, ms, medians)
    assert medians[choice.backend] <= min(medians.values()) * 1.05 + 0.05, (choice, medians)  # the fastest, or a tie
    assert all(len(ms) in (autoselect.DROP_AFTER, 15) for ms in samples.values())  # dropped after 5, or all 15
    assert choice.backend in choice.describe() or autoselect.BACKEND_LABELS[choice.backend] in choice.describe()
    assert "ms" in choice.describe()


def test_the_choice_is_remembered_and_reused_without_measuring(measured, model, monkeypatch):
    folder, _, choice, _ = measured
    saved = json.loads((folder / autoselect.CACHE_FILE).read_text())
    (entry,) = saved.values()
    assert entry["machine"]["cpu_flags_sha"] and entry["choices"]["XS/cpu/fp32"]["backend"] == choice.backend

    def no_measuring(*args, **kwargs):
        raise AssertionError("measured again")

    monkeypatch.setattr(autoselect, "measure_backends", no_measuring)
    monkeypatch.setenv("CONVNEXTPOSE_CACHE", str(folder))
    runner = create_runner(model, "auto", "cpu", "fp32")
    assert runner.backend == choice.backend and runner.auto.source == "cache"
    assert runner.auto.timings_ms == pytest.approx(choice.timings_ms)


def test_another_machine_or_library_version_measures_anew(tmp_path):
    built = []
    build = fake_build({"onnxruntime": 0.004, "openvino": 0.001, "torch": 0.006}, built)
    _, first = autoselect.choose("S", (256, 256), "cpu", "fp32", build, tmp_path, rounds=6)
    assert first.source == "measured" and first.backend == "openvino"
    here = autoselect.machine()
    assert autoselect.lookup(tmp_path, "S", "cpu", "fp32", here).backend == "openvino"
    upgraded = {**here, "versions": {**here["versions"], "onnxruntime": "99.0"}}
    assert autoselect.lookup(tmp_path, "S", "cpu", "fp32", upgraded) is None
    other_cpu = {**here, "cpu_flags_sha": "0" * 16}
    assert autoselect.lookup(tmp_path, "S", "cpu", "fp32", other_cpu) is None
    assert autoselect.lookup(tmp_path, "M", "cpu", "fp32", here) is None  # another variant


def test_fastest_fake_backend_wins_and_a_slow_one_is_dropped_early(tmp_path):
    built = []
    build = fake_build({"onnxruntime": 0.002, "openvino": 0.006, "torch": 0.030}, built)
    runner, choice = autoselect.choose("XS", (256, 256), "cpu", "fp32", build, tmp_path, rounds=20)
    assert choice.backend == "onnxruntime" and runner.backend == "onnxruntime"
    calls = {r.backend: r.calls for r in built}
    assert calls["onnxruntime"] == autoselect.WARMUP + 20
    assert calls["torch"] == autoselect.WARMUP + autoselect.DROP_AFTER  # 15x the best: stopped early


def test_bf16_is_chosen_only_where_the_cpu_runs_it_natively(tmp_path, monkeypatch):
    backends, runs, note = autoselect.candidates("cpu", "bf16", frozenset({"avx2", "fma"}))
    assert runs == "fp32" and "bf16" in note and "AVX-512 BF16" in note and set(backends) <= set(CPU)
    for flag in autoselect.BF16_CPU_FLAGS:
        backends, runs, note = autoselect.candidates("cpu", "bf16", frozenset({"avx2", flag}))
        assert runs == "bf16" and not note and set(backends) <= {"openvino", "torch"}
    assert autoselect.native_bf16(frozenset({"avx512f"})) is False

    monkeypatch.setattr(autoselect, "cpu_flags", lambda cpuinfo=None: frozenset({"avx2"}))
    built = []
    build = fake_build({"onnxruntime": 0.001, "openvino": 0.002, "torch": 0.003}, built)
    _, choice = autoselect.choose("XS", (256, 256), "cpu", "bf16", build, tmp_path, rounds=6)
    assert choice.precision == "fp32" and all(r.precision == "fp32" for r in built)
    assert "no native bf16" in choice.describe()
    with pytest.raises(ValueError, match="fp16 runs on CUDA only"):
        autoselect.candidates("cpu", "fp16")


def test_cpu_flags_come_from_cpuinfo(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nmodel name\t: Test CPU\nflags\t\t: fpu avx2 amx_bf16\n\n")
    assert autoselect.cpu_flags(cpuinfo) == {"fpu", "avx2", "amx_bf16"}
    assert autoselect.native_bf16(autoselect.cpu_flags(cpuinfo))
    assert autoselect.cpu_flags(tmp_path / "absent") == frozenset()


def test_cuda_keeps_torch_unless_a_benchmark_measured_otherwise(tmp_path):
    built = []
    build = fake_build({"torch": 0.0, "onnxruntime": 0.0}, built)
    runner, choice = autoselect.choose("L", (256, 256), "cuda", "fp16", build, tmp_path, gpu="Test GPU")
    assert (runner.backend, runner.precision, choice.source) == ("torch", "fp16", "rule") and len(built) == 1
    description = autoselect.machine("Test GPU")
    measured = {("L", "torch", "cuda", "fp16"): 4.0, ("L", "onnxruntime", "cuda", "fp16"): 3.0}
    assert autoselect.seed(tmp_path, measured, description) == [("L", "cuda", "fp16")]
    runner, choice = autoselect.choose("L", (256, 256), "cuda", "fp16", build, tmp_path, gpu="Test GPU")
    assert runner.backend == "onnxruntime" and choice.source == "bench"
    _, elsewhere = autoselect.choose("L", (256, 256), "cuda", "fp16", build, tmp_path, gpu="Another GPU")
    assert elsewhere.backend == "torch"


def test_a_benchmark_seeds_only_complete_measurements(tmp_path):
    here = autoselect.machine()
    partial = {("XS", "onnxruntime", "cpu", "fp32"): 9.0}
    assert autoselect.seed(tmp_path, partial, here) == []
    everything = {("XS", b, "cpu", "fp32"): ms for b, ms in zip(CPU, (9.0, 11.0, 18.0))}
    everything = {k: v for k, v in everything.items() if autoselect.installed(k[1])}
    assert autoselect.seed(tmp_path, everything, here) == [("XS", "cpu", "fp32")]
    choice = autoselect.lookup(tmp_path, "XS", "cpu", "fp32", here)
    assert choice.backend == min(everything, key=everything.get)[1] and choice.source == "bench"


def test_an_unreadable_cache_is_measured_over(tmp_path):
    (tmp_path / autoselect.CACHE_FILE).write_text("{not json")
    built = []
    build = fake_build({"onnxruntime": 0.001, "openvino": 0.003, "torch": 0.003}, built)
    _, choice = autoselect.choose("XS", (256, 256), "cpu", "fp32", build, tmp_path, rounds=6)
    assert choice.source == "measured"
    assert autoselect.lookup(tmp_path, "XS", "cpu", "fp32", autoselect.machine()).backend == choice.backend
