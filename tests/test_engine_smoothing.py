import numpy as np

from pose.engine.smoothing import OneEuroFilter


def test_constant_passes_and_first_value_is_untouched():
    f = OneEuroFilter(min_cutoff=1.0, beta=0.1)
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    for i in range(10):
        np.testing.assert_allclose(f(x, i / 30), x)


def test_noise_on_a_still_point_is_reduced():
    rng = np.random.default_rng(0)
    noisy = 100 + rng.normal(0, 2.0, (300, 2))
    f = OneEuroFilter(min_cutoff=1.0, beta=0.0)
    out = np.array([f(x, i / 30) for i, x in enumerate(noisy)])
    assert out[50:].std() < 0.3 * noisy[50:].std()


def test_fast_motion_lags_less_with_beta():
    t = np.arange(60) / 30
    ramp = 1000.0 * t  # 1000 units/s
    lag = {}
    for beta in (0.0, 0.05):
        f = OneEuroFilter(min_cutoff=1.0, beta=beta)
        lag[beta] = ramp[-1] - [f(np.array([v]), s) for v, s in zip(ramp, t)][-1][0]
    assert lag[0.05] < 0.2 * lag[0.0]


def test_reset_forgets():
    f = OneEuroFilter()
    f(np.array([0.0]), 0.0)
    f.reset()
    np.testing.assert_allclose(f(np.array([50.0]), 0.1), [50.0])


def test_a_past_scaled_filters_on_as_if_it_had_been_observed_so():
    """Halfway through, the frame is resized: the filter scaled then gives the scaled output of the same series
    (exactly where the cutoff does not follow the speed, ``beta`` 0; with it, it follows the speed in new units)."""
    rng = np.random.default_rng(1)
    series = 100 + np.cumsum(rng.normal(0, 3.0, (60, 18, 2)), axis=0)
    scale = np.array([2 / 3, 0.665])
    plain, scaled = OneEuroFilter(min_cutoff=1.0, beta=0.0), OneEuroFilter(min_cutoff=1.0, beta=0.0)
    for i, x in enumerate(series[:30]):
        plain(x, i / 25)
        scaled(x, i / 25)
    scaled.scale(scale)
    for i, x in enumerate(series[30:], start=30):
        expected = plain(x, i / 25) * scale
        assert not np.allclose(expected, x * scale)  # smoothed: the past counts
        np.testing.assert_allclose(scaled(x * scale, i / 25), expected, rtol=0, atol=1e-9)
