"""Boltzmann sampling of a double well ``U(x) = a x⁴ − q x²`` on the emulated ``gauss8`` chip.

The chip integrates overdamped Langevin dynamics ``dx = −U'(x) dt + √(2T dt) ξ``, whose stationary
density is ``exp(−U/T)/Z``.  The script compares the sample histogram with that density (Z by
quadrature), prints the total-variation distance between the two over the histogram's bins, and
plots both.

    python examples/double_well.py [OUT_DIR]

``SONQ_EXAMPLE_QUICK=1`` uses fewer replicas and steps.
"""

import os
import sys
from pathlib import Path

import numpy as np
from scipy.integrate import quad

import sdk
from sdk.plots import plot_density

QUICK = os.environ.get("SONQ_EXAMPLE_QUICK") == "1"
A, Q, T = 1.0, 2.0, 0.5  # wells at ±1, barrier Q²/4A = 1 = 2T
BINS = 40
X_MAX = 2.2              # exp(−U/T) < 1e-8 of its peak beyond

out_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(".")
model = sdk.LangevinModel(quartic=A, quadratic=Q, n=1)
program = sdk.compile(model, "gauss8")
# Replicas start on the barrier top x = 0, an unstable point: leaving it takes a few time units,
# so the first 3000 steps (≈5 time units at the default dt) are discarded.
result = sdk.run(program, num_reads=64 if QUICK else 256, steps=8000 if QUICK else 40000, temperature=T,
                 seed=1, record_every=20, burn_in=3000)
x = result.samples[:, 0]


def boltzmann(v):
    return np.exp(-(A * v**4 - Q * v**2) / T)


Z = quad(boltzmann, -np.inf, np.inf)[0]
edges = np.linspace(-X_MAX, X_MAX, BINS + 1)
exact = np.array([quad(boltzmann, lo, hi)[0] for lo, hi in zip(edges[:-1], edges[1:])]) / Z
observed = np.histogram(x, bins=edges)[0] / len(x)
print(f"{len(x)} samples, backend {result.info['backend']}, wall {result.info['wall_time']:.2f} s")
print(f"fraction in the right well {np.mean(x > 0):.3f} (exact 0.5); ⟨x²⟩ = {np.mean(x**2):.4f} "
      f"(exact {quad(lambda v: v**2 * boltzmann(v), -np.inf, np.inf)[0] / Z:.4f})")
print(f"total variation over {BINS} bins: {sdk.total_variation(observed, exact):.4f} "
      f"(samples are correlated along each replica; independent draws would give "
      f"≤ {sdk.tv_tolerance(exact, len(x)):.4f})")
grid = np.linspace(-X_MAX, X_MAX, 400)
path = plot_density(x, grid, boltzmann(grid) / Z, out_dir / "double_well.png", bins=BINS,
                    title=f"U(x) = {A:g}x⁴ − {Q:g}x², T = {T:g}")
print(f"plot: {path}")
