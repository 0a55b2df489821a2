"""Exact references for Langevin dynamics ``dθ = −∇L dt + √(2D dt) ξ`` (model time, loss units).

- :func:`exact_mfpt`: the mean first-passage time of a one-dimensional diffusion (the double
  integral, ``docs/physics.md#validation``);
- :func:`kramers_mfpt`: Kramers' high-barrier approximation of the same;
- :func:`ou_moments`: the Ornstein–Uhlenbeck law of a separable quadratic loss at time t (Gaussian
  at every t from a Gaussian start), and :func:`heun_ou_moments`, the exact law of the stochastic
  Heun chain the chip integrates (the integrator's bias is their difference);
- :func:`gaussian_kl`: KL divergence between product Gaussians;
- :func:`stationary_consolidation`: ``E_ρ*‖∇L‖²/(D·d) = E_ρ*[ΔL]/d`` for separable losses.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
from scipy.integrate import quad

from sdk.dynamics.losses import PolynomialLoss
from sdk.dynamics.simulate import check_noise
from sdk.errors import AnalysisError


#: −ζ(½)/√(2π): a Brownian path watched every Δ is first seen beyond a level as if the level sat
#: β·σ√Δ further out (Siegmund's continuity correction), σ² = 2D here
SIEGMUND_BETA = 0.5825971579390106


def exact_mfpt(potential: Callable[[float], float], start: float, end: float, noise: float, *,
               interval: float = 0.0) -> float:
    """Mean first-passage time from ``start`` to ``end`` > start of ``dx = −U'(x) dt + √(2D) dW``
    on the line (reflecting at −∞)::

        T = D⁻¹ ∫_start^end e^{U(y)/D} ∫_{−∞}^{y} e^{−U(z)/D} dz dy

    Both exponents are shifted by U's values at the integration ranges' extremes so nothing
    overflows.  ``U(x) = (x² − 1)²`` gives 69.26 at D = 0.25 (``docs/physics.md#validation``).

    ``interval`` > 0 gives what a measurement that sees the path only every Δ = ``interval``
    (model time) averages to, to first order in √Δ: both levels moved out by ``β√(2DΔ)``
    (:data:`SIEGMUND_BETA`); arrivals are seen late and departures from ``start`` begin beyond it.
    """
    noise = check_noise(noise)
    if not (np.isfinite(start) and np.isfinite(end) and start < end):
        raise AnalysisError(f"start and end must be finite with start < end, got {start!r}, {end!r}")
    if not (np.isfinite(interval) and interval >= 0):
        raise AnalysisError(f"interval must be a finite number ≥ 0 (model time), got {interval!r}")
    shift = SIEGMUND_BETA * math.sqrt(2 * noise * interval)
    start, end = start - shift, end + shift
    grid = np.linspace(start, end, 401)
    u_top = float(np.max([potential(y) for y in grid]))  # the barrier between start and end
    u_low = min(float(potential(start)), u_top)

    def inner(y: float) -> float:
        return quad(lambda z: math.exp(-(potential(z) - u_low) / noise), -np.inf, y, limit=200)[0]

    outer = quad(lambda y: math.exp((potential(y) - u_top) / noise) * inner(y), start, end, limit=200,
                 points=[grid[int(np.argmax([potential(y) for y in grid]))]])[0]
    return outer * math.exp((u_top - u_low) / noise) / noise


def kramers_mfpt(barrier: float, well_curvature: float, barrier_curvature: float, noise: float) -> float:
    """Kramers' mean time from one well bottom to the next, ``2π/√(U''_well |U''_barrier|)·e^{ΔU/D}``
    (the inverse Kramers rate; 60.64 for ``(x² − 1)²`` at D = 0.25, 12% below the exact 69.26)."""
    noise = check_noise(noise)
    if not (well_curvature > 0 and barrier_curvature != 0):
        raise AnalysisError(f"need U''(well) > 0 and U''(barrier) ≠ 0, got {well_curvature!r}, {barrier_curvature!r}")
    return 2 * math.pi / math.sqrt(well_curvature * abs(barrier_curvature)) * math.exp(barrier / noise)


def _moments_args(curvatures, noise, mean0, var0, minimum):
    lam = np.asarray(curvatures, dtype=np.float64)
    if lam.ndim != 1 or not np.all(lam > 0):
        raise AnalysisError("curvatures must be a (d,) array of positive numbers")
    mean0, var0 = (np.broadcast_to(np.asarray(v, dtype=np.float64), lam.shape) for v in (mean0, var0))
    if np.any(var0 < 0):
        raise AnalysisError("var0 must be non-negative")
    minimum = np.broadcast_to(np.asarray(minimum, dtype=np.float64), lam.shape)
    return lam, check_noise(noise), mean0, var0, minimum


def ou_moments(curvatures, noise: float, mean0, var0, times, minimum=0.0) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance at ``times`` of ``dθ_i = −λ_i(θ_i − θ*_i) dt + √(2D) dW``, θ_i(0) ~ N(m₀, v₀)::

        mean = θ* + (m₀ − θ*)e^{−λt},   var = D/λ + (v₀ − D/λ)e^{−2λt}

    Args: curvatures (d,) λ; noise D; mean0, var0 (d,) or scalars; times (k,); minimum θ* (d,).
    Returns: mean, var, each (k, d).
    """
    lam, noise, mean0, var0, minimum = _moments_args(curvatures, noise, mean0, var0, minimum)
    t = np.asarray(times, dtype=np.float64)[:, None]
    decay = np.exp(-lam * t)
    return minimum + (mean0 - minimum) * decay, noise / lam + (var0 - noise / lam) * decay**2


def heun_ou_moments(curvatures, noise: float, mean0, var0, dt: float, steps, minimum=0.0):
    """The same moments for the stochastic Heun chain with step h (``docs/physics.md#integrators``):
    ``θ' − θ* = g(θ − θ*) + c√(2Dh) ξ`` with ``g = 1 − u + u²/2``, ``c = 1 − u/2``, u = λh, so
    ``mean_k = θ* + g^k(m₀ − θ*)`` and ``var_k = g^{2k} v₀ + c²·2Dh·(1 − g^{2k})/(1 − g²)``.

    Args: as :func:`ou_moments`, with ``steps`` (k,) step counts instead of times.
    Returns: mean, var, each (k, d).
    """
    lam, noise, mean0, var0, minimum = _moments_args(curvatures, noise, mean0, var0, minimum)
    u = lam * dt
    g, c = 1 - u + u**2 / 2, 1 - u / 2
    gk = g ** np.asarray(steps, dtype=np.float64)[:, None]
    stationary = c**2 * 2 * noise * dt / (1 - g**2)
    return minimum + gk * (mean0 - minimum), gk**2 * var0 + stationary * (1 - gk**2)


def gaussian_kl(mean, var, mean_ref, var_ref) -> np.ndarray:
    """KL(N(mean, diag var) ‖ N(mean_ref, diag var_ref)) summed over the last axis::

        ½ Σ_i [v_i/v*_i − 1 − ln(v_i/v*_i) + (m_i − m*_i)²/v*_i]

    Arrays broadcast; every variance must be positive.  Returns shape (...) (nats).
    """
    mean, var, mean_ref, var_ref = (np.asarray(a, dtype=np.float64) for a in (mean, var, mean_ref, var_ref))
    if np.any(var <= 0) or np.any(var_ref <= 0):
        raise AnalysisError("gaussian_kl needs positive variances")
    ratio = var / var_ref
    return 0.5 * np.sum(ratio - 1 - np.log(ratio) + (mean - mean_ref) ** 2 / var_ref, axis=-1)


def stationary_consolidation(loss: PolynomialLoss, noise: float) -> float:
    """``C* = E_ρ*‖∇L‖²/(D·d)`` at ``ρ* ∝ exp(−L/D)``; integration by parts gives ``E_ρ*[ΔL]/d``,
    computed node by node by quadrature (separable losses only; a quadratic gives mean λ_i, at
    every D)."""
    noise = check_noise(noise)
    total = 0.0
    for i in range(loss.dim):
        u = loss.node_polynomial(i)
        curvature = u.deriv(2)
        critical = u.deriv().roots()
        u_min = float(np.min(u(critical[np.isreal(critical)].real)))  # keeps exp(−(U − U_min)/D) ≤ 1

        def weight(v: float) -> float:
            return math.exp(-(u(v) - u_min) / noise)

        total += quad(lambda v: curvature(v) * weight(v), -np.inf, np.inf)[0] / quad(weight, -np.inf, np.inf)[0]
    return total / loss.dim
