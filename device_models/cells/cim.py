"""The coherent Ising machine cell (``cim``): a measurement-feedback network of degenerate optical
parametric oscillator (DOPO) pulses in a fibre ring, with the feedback of amplitude heterogeneity
correction (AHC: Leleu, Yamamoto, McMahon & Aihara, PRL 122, 040607 (2019)) or chaotic amplitude
control (CAC: Leleu, Khoyratee, Levi, Hamerly, Kohno & Aihara, Commun. Phys. 4, 266 (2021)).
State per node: the in-phase amplitude x of the pulse, the error variable e of its feedback and
the FPGA's register of the best spin configuration seen so far (±1), x of node i at column i, e at
column m + i and the register at column 2m + i.

Physics (``docs/cim.md``).  Each of the m pulses passes the homodyne detector and the injection
modulator once per cavity round trip ``T_rt`` (``round_trip_time``); the FPGA computes the
feedback from the measured amplitudes, so one round trip is one Euler step.  Time is in units of
the signal amplitude's lifetime ``τ₀ = T_rt/ℓ`` (``ℓ`` = ``round_trip_loss``, the amplitude lost
per round trip), so the normalised loss is 1 and the step is ``dt = ℓ`` (0.05 on the shipped
chips, cim-optimizer's time step).  Amplitudes are normalised to the gain saturation (μ = 1: a free
pulse above threshold settles at ``x² = r − 1``).  Couplings are the programmed J in device units
(full scale 1), in SONQ's sign (dimod's ``E = Σ h s + Σ_{i<j} J s s``, J > 0 antiferromagnetic; the
papers and cim-optimizer write ``H = −½ Σ ω s s`` with ω = −J).  Fields ride on a trailing
reference pulse (``J_0i = h_i``, spins read as ``s_i·s_0``), as the ``oim`` cell does.

Step k, ``s = sign x`` (x = 0 reads −1, as cim-optimizer's ``2(x > 0) − 1``), ``H = ½ sᵀJs`` (the
Ising energy of the current spins, device units), ξ standard normal::

    x' = x + dt·x·(r_k − 1 − x²) − dt·ε_k·e·(J x) + √(2 T_k dt)·ξ
    ahc:  a  = a₀ₖ − ε_k·(sᵀJs)/m
          e' = min(e − dt·β_k·(x'² − a)·e, E_MAX)
    cac:  e' = min(e − dt·β·(x'² − a)·e, E_MAX)       (β, a: this replica's values so far)
          β ← β + γ_k·dt;   a ← α_k + ρ_k·tanh(δ_k·(H − H_opt))
          reset: when H_opt has not improved for τ_k time units, β ← 0 (and the clock restarts)
    both: when H < H_opt: H_opt ← H and the register takes s (the best configuration seen)

This is cim-optimizer's discretisation (``AHC.CIM_AHC_GPU``, ``CAC.CIM_CAC_GPU``): Euler on x
with the old x, the error variables at the new x, CAC's target updated after them from the energy
of the step's spins, e clipped at E_MAX = 32, AHC's target from the current spins (its
``etc_flag`` stays 1).  One departure: cim-optimizer's CAC restarts its clock ``t_c`` before testing
it, so its β reset never fires; here it fires as the paper describes.  At the defaults
(``τ/dt = 144 000`` steps) no run reaches it, so the two agree there.  The step rules keep
per-replica values (β, a, H_opt and the clock) that the kernels carry from block to block, starting
each run at β = 0, a = α₀ and H_opt the energy of the initial register (sign x₀).

Noise: the loss's vacuum (and thermal) fluctuations.  With ``n_sat`` photons at x² = 1
(``saturation_photons``) and a thermal occupation ``n_th = 1/(exp(hc/λkT) − 1)`` at the signal
wavelength λ, the linear loss alone leaves the quadrature variance ``⟨x²⟩ = (2n_th + 1)/(4n_sat)``,
so ``T_dev = (2n_th + 1)/(4 n_sat)`` (x² units); the pump's own noise is left out.  The
``optimize`` preset runs noise-free (temperature 0), as cim-optimizer does by default.

Power (``docs/energy.md#cim``): the optical power the signal pulses lose, which the pump's
parametric gain replaces: a pulse of amplitude x holds ``n_sat·x²`` photons of ``hc/λ`` and loses the
fraction ``1 − (1 − ℓ)²`` of them per round trip ``T_rt``.  The pump laser's efficiency, the FPGA and
the modulators are not modelled.

Readout: the homodyne detector measures every pulse once per round trip, and the FPGA (which
computes H every round trip for the feedback anyway) keeps the configuration of lowest H it has
measured; a run reads that register, as cim-optimizer returns its ``sig_opt`` and as the papers
count a success when H reaches the target.  (The amplitudes' own signs at the end of a CAC run are
a poor answer: the destabilising feedback keeps the state moving, and replicas started near 0 move
in step, so the fraction ending in the ground state swings with the run length; docs/cim.md.)
:func:`read_spins` reads ``sign x`` instead, for a trajectory's instantaneous spins.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar, final

import numpy as np

from device_models.cells.base import (K_BOLTZMANN, AbstractSpinCell, CellPhysics, CellPower, Component, Preset,
                                      Programmed, relative_to_reference)
from device_models.errors import DeviceSpecError
from device_models.schedules import Schedule

H_PLANCK = 6.62607015e-34  # J s
C_LIGHT = 299792458.0  # m/s
E_MAX = 32.0  # error variables are clipped from above at this value (cim-optimizer's EMAX_FLOAT)
INIT_SPREAD = 1e-3  # initial amplitudes uniform on [−5e-4, 5e-4) (cim-optimizer's 0.001·U − 0.0005)
POOR_AMPLITUDE = 0.1  # |x_i| below this fraction of the replica's RMS amplitude: poorly read (read_spins)

# cim-optimizer's defaults, as ``Ising(J).solve()`` passes them (solve_Ising.py; the functions in
# AHC.py and CAC.py carry other defaults of their own, see docs/cim.md).
AHC_DEFAULTS = {"pump": 0.2, "ahc_epsilon": 0.07, "ahc_beta": 0.05, "ahc_target": 0.2}
CAC_DEFAULTS = {"pump": 0.2, "cac_epsilon": 0.0625, "cac_alpha": 1.0, "cac_gamma": 9.375e-05, "cac_rho": 1.0,
                "cac_delta": 9.0, "cac_tau": 7200.0}
PEER_STEPS = {"cac": 1000, "ahc": 20000}  # cim-optimizer's run lengths (AHC reads its 1000 as time)
OPTIMIZE_INTEGRATOR = "cac"  # ahead of AHC from 8000 steps on, behind it below 4000 (docs/cim.md)
OPTIMIZE_STEPS = 8000  # CAC reaches the best cuts of both 100-node MaxCuts in ≥ 54% of reads (docs/cim.md)
SAMPLE_STEPS = 1000


def read_spins(x: np.ndarray, reference: bool) -> tuple[np.ndarray, np.ndarray]:
    """Spins sign(x) ((..., n) int8; x = 0 reads −1, as the peer) and the poorly-read flags from
    amplitudes (..., m)."""
    spins = np.where(x > 0, 1, -1).astype(np.int8)
    rms = np.sqrt(np.mean(np.square(x), axis=-1, keepdims=True))
    poor = np.abs(x) < POOR_AMPLITUDE * rms
    return relative_to_reference(spins, poor, reference)


@final
@dataclass(frozen=True)
class CimCell(AbstractSpinCell):
    """DOPO pulse with measurement feedback; amplitude x and error variable e per node; step rules
    ``ahc`` (amplitude heterogeneity correction) and ``cac`` (chaotic amplitude control)."""

    name: ClassVar[str] = "cim"
    components = {
        "round_trip_time": Component("s", doc="cavity round trip T_rt: one feedback update (Euler step) per round trip"),
        "round_trip_loss": Component("1", doc="fraction ℓ of the amplitude lost per round trip: τ₀ = T_rt/ℓ, dt = ℓ"),
        "saturation_photons": Component("1", doc="photons n_sat at x² = 1 (gain saturation): the noise scale"),
        "wavelength": Component("m", required=False, doc="signal wavelength λ, for the thermal occupation (1.55 µm)"),
    }
    state: ClassVar[tuple[str, ...]] = ("x", "e", "best")
    noise: ClassVar[str] = "normal"
    schedules: ClassVar[tuple[str, ...]] = ("temperature", "pump", "ahc_epsilon", "ahc_beta", "ahc_target",
                                            "cac_epsilon", "cac_alpha", "cac_gamma", "cac_rho", "cac_delta",
                                            "cac_tau")
    integrators: ClassVar[tuple[str, ...]] = ("cac", "ahc")
    reference_fields: ClassVar[bool] = True

    def physics(self, components, *, g_max, noise_temperature, node_conductance=0.0, colours=1):
        t_rt, loss = components["round_trip_time"], components["round_trip_loss"]
        if not 0 < loss < 1:
            raise DeviceSpecError(f"components.round_trip_loss must lie in (0, 1), got {loss!r}")
        wavelength = components.get("wavelength", 1.55e-6)
        x = H_PLANCK * C_LIGHT / (wavelength * K_BOLTZMANN * noise_temperature) if noise_temperature > 0 else math.inf
        n_th = 1.0 / math.expm1(x) if x < 700 else 0.0
        temperature = (2 * n_th + 1) / (4 * components["saturation_photons"])
        return CellPhysics(t_rt / loss, temperature, t_rt)

    def presets(self, program):
        constants = {name: Schedule.constant(v) for name, v in {**AHC_DEFAULTS, **CAC_DEFAULTS}.items()}
        optimize = {"temperature": Schedule.constant(0.0), **constants}
        thermal = {"temperature": Schedule.constant(program.physics.thermal_temperature), **constants}
        return {"optimize": Preset(optimize, OPTIMIZE_INTEGRATOR, steps=OPTIMIZE_STEPS),
                "sample": Preset(thermal, OPTIMIZE_INTEGRATOR, steps=SAMPLE_STEPS)}

    def stable_dt(self, program: Programmed, schedules):
        """One round trip, ``dt = T_rt/τ₀ = ℓ`` (the machine's own step, not a choice): the readout
        takes one round trip, so the step is ``readout_time/time_unit``."""
        return program.physics.readout_time / program.physics.time_unit

    def initial_state(self, rng, replicas, nodes):
        """x uniform on [−5e-4, 5e-4) and e = 1, as cim-optimizer starts; the register holds sign x."""
        x = INIT_SPREAD * rng.random((replicas, nodes)) - INIT_SPREAD / 2
        return np.hstack([x, np.ones((replicas, nodes)), np.where(x > 0, 1.0, -1.0)])

    def encode(self, program, spins, rng, jitter=0.0):
        """x = ±1 (CAC's target amplitude √α at its default α = 1; the reference node at +1), e = 1
        and the register holding the spins; ``jitter`` of Gaussian noise on x only (the register
        stays the spins it was given)."""
        x = np.asarray(spins, dtype=np.float64)
        if program.reference:
            x = np.concatenate([x, np.ones((*x.shape[:-1], 1))], axis=-1)
        amplitude = x + jitter * rng.standard_normal(x.shape)
        return np.concatenate([amplitude, np.ones_like(x), x], axis=-1)

    def spins(self, program, raw):
        """The best configuration the FPGA has seen (the register), no poorly-read flags."""
        m = raw.shape[-1] // 3
        spins = np.where(raw[..., 2 * m:] > 0, 1, -1).astype(np.int8)
        if program.reference:
            spins = spins[..., :-1] * spins[..., -1:]
        return spins, None

    def power(self, program, states, schedules):
        """Watts of signal light lost per round trip (``signal_loss``) at amplitudes ``states[:, :m]``."""
        c = program.device.components
        m = program.num_nodes
        photon = H_PLANCK * C_LIGHT / c.get("wavelength", 1.55e-6)
        lost = 1 - (1 - c["round_trip_loss"]) ** 2
        x = np.asarray(states[:, :m], dtype=np.float64)
        return CellPower({"signal_loss": c["saturation_photons"] * photon * lost / c["round_trip_time"]
                          * (x**2).sum(axis=1)})

    def warnings(self, components, loading, physics):
        loss = components["round_trip_loss"]
        if loss > 0.2:
            return [f"round_trip_loss {loss:g} > 0.2: one Euler step per round trip is a coarse model of the "
                    "amplitude dynamics"]
        return []
