"""The backend protocol and the shared stepping driver of the emulators.

A backend turns a :class:`RunPlan` (a Program plus fully resolved run settings, in device units)
into a :class:`Trajectory` of node states.  Emulators share one driver, :meth:`AbstractEmulator.simulate`,
which walks the run in blocks (a block ends at every recording point), draws each block's noise from
the :class:`~runtime.noise.AbstractNoiseSource` and hands it to the backend's kernel.  An emulator
registers one kernel factory per cell class (:meth:`AbstractEmulator.register`); nothing in the
driver or the backends switches on a cell's name.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Callable, ClassVar, Mapping, Protocol

import numpy as np

from compiler.program import Program
from device_models.cells import AbstractCell
from device_models.errors import BackendError
from runtime.errors import DivergenceError
from runtime.noise import AbstractNoiseSource, SeededNoise

MAX_NOISE_BLOCK = 1 << 22  # floats per noise block (32 MiB), bounds memory on big runs
RNG_MODES = ("internal", "tape")


@dataclass(frozen=True)
class RunPlan:
    """Resolved settings of one run, in device units.

    Attributes:
        program: the compiled program (couplings, fields, node potentials, colours).
        steps: integration steps (sweeps for ``pbit``).
        dt: time step in device time units (ignored by sweep cells).
        integrator: the cell's step rule (``"heun"``, ``"euler"``, ``"sweep"``, ...).
        schedules: (steps,) value per step of every schedule the cell reads
            (``program.cell.schedules``: ``temperature`` in device energy units, ``shil`` K_s for
            ``oim``, ...).
        record_every: record the state every this many steps (0: only the final state).
        init: (replicas, width·m) initial states (phases in radians for ``oim``), variable v of
            node i at column v·m + i.
    """

    program: Program
    steps: int
    dt: float
    integrator: str
    schedules: Mapping[str, np.ndarray]
    record_every: int
    init: np.ndarray

    @property
    def cell(self) -> AbstractCell:
        return self.program.cell

    @property
    def replicas(self) -> int:
        return int(self.init.shape[0])

    @property
    def temperature(self) -> np.ndarray:
        """(steps,) noise temperature per step, device energy units."""
        return self.schedules["temperature"]


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

    @classmethod
    def unavailable_reason(cls) -> str | None:
        """``None`` when the backend can run here, else a sentence saying why not and how to fix it."""
        return None

    @classmethod
    @abc.abstractmethod
    def cells(cls) -> frozenset[str]:
        """Names of the cells this backend runs."""

    @abc.abstractmethod
    def simulate(self, plan: RunPlan, noise: AbstractNoiseSource) -> Trajectory:
        """Run the plan, drawing randomness from ``noise``."""


class Kernel(Protocol):
    """Advances ``state`` (replicas, width·m) in place through steps k0..k1−1 using ``draws``, the
    block's random input (:meth:`AbstractEmulator.noise_input`)."""

    def __call__(self, state: np.ndarray, k0: int, k1: int, draws) -> None: ...


KernelFactory = Callable[["AbstractEmulator", RunPlan], Kernel]


class AbstractEmulator(AbstractBackend):
    """An emulator of the macromodels: only the per-block kernels differ between backends.

    Each concrete emulator registers a :data:`KernelFactory` per cell class::

        @NumpyBackend.register(OimCell)
        def _oim(backend: NumpyBackend, plan: RunPlan) -> Kernel: ...
    """

    kernels: ClassVar[dict[type[AbstractCell], KernelFactory]] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.kernels = dict(cls.kernels)  # a subclass runs its parent's cells, and may add its own

    @classmethod
    def register(cls, *cells: type[AbstractCell]) -> Callable[[KernelFactory], KernelFactory]:
        """Decorator: the wrapped factory builds this backend's kernels for ``cells``."""
        def wrap(factory: KernelFactory) -> KernelFactory:
            for cell in cells:
                cls.kernels[cell] = factory
            return factory
        return wrap

    @classmethod
    def cells(cls) -> frozenset[str]:
        return frozenset(cell.name for cell in cls.kernels)

    def prepare(self, plan: RunPlan) -> Kernel:
        """The kernel of ``plan``'s cell (the registered factory applied to the plan)."""
        try:
            factory = self.kernels[type(plan.cell)]
        except KeyError:
            raise BackendError(f"backend {self.name!r} has no kernel for {plan.cell.name!r} cells") from None
        return factory(self, plan)

    def simulate(self, plan: RunPlan, noise: AbstractNoiseSource) -> Trajectory:
        state = np.array(plan.init, dtype=np.float64, order="C")
        R = state.shape[0]
        m = plan.program.num_nodes
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
            if not np.all(np.isfinite(state)):
                raise DivergenceError(f"the simulation diverged (non-finite node states by step {k})", k)
            if plan.record_every and k % every == 0:
                records.append(state.copy())
                at.append(k)
        states = np.stack(records) if records else np.zeros((0, *state.shape))
        return Trajectory(np.array(at, dtype=np.int64), states, state)

    def noise_input(self, plan: RunPlan, noise: AbstractNoiseSource):
        """The blocks' random input: by default ``shape -> draws``, pre-drawn numbers from
        ``noise`` (uniforms for ``pbit``, normals otherwise) of shape (k1−k0, replicas, m) for
        each block.  A backend with its own generator overrides this to return one
        :class:`CounterKey` that every block's kernel receives instead."""
        return getattr(noise, plan.cell.noise)


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
