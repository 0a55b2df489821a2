"""The backend protocol and the shared stepping driver of the emulators.

A backend turns a :class:`RunPlan` (a Program plus fully resolved run settings, in device units)
into a :class:`Trajectory` of node states.  Emulators share one driver, :meth:`AbstractEmulator.simulate`,
which walks the run in blocks (a block ends at every recording point), draws each block's noise from
the :class:`~runtime.noise.AbstractNoiseSource` and hands it to the backend's kernel.  A backend
therefore only implements ``advance`` for each cell type.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from compiler.program import Program
from device_models.errors import BackendError
from runtime.noise import AbstractNoiseSource, SeededNoise

MAX_NOISE_BLOCK = 1 << 22  # floats per noise block (32 MiB), bounds memory on big runs
RNG_MODES = ("internal", "tape")


@dataclass(frozen=True)
class RunPlan:
    """Resolved settings of one run, in device units.

    Attributes:
        program: the compiled program (couplings, fields, node potentials, colours).
        steps: integration steps (sweeps for ``pbit``).
        dt: time step in device time units (ignored by ``pbit``).
        integrator: ``"heun"`` or ``"euler"`` (Euler–Maruyama).
        temperature: (steps,) noise temperature per step, device energy units.
        shil: (steps,) second-harmonic locking strength K_s per step (``oim``), device units.
        record_every: record the state every this many steps (0: only the final state).
        init: (replicas, m) initial node states (phases in radians for ``oim``).
    """

    program: Program
    steps: int
    dt: float
    integrator: str
    temperature: np.ndarray
    shil: np.ndarray
    record_every: int
    init: np.ndarray

    @property
    def replicas(self) -> int:
        return int(self.init.shape[0])


@dataclass(frozen=True)
class Trajectory:
    """Raw node states from a backend.

    Attributes:
        steps: (k,) step index after which each record was taken.
        states: (k, replicas, m) recorded node states.
        final: (replicas, m) state after the last step.
    """

    steps: np.ndarray
    states: np.ndarray
    final: np.ndarray


class AbstractBackend(abc.ABC):
    """A way to execute a Program.  Concrete backends register under ``name``."""

    name: ClassVar[str]
    cells: ClassVar[frozenset[str]]

    @classmethod
    def unavailable_reason(cls) -> str | None:
        """``None`` when the backend can run here, else a sentence saying why not and how to fix it."""
        return None

    @abc.abstractmethod
    def simulate(self, plan: RunPlan, noise: AbstractNoiseSource) -> Trajectory:
        """Run the plan, drawing randomness from ``noise``."""


class AbstractEmulator(AbstractBackend):
    """An emulator of the macromodels: only the per-block kernel differs between backends."""

    cells = frozenset({"oim", "pbit", "gauss"})

    def simulate(self, plan: RunPlan, noise: AbstractNoiseSource) -> Trajectory:
        state = np.array(plan.init, dtype=np.float64, order="C")
        R, m = state.shape
        every = plan.record_every or plan.steps
        kernel = self.prepare(plan)
        source = self.noise_input(plan, noise)
        # Pre-drawn numbers are held a block at a time, so they bound a block's length; a key
        # costs nothing, and its blocks end only at recording points.
        keyed = isinstance(source, CounterKey)
        block = every if keyed else max(1, min(every, MAX_NOISE_BLOCK // max(R * m, 1)))
        records, at = [], []
        k = 0
        while k < plan.steps:
            end = min(k + block, plan.steps, (k // every + 1) * every)
            kernel(state, k, end, source if keyed else source((end - k, R, m)))
            k = end
            if plan.record_every and k % every == 0:
                records.append(state.copy())
                at.append(k)
        states = np.stack(records) if records else np.zeros((0, R, m))
        return Trajectory(np.array(at, dtype=np.int64), states, state)

    @abc.abstractmethod
    def prepare(self, plan: RunPlan):
        """Return ``kernel(state, k0, k1, draws)`` that advances ``state`` (replicas, m) in place
        through steps k0..k1−1 using ``draws``, the block's random input from :meth:`noise_input`."""

    def noise_input(self, plan: RunPlan, noise: AbstractNoiseSource):
        """The blocks' random input: by default ``shape -> draws``, pre-drawn numbers from
        ``noise`` (uniforms for ``pbit``, normals otherwise) of shape (k1−k0, replicas, m) for
        each block.  A backend with its own generator overrides this to return one
        :class:`CounterKey` that every block's kernel receives instead."""
        return noise.uniform if plan.program.cell == "pbit" else noise.normal


@dataclass(frozen=True)
class CounterKey:
    """A block's random input when a backend draws its own numbers: the generator key (63 bits
    drawn once from the run's seeded NumPy generator) instead of pre-drawn numbers."""

    key: int


class AbstractKeyedEmulator(AbstractEmulator):
    """An emulator with its own counter-based generator, keyed from the run's seed.

    Args:
        rng: ``"internal"`` (own generator: every block receives the same :class:`CounterKey`, and
            the kernel derives each number from (key, replica, step, node)) or ``"tape"`` (the
            driver's pre-drawn numbers, as the NumPy reference consumes them).  Any noise source
            other than the run's own :class:`SeededNoise` (e.g. a ``NoiseTape``) is consumed as a
            tape whatever ``rng`` says.
    """

    def __init__(self, rng: str = "internal"):
        if rng not in RNG_MODES:
            raise BackendError(f"rng must be one of {RNG_MODES}, got {rng!r}")
        self.rng = rng

    def noise_input(self, plan: RunPlan, noise: AbstractNoiseSource):
        if self.rng == "internal" and isinstance(noise, SeededNoise):
            return CounterKey(int(noise.rng.integers(0, 2**63)))
        return super().noise_input(plan, noise)
