"""Numba engine of the circuit emulator: the NumPy reference's scheme
(:mod:`runtime.circuit.integrate`) as compiled loops over elements, replicas in parallel.
Same arithmetic, so the two agree to rounding.  Noise sources in series with an inductor get node
indices −1 here (they inject nothing into nodes) and act through the inductor's EMF.  The C engine
(:mod:`runtime.circuit.c_kernel`, ``csrc/sonq_circuit.c``) is this file in C99, statement for
statement; change both together."""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from compiler.netlist import Circuit
from runtime.circuit.integrate import CircuitWaves, KernelArgs


@njit(cache=True)
def _pump_factor(t, depth, omega):
    n = depth.shape[0]
    if n == 1 or t <= depth[0, 0]:
        mu = depth[0, 1]
    elif t >= depth[n - 1, 0]:
        mu = depth[n - 1, 1]
    else:
        k = np.searchsorted(depth[:, 0], t) - 1
        f = (t - depth[k, 0]) / (depth[k + 1, 0] - depth[k, 0])
        mu = depth[k, 1] + f * (depth[k + 1, 1] - depth[k, 1])
    return 1.0 + mu * math.cos(omega * t)


@njit(cache=True)
def _voltages(q, t, c_diag, c_pump, c_inv, dense, depth, omega, out):
    N = q.shape[0]
    if dense:
        for a in range(N):
            acc = 0.0
            for b in range(N):
                acc += c_inv[a, b] * q[b]
            out[a] = acc
    else:
        f = _pump_factor(t, depth, omega)
        for a in range(N):
            out[a] = q[a] / (c_diag[a] + c_pump[a] * f)


@njit(cache=True)
def _currents(v, i, w0, w1, frac, indptr, indices, data, la, lb, va, vb, g, gam, na, nb, dc, out):
    N = v.shape[0]
    for a in range(N):
        acc = dc[a]
        for p in range(indptr[a], indptr[a + 1]):
            acc -= data[p] * v[indices[p]]
        out[a] = acc
    for k in range(la.shape[0]):
        if la[k] >= 0:
            out[la[k]] -= i[k]
        if lb[k] >= 0:
            out[lb[k]] += i[k]
    for k in range(va.shape[0]):
        u = (v[va[k]] if va[k] >= 0 else 0.0) - (v[vb[k]] if vb[k] >= 0 else 0.0)
        f = g[k] * u - gam[k] * u * u * u
        if va[k] >= 0:
            out[va[k]] += f
        if vb[k] >= 0:
            out[vb[k]] -= f
    for k in range(na.shape[0]):
        w = (1.0 - frac) * w0[k] + frac * w1[k]
        if na[k] >= 0:
            out[na[k]] += w
        if nb[k] >= 0:
            out[nb[k]] -= w


@njit(cache=True, parallel=True)
def _run(noise, q0, i0, record, steps, dt, indptr, indices, data, la, lb, L, Rl, va, vb, g, gam,
         na, nb, ns, dc, c_diag, c_pump, c_inv, dense, depth, omega, substeps, out_v, out_i):
    # parameters up to omega: the fields of KernelArgs, in order
    R, N = q0.shape
    nL = la.shape[0]
    h = dt / substeps
    for r in prange(R):
        q = q0[r].copy()
        cur = i0[r].copy()
        v = np.empty(N)
        f = np.empty(N)
        qh = np.empty(N)
        pred = np.empty(N)
        emf = np.empty(nL)
        slot = 0
        if record.shape[0] > 0 and record[0] == 0:
            _voltages(q, 0.0, c_diag, c_pump, c_inv, dense, depth, omega, v)
            out_v[0, r] = v
            out_i[0, r] = cur
            slot = 1
        for j in range(steps):
            w0 = noise[j, r]
            w1 = noise[j + 1, r]
            for s in range(substeps):
                t = (j + s / substeps) * dt
                fa, fb = s / substeps, (s + 1) / substeps
                _voltages(q, t, c_diag, c_pump, c_inv, dense, depth, omega, v)
                _currents(v, cur, w0, w1, fa, indptr, indices, data, la, lb, va, vb, g, gam, na, nb, dc, f)
                for a in range(N):
                    qh[a] = q[a] + 0.5 * h * f[a]
                if nL:
                    _voltages(qh, t + 0.5 * h, c_diag, c_pump, c_inv, dense, depth, omega, v)
                    emf[:] = 0.0
                    fm = 0.5 * (fa + fb)
                    for src in range(ns.shape[0]):
                        if ns[src] >= 0:
                            emf[ns[src]] += Rl[ns[src]] * ((1.0 - fm) * w0[src] + fm * w1[src])
                    for k in range(nL):
                        u = (v[la[k]] if la[k] >= 0 else 0.0) - (v[lb[k]] if lb[k] >= 0 else 0.0)
                        damp = 0.5 * h * Rl[k] / L[k]
                        cur[k] = ((1.0 - damp) * cur[k] + h * (u + emf[k]) / L[k]) / (1.0 + damp)
                _voltages(qh, t + h, c_diag, c_pump, c_inv, dense, depth, omega, v)
                _currents(v, cur, w0, w1, fb, indptr, indices, data, la, lb, va, vb, g, gam, na, nb, dc, f)
                for a in range(N):
                    pred[a] = qh[a] + 0.5 * h * f[a]
                _voltages(pred, t + h, c_diag, c_pump, c_inv, dense, depth, omega, v)
                _currents(v, cur, w0, w1, fb, indptr, indices, data, la, lb, va, vb, g, gam, na, nb, dc, f)
                for a in range(N):
                    q[a] = qh[a] + 0.5 * h * f[a]
            if slot < record.shape[0] and record[slot] == j + 1:
                _voltages(q, (j + 1) * dt, c_diag, c_pump, c_inv, dense, depth, omega, v)
                out_v[slot, r] = v
                out_i[slot, r] = cur
                slot += 1


def simulate_numba(circuit: Circuit, noise: np.ndarray, v0: np.ndarray, i0: np.ndarray,
                   record: np.ndarray, substeps: int = 1) -> CircuitWaves:
    """Same contract as :func:`runtime.circuit.integrate.simulate_numpy`."""
    args = KernelArgs.of(circuit, noise, v0, i0, record)
    out_v, out_i = args.outputs()
    _run(*args, int(substeps), out_v, out_i)
    return CircuitWaves(args.record, out_v, out_i)
