"""Energy models: conventions, exact conversions, validation errors."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp

import sdk
from spine_data import random_sk


def _all_spins(n):
    return np.array(list(itertools.product([-1, 1], repeat=n)))


def test_ising_energy_follows_dimod_convention():
    J = np.array([[0, 2.0, 0], [2.0, 0, -1.0], [0, -1.0, 0]])
    m = sdk.IsingModel([0.5, 0, -1], J, offset=3)
    s = np.array([1, -1, -1])
    # offset + Σ h s + Σ_{i<j} J s s = 3 + (0.5 + 1) + (2·(−1) + (−1)·(1))
    assert m.energy(s) == pytest.approx(3 + 1.5 - 2 - 1)


def test_upper_triangular_couplings_are_symmetrized():
    upper = np.triu(random_sk(6, 1), 1)
    a = sdk.IsingModel(np.zeros(6), upper)
    b = sdk.IsingModel(np.zeros(6), upper + upper.T)
    S = _all_spins(6)
    assert np.allclose(a.energy(S), b.energy(S))


def test_sparse_and_dense_couplings_agree(rng):
    J = random_sk(7, 2)
    S = _all_spins(7)
    h = rng.normal(size=7)
    assert np.allclose(sdk.IsingModel(h, J).energy(S), sdk.IsingModel(h, sp.csr_matrix(J)).energy(S))


def test_qubo_ising_conversion_is_exact_both_ways(rng):
    n = 6
    Q = np.triu(rng.normal(size=(n, n)))
    qubo = sdk.QUBO(Q, offset=-0.3)
    ising = qubo.to_ising()
    S = _all_spins(n)
    X = (S + 1) // 2
    assert np.allclose(qubo.energy(X), ising.energy(S))
    back = ising.to_qubo()
    assert np.allclose(back.energy(X), qubo.energy(X))


def test_maxcut_cut_value_counts_cut_edges():
    m = sdk.maxcut([("a", "b", 2.0), ("b", "c"), ("a", "c", 0.5)])
    assert m.labels == ("a", "b", "c")
    assert m.total_weight == pytest.approx(3.5)
    s = np.array([1, -1, 1])                       # cuts a–b (2) and b–c (1)
    assert m.cut_value(s) == pytest.approx(3.0)


def test_maxcut_from_networkx_graph():
    import networkx as nx
    g = nx.cycle_graph(5)
    m = sdk.maxcut(g)
    cuts = m.cut_value(_all_spins(5))
    assert cuts.max() == 4                          # odd cycle: all but one edge


def test_gaussian_model_target_distribution(rng):
    M = rng.normal(size=(4, 4))
    A = M @ M.T + np.eye(4)
    b = rng.normal(size=4)
    g = sdk.GaussianModel(A, b)
    assert np.allclose(A @ g.mean(), b)
    assert np.allclose(g.covariance(2.0) @ A, 2 * np.eye(4))
    x = rng.normal(size=4)
    assert g.energy(x) == pytest.approx(0.5 * x @ A @ x - b @ x)


def test_langevin_double_well_energy():
    m = sdk.LangevinModel(quartic=[1.0, 2.0], quadratic=[2.0, 1.0], J=np.array([[0, 0.5], [0.5, 0]]), b=[0.1, 0])
    x = np.array([0.3, -1.2])
    expected = (x[0] ** 4 - 2 * x[0] ** 2) + (2 * x[1] ** 4 - x[1] ** 2) + 0.5 * x[0] * x[1] - 0.1 * x[0]
    assert m.energy(x) == pytest.approx(expected)


# --- bad input: one specific error type naming the offending entry --------------------------

@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nonfinite_couplings_are_rejected(bad):
    J = random_sk(4, 0)
    J[1, 2] = J[2, 1] = bad
    with pytest.raises(sdk.NonFiniteError, match=r"index \(1, 2\)"):
        sdk.IsingModel(np.zeros(4), J)


def test_nonfinite_fields_are_rejected():
    with pytest.raises(sdk.NonFiniteError, match="h has 1 non-finite entry; first at index 2"):
        sdk.IsingModel([0, 0, np.nan], np.zeros((3, 3)))


def test_asymmetric_couplings_are_rejected():
    J = random_sk(4, 0)
    J[0, 3] = 5.0
    with pytest.raises(sdk.AsymmetricCouplingError, match=r"J\[0,3\] = 5.0 but J\[3,0\]"):
        sdk.IsingModel(np.zeros(4), J)


def test_nonzero_diagonal_is_rejected():
    with pytest.raises(sdk.ModelError, match=r"J\[1,1\]"):
        sdk.IsingModel(np.zeros(2), np.array([[0, 1.0], [1.0, 3.0]]))


def test_indefinite_gaussian_names_smallest_eigenvalue():
    A = np.array([[1.0, 2.0], [2.0, 1.0]])           # eigenvalues 3, −1
    with pytest.raises(sdk.NotPositiveDefiniteError, match="smallest eigenvalue is -1"):
        sdk.GaussianModel(A)


def test_asymmetric_gaussian_is_rejected():
    with pytest.raises(sdk.AsymmetricCouplingError):
        sdk.GaussianModel(np.array([[2.0, 0.5], [0.0, 2.0]]))


def test_large_sparse_gaussian_is_checked_without_dense_algebra():
    import networkx as nx
    L = nx.laplacian_matrix(nx.grid_2d_graph(64, 64, periodic=True)).astype(float)
    assert sdk.GaussianModel(L + 0.1 * sp.eye(4096)).smallest_eigenvalue > 0
    with pytest.raises(sdk.NotPositiveDefiniteError):
        sdk.GaussianModel(L - 0.1 * sp.eye(4096))


def test_langevin_rejects_unnormalizable_density():
    with pytest.raises(sdk.ModelError, match=r"quartic\[1\]"):
        sdk.LangevinModel(quartic=[1.0, -1.0], quadratic=1.0)
    with pytest.raises(sdk.ModelError, match="positive definite"):
        sdk.LangevinModel(quartic=0.0, quadratic=1.0, n=2)   # −x² alone is unbounded below
