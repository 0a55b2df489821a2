"""Langevin learning dynamics ``dθ = −∇L dt + √(2D dt) ξ`` run on the emulated ``gauss`` chip.

The loss is compiled onto a chip of ``max(d, 8)`` gauss cells (``gauss8``'s components, more cells:
:func:`langevin_chip`) and run with :func:`runtime.run.run` at ``temperature = D``.  Units
(``docs/physics.md#conventions``): θ is the chip's state x (one model unit of θ is V₀ volts on the
node); D is in the loss's units; time here is **model time**, device time divided by
``program.scale``, so the equation above holds as written with ``dt`` in model time.  The default
step rule is the chip's sampling preset (stochastic Heun, ``docs/physics.md#integrators``).

Long runs go in segments (each a :func:`run` call continuing from the previous final state, with
its own seed), so memory stays bounded while the passage counters of :mod:`sdk.dynamics.escape`
stream over them.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np

from compiler import compile as compile_model
from compiler.program import Program
from device_models.registry import load_device
from device_models.spec import DeviceSpec
from runtime.run import run, stable_dt
from sdk.dynamics.losses import PolynomialLoss
from sdk.errors import AnalysisError

BASE_CHIP = "gauss8"
#: bytes of recorded states one segment may hold (states, raw states and energies: ≈ 3 doubles per
#: replica and parameter per record)
SEGMENT_BYTES = 2**26


def langevin_chip(dim: int) -> DeviceSpec:
    """The reference Langevin chip with at least ``dim`` cells: ``gauss8``'s components, coupling
    DAC and noise, ``max(dim, 8)`` all-to-all cells."""
    base = load_device(BASE_CHIP)
    cells = max(int(dim), base.cells)
    if cells == base.cells:
        return base
    return dataclasses.replace(base, name=f"gauss{cells}", cells=cells,
                               description=f"{base.description} ({cells} cells)")


def compile_loss(loss: PolynomialLoss, *, quantize: bool = False) -> Program:
    """``loss`` programmed on :func:`langevin_chip`; ``quantize=False`` keeps the exact
    coefficients (the exact references assume them), ``True`` snaps them to the 12-bit DAC."""
    if not isinstance(loss, PolynomialLoss):
        raise AnalysisError(f"loss must be a PolynomialLoss (sdk.dynamics.double_well(), ...), "
                            f"got {type(loss).__name__}")
    return compile_model(loss.model, langevin_chip(loss.dim), quantize=quantize)


@dataclass(frozen=True)
class LangevinPath:
    """Recorded trajectories of a Langevin run.

    Attributes:
        times: (k,) model time of each record; record 0 is the initial state at t = 0.
        theta: (k, R, d) parameters of every replica at each record.
        noise: D, the temperature (loss units).
        dt: the integration step (model time).
        info: the last segment's run metadata (backend, integrator, generator, ...).
    """

    times: np.ndarray
    theta: np.ndarray
    noise: float
    dt: float
    info: dict = field(default_factory=dict)


@dataclass(frozen=True)
class _Segment:
    """One run's records: model times (k,) and parameters (k, R, d), initial state excluded."""

    times: np.ndarray
    theta: np.ndarray
    info: dict


def check_noise(noise) -> float:
    """D as a float, refused unless a finite number > 0."""
    if isinstance(noise, bool) or not isinstance(noise, (int, float, np.floating, np.integer)) or not (
            math.isfinite(noise) and noise > 0):
        raise AnalysisError(f"noise D must be a finite number > 0 (loss units), got {noise!r}")
    return float(noise)


def _positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise AnalysisError(f"{name} must be an integer ≥ 1, got {value!r}")
    return int(value)


def _positive_time(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)) or not (
            math.isfinite(value) and value > 0):
        raise AnalysisError(f"{name} must be a finite number > 0 (model time), got {value!r}")
    return float(value)


def _initial(init, replicas: int, dim: int) -> np.ndarray:
    """``init`` as (R, d): a (d,) point for every replica, or one row per replica."""
    arr = np.asarray(init, dtype=np.float64)
    if arr.shape == (dim,):
        arr = np.broadcast_to(arr, (replicas, dim))
    if arr.shape != (replicas, dim) or not np.all(np.isfinite(arr)):
        raise AnalysisError(f"init must be finite with shape ({dim},) or ({replicas}, {dim}), got shape {arr.shape}")
    return np.array(arr)


def segments(loss: PolynomialLoss, noise: float, *, time: float, init, replicas: int, dt: float | None = None,
             record_every: int = 1, seed: int = 0, backend: str = "auto",
             quantize: bool = False) -> Iterator[_Segment]:
    """Run the dynamics for ``time`` (model time) in memory-bounded segments, yielding each.

    Args:
        loss: the loss; noise: D (loss units).
        time: run length (model time), rounded up to whole records.
        init: (d,) or (R, d) initial parameters.
        replicas: R independent replicas.
        dt: step (model time); default the chip's accuracy step (``runtime.run.stable_dt``).
        record_every: steps between records.
        seed: seeds the segments' runs (each its own child seed).
        backend: as for :func:`runtime.run.run` (``"c"`` is the fastest with its own generator).
        quantize: program the DAC's coefficients instead of the exact ones.
    """
    noise = check_noise(noise)
    time = _positive_time("time", time)
    replicas = _positive_int("replicas", replicas)
    record_every = _positive_int("record_every", record_every)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise AnalysisError(f"seed must be a non-negative integer, got {seed!r}")
    program = compile_loss(loss, quantize=quantize)
    dt_model = stable_dt(program) / program.scale if dt is None else _positive_time("dt", dt)
    state = _initial(init, replicas, loss.dim)
    records = math.ceil(time / (dt_model * record_every) - 1e-9)
    per_segment = max(1, SEGMENT_BYTES // (24 * replicas * loss.dim))
    seeds = np.random.SeedSequence(int(seed)).spawn(math.ceil(records / per_segment))
    done = 0
    for child in seeds:
        k = min(per_segment, records - done)
        res = run(program, backend, num_reads=replicas, steps=k * record_every, dt=dt_model * program.scale,
                  temperature=noise, seed=int(child.generate_state(1)[0]), record_every=record_every, init=state)
        theta = res.trajectory.states
        times = (done + np.arange(1, k + 1)) * record_every * dt_model
        yield _Segment(times, theta, dict(res.info, dt_model=dt_model))
        state = theta[-1]
        done += k


def simulate(loss: PolynomialLoss, noise: float, *, time: float, init, replicas: int = 256,
             dt: float | None = None, record_every: int = 1, seed: int = 0, backend: str = "auto",
             quantize: bool = False) -> LangevinPath:
    """Run ``dθ = −∇L dt + √(2D dt) ξ`` on the chip and keep every record (arguments as for
    :func:`segments`).  Returns a :class:`LangevinPath` whose record 0 is ``init``."""
    parts = list(segments(loss, noise, time=time, init=init, replicas=replicas, dt=dt, record_every=record_every,
                          seed=seed, backend=backend, quantize=quantize))
    start = _initial(init, _positive_int("replicas", replicas), loss.dim)
    times = np.concatenate([[0.0]] + [p.times for p in parts])
    theta = np.concatenate([start[None]] + [p.theta for p in parts])
    return LangevinPath(times, theta, float(noise), parts[-1].info["dt_model"], parts[-1].info)
