"""The Gaussian / Langevin sampler cell (``gauss``): grounded capacitors c₀, transconductor
couplings ``G = g_max·A_dev``, node voltage ``v = V₀ x``; one real variable per node.

Physics (``docs/physics.md#gauss``): ``τ₀ = c₀/g_max`` and the noise of temperature T gives
``T_dev = kT/(c₀V₀²)``.  Overdamped Langevin in device units::

    dx = −(h + Jx + 2c₂x + 3c₃x² + 4c₄x³) dt + √(2T dt) ξ

samples ``p ∝ exp(−E/T)`` (``N(A⁻¹b, T·A⁻¹)`` for a Gaussian ``½xᵀAx − bᵀx``).

Power (``docs/energy.md#gauss``): the restoring network (resistors of design P, transconductors
of design I) carries ``g_max·V₀·(Jx + 2c₂x + 3c₃x² + 4c₄x³)`` out of each node at ``v = V₀x`` and
dissipates ``g_max·V₀²·Σ_i x_i·(Jx + 2c₂x + 3c₃x² + 4c₄x³)_i`` (``g_max·V₀²·xᵀAx`` for a Gaussian),
split into the part of the mean state ``μ`` (``Aμ = −h``, A = J + diag(2c₂): the stationary mean of a
Gaussian; μ = 0 where A is singular) and each replica's rest, the fluctuations (whose mean at the
stationary law of a Gaussian is ``g_max·V₀²·tr(AΣ) = n·g_max·V₀²·T``, T in device units).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import ClassVar, final

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from device_models.cells.base import K_BOLTZMANN, AbstractCell, CellPhysics, CellPower, Component, Preset
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

    def power(self, program, states, schedules):
        """Watts dissipated by the restoring network at node values ``states`` (replicas, m):
        ``mean`` (at the mean state μ of the module docstring, the same for each replica) and
        ``fluctuation`` (each replica's rest)."""
        scale = program.device.coupling.g_max * program.device.components["voltage_scale"] ** 2
        x = np.asarray(states, dtype=np.float64)
        mean = self._dissipation(program, self._mean_state(program)[None, :])
        return CellPower({"mean": scale * np.broadcast_to(mean, x.shape[:1]).copy(),
                          "fluctuation": scale * (self._dissipation(program, x) - mean)})

    @staticmethod
    def _mean_state(program) -> np.ndarray:
        """(m,) μ solving ``(J + diag(2c₂)) μ = −h``; zeros where that matrix is singular."""
        if not np.any(program.fields):
            return np.zeros(program.num_nodes)
        A = sp.csc_matrix(program.couplings + sp.diags(2 * program.poly[:, 0]))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", spla.MatrixRankWarning)
            mu = np.atleast_1d(spla.spsolve(A, -np.asarray(program.fields, dtype=np.float64)))
        return mu if np.all(np.isfinite(mu)) else np.zeros(program.num_nodes)

    @staticmethod
    def _dissipation(program, x: np.ndarray) -> np.ndarray:
        """(replicas,) ``Σ_i x_i·(Jx + 2c₂x + 3c₃x² + 4c₄x³)_i`` for node values x (replicas, m)."""
        c2, c3, c4 = program.poly[:, 0], program.poly[:, 1], program.poly[:, 2]
        restoring = (program.couplings @ x.T).T + 2 * c2 * x + 3 * c3 * x**2 + 4 * c4 * x**3
        return np.einsum("ri,ri->r", x, restoring)

    def initial_state(self, rng, replicas, nodes):
        return np.zeros((replicas, nodes))

    def decode(self, program, raw):
        return raw.copy(), None
