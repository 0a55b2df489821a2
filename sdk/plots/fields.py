"""Tensor-train views of 2-D fields: singular spectra at the bonds and side-by-side field images."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from device_models.files import check_output_path
from sdk.errors import AnalysisError
from sdk.plots._figure import pyplot, save


def plot_singular_spectrum(spectra: Sequence[np.ndarray], path: str | Path, *, max_rank: int | None = None,
                           title: str = "") -> Path:
    """Singular values σ_j/σ_1 at every bond of a TT-SVD, one line per bond (log scale).

    Args:
        spectra: d−1 vectors of singular values (``TensorTrain.spectra``), each non-increasing.
        path: image file to write (format from the suffix).
        max_rank: the rank cap, drawn as a vertical line (values right of it were discarded).
        title: figure title.
    """
    path = check_output_path(path)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    cmap = plt.get_cmap("viridis")
    for k, s in enumerate(spectra):
        s = np.asarray(s, dtype=np.float64)
        s = s[np.isfinite(s)]
        if len(s) and s[0] > 0:
            ax.semilogy(np.arange(1, len(s) + 1), np.maximum(s / s[0], 1e-17), marker=".", ms=3, lw=0.8,
                        color=cmap(k / max(len(spectra) - 1, 1)), label=f"bond {k + 1}")
    if max_rank is not None:
        ax.axvline(max_rank + 0.5, color="black", ls="--", lw=0.8, label=f"rank cap {max_rank}")
    ax.set(xlabel="index j", ylabel="σ_j / σ_1", title=title or "QTT singular spectra")
    ax.legend(fontsize=6, ncol=2)
    fig.tight_layout()
    return save(fig, path, plt)


def plot_fields(panels: Mapping[str, np.ndarray], path: str | Path, *, title: str = "") -> Path:
    """2-D fields side by side on one colour scale (the range of all panels).

    Args:
        panels: title → (rows, cols) array, drawn left to right in the mapping's order.
        path: image file to write.
        title: figure title.
    """
    path = check_output_path(path)
    if not panels:
        raise AnalysisError("plot_fields needs at least one panel")
    plt = pyplot()
    arrays = [np.asarray(a, dtype=np.float64) for a in panels.values()]
    lo, hi = min(float(a.min()) for a in arrays), max(float(a.max()) for a in arrays)
    fig, axes = plt.subplots(1, len(arrays), figsize=(2.6 * len(arrays) + 0.8, 3.8), squeeze=False)
    for ax, name, a in zip(axes[0], panels, arrays):
        image = ax.imshow(a, cmap="gray", vmin=lo, vmax=hi, interpolation="nearest")
        ax.set_title(name, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(image, ax=list(axes[0]), shrink=0.8)
    if title:
        fig.suptitle(title)
    return save(fig, path, plt)
