"""Small circuits and devices shared by the circuit-level tests."""

from __future__ import annotations

import numpy as np

import sdk
from compiler.netlist import Branches, Circuit

K_B = 1.380649e-23

OIM8 = sdk.DeviceSpec.from_dict(dict(
    name="oim8", cell="oim", cells=8, topology="all_to_all",
    components=dict(inductance="10 nH", capacitance="1 pF", amplitude="0.5 V", loss_conductance="20 uS"),
    coupling=dict(g_max="100 uS", g_min="0.5 uS", dac_bits=6), noise_temperature="300 K"))

A4 = np.array([[2.0, -0.5, 0.0, -0.3], [-0.5, 2.0, -0.4, 0.0], [0.0, -0.4, 2.0, -0.6], [-0.3, 0.0, -0.6, 2.0]])


def four_cell_ising() -> sdk.IsingModel:
    J = np.zeros((4, 4))
    J[0, 1], J[1, 2], J[2, 3], J[0, 3], J[0, 2] = 1.0, -1.0, 1.0, 0.5, -0.5
    return sdk.IsingModel(np.zeros(4), J)


def rlc_tank(C: float, L: float, g: float, T: float, dt: float, steps: int) -> Circuit:
    """One parallel RLC tank on node 1 with the resistor's Johnson noise at temperature T."""
    none = Branches.of([])
    return Circuit("rlc tank", 1, Branches.of([(1, 0, C)]), Branches.of([(1, 0, g)]), Branches.of([(1, 0, L)]),
                   none, np.zeros(0), none, none, none, 0.0, np.zeros((1, 2)), Branches.of([(1, 0, 2 * K_B * g)]),
                   np.zeros(1, dtype=np.int64), np.full((1, steps + 1), T), dt, steps, np.zeros(1), np.zeros(1),
                   np.array([[1, 0]]), 1.0)
