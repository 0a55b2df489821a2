"""The pipeline against exact answers on a 16 × 16 variant of toroidal_8k (256 cells, QTT 2^8).

Exact reference.  The chip samples ``N(μ, P⁻¹)`` with ``P = P_chip`` (the programmed, quantized
precision) and ``μ = P⁻¹b`` (sparse direct solve).  In device units the drift is ``−M(x − μ)``
with ``M = P/scale`` and the noise temperature ``T = 1/scale``; the Heun step (same ξ in
predictor and corrector) is linear, ``x' − μ = G(x − μ) + (I − dtM/2)√(2T dt)ξ`` with
``G = I − dtM + dt²M²/2``, so each eigenmode k of M (eigenvalue λ_k, h = λ_k dt) is an
independent AR(1) chain: per-update autocorrelation ``ρ_k = g_k^f`` (``g_k = 1 − h + h²/2``,
f = update_frequency) and stationary variance ``c_k = 2T dt (1 − h/2)²/(1 − g_k²)`` (the exact
law of the discrete chip, 0.2% below ``T/λ_k`` at λdt = 0.08).  Reads start from zero, so the
exact mean of read t is ``μ_k(1 − ρ_k^t)``.

Without compression (rank cap ≥ every possible QTT rank, tolerance 0: re-injection is the
identity up to rounding) the sample mean of each mode over U reads of R replicas is Gaussian
with the exact AR(1) variance below, independent across modes, so ``Σ_k z_k²`` is χ² with n = 256
degrees of freedom: ``χ²/n = 1 ± √(2/n) = 1 ± 0.088``; the test allows 5σ (0.44).  The total
variance ``Σ_k v̂_k / Σ_k c_k`` has standard deviation ``√(Σ_k 2c_k²(1+ρ_k²)/(1−ρ_k²)/N)/Σ_k c_k``
(N = U·R reads; ≈ 0.005 here), tolerance 5σ.
"""

import dataclasses

import numpy as np
import pytest

from device_models.registry import load_device
from device_models.topology import Topology
from sdk.pipeline import GMRFPrior, build_posterior, digits_field, parse_config, run_pipeline

DT = 0.05
REPLICAS, UPDATES, BURN_IN = 16, 120, 40


def config(rank: int, frequency: int):
    return parse_config({"backend": "jax", "precision": "float32",
                         "network": {"topology": "unused", "time_constant": DT, "oscillator_coupling": "gaussian_lattice"},
                         "qttn": {"rank_truncation": rank, "svd_tolerance": 0.0, "update_frequency": frequency}})


@pytest.fixture(scope="module")
def chip():
    base = load_device("toroidal_8k")
    device = dataclasses.replace(base, name="torus16x16", cells=256, topology=Topology("torus2d", 16, 16))
    post = build_posterior(device, digits_field(16, 16), GMRFPrior(), np.random.default_rng(5))
    lam, vectors = np.linalg.eigh(post.precision.toarray() / post.program.scale)
    return post, lam, vectors


def exact_modes(post, lam, frequency):
    """(c_k, ρ_k): the discrete chip's stationary variance per mode and per-update autocorrelation."""
    h = lam * DT
    g = 1 - h + h * h / 2
    return 2 * DT / post.program.scale * (1 - h / 2) ** 2 / (1 - g * g), g**frequency


def mode_statistics(result, lam, vectors, exact_mean, frequency):
    """(χ²/n of the mode means, total-variance ratio, its σ, per-mode variance ratios)."""
    post = result.posterior
    c, rho = exact_modes(post, lam, frequency)
    reads = result.samples @ vectors                                    # (U', R, n) in modes
    mu = exact_mean @ vectors
    t = np.arange(result.burn_in + 1, result.updates + 1)              # read indices after burn-in
    expected = mu * (1 - np.mean(rho[None, :] ** t[:, None], axis=0))   # transient from the zero start
    u, r = reads.shape[:2]
    # variance of the mean of a stationary AR(1) over u reads, averaged over r replicas
    var_mean = c / (r * u**2) * (u * (1 + rho) / (1 - rho) - 2 * rho * (1 - rho**u) / (1 - rho) ** 2)
    z = (reads.mean(axis=(0, 1)) - expected) / np.sqrt(var_mean)
    v = np.mean((reads - mu) ** 2, axis=(0, 1))
    sd = np.sqrt(np.sum(2 * c * c * (1 + rho**2) / (1 - rho**2)) / (u * r)) / c.sum()
    return float(np.mean(z**2)), float(v.sum() / c.sum()), float(sd), v / c


def sample(post, rank, frequency, updates=UPDATES, burn_in=BURN_IN):
    return run_pipeline(config(rank, frequency), post, replicas=REPLICAS, updates=updates, burn_in=burn_in,
                        seed=11, keep_samples=True)


@pytest.fixture(scope="module")
def uncompressed(chip):
    return sample(chip[0], 16, 10)  # 16 = the largest rank a 2^8 QTT has: nothing is truncated


def test_posterior_mean_and_covariance_match_the_exact_answer(chip, uncompressed):
    post, lam, vectors = chip
    chi2, ratio, sd, _ = mode_statistics(uncompressed, lam, vectors, post.exact_mean, 10)
    assert abs(chi2 - 1) < 5 * np.sqrt(2 / 256), chi2
    assert abs(ratio - 1) < 5 * sd, (ratio, sd)
    assert np.max(uncompressed.injection) < 1e-20  # re-injection was the identity


def test_the_mean_check_fails_against_another_posterior(chip, uncompressed):
    """Samples of the σ = 0.5 chip judged against the σ = 0.7 posterior's exact mean (12% apart in
    L2) must be rejected (measured χ²/n 4.3 against the 1.44 limit).  The resolution at this sample
    size: σ = 0.6 (6% apart) gives 1.7, σ = 0.55 (3%) 1.1, which passes."""
    post, lam, vectors = chip
    other = build_posterior(post.device, post.field, GMRFPrior(noise_sigma=0.7), np.random.default_rng(5))
    chi2, _, _, _ = mode_statistics(uncompressed, lam, vectors, other.exact_mean, 10)
    assert chi2 > 1 + 5 * np.sqrt(2 / 256), chi2


def test_energy_oscillation_matches_the_exact_increment(chip, uncompressed):
    """⟨‖x_{t+1} − x_t‖²⟩ = Σ_k 2c_k(1 − ρ_k) at stationarity (independent modes).  One read's
    ‖Δ‖² has variance Σ_k 2(2c_k(1 − ρ_k))²; squared increments of successive reads correlate by
    at most ((1 − ρ)/2)² ≤ ¼, so the variance of the mean over N reads is taken as twice the
    independent one (conservative); tolerance 5σ."""
    post, lam, _ = chip
    c, rho = exact_modes(post, lam, 10)
    increment = 2 * c * (1 - rho)
    n_reads = (UPDATES - BURN_IN) * REPLICAS
    sd = np.sqrt(2 * np.sum(2 * increment**2) / n_reads)
    measured = np.mean(uncompressed.oscillation[BURN_IN:])
    assert abs(measured - increment.sum()) < 5 * sd, (measured, increment.sum(), sd)


def test_reinjection_biases_the_law_less_with_longer_intervals(chip):
    """Rank-4 projection every 10 steps: variance deficit and mean shift well beyond sampling error;
    every 40 steps (4× the relaxation between projections): both smaller."""
    post, lam, vectors = chip
    often = sample(post, 4, 10)
    rare = sample(post, 4, 40, updates=60, burn_in=10)
    chi2_often, ratio_often, sd_often, _ = mode_statistics(often, lam, vectors, post.exact_mean, 10)
    chi2_rare, ratio_rare, sd_rare, _ = mode_statistics(rare, lam, vectors, post.exact_mean, 40)
    assert 1 - ratio_often > 5 * sd_often, (ratio_often, sd_often)
    assert chi2_often > 1 + 5 * np.sqrt(2 / 256)
    assert (1 - ratio_rare) < (1 - ratio_often) - 5 * np.hypot(sd_often, sd_rare), (ratio_rare, ratio_often)
    assert chi2_rare < chi2_often
    assert np.all(often.bound_excess <= 1e-12) and np.all(rare.bound_excess <= 1e-12)
