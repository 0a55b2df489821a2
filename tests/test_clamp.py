"""Clamping (``run(..., clamp=...)``, docs/protocols.md#clamping): held variables never move on any
emulator or cell, the free ones sample the conditional law, and bad clamps are refused.

Statistical tolerances are stated from the sample size at each test.
"""

from __future__ import annotations

import dataclasses
import math
import sys
from pathlib import Path

import numpy as np
import pytest

import sdk
from device_models.registry import load_device
from runtime.backends import RunPlan, get_backend
from runtime.errors import RunError
from runtime.noise import NoiseTape, SeededNoise

sys.path.insert(0, str(Path(__file__).parent / "backends"))
from backend_params import EMULATORS, FAST, JAX, float64_options  # noqa: E402

N = 10


def _frustrated(seed: int = 5) -> sdk.IsingModel:
    """A 10-spin frustrated Ising model with fields (±J couplings on a dense graph)."""
    r = np.random.default_rng(seed)
    J = np.triu(r.choice([-0.6, 0.6], size=(N, N)) * (r.random((N, N)) < 0.6), 1)
    return sdk.IsingModel(r.uniform(-0.3, 0.3, N), J)


def _program(cell: str, precision: str = "float64") -> sdk.Program:
    if cell == "gauss":
        r = np.random.default_rng(6)
        n = 8
        J = np.triu(0.3 * r.normal(size=(n, n)), 1)
        model = sdk.LangevinModel(quartic=r.uniform(0.5, 1, n), quadratic=r.uniform(0.5, 1, n), J=J + J.T,
                                  b=r.normal(size=n), cubic=r.uniform(-0.3, 0.3, n))
        chip = "gauss8"
    else:
        model, chip = _frustrated(), {"pbit": "pbit256", "oim": "oim1024", "kpo": "kpo1024", "cim": "cim1024"}[cell]
    device = dataclasses.replace(load_device(chip), precision=precision)
    return sdk.compile(model, device, quantize=False)


def _clamp_array(program: sdk.Program, replicas: int) -> np.ndarray:
    """Variables 1, 4 and 6 held, at values that differ between reads; the rest free (NaN)."""
    n = program.num_variables
    r = np.random.default_rng(9)
    values = np.full((replicas, n), np.nan)
    held = [1, 4, 6]
    if program.model.vartype == "REAL":
        values[:, held] = r.normal(size=(replicas, len(held)))
    else:
        values[:, held] = r.choice([-1.0, 1.0], size=(replicas, len(held)))
    return values


def _plan(program: sdk.Program, steps: int, replicas: int, clamp: np.ndarray, seed: int = 1) -> RunPlan:
    """A hand-built plan (the cell's optimize preset, or sample where it has none) whose initial
    state holds ±1 spins where clamped: the kernel level."""
    cell = program.cell
    presets = cell.presets(program)
    preset = presets.get("optimize", presets["sample"])
    schedules = {name: preset.schedules[name].sample(steps) for name in cell.schedules}
    init = cell.initial_state(np.random.default_rng(seed), replicas, program.num_nodes)
    dt = preset.dt_factor * cell.stable_dt(program, preset.schedules)
    return RunPlan(program, steps, dt, preset.integrator, schedules, 5, init, clamp)


CELLS = ["pbit", "oim", "kpo", "gauss", "cim"]  # clamped through run()


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("backend", EMULATORS)
def test_clamped_values_bit_exact(backend, cell):
    """Every recorded state of a held node equals its encoded start bit for bit; samples carry the
    values; the free variables still move."""
    program = _program(cell)
    R = 12
    clamp = _clamp_array(program, R)
    settings = {"temperature": 0.5} if cell == "gauss" else {}
    res = sdk.run(program, backend, num_reads=R, steps=60, seed=4, record_every=5, clamp=clamp,
                  backend_options=float64_options(backend), **settings)
    held = ~np.isnan(clamp[0])
    assert res.info["clamped"] == 3
    np.testing.assert_array_equal(res.samples[:, held], clamp[:, held])
    np.testing.assert_array_equal(res.trajectory.states[:, :, held], np.broadcast_to(clamp[:, held], (12, R, 3)))
    raw = res.trajectory.raw  # (records, R, width·m)
    m = program.num_nodes
    nodes = np.r_[held, np.ones(m - program.num_variables, dtype=bool)]
    columns = (np.arange(program.cell.width)[:, None] * m + np.flatnonzero(nodes)).ravel()
    assert np.all(raw[:, :, columns] == raw[:1, :, columns]), "a held node moved"
    free_columns = np.flatnonzero(~nodes)
    assert np.any(raw[-1][:, free_columns] != raw[0][:, free_columns]), "the free nodes did not move"


# The float32 paths exist in the C kpo and cim kernels and in every JAX kernel (numpy and numba
# work in float64 whatever the device says).
KERNEL_CASES = [pytest.param(b, cell, precision, marks=JAX.marks if b == "jax" else ())
                for b, precisions in (("numpy", ["float64"]), ("numba", ["float64"]), ("c", ["float64", "float32"]),
                                      ("jax", ["float64", "float32"]))
                for precision in precisions for cell in ("kpo", "cim", "oim")]


@pytest.mark.parametrize("backend, cell, precision", KERNEL_CASES)
def test_kernels_hold_clamped_nodes(backend, cell, precision):
    """At the kernel level (a hand-built plan; also the float32 paths of the C and JAX kernels): held nodes' whole state is unchanged bit for bit."""
    program = _program(cell, precision)
    m, R = program.num_nodes, 9
    clamp = np.zeros(m, dtype=bool)
    clamp[[0, 3, 7]] = True
    plan = _plan(program, 40, R, clamp)
    traj = get_backend(backend, program.cell).simulate(plan, SeededNoise(np.random.SeedSequence(2)))
    columns = (np.arange(program.cell.width)[:, None] * m + np.flatnonzero(clamp)).ravel()
    held = plan.init[:, columns].copy()
    if cell == "kpo":  # kpo holds x with y = 0
        held[:, 3:] = 0.0
    np.testing.assert_array_equal(traj.states[:, :, columns], np.broadcast_to(held, (8, R, len(columns))))
    np.testing.assert_array_equal(traj.final[:, columns], held)
    assert np.any(traj.final[:, ~np.isin(np.arange(traj.final.shape[1]), columns)] != plan.init[:, ~np.isin(
        np.arange(traj.final.shape[1]), columns)])


@pytest.mark.parametrize("cell", ["pbit", "oim", "gauss", "kpo", "cim"])
@pytest.mark.parametrize("backend", FAST)
def test_clamped_noise_tape_equivalence(backend, cell):
    """Given one noise tape, every emulator follows the NumPy reference with the same clamp (float64,
    to 1e-9 relative; p-bit spins exactly)."""
    program = _program(cell)
    m, R, steps = program.num_nodes, 41, 40
    clamp = np.zeros(m, dtype=bool)
    clamp[[1, 4]] = True
    plan = _plan(program, steps, R, clamp)
    r = np.random.default_rng(11)
    shape = (steps, R, m)
    tape = r.uniform(-1, 1, shape) if program.cell.noise == "uniform" else r.standard_normal(shape)
    ref = get_backend("numpy", program.cell).simulate(plan, NoiseTape(tape))
    out = get_backend(backend, program.cell, **(float64_options(backend) or {})).simulate(plan, NoiseTape(tape))
    err = np.abs(out.states - ref.states).max() / max(np.abs(ref.states).max(), 1e-300)
    assert err < 1e-9, f"{backend} departs from the reference by {err:.3g}"
    assert np.any(ref.states[-1] != plan.init)


@pytest.mark.parametrize("backend", EMULATORS)
def test_pbit_conditional_boltzmann(backend):
    """Free spins of a clamped p-bit chain sample the exact conditional Boltzmann law of the
    10-spin frustrated model, for each of two clamp configurations used by half the reads each.
    Records 2 sweeps apart count at half weight (autocorrelation); TV bound: sdk.tv_tolerance."""
    model, T = _frustrated(), 1.0
    program = sdk.compile(model, "pbit256", quantize=False)
    R, held = 64, [0, 5, 8]
    configs = np.array([[1.0, -1.0, 1.0], [-1.0, -1.0, 1.0]])
    clamp = np.full((R, N), np.nan)
    clamp[:, held] = np.repeat(configs, R // 2, axis=0)
    res = sdk.run(program, backend, num_reads=R, steps=1200, temperature=T, seed=7, record_every=2, burn_in=50,
                  clamp=clamp, backend_options=float64_options(backend))
    states, p = sdk.exact_boltzmann(model, T)
    free = np.setdiff1d(np.arange(N), held)
    for c, config in enumerate(configs):
        mine = res.samples[(res.replica < R // 2) == (c == 0)]
        assert np.all(mine[:, held] == config)
        match = np.all(states[:, held] == config, axis=1)
        p_cond = p[match] / p[match].sum()  # states[match] in lexicographic order of the free spins
        q = sdk.empirical_distribution(mine[:, free])
        tv = sdk.total_variation(q, p_cond)
        tol = sdk.tv_tolerance(p_cond, len(mine) / 2)
        assert tv < tol, f"clamp {config}: TV {tv:.3g} ≥ {tol:.3g}"


@pytest.mark.parametrize("backend", EMULATORS)
def test_gaussian_conditional_schur(backend):
    """Clamping x_C = c in N(A⁻¹b, T A⁻¹) leaves x_F ~ N(A_FF⁻¹(b_F − A_FC c), T A_FF⁻¹) (the Schur
    complement).  Mean: 5 standard errors of n_eff samples; covariance: 4× the root expected squared
    Frobenius error (‖Σ‖²_F + (tr Σ)²)/n_eff."""
    r = np.random.default_rng(2)
    Q, _ = np.linalg.qr(r.normal(size=(8, 8)))
    A = Q @ np.diag(np.linspace(1.0, 3.0, 8)) @ Q.T
    b, T = r.normal(size=8), 0.7
    program = sdk.compile(sdk.GaussianModel(A, b), "gauss8", quantize=False)
    C, F = np.array([2, 5, 6]), np.array([0, 1, 3, 4, 7])
    c = np.array([0.8, -1.1, 0.3])
    every = 60
    res = sdk.run(program, backend, num_reads=256, steps=6000, temperature=T, seed=2, record_every=every,
                  burn_in=600, clamp={int(i): float(v) for i, v in zip(C, c)}, backend_options=float64_options(backend))
    assert np.all(res.samples[:, C] == c)
    A_FF = A[np.ix_(F, F)]
    sigma = T * np.linalg.inv(A_FF)
    mean = np.linalg.solve(A_FF, b[F] - A[np.ix_(F, C)] @ c)
    lam_min = np.linalg.eigvalsh(A_FF).min() / program.scale  # slowest conditional mode, device units
    rho = math.exp(-2 * lam_min * res.info["dt"] * every)
    n_eff = len(res.samples) * (1 - rho) / (1 + rho)
    x = res.samples[:, F]
    mean_err = np.abs(x.mean(axis=0) - mean) / np.sqrt(np.diag(sigma) / n_eff)
    assert mean_err.max() < 5, f"conditional mean off by {mean_err.max():.2g} standard errors"
    tol = 4 * math.sqrt((np.sum(sigma**2) + np.trace(sigma) ** 2) / n_eff) / np.linalg.norm(sigma)
    err = sdk.covariance_error(x, sigma)
    assert err < tol, f"conditional covariance error {err:.3g} ≥ {tol:.3g}"


@pytest.fixture(scope="module")
def pbit_program():
    return sdk.compile(_frustrated(), "pbit256", quantize=False)


@pytest.mark.parametrize("clamp, match", [
    ({"nope": 1}, "does not have"),
    ({0: 0.5}, "must be -1 or 1"),
    ({0: "up"}, "must be a number"),
    ({0: float("nan")}, "finite"),
    (np.zeros((3, N)), "shape"),
    (np.full((4, N), np.nan), None),  # nothing clamped: accepted
    (np.array([[1.0] + [np.nan] * (N - 1)] * 3 + [[np.nan] * N]), "same variables"),
    (np.array([["a"] * N] * 4), "real array"),
])
def test_bad_clamps_refused(pbit_program, clamp, match):
    if match is None:
        assert sdk.run(pbit_program, "numpy", num_reads=4, steps=2, seed=0, clamp=clamp).info["clamped"] == 0
        return
    with pytest.raises(RunError, match=match):
        sdk.run(pbit_program, "numpy", num_reads=4, steps=2, seed=0, clamp=clamp)


def test_domains_of_other_vartypes():
    """BINARY variables clamp to 0/1 (2 refused); REAL ones to finite reals (inf refused)."""
    q = sdk.QUBO(np.triu(np.random.default_rng(1).normal(size=(4, 4))))
    program = sdk.compile(q, "pbit256", quantize=False)
    res = sdk.run(program, "numpy", num_reads=4, steps=5, seed=0, clamp={1: 0, 2: 1})
    assert np.all(res.samples[:, 1] == 0) and np.all(res.samples[:, 2] == 1)
    with pytest.raises(RunError, match="must be 0 or 1"):
        sdk.run(program, "numpy", num_reads=4, steps=5, seed=0, clamp={1: 2})
    gauss = sdk.compile(sdk.GaussianModel(np.eye(3), np.zeros(3)), "gauss8", quantize=False)
    with pytest.raises(RunError, match="infinite"):
        sdk.run(gauss, "numpy", num_reads=2, steps=5, seed=0, clamp=np.array([[np.inf, np.nan, np.nan]] * 2))


def test_circuit_backends_refuse():
    """A backend that cannot hold nodes (the circuit emulator) says so instead of ignoring the clamp."""
    program = sdk.compile(_frustrated(), "oim1024")
    with pytest.raises(RunError, match="cannot hold"):
        sdk.run(program, "circuit", num_reads=2, steps=5, seed=0, clamp={0: 1})
