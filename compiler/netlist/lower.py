"""Lower a :class:`~compiler.program.Program` and its run settings to a :class:`Circuit`.

``oim`` (docs/physics.md#oim): cell c is a differential LC tank on nodes ``p = 2c+1``, ``n = 2c+2``:
pumped capacitors 2C from p and n to ground (differential capacitance C, ``C(t) = C(1 + μ cos 2ω₀t)``
gives ``K_s = μω₀/4``), inductor L across p–n, a van der Pol element across p–n, loss plus padding
as resistors ``2(g_loss + G_pad,c)`` from p and from n to ground, and every coupling as two
resistors ``2G_ij`` (``G_ij = g_max·|J_ij|``): p–p and n–n when ``J_ij < 0`` (dimod sign:
ferromagnetic, locks in phase), p–n and n–p when ``J_ij > 0`` (locks anti-phase).  The
differential mode ``v = v_p − v_n`` then obeys ``C dv/dt = −i_L − Σ_j G_ij (v_i ∓ v_j) − … ``.
Annealing noise above the resistors' own Johnson noise is injected across each tank with two-sided
PSD ``S₂ = 4A²C²·K·T`` (``T`` in device units).

``gauss`` design I: grounded ``c₀``, transconductors ``g₀A`` (any sign), injected noise
``S₂ = 2kT_eff g₀`` per node, ``i_in = −g₀V₀h``.  Design P: ``C = c₀A`` and ``G = g₀A`` built from
grounded and floating capacitors and resistors (A must be an M-matrix), Johnson noise of every
resistor at ``T_eff``.  Design PL (underdamped): design P with an inductor ``ℓ₀/a_e`` (``ℓ₀`` the
device's ``inductance``) in series with each resistor ``g₀a_e``, so the inductance matrix is
``Γ = A/ℓ₀`` and every branch has ``L/R = ℓ₀g₀``; with ``C = c₀A`` each normal mode is the same
damped oscillator ``c₀ẍ + (c₀/ℓ₀g₀)ẋ + x/ℓ₀ = …`` (``ω₀ = 1/√(ℓ₀c₀)``, ``Q = g₀√(ℓ₀/c₀)``).  The
energy ``½vᵀCv + ½Σ L_e i_e²`` is block diagonal, so at ``T_eff`` the voltages keep design P's
``N(V₀A⁻¹b, (kT_eff/c₀)A⁻¹)`` and each branch current is independent with variance ``kT_eff/L_e``;
the resistors' noise is their series EMF (:mod:`compiler.netlist.circuit`).  Here ``g₀ = g_max``, ``A`` the device-unit precision ``J + diag(2c₂)`` and
``kT_eff = T·c₀V₀²``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Callable, Mapping, NamedTuple

import numpy as np
import scipy.sparse as sp

from compiler.netlist.circuit import Branches, Circuit, pwl_points
from compiler.program import Program
from device_models.cells import K_BOLTZMANN, AbstractCell, GaussCell, OimCell
from device_models.errors import CompileError

GAUSS_DESIGNS = ("I", "P", "PL")
MAX_SAMPLES = 1 << 25  # circuit samples of one lowering (each schedule array: 256 MiB)


@dataclass(frozen=True)
class CircuitOptions:
    """Circuit-level choices that the Program does not fix.

    Attributes:
        steps_per_period: ``oim`` samples per oscillation period (ω₀·dt = 2π/steps_per_period).
        periods_per_time_unit: ``oim`` oscillation periods per time unit 1/K; ``None`` keeps the
            device's inductance, a number resizes L (fewer periods: cheaper, less accurate phase
            macromodel).
        substeps: ``gauss`` samples per plan step.
        gauss_design: ``"I"`` (active, any SPD A), ``"P"`` (passive, A an M-matrix) or ``"PL"``
            (design P with series inductors, underdamped when ``Q = g₀√(ℓ₀/c₀) > ½``; needs the
            device's ``inductance`` ℓ₀).
        vdp_excess: ``oim`` negative conductance beyond the tank's loading, in units of g_max
            (amplitude relaxes at ``vdp_excess·K``).
    """

    steps_per_period: int = 64
    periods_per_time_unit: float | None = None
    substeps: int = 1
    gauss_design: str = "I"
    vdp_excess: float = 5.0

    def __post_init__(self):
        if self.steps_per_period < 8:
            raise CompileError(f"steps_per_period must be ≥ 8, got {self.steps_per_period!r}")
        if self.substeps < 1:
            raise CompileError(f"substeps must be ≥ 1, got {self.substeps!r}")
        if self.gauss_design not in GAUSS_DESIGNS:
            raise CompileError(f"gauss_design must be one of {GAUSS_DESIGNS}, got {self.gauss_design!r}")
        if self.periods_per_time_unit is not None and not self.periods_per_time_unit > 0:
            raise CompileError(f"periods_per_time_unit must be positive, got {self.periods_per_time_unit!r}")


@dataclass(frozen=True)
class Lowered:
    """A circuit and how its samples map to plan steps: plan step k is circuit sample k·substeps."""

    circuit: Circuit
    substeps: int


def lower(program: Program, *, steps: int, dt: float, schedules: Mapping[str, np.ndarray], init: np.ndarray,
          options: CircuitOptions = CircuitOptions()) -> Lowered:
    """Build the circuit of one replica.

    Args:
        program: a program of a cell with a circuit (:func:`circuit_cells`: ``oim``, ``gauss``).
        steps, dt: plan steps and step in device time units.
        schedules: (steps,) per plan step of each schedule the cell reads, device units:
            ``temperature`` (noise temperature) and, for ``oim``, ``shil`` (SHIL strength K_s).
        init: (m,) initial state: phases (radians) for ``oim``, x for ``gauss``.
        options: circuit-level choices.

    Raises:
        CompileError: the cell has no circuit.
    """
    return _lowering(program).build(program, steps, dt, schedules, init, options)


def with_initial_state(program: Program, circuit: Circuit, init: np.ndarray) -> Circuit:
    """``circuit`` (lowered from ``program``) starting from the plan state ``init`` (m,): ``oim``
    phases φ (radians) start each tank at ``±½A cos φ`` (V) across its two nodes with inductor
    current ``C A ω₀ sin φ`` (A); ``gauss`` states x start at ``V₀ x`` with no inductor current.
    Replicas share one lowered circuit and differ only in this."""
    return _lowering(program).initial(program, circuit, np.asarray(init, dtype=np.float64))


def circuit_cells() -> frozenset[str]:
    """Names of the cells that have a circuit."""
    return frozenset(cell.name for cell in LOWERINGS)


def _lowering(program: Program) -> "_Lowering":
    try:
        return LOWERINGS[type(program.cell)]
    except KeyError:
        raise CompileError(f"no circuit for cell {program.cell.name!r} (circuits exist for "
                           f"{sorted(circuit_cells())})") from None


def _oim_initial(program: Program, circuit: Circuit, x: np.ndarray) -> Circuit:
    c = program.device.components
    A, omega = c["amplitude"], circuit.pump_omega / 2
    return replace(circuit, v0=np.ravel(np.stack([0.5 * A * np.cos(x), -0.5 * A * np.cos(x)], axis=1)),
                   i0=c["capacitance"] * A * omega * np.sin(x))


def _gauss_initial(program: Program, circuit: Circuit, x: np.ndarray) -> Circuit:
    return replace(circuit, v0=program.device.components["voltage_scale"] * x, i0=np.zeros(len(circuit.inductors)))


def _substeps(steps: int, per_step: float) -> int:
    """Circuit samples per plan step (⌈per_step⌉, at least 1), refusing a circuit of more than
    MAX_SAMPLES samples before any array of that length exists."""
    if not (math.isfinite(per_step) and steps * max(per_step, 1.0) <= MAX_SAMPLES):
        raise CompileError(f"the circuit would need {steps * per_step:.3g} samples (over {MAX_SAMPLES:.3g}): a plan "
                           "step spans too many oscillation periods; give a smaller dt or fewer steps")
    return max(1, math.ceil(per_step))


def _resample(per_step: np.ndarray, sub: int) -> np.ndarray:
    """Plan-step values (steps,) → circuit samples (steps·sub + 1,), linear between plan steps."""
    per_step = np.asarray(per_step, dtype=np.float64)
    k = np.arange(per_step.size * sub + 1) / sub
    return np.interp(k, np.arange(per_step.size), per_step)


def _labels(program: Program) -> list[str]:
    names = [str(x) for x in program.model.labels]
    return names + ["reference"] if program.reference else names


def _oim(program, steps, dt, schedules, init, opt) -> Lowered:
    temperature, shil = schedules["temperature"], schedules["shil"]
    c = program.device.components
    C, A, g_loss = c["capacitance"], c["amplitude"], c.get("loss_conductance", 0.0)
    g_max = program.device.coupling.g_max
    K = g_max / (2 * C)
    omega = (2 * math.pi * opt.periods_per_time_unit * K if opt.periods_per_time_unit
             else 1 / math.sqrt(c["inductance"] * C))
    L = 1 / (omega**2 * C)
    sub = _substeps(steps, dt / K / (2 * math.pi / omega / opt.steps_per_period))
    h = dt / K / sub
    m = program.num_nodes
    p = 2 * np.arange(m) + 1
    n = p + 1
    J = sp.triu(program.couplings, k=1).tocoo()
    G = g_max * np.abs(J.data)
    load = np.zeros(m)
    np.add.at(load, J.row, G)
    np.add.at(load, J.col, G)
    g_ground = g_loss + (load.max() - load)
    couplings = []
    for i, j, g, s in zip(J.row, J.col, G, np.sign(J.data)):
        pairs = [(p[i], p[j]), (n[i], n[j])] if s < 0 else [(p[i], n[j]), (n[i], p[j])]
        couplings += [(a, b, 2 * g) for a, b in pairs]
    grounds = [(node, 0, 2 * g) for node, g in zip(np.ravel(np.stack([p, n], 1)), np.repeat(g_ground, 2)) if g > 0]
    resistors = Branches.of(couplings + grounds)
    g_tot = g_loss + load.max()
    excess = opt.vdp_excess * g_max
    depth = 4 * K / omega * _resample(shil, sub)
    if np.any(np.abs(depth) >= 1):
        raise CompileError(f"SHIL up to {np.abs(shil).max():.3g} K needs a pump depth 4K_s/ω0 = {np.abs(depth).max():.3g} "
                           "≥ 1 (the capacitance would turn negative); raise periods_per_time_unit")
    t_thermal = program.physics.thermal_temperature
    t_inj = np.maximum(_resample(temperature, sub) - t_thermal, 0.0)
    noise = [(a, b, 2 * K_BOLTZMANN * g, 0) for a, b, g in zip(resistors.a, resistors.b, resistors.value)]
    if np.any(t_inj > 0):
        noise += [(p[i], n[i], 4 * A**2 * C**2 * K, 1) for i in range(m)]
    schedule = np.stack([np.full(t_inj.size, program.device.noise_temperature), t_inj])
    circuit = Circuit(
        title=f"SONQ oim circuit of {program.device.name}", num_nodes=2 * m,
        capacitors=Branches.of([]), resistors=resistors,
        inductors=Branches.of([(p[i], n[i], L) for i in range(m)]), inductor_r=np.zeros(m),
        vdp=Branches.of([(p[i], n[i], g_tot + excess) for i in range(m)]),
        vdp_gamma=np.full(m, 4 * excess / (3 * A**2)),
        vccs=Branches.of([]), dc=Branches.of([]),
        pump=Branches.of([(node, 0, 2 * C) for node in np.ravel(np.stack([p, n], 1))]),
        pump_omega=2 * omega, pump_depth=pwl_points(depth, h),
        noise=Branches.of([s[:3] for s in noise]), noise_kind=np.array([s[3] for s in noise], dtype=np.int64),
        noise_branch=np.full(len(noise), -1), noise_schedule=schedule, dt=h, steps=steps * sub, v0=np.zeros(2 * m), i0=np.zeros(m),
        probes=np.stack([p, n], axis=1), probe_scale=A, labels=tuple(_labels(program)),
    )
    return Lowered(with_initial_state(program, circuit, init), sub)


def _gauss(program, steps, dt, schedules, init, opt) -> Lowered:
    temperature = schedules["temperature"]
    c = program.device.components
    c0, V0 = c["capacitance"], c["voltage_scale"]
    g0 = program.device.coupling.g_max
    m = program.num_nodes
    A = program.couplings.toarray() + np.diag(2 * program.poly[:, 0])
    if np.any(program.poly[:, 1:]):
        raise CompileError("the gauss circuit realizes quadratic energies only (x³, x⁴ terms are not zero)")
    sub = _substeps(steps, opt.substeps)
    h = dt * program.physics.time_unit / sub
    nodes = np.arange(m) + 1
    temps = _resample(temperature, sub)
    weight = 2 * c0 * V0**2  # S₂ = 2kT_eff·g with kT_eff = T·c₀V₀²: weight per siemens
    empty = Branches.of([])
    if opt.gauss_design == "I":
        rows, cols = np.nonzero(A)
        caps = Branches.of([(a, 0, c0) for a in nodes])
        resistors, vccs = empty, Branches.of([(nodes[i], nodes[j], g0 * A[i, j]) for i, j in zip(rows, cols)])
        inductors, inductor_r = empty, np.zeros(0)
        noise = Branches.of([(a, 0, weight * g0) for a in nodes])
        noise_branch = np.full(m, -1)
    else:
        edges = _m_matrix_edges(A, nodes)
        caps = Branches.of([(a, b, c0 * v) for a, b, v in edges])
        branches = Branches.of([(a, b, g0 * v) for a, b, v in edges])
        vccs = empty
        noise = Branches.of([(a, b, weight * g) for a, b, g in zip(branches.a, branches.b, branches.value)])
        if opt.gauss_design == "P":
            resistors, inductors, inductor_r = branches, empty, np.zeros(0)
            noise_branch = np.full(len(noise), -1)
        else:
            if "inductance" not in c:
                raise CompileError(f"gauss_design='PL' needs the device's 'inductance' component; "
                                   f"{program.device.name!r} has none")
            resistors, inductor_r = empty, 1 / branches.value
            inductors = Branches.of([(a, b, c["inductance"] / v) for a, b, v in edges])
            noise_branch = np.arange(len(noise))
    circuit = Circuit(
        title=f"SONQ gauss design {opt.gauss_design} circuit of {program.device.name}", num_nodes=m,
        capacitors=caps, resistors=resistors, inductors=inductors, inductor_r=inductor_r, vdp=empty,
        vdp_gamma=np.zeros(0),
        vccs=vccs, dc=Branches.of([(a, 0, -g0 * V0 * hv) for a, hv in zip(nodes, program.fields) if hv != 0]),
        pump=empty, pump_omega=0.0, pump_depth=np.zeros((1, 2)),
        noise=noise, noise_kind=np.zeros(len(noise), dtype=np.int64), noise_branch=noise_branch,
        noise_schedule=temps[None, :], dt=h, steps=steps * sub, v0=np.zeros(m), i0=np.zeros(len(inductors)),
        probes=np.stack([nodes, np.zeros(m, dtype=np.int64)], axis=1), probe_scale=V0,
        labels=tuple(_labels(program)),
    )
    return Lowered(with_initial_state(program, circuit, init), sub)


def _m_matrix_edges(A: np.ndarray, nodes: np.ndarray) -> list[tuple[int, int, float]]:
    """Branches (a, b, weight) whose Laplacian-plus-ground matrix is A: grounded weights the row
    sums, floating ones ``−A_ij``.  Raises CompileError unless A is an M-matrix."""
    off = A - np.diag(np.diag(A))
    rowsum = A.sum(axis=1)
    if np.any(off > 0) or np.any(rowsum < -1e-12 * np.abs(A).max()):
        raise CompileError("gauss designs P and PL need A to be an M-matrix (off-diagonals ≤ 0, diagonally "
                           "dominant); use gauss_design='I' for a general SPD A")
    iu, ju = np.nonzero(np.triu(off < 0, 1))
    grounded = [(nodes[i], 0, rowsum[i]) for i in range(len(nodes)) if rowsum[i] > 0]
    return grounded + [(nodes[i], nodes[j], -A[i, j]) for i, j in zip(iu, ju)]


class _Lowering(NamedTuple):
    """A cell's circuit: ``build(program, steps, dt, schedules, init, options) → Lowered`` and
    ``initial(program, circuit, init) → Circuit``."""

    build: Callable[..., Lowered]
    initial: Callable[[Program, Circuit, np.ndarray], Circuit]


LOWERINGS: dict[type[AbstractCell], _Lowering] = {OimCell: _Lowering(_oim, _oim_initial),
                                                   GaussCell: _Lowering(_gauss, _gauss_initial)}
