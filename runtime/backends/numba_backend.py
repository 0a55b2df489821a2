"""Numba emulator: the NumPy reference's models as compiled loops over replicas (in parallel)
and CSR couplings.  Same noise consumption order as the reference, so given the same noise it
follows the same trajectory.  Clamped nodes (``plan.clamp``, as :func:`clamp_mask`) are skipped
by every update."""

from __future__ import annotations

import math

import numpy as np

from device_models.errors import BackendError
from device_models.cells import GaussCell, OimCell, PbitCell
from runtime.backends.base import AbstractEmulator, Kernel, RunPlan

OIM, LANGEVIN = 0, 1
DRIFTS = {OimCell: OIM, GaussCell: LANGEVIN}  # the drift a compiled SDE block takes per cell

try:
    import numba
    from numba import njit, prange
except ImportError:  # pragma: no cover - numba is a core dependency; keep the message clear anyway
    numba = None


def _unavailable() -> str | None:
    return None if numba is not None else "numba is not installed (pip install numba)"


if numba is not None:

    @njit(cache=True)
    def _drift(cell, x, indptr, indices, data, h, poly, shil, out, cos_x, sin_x):
        m = x.shape[0]
        if cell == OIM:
            for j in range(m):
                cos_x[j] = math.cos(x[j])
                sin_x[j] = math.sin(x[j])
            for i in range(m):
                acc_c = 0.0
                acc_s = 0.0
                for p in range(indptr[i], indptr[i + 1]):
                    j = indices[p]
                    acc_c += data[p] * cos_x[j]
                    acc_s += data[p] * sin_x[j]
                out[i] = sin_x[i] * acc_c - cos_x[i] * acc_s - shil * math.sin(2.0 * x[i])
        else:
            for i in range(m):
                acc = h[i]
                for p in range(indptr[i], indptr[i + 1]):
                    acc += data[p] * x[indices[p]]
                xi = x[i]
                out[i] = -(acc + 2.0 * poly[i, 0] * xi + 3.0 * poly[i, 1] * xi * xi + 4.0 * poly[i, 2] * xi * xi * xi)

    def _sde_block(cell, state, k0, k1, draws, indptr, indices, data, h, poly, temperature, shil, dt, heun, fixed,
                   tscale):
        R, m = state.shape
        for r in prange(R):
            x = state[r]
            f0 = np.empty(m)
            f1 = np.empty(m)
            pred = np.empty(m)
            cos_x = np.empty(m)
            sin_x = np.empty(m)
            for k in range(k0, k1):
                amp = math.sqrt(2.0 * (temperature[k - k0] * tscale[r]) * dt)
                _drift(cell, x, indptr, indices, data, h, poly, shil[k - k0], f0, cos_x, sin_x)
                if heun:
                    for i in range(m):
                        pred[i] = x[i] if fixed[i] else x[i] + f0[i] * dt + amp * draws[k - k0, r, i]
                    _drift(cell, pred, indptr, indices, data, h, poly, shil[k - k0], f1, cos_x, sin_x)
                    for i in range(m):
                        if not fixed[i]:
                            x[i] += 0.5 * (f0[i] + f1[i]) * dt + amp * draws[k - k0, r, i]
                else:
                    for i in range(m):
                        if not fixed[i]:
                            x[i] += f0[i] * dt + amp * draws[k - k0, r, i]

    def _pbit_block(state, k0, k1, draws, indptr, indices, data, h, order, temperature, fixed, tscale):
        R, m = state.shape
        for r in prange(R):
            s = state[r]
            for k in range(k0, k1):
                T = temperature[k - k0] * tscale[r]
                for q in range(m):
                    i = order[q]
                    if fixed[i]:
                        continue
                    acc = h[i]
                    for p in range(indptr[i], indptr[i + 1]):
                        acc += data[p] * s[indices[p]]
                    I = -acc
                    if T > 0:
                        a = math.tanh(I / T)
                    else:
                        a = (I > 0) - (I < 0)
                    s[i] = 1.0 if a > draws[k - k0, r, i] else -1.0


    # One loop body, compiled twice: threads pay off only when a block holds enough work to
    # amortize the thread pool's start and join (≈ 0.1 ms per block on 2 busy cores).
    SDE_BLOCK = {False: njit(cache=True)(_sde_block), True: njit(cache=True, parallel=True)(_sde_block)}
    PBIT_BLOCK = {False: njit(cache=True)(_pbit_block), True: njit(cache=True, parallel=True)(_pbit_block)}

PARALLEL_WORK = 200_000  # node-updates × (couplings per node + 1) per block before threads are used


class NumbaBackend(AbstractEmulator):
    """Numba-compiled emulator (float64), parallel over replicas."""

    name = "numba"
    tempering = frozenset({PbitCell, GaussCell})

    @classmethod
    def unavailable_reason(cls) -> str | None:
        return _unavailable()

    def prepare(self, plan: RunPlan) -> Kernel:
        reason = _unavailable()
        if reason:
            raise BackendError(reason)
        return super().prepare(plan)


def clamp_mask(plan: RunPlan) -> np.ndarray:
    """(m,) uint8, 1 for the nodes the compiled blocks hold (``plan.clamp``; all 0 without)."""
    m = plan.program.num_nodes
    return np.zeros(m, dtype=np.uint8) if plan.clamp is None else plan.clamp.astype(np.uint8)


def temperature_scale(plan: RunPlan) -> np.ndarray:
    """(R,) the replicas' temperature multipliers: ``plan.replica_temperature`` itself (replica
    exchange permutes it in place between calls), or ones."""
    scale = plan.replica_temperature
    return np.ones(plan.replicas) if scale is None else scale


def _arrays(plan: RunPlan) -> tuple[tuple, np.ndarray, int]:
    """CSR couplings (int64 indptr and indices, float64 data), fields and the work of one step
    (replicas × (nnz + m))."""
    p = plan.program
    J = p.couplings.tocsr()
    csr = (J.indptr.astype(np.int64), J.indices.astype(np.int64), J.data.astype(np.float64))
    h = np.ascontiguousarray(p.fields, dtype=np.float64)
    return csr, h, plan.replicas * (J.nnz + J.shape[0])


def window(plan: RunPlan, k0: int, k1: int, name: str) -> np.ndarray:
    """Schedule ``name``'s (k1−k0,) contiguous float64 values over the block (zeros when the cell
    has no such schedule); the compiled blocks index them by k − k0."""
    values = plan.window(k0, k1).get(name)
    return np.zeros(k1 - k0) if values is None else np.ascontiguousarray(values, dtype=np.float64)


def _threaded(plan: RunPlan, per_step: int, k0: int, k1: int) -> bool:
    return (k1 - k0) * per_step >= PARALLEL_WORK and plan.replicas > 1


@NumbaBackend.register(PbitCell)
def _pbit(backend: NumbaBackend, plan: RunPlan) -> Kernel:
    csr, h, per_step = _arrays(plan)
    # Nodes sorted by colour: a sweep visits each (internally uncoupled) class in turn.
    order = np.argsort(plan.program.colors, kind="stable").astype(np.int64)
    fixed, tscale = clamp_mask(plan), temperature_scale(plan)
    return lambda state, k0, k1, draws: PBIT_BLOCK[_threaded(plan, per_step, k0, k1)](
        state, k0, k1, draws, *csr, h, order, window(plan, k0, k1, "temperature"), fixed, tscale)


@NumbaBackend.register(OimCell, GaussCell)
def _sde(backend: NumbaBackend, plan: RunPlan) -> Kernel:
    csr, h, per_step = _arrays(plan)
    cell = DRIFTS[type(plan.cell)]
    poly = np.ascontiguousarray(plan.program.poly, dtype=np.float64)
    heun = plan.integrator == "heun"
    fixed, tscale = clamp_mask(plan), temperature_scale(plan)
    return lambda state, k0, k1, draws: SDE_BLOCK[_threaded(plan, per_step, k0, k1)](
        cell, state, k0, k1, draws, *csr, h, poly, window(plan, k0, k1, "temperature"),
        window(plan, k0, k1, "shil"), plan.dt, heun, fixed, tscale)
