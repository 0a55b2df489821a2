"""Observables of Langevin learning runs: the consolidation ratio, the relaxation ``KL(ρ_t ‖ ρ*)``
of a separable quadratic loss, and exponential rates.

KL estimate.  For ``L = ½Σλ_i(θ_i − θ*_i)²`` started from a product Gaussian, ρ_t is the product
Gaussian of :func:`sdk.dynamics.exact.ou_moments` at every t (the Heun chain's law is Gaussian
too), so ``KL(ρ_t ‖ ρ*)`` with ``ρ* = N(θ*, D/λ)`` is closed-form in ρ_t's means and variances.  The
measured curve puts the replicas' sample means m̂_i and variances ŝ²_i (ddof 1) into that formula.
With R independent Gaussian replicas the estimate's expectation exceeds the true KL by
(per parameter, exactly: ``E ln ŝ² = ln σ² + ψ((R−1)/2) − ln((R−1)/2)``, ``E m̂² = μ² + σ²/R``)::

    bias_i = ½ [ln((R−1)/2) − ψ((R−1)/2) + σ_i²/(R v*_i)]      ≈ (1 + σ_i²/v*_i)/(2R)

and its variance is, to second order (δ_i = μ_i − θ*_i, a_i = σ_i²/v*_i)::

    var_i = δ_i² σ_i²/(R v*_i²) + a_i²/(2R²) + (a_i − 1)²/(2(R − 1)) + 1/(2(R − 1)²)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import digamma

from sdk.dynamics.exact import gaussian_kl, heun_ou_moments, ou_moments
from sdk.dynamics.losses import PolynomialLoss
from sdk.dynamics.simulate import LangevinPath, check_noise
from sdk.errors import AnalysisError


def consolidation_ratio(loss: PolynomialLoss, theta: np.ndarray, noise: float) -> np.ndarray:
    """``C = ‖∇L(θ)‖²/(D·d)`` for θ of shape (..., d); returns shape (...).  Its stationary mean is
    ``E_ρ*[ΔL]/d`` (:func:`sdk.dynamics.exact.stationary_consolidation`)."""
    noise = check_noise(noise)
    grad = loss.gradient(theta)
    return np.sum(grad**2, axis=-1) / (noise * loss.dim)


def ou_consolidation(curvatures, noise: float, mean, var, minimum=0.0) -> np.ndarray:
    """Exact mean consolidation ratio of a separable quadratic under a product Gaussian law:
    ``Σ_i λ_i²(var_i + (mean_i − θ*_i)²)/(D·d)``; mean, var (..., d) → (...)."""
    lam = np.asarray(curvatures, dtype=np.float64)
    noise = check_noise(noise)
    return np.sum(lam**2 * (np.asarray(var) + (np.asarray(mean) - minimum) ** 2), axis=-1) / (noise * lam.size)


@dataclass(frozen=True)
class KLCurve:
    """``KL(ρ_t ‖ ρ*)`` (nats) measured at each record beside the exact law.

    Attributes:
        times: (k,) model time.
        measured: (k,) the replicas' estimate.
        exact: (k,) the Ornstein–Uhlenbeck law's KL (continuous time).
        heun: (k,) the KL of the exact law of the Heun chain the chip integrates (its difference
            from ``exact`` is the integrator's bias).
        expected: (k,) what the estimate averages to: ``heun`` plus the estimator's bias.
        standard_error: (k,) the estimate's standard deviation about ``expected``.
        replicas: R.
    """

    times: np.ndarray
    measured: np.ndarray
    exact: np.ndarray
    heun: np.ndarray
    expected: np.ndarray
    standard_error: np.ndarray
    replicas: int


def kl_curve(path: LangevinPath, loss: PolynomialLoss, mean0, var0) -> KLCurve:
    """The relaxation of a separable quadratic loss towards ``ρ* = N(θ*, D/λ)``.

    Args:
        path: a run of ``loss`` whose initial states were drawn from ``N(mean0, diag var0)``.
        loss: a separable quadratic (:func:`sdk.dynamics.separable_quadratic`).
        mean0, var0: (d,) or scalars, the initial law.
    """
    lam, minimum = loss.curvatures(), loss.minimum()
    replicas = path.theta.shape[1]
    if replicas < 3:
        raise AnalysisError(f"a KL estimate needs at least 3 replicas, got {replicas}")
    noise = path.noise
    v_star = noise / lam
    m_hat = path.theta.mean(axis=1)
    s2_hat = path.theta.var(axis=1, ddof=1)
    measured = gaussian_kl(m_hat, s2_hat, minimum, v_star)
    mean, var = ou_moments(lam, noise, mean0, var0, path.times, minimum)
    steps = np.rint(path.times / path.dt)
    h_mean, h_var = heun_ou_moments(lam, noise, mean0, var0, path.dt, steps, minimum)
    exact = gaussian_kl(mean, var, minimum, v_star)
    heun = gaussian_kl(h_mean, h_var, minimum, v_star)
    half = (replicas - 1) / 2
    a = h_var / v_star
    delta = h_mean - minimum
    bias = 0.5 * np.sum(np.log(half) - digamma(half) + a / replicas, axis=-1)
    var_kl = np.sum(delta**2 * h_var / (replicas * v_star**2) + a**2 / (2 * replicas**2)
                    + (a - 1) ** 2 / (2 * (replicas - 1)) + 1 / (2 * (replicas - 1) ** 2), axis=-1)
    return KLCurve(path.times, measured, exact, heun, heun + bias, np.sqrt(var_kl), replicas)


def exponential_rate(times, values, window: tuple[float, float]) -> float:
    """The rate r of ``values ≈ A·e^{−r t}`` fitted by least squares on ``ln values`` over the
    times inside ``window`` (at least 2 points, every value positive)."""
    t, v = np.asarray(times, dtype=np.float64), np.asarray(values, dtype=np.float64)
    keep = (t >= window[0]) & (t <= window[1])
    if np.count_nonzero(keep) < 2 or np.any(v[keep] <= 0):
        raise AnalysisError(f"the window {window} holds {np.count_nonzero(keep)} points (need ≥ 2, all positive)")
    return float(-np.polyfit(t[keep], np.log(v[keep]), 1)[0])
