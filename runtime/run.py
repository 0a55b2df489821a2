"""``run(program, backend=...) → SampleSet``: resolve run settings from the cell's presets,
simulate, read out.

Everything cell-specific comes from ``program.cell`` (:class:`~device_models.cells.AbstractCell`):
its presets (schedules, step rule, steps), accuracy step, initial state, readout and chip time.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
import math
import numbers
import sys
import time
from typing import Mapping

import numpy as np

from compiler.program import Program
from device_models.cells import MODES, Preset
from device_models.schedules import Schedule, ScheduleError, as_schedule
from runtime.backends import RunPlan, get_backend
from runtime.backends.base import PlanSchedules, driver_block_steps
from runtime.errors import DivergenceError, RunError
from runtime.energy import run_energy
from runtime.noise import AbstractNoiseSource, SeededNoise
from runtime.resources import check_budget, memory_budget, run_bytes
from runtime.results import SampleSet, TrajectoryRecord
from runtime.moments import Moments, moment_info, moment_sums
from runtime.tempering import ReplicaExchange, Swapper

RUNAWAY = 1e12  # |node state| beyond this is an integrator running away, not physics
MAX_STEPS = 1 << 53  # steps whose index k (and k/steps) float64 holds exactly


def run(program: Program, backend: str = "auto", *, num_reads: int = 64, steps: int | None = None,
        run_time: float | None = None, dt: float | None = None, temperature=None,
        schedules: Mapping | None = None, protocol: str | None = None, integrator: str | None = None,
        seed: int | None = None, record_every: int = 0, burn_in: int | None = None,
        init: np.ndarray | None = None, noise: AbstractNoiseSource | None = None,
        backend_options: dict | None = None, max_memory: int | None = None, clamp=None,
        progress: bool | None = None, replica_exchange: ReplicaExchange | None = None,
        moments: Moments | None = None) -> SampleSet:
    """Simulate a compiled program.

    Args:
        program: from :func:`compiler.compile`.
        backend: ``"auto"`` (C, then Numba, then NumPy), or a registered name.
        num_reads: independent replicas, ≥ 1.
        steps: integration steps (sweeps on ``pbit``), ≥ 1; default from the protocol.
        run_time: alternatively, the run's length in device time units (``steps = ⌈run_time/dt⌉``).
        dt: step in device time units (``1/K`` for ``oim``, ``c₀/g_max`` for ``gauss``); default:
            the protocol's multiple of the cell's accuracy step (``cell.stable_dt``).
        temperature: model energy units; a number, a :class:`Schedule` or an array over the run.
            Giving it selects the ``"sample"`` protocol unless ``protocol`` says otherwise.
        schedules: the cell's other schedules by name (``program.cell.schedules``, e.g. ``shil``
            for ``oim``), device units; each a number, a Schedule or an array.
        protocol: ``"optimize"`` (anneal towards low energy: the default for spin cells when no
            temperature is given) or ``"sample"`` (the accurate step rule at the device's thermal
            temperature or ``temperature``: the default otherwise).  Presets: ``docs/protocols.md``.
        integrator: the step rule, one of ``program.cell.integrators``; default the protocol's.
        seed: non-negative integer seeding initial states and noise.  The same seed gives the same
            samples on the same generator (``info["generator"]``): under ``backend="auto"`` that is
            the driver's NumPy stream whichever backend is picked (spins identical on numpy, numba
            and c; real values equal to rounding); ``backend="c"`` or ``"jax"`` use their own.
        record_every: record states and energies every this many steps (0: none).
        burn_in: with ``record_every``, return every recorded state after this many steps as a
            sample (pooled over replicas) instead of only the final states.
        init: (num_reads, width·m) initial node states (phases for ``oim``); default the cell's.
        noise: a noise source overriding the seeded one (e.g. a :class:`NoiseTape`).
        backend_options: keyword arguments for the backend's constructor.
        max_memory: bytes the run may hold (default: ``SONQ_MAX_MEMORY`` or half the available
            memory); a run estimated above it is refused before it starts.
        clamp: variables held at given values throughout the run (``docs/protocols.md#clamping``):
            a mapping ``{label: value}`` (the same in every read), or a (num_reads, n) array of
            values in the model's vartype with NaN marking the free variables (the same ones in
            every row).  Their nodes start from the cell's encoding of the values and no kernel
            updates them; the samples carry them at their values.
        progress: a tqdm bar over the steps on stderr, advanced between kernel calls: None (the
            default) shows it when stderr is a terminal and tqdm is installed, True always (tqdm
            required), False never.
        replica_exchange: a :class:`~runtime.tempering.ReplicaExchange` (``pbit`` and ``gauss``
            on numpy, numba and c; docs/tempering.md): num_reads ladders of K chains at its
            temperatures (replica j·K + t starts at temperature t; ``init`` and array clamps then
            have num_reads·K rows), swapped every ``swap_every`` steps.  Instead of
            ``temperature``; ``info["sample_temperature"]`` gives each sample's temperature index
            and ``info["replica_exchange"]`` the swap acceptance rates.
        moments: a :class:`~runtime.moments.Moments`: ⟨x_i⟩ and ⟨x_i x_j⟩ of the named
            variables over every step after its burn-in, accumulated inside the kernels (``pbit``
            on numpy and c, ``gauss`` on numpy), into ``info["moments"]``.

    Raises:
        RunError: invalid settings, a run over its memory budget, or a diverging simulation.
    """
    if not isinstance(program, Program):
        raise RunError(f"program must be a compiled Program (sdk.compile, or Program.load for a file), "
                       f"got {type(program).__name__}")
    if backend_options is not None and not isinstance(backend_options, Mapping):
        raise RunError(f"backend_options must be a mapping of names to values, got {type(backend_options).__name__}")
    if noise is not None and not isinstance(noise, AbstractNoiseSource):
        raise RunError(f"noise must be a noise source (e.g. sdk.NoiseTape), got {type(noise).__name__}")
    num_reads = _integer("num_reads", num_reads, 1)
    impl = get_backend(backend, program.cell, **(backend_options or {}))
    replicas = num_reads
    if replica_exchange is not None:
        temperature, replicas = _tempering(program, impl, replica_exchange, temperature, num_reads)
    setup = prepare(program, num_reads=replicas, steps=steps, run_time=run_time, dt=dt, temperature=temperature,
                    schedules=schedules, protocol=protocol, integrator=integrator, seed=seed,
                    record_every=record_every, burn_in=burn_in, init=init, max_memory=max_memory)
    mode, seed, burn_in = setup.mode, setup.seed, setup.burn_in
    plan = _clamped(setup.plan, clamp_values(program, clamp, replicas))
    if moments is not None:
        if type(program.cell) not in getattr(impl, "moments", ()):
            raise RunError(f"moments: the {impl.name!r} backend cannot accumulate moments of {program.cell.name!r} "
                           "cells (supported: pbit on numpy and c, gauss on numpy)")
        plan = dataclasses.replace(plan, moments=moment_sums(program, moments, plan.replicas, plan.steps))
    swapper = None
    if replica_exchange is not None:
        swapper = Swapper(program, replica_exchange, num_reads, np.random.default_rng(setup.swap_seed))
        plan = dataclasses.replace(plan, replica_temperature=swapper.scale, exchange=swapper)
    if plan.clamp is not None and not impl.clamps:
        raise RunError(f"clamp: the {impl.name!r} backend cannot hold variables; the emulators (numpy, numba, c, "
                       "jax) can")
    bar = _progress_bar(progress, plan.steps)
    if bar is not None:
        plan = dataclasses.replace(plan, progress=lambda k: bar.update(k - bar.n))
    start = time.perf_counter()
    try:
        traj = impl.simulate(plan, noise if noise is not None else setup.noise)
    except DivergenceError as exc:
        raise DivergenceError(f"{exc} at dt = {plan.dt:.4g} (temperature up to "
                              f"{plan.schedules.bounds('temperature')[1] * program.scale:.4g}); a smaller dt or "
                              "temperature keeps it finite", exc.step) from None
    finally:
        if bar is not None:
            bar.close()
    wall = time.perf_counter() - start
    _check_finite(traj.states, plan)
    _check_finite(traj.final, plan)
    cell = program.cell
    info = {"backend": impl.name, "cell": cell.name, "device": program.device.name, "protocol": mode,
            "steps": plan.steps, "dt": plan.dt, "integrator": plan.integrator, "seed": seed,
            "num_reads": num_reads, "wall_time": wall, "generator": _generator(impl, noise),
            "chip_time": cell.chip_time(plan.steps, plan.dt, program.physics) + program.physics.readout_time,
            "readout_time": program.physics.readout_time,
            "temperature_start": float(plan.window(0, 1)["temperature"][0]) * program.scale,
            "temperature_end": float(plan.window(plan.steps - 1, plan.steps)["temperature"][0]) * program.scale,
            "clamped": 0 if plan.clamp is None else int(np.count_nonzero(plan.clamp[:program.num_variables]))}
    info.update(run_energy(program, plan, traj))
    result = _results(program, plan, traj, burn_in, info)
    if plan.moments is not None:
        info["moments"] = moment_info(program, plan.moments, plan.steps)
    if swapper is not None:
        info["replica_exchange"] = swapper.info()
        info["sample_temperature"] = swapper.levels_of(result.step, result.replica).tolist()
    return result


@dataclass(frozen=True)
class RunSetup:
    """What :func:`prepare` resolves from a run's settings (before any backend runs).

    Attributes:
        plan: the RunPlan (device units; no clamp, moments or replica exchange).
        mode: the preset used (``"optimize"``, ``"sample"`` or ``"recall"``).
        noise: the run's seeded noise source.
        swap_seed: the seed of replica exchange's swap decisions.
        seed, burn_in: the checked settings.
    """

    plan: RunPlan
    mode: str
    noise: SeededNoise
    swap_seed: np.random.SeedSequence
    seed: int | None
    burn_in: int | None


def prepare(program: Program, *, num_reads: int = 1, steps: int | None = None, run_time: float | None = None,
            dt: float | None = None, temperature=None, schedules: Mapping | None = None,
            protocol: str | None = None, integrator: str | None = None, seed: int | None = None,
            record_every: int = 0, burn_in: int | None = None, init: np.ndarray | None = None,
            max_memory: int | None = None) -> RunSetup:
    """The settings of :func:`run` (same arguments and meaning) resolved into a RunPlan, its preset
    and its seeded noise, without simulating: what a run with these settings and seed would execute
    (``sonq netlist`` writes its netlist from it).

    Raises:
        RunError: invalid settings or a run over its memory budget.
    """
    if not isinstance(program, Program):
        raise RunError(f"program must be a compiled Program (sdk.compile, or Program.load for a file), "
                       f"got {type(program).__name__}")
    if schedules is not None and not isinstance(schedules, Mapping):
        raise RunError(f"schedules must be a mapping of names to values, got {type(schedules).__name__}")
    num_reads = _integer("num_reads", num_reads, 1)
    record_every = _integer("record_every", record_every, 0)
    if burn_in is not None:
        burn_in = _integer("burn_in", burn_in, 0)
        if not record_every:
            raise RunError("burn_in pools recorded states: set record_every too")
    if seed is not None:
        seed = _integer("seed", seed, 0)
    if steps is not None and run_time is not None:
        raise RunError("give steps or run_time, not both")
    init_seed, noise_seed, swap_seed = np.random.SeedSequence(seed).spawn(3)
    presets = program.cell.presets(program)
    mode = _mode(program, presets, protocol, temperature)
    resolved = _plan(program, presets[mode], num_reads, steps, run_time, dt, temperature, schedules, integrator,
                     record_every, init, np.random.default_rng(init_seed), burn_in, max_memory)
    return RunSetup(resolved, mode, SeededNoise(noise_seed), swap_seed, seed, burn_in)


def _tempering(program: Program, impl, settings, temperature, num_reads: int) -> tuple[float, int]:
    """The run temperature (the coldest of the ladder) and replica count of a replica-exchange run,
    after checking that the cell and backend support it."""
    if not isinstance(settings, ReplicaExchange):
        raise RunError(f"replica_exchange must be a ReplicaExchange, got {type(settings).__name__}")
    if temperature is not None:
        raise RunError("replica_exchange sets the temperatures: leave temperature unset")
    if type(program.cell) not in getattr(impl, "tempering", ()):
        raise RunError(f"replica_exchange: the {impl.name!r} backend cannot run {program.cell.name!r} cells at "
                       "per-replica temperatures (supported: pbit and gauss on numpy, numba and c)")
    return settings.temperatures[0], num_reads * settings.size


def stable_dt(program: Program, schedules: Mapping | None = None) -> float:
    """The cell's accuracy step (device time units) under its sampling preset's schedules, with
    ``schedules`` (device units) overriding them: the ``dt`` a ``"sample"`` run takes by default."""
    preset = program.cell.presets(program)["sample"]
    return program.cell.stable_dt(program, _schedules(program, preset, None, schedules))


def _progress_bar(progress, steps: int):
    """A tqdm bar of ``steps`` steps on stderr when ``progress`` asks for one (see :func:`run`), or
    None."""
    if progress not in (None, True, False):
        raise RunError(f"progress must be None, True or False, got {progress!r}")
    if not (progress if progress is not None else sys.stderr.isatty()):
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        if progress:
            raise RunError("progress=True needs tqdm: pip install tqdm") from None
        return None
    return tqdm(total=steps, desc="sonq run", unit="step", file=sys.stderr)


def _generator(impl, noise) -> str:
    """Which generator made the run's random numbers (results record it: a seed reproduces a run
    only with the same generator)."""
    if noise is not None:
        return f"the caller's {type(noise).__name__}"
    if getattr(impl, "rng", "tape") == "internal":
        return f"{impl.name} backend's own counter-based generator, keyed from the seed"
    return "NumPy PCG64 from the seed (the driver's SeededNoise)"


def _integer(name: str, value, minimum: int) -> int:
    """``value`` as an int ≥ ``minimum``; floats (even 2.0) and bools are refused, not truncated."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise RunError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise RunError(f"{name} must be ≥ {minimum}, got {value}")
    return int(value)


def _mode(program: Program, offered: Mapping[str, Preset], protocol: str | None, temperature) -> str:
    """The preset to run: ``protocol``, or the cell's default mode (sampling when a temperature is
    given or the cell offers no optimisation)."""
    if protocol is None:
        protocol = "sample" if temperature is not None else program.cell.default_mode()
        if protocol not in offered:
            protocol = "sample"
    if protocol not in MODES:
        raise RunError(f"protocol must be one of {MODES}, got {protocol!r}")
    if protocol not in offered:
        raise RunError(f"{program.cell.name!r} programs offer the protocols {sorted(offered)}, not {protocol!r}")
    return protocol


def _schedules(program: Program, preset: Preset, temperature, schedules: Mapping | None) -> dict[str, Schedule]:
    """The preset's schedules with the caller's overrides (temperature from model units)."""
    cell = program.cell
    out = dict(preset.schedules)
    extra = dict(schedules or {})
    unknown = set(extra) - set(cell.schedules[1:])
    if unknown:
        raise RunError(f"{cell.name!r} runs read the schedules {list(cell.schedules[1:])} besides "
                       f"temperature (give that as temperature=), not {sorted(unknown)}")
    for name, value in extra.items():
        out[name] = _schedule(value, name)
    if temperature is not None:
        out["temperature"] = _schedule(temperature, "temperature").scaled(1 / program.scale)
    return out


def _schedule(value, name: str) -> Schedule:
    try:
        return as_schedule(value, name)
    except ScheduleError:
        raise
    except (TypeError, ValueError) as exc:
        raise RunError(f"{name}: {exc}") from None


def _plan(program, preset, num_reads, steps, run_time, dt, temperature, schedules, integrator, record_every,
          init, rng, burn_in, max_memory) -> RunPlan:
    cell = program.cell
    resolved = _schedules(program, preset, temperature, schedules)
    integrator = preset.integrator if integrator is None else integrator
    if integrator not in cell.integrators:
        raise RunError(f"integrator must be one of {cell.integrators} for {cell.name!r} cells, got {integrator!r}")
    if dt is None:
        dt = preset.dt_factor * cell.stable_dt(program, resolved)
    if isinstance(dt, bool) or not isinstance(dt, numbers.Real) or not (dt > 0 and math.isfinite(dt)):
        raise RunError(f"dt must be a positive finite number, got {dt!r}")
    if run_time is not None:
        if isinstance(run_time, bool) or not isinstance(run_time, numbers.Real) or not (
                run_time > 0 and math.isfinite(run_time)):
            raise RunError(f"run_time must be a positive finite number, got {run_time!r}")
        steps = _steps_for(cell, run_time, dt)
    if steps is None:
        steps = preset.steps if preset.steps is not None else _steps_for(cell, preset.run_time, dt)
    steps = _integer("steps", steps, 1)
    if steps > MAX_STEPS:
        raise RunError(f"steps must be ≤ 2^53 = {MAX_STEPS} (a schedule's run fraction k/steps is exact in float64 "
                       f"up to there), got {steps}")
    m = program.num_nodes
    check_budget(run_bytes(steps=steps, replicas=num_reads, state_width=cell.width * m,
                           variables=program.num_variables, schedules=len(cell.schedules), record_every=record_every,
                           pooled=burn_in is not None, block_steps=driver_block_steps(num_reads, cell.width * m)),
                 memory_budget(max_memory))
    arrays = PlanSchedules({name: resolved[name] for name in cell.schedules}, steps)
    for name in cell.schedules:
        low, high = arrays.bounds(name)
        if not (math.isfinite(low) and math.isfinite(high)) or low < 0:
            raise RunError(f"{name} must be finite and non-negative throughout the run")
    init = cell.initial_state(rng, num_reads, m) if init is None else _init(init, num_reads, cell.width * m)
    return RunPlan(program, steps, float(dt), integrator, arrays, record_every, init)


def clamp_values(program: Program, clamp, replicas: int) -> np.ndarray | None:
    """``run``'s ``clamp`` as a (replicas, n) float array of model-variable values, NaN where free,
    or None when nothing is clamped; anything malformed is a RunError naming it."""
    if clamp is None:
        return None
    labels, n, vartype = list(program.model.labels), program.num_variables, program.model.vartype
    if isinstance(clamp, Mapping):
        index = {label: i for i, label in enumerate(labels)}
        unknown = [label for label in clamp if label not in index]
        if unknown:
            raise RunError(f"clamp names variables the model does not have: {unknown[:5]}")
        values = np.full((replicas, n), np.nan)
        for label, value in clamp.items():
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise RunError(f"clamp[{label!r}] must be a number, got {value!r}")
            values[:, index[label]] = float(value)
            if not math.isfinite(float(value)):
                raise RunError(f"clamp[{label!r}] must be finite, got {value!r}")
    else:
        arr = np.asarray(clamp)
        if arr.dtype.kind not in "biuf":
            raise RunError(f"clamp must be a mapping or a real array, got dtype {arr.dtype}")
        if arr.shape != (replicas, n):
            raise RunError(f"clamp must have shape (num_reads, n) = ({replicas}, {n}), got {arr.shape}")
        values = arr.astype(np.float64)
        free = np.isnan(values)
        if np.any(free != free[:1]):
            raise RunError("clamp must free the same variables (NaN columns) in every read; rows "
                           f"{sorted(set(np.flatnonzero(np.any(free != free[:1], axis=1)).tolist()))[:5]} differ from row 0")
        if np.any(np.isinf(values)):
            raise RunError("clamp holds infinite values")
    held = ~np.isnan(values[0]) if replicas else np.zeros(n, dtype=bool)
    if not held.any():
        return None
    domain = {"SPIN": (-1.0, 1.0), "BINARY": (0.0, 1.0)}.get(vartype)
    if domain is not None:
        bad = held & np.any((values != domain[0]) & (values != domain[1]), axis=0)
        if bad.any():
            j = int(np.flatnonzero(bad)[0])
            raise RunError(f"clamp values of {vartype} variables must be {domain[0]:g} or {domain[1]:g}; "
                           f"variable {labels[j]!r} gets {values[:, j][(values[:, j] != domain[0]) & (values[:, j] != domain[1])][0]!r}")
    return values


def _clamped(plan: RunPlan, values: np.ndarray | None) -> RunPlan:
    """``plan`` with the clamped variables' nodes (and the reference node, which the others are
    read against) set from the cell's encoding of ``values`` and marked in ``plan.clamp``."""
    if values is None:
        return plan
    program, cell = plan.program, plan.program.cell
    n, m = program.num_variables, program.num_nodes
    if m != n + int(program.reference):
        raise RunError(f"clamp: {cell.name!r} programs of {n} variables on {m} nodes have no one-node-per-variable "
                       "layout to clamp")
    held = ~np.isnan(values[0])
    x = np.where(np.isnan(values), 1.0, values)  # free variables: any valid value, not used
    if program.model.vartype == "BINARY":
        x = 2 * x - 1
    state = _encoded(program, x)
    nodes = np.r_[held, np.ones(m - n, dtype=bool)]  # the reference node is held with them
    columns = (np.arange(cell.width)[:, None] * m + np.flatnonzero(nodes)).ravel()
    init = plan.init.copy()
    init[:, columns] = state[:, columns]
    return dataclasses.replace(plan, init=init, clamp=nodes)


def _encoded(program: Program, x: np.ndarray) -> np.ndarray:
    """Node states (R, width·m) that read out as the variables ``x`` (R, n; spins ±1 or reals):
    the cell's ``encode``, or, for a cell without one, the variables themselves where its
    ``decode`` confirms that the state is the variable."""
    cell = program.cell
    encode = getattr(cell, "encode", None)
    try:
        state = np.asarray(encode(program, x, np.random.default_rng(0)) if encode else x, dtype=np.float64)
    except NotImplementedError as exc:
        raise RunError(f"clamp: {exc}") from None
    if state.shape != (x.shape[0], cell.width * program.num_nodes) or not np.array_equal(
            np.asarray(cell.decode(program, state)[0], dtype=np.float64), x):
        raise RunError(f"clamp: {cell.name!r} cells have no encoding of variables as node states")
    return state


def _steps_for(cell, run_time: float, dt: float) -> int:
    try:
        return cell.steps_for(run_time, dt)
    except ScheduleError as exc:
        raise RunError(str(exc)) from None


def _init(init, replicas: int, width: int) -> np.ndarray:
    arr = np.asarray(init)
    if arr.dtype.kind not in "biuf":
        raise RunError(f"init must be a real array, got dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    if arr.shape != (replicas, width):
        raise RunError(f"init must have shape ({replicas}, {width}), got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise RunError("init holds NaN or infinite values")
    return arr


def _check_finite(states: np.ndarray, plan: RunPlan) -> None:
    """Refuse states that are not finite or beyond :data:`RUNAWAY` (a stable run of any cell stays
    within a few units of its wells, phases within a few thousand turns)."""
    if states.size and not (np.all(np.isfinite(states)) and np.abs(states).max() < RUNAWAY):
        raise DivergenceError(f"the simulation diverged (node states non-finite or beyond {RUNAWAY:.0e}) at "
                              f"dt = {plan.dt:.4g}; a smaller dt keeps it bounded", plan.steps)


def _decode(program: Program, raw: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Node states (..., width·m) → model variables (..., n) and the poorly-read flags."""
    values, poor = program.cell.decode(program, raw)
    if program.model.vartype == "BINARY":
        values = ((values + 1) // 2).astype(np.int8)
    return values, poor


def _energies(program: Program, states: np.ndarray) -> np.ndarray:
    x = states.astype(np.float64)
    if program.model.vartype == "BINARY":
        x = 2 * x - 1
    with np.errstate(over="ignore", invalid="ignore"):
        e = program.model.energy(x.reshape(-1, program.num_variables)).reshape(states.shape[:-1])
    if not np.all(np.isfinite(e)):
        raise DivergenceError("the samples' energies overflow (non-finite): the states ran off to huge values; "
                              "a smaller dt or temperature keeps them bounded", -1)
    return e


def _results(program: Program, plan: RunPlan, traj, burn_in, info) -> SampleSet:
    R = plan.replicas
    cell = program.cell
    record = None
    if len(traj.steps):
        states, _ = _decode(program, traj.states)
        times = np.array([cell.chip_time(int(s), plan.dt, program.physics) for s in traj.steps])
        record = TrajectoryRecord(traj.steps, times, _energies(program, states), states, traj.states)
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
