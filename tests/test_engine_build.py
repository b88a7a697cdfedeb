"""The stages built from one config: the estimator named, the confirmer, where detection runs."""

from __future__ import annotations

import pytest

from pose import EstimatorConfig
from pose.engine.build import WORKER_MODEL_THREADS, build_confirmer, canonical, model_threads, resolve_config


def test_an_estimator_is_named_in_any_case_and_an_unknown_one_is_refused():
    assert canonical("xs") == "XS" and canonical("blazepose") == "BlazePose" and canonical(None) is None
    with pytest.raises(ValueError, match="unknown estimator 'XL'"):
        canonical("XL")


def test_settings_override_the_config_and_an_unknown_setting_is_refused():
    config = resolve_config("s", EstimatorConfig(max_people=3), None, {"detect_every": 7})
    assert (config.variant, config.max_people, config.detect_every) == ("S", 3, 7)
    with pytest.raises(TypeError, match="unknown setting"):
        resolve_config("S", None, None, {"max_persons": 2})


def test_no_confirmer_for_unrelated_images_and_one_thread_a_model_beside_a_worker():
    assert build_confirmer(EstimatorConfig(variant="XS", static_image_mode=True), model=None) is None
    assert model_threads(EstimatorConfig(async_detection=True)) == WORKER_MODEL_THREADS
    assert model_threads(EstimatorConfig(async_detection=True, static_image_mode=True)) is None
    assert model_threads(EstimatorConfig()) is None
