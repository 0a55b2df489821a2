"""Noise-tape equivalence: given the same pre-drawn increments, every emulator follows the NumPy
reference's trajectory to 1e-9 relative (float64), for each macromodel and integrator."""

from __future__ import annotations

import numpy as np
import pytest

import sdk
from backend_params import FAST, HAVE_JAX, OWN_RNG, float64_options

STEPS, EVERY = 40, 10
REPLICAS = 41  # the C kernels' lane blocks of 32, 8 and 1 replicas are all exercised
RTOL = 1e-9


def _program(cell: str) -> tuple[sdk.Program, dict]:
    """A small program per cell type and run settings exercising its every term."""
    r = np.random.default_rng(7)
    if cell == "oim":  # fields → reference oscillator
        n = 12
        model = sdk.IsingModel(r.normal(size=n), np.triu(r.normal(size=(n, n)), 1))
        return sdk.compile(model, "oim1024"), {"temperature": 0.4, "schedules": {"shil": sdk.Schedule.linear(0.0, 1.0)}}
    if cell == "gauss":  # quartic, cubic and quadratic node terms, couplings, drive
        n = 8
        J = np.triu(0.3 * r.normal(size=(n, n)), 1)
        model = sdk.LangevinModel(quartic=r.uniform(0.5, 1, n), quadratic=r.uniform(0.5, 1, n), J=J + J.T,
                                  b=r.normal(size=n), cubic=r.uniform(-0.3, 0.3, n))
        return sdk.compile(model, "gauss8"), {"temperature": 0.5}
    n = 12
    model = sdk.IsingModel(0.5 * r.normal(size=n), np.triu(0.5 * r.normal(size=(n, n)), 1))
    return sdk.compile(model, "pbit256"), {"temperature": sdk.Schedule.linear(2.0, 0.5)}


def _tape(program: sdk.Program) -> np.ndarray:
    r = np.random.default_rng(11)
    shape = (STEPS, REPLICAS, program.num_nodes)
    return r.uniform(-1, 1, shape) if program.cell.noise == "uniform" else r.standard_normal(shape)


def _raw(program, backend: str, noise, integrator: str, settings: dict, **options) -> np.ndarray:
    res = sdk.run(program, backend, num_reads=REPLICAS, steps=STEPS, seed=3, integrator=integrator,
                  record_every=EVERY, noise=noise, backend_options={**(float64_options(backend) or {}), **options},
                  **settings)
    return res.trajectory.raw


CASES = [("oim", "heun"), ("oim", "euler"), ("gauss", "heun"), ("gauss", "euler"), ("pbit", "sweep")]


@pytest.mark.parametrize("cell, integrator", CASES)
@pytest.mark.parametrize("backend", FAST)
def test_same_tape_same_trajectory(backend, cell, integrator):
    program, settings = _program(cell)
    tape = _tape(program)
    ref = _raw(program, "numpy", sdk.NoiseTape(tape), integrator, settings)
    out = _raw(program, backend, sdk.NoiseTape(tape), integrator, settings)
    assert out.shape == ref.shape == (STEPS // EVERY, REPLICAS, program.num_nodes)
    assert np.all(np.isfinite(out))
    err = np.abs(out - ref).max() / np.abs(ref).max()
    assert err <= RTOL, f"{backend} departs from the NumPy reference by {err:.3g} (relative)"


@pytest.mark.parametrize("backend", OWN_RNG)
def test_tape_option_follows_the_seeded_reference(backend):
    """``rng="tape"`` consumes the driver's seeded draws: same seed, same samples as NumPy."""
    program, settings = _program("oim")
    ref = _raw(program, "numpy", None, "heun", settings)
    out = _raw(program, backend, None, "heun", settings, rng="tape")
    assert np.abs(out - ref).max() <= RTOL * np.abs(ref).max()


@pytest.mark.parametrize("cell", ["oim", "gauss", "pbit"])
@pytest.mark.parametrize("backend", OWN_RNG)
def test_internal_rng_is_reproducible(backend, cell):
    program, settings = _program(cell)
    first, second = (_raw(program, backend, None, None, settings) for _ in range(2))
    other = sdk.run(program, backend, num_reads=REPLICAS, steps=STEPS, seed=4, record_every=EVERY,
                    backend_options=float64_options(backend), **settings).trajectory.raw
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, other)


@pytest.mark.parametrize("replicas", [1, REPLICAS])  # one team per block / a block per thread
def test_c_results_do_not_depend_on_threads(replicas):
    """The C generator is counter-based: thread count and lane grouping change nothing."""
    n = 300  # large enough for the kernels to use more than one thread
    J = np.triu(np.random.default_rng(5).choice([-1.0, 1.0], size=(n, n)), 1)
    program = sdk.compile(sdk.IsingModel(np.zeros(n), J), "oim1024")
    one, two = (sdk.run(program, "c", num_reads=replicas, steps=20, seed=9, temperature=1.0, record_every=20,
                        backend_options={"threads": t}).trajectory.raw for t in (1, 2))
    np.testing.assert_array_equal(one, two)


@pytest.mark.skipif(not HAVE_JAX, reason="jax is not installed")
@pytest.mark.parametrize("cell, integrator", CASES)
def test_jax_neighbour_layout_follows_the_tape(cell, integrator):
    """JAX's gathered-neighbour layout (the small programs above take the dense one on their own)."""
    program, settings = _program(cell)
    tape = _tape(program)
    ref = _raw(program, "numpy", sdk.NoiseTape(tape), integrator, settings)
    out = _raw(program, "jax", sdk.NoiseTape(tape), integrator, settings, layout="neighbours")
    assert np.abs(out - ref).max() <= RTOL * np.abs(ref).max()
