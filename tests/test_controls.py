"""The first five minutes: the default estimator, untrained sizes marked in the selector, the drawing threshold."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from streamlit.testing.v1 import AppTest

import pose
from pose.draw import DEFAULT_MIN_CONFIDENCE


def _weights(folder, *sizes):
    folder.mkdir(exist_ok=True)
    for size in sizes:
        (folder / f"ConvNeXtPose_{size}.pth.tar").write_bytes(b"only the name matters here")
    return folder


@pytest.mark.parametrize(
    ("sizes", "expected"),
    [((), "BlazePose"), (("XS",), "XS"), (("S", "M"), "M"), (("XS", "L", "S"), "L")],
)
def test_default_is_the_most_accurate_trained_size_else_blazepose(tmp_path, sizes, expected):
    folder = _weights(tmp_path / "w", *sizes)
    assert pose.default_estimator(folder) == expected
    assert pose.default_estimator(tmp_path / "absent") == pose.BLAZEPOSE
    (folder / "ConvNeXtPose_L.txt").write_text("not a checkpoint")
    assert pose.default_estimator(folder) == expected


def test_the_rule_follows_the_paper_accuracy_table(tmp_path):
    folder = _weights(tmp_path / "w", *pose.VARIANTS)
    best = min(pose.VARIANTS.values(), key=lambda v: v.mpjpe_mm).name
    assert pose.default_estimator(folder) == best
    assert pose.has_trained_weights(pose.BLAZEPOSE, tmp_path / "absent")
    assert not pose.has_trained_weights("XS", tmp_path / "absent")
    with pytest.raises(ValueError, match="unknown estimator"):
        pose.has_trained_weights("XL", folder)


def _sidebar_script():
    from ui.controls import draw_options, estimator_settings

    settings = estimator_settings(key="t_")
    many = estimator_settings(multiple=True, key="m_")
    draw = draw_options(key="t_")
    import streamlit as st

    st.write(f"chosen={settings.estimators[0]} many={','.join(many.estimators)} min={draw.min_confidence}")


@pytest.fixture()
def sidebar(monkeypatch, tmp_path):
    monkeypatch.setenv("CONVNEXTPOSE_WEIGHTS", str(tmp_path / "weights"))
    return AppTest.from_function(_sidebar_script, default_timeout=60), tmp_path / "weights"


def test_fresh_install_selects_blazepose_and_marks_untrained_sizes(sidebar):
    app, _ = sidebar
    app.run()
    assert not app.exception
    box = app.selectbox(key="t_estimator")
    assert box.value == pose.BLAZEPOSE
    labels = dict(zip(pose.ESTIMATORS, box.options))
    assert all("untrained" in labels[v] for v in pose.VARIANTS) and "untrained" not in labels[pose.BLAZEPOSE]
    assert app.multiselect(key="m_estimators").value == [pose.BLAZEPOSE]
    assert f"min={DEFAULT_MIN_CONFIDENCE}" in app.markdown[-1].value
    assert list(app.selectbox(key="t_backend").options) == [pose.BACKEND_LABELS[b] for b in pose.BACKENDS]


def test_with_trained_weights_the_best_size_is_preselected(sidebar):
    app, weights = sidebar
    _weights(weights, "S", "M")
    app.run()
    box = app.selectbox(key="t_estimator")
    assert box.value == "M"
    labels = dict(zip(pose.ESTIMATORS, box.options))
    assert "untrained" not in labels["M"] and "untrained" not in labels["S"] and "untrained" in labels["XS"]
    app.slider(key="t_min_confidence").set_value(0.6).run()
    assert "chosen=M many=M min=0.6" in app.markdown[-1].value


def test_auto_choice_is_said_with_its_measured_ms():
    from ui.controls import auto_choices

    choice = pose.AutoChoice("onnxruntime", "fp32", {"onnxruntime": 14.1, "openvino": 21.1}, "measured")
    measured = SimpleNamespace(auto=choice, variant=pose.VARIANTS["XS"], device="cpu")
    explicit = SimpleNamespace(auto=None, variant=pose.VARIANTS["M"], device="cpu")
    (line,) = auto_choices([measured, explicit, None])  # None: BlazePose has no runner
    assert "ConvNeXtPose-XS" in line and "ONNX Runtime" in line and "14.1 ms" in line and "21.1 ms" in line
