"""pose.engine.stages: one vocabulary of stage names, and the live view's stages made from the estimator's."""

from __future__ import annotations

import pytest

from pose.engine.stages import LIVE_STAGES, MODEL_STAGES, STAGE_PARTS, STAGES, live_stage_ms


def test_the_estimator_stages_are_detection_the_model_and_their_total():
    assert ("detect", *MODEL_STAGES, "total") == STAGES
    assert ("detect", *MODEL_STAGES) == STAGE_PARTS


def test_the_live_stages_group_the_network_and_decoding_and_add_the_drawing():
    timings = {"detect": 4.0, "crop": 1.0, "infer": 10.0, "decode": 0.5, "total": 15.5}
    live = live_stage_ms(timings, draw_ms=2.0)
    assert tuple(live) == LIVE_STAGES
    assert live["pose"] == pytest.approx(10.5)
    assert live["total"] == pytest.approx(17.5) == sum(v for k, v in live.items() if k != "total")
