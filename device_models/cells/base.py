"""The cell abstraction: everything SONQ knows about one kind of analog cell.

A cell class owns its YAML component schema, its physics (time unit, temperature scale, readout
time), the model domain it accepts, which node terms the compiler realises as conductances, its
state layout (variables per node), the schedules its dynamics read, its step rules and default
protocols, its initial state and its readout.  Nothing outside a cell switches on a cell's name:
the compiler and the runtime ask the cell, and each backend registers one kernel per cell class
(:mod:`runtime.backends.base`).  Adding a cell is one subclass here, its kernels, and a YAML chip
(``docs/architecture.md``).

Units (``docs/physics.md#conventions``): emulators work in the cell's time unit τ₀ (seconds) and in *device
units* of energy, in which the largest programmed conductance is 1; model energies are
``E_model = scale · E_device``.  Schedules in a :class:`Preset` are in device units.
"""

from __future__ import annotations

import abc
import math
from dataclasses import dataclass, field
from typing import ClassVar, Mapping, Protocol

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from device_models.errors import DeviceSpecError
from device_models.schedules import Schedule

K_BOLTZMANN = 1.380649e-23  # J/K
MODES = ("optimize", "sample", "recall")


@dataclass(frozen=True)
class Component:
    """One component value of a cell's YAML ``components`` mapping.

    Attributes:
        unit: SI unit symbol the value is parsed in (``"H"``, ``"F"``, ``"V"``, ...).
        required: whether a chip file must give it.
        doc: what the value is, for the schema documentation.
    """

    unit: str
    required: bool = True
    doc: str = ""


@dataclass(frozen=True)
class CellPhysics:
    """Derived scales of one device.

    Attributes:
        time_unit: seconds per unit of emulator time (per sweep for sweep cells).
        thermal_temperature: temperature in device energy units set by ``noise_temperature``.
        readout_time: seconds to read the state out once a run ends.
        omega0: tank resonance 1/√(LC) in rad/s (oscillator cells with a tank, else 0).
    """

    time_unit: float
    thermal_temperature: float
    readout_time: float = 0.0
    omega0: float = 0.0


@dataclass(frozen=True)
class Preset:
    """A cell's default protocol for one mode of use.

    Attributes:
        schedules: every schedule the cell's dynamics read, device units (``temperature`` in
            device energy units).
        integrator: the step rule.
        steps: steps (sweeps) when the caller gives neither ``steps`` nor ``run_time``; None to use
            ``run_time``.
        run_time: the run's length in device time units when ``steps`` is None.
        dt_factor: the step as a multiple of the cell's accuracy step :meth:`AbstractCell.stable_dt`
            (1: the accuracy rule; larger: an optimisation run that trades accuracy for reach).
    """

    schedules: Mapping[str, Schedule]
    integrator: str
    steps: int | None = None
    run_time: float | None = None
    dt_factor: float = 1.0


@dataclass(frozen=True)
class CellPower:
    """Electrical power of a chip in given states, by part (``docs/energy.md``).

    Attributes:
        parts: part name → (replicas,) watts each part dissipates (or, where the cell says so,
            consumes); the chip's power is their sum, :attr:`total`.
        supplied: optional split of the same power by the element that supplies it (part name →
            (replicas,) watts, summing to :attr:`total`); empty when the cell does not model it.
    """

    parts: Mapping[str, np.ndarray]
    supplied: Mapping[str, np.ndarray] = field(default_factory=dict)

    @property
    def total(self) -> np.ndarray:
        """(replicas,) watts."""
        return sum(np.asarray(v, dtype=np.float64) for v in self.parts.values())


class Programmed(Protocol):
    """What a cell reads of a compiled program (``compiler.program.Program`` satisfies this)."""

    device: "object"
    couplings: sp.csr_matrix
    fields: np.ndarray
    poly: np.ndarray
    scale: float
    reference: bool
    physics: CellPhysics

    @property
    def num_nodes(self) -> int: ...


@dataclass(frozen=True)
class AbstractCell(abc.ABC):
    """A kind of analog cell.  Concrete cells are final subclasses with no fields: every instance
    of one class is equal to every other (so cells compare, hash and pickle as values).

    Class attributes:
        name: the YAML ``cell:`` value.
        domain: model variables the cell holds: ``"spin"`` or ``"real"``.
        components: the YAML ``components`` schema.
        state: names of the per-node state variables, in storage order.  A run's state array is
            (replicas, len(state)·m): variable v of node i at column ``v·m + i``.
        noise: ``"normal"`` (Gaussian increments) or ``"uniform"`` (on [−1, 1)); one draw per node
            and step, shape (steps, replicas, m).
        schedules: names of the per-step controls the dynamics read (``temperature`` first).
        integrators: step rules the cell supports; the first is the default for sampling.
        conductance_terms: node terms the compiler realises as conductances, so they count in the
            full-scale normalisation and are quantized on the DAC: ``"fields"`` (h) and/or
            ``"quadratic"`` (the conductance to ground 2c₂).
        reference_fields: fields ride on a trailing reference node coupled with ``J_0i = h_i``.
        stability: λ_max·dt of the accuracy step (continuous-time cells).
    """

    name: ClassVar[str]
    domain: ClassVar[str]
    components: ClassVar[Mapping[str, Component]]
    state: ClassVar[tuple[str, ...]] = ("x",)
    noise: ClassVar[str] = "normal"
    schedules: ClassVar[tuple[str, ...]] = ("temperature",)
    integrators: ClassVar[tuple[str, ...]] = ("heun", "euler")
    conductance_terms: ClassVar[frozenset[str]] = frozenset()
    reference_fields: ClassVar[bool] = False
    stability: ClassVar[float] = 0.1

    def __str__(self) -> str:
        return self.name

    @property
    def width(self) -> int:
        """State variables per node."""
        return len(self.state)

    @abc.abstractmethod
    def physics(self, components: Mapping[str, float], *, g_max: float, noise_temperature: float,
                node_conductance: float = 0.0, colours: int = 1) -> CellPhysics:
        """Scales of a device with these ``components`` (SI), full-scale conductance ``g_max``
        (siemens) and ``noise_temperature`` (kelvin).  ``node_conductance``: siemens loading one
        node (coupling and padding); ``colours``: colour classes of the coupling graph."""

    @abc.abstractmethod
    def presets(self, program: Programmed) -> dict[str, Preset]:
        """Default protocols by mode (:data:`MODES`; a cell offers those that make sense):
        ``"optimize"`` anneals towards low energy, ``"sample"`` samples at a temperature with the
        accurate step rule, ``"recall"`` relaxes without noise from a given state into the nearest
        stable one (associative memory)."""

    def default_mode(self) -> str:
        """The mode of a run given no schedule: optimisation for discrete variables (as Ocean
        samplers anneal towards low energy), sampling for continuous ones."""
        return "optimize" if self.domain == "spin" else "sample"

    def stable_dt(self, program: Programmed, schedules: Mapping[str, Schedule]) -> float:
        """The accuracy step (device time units): λ_max·dt = :attr:`stability` with λ_max estimated
        by ‖J‖₂ plus the node's own stiffness under ``schedules``."""
        lam = spectral_norm(program.couplings) + self.stiffness(program, schedules)
        return self.stability / max(lam, 1e-12)

    def stiffness(self, program: Programmed, schedules: Mapping[str, Schedule]) -> float:
        """Largest curvature of the node terms over the run (device units); 0 by default."""
        return 0.0

    def steps_for(self, run_time: float, dt: float) -> int:
        """Steps covering ``run_time`` device time units."""
        return math.ceil(run_time / dt)

    def chip_time(self, steps: int, dt: float, physics: CellPhysics) -> float:
        """Seconds of chip time ``steps`` steps of ``dt`` take."""
        return steps * dt * physics.time_unit

    @abc.abstractmethod
    def initial_state(self, rng: np.random.Generator, replicas: int, nodes: int) -> np.ndarray:
        """Default initial states, (replicas, width·nodes)."""

    @abc.abstractmethod
    def decode(self, program: Programmed, raw: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Node states (..., width·m) → model variables (..., n) (spins ±1 as int8, or reals) and
        the poorly-read flags (..., n) or None."""

    def warnings(self, components: Mapping[str, float], loading: float, physics: CellPhysics) -> list[str]:
        """Compile-time notes on a program whose heaviest node is loaded by ``loading`` siemens."""
        return []

    def power(self, program: Programmed, states: np.ndarray, schedules: Mapping[str, float]) -> CellPower:
        """Average electrical power of the chip holding ``states`` (replicas, width·m) under the
        schedule values ``schedules`` (the cell's :attr:`schedules` at that instant, device units):
        watts by part, from the device's components and the programmed couplings
        (``docs/energy.md`` states each cell's model and its assumptions).

        Raises:
            DeviceSpecError: the cell has no power model.
        """
        raise DeviceSpecError(f"{self.name!r} cells have no power model (AbstractCell.power)")


@dataclass(frozen=True)
class AbstractSpinCell(AbstractCell):
    """A cell holding an Ising spin per node, read out as ±1."""

    domain: ClassVar[str] = "spin"

    @abc.abstractmethod
    def spins(self, program: Programmed, raw: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Node states (..., width·m) → spins (..., n) int8 and poorly-read flags or None."""

    def decode(self, program, raw):
        return self.spins(program, raw)

    def encode(self, program: Programmed, spins: np.ndarray, rng: np.random.Generator,
               jitter: float = 0.0) -> np.ndarray:
        """Node states (..., width·m) that read out as ``spins`` (..., n): a cue or a chain's start.
        ``jitter``: spread of Gaussian noise added to continuous state variables."""
        raise NotImplementedError(f"{self.name!r} cells cannot start from given spins yet")

    def initial_state(self, rng, replicas, nodes):
        return rng.choice([-1.0, 1.0], size=(replicas, self.width * nodes))


def relative_to_reference(spins: np.ndarray, poor: np.ndarray, reference: bool) -> tuple[np.ndarray, np.ndarray]:
    """Node spins and flags (..., m) → variables' (..., n): with a trailing reference node (which
    carries the fields), each spin is read relative to the reference's (n = m − 1)."""
    if reference:
        return spins[..., :-1] * spins[..., -1:], poor[..., :-1]
    return spins, poor


def spectral_norm(J: sp.spmatrix) -> float:
    """‖J‖₂ of a symmetric sparse matrix (largest |eigenvalue|), deterministic."""
    n = J.shape[0]
    if J.nnz == 0:
        return 0.0
    if n <= 64:
        return float(np.abs(np.linalg.eigvalsh(J.toarray())).max())
    return float(abs(spla.eigsh(J, k=1, which="LM", v0=np.ones(n), tol=1e-3, return_eigenvectors=False)[0]))


def coupling_scale(program: Programmed) -> float:
    """RMS row norm ``s = √(mean_i Σ_j J_ij²)`` of the programmed couplings (device units): the
    typical local field, the unit of the oscillator protocols (1 when there are no couplings)."""
    J = program.couplings
    s = math.sqrt(float(J.multiply(J).sum()) / program.num_nodes) if J.nnz else 0.0
    return s if s > 0 else 1.0


def flip_costs(program: Programmed) -> tuple[float, float]:
    """The costliest single-spin flip ``2·max_i(|h_i| + Σ_j |J_ij|)`` and the cheapest nonzero one
    ``2·min(|J_ij|, |h_i| ≠ 0)``, device units; (0, 0) for a program with no terms."""
    J = abs(sp.csr_matrix(program.couplings))
    h = np.abs(program.fields)
    costs = np.r_[J.data[J.data > 0], h[h > 0]]
    if costs.size == 0:
        return 0.0, 0.0
    return 2 * float((h + np.asarray(J.sum(axis=1)).ravel()).max()), 2 * float(costs.min())


def row_conductance(program: Programmed) -> np.ndarray:
    """(m,) siemens of programmed coupling on each node, ``g_max·Σ_j |J_ij|``."""
    J = abs(sp.csr_matrix(program.couplings))
    return program.device.coupling.g_max * np.asarray(J.sum(axis=1)).ravel()


__all__ = ["AbstractCell", "AbstractSpinCell", "CellPhysics", "CellPower", "row_conductance", "Component", "Preset", "Programmed", "MODES",
           "K_BOLTZMANN", "relative_to_reference", "spectral_norm", "coupling_scale", "flip_costs"]
