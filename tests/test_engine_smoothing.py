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
