import numpy as np
import pytest
from scipy.linalg import orthogonal_procrustes
from scipy.spatial.transform import Rotation

from pose.measure.metrics import jitter, mean_distance, mpjpe, pa_mpjpe, procrustes_align


@pytest.fixture()
def pose3d():
    return np.random.default_rng(0).normal(0, 300, (17, 3))


def test_mpjpe_known_offsets(pose3d):
    shifted = pose3d + [10.0, 0.0, 0.0]
    np.testing.assert_allclose(mpjpe(shifted, pose3d, root=None), 10.0)
    np.testing.assert_allclose(mpjpe(shifted, pose3d, root=0), 0.0, atol=1e-9)  # root alignment removes it
    moved = pose3d.copy()
    moved[3] += [0, 30, 40]
    err = mpjpe(moved, pose3d)
    assert err[3] == pytest.approx(50.0) and err.sum() == pytest.approx(50.0)


def test_procrustes_undoes_rotation_translation_and_scale(pose3d):
    rot = Rotation.from_euler("xyz", [20, -35, 60], degrees=True).as_matrix()
    moved = pose3d @ rot.T + [100, -50, 2000]
    np.testing.assert_allclose(pa_mpjpe(moved, pose3d), 0.0, atol=1e-8)
    np.testing.assert_allclose(pa_mpjpe(1.3 * moved, pose3d, scale=True), 0.0, atol=1e-8)
    assert pa_mpjpe(1.3 * moved, pose3d).mean() > 10  # rigid alignment keeps the scale error


def test_procrustes_matches_an_independent_computation(pose3d):
    rng = np.random.default_rng(1)
    noisy = pose3d @ Rotation.random(random_state=2).as_matrix().T + rng.normal(0, 40, pose3d.shape)
    a, b = noisy - noisy.mean(0), pose3d - pose3d.mean(0)
    rotation, _ = orthogonal_procrustes(a, b)  # scipy: argmin ||a R - b||
    expected = a @ rotation + pose3d.mean(0)
    np.testing.assert_allclose(procrustes_align(noisy, pose3d), expected, atol=1e-8)


def test_agreement_and_jitter():
    a = np.zeros((4, 2, 3))
    b = a + [3.0, 4.0, 0.0]
    b[1] = np.nan
    np.testing.assert_allclose(mean_distance(a, b), [5.0, 5.0])
    seq = np.zeros((3, 2, 2))
    seq[1, 0] = [1, 0]
    np.testing.assert_allclose(jitter(seq), [1.0, 0.0])
