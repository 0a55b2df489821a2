"""``run(program, backend=...) → SampleSet``: resolve run settings, simulate, read out."""

from __future__ import annotations

import math
import time

import numpy as np
import scipy.sparse.linalg as spla

from compiler.program import Program
from device_models.errors import SonqError
from runtime.backends import RunPlan, get_backend
from runtime.noise import AbstractNoiseSource, SeededNoise
from runtime.readout import read_spins
from runtime.results import SampleSet, TrajectoryRecord
from runtime.schedules import Schedule, as_schedule

# OIM default protocol (PHYSICS.md), in units of the coupling scale s = √(mean_i Σ_j J_ij²) of the
# programmed couplings (device units; the RMS local field, ≈ √N for ±1 SK): SHIL ramped to 0.3·s over
# the first half and held, then raised to s over the last third so every phase binarizes before
# readout; noise ramped from 0.3·s to zero by two thirds; run time 100/s.  Measured (docs/oim_protocol.md):
# on 10 SK N = 16 instances mean success 0.85 (0.64 with SHIL held at 0.5·s, 0.80 with noise from
# 0.5·s); SHIL ≳ s freezes early; below ≈ 0.35·s cells stay unlocked unless SHIL rises at the end.
OIM_RUN_TIME = 100.0
OIM_SHIL_KNOTS = ((0.0, 0.0), (0.5, 0.3), (2 / 3, 0.3), (1.0, 1.0))
OIM_NOISE_START = 0.3
OIM_NOISE_UNTIL = 2 / 3
STABILITY = {"oim": 0.1, "gauss": 0.05}  # λ_max·dt for Heun (PHYSICS.md integrator table)
DEFAULT_STEPS = {"pbit": 1000, "gauss": 2000}


class RunError(SonqError, ValueError):
    """Run settings are invalid."""


def run(program: Program, backend: str = "auto", *, num_reads: int = 64, steps: int | None = None,
        run_time: float | None = None, dt: float | None = None, temperature=None, shil=None, integrator: str = "heun",
        seed: int | None = None, record_every: int = 0, burn_in: int | None = None,
        init: np.ndarray | None = None, noise: AbstractNoiseSource | None = None,
        backend_options: dict | None = None) -> SampleSet:
    """Simulate a compiled program.

    Args:
        program: from :func:`compiler.compile`.
        backend: ``"auto"`` (C, then Numba, then NumPy), or a registered name.
        num_reads: independent replicas.
        steps: integration steps (sweeps on ``pbit``); default from the cell's protocol.
        run_time: alternatively, the run's length in device time units (``steps = ⌈run_time/dt⌉``);
            the ``oim`` default is 100/s.
        dt: step in device time units (``1/K`` for ``oim``, ``c₀/g_max`` for ``gauss``); default
            from the accuracy rule λ_max·dt ≤ 0.1 (oim) / 0.05 (gauss), :func:`stable_dt`.
        temperature: model energy units; a number, a :class:`Schedule` or an array over the run.
            Default: ``oim`` anneals from 0.3·s (s the coupling scale, :func:`coupling_scale`) to
            zero by 2/3 of the run; ``pbit``/``gauss`` use the device's thermal temperature.
        shil: ``oim`` second-harmonic locking strength in units of K (number, Schedule or array);
            default ramps 0 → 0.3·s over the first half, holds to two thirds, then ramps to s.
        integrator: ``"heun"`` (stochastic Heun) or ``"euler"`` (Euler–Maruyama).
        seed: seeds initial states and noise; the same seed gives the same samples.
        record_every: record states and energies every this many steps (0: none).
        burn_in: with ``record_every``, return every recorded state after this many steps as a
            sample (pooled over replicas) instead of only the final states.
        init: (num_reads, m) initial node states (phases for ``oim``); default random.
        noise: a noise source overriding the seeded one (e.g. a :class:`NoiseTape`).
        backend_options: keyword arguments for the backend's constructor.
    """
    if integrator not in ("heun", "euler"):
        raise RunError(f"integrator must be 'heun' or 'euler', got {integrator!r}")
    if num_reads < 1:
        raise RunError(f"num_reads must be ≥ 1, got {num_reads}")
    if steps is not None and run_time is not None:
        raise RunError("give steps or run_time, not both")
    if burn_in is not None and not record_every:
        raise RunError("burn_in pools recorded states: set record_every too")
    impl = get_backend(backend, program.cell, **(backend_options or {}))
    init_seed, noise_seed = np.random.SeedSequence(seed).spawn(2)
    plan = _plan(program, num_reads, steps, run_time, dt, temperature, shil, integrator, record_every,
                 init, np.random.default_rng(init_seed))
    start = time.perf_counter()
    traj = impl.simulate(plan, noise if noise is not None else SeededNoise(noise_seed))
    wall = time.perf_counter() - start
    if not (np.all(np.isfinite(traj.final)) and np.all(np.isfinite(traj.states))):
        raise RunError(f"the simulation diverged (non-finite node states) at dt = {plan.dt:.4g}; "
                       f"the default step for this program is {stable_dt(program, shil):.4g}")
    info = {"backend": impl.name, "cell": program.cell, "device": program.device.name,
            "steps": plan.steps, "dt": plan.dt, "integrator": integrator, "seed": seed,
            "num_reads": num_reads, "wall_time": wall,
            "chip_time": _chip_time(program, plan.steps, plan.dt) + program.physics.readout_time,
            "readout_time": program.physics.readout_time,
            "temperature_start": float(plan.temperature[0]) * program.scale,
            "temperature_end": float(plan.temperature[-1]) * program.scale}
    return _results(program, plan, traj, burn_in, info)


def coupling_scale(program: Program) -> float:
    """RMS row norm ``s = √(mean_i Σ_j J_ij²)`` of the programmed couplings (device units): the
    typical local field, the unit of the OIM protocol (1 when there are no couplings)."""
    J = program.couplings
    s = math.sqrt(float(J.multiply(J).sum()) / program.num_nodes) if J.nnz else 0.0
    return s if s > 0 else 1.0


def oim_protocol(program: Program) -> tuple[Schedule, Schedule, float]:
    """The default OIM SHIL schedule (device units), temperature schedule (model units) and run
    time (device time units) for ``program``."""
    s = coupling_scale(program)
    knots, values = zip(*OIM_SHIL_KNOTS)
    shil = Schedule.piecewise(knots, [v * s for v in values])
    temperature = Schedule.linear(OIM_NOISE_START * s * program.scale, 0.0, OIM_NOISE_UNTIL)
    return shil, temperature, OIM_RUN_TIME / s


def pbit_anneal(program: Program, hot: float = 0.5, cold: float = 0.01) -> Schedule:
    """A geometric optimisation anneal for ``pbit`` programs (temperatures in model units).

    Starts where the costliest single-spin flip, ``ΔE_max = 2·max_i(|h_i| + Σ_j |J_ij|)``, is
    taken with odds ``hot`` (``T = ΔE_max/ln(1/hot)``) and ends where the cheapest nonzero one,
    ``ΔE_min = 2·min(|J_ij|, |h_i| ≠ 0)``, is taken with odds ``cold`` (``T = ΔE_min/ln(1/cold)``):
    the β range dwave-samplers' simulated annealing picks.  Pass it as ``temperature=``; the
    default of :func:`run` for ``pbit`` is the device's constant thermal temperature (sampling).
    """
    if program.cell != "pbit":
        raise RunError(f"pbit_anneal is for pbit programs, not {program.cell!r}")
    if not (0 < cold < hot < 1):
        raise RunError(f"need 0 < cold < hot < 1, got hot={hot!r}, cold={cold!r}")
    J = abs(program.couplings.tocsr()) * program.scale
    h = np.abs(program.fields) * program.scale
    costs = np.r_[J.data[J.data > 0], h[h > 0]]
    if costs.size == 0:
        raise RunError("the program has no couplings or fields: nothing to anneal")
    hottest = 2 * float((h + np.asarray(J.sum(axis=1)).ravel()).max())
    return Schedule.geometric(hottest / np.log(1 / hot), 2 * float(costs.min()) / np.log(1 / cold))


def spectral_norm(J) -> float:
    """‖J‖₂ of a symmetric sparse matrix (largest |eigenvalue|), deterministic."""
    n = J.shape[0]
    if J.nnz == 0:
        return 0.0
    if n <= 64:
        return float(np.abs(np.linalg.eigvalsh(J.toarray())).max())
    return float(abs(spla.eigsh(J, k=1, which="LM", v0=np.ones(n), tol=1e-3, return_eigenvectors=False)[0]))


def stable_dt(program: Program, shil=None) -> float:
    """Default step (device time units) from the accuracy rule λ_max·dt ≤ :data:`STABILITY`.

    λ_max ≤ ‖J‖₂ plus the node's own stiffness: 2·max K_s for ``oim``; |2c₂| plus the quartic
    stiffness 12c₄x² at twice the well position for ``gauss``.  ``pbit`` sweeps have no step: 1.
    """
    cell = program.cell
    if cell == "pbit":
        return 1.0
    if cell == "oim":
        shil_s = oim_protocol(program)[0] if shil is None else as_schedule(shil, "shil")
        stiffness = 2 * max(abs(shil_s.start), abs(shil_s.stop), *(abs(v) for v in shil_s.values))
    else:
        c2, c4 = program.poly[:, 0], program.poly[:, 2]
        wells = np.sqrt(np.abs(c2) / (2 * np.where(c4 > 0, c4, np.inf)))
        stiffness = float(np.max(np.abs(2 * c2) + 12 * c4 * (2 * wells + 1) ** 2))
    return STABILITY[cell] / max(spectral_norm(program.couplings) + stiffness, 1e-12)


def _plan(program, num_reads, steps, run_time, dt, temperature, shil, integrator, record_every, init, rng) -> RunPlan:
    cell = program.cell
    default_shil, default_temperature, default_time = oim_protocol(program) if cell == "oim" else (None, None, None)
    shil_s = (default_shil if shil is None else as_schedule(shil, "shil")) if cell == "oim" else Schedule.constant(0.0)
    if dt is None:
        dt = stable_dt(program, shil_s if cell == "oim" else None)
    if not (dt > 0 and math.isfinite(dt)):
        raise RunError(f"dt must be a positive number, got {dt!r}")
    if run_time is not None:
        if cell == "pbit":
            raise RunError("p-bit runs count sweeps: give steps, not run_time")
        steps = math.ceil(run_time / dt)
    if steps is None:
        steps = math.ceil(default_time / dt) if cell == "oim" else DEFAULT_STEPS[cell]
    if steps < 1:
        raise RunError(f"steps must be ≥ 1, got {steps}")
    if temperature is not None:
        temp_s = as_schedule(temperature, "temperature")
    else:
        temp_s = default_temperature if cell == "oim" else Schedule.constant(program.default_temperature)
    temps = temp_s.sample(steps) / program.scale
    if np.any(temps < 0):
        raise RunError("temperature must be non-negative throughout the run")
    m = program.num_nodes
    if init is None:
        if cell == "oim":
            init = rng.uniform(0, 2 * np.pi, (num_reads, m))
        elif cell == "pbit":
            init = rng.choice([-1.0, 1.0], size=(num_reads, m))
        else:
            init = np.zeros((num_reads, m))
    init = np.asarray(init, dtype=np.float64)
    if init.shape != (num_reads, m):
        raise RunError(f"init must have shape ({num_reads}, {m}), got {init.shape}")
    return RunPlan(program, int(steps), float(dt), integrator, temps, shil_s.sample(steps),
                   int(record_every or 0), init)


def _chip_time(program: Program, steps: int, dt: float) -> float:
    """Seconds of chip time ``steps`` steps represent (sweeps for ``pbit``)."""
    return steps * (dt if program.cell != "pbit" else 1.0) * program.physics.time_unit


def _decode(program: Program, raw: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Node states (..., m) → model variables (..., n) and the poor-binarization flags."""
    if program.cell == "oim":
        spins, poor = read_spins(raw, program.reference)
    elif program.cell == "pbit":
        spins, poor = raw.astype(np.int8), None
    else:
        return raw.copy(), None
    if program.model.vartype == "BINARY":
        spins = ((spins + 1) // 2).astype(np.int8)
    return spins, poor


def _energies(program: Program, states: np.ndarray) -> np.ndarray:
    x = states.astype(np.float64)
    if program.model.vartype == "BINARY":
        x = 2 * x - 1
    return program.model.energy(x.reshape(-1, program.num_variables)).reshape(states.shape[:-1])


def _results(program: Program, plan: RunPlan, traj, burn_in, info) -> SampleSet:
    R = plan.replicas
    record = None
    if len(traj.steps):
        states, _ = _decode(program, traj.states)
        record = TrajectoryRecord(traj.steps, np.array([_chip_time(program, int(s), plan.dt) for s in traj.steps]),
                                  _energies(program, states), states, traj.states)
    if burn_in is not None:
        keep = traj.steps > burn_in
        if not np.any(keep):
            raise RunError(f"burn_in={burn_in} leaves no recorded state (run has {plan.steps} steps)")
        samples = record.states[keep].reshape(-1, program.num_variables)
        energies = record.energies[keep].ravel()
        replica = np.tile(np.arange(R), int(keep.sum()))
        step = np.repeat(traj.steps[keep], R)
    else:
        samples, poor = _decode(program, traj.final)
        energies = _energies(program, samples)
        replica = np.arange(R)
        step = np.full(R, plan.steps)
        if poor is not None:
            info["poorly_binarized"] = int(poor.sum())
    return SampleSet(samples, energies, program.model.labels, program.model.vartype, replica, step,
                     record, info, program.model.kind, dict(program.model.meta))
