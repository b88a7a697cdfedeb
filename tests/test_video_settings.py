"""The video settings' command-line flags: one per field, the camera's as --fov and --focal."""

from __future__ import annotations

import argparse

import pytest

from pose import EstimatorConfig
from pose.video.settings import VideoSettings, add_settings_arguments, settings_from_arguments


def _parse(*argv: str) -> VideoSettings:
    parser = argparse.ArgumentParser()
    add_settings_arguments(parser)
    return settings_from_arguments(parser.parse_args(list(argv)))


def test_the_camera_flags_reach_the_estimator(xs_runner):
    assert _parse() == VideoSettings()
    settings = _parse("--fov", "75", "--focal", "1400")
    assert (settings.estimator.fov_deg, settings.estimator.focal_px) == (75.0, 1400.0)
    estimator = settings.build(xs_runner)
    assert (estimator.config.fov_deg, estimator.config.focal_px) == (75.0, 1400.0)
    other = VideoSettings(EstimatorConfig(fov_deg=75.0))
    assert settings.digest() != other.digest()  # a batch run under another camera reruns


def test_every_switch_says_what_it_does_and_the_default_estimator_is_the_default():
    assert _parse().estimator.variant is None  # resolved by the estimator: pose.default_estimator()
    assert _parse("--no-smoothing").estimator.smoothing is False
    assert _parse("--no-draw").draw is False
    assert _parse("--max-people", "2").estimator.max_people == 2


def test_a_bad_focal_length_is_refused(xs_runner):
    with pytest.raises(ValueError, match="focal_px"):
        _parse("--focal", "-3").build(xs_runner)
