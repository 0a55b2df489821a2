"""Small circuits and devices shared by the circuit-level tests."""

from __future__ import annotations

import dataclasses

import numpy as np

import sdk
from compiler.netlist import Branches, Circuit
from device_models.registry import load_device

K_B = 1.380649e-23

OIM8 = sdk.DeviceSpec.from_dict(dict(
    name="oim8", cell="oim", cells=8, topology="all_to_all",
    components=dict(inductance="10 nH", capacitance="1 pF", amplitude="0.5 V", loss_conductance="20 uS"),
    coupling=dict(g_max="100 uS", g_min="0.5 uS", dac_bits=6), noise_temperature="300 K"))

_GAUSS8 = load_device("gauss8")
#: gauss8 with a 100 µH inductance: design PL has Q = g₀√(ℓ₀/c₀) = 1 (ω₀ = 1/√(ℓ₀c₀) = 1 rad/ns)
GAUSS8L = dataclasses.replace(_GAUSS8, name="gauss8l", components={**_GAUSS8.components, "inductance": 1e-4})

A4 = np.array([[2.0, -0.5, 0.0, -0.3], [-0.5, 2.0, -0.4, 0.0], [0.0, -0.4, 2.0, -0.6], [-0.3, 0.0, -0.6, 2.0]])


def four_cell_ising() -> sdk.IsingModel:
    J = np.zeros((4, 4))
    J[0, 1], J[1, 2], J[2, 3], J[0, 3], J[0, 2] = 1.0, -1.0, 1.0, 0.5, -0.5
    return sdk.IsingModel(np.zeros(4), J)


def rlc_tank(C: float, L: float, g: float, T: float, dt: float, steps: int) -> Circuit:
    """One parallel RLC tank on node 1 with the resistor's Johnson noise at temperature T."""
    none = Branches.of([])
    return Circuit(title="rlc tank", num_nodes=1, capacitors=Branches.of([(1, 0, C)]),
                   resistors=Branches.of([(1, 0, g)]), inductors=Branches.of([(1, 0, L)]), inductor_r=np.zeros(1),
                   vdp=none, vdp_gamma=np.zeros(0), vccs=none, dc=none, pump=none, pump_omega=0.0,
                   pump_depth=np.zeros((1, 2)), noise=Branches.of([(1, 0, 2 * K_B * g)]),
                   noise_kind=np.zeros(1, dtype=np.int64), noise_branch=np.full(1, -1),
                   noise_schedule=np.full((1, steps + 1), T), dt=dt, steps=steps, v0=np.zeros(1), i0=np.zeros(1),
                   probes=np.array([[1, 0]]), probe_scale=1.0)


def _incidence(a: np.ndarray, b: np.ndarray, N: int) -> np.ndarray:
    out = np.zeros((N + 1, len(a)))
    out[a, np.arange(len(a))] += 1
    out[b, np.arange(len(a))] -= 1
    return out[1:]


def pwl_covariance(c: Circuit, points: int = 20000, x_max: float = 8.0) -> np.ndarray:
    """Stationary covariance of (v, i) — (N + nL, N + nL), volts and amperes — of a linear circuit
    (capacitors, resistors, inductors with series resistors; no vdp, pump or vccs) driven by its
    noise tape at the schedule's first temperature: ``∫ H S Hᴴ sinc⁴(f·dt) df``, H the transfer
    function from the noise currents to (v, i) and sinc⁴ the spectrum of the piecewise-linear tape.
    Built from the Circuit's fields alone (independent of the emulator's matrices)."""
    N, nL = c.num_nodes, len(c.inductors)
    AC, AR, AL = (_incidence(x.a, x.b, N) for x in (c.capacitors, c.resistors, c.inductors))
    Cm, G = AC * c.capacitors.value @ AC.T, AR * c.resistors.value @ AR.T
    series = c.noise_branch >= 0
    K = np.zeros((N + nL, len(c.noise)))
    K[:N, ~series] = _incidence(c.noise.a[~series], c.noise.b[~series], N)
    K[N + c.noise_branch[series], np.flatnonzero(series)] = c.inductor_r[c.noise_branch[series]]
    K *= np.sqrt(c.noise_psd()[0])
    x = np.linspace(0.0, x_max, points)                        # f·dt
    jw = 2j * np.pi * x[:, None, None] / c.dt
    M = np.zeros((points, N + nL, N + nL), complex)
    M[:, :N, :N] = jw * Cm + G                                 # jωC v + G v + A_L i = K w
    M[:, :N, N:] = AL
    M[:, N:, :N] = -AL.T                                       # (jωL + R) i − A_Lᵀ v = R w
    M[:, N:, N:] = jw * np.diag(c.inductors.value) + np.diag(c.inductor_r)
    H = np.linalg.solve(M, np.broadcast_to(K.astype(complex), (points, *K.shape)))
    density = np.einsum("fik,fjk->fij", H, H.conj()).real * np.sinc(x)[:, None, None] ** 4
    return 2 * np.trapezoid(density, x, axis=0) / c.dt
