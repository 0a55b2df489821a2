"""Integrators of the circuit equations (:mod:`runtime.circuit.model`): the NumPy reference.

Scheme (one step h, noise currents linear in time between samples, as ngspice's filesource):
a kick–drift–kick splitting.  Capacitor charges q are kicked by the node currents, inductor
currents drift with the half-step voltages, and each half kick averages the currents at its two
ends with one fixed-point correction::

    q½    = q + h/2 · I(v(q, t), i, w(t))
    i'    = i + h · L⁻¹ (A_Lᵀ v(q½, t + h/2) − R (i + i')/2 + E (w(t) + w(t+h))/2)
    q*    = q½ + h/2 · I(v(q½, t+h), i', w(t+h))
    q'    = q½ + h/2 · I(v(q*, t+h), i', w(t+h))

The LC part is the symplectic leapfrog (no amplitude drift of an undamped tank, phase error
(ωh)²/24 per radian); the dissipative, nonlinear and noise currents are integrated to second
order (for an RC network the kicks reduce to Heun, variance bias −(λh)²/4).  A series R–L
branch's drift is the trapezoid (Crank–Nicolson) in its own current, solved in closed form:
A-stable for any ``hR/L``, second order, with the series EMF's noise averaged over the step as the
piecewise-linear tape prescribes.  Never plain Euler–Maruyama, which makes a resonator's energy
grow (PHYSICS.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from compiler.netlist import Circuit
from runtime.circuit.model import CircuitMatrices


@dataclass(frozen=True)
class CircuitWaves:
    """Recorded waveforms.

    Attributes:
        samples: (k,) recorded sample indices (time ``samples·dt``).
        v: (k, replicas, N) node voltages (volts).
        i: (k, replicas, nL) inductor currents (amperes).
    """

    samples: np.ndarray
    v: np.ndarray
    i: np.ndarray


def initial_state(circuit: Circuit, v0: np.ndarray, mats: CircuitMatrices) -> np.ndarray:
    """Charges (replicas, N) of node voltages ``v0`` (replicas, N) at t = 0."""
    return v0 @ mats.c_static.T + v0 * mats.c_pump * circuit.pump_at(0.0)


def voltages(circuit: Circuit, mats: CircuitMatrices, q: np.ndarray, t: float) -> np.ndarray:
    if mats.c_inv is not None:
        return q @ mats.c_inv.T
    return q / (np.diag(mats.c_static) + mats.c_pump * circuit.pump_at(t))


def currents(mats: CircuitMatrices, v: np.ndarray, i: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Node currents I (replicas, N) for voltages v (replicas, N), inductor currents i
    (replicas, nL) and noise currents w (replicas, S)."""
    u = (mats.AV.T @ v.T).T
    out = -(mats.G @ v.T).T + mats.dc + (mats.B @ w.T).T
    if mats.AL.shape[1]:
        out -= (mats.AL @ i.T).T
    if mats.AV.shape[1]:
        out += (mats.AV @ (mats.g * u - mats.gamma * u**3).T).T
    return out


def drift(mats: CircuitMatrices, i: np.ndarray, u: np.ndarray, emf: np.ndarray, h: float) -> np.ndarray:
    """Inductor currents after h seconds of ``L di/dt = u − R i + emf`` with the branch voltages u
    and series EMFs (replicas, nL) held (volts): the trapezoid rule in i, in closed form."""
    damp = 0.5 * h * mats.R / mats.L
    return ((1 - damp) * i + h * (u + emf) / mats.L) / (1 + damp)


def simulate_numpy(circuit: Circuit, noise: np.ndarray, v0: np.ndarray, i0: np.ndarray,
                   record: np.ndarray, substeps: int = 1) -> CircuitWaves:
    """Integrate ``circuit`` for every replica.

    Args:
        circuit: the circuit (its own ``v0``/``i0`` are ignored in favour of the arguments).
        noise: (steps + 1, replicas, S) noise currents in amperes at the sample times.
        v0: (replicas, N) initial node voltages; i0: (replicas, nL) initial inductor currents.
        record: sorted sample indices to record (0..steps).
        substeps: integration steps per sample interval.
    """
    mats = CircuitMatrices.of(circuit)
    h = circuit.dt / substeps
    q = initial_state(circuit, np.asarray(v0, dtype=np.float64), mats)
    i = np.array(i0, dtype=np.float64).reshape(q.shape[0], -1)
    record = np.asarray(record, dtype=np.int64)
    out_v = np.zeros((record.size, *q.shape))
    out_i = np.zeros((record.size, *i.shape))
    has_l = mats.AL.shape[1] > 0
    slot = 0
    if record.size and record[0] == 0:
        out_v[0], out_i[0], slot = voltages(circuit, mats, q, 0.0), i, 1
    for j in range(circuit.steps):
        w0, w1 = noise[j], noise[j + 1]
        for s in range(substeps):
            t = (j + s / substeps) * circuit.dt
            a, b = s / substeps, (s + 1) / substeps
            wa, wb = (1 - a) * w0 + a * w1, (1 - b) * w0 + b * w1
            qh = q + 0.5 * h * currents(mats, voltages(circuit, mats, q, t), i, wa)
            if has_l:
                u = (mats.AL.T @ voltages(circuit, mats, qh, t + 0.5 * h).T).T
                i = drift(mats, i, u, (mats.E @ (0.5 * (wa + wb)).T).T, h)
            pred = qh + 0.5 * h * currents(mats, voltages(circuit, mats, qh, t + h), i, wb)
            q = qh + 0.5 * h * currents(mats, voltages(circuit, mats, pred, t + h), i, wb)
        if slot < record.size and record[slot] == j + 1:
            out_v[slot], out_i[slot] = voltages(circuit, mats, q, (j + 1) * circuit.dt), i
            slot += 1
    return CircuitWaves(record, out_v, out_i)
