"""Cell physics: how a cell's component values set its time unit and thermal temperature.

Every emulator works in scaled units: time in the cell's time unit τ₀ (seconds) and energy in
"device units" where the largest programmed coupling is 1.  A model energy E relates to device
energy by ``E_model = scale · E_device``; the compiler chooses ``scale``.

* ``oim`` — LC tank (L, C) with a negative-resistance element holding amplitude A.  Resistive
  coupling G_ij gives the phase-coupling rate ``K J'_ij = G_ij / (2C)`` (PHYSICS.md), so one device
  unit of coupling is ``K = g_max/(2C)`` rad/s and τ₀ = 1/K.  Node current noise of two-sided PSD
  ``S₂ = 2 k T g_node`` diffuses the phase with ``D_φ = S₂/(4A²C²)``; the phase model samples
  ``exp(−K H/D_φ)``, i.e. the Ising temperature ``T_dev = D_φ/K``.
* ``pbit`` — stochastic bit ``s = sign(tanh(I/I₀) − u)``; coupling current ``G_ij·V_dd``.  One
  device unit of coupling is ``g_max V_dd`` amperes, so ``T_dev = I₀/(g_max V_dd)``.  A sweep
  updates each colour class in one clock period.
* ``gauss`` — design I: grounded c₀, transconductor couplings ``G = g_max·A_dev``, node voltage
  ``v = V₀ x``.  Then ``τ₀ = c₀/g_max`` and the noise of temperature T gives
  ``T_dev = k T/(c₀ V₀²)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from device_models.spec import DeviceSpec

K_BOLTZMANN = 1.380649e-23  # J/K
READOUT_PERIODS = 10  # oscillation periods an oim lock-in readout integrates over


@dataclass(frozen=True)
class CellPhysics:
    """Derived scales of one device.

    Attributes:
        time_unit: seconds per unit of emulator time (per sweep for ``pbit``).
        thermal_temperature: temperature in device energy units set by ``noise_temperature``.
        readout_time: seconds to read the state out once a run ends: a lock-in over
            :data:`READOUT_PERIODS` tank periods (``oim``), one clock period (``pbit``), none
            (``gauss``: the voltages are sampled directly).
        omega0: tank resonance 1/√(LC) in rad/s (``oim`` only, else 0).
    """

    time_unit: float
    thermal_temperature: float
    readout_time: float = 0.0
    omega0: float = 0.0


def cell_physics(spec: DeviceSpec, *, node_conductance: float = 0.0, colours: int = 1) -> CellPhysics:
    """Scales of ``spec``'s cell.

    Args:
        spec: the device.
        node_conductance: total conductance loading one ``oim`` node (siemens), coupling and
            padding included; the tank's own loss conductance is added here.
        colours: colour classes per ``pbit`` sweep.
    """
    c = spec.components
    kT = K_BOLTZMANN * spec.noise_temperature
    g_max = spec.coupling.g_max
    if spec.cell == "oim":
        C, A = c["capacitance"], c["amplitude"]
        K = g_max / (2 * C)
        g_node = node_conductance + c.get("loss_conductance", 0.0)
        D_phi = 2 * kT * g_node / (4 * A**2 * C**2)
        omega0 = 1 / math.sqrt(c["inductance"] * C)
        return CellPhysics(1 / K, D_phi / K, READOUT_PERIODS * 2 * math.pi / omega0, omega0)
    if spec.cell == "pbit":
        return CellPhysics(colours / c["clock"], c["input_scale"] / (g_max * c["supply"]), 1 / c["clock"])
    if spec.cell == "gauss":
        c0, V0 = c["capacitance"], c["voltage_scale"]
        return CellPhysics(c0 / g_max, kT / (c0 * V0**2))
    raise ValueError(f"no physics for cell {spec.cell!r}")
