"""Streamed moments (runtime.moments): accumulated inside the kernels, equal to the moments of a
recorded trajectory of the same seeded run, and to the exact Boltzmann moments within tolerance."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import sdk
from runtime.errors import RunError
from runtime.moments import Moments

N, T = 7, 1.0
PAIRS = ((0, 1), (2, 5), (3, 3), (6, 0))


@pytest.fixture(scope="module")
def ising():
    r = np.random.default_rng(8)
    J = np.triu(r.choice([-0.7, 0.7], size=(N, N)) * (r.random((N, N)) < 0.6), 1)
    model = sdk.IsingModel(r.uniform(-0.4, 0.4, N), J)
    return model, sdk.compile(model, "pbit256", quantize=False)


@pytest.mark.parametrize("backend", ["numpy", "c"])
def test_equal_to_recorded_trajectory(ising, backend):
    """The same seeded run recorded every sweep gives the same sums (spins: integers, exact)."""
    _, program = ising
    kw = dict(num_reads=13, steps=300, seed=5, temperature=T)
    streamed = sdk.run(program, backend, moments=Moments(pairs=PAIRS, burn_in=40), **kw).info["moments"]
    states = sdk.run(program, backend, record_every=1, **kw).trajectory.states[40:]  # after steps 41..300
    assert streamed["count"] == 13 * 260
    # The per-replica sums are integers, so exact: compare them; the pooled means to rounding.
    np.testing.assert_array_equal(np.rint(np.asarray(streamed["replica_first"]) * 260), states.sum(axis=0))
    pair_sums = np.stack([(states[..., a] * states[..., b]).sum(axis=0) for a, b in PAIRS], axis=1)
    np.testing.assert_array_equal(np.rint(np.asarray(streamed["replica_second"]) * 260), pair_sums)
    np.testing.assert_allclose(streamed["first"], states.mean(axis=(0, 1)), rtol=0, atol=1e-15)
    second = [np.mean(states[..., a] * states[..., b]) for a, b in PAIRS]
    np.testing.assert_allclose(streamed["second"], second, rtol=0, atol=1e-15)


def test_gauss_on_numpy_equals_recorded_trajectory():
    program = sdk.compile(sdk.GaussianModel(np.eye(3) + 0.3, np.ones(3)), "gauss8", quantize=False)
    kw = dict(num_reads=4, steps=200, seed=1, temperature=0.5)
    streamed = sdk.run(program, "numpy", moments=Moments(pairs=((0, 1),), burn_in=10), **kw).info["moments"]
    states = sdk.run(program, "numpy", record_every=1, **kw).trajectory.states[10:]
    np.testing.assert_allclose(streamed["first"], states.mean(axis=(0, 1)), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(streamed["second"], [np.mean(states[..., 0] * states[..., 1])], rtol=1e-12)


@pytest.mark.parametrize("backend", ["numpy", "c"])
def test_agree_with_exact_boltzmann(ising, backend):
    """⟨s_i⟩ and ⟨s_i s_j⟩ within 5 standard errors of the exact values (enumeration); the standard
    error comes from the spread of the 64 replicas' own time averages (independent chains)."""
    model, program = ising
    states = np.array(list(itertools.product([-1, 1], repeat=N)), dtype=float)
    w = np.exp(-(model.energy(states) - model.energy(states).min()) / T)
    p = w / w.sum()
    exact_first = p @ states
    exact_second = [p @ (states[:, a] * states[:, b]) for a, b in PAIRS]
    res = sdk.run(program, backend, num_reads=64, steps=2000, seed=9, temperature=T,
                  moments=Moments(pairs=PAIRS, burn_in=100))
    mom = res.info["moments"]
    for name, exact in (("first", exact_first), ("second", exact_second)):
        per = np.asarray(mom[f"replica_{name}"])
        se = per.std(axis=0, ddof=1) / np.sqrt(len(per))
        z = np.abs(np.asarray(mom[name]) - exact) / np.maximum(se, 1e-12)
        assert z.max() < 5, f"{name} moments off by {z.max():.2g} standard errors"


def test_refusals(ising):
    _, program = ising
    with pytest.raises(RunError, match="cannot accumulate"):
        sdk.run(program, "numba", num_reads=2, steps=5, moments=Moments())
    with pytest.raises(RunError, match="does not have"):
        sdk.run(program, "numpy", num_reads=2, steps=5, moments=Moments(variables=("x",)))
    with pytest.raises(RunError, match="burn_in"):
        sdk.run(program, "numpy", num_reads=2, steps=5, moments=Moments(burn_in=5))
    with pytest.raises(RunError, match="pairs"):
        sdk.run(program, "numpy", num_reads=2, steps=5, moments=Moments(pairs=((0, 1, 2),)))
    oim = sdk.compile(sdk.IsingModel(np.zeros(3), np.triu(np.ones((3, 3)), 1)), "oim1024")
    with pytest.raises(RunError, match="cannot accumulate"):
        sdk.run(oim, "c", num_reads=2, steps=5, moments=Moments())
