"""Energy traces of a run and densities of continuous samples."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from device_models.files import check_output_path
from runtime.results import SampleSet
from sdk.errors import AnalysisError
from sdk.plots._figure import pyplot, save

MAX_TRACES = 64  # replicas drawn individually; more only blur the figure


def plot_energy_traces(result: SampleSet, path: str | Path, *, target: float | None = None,
                       title: str = "") -> Path:
    """Energy of every replica against chip time, beside the distribution of final results.

    Args:
        result: a run with a recorded trajectory (``run(..., record_every=k)``).
        path: image file to write (format from the suffix, e.g. ``.png``).
        target: reference energy (model units) drawn as a dashed line, e.g. the optimum.
        title: figure title.

    Returns:
        The path written.  The left panel shows energy (model units) against chip time in
        microseconds, one thin line per replica and the replica that ended lowest in bold; the
        right panel is a histogram of final cut values (MaxCut) or final energies.
    """
    if result.trajectory is None:
        raise AnalysisError("the result has no trajectory: run with record_every > 0")
    path = check_output_path(path)
    plt = pyplot()
    traj = result.trajectory
    t_us = traj.times * 1e6
    energies = traj.energies[:, :MAX_TRACES]
    best = int(result.replica[result.lowest_index])
    fig, (ax, hist) = plt.subplots(1, 2, figsize=(10, 4), gridspec_kw={"width_ratios": [2.2, 1]})
    ax.plot(t_us, energies, color="tab:blue", lw=0.5, alpha=0.25)
    ax.plot(t_us, traj.energies[:, best], color="tab:red", lw=1.6, label=f"best replica ({best})")
    if target is not None:
        ax.axhline(target, color="black", ls="--", lw=1, label=f"target energy {target:.6g}")
    ax.set_xlabel("chip time (µs)")
    ax.set_ylabel("energy (model units)")
    ax.set_title(f"energy of {min(traj.energies.shape[1], MAX_TRACES)} replicas")
    ax.legend(loc="upper right", fontsize=8)
    is_cut = result.model_kind == "maxcut"
    final = result.cut_values if is_cut else result.energies
    values, counts = np.unique(final, return_counts=True)
    if len(values) <= 40:
        hist.bar(values, counts, width=0.8 * (np.min(np.diff(values)) if len(values) > 1 else 1.0),
                 color="tab:blue")
    else:
        hist.hist(final, bins=30, color="tab:blue")
    hist.set_xlabel("final cut value" if is_cut else "final energy (model units)")
    hist.set_ylabel("replicas")
    hist.yaxis.get_major_locator().set_params(integer=True)
    hist.set_title("final results")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return save(fig, path, plt)


def plot_density(samples: np.ndarray, grid: np.ndarray, density: np.ndarray, path: str | Path, *,
                 bins: int = 60, xlabel: str = "x", title: str = "") -> Path:
    """Histogram of 1-D samples over an exact density.

    Args:
        samples: (S,) sample values.
        grid: (G,) points where ``density`` is given, increasing.
        density: (G,) exact probability density on ``grid`` (integrates to 1).
        path: image file to write.
        bins: histogram bins over the grid's range.
        xlabel, title: axis label and title.
    """
    path = check_output_path(path)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.hist(np.ravel(samples), bins=bins, range=(grid[0], grid[-1]), density=True, color="tab:blue",
            alpha=0.5, label=f"samples ({np.size(samples)})")
    ax.plot(grid, density, color="black", lw=1.5, label="exact exp(−U/T)/Z")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("probability density")
    if title:
        ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return save(fig, path, plt)
