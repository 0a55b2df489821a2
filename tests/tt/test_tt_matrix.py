"""QTT Laplacians: exact equality with direct sparse/networkx lattices, minimal ranks, matvec.

Powers of two use binary digits; any other size ≥ 3 uses mixed-radix digits (its prime factors).
Every size is checked entry by entry against a direct construction, and TT-rounding at 1e-12 must
find no smaller ranks than the built ones (the exact reductions are all there is).
"""

import itertools
import re

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

import sdk
from compiler.tt import (TTMatrix, gaussian_lattice_mpo, gaussian_model_from_mpo, laplacian_1d_mpo,
                         laplacian_2d_mpo, tt_svd)
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


def prime_factors(n):
    """Ascending prime factors with multiplicity (trial division)."""
    out, p = [], 2
    while n > 1:
        while n % p == 0:
            out.append(p)
            n //= p
        p += 1
    return out


def test_1d_cycle_every_size_3_to_64():
    """Mixed-radix digits: ranks (2, 3, …, 3) after an even n's leading 2, (3, …, 3) for odd n."""
    for n in range(3, 65):
        mpo = laplacian_1d_mpo(n)
        assert exactly_equal(mpo.to_sparse(), cycle_laplacian(n)), n
        modes = [c.shape[1] for c in mpo.cores]
        assert sorted(modes) == prime_factors(n) and modes == [c.shape[2] for c in mpo.cores]
        first = 2 if n % 2 == 0 else 3
        assert mpo.ranks == ((1, 1) if len(modes) == 1 else (1, first) + (3,) * (len(modes) - 2) + (1,)), n
        assert mpo.round(1e-12).ranks == mpo.ranks, n


def test_prime_cycle_is_one_dense_digit():
    """Exact but not compressed: a prime n is a single (1, n, n, 1) core."""
    mpo = laplacian_1d_mpo(61)
    assert [c.shape for c in mpo.cores] == [(1, 61, 61, 1)]
    assert laplacian_1d_mpo(3 * 2**10).ranks == (1, 2) + (3,) * 9 + (1,)


TORI = [(3, 3), (3, 5), (5, 3), (6, 4), (4, 6), (7, 8), (9, 9), (12, 10), (10, 12), (12, 12), (100, 3),
        (3, 100), (24, 20)]


@pytest.mark.parametrize("rows,cols", TORI)
def test_2d_torus_mixed_radix_exact_and_minimal(rows, cols):
    mpo = laplacian_2d_mpo(rows, cols)
    s = mpo.to_sparse()
    assert exactly_equal(s, torus_laplacian_nx(rows, cols))
    assert exactly_equal(s, torus_laplacian_kron(rows, cols))
    assert max(mpo.ranks) <= 4
    assert mpo.round(1e-12).ranks == mpo.ranks
    mass, coupling = 0.25, 1.5
    a = gaussian_lattice_mpo(rows, cols, mass=mass, coupling=coupling).to_sparse()
    assert exactly_equal(a, mass * sp.identity(rows * cols) + coupling * torus_laplacian_kron(rows, cols))


def test_torus_every_small_size_exact():
    """All 3 ≤ rows, cols ≤ 13 against the Kronecker form; ranks ≤ 3 on row digits, ≤ 4 on columns."""
    for rows, cols in itertools.product(range(3, 14), repeat=2):
        mpo = gaussian_lattice_mpo(rows, cols, mass=0.5, coupling=2.0)
        direct = 0.5 * sp.identity(rows * cols) + 2.0 * torus_laplacian_kron(rows, cols)
        assert exactly_equal(mpo.to_sparse(), direct), (rows, cols)
        p = len(prime_factors(rows))
        assert max(mpo.ranks[:p]) <= 3 and mpo.ranks[p] == 2 and max(mpo.ranks) <= 4, (rows, cols)


@pytest.mark.parametrize("rows,cols,modes,ranks", [
    (12, 10, (2, 2, 3, 2, 5), (1, 2, 3, 2, 3, 1)),
    (100, 100, (2, 2, 5, 5, 2, 5, 5, 2), (1, 2, 3, 3, 2, 3, 4, 3, 1)),
    (96, 192, (2,) * 5 + (3,) + (2,) * 5 + (3, 2), (1, 2, 3, 3, 3, 3, 2, 3, 4, 4, 4, 4, 3, 1)),
    (128, 63, (2,) * 7 + (3, 3, 7), (1, 2, 3, 3, 3, 3, 3, 2, 4, 4, 1)),
])
def test_mixed_radix_digits_and_ranks(rows, cols, modes, ranks):
    """Row digits 2s first; column digits 2s first but one 2 last, so both exact reductions apply."""
    mpo = laplacian_2d_mpo(rows, cols)
    assert tuple(c.shape[1] for c in mpo.cores) == modes
    assert mpo.ranks == ranks


def test_matvec_mixed_radix():
    mpo = gaussian_lattice_mpo(12, 10, mass=0.3, coupling=2.0)
    modes = tuple(c.shape[2] for c in mpo.cores)
    x = np.random.default_rng(1).standard_normal(120)
    y = mpo.matvec(tt_svd(x.reshape(modes), eps=0.0))
    np.testing.assert_allclose(y.full().ravel(), mpo.to_sparse() @ x, rtol=1e-12, atol=1e-12)


def small_torus_device(rows, cols):
    """toroidal_8k's cells and components on a rows × cols torus."""
    spec = sdk.load_device("toroidal_8k").to_dict()
    spec.update(name=f"torus_{rows}x{cols}", cells=rows * cols, topology={"kind": "torus2d", "rows": rows, "cols": cols})
    return sdk.DeviceSpec.from_dict(spec)


@pytest.mark.parametrize("rows,cols", [(12, 10), (3, 5), (6, 4)])
def test_non_power_of_two_torus_compiles_from_its_mpo_to_the_same_program(rows, cols):
    """As tests/tt/test_tt_chip.py does for toroidal_8k: the MPO-built model compiles to the same
    Program as the precision built from the device's own edge list."""
    mass, coupling, n = 0.25, 1.5, rows * cols
    device = small_torus_device(rows, cols)
    edges = device.topology.edges(n)
    adj = sp.coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n))
    adj = (adj + adj.T).tocsr()
    precision = (sp.diags(mass + coupling * np.asarray(adj.sum(axis=1)).ravel()) - coupling * adj).tocsr()
    from_mpo = sdk.compile(gaussian_model_from_mpo(gaussian_lattice_mpo(rows, cols, mass, coupling)), device)
    direct = sdk.compile(sdk.GaussianModel(precision), device)
    a, b = from_mpo.couplings, direct.couplings
    assert a.shape == (n, n) and a.nnz == b.nnz == 4 * n
    assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
    assert np.array_equal(a.data, b.data)
    assert np.array_equal(from_mpo.fields, direct.fields) and np.array_equal(from_mpo.poly, direct.poly)
    assert from_mpo.scale == direct.scale and np.array_equal(from_mpo.colors, direct.colors)
    assert from_mpo.report.to_dict() == direct.report.to_dict()


@pytest.mark.parametrize("bad", [2, 1, 0, -4, 3.5, float("nan"), float("inf"), "8", True, None])
def test_bad_sizes_rejected(bad):
    with pytest.raises(ModelError, match=f"n must be an integer ≥ 3 .*got {re.escape(repr(bad))}"):
        laplacian_1d_mpo(bad)


def test_bad_torus_sizes_rejected():
    with pytest.raises(ModelError, match="rows must be an integer ≥ 3.*got 2"):
        laplacian_2d_mpo(2, 8)
    with pytest.raises(ModelError, match="cols must be an integer ≥ 3.*got 1.5"):
        gaussian_lattice_mpo(4, 1.5, mass=1.0, coupling=1.0)
    assert laplacian_1d_mpo(np.int64(12)).shape == laplacian_1d_mpo(12.0).shape == (12, 12)


def test_bad_cores_rejected():
    with pytest.raises(ModelError, match="4-dimensional"):
        TTMatrix((np.ones((1, 2, 1)),))
    with pytest.raises(ModelError, match="mass must be finite"):
        gaussian_lattice_mpo(4, 4, mass=np.nan, coupling=1.0)
