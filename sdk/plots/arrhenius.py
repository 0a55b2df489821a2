"""Arrhenius plots: mean first-passage times against inverse noise, beside exact and approximate laws."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Mapping

import numpy as np

from device_models.files import check_output_path
from sdk.errors import AnalysisError
from sdk.plots._figure import pyplot, save

CURVE_POINTS = 60


def plot_arrhenius(noise, mfpt, standard_error, path: str | Path, *,
                   curves: Mapping[str, Callable[[float], float]] | None = None, barrier: float | None = None,
                   title: str = "") -> Path:
    """Measured mean first-passage times (log scale) against 1/D, with reference curves.

    Args:
        noise: (p,) noise levels D (loss units).
        mfpt: (p,) measured mean first-passage times (model time).
        standard_error: (p,) their standard errors, drawn as 2σ bars.
        path: image file to write.
        curves: label → function D ↦ MFPT, each drawn over the measured range of 1/D
            (e.g. the exact double integral and Kramers' formula).
        barrier: ΔL; draws the pure Arrhenius law ``∝ e^{ΔL/D}`` through the middle measurement.
        title: figure title.
    """
    noise, mfpt, se = (np.asarray(a, dtype=np.float64).ravel() for a in (noise, mfpt, standard_error))
    if not (noise.shape == mfpt.shape == se.shape) or noise.size == 0 or np.any(noise <= 0) or np.any(mfpt <= 0):
        raise AnalysisError("noise, mfpt and standard_error must be equal-length arrays, noise and mfpt > 0")
    path = check_output_path(path)
    plt = pyplot()
    inv = 1 / noise
    grid = np.linspace(inv.min() * 0.95, inv.max() * 1.05, CURVE_POINTS)
    fig, ax = plt.subplots(figsize=(6, 4.2))
    ax.errorbar(inv, mfpt, yerr=2 * se, fmt="o", color="tab:red", capsize=3, zorder=3,
                label="measured on chip (±2σ)")
    styles = iter(["-", "--", "-.", ":"])
    for label, fn in (curves or {}).items():
        ax.plot(grid, [fn(1 / g) for g in grid], next(styles, "-"), color="black", lw=1.2, label=label)
    if barrier is not None:
        mid = int(np.argsort(inv)[inv.size // 2])
        ax.plot(grid, mfpt[mid] * np.exp(barrier * (grid - inv[mid])), color="tab:gray", lw=1, alpha=0.7,
                label=f"e^(ΔL/D), ΔL = {barrier:g}")
    ax.set_yscale("log")
    ax.set_xlabel("1/D (inverse noise, 1/loss units)")
    ax.set_ylabel("mean first-passage time (model time)")
    ax.set_title(title or "Arrhenius plot of barrier crossings")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return save(fig, path, plt)
