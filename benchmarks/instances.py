"""Benchmark instances, all seeded: SK ±1 (dense), king's graph, 2-D torus, Gset graphs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import scipy.sparse as sp

import sdk

GSET = Path(__file__).resolve().parents[2] / "shared" / "data" / "gset"
GSET_BEST_CUTS = {"G1": 11624, "G2": 11620, "G42": 2481}


def sk(n: int = 1024, seed: int = 1) -> sdk.IsingModel:
    """Sherrington–Kirkpatrick ±1 couplings on n spins, no fields."""
    J = np.triu(np.random.default_rng(seed).choice([-1.0, 1.0], size=(n, n)), 1)
    return sdk.IsingModel(np.zeros(n), J)


def kings(rows: int = 8, cols: int = 8, seed: int = 2) -> sdk.IsingModel:
    """±1 spin glass on a rows × cols king's graph (the oim64-kings chip)."""
    r = np.random.default_rng(seed)
    n = rows * cols
    J = sp.lil_matrix((n, n))
    for i in range(rows):
        for j in range(cols):
            for di, dj in ((0, 1), (1, -1), (1, 0), (1, 1)):
                a, b = i + di, j + dj
                if 0 <= a < rows and 0 <= b < cols:
                    J[i * cols + j, a * cols + b] = r.choice([-1.0, 1.0])
    return sdk.IsingModel(np.zeros(n), J.tocsr())


def torus_langevin(rows: int = 128, cols: int = 64, coupling: float = -0.2) -> sdk.LangevinModel:
    """Anharmonic Langevin lattice ``Σ (x⁴/4 + x²/2) + c Σ_⟨ij⟩ x_i x_j`` on a rows × cols torus
    (the toroidal_8k chip: 4 neighbours per cell)."""
    n = rows * cols
    idx = np.arange(n).reshape(rows, cols)
    right, down = np.roll(idx, -1, axis=1), np.roll(idx, -1, axis=0)
    i = np.r_[idx.ravel(), idx.ravel()]
    j = np.r_[right.ravel(), down.ravel()]
    J = sp.coo_matrix((np.full(2 * n, coupling), (i, j)), shape=(n, n)).tocsr()
    return sdk.LangevinModel(quartic=0.25, quadratic=-0.5, J=J + J.T, n=n)


def regular3(n: int = 2000, seed: int = 3) -> sdk.MaxCutModel:
    """Unweighted MaxCut on a random 3-regular graph (networkx, seeded)."""
    import networkx as nx

    return sdk.maxcut(nx.random_regular_graph(3, n, seed=seed))


def sparse_pm1(n: int = 800, degree: float = 6.0, seed: int = 4) -> sdk.IsingModel:
    """±1 spin glass on an Erdős–Rényi graph of mean degree ``degree`` (seeded), no fields."""
    r = np.random.default_rng(seed)
    mask = np.triu(r.random((n, n)) < degree / (n - 1), 1)
    return sdk.IsingModel(np.zeros(n), mask * r.choice([-1.0, 1.0], (n, n)))


def gset(name: str) -> sdk.MaxCutModel:
    return sdk.read_gset(GSET / f"{name}.txt")


def resized_device(shipped: str, cells: int) -> sdk.DeviceSpec:
    """A shipped all-to-all chip with ``cells`` cells (e.g. oim1024 for G42's 2000 nodes)."""
    spec = sdk.load_device(shipped).to_dict()
    spec.update(name=f"{shipped}-{cells}", cells=cells)
    return sdk.DeviceSpec.from_dict(spec)
