"""The backend protocol and the shared stepping driver of the emulators.

A backend turns a :class:`RunPlan` (a Program plus fully resolved run settings, in device units)
into a :class:`Trajectory` of node states.  Emulators share one driver, :meth:`AbstractEmulator.simulate`,
which walks the run in blocks (a block ends at every recording point), draws each block's noise from
the :class:`~runtime.noise.AbstractNoiseSource` and hands it to the backend's kernel.  An emulator
registers one kernel factory per cell class (:meth:`AbstractEmulator.register`); nothing in the
driver or the backends switches on a cell's name.

Two process-wide policies live here because this module is imported before any kernel runs:

* **OpenMP threads wait passively** (:func:`_passive_openmp`): idle threads of the compiled
  backends (C, Numba's ``omp`` layer) sleep instead of spinning, so a run stays fast when another
  process holds a core (with spinning, an OIM run of one replica took 12× as long with a busy loop
  on one of two cores, passive 1.07×);
* **kernel calls are short** (:data:`MAX_BLOCK_WORK`): an emulator with ``interruptible = True``
  (C) never spends more than a fraction of a second in one compiled call, so Ctrl-C
  (KeyboardInterrupt) stops any run within about a second.
"""

from __future__ import annotations

import abc
import ctypes
import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, ClassVar, Mapping, Protocol

import numpy as np

from compiler.program import Program
from device_models.cells import AbstractCell
from device_models.errors import BackendError
from device_models.schedules import Schedule
from runtime.errors import DivergenceError
from runtime.noise import AbstractNoiseSource, SeededNoise

if TYPE_CHECKING:
    from runtime.moments import MomentSums

MAX_NOISE_BLOCK = 1 << 22  # floats per noise block (32 MiB), bounds memory on big runs
RNG_MODES = ("internal", "tape")

# Work of one kernel call of an interruptible emulator, in units of one lane-coupling of the C
# loops (≈ 0.05 ns on dense couplings): s steps of R replicas on m nodes with nnz couplings cost
# s·(R·(nnz + NODE_WORK·m) + STEP_WORK), NODE_WORK being a node update's own cost (noise, drift,
# cos/sin: 2–4 ns) and STEP_WORK a step's fixed cost (≈ 1 µs), fitted to the C rates of
# BENCHMARKS.md.  2^31 units are 0.1–0.3 s of the C loops on a free core, whatever the shape (SK
# N=1024: 30 OIM steps of 64 replicas, 60 p-bit sweeps of 32; toroidal_8k: 60 steps of 64
# replicas, 3744 of one; a 64-node king's graph: 1e5 steps of one replica; measured 0.15 s, 0.14 s
# and 0.30 s for SK OIM, SK p-bit and toroidal_8k × 1), and ≤ 0.5 s at load average 5–6.  The
# split is invisible in the results (every kernel takes absolute step indices, and pre-drawn noise
# is drawn in order); Python regains control between calls, so a KeyboardInterrupt ends the run.
MAX_BLOCK_WORK = 1 << 31
NODE_WORK = 64
STEP_WORK = 1 << 14
OPENMP_WAIT = "PASSIVE"  # OMP_WAIT_POLICY that SONQ's OpenMP runtime starts with, unless the user set one

log = logging.getLogger("sonq.runtime")


def _passive_openmp() -> bool:
    """Starts the GNU OpenMP runtime (``libgomp.so.1``, which the C extension and Numba's ``omp``
    threading layer share) with ``OMP_WAIT_POLICY=PASSIVE``, then restores the environment, so
    other OpenMP copies loaded later (PyTorch's) keep theirs.  libgomp reads its settings once,
    when it is loaded, so this only works before anything else loads it: a user's
    ``OMP_WAIT_POLICY`` or ``GOMP_SPINCOUNT`` is left alone, and an already-loaded runtime is only
    reported (``runtime.backends.c_backend.idle_spin`` measures what took effect).  Returns True
    when the passive policy was set here."""
    if "OMP_WAIT_POLICY" in os.environ or "GOMP_SPINCOUNT" in os.environ or os.name != "posix":
        return False
    try:
        ctypes.CDLL("libgomp.so.1", mode=getattr(os, "RTLD_NOLOAD", 0) | ctypes.RTLD_LOCAL)
        log.info("libgomp was loaded before SONQ: its threads keep their wait policy (set "
                 "OMP_WAIT_POLICY=passive before starting Python for passive waiting)")
        return False
    except OSError:
        pass  # not loaded yet (or absent)
    os.environ["OMP_WAIT_POLICY"] = OPENMP_WAIT
    try:
        ctypes.CDLL("libgomp.so.1", mode=ctypes.RTLD_LOCAL)  # reads the environment as it loads
        return True
    except OSError:
        return False  # no GNU OpenMP here: nothing to set
    finally:
        del os.environ["OMP_WAIT_POLICY"]


PASSIVE_OPENMP = _passive_openmp()


class PlanSchedules(Mapping):
    """A run's schedules by name, evaluated per block: :meth:`window` gives the values of steps
    k0..k1−1 (what the emulators' kernels read), :meth:`bounds` their range over the run, and item
    access the whole (steps,) array, materialised on demand (for the circuit backends, whose
    lowering reads full arrays; the emulators never touch it).

    Args:
        sources: name → :class:`~device_models.schedules.Schedule`, or a (steps,) array.
        steps: the run's steps.
    """

    def __init__(self, sources: Mapping[str, Schedule | np.ndarray], steps: int):
        self.sources = dict(sources)
        self.steps = int(steps)

    def __getitem__(self, name: str) -> np.ndarray:
        return self._values(name, 0, self.steps)

    def __iter__(self):
        return iter(self.sources)

    def __len__(self) -> int:
        return len(self.sources)

    def window(self, k0: int, k1: int) -> dict[str, np.ndarray]:
        """name → (k1−k0,) float64 values of steps k0..k1−1, equal to ``self[name][k0:k1]``."""
        return {name: self._values(name, k0, k1) for name in self.sources}

    def bounds(self, name: str) -> tuple[float, float]:
        """(min, max) of schedule ``name`` over the run, without materialising it."""
        source = self.sources[name]
        if isinstance(source, Schedule):
            return source.bounds(self.steps)
        values = np.asarray(source, dtype=np.float64)
        return float(values.min()), float(values.max())

    def _values(self, name: str, k0: int, k1: int) -> np.ndarray:
        source = self.sources[name]
        if isinstance(source, Schedule):
            return source.window(self.steps, k0, k1)
        return np.asarray(source, dtype=np.float64)[k0:k1]


@dataclass(frozen=True)
class RunPlan:
    """Resolved settings of one run, in device units.

    Attributes:
        program: the compiled program (couplings, fields, node potentials, colours).
        steps: integration steps (sweeps for ``pbit``).
        dt: time step in device time units (ignored by sweep cells).
        integrator: the cell's step rule (``"heun"``, ``"euler"``, ``"sweep"``, ...).
        schedules: every schedule the cell reads (``program.cell.schedules``: ``temperature`` in
            device energy units, ``shil`` K_s for ``oim``, ...) as :class:`PlanSchedules` (a mapping
            of Schedules or (steps,) arrays is wrapped in one); kernels read their block's values
            with :meth:`window`.
        record_every: record the state every this many steps (0: only the final state).
        init: (replicas, width·m) initial states (phases in radians for ``oim``), variable v of
            node i at column v·m + i.
        clamp: (m,) bool, True for the nodes every kernel holds at their initial state (clamped
            variables, docs/protocols.md#clamping), or None when every node evolves.
        progress: called with the step reached after each kernel call (a progress bar), or None.
        replica_temperature: (replicas,) multipliers of the temperature schedule, one per replica
            (replica exchange, :mod:`runtime.tempering`, permutes them in place between calls),
            or None (all 1).  Kernels of the cells in ``AbstractEmulator.tempering`` read them.
        exchange: called as ``exchange(state, k)`` after the kernel call ending at step k, for k a
            multiple of ``exchange.every`` below ``steps`` (the replica-exchange swaps), or None.
        moments: the :class:`~runtime.moments.MomentSums` the kernels of the cells in
            ``AbstractEmulator.moments`` add every state after its burn-in to, or None.
    """

    program: Program
    steps: int
    dt: float
    integrator: str
    schedules: PlanSchedules
    record_every: int
    init: np.ndarray
    clamp: np.ndarray | None = None
    progress: Callable[[int], None] | None = None
    replica_temperature: np.ndarray | None = None
    exchange: "Exchange | None" = None
    moments: "MomentSums | None" = None

    def __post_init__(self):
        if not isinstance(self.schedules, PlanSchedules):
            object.__setattr__(self, "schedules", PlanSchedules(self.schedules, self.steps))

    @property
    def cell(self) -> AbstractCell:
        return self.program.cell

    @property
    def replicas(self) -> int:
        return int(self.init.shape[0])

    def window(self, k0: int, k1: int) -> dict[str, np.ndarray]:
        """Every schedule's (k1−k0,) values over steps k0..k1−1 (device units): a kernel's block."""
        return self.schedules.window(k0, k1)


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
    #: Whether the backend honours ``RunPlan.clamp`` (run() refuses clamped runs on the others).
    clamps: ClassVar[bool] = False

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


class Exchange(Protocol):
    """What the driver calls between kernel calls every ``every`` steps (``RunPlan.exchange``)."""

    every: int

    def __call__(self, state: np.ndarray, k: int) -> None: ...


class Kernel(Protocol):
    """Advances ``state`` (replicas, width·m) in place through steps k0..k1−1 using ``draws``, the
    block's random input (:meth:`AbstractEmulator.noise_input`), and the block's schedule values
    (``plan.window(k0, k1)``: a kernel never reads a whole run's schedule)."""

    def __call__(self, state: np.ndarray, k0: int, k1: int, draws) -> None: ...


KernelFactory = Callable[["AbstractEmulator", RunPlan], Kernel]


class AbstractEmulator(AbstractBackend):
    """An emulator of the macromodels: only the per-block kernels differ between backends.

    Each concrete emulator registers a :data:`KernelFactory` per cell class::

        @NumpyBackend.register(OimCell)
        def _oim(backend: NumpyBackend, plan: RunPlan) -> Kernel: ...
    """

    kernels: ClassVar[dict[type[AbstractCell], KernelFactory]] = {}
    clamps: ClassVar[bool] = True  # every registered kernel holds the plan's clamped nodes
    #: Cells whose kernels read ``RunPlan.replica_temperature`` (run() refuses replica exchange
    #: on the others).
    tempering: ClassVar[frozenset] = frozenset()
    #: Cells whose kernels accumulate ``RunPlan.moments`` (run() refuses moments on the others).
    moments: ClassVar[frozenset] = frozenset()
    #: Whether the driver caps each kernel call at :data:`MAX_BLOCK_WORK` (for kernels that hold
    #: the interpreter, compiled loops, so that Ctrl-C is seen between calls).
    interruptible: ClassVar[bool] = False
    #: Time of one work unit of this emulator's kernels relative to the C loops': an interruptible
    #: emulator's call holds at most MAX_BLOCK_WORK / work_cost units.
    work_cost: ClassVar[float] = 1.0

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
        # costs nothing, and its blocks end at recording points, and for interruptible emulators
        # at MAX_BLOCK_WORK (read here, so tests can change it).
        keyed = isinstance(source, CounterKey)
        block = every if keyed else max(1, min(every, MAX_NOISE_BLOCK // max(R * m, 1)))
        if self.interruptible:
            block = min(block, block_steps(R, m, plan.program.couplings.nnz, self.work_cost))
        records, at = [], []
        k = 0
        swap = plan.exchange.every if plan.exchange is not None else plan.steps
        while k < plan.steps:
            stop = min(plan.steps, (k // every + 1) * every, (k // swap + 1) * swap)
            end = k + even_piece(stop - k, block)
            kernel(state, k, end, source if keyed else source((end - k, R, m)))
            k = end
            if plan.progress is not None:
                plan.progress(k)
            if plan.exchange is not None and k % swap == 0 and k < plan.steps:
                plan.exchange(state, k)
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


def block_steps(replicas: int, nodes: int, nnz: int, cost: float = 1.0) -> int:
    """Steps of one kernel call of an interruptible emulator: the most whose work (replicas·(nnz +
    NODE_WORK·nodes) + STEP_WORK per step, each unit ``cost`` times the C loops') fits
    :data:`MAX_BLOCK_WORK`, at least one."""
    return max(1, int(MAX_BLOCK_WORK / cost) // (replicas * (nnz + NODE_WORK * nodes) + STEP_WORK))


def driver_block_steps(replicas: int, width: int) -> int:
    """The most steps one kernel call of any emulator can take (what a block's schedule values
    cost in memory): a pre-drawn noise block's, or a keyed call's under MAX_BLOCK_WORK."""
    return max(MAX_NOISE_BLOCK // max(replicas * width, 1), MAX_BLOCK_WORK // STEP_WORK, 1)


def even_piece(span: int, block: int) -> int:
    """Length of the next call when ``span`` steps remain to the next recording point and a call
    may take ``block``: the span cut into ⌈span/block⌉ near-equal pieces, so the calls of a run
    take at most a few distinct lengths (a jitted kernel compiles once per length)."""
    return -(-span // -(-span // block))


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
