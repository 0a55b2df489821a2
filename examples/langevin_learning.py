"""Langevin learning dynamics ``dθ = −∇L dt + √(2D dt) ξ`` on the emulated gauss chip.

1. Double well ``L = (θ₁² − 1)² + θ₂²`` (ΔL = 1): bottom-to-bottom mean first-passage times at
   five noise levels against the exact double integral and Kramers' formula, with fits of the
   Arrhenius law ``∝ e^{ΔL/D}`` and the WKB-style ``∝ e^{S/ℏ}``, ℏ = √(ηD); ``arrhenius.png``.
2. Separable quadratic, d = 50, condition number 100: ``KL(ρ_t ‖ ρ*)`` at three noise levels
   against the exact Ornstein–Uhlenbeck law, the measured exponential rate beside 2λ_min and the
   quoted ``2D/(η + D/λ_min)``; ``kl_relaxation.png``.
3. The consolidation ratio ``C(t) = ‖∇L‖²/(D·d)`` of both losses against its exact law;
   ``consolidation.png``.

η is the integration step (model time).  The tables print as Markdown (docs/langevin_dynamics.md
holds a full run's).

    python examples/langevin_learning.py [OUT_DIR]

``SONQ_EXAMPLE_QUICK=1`` runs fewer replicas and shorter runs (the numbers get noisier).
"""

import math
import os
import sys
from pathlib import Path

import numpy as np

from sdk import dynamics
from sdk.plots.arrhenius import plot_arrhenius
from sdk.plots.relaxation import plot_relaxation

QUICK = os.environ.get("SONQ_EXAMPLE_QUICK") == "1"
BACKEND = "c"
# (D, record interval): Δ shrinks as D grows so the discrete-monitoring shift stays ≤ 1%
LEVELS = [(0.2, 0.1), (0.25, 0.05), (2 / 7, 0.04), (1 / 3, 0.02), (0.4, 0.01)]
MFPT_DT = 0.01
REPLICAS, RUNS = (256, 2.0) if QUICK else (1024, 6.0)
KL_NOISES = (0.001, 0.01, 0.1)
KL_WINDOW = (1.0, 1.5)
KL_REPLICAS, KL_TIME, KL_DT, KL_MEAN0, KL_VAR0 = (200, 2.0, 1e-3, 1.0, 0.01) if QUICK else (1000, 4.0, 1e-3, 1.0, 0.01)


def fit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Least-squares line y ≈ a + b x: (a, b) and the RMS residual."""
    coef = np.polyfit(x, y, 1)
    return coef[::-1], float(np.sqrt(np.mean((np.polyval(coef, x) - y) ** 2)))


def escape(out: Path) -> None:
    loss = dynamics.double_well()
    u = loss.node_polynomial(0)
    rows = []
    for k, (noise, interval) in enumerate(LEVELS):
        exact = dynamics.exact_mfpt(u, -1.0, 1.0, noise)
        est = dynamics.mean_first_passage(loss, noise, time=RUNS * exact, replicas=REPLICAS, dt=MFPT_DT,
                                          record_every=round(interval / MFPT_DT), seed=100 + k, backend=BACKEND)
        rows.append((noise, interval, est.pooled, exact, dynamics.exact_mfpt(u, -1.0, 1.0, noise, interval=interval),
                     dynamics.exact_mfpt(u, -1.0, 0.0, noise), dynamics.kramers_mfpt(1.0, 8.0, -4.0, noise)))
    noise = np.array([r[0] for r in rows])
    mfpt = np.array([r[2].mean for r in rows])
    se = np.array([r[2].standard_error for r in rows])
    (a_arr, barrier), rms_arr = fit(1 / noise, np.log(mfpt))
    hbar = np.sqrt(MFPT_DT * noise)
    (a_wkb, action), rms_wkb = fit(1 / hbar, np.log(mfpt))
    print("\n## Double well: mean first-passage time θ₁ = −1 → +1 (model time)\n")
    print("| D | ΔL/D | passages | measured | exact (double integral) | exact, seen every Δ | to the barrier top | "
          "Kramers | Arrhenius fit | WKB fit, ℏ = √(ηD) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for (d, interval, p, exact, seen, top, kramers), h in zip(rows, hbar):
        print(f"| {d:.4g} | {1 / d:.2f} | {p.count} | {p.mean:.2f} ± {p.standard_error:.2f} "
              f"({p.mean / exact - 1:+.1%}) | {exact:.2f} | {seen:.2f} (Δ = {interval:g}) | {top:.2f} | "
              f"{kramers:.2f} ({kramers / exact - 1:+.1%}) | {math.exp(a_arr + barrier / d):.2f} | "
              f"{math.exp(a_wkb + action / h):.2f} |")
    print(f"\nArrhenius fit ln T = a + ΔL_fit/D: ΔL_fit = {barrier:.3f} (true barrier 1), RMS residual {rms_arr:.4f} "
          f"in ln T; WKB-style fit ln T = a + S/√(ηD) (η = dt = {MFPT_DT:g}): S = {action:.4f}, RMS residual "
          f"{rms_wkb:.4f}.  Rates are 1/T.")
    curves = {"exact (double integral)": lambda d: dynamics.exact_mfpt(u, -1.0, 1.0, d),
              "Kramers (2π/√32)·e^(1/D)": lambda d: dynamics.kramers_mfpt(1.0, 8.0, -4.0, d)}
    path = plot_arrhenius(noise, mfpt, se, out / "arrhenius.png", curves=curves, barrier=1.0,
                          title="(θ₁² − 1)² + θ₂² on the gauss chip: well-to-well MFPT")
    print(f"plot: {path}")


def relaxation(out: Path) -> dict:
    loss = dynamics.separable_quadratic(50, 100.0)
    lam = loss.curvatures()
    series, ratios = {}, {}
    print("\n## Quadratic d = 50, κ = 100: KL(ρ_t ‖ ρ*) from θ ~ N(1, 0.01)\n")
    print(f"KL rates fitted over t ∈ {list(KL_WINDOW)} (the slow modes lead there) to the "
          "replicas' estimate less its exact bias ≈ d/R:\n")
    print("| D | KL at the end (exact) | measured rate | exact law | 2λ_min | 2D/(η + D/λ_min), η = dt |")
    print("|---|---|---|---|---|---|")
    for k, noise in enumerate(KL_NOISES):
        init = KL_MEAN0 + math.sqrt(KL_VAR0) * np.random.default_rng(k).standard_normal((KL_REPLICAS, loss.dim))
        path = dynamics.simulate(loss, noise, time=KL_TIME, init=init, replicas=KL_REPLICAS, dt=KL_DT,
                                 record_every=100, seed=200 + k, backend=BACKEND)
        kl = dynamics.kl_curve(path, loss, KL_MEAN0, KL_VAR0)
        quoted = 2 * noise / (path.dt + noise / lam.min())
        # the estimator's exact bias (≈ d/R) removed before the fit
        rate = dynamics.exponential_rate(kl.times, kl.measured - (kl.expected - kl.heun), KL_WINDOW)
        exact_rate = dynamics.exponential_rate(kl.times, kl.exact, KL_WINDOW)
        print(f"| {noise:g} | {kl.exact[-1]:.3g} | {rate:.3f} | {exact_rate:.3f} | {2 * lam.min():.3f} | {quoted:.3f} |")
        series[f"D = {noise:g}"] = (kl.times, kl.measured, kl.exact, kl.standard_error)
        c = dynamics.consolidation_ratio(loss, path.theta, noise)
        mean, var = dynamics.ou_moments(lam, noise, KL_MEAN0, KL_VAR0, path.times)
        ratios[f"quadratic, D = {noise:g}"] = (path.times, c.mean(axis=1), dynamics.ou_consolidation(lam, noise, mean, var),
                                               c.std(axis=1, ddof=1) / math.sqrt(KL_REPLICAS))
    print(f"\nstationary consolidation ratio of the quadratic: mean λ = {lam.mean():.3f} at every D")
    path = plot_relaxation(series, out / "kl_relaxation.png", ylabel="KL(ρ_t ‖ ρ*) (nats)",
                           title="d = 50, κ = 100 quadratic on the gauss chip")
    print(f"plot: {path}")
    return ratios


def consolidation(out: Path, ratios: dict) -> None:
    loss, noise = dynamics.double_well(), 0.25
    path = dynamics.simulate(loss, noise, time=KL_TIME, init=[-1.0, 0.0], replicas=KL_REPLICAS, dt=MFPT_DT,
                             record_every=10, seed=300, backend=BACKEND)
    c = dynamics.consolidation_ratio(loss, path.theta, noise)
    star = dynamics.stationary_consolidation(loss, noise)
    late = path.times >= 1.0
    print(f"\ndouble well at D = {noise}: C(t ≥ 1) = {c[late].mean():.3f} (stationary E[ΔL]/d = {star:.3f})")
    ratios[f"double well, D = {noise:g}"] = (path.times[1:], c.mean(axis=1)[1:], np.full(path.times.size - 1, star),
                                             c.std(axis=1, ddof=1)[1:] / math.sqrt(KL_REPLICAS))
    out_path = plot_relaxation(ratios, out / "consolidation.png", ylabel="C(t) = ‖∇L‖²/(D·d)",
                               title="consolidation ratio (double well: exact stationary value)")
    print(f"plot: {out_path}")


if __name__ == "__main__":
    out_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(".")
    out_dir.mkdir(parents=True, exist_ok=True)
    escape(out_dir)
    consolidation(out_dir, relaxation(out_dir))
