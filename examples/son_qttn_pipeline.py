"""What QTT re-injection does to the posterior law: bias against the exact answer, by rank and
update_frequency, on a 16 × 16 variant of toroidal_8k (256 cells, QTT modes 2^8).

The GMRF posterior of a digits field is sampled by the chip (JAX, float32) with a rank-r
projection every f steps (``sdk.pipeline.run_pipeline``).  Each eigenmode of the programmed
precision is an independent AR(1) chain without the projection, so the exact discrete-chip law
is known mode by mode (``tests/test_pipeline_physics.py``); the table gives, per (r, f), the
total-variance ratio Σv̂/Σc (1 = unbiased; its sampling σ beside it), the variance ratio of the
fastest quarter of the modes, the mean's relative L2 error against the sparse direct solve, and
χ²/n of the mode means (1 ± 0.09 for an unbiased chain).  Writes ``son_qttn_bias.png``.

Usage: ``python examples/son_qttn_pipeline.py [OUT_DIR]`` (default ``$SONQ_EXAMPLE_OUT`` or
``out/``); ``SONQ_EXAMPLE_QUICK=1`` runs 3 of the 12 settings with fewer reads.
"""

import dataclasses
import os
import sys
import time
from pathlib import Path

import numpy as np

from device_models.registry import load_device
from device_models.topology import Topology
from sdk.pipeline import GMRFPrior, build_posterior, digits_field, parse_config, run_pipeline
from sdk.plots._figure import pyplot, save

DT, RANKS, FREQUENCIES = 0.05, (2, 4, 8, 16), (10, 40, 160)


def exact_modes(post, frequency):
    """Eigenvalues' modes: vectors, stationary variances c_k of the Heun chain and ρ_k = g_k^f."""
    lam, vectors = np.linalg.eigh(post.precision.toarray() / post.program.scale)
    h = lam * DT
    g = 1 - h + h * h / 2
    return vectors, 2 * DT / post.program.scale * (1 - h / 2) ** 2 / (1 - g * g), g**frequency


def bias(post, rank, frequency, replicas, reads):
    config = parse_config({"backend": "jax", "precision": "float32",
                           "network": {"topology": "unused", "time_constant": DT,
                                       "oscillator_coupling": "gaussian_lattice"},
                           "qttn": {"rank_truncation": rank, "svd_tolerance": 0.0, "update_frequency": frequency}})
    burn_in = max(1, 400 // frequency)  # 400 steps: 8 relaxation times of the slowest mode
    res = run_pipeline(config, post, replicas=replicas, updates=burn_in + reads, burn_in=burn_in, seed=3,
                       keep_samples=True)
    vectors, c, rho = exact_modes(post, frequency)
    modes = res.samples @ vectors
    mu = post.exact_mean @ vectors
    u = modes.shape[0]
    var_mean = c / (replicas * u**2) * (u * (1 + rho) / (1 - rho) - 2 * rho * (1 - rho**u) / (1 - rho) ** 2)
    v = np.mean((modes - mu) ** 2, axis=(0, 1))
    sd = np.sqrt(np.sum(2 * c * c * (1 + rho**2) / (1 - rho**2)) / (u * replicas)) / c.sum()
    fast = slice(3 * len(c) // 4, None)
    return {"ratio": v.sum() / c.sum(), "sd": sd, "fast": v[fast].sum() / c[fast].sum(),
            "mean_error": np.linalg.norm(res.mean - post.exact_mean) / np.linalg.norm(post.exact_mean),
            "chi2": float(np.mean((modes.mean(axis=(0, 1)) - mu) ** 2 / var_mean))}


def main(out: Path, quick: bool) -> None:
    device = dataclasses.replace(load_device("toroidal_8k"), name="torus16x16", cells=256,
                                 topology=Topology("torus2d", 16, 16))
    post = build_posterior(device, digits_field(16, 16), GMRFPrior(), np.random.default_rng(5))
    settings = [(4, 10), (4, 160), (16, 10)] if quick else [(r, f) for r in RANKS for f in FREQUENCIES]
    replicas, reads = (8, 40) if quick else (32, 160)
    print(f"16 × 16 torus, dt = {DT} τ₀, {replicas} replicas × {reads} reads after burn-in")
    print(" rank  f    Σv̂/Σc (σ)          fast modes  mean L2 err  χ²/n")
    rows = {}
    start = time.perf_counter()
    for rank, frequency in settings:
        b = bias(post, rank, frequency, replicas, reads)
        rows[rank, frequency] = b
        print(f"{rank:5d} {frequency:4d}  {b['ratio']:.4f} ({b['sd']:.4f})   {b['fast']:.4f}      "
              f"{b['mean_error']:.4f}       {b['chi2']:.2f}")
    print(f"{len(settings)} settings in {time.perf_counter() - start:.1f} s")
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    for frequency in sorted({f for _, f in settings}):
        ranks = [r for r, f in settings if f == frequency]
        ax.errorbar(ranks, [rows[r, frequency]["ratio"] for r in ranks],
                    yerr=[rows[r, frequency]["sd"] for r in ranks], marker="o", capsize=3,
                    label=f"update_frequency {frequency}")
    ax.axhline(1.0, color="black", lw=0.8, ls="--", label="exact")
    ax.set(xscale="log", xlabel="rank_truncation", ylabel="total variance / exact",
           title="QTT re-injection: posterior variance kept")
    ax.legend(fontsize=8)
    fig.tight_layout()
    print(f"wrote {save(fig, out / 'son_qttn_bias.png', plt)}")


if __name__ == "__main__":
    out_dir = Path(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("SONQ_EXAMPLE_OUT", "out"))
    out_dir.mkdir(parents=True, exist_ok=True)
    main(out_dir, os.environ.get("SONQ_EXAMPLE_QUICK") == "1")
