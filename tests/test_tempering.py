"""Replica exchange (runtime.tempering): Boltzmann at every temperature of the ladder, faster
barrier crossing at the coldest than a single chain, swap rates reported, clear refusals."""

from __future__ import annotations

import numpy as np
import pytest

import sdk
from runtime.errors import RunError
from runtime.tempering import ReplicaExchange, at_temperature

TEMPERATURES = (0.6, 0.9, 1.35, 2.0)


@pytest.fixture(scope="module")
def frustrated():
    r = np.random.default_rng(5)
    n = 8
    J = np.triu(r.choice([-0.8, 0.8], size=(n, n)) * (r.random((n, n)) < 0.7), 1)
    model = sdk.IsingModel(r.uniform(-0.3, 0.3, n), J)
    return model, sdk.compile(model, "pbit256", quantize=False)


@pytest.mark.parametrize("backend", ["numpy", "numba", "c"])
def test_boltzmann_at_every_temperature(frustrated, backend):
    """Each temperature's pooled samples follow exp(−E/T)/Z of the 8-spin frustrated model (exact
    enumeration).  TV bound: sdk.tv_tolerance with the records (3 sweeps apart) at half weight for
    autocorrelation, as for a plain p-bit chain (swaps only decorrelate faster)."""
    model, program = frustrated
    res = sdk.run(program, backend, num_reads=24, steps=900, seed=3, record_every=3, burn_in=60,
                  replica_exchange=ReplicaExchange(TEMPERATURES, swap_every=5))
    assert len(res.info["sample_temperature"]) == len(res.samples)
    for t, T in enumerate(TEMPERATURES):
        samples = at_temperature(res, t)
        assert len(samples) == 24 * (900 - 60) // 3
        _, p = sdk.exact_boltzmann(model, T)
        tv = sdk.total_variation(sdk.empirical_distribution(samples), p)
        tol = sdk.tv_tolerance(p, len(samples) / 2)
        assert tv < tol, f"T = {T}: TV {tv:.3g} ≥ {tol:.3g}"
    rates = res.info["replica_exchange"]["acceptance"]
    assert len(rates) == 3 and all(0 < a <= 1 for a in rates), rates


def _switches(states: np.ndarray) -> np.ndarray:
    """Magnetisation sign changes along each chain of (records, chains, n) spins (zeros skipped)."""
    m = np.sign(states.sum(axis=2))
    changes = np.zeros(m.shape[1], dtype=int)
    for j in range(m.shape[1]):
        seq = m[:, j][m[:, j] != 0]
        changes[j] = int(np.count_nonzero(np.diff(seq)))
    return changes


def test_crosses_barriers_faster_than_one_chain():
    """A 12-spin all-to-all ferromagnet at T = 1.2 (barrier ΔE = 18: a single chain's flip of the
    magnetisation takes ~e^15 sweeps) switches wells many times at the coldest temperature with a
    ladder up to T = 9 (above T_c = 6), in the same sweeps; with the swaps refused (one ladder rung
    too far apart to ever accept) it would stay put like the single chain."""
    n = 12
    model = sdk.IsingModel(np.zeros(n), np.triu(np.full((n, n), -0.5), 1))
    program = sdk.compile(model, "pbit256", quantize=False)
    ladders, steps, every = 8, 3000, 10
    single = sdk.run(program, "c", num_reads=ladders, steps=steps, seed=1, temperature=1.2, record_every=every)
    plain = _switches(single.trajectory.states).mean()
    ladder = (1.2, 1.8, 2.7, 4.0, 6.0, 9.0)
    res = sdk.run(program, "c", num_reads=ladders, steps=steps, seed=1, record_every=every, burn_in=0,
                  replica_exchange=ReplicaExchange(ladder, swap_every=2))
    cold = at_temperature(res, 0).reshape(steps // every, ladders, n)  # one replica per ladder a record
    tempered = _switches(cold).mean()
    assert plain < 1 and tempered > 20, f"switches per chain: single {plain:.2f}, tempered {tempered:.2f}"
    assert min(res.info["replica_exchange"]["acceptance"]) > 0.05


def test_refusals(frustrated):
    _, program = frustrated
    settings = ReplicaExchange((1.0, 2.0))
    with pytest.raises(RunError, match="leave temperature unset"):
        sdk.run(program, "numpy", num_reads=2, steps=5, temperature=1.0, replica_exchange=settings)
    with pytest.raises(RunError, match="cannot run"):
        sdk.run(program, "jax", num_reads=2, steps=5, replica_exchange=settings)
    oim = sdk.compile(sdk.IsingModel(np.zeros(3), np.triu(np.ones((3, 3)), 1)), "oim1024")
    with pytest.raises(RunError, match="cannot run 'oim'"):
        sdk.run(oim, "numpy", num_reads=2, steps=5, replica_exchange=settings)
    for bad in ((1.0,), (2.0, 1.0), (1.0, float("inf")), ("a", 2)):
        with pytest.raises(RunError, match="temperatures"):
            ReplicaExchange(bad)
    with pytest.raises(RunError, match="swap_every"):
        ReplicaExchange((1.0, 2.0), swap_every=0)
