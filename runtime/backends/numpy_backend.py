"""NumPy reference emulator: the macromodels written as plainly as possible, vectorized over
replicas.  Other backends are tested against it.

Models (device units, time in the cell's time unit; ξ standard normal):

* ``oim``  — ``dφ_i = [Σ_j J_ij sin(φ_i − φ_j) − K_s sin 2φ_i] dt + √(2T dt) ξ_i``
  (J in dimod's sign, i.e. J' = −J is the ferromagnetic coupling of docs/physics.md#oim);
* ``gauss`` — overdamped Langevin ``dx = −∂E/∂x dt + √(2T dt) ξ`` with
  ``E = hᵀx + ½xᵀJx + Σ c₂x² + c₃x³ + c₄x⁴``;
* ``pbit`` — one sweep updates each colour class in turn:
  ``s_i ← sign(tanh(I_i/T) − u_i)``, ``I_i = −(h_i + Σ_j J_ij s_j)``, u uniform on [−1, 1).

Clamped nodes (``plan.clamp``) keep their state: a sweep skips them, an SDE step gives them
neither drift nor kick (their draws are still consumed, so the free nodes see the same noise).
"""

from __future__ import annotations

import numpy as np

from device_models.cells import GaussCell, OimCell, PbitCell
from runtime.backends.base import AbstractEmulator, Kernel, RunPlan


def oim_drift(phi: np.ndarray, J, shil: float) -> np.ndarray:
    c, s = np.cos(phi), np.sin(phi)
    # Σ_j J_ij sin(φ_i − φ_j) = sin φ_i (J cos φ)_i − cos φ_i (J sin φ)_i
    return s * (J @ c.T).T - c * (J @ s.T).T - shil * np.sin(2 * phi)


def langevin_drift(x: np.ndarray, J, h: np.ndarray, poly: np.ndarray) -> np.ndarray:
    c2, c3, c4 = poly.T
    return -(h + (J @ x.T).T + 2 * c2 * x + 3 * c3 * x**2 + 4 * c4 * x**3)


class NumpyBackend(AbstractEmulator):
    """Pure NumPy reference (float64)."""

    name = "numpy"
    tempering = frozenset({PbitCell, GaussCell})
    moments = frozenset({PbitCell, GaussCell})


@NumpyBackend.register(PbitCell)
def _pbit(backend: NumpyBackend, plan: RunPlan) -> Kernel:
    p = plan.program
    free = np.ones(p.num_nodes, dtype=bool) if plan.clamp is None else ~plan.clamp
    classes = [np.flatnonzero((p.colors == c) & free) for c in range(int(p.colors.max()) + 1)]
    rows = [p.couplings[idx] for idx in classes]
    scale = plan.replica_temperature  # permuted in place by replica exchange between calls

    def pbit(state, k0, k1, draws):
        temperature = plan.window(k0, k1)["temperature"]
        for k in range(k0, k1):
            T = temperature[k - k0]
            Tr = T if scale is None else T * scale[:, None]
            for idx, Jrows in zip(classes, rows):
                I = -(p.fields[idx] + (Jrows @ state.T).T)
                a = np.tanh(I / Tr) if T > 0 else np.sign(I)
                state[:, idx] = np.where(a > draws[k - k0][:, idx], 1.0, -1.0)
            if plan.moments is not None:
                plan.moments.add(state, k + 1)
    return pbit


@NumpyBackend.register(OimCell)
def _oim(backend: NumpyBackend, plan: RunPlan) -> Kernel:
    J = plan.program.couplings
    return _sde(plan, lambda x, step: oim_drift(x, J, step["shil"]))


@NumpyBackend.register(GaussCell)
def _gauss(backend: NumpyBackend, plan: RunPlan) -> Kernel:
    p = plan.program
    return _sde(plan, lambda x, step: langevin_drift(x, p.couplings, p.fields, p.poly))


def held(clamp: np.ndarray | None):
    """``hold(new, old)``: ``new`` with the clamped nodes' columns taken from ``old`` (``new``
    itself when nothing is clamped)."""
    if clamp is None:
        return lambda new, old: new
    return lambda new, old: np.where(clamp, old, new)


def _sde(plan: RunPlan, drift) -> Kernel:
    """Stochastic Heun or Euler–Maruyama steps of ``drift(x, step)`` (``step``: the schedules'
    values at the step) with kicks √(2T dt)·ξ; clamped nodes stay where they are."""
    dt, heun = plan.dt, plan.integrator == "heun"
    hold = held(plan.clamp)
    scale = plan.replica_temperature  # permuted in place by replica exchange between calls

    def sde(state, k0, k1, draws):
        window = plan.window(k0, k1)
        for k in range(k0, k1):
            step = {name: values[k - k0] for name, values in window.items()}
            T = step["temperature"] if scale is None else step["temperature"] * scale[:, None]
            kick = np.sqrt(2 * T * dt) * draws[k - k0]
            f0 = drift(state, step)
            if heun:
                f1 = drift(hold(state + f0 * dt + kick, state), step)
                state[...] = hold(state + (0.5 * (f0 + f1) * dt + kick), state)
            else:
                state[...] = hold(state + (f0 * dt + kick), state)
            if plan.moments is not None:
                plan.moments.add(state, k + 1)
    return sde
