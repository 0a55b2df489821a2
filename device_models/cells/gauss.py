"""The Gaussian / Langevin sampler cell (``gauss``): grounded capacitors c₀, transconductor
couplings ``G = g_max·A_dev``, node voltage ``v = V₀ x``; one real variable per node.

Physics (``docs/physics.md#gauss``): ``τ₀ = c₀/g_max`` and the noise of temperature T gives
``T_dev = kT/(c₀V₀²)``.  Overdamped Langevin in device units::

    dx = −(h + Jx + 2c₂x + 3c₃x² + 4c₄x³) dt + √(2T dt) ξ

samples ``p ∝ exp(−E/T)`` (``N(A⁻¹b, T·A⁻¹)`` for a Gaussian ``½xᵀAx − bᵀx``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, final

import numpy as np

from device_models.cells.base import K_BOLTZMANN, AbstractCell, CellPhysics, Component, Preset
from device_models.schedules import Schedule

STEPS = 2000  # default steps of a sampling run


@final
@dataclass(frozen=True)
class GaussCell(AbstractCell):
    """Capacitor node with a controlled restoring current; one real variable per node."""

    name: ClassVar[str] = "gauss"
    domain: ClassVar[str] = "real"
    components = {
        "capacitance": Component("F", doc="node capacitance c₀"),
        "voltage_scale": Component("V", doc="volts per model unit V₀"),
        "inductance": Component("H", required=False, doc="series inductance of the underdamped design PL"),
    }
    conductance_terms: ClassVar[frozenset[str]] = frozenset({"quadratic"})
    stability: ClassVar[float] = 0.05

    def physics(self, components, *, g_max, noise_temperature, node_conductance=0.0, colours=1):
        c0, V0 = components["capacitance"], components["voltage_scale"]
        return CellPhysics(c0 / g_max, K_BOLTZMANN * noise_temperature / (c0 * V0**2))

    def presets(self, program):
        thermal = Schedule.constant(program.physics.thermal_temperature)
        return {"sample": Preset({"temperature": thermal}, "heun", steps=STEPS)}

    def stiffness(self, program, schedules):
        """|2c₂| plus the quartic stiffness 12c₄x² at twice the well position (plus one)."""
        c2, c4 = program.poly[:, 0], program.poly[:, 2]
        wells = np.sqrt(np.abs(c2) / (2 * np.where(c4 > 0, c4, np.inf)))
        return float(np.max(np.abs(2 * c2) + 12 * c4 * (2 * wells + 1) ** 2))

    def initial_state(self, rng, replicas, nodes):
        return np.zeros((replicas, nodes))

    def decode(self, program, raw):
        return raw.copy(), None
