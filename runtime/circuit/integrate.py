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
grow (docs/physics.md#integrators).

Also here: what every engine shares, the recorded :class:`CircuitWaves` and the flat
:class:`KernelArgs` the compiled engines (:mod:`~runtime.circuit.numba_kernel`,
:mod:`~runtime.circuit.c_kernel`) take.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

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
        dissipated: (replicas,) joules the dissipating elements took over the whole run, where the
            simulator measured it (ngspice's device powers, :func:`runtime.spice.simulate.simulate_spice`
            with ``power=True``), else None.
    """

    samples: np.ndarray
    v: np.ndarray
    i: np.ndarray
    dissipated: np.ndarray | None = None


def initial_state(circuit: Circuit, v0: np.ndarray, mats: CircuitMatrices) -> np.ndarray:
    """Charges (replicas, N) of node voltages ``v0`` (replicas, N) at t = 0."""
    return v0 @ mats.c_static.T + v0 * mats.c_pump * circuit.pump_at(0.0)


class KernelArgs(NamedTuple):
    """One run of a circuit as the flat C-contiguous arrays of the compiled engines, in the order of
    their parameters (Numba's ``_run``; the fields of C's ``sonq_circuit``).  Nodes are numbered
    0..N−1 (netlist node k + 1), −1 is ground; float64 unless int64 is said.

    Attributes:
        noise: (steps + 1, R, S) noise currents at the sample times (amperes).
        q0: (R, N) initial node charges (coulombs).
        i0: (R, nL) initial inductor currents (amperes).
        record: (k,) int64 sample indices to record, ascending.
        steps: samples after t = 0; dt: their interval (seconds).
        indptr, indices, data: G (N, N) in CSR, int64 indices (siemens).
        la, lb, L, Rl: (nL,) inductor terminals (int64; current from a to b), henries, series ohms.
        va, vb, g, gamma: (nV,) van der Pol terminals (int64; g·u − γ·u³ injected into a, u = v_a − v_b),
            siemens, A/V³.
        na, nb: (S,) int64 noise source terminals (current into a from b); −1 for both of a source in
            series with an inductor, which acts through that inductor's EMF instead.
        ns: (S,) int64 inductor whose series resistor the source is across (EMF ``Rl·w``), or −1.
        dc: (N,) constant injected currents (amperes).
        c_diag, c_pump: (N,) static and pumped capacitance to ground (farads).
        c_inv: (N, N) inverse static capacitance matrix (1/farads) when ``dense``, else (1, 1) zeros.
        dense: the static capacitance has off-diagonal entries: ``v = c_inv q`` (nothing is pumped).
        depth: (P ≥ 1, 2) pump depth μ(t), PWL points (seconds, μ).
        omega: pump angular frequency (rad/s).
    """

    noise: np.ndarray
    q0: np.ndarray
    i0: np.ndarray
    record: np.ndarray
    steps: int
    dt: float
    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    la: np.ndarray
    lb: np.ndarray
    L: np.ndarray
    Rl: np.ndarray
    va: np.ndarray
    vb: np.ndarray
    g: np.ndarray
    gamma: np.ndarray
    na: np.ndarray
    nb: np.ndarray
    ns: np.ndarray
    dc: np.ndarray
    c_diag: np.ndarray
    c_pump: np.ndarray
    c_inv: np.ndarray
    dense: bool
    depth: np.ndarray
    omega: float

    @classmethod
    def of(cls, circuit: Circuit, noise: np.ndarray, v0: np.ndarray, i0: np.ndarray,
           record: np.ndarray) -> "KernelArgs":
        """Arguments as :func:`simulate_numpy` takes them; shapes are checked here, since the
        compiled engines index raw memory."""
        c = circuit
        mats = CircuitMatrices.of(c)
        q0 = initial_state(c, np.asarray(v0, dtype=np.float64), mats)
        R, N = q0.shape
        nL, S = len(c.inductors), len(c.noise)
        i0 = np.asarray(i0, dtype=np.float64)
        if i0.size != R * nL:
            raise ValueError(f"i0 must hold ({R}, {nL}) inductor currents, got shape {i0.shape}")
        noise = np.asarray(noise, dtype=np.float64)
        if noise.shape != (c.steps + 1, R, S):
            raise ValueError(f"noise must have shape (steps + 1, replicas, sources) = {(c.steps + 1, R, S)}, "
                             f"got {noise.shape}")
        if len(c.pump_depth) == 0:
            raise ValueError("circuit.pump_depth needs at least one point")
        G = mats.G.tocsr()
        dense = mats.c_inv is not None and bool(np.any(mats.c_static - np.diag(np.diag(mats.c_static))))
        node_source = c.noise_branch < 0   # series sources act through the inductors' EMF instead

        def f64(x) -> np.ndarray:
            return np.ascontiguousarray(x, dtype=np.float64)

        def i64(x) -> np.ndarray:
            return np.ascontiguousarray(x, dtype=np.int64)

        return cls(f64(noise), f64(q0), f64(i0.reshape(R, nL)), i64(record), int(c.steps), float(c.dt),
                   i64(G.indptr), i64(G.indices), f64(G.data),
                   i64(c.inductors.a - 1), i64(c.inductors.b - 1), f64(c.inductors.value), f64(mats.R),
                   i64(c.vdp.a - 1), i64(c.vdp.b - 1), f64(c.vdp.value), f64(c.vdp_gamma),
                   i64(np.where(node_source, c.noise.a - 1, -1)), i64(np.where(node_source, c.noise.b - 1, -1)),
                   i64(c.noise_branch), f64(mats.dc), f64(np.diag(mats.c_static)), f64(mats.c_pump),
                   f64(mats.c_inv if dense else np.zeros((1, 1))), dense, f64(c.pump_depth), float(c.pump_omega))

    def outputs(self) -> tuple[np.ndarray, np.ndarray]:
        """Zeroed recordings: voltages (k, R, N) and inductor currents (k, R, nL)."""
        R, N = self.q0.shape
        return np.zeros((self.record.size, R, N)), np.zeros((self.record.size, R, self.L.size))


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
