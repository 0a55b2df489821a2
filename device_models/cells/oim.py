"""The oscillator Ising machine cell (``oim``): LC tanks with a negative-resistance element,
resistive coupling, second-harmonic injection locking (SHIL); state: one phase per node.

Physics (``docs/physics.md#oim``): resistive coupling G_ij gives the phase-coupling rate
``K J'_ij = G_ij/(2C)``, so one device unit of coupling is ``K = g_max/(2C)`` rad/s and τ₀ = 1/K.
Node current noise of two-sided PSD ``S₂ = 2kT g_node`` diffuses the phase with
``D_φ = S₂/(4A²C²)``; the phase model samples ``exp(−K H/D_φ)``: ``T_dev = D_φ/K``.  Macromodel,
device units, J in dimod's sign::

    dφ_i = [Σ_j J_ij sin(φ_i − φ_j) − K_s(t) sin 2φ_i] dt + √(2T(t) dt) ξ_i

Fields ride on a trailing reference oscillator (``J_0i = h_i``, spins read as ``s_i·s_0``).

Power (``docs/energy.md#oim``): every tank oscillates at the locked amplitude A (the negative
resistance regulates it there, the macromodel's premise); a tank's loss and padding dissipate
``(g_loss + G_pad,i)·A²/2`` and a coupling ``G_ij = g_max|J_ij|`` dissipates
``G_ij·A²·(1 + sign(J_ij) cos(φ_i − φ_j))`` (zero when the pair sits as its sign asks), all of it
supplied by the negative resistance and the SHIL pump, whose share at the locked phase is
``g_max·K_s·A²·cos 2(φ_i − α)/2`` per tank.

Readout: the common phase reference ``α = ½ arg Σ_i z_i²`` (``z_i = e^{iφ_i}``; the sum is blind to
the π ambiguity of binarized phases), ``s_i = sign cos(φ_i − α)``; a cell with
``|sin(φ_i − α)| > POOR_BINARIZATION`` is flagged as poorly binarized.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar, final

import numpy as np
import scipy.sparse as sp

from device_models.cells.base import (K_BOLTZMANN, AbstractSpinCell, CellPhysics, CellPower, Component, Preset,
                                      coupling_scale, relative_to_reference, row_conductance)
from device_models.schedules import Schedule

READOUT_PERIODS = 10  # oscillation periods an oim lock-in readout integrates over
POOR_BINARIZATION = 0.5  # |sin(φ − α)| above this: the cell sits far from either locked phase
LOADING_WARN_FRACTION = 0.1  # Σ_j G_ij should stay ≪ 2Cω₀

# Protocol shapes (docs/oim_protocol.md), in units of the coupling scale s = √(mean_i Σ_j J_ij²):
# SHIL 0 → 0.3·s by half the run, held to two thirds, then → s so every phase binarizes; noise
# 0.3·s → 0 by two thirds.
SHIL_KNOTS = ((0.0, 0.0), (0.5, 0.3), (2 / 3, 0.3), (1.0, 1.0))
NOISE_START = 0.3
NOISE_UNTIL = 2 / 3
SAMPLE_RUN_TIME = 100.0  # device time in units of 1/s: sampling runs at the accuracy step
# Recall: SHIL held at s from the start keeps binary phases stable (weaker SHIL lets the phases
# leave a cue along its fastest-growing mode; 2·s freezes the cue's errors); 2000 accuracy steps.
RECALL_SHIL = 1.0
RECALL_STEPS = 2000
# Optimisation: Euler at λ_max·dt = 1 (ten accuracy steps); the study found device time is what
# matters, and that N ≈ 10³ needs ~10× the steps N ≈ 10² does.
OPTIMIZE_LAMBDA_DT = 1.0
OPTIMIZE_STEPS = 1000  # at N ≤ 100 nodes, growing as √(N/100) above


def read_spins(phases: np.ndarray, reference: bool) -> tuple[np.ndarray, np.ndarray]:
    """Spins and binarization flags from phases.

    Args:
        phases: (..., m) oscillator phases in radians (the last node is the reference when
            ``reference``).
        reference: whether the last node is the field-carrying reference oscillator.

    Returns:
        spins: (..., n) int8 in {−1, +1}, n = m − 1 with a reference, else m.
        poor: (..., n) bool, True where the cell is poorly binarized.
    """
    z2 = np.exp(2j * phases).sum(axis=-1, keepdims=True)
    alpha = 0.5 * np.angle(z2)
    rel = phases - alpha
    spins = np.where(np.cos(rel) >= 0, 1, -1).astype(np.int8)
    poor = np.abs(np.sin(rel)) > POOR_BINARIZATION
    return relative_to_reference(spins, poor, reference)


@final
@dataclass(frozen=True)
class OimCell(AbstractSpinCell):
    """LC-tank oscillator with SHIL; one phase (radians) per node."""

    name: ClassVar[str] = "oim"
    components = {
        "inductance": Component("H", doc="tank inductance L"),
        "capacitance": Component("F", doc="tank capacitance C"),
        "amplitude": Component("V", doc="locked oscillation amplitude A"),
        "loss_conductance": Component("S", required=False, doc="tank loss conductance, noise included"),
    }
    state: ClassVar[tuple[str, ...]] = ("phase",)
    schedules: ClassVar[tuple[str, ...]] = ("temperature", "shil")
    reference_fields: ClassVar[bool] = True

    def physics(self, components, *, g_max, noise_temperature, node_conductance=0.0, colours=1):
        C, A = components["capacitance"], components["amplitude"]
        K = g_max / (2 * C)
        g_node = node_conductance + components.get("loss_conductance", 0.0)
        D_phi = 2 * K_BOLTZMANN * noise_temperature * g_node / (4 * A**2 * C**2)
        omega0 = 1 / math.sqrt(components["inductance"] * C)
        return CellPhysics(1 / K, D_phi / K, READOUT_PERIODS * 2 * math.pi / omega0, omega0)

    def presets(self, program):
        s = coupling_scale(program)
        knots, values = zip(*SHIL_KNOTS)
        schedules = {"temperature": Schedule.linear(NOISE_START * s, 0.0, NOISE_UNTIL),
                     "shil": Schedule.piecewise(knots, [v * s for v in values])}
        steps = round(OPTIMIZE_STEPS * math.sqrt(max(program.num_nodes, 100) / 100))
        recall = {"temperature": Schedule.constant(0.0), "shil": Schedule.constant(RECALL_SHIL * s)}
        return {"optimize": Preset(schedules, "euler", steps=steps,
                                   dt_factor=OPTIMIZE_LAMBDA_DT / self.stability),
                "sample": Preset(schedules, "heun", run_time=SAMPLE_RUN_TIME / s),
                "recall": Preset(recall, "heun", steps=RECALL_STEPS)}

    def stiffness(self, program, schedules):
        shil = schedules["shil"]
        return 2 * max(abs(shil.start), abs(shil.stop), *(abs(v) for v in shil.values))

    def initial_state(self, rng, replicas, nodes):
        return rng.uniform(0, 2 * np.pi, (replicas, nodes))

    def spins(self, program, raw):
        return read_spins(raw, program.reference)

    def encode(self, program, spins, rng, jitter=0.0):
        """Phases 0 (spin +1) or π (−1), the reference oscillator at 0, plus ``jitter`` radians."""
        s = np.asarray(spins, dtype=np.float64)
        if program.reference:
            s = np.concatenate([s, np.ones((*s.shape[:-1], 1))], axis=-1)
        return np.where(s > 0, 0.0, np.pi) + jitter * rng.standard_normal(s.shape)

    def power(self, program, states, schedules):
        """Watts by part at the locked amplitude A, for phases ``states`` (replicas, m) and the SHIL
        strength ``schedules["shil"]`` (device units): ``loss`` (the tanks' loss conductance),
        ``padding`` (the conductance that equalises every node's load), ``coupling`` (the coupling
        resistors at the phases' differences); supplied by ``pump`` (SHIL, at the phases relative to
        the common reference α of :func:`read_spins`) and ``negative_resistance`` (the rest)."""
        c = program.device.components
        A, g_max = c["amplitude"], program.device.coupling.g_max
        phi = np.asarray(states, dtype=np.float64)
        replicas = np.ones(phi.shape[0])
        load = row_conductance(program)
        z = np.exp(1j * phi)
        J = sp.csr_matrix(program.couplings)
        # Σ_{i<j} J_ij cos(φ_i − φ_j) = ½ Re Σ_i z̄_i (J z)_i, with z = e^{iφ}
        aligned = 0.5 * np.real(np.einsum("ri,ri->r", z.conj(), (J @ z.T).T))
        parts = {"loss": replicas * c.get("loss_conductance", 0.0) * A**2 / 2 * phi.shape[1],
                 "padding": replicas * float(np.sum(load.max() - load)) * A**2 / 2,
                 "coupling": A**2 * (0.5 * float(load.sum()) + g_max * aligned)}
        alpha = 0.5 * np.angle(np.sum(z**2, axis=1, keepdims=True))
        pump = g_max * float(schedules.get("shil", 0.0)) * A**2 / 2 * np.cos(2 * (phi - alpha)).sum(axis=1)
        total = sum(parts.values())
        return CellPower(parts, {"pump": pump, "negative_resistance": total - pump})

    def warnings(self, components, loading, physics):
        limit = 2 * components["capacitance"] * physics.omega0
        if loading > LOADING_WARN_FRACTION * limit:
            return [f"coupling load {loading:.3g} S per tank exceeds {LOADING_WARN_FRACTION:g}·2Cω₀ = "
                    f"{LOADING_WARN_FRACTION * limit:.3g} S: the phase macromodel is less accurate"]
        return []
