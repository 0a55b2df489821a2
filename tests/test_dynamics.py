"""Langevin learning dynamics on the gauss chip (``sdk.dynamics``) against exact references:
mean first-passage times of the double well (double integral), the Ornstein–Uhlenbeck law of the
d = 50, κ = 100 quadratic (KL and consolidation ratio), and the estimators' bookkeeping."""

import math

import numpy as np
import pytest

from sdk import dynamics
from sdk.errors import AnalysisError
from device_models.errors import ModelError

# D, record interval Δ (model time): Δ grows as D falls, the monitoring bias ∝ √Δ/T staying ≤ 0.9%.
MFPT_LEVELS = [(0.25, 0.05), (2 / 7, 0.04), (1 / 3, 0.02)]
MFPT_DT, MFPT_REPLICAS, MFPT_RUNS = 0.01, 1024, 6.0


@pytest.mark.parametrize("noise,interval", MFPT_LEVELS)
def test_double_well_mfpt_matches_the_double_integral(noise, interval):
    """Bottom-to-bottom passages of θ₁ in ``L = (θ₁² − 1)² + θ₂²`` (ΔL = 1) at ΔL/D = 4, 3.5, 3.

    Each of 1024 replicas runs 6 exact MFPTs, so N ≈ 6·1024 passages (both directions, the loss
    being symmetric) and the exponential law's standard error μ/√N ≈ 1.3%.  What the estimate
    should equal: the exact double integral with both levels moved out by the discrete-monitoring
    shift δ = β√(2DΔ) (Siegmund's correction; it raises the MFPT by 0.5–0.9% here).  Tolerance:
    3σ plus 1% for what that first-order correction and Heun at dt = 0.01 leave (measured while
    planning at D = 1/3, Δ = 0.02, N = 49663: 0.9975 ± 0.0045 of the corrected value, 1.0062 of the
    plain one).  The issue's claim, within 5% of the exact MFPT, is asserted on its own."""
    loss = dynamics.double_well()
    u = loss.node_polynomial(0)
    exact = dynamics.exact_mfpt(u, -1.0, 1.0, noise)
    monitored = dynamics.exact_mfpt(u, -1.0, 1.0, noise, interval=interval)
    est = dynamics.mean_first_passage(loss, noise, time=MFPT_RUNS * exact, replicas=MFPT_REPLICAS, dt=MFPT_DT,
                                      record_every=round(interval / MFPT_DT), seed=11, backend="c")
    pooled = est.pooled
    assert pooled.count > 5000
    tol = 3 * pooled.standard_error + 0.01 * monitored
    assert abs(pooled.mean - monitored) < tol, (
        f"D = {noise:.4f}: MFPT {pooled.mean:.3f} ± {pooled.standard_error:.3f} from {pooled.count} passages, "
        f"expected {monitored:.3f} (exact {exact:.3f}) ± {tol:.3f}")
    assert abs(pooled.mean / exact - 1) < 0.05


def test_exact_mfpt_and_kramers_reproduce_the_physics_notes():
    """docs/physics.md#validation: 69.26 at D = 0.25, 182.42 at D = 0.2; Kramers 60.64, 164.85."""
    u = dynamics.double_well().node_polynomial(0)
    assert dynamics.exact_mfpt(u, -1, 1, 0.25) == pytest.approx(69.26, abs=0.01)
    assert dynamics.exact_mfpt(u, -1, 1, 0.2) == pytest.approx(182.42, abs=0.01)
    assert dynamics.kramers_mfpt(1.0, 8.0, -4.0, 0.25) == pytest.approx(60.64, abs=0.01)
    assert dynamics.kramers_mfpt(1.0, 8.0, -4.0, 0.2) == pytest.approx(164.85, abs=0.01)
    # A flat-bottomed check: free diffusion reflected at 0... here, an OU well U = x²/2 from 0 to
    # 1 at D = 1 is D⁻¹∫₀¹ e^{y²/2}∫_{−∞}^y e^{−z²/2} dz dy, by direct 2-D quadrature.
    from scipy.integrate import dblquad
    ref = dblquad(lambda z, y: math.exp(y * y / 2 - z * z / 2), 0, 1, -np.inf, lambda y: y)[0]
    assert dynamics.exact_mfpt(np.polynomial.Polynomial([0, 0, 0.5]), 0.0, 1.0, 1.0) == pytest.approx(ref, rel=1e-7)


def test_passage_counter_bookkeeping():
    """Two replicas, records every 0.5: replica 0 goes a → b → a → b (3 passages: two forward,
    one backward), replica 1 never leaves a (forward time only, censored)."""
    x = np.array([[-1.2, -1.0], [0.0, -1.1], [1.1, -0.5], [0.3, -0.9], [-1.0, -1.5], [0.5, -1.0], [1.0, 0.0]])
    counter = dynamics.PassageCounter(-1.0, 1.0, np.array([-1.0, -1.0]), 0.5)
    counter.update(x[:3])
    counter.update(x[3:])  # streaming in two pieces must match one piece
    fwd, back = counter.passages(-1), counter.passages(1)
    # replica 0 intervals: 1,2,3 forward (arrive b at record 3), 4,5 backward (arrive a at record 5),
    # 6,7 forward (arrive b at record 7); replica 1: all 7 intervals forward, none completed.
    assert (fwd.count, back.count) == (2, 1)
    assert fwd.time == pytest.approx(0.5 * (5 + 7)) and back.time == pytest.approx(1.0)
    assert fwd.mean == pytest.approx(3.0) and fwd.standard_error == pytest.approx(3.0 / math.sqrt(2))


KL_REPLICAS, KL_NOISE, KL_MEAN0, KL_VAR0, KL_DT, KL_TIME = 512, 0.1, 1.0, 0.01, 1e-3, 2.5


@pytest.fixture(scope="module")
def quadratic_path():
    """512 replicas of the d = 50, κ = 100 quadratic from N(1, 0.01) at D = 0.1, Heun at λ_max·dt = 0.1."""
    loss = dynamics.separable_quadratic(50, 100.0)
    init = KL_MEAN0 + math.sqrt(KL_VAR0) * np.random.default_rng(3).standard_normal((KL_REPLICAS, loss.dim))
    path = dynamics.simulate(loss, KL_NOISE, time=KL_TIME, init=init, replicas=KL_REPLICAS, dt=KL_DT,
                             record_every=100, seed=4, backend="c")
    return loss, path


def test_kl_relaxation_follows_the_ornstein_uhlenbeck_law(quadratic_path):
    """``KL(ρ_t ‖ ρ*)`` from the replicas' means and variances at 26 records against the exact OU law.

    Each record: |measured − expected| < 4σ + |Heun − OU|, where expected is the Heun chain's exact
    KL plus the estimator's exact bias for 512 Gaussian replicas and σ its standard deviation
    (``sdk.dynamics.observables``).  The fitted exponential rate over t ∈ [0.5, 1.5] (KL from ≈ 20
    to ≈ 1) must match the same fit of the expected curve within 4σ of the slope: the relative
    errors at the window's ends over its length."""
    loss, path = quadratic_path
    kl = dynamics.kl_curve(path, loss, KL_MEAN0, KL_VAR0)
    assert kl.measured.shape == (26,) and kl.times[-1] == pytest.approx(KL_TIME)
    integrator = np.abs(kl.heun - kl.exact)
    assert np.all(integrator < 0.01 * kl.exact + 1e-3)  # Heun at λ_max·dt = 0.1 tracks the OU law
    dev = np.abs(kl.measured - kl.expected)
    worst = int(np.argmax(dev / (4 * kl.standard_error + integrator)))
    assert np.all(dev < 4 * kl.standard_error + integrator), (
        f"t = {kl.times[worst]:.2f}: KL {kl.measured[worst]:.4f}, expected {kl.expected[worst]:.4f} "
        f"± {kl.standard_error[worst]:.4f}")
    window = (0.5, 1.5)
    rate = dynamics.exponential_rate(kl.times, kl.measured, window)
    expected_rate = dynamics.exponential_rate(kl.times, kl.expected, window)
    ends = np.searchsorted(kl.times, window)
    slope_sigma = np.sum(kl.standard_error[ends] / kl.expected[ends]) / (window[1] - window[0])
    assert abs(rate - expected_rate) < 4 * slope_sigma, (rate, expected_rate, slope_sigma)
    assert expected_rate > 2.0  # the slowest mode's 2λ_min bounds every mixture of modes from below


def test_consolidation_ratio_follows_the_exact_law(quadratic_path):
    """Replica mean of ``‖∇L‖²/(D·d)`` at every record within 4 standard errors (the replicas' own
    spread over √512) of ``Σλ²(var + mean²)/(D·d)`` from the OU moments, and the stationary value
    ``E[ΔL]/d = mean λ`` (quadrature vs the closed form)."""
    loss, path = quadratic_path
    lam = loss.curvatures()
    ratio = dynamics.consolidation_ratio(loss, path.theta, KL_NOISE)
    mean, var = dynamics.ou_moments(lam, KL_NOISE, KL_MEAN0, KL_VAR0, path.times)
    exact = dynamics.ou_consolidation(lam, KL_NOISE, mean, var)
    se = ratio.std(axis=1, ddof=1) / math.sqrt(KL_REPLICAS)
    assert np.all(np.abs(ratio.mean(axis=1) - exact) < 4 * se)
    assert dynamics.stationary_consolidation(loss, KL_NOISE) == pytest.approx(lam.mean(), rel=1e-8)
    assert exact[-1] == pytest.approx(lam.mean(), rel=0.01)  # relaxed by t = 2.5 (slowest e^{−2t})


def test_losses_match_their_formulas():
    """Values, gradients and Laplacians of the two losses against the formulas, at random θ."""
    theta = np.random.default_rng(0).normal(size=(5, 2))
    dw = dynamics.double_well()
    t1, t2 = theta[:, 0], theta[:, 1]
    assert np.allclose(dw.value(theta), (t1**2 - 1) ** 2 + t2**2)
    assert np.allclose(dw.gradient(theta), np.stack([4 * t1 * (t1**2 - 1), 2 * t2], axis=1))
    assert np.allclose(dw.laplacian(theta), 12 * t1**2 - 4 + 2)
    quad = dynamics.separable_quadratic(50, 100.0)
    lam = quad.curvatures()
    assert lam[0] == pytest.approx(1.0) and lam[-1] == pytest.approx(100.0) and lam.size == 50
    x = np.random.default_rng(1).normal(size=(3, 50))
    assert np.allclose(quad.value(x), 0.5 * (lam * x**2).sum(axis=1))
    assert np.allclose(quad.gradient(x), lam * x)


def test_ou_and_heun_laws_agree_as_dt_shrinks():
    """The Heun chain's exact moments converge to the OU law at second order in dt (mean and variance)."""
    lam = np.array([1.0, 10.0])
    t = np.array([0.5])
    mean, var = dynamics.ou_moments(lam, 0.2, 1.0, 0.0, t)
    errors = []
    for dt in (0.02, 0.01):
        h_mean, h_var = dynamics.heun_ou_moments(lam, 0.2, 1.0, 0.0, dt, t / dt)
        errors.append([np.max(np.abs(h_mean - mean)), np.max(np.abs(h_var - var))])
    ratio = np.array(errors[0]) / np.array(errors[1])
    assert np.all((3.0 < ratio) & (ratio < 5.0)), ratio
    assert dynamics.gaussian_kl(mean, var, mean, var) == pytest.approx(0.0)


def test_bad_arguments_are_refused():
    loss = dynamics.double_well()
    with pytest.raises(AnalysisError, match="noise D must be a finite number > 0"):
        dynamics.mean_first_passage(loss, 0.0, time=1.0)
    with pytest.raises(AnalysisError, match="coordinate must be an integer in 0..1"):
        dynamics.mean_first_passage(loss, 0.3, time=1.0, coordinate=2)
    with pytest.raises(AnalysisError, match="time must be a finite number > 0"):
        dynamics.simulate(loss, 0.3, time=-1.0, init=[0.0, 0.0])
    with pytest.raises(AnalysisError, match=r"init must be finite with shape \(2,\) or \(4, 2\)"):
        dynamics.simulate(loss, 0.3, time=1.0, init=np.zeros(3), replicas=4)
    with pytest.raises(ModelError, match="dim must be an integer ≥ 1"):
        dynamics.separable_quadratic(0)
    with pytest.raises(ModelError, match="condition must be a finite number ≥ 1"):
        dynamics.separable_quadratic(4, 0.5)
    with pytest.raises(ModelError, match="separable quadratic"):
        loss.curvatures()
    with pytest.raises(AnalysisError, match="start < end"):
        dynamics.exact_mfpt(loss.node_polynomial(0), 1.0, -1.0, 0.3)
