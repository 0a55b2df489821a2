"""QTT Laplacians: exact equality with direct sparse/networkx lattices, minimal ranks, matvec."""

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from compiler.tt import (TTMatrix, gaussian_lattice_mpo, laplacian_1d_mpo, laplacian_2d_mpo,
                         tt_svd)
from device_models.errors import ModelError


def cycle_laplacian(n):
    """Direct scipy construction: 2 on the diagonal, −1 to i ± 1 mod n."""
    i = np.arange(n)
    adj = sp.coo_matrix((np.ones(2 * n), (np.r_[i, i], np.r_[(i + 1) % n, (i - 1) % n])), shape=(n, n))
    return (2 * sp.identity(n) - adj).tocsr()


def torus_laplacian_nx(rows, cols):
    g = nx.grid_2d_graph(rows, cols, periodic=True)
    nodes = [(r, c) for r in range(rows) for c in range(cols)]  # row-major: cell = r·cols + c
    return nx.laplacian_matrix(g, nodelist=nodes).astype(np.float64).tocsr()


def torus_laplacian_kron(rows, cols):
    lr, lc = cycle_laplacian(rows), cycle_laplacian(cols)
    return (sp.kron(lr, sp.identity(cols)) + sp.kron(sp.identity(rows), lc)).tocsr()


def exactly_equal(a, b):
    return a.shape == b.shape and (sp.csr_matrix(a) != sp.csr_matrix(b)).nnz == 0


@pytest.mark.parametrize("n", [4, 8, 32, 256])
def test_1d_cycle_laplacian_exact_and_rank_3(n):
    mpo = laplacian_1d_mpo(n)
    assert exactly_equal(mpo.to_sparse(), cycle_laplacian(n))
    assert exactly_equal(mpo.to_sparse(), nx.laplacian_matrix(nx.cycle_graph(n), nodelist=range(n)))
    d = n.bit_length() - 1
    assert mpo.ranks == (1, 2) + (3,) * (d - 2) + (1,)  # 2 at the first bond: both tails hold J + Jᵀ
    assert mpo.round(1e-12).ranks == mpo.ranks  # TT-rounding finds no smaller exact form


@pytest.mark.parametrize("rows,cols", [(4, 4), (8, 4), (4, 16), (16, 8)])
def test_2d_torus_laplacian_exact(rows, cols):
    mpo = laplacian_2d_mpo(rows, cols)
    s = mpo.to_sparse()
    assert mpo.round(1e-12).ranks == mpo.ranks
    assert exactly_equal(s, torus_laplacian_nx(rows, cols))
    assert exactly_equal(s, torus_laplacian_kron(rows, cols))


def test_torus_ranks_and_minimality():
    """128 × 64: 7 row digits, 6 column digits."""
    mpo = laplacian_2d_mpo(128, 64)
    assert mpo.ranks == (1, 2, 3, 3, 3, 3, 3, 2, 3, 4, 4, 4, 3, 1)
    assert mpo.round(1e-12).ranks == mpo.ranks  # TT-rounding finds no smaller exact form


def test_toroidal_8k_gaussian_lattice_without_dense():
    """A = a·I + κ·L on the 128×64 torus (8192 cells), built from the MPO and compared sparse."""
    mass, coupling = 0.25, 1.5
    a = gaussian_lattice_mpo(128, 64, mass=mass, coupling=coupling).to_sparse()
    direct = (mass * sp.identity(8192) + coupling * torus_laplacian_kron(128, 64)).tocsr()
    assert isinstance(a, sp.csr_matrix) and a.nnz == 5 * 8192
    assert exactly_equal(a, direct)
    # spot-check the row-major numbering: cell (r, c) = r·64 + c couples to (r±1, c), (r, c±1)
    r, c = 5, 63
    row = a.getrow(r * 64 + c)
    assert set(row.indices) == {r * 64 + c, (r - 1) * 64 + c, (r + 1) * 64 + c, r * 64 + 62, r * 64 + 0}
    assert row[0, r * 64 + c] == mass + 4 * coupling


def test_matvec_in_tt_form():
    rows, cols = 16, 8
    mpo = gaussian_lattice_mpo(rows, cols, mass=0.3, coupling=2.0)
    x = np.random.default_rng(0).standard_normal(rows * cols)
    xt = tt_svd(x.reshape((2,) * 7), eps=0.0)
    y = mpo.matvec(xt)
    assert y.ranks == tuple(a * b for a, b in zip(mpo.ranks, xt.ranks))
    np.testing.assert_allclose(y.full().ravel(), mpo.to_sparse() @ x, rtol=1e-12, atol=1e-12)
    # smooth field: the product stays low-rank after rounding
    grid = np.sin(2 * np.pi * np.arange(rows) / rows)[:, None] * np.cos(2 * np.pi * np.arange(cols) / cols)[None]
    g = tt_svd(grid.reshape((2,) * 7), eps=1e-12)
    lg = mpo.matvec(g).round(1e-12)
    np.testing.assert_allclose(lg.full().ravel(), mpo.to_sparse() @ grid.ravel(), atol=1e-12)
    assert max(lg.ranks) <= 2  # an eigenvector of the torus Laplacian


def test_mpo_sum_and_scale():
    a, b = laplacian_1d_mpo(16), laplacian_1d_mpo(16)
    np.testing.assert_array_equal((a + 2.0 * b).full(), 3 * cycle_laplacian(16).toarray())
    assert (a + b).round(1e-12).ranks == a.ranks


@pytest.mark.parametrize("bad", [2, 6, 12, 0, 3.5])
def test_non_power_of_two_rejected(bad):
    with pytest.raises(ModelError, match=f"got {bad!r}"):
        laplacian_1d_mpo(bad)


def test_bad_cores_rejected():
    with pytest.raises(ModelError, match="4-dimensional"):
        TTMatrix((np.ones((1, 2, 1)),))
    with pytest.raises(ModelError, match="mass must be finite"):
        gaussian_lattice_mpo(4, 4, mass=np.nan, coupling=1.0)
