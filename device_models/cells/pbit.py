"""The probabilistic-bit cell (``pbit``): ``s = sign(tanh(I/I₀) − u)``, u uniform on [−1, 1),
coupling currents ``G_ij·V_dd``; one spin per node, updated by graph-coloured sweeps.

Physics (``docs/physics.md#pbit``): one device unit of coupling is ``g_max V_dd`` amperes, so
``T_dev = I₀/(g_max V_dd)``; a sweep updates each colour class in one clock period.  Sweep k, for
each colour class in increasing colour order::

    s_i ← +1 if tanh(I_i/T(k)) > u_i else −1,    I_i = −(h_i + Σ_j J_ij s_j)

Power (``docs/energy.md#pbit``), per update of node i (one clock period ``1/f``): its input row of
conductances ``G_ij = g_max|J_ij|`` (and ``g_max|h_i|``) carries ``G_ij·V_dd`` from outputs at
±V_dd into the virtual-ground input (``V_dd²·Σ_j G_ij/f``), and its tanh stage draws the bias
``I₀`` from the supply (``V_dd·I₀/f``); a sweep updates every node once in ``colours/f`` seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, final

import numpy as np

from device_models.cells.base import (AbstractSpinCell, CellPhysics, CellPower, Component, Preset, Programmed,
                                      flip_costs, row_conductance)
from device_models.schedules import Schedule, ScheduleError

SWEEPS = 1000  # default sweeps of the optimize and sample presets
RECALL_SWEEPS = 20  # zero-temperature sweeps: each flips every spin against its field
ANNEAL_HOT = 0.5  # odds of the costliest flip at the start of an optimisation anneal
ANNEAL_COLD = 0.01  # odds of the cheapest nonzero flip at its end


def anneal_range(program: Programmed, hot: float = ANNEAL_HOT, cold: float = ANNEAL_COLD) -> tuple[float, float]:
    """Start and end temperatures (device units) of a geometric optimisation anneal.

    Starts where the costliest single-spin flip ``ΔE_max`` is taken with odds ``hot``
    (``T = ΔE_max/ln(1/hot)``) and ends where the cheapest nonzero one ``ΔE_min`` is taken with
    odds ``cold`` (``T = ΔE_min/ln(1/cold)``): the β range dwave-samplers' simulated annealing picks.

    Raises:
        ScheduleError: odds out of order, or a program with no couplings or fields.
    """
    if not (0 < cold < hot < 1):
        raise ScheduleError(f"need 0 < cold < hot < 1, got hot={hot!r}, cold={cold!r}")
    hottest, cheapest = flip_costs(program)
    if cheapest == 0:
        raise ScheduleError("the program has no couplings or fields: nothing to anneal")
    return hottest / np.log(1 / hot), cheapest / np.log(1 / cold)


def pbit_anneal(program: Programmed, hot: float = ANNEAL_HOT, cold: float = ANNEAL_COLD) -> Schedule:
    """The optimisation anneal of :func:`anneal_range` as a temperature :class:`Schedule` in model
    units (pass it as ``run(..., temperature=...)``); it is also the ``pbit`` default."""
    if type(program.cell) is not PbitCell:
        raise ScheduleError(f"pbit_anneal is for pbit programs, not {program.cell.name!r}")
    start, stop = anneal_range(program, hot, cold)
    return Schedule.geometric(start * program.scale, stop * program.scale)


@final
@dataclass(frozen=True)
class PbitCell(AbstractSpinCell):
    """Stochastic bit with a clocked, graph-coloured update; one spin (±1) per node."""

    name: ClassVar[str] = "pbit"
    components = {
        "supply": Component("V", doc="supply voltage V_dd"),
        "input_scale": Component("A", doc="input current I₀ of the tanh"),
        "clock": Component("Hz", doc="update clock: one colour class per period"),
    }
    state: ClassVar[tuple[str, ...]] = ("spin",)
    noise: ClassVar[str] = "uniform"
    integrators: ClassVar[tuple[str, ...]] = ("sweep",)
    conductance_terms: ClassVar[frozenset[str]] = frozenset({"fields"})

    def physics(self, components, *, g_max, noise_temperature, node_conductance=0.0, colours=1):
        clock = components["clock"]
        return CellPhysics(colours / clock, components["input_scale"] / (g_max * components["supply"]), 1 / clock)

    def presets(self, program):
        thermal = Schedule.constant(program.physics.thermal_temperature)
        out = {"sample": Preset({"temperature": thermal}, "sweep", steps=SWEEPS),
               "recall": Preset({"temperature": Schedule.constant(0.0)}, "sweep", steps=RECALL_SWEEPS)}
        if flip_costs(program)[1] > 0:
            start, stop = anneal_range(program)
            out["optimize"] = Preset({"temperature": Schedule.geometric(start, stop)}, "sweep", steps=SWEEPS)
        return out

    def stable_dt(self, program, schedules):
        return 1.0  # a sweep has no step size

    def steps_for(self, run_time, dt):
        raise ScheduleError("p-bit runs count sweeps: give steps, not run_time")

    def chip_time(self, steps, dt, physics):
        return steps * physics.time_unit

    def spins(self, program, raw):
        return raw.astype(np.int8), None

    def power(self, program, states, schedules):
        """Watts over a sweep, the same in every state: ``coupling`` (the input rows,
        ``V_dd²·Σ_i G_row,i``) and ``bias`` (``m·V_dd·I₀``), each per update of one clock period,
        divided by the sweep's ``colours`` periods."""
        c = program.device.components
        v_dd, colours = c["supply"], program.physics.time_unit * c["clock"]
        rows = row_conductance(program) + program.device.coupling.g_max * np.abs(program.fields)
        replicas = np.ones(np.shape(states)[0])
        return CellPower({"coupling": replicas * v_dd**2 * float(rows.sum()) / colours,
                          "bias": replicas * program.num_nodes * v_dd * c["input_scale"] / colours})

    def encode(self, program, spins, rng, jitter=0.0):
        """The spins themselves (a p-bit holds its spin)."""
        return np.asarray(spins, dtype=np.float64)
