"""TT-SVD, TT-rounding and TT algebra against dense NumPy references."""

import numpy as np
import pytest

from compiler.tt import TensorTrain, tt_reconstruct, tt_svd
from device_models.errors import ModelError


def rel_err(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


def random_tt(shape, rank, seed):
    rng = np.random.default_rng(seed)
    ranks = [1] + [rank] * (len(shape) - 1) + [1]
    return TensorTrain(tuple(rng.standard_normal((ranks[k], n, ranks[k + 1])) for k, n in enumerate(shape)))


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("eps", [0.05, 0.2, 0.4, 0.7])
def test_error_bound_random_tensor(seed, eps):
    a = np.random.default_rng(seed).standard_normal((4, 5, 3, 6, 4))
    tt = tt_svd(a, eps=eps)
    assert rel_err(tt.full(), a) <= eps * (1 + 1e-12)


def test_error_bound_low_rank_plus_noise():
    x = random_tt((3, 4, 5, 4, 3), rank=3, seed=7).full()
    noise = 1e-4 * np.random.default_rng(8).standard_normal(x.shape)
    a = x + noise
    tt = tt_svd(a, eps=1e-3)
    assert rel_err(tt.full(), a) <= 1e-3
    assert max(tt.ranks) == 3  # the noise floor is cut, the signal kept


def test_smooth_function_on_2_to_20_grid_has_small_ranks():
    """sin(x) + exp(−x²) on 2^20 points of [−5, 5] as 20 binary modes (QTT)."""
    x = np.linspace(-5, 5, 2**20)
    f = np.sin(x) + np.exp(-x**2)
    for eps, max_r in [(1e-3, 6), (1e-8, 10)]:
        tt = tt_svd(f.reshape((2,) * 20), eps=eps)
        assert rel_err(tt.full().ravel(), f) <= eps
        assert max(tt.ranks) <= max_r  # measured: 5 at 1e-3, 9 at 1e-8
        assert tt.compression_ratio > 1000


def test_exact_at_tiny_eps():
    a = np.random.default_rng(1).standard_normal((3, 4, 5, 2))
    tt = tt_svd(a, eps=1e-12)
    np.testing.assert_allclose(tt.full(), a, rtol=0, atol=1e-12 * np.abs(a).max() * 10)
    assert rel_err(tt.full(), a) <= 1e-12
    assert tt.ranks == (1, 3, 10, 2, 1)  # full unfolding ranks: min(3, 40), min(12, 10), min(60, 2)


def test_spectra_are_unfolding_singular_values_at_eps_zero():
    a = np.random.default_rng(2).standard_normal((4, 6, 5))
    tt = tt_svd(a, eps=0.0)
    np.testing.assert_allclose(tt.spectra[0], np.linalg.svd(a.reshape(4, -1), compute_uv=False), rtol=1e-12)
    np.testing.assert_allclose(tt.spectra[1], np.linalg.svd(a.reshape(24, -1), compute_uv=False), rtol=1e-12)


def test_rank_cut_matrix_is_eckart_young():
    a = np.random.default_rng(3).standard_normal((30, 20))
    s = np.linalg.svd(a, compute_uv=False)
    for r in (1, 5, 12):
        approx = tt_reconstruct(a, max_rank=r)
        assert np.linalg.matrix_rank(approx) == r
        np.testing.assert_allclose(np.linalg.norm(a - approx), np.sqrt(np.sum(s[r:] ** 2)), rtol=1e-10)


def test_round_recompresses_sum_and_obeys_tolerance():
    x = random_tt((3, 4, 5, 4, 3), rank=3, seed=4)
    doubled = x + x
    assert doubled.ranks == (1, 6, 6, 6, 6, 1)
    r = doubled.round(1e-12)
    assert r.ranks == (1, 3, 3, 3, 3, 1)
    np.testing.assert_allclose(r.full(), 2 * x.full(), atol=1e-10 * np.abs(x.full()).max())
    y = random_tt((3, 4, 5, 4, 3), rank=6, seed=5)
    for eps in (0.01, 0.1, 0.3, 0.6):
        assert rel_err(y.round(eps).full(), y.full()) <= eps * (1 + 1e-12)


def test_round_adds_at_most_its_tolerance_to_an_approximation():
    a = np.random.default_rng(6).standard_normal((4, 4, 4, 4, 4))
    x = tt_svd(a, eps=0.2)
    e0 = np.linalg.norm(x.full() - a)
    for eps in (0.01, 0.1, 0.3):
        y = x.round(eps)
        assert np.linalg.norm(y.full() - a) <= e0 + eps * x.norm() * (1 + 1e-12)
        assert all(ry <= rx for ry, rx in zip(y.ranks, x.ranks))


def test_algebra_matches_dense():
    x, y = random_tt((3, 4, 2, 5), 3, 10), random_tt((3, 4, 2, 5), 2, 11)
    fx, fy = x.full(), y.full()
    np.testing.assert_allclose((x + y).full(), fx + fy, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose((x - y).full(), fx - fy, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose((2.5 * x).full(), 2.5 * fx, rtol=1e-12)
    assert x.inner(y) == pytest.approx(np.sum(fx * fy), rel=1e-12)
    assert x.norm() == pytest.approx(np.linalg.norm(fx), rel=1e-12)
    assert x.shape == (3, 4, 2, 5) and x.ranks == (1, 3, 3, 3, 1)
    assert x.compression_ratio == pytest.approx(120 / (9 + 36 + 18 + 15))


def test_single_mode_tensor():
    v = np.arange(1.0, 6.0)
    tt = tt_svd(v, eps=0.1)
    np.testing.assert_array_equal(tt.full(), v)
    assert tt.ranks == (1, 1) and tt.round(0.1).ranks == (1, 1)


def test_errors_name_the_value():
    with pytest.raises(ModelError, match="eps"):
        tt_svd(np.ones((2, 2)), eps=-1)
    with pytest.raises(ModelError, match="max_rank"):
        tt_svd(np.ones((2, 2)), max_rank=0)
    with pytest.raises(ModelError, match="rank mismatch"):
        TensorTrain((np.ones((1, 2, 3)), np.ones((2, 2, 1))))
    with pytest.raises(ModelError, match="different shapes"):
        random_tt((2, 3), 1, 0).inner(random_tt((3, 2), 1, 0))
