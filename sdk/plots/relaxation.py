"""Relaxation curves: measured observables of Langevin runs over time beside their exact laws."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import numpy as np

from device_models.files import check_output_path
from sdk.errors import AnalysisError
from sdk.plots._figure import pyplot, save


def plot_relaxation(series: Mapping[str, tuple], path: str | Path, *, ylabel: str, log: bool = True,
                    title: str = "") -> Path:
    """Measured curves (markers, ±2σ where given) and their exact laws (lines), one colour per series.

    Args:
        series: label → ``(times, measured, exact)`` or ``(times, measured, exact, sigma)``, each
            array (k,); times in model time.
        path: image file to write.
        ylabel: the observable and its units, e.g. ``"KL(ρ_t ‖ ρ*) (nats)"``.
        log: logarithmic y axis (exponential decays become lines).
        title: figure title.
    """
    if not series:
        raise AnalysisError("series must hold at least one (times, measured, exact) entry")
    path = check_output_path(path)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 4.3))
    colours = plt.cm.tab10(np.arange(len(series)) % 10)
    for colour, (label, entry) in zip(colours, series.items()):
        if len(entry) not in (3, 4):
            raise AnalysisError(f"series {label!r} must be (times, measured, exact[, sigma]), got {len(entry)} items")
        times, measured, exact = (np.asarray(a, dtype=np.float64) for a in entry[:3])
        if not (times.shape == measured.shape == exact.shape) or times.ndim != 1:
            raise AnalysisError(f"series {label!r}: times, measured and exact must be equal-length 1-D arrays")
        sigma = 2 * np.asarray(entry[3], dtype=np.float64) if len(entry) == 4 else None
        ax.errorbar(times, measured, yerr=sigma, fmt="o", ms=3, color=colour, capsize=2, label=f"{label}: chip")
        ax.plot(times, exact, "-", color=colour, lw=1.2, label=f"{label}: exact")
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("model time t")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend(fontsize=7, ncol=2 if len(series) > 2 else 1)
    fig.tight_layout()
    return save(fig, path, plt)
