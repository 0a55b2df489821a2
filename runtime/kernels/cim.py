"""Kernels of the coherent Ising machine cell (``cim``, :mod:`device_models.cells.cim`) for every
emulator: NumPy (the reference), Numba, JAX and C (``csrc/sonq_cim.c``).

State (R, 2m): amplitudes x at columns 0..m−1, error variables e at m..2m−1.  Step k
(``docs/cim.md``; s = sign x with 0 → −1, H = ½ sᵀJs, ξ_k the block's draws for step k)::

    x' = x + dt·x·(r − 1 − x²) − dt·ε·e·(Jx) + √(2T dt)·ξ
    ahc: a = a₀ − ε·(sᵀJs)/m;  e' = min(e − dt·β·(x'² − a)·e, E_MAX)
    cac: e' = min(e − dt·β_r·(x'² − a_r)·e, E_MAX);  β_r += γ·dt;
         a_r = α + ρ·tanh(δ·(H − H_opt,r));  reset β_r = 0 when t − t_c,r > τ;  H_opt,r = min(H_opt,r, H)

CAC's per-replica values (a, β, H_opt, t_c) live in the kernel object, carried across the
driver's blocks (which always come in order), initialised from the run's initial state.  Every
emulator takes the same operations in the same order, so a noise tape gives the reference's
trajectory to rounding.
"""

from __future__ import annotations

import math

import numpy as np

from device_models.cells.cim import E_MAX, CimCell
from device_models.errors import BackendError
from runtime.backends.base import CounterKey, Kernel, RunPlan
from runtime.backends.jax_backend import JaxBackend
from runtime.backends.numba_backend import NumbaBackend
from runtime.backends.numpy_backend import NumpyBackend
from runtime.backends.c_backend import CBackend
from runtime.backends import c_backend

AHC, CAC = 0, 1
RULES = {"ahc": AHC, "cac": CAC}
PARAMS = ("pump", "ahc_epsilon", "ahc_beta", "ahc_target", "cac_epsilon", "cac_alpha", "cac_gamma", "cac_rho",
          "cac_delta", "cac_tau")  # the schedules the step rules read besides temperature, in this order


def _energies(J, x: np.ndarray) -> np.ndarray:
    """H = ½ sᵀJs of s = sign x (0 → −1), one per replica (rows of x)."""
    s = np.where(x > 0, 1.0, -1.0)
    return 0.5 * np.einsum("ri,ri->r", s, (J @ s.T).T)


class _CacState:
    """CAC's per-replica values: target a, error rate β, best energy H_opt and the clock t_c
    (step of the last improvement or reset), from the run's initial state."""

    def __init__(self, plan: RunPlan):
        m = plan.program.num_nodes
        R = plan.replicas
        self.a = np.full(R, float(plan.schedules["cac_alpha"][0]))
        self.beta = np.zeros(R)
        self.h_opt = _energies(plan.program.couplings, np.asarray(plan.init, dtype=np.float64)[:, :m])
        self.t_c = np.zeros(R)

    def arrays(self) -> tuple[np.ndarray, ...]:
        return self.a, self.beta, self.h_opt, self.t_c


def _schedules(plan: RunPlan) -> dict[str, np.ndarray]:
    return {name: np.ascontiguousarray(plan.schedules[name], dtype=np.float64) for name in ("temperature", *PARAMS)}


@NumpyBackend.register(CimCell)
def _numpy(backend: NumpyBackend, plan: RunPlan) -> Kernel:
    J = plan.program.couplings.tocsr()
    m, dt, rule = plan.program.num_nodes, plan.dt, RULES[plan.integrator]
    sc = _schedules(plan)
    aux = _CacState(plan)

    def cim(state, k0, k1, draws):
        x, e = state[:, :m], state[:, m:]
        for k in range(k0, k1):
            s = np.where(x > 0, 1.0, -1.0)
            Js = (J @ s.T).T
            H = 0.5 * np.einsum("ri,ri->r", s, Js)
            Jx = (J @ x.T).T
            eps = sc["ahc_epsilon"][k] if rule == AHC else sc["cac_epsilon"][k]
            xn = x + dt * (x * ((sc["pump"][k] - 1) - x * x))
            xn = xn - dt * eps * (Jx * e)
            xn = xn + math.sqrt(2 * sc["temperature"][k] * dt) * draws[k - k0]
            x2 = xn * xn
            if rule == AHC:
                a = sc["ahc_target"][k] - eps * np.einsum("ri,ri->r", s, Js) / m
                en = e + dt * (-sc["ahc_beta"][k] * (x2 - a[:, None]) * e)
            else:
                en = e + (-aux.beta[:, None] * (x2 - aux.a[:, None]) * e) * dt
                aux.beta += sc["cac_gamma"][k] * dt
                aux.a = sc["cac_alpha"][k] + sc["cac_rho"][k] * np.tanh(sc["cac_delta"][k] * (H - aux.h_opt))
                reset = aux.t_c < k - sc["cac_tau"][k] / dt
                aux.beta[reset] = 0.0
                aux.t_c[reset] = k
                better = H < aux.h_opt
                aux.t_c[better] = k
                aux.h_opt = np.minimum(aux.h_opt, H)
            x[...] = xn
            e[...] = np.minimum(en, E_MAX)
    return cim
