"""Phase portraits: (x, ẋ) trajectories of underdamped cells and oscillator phases on the circle."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from device_models.files import check_output_path
from runtime.results import SampleSet
from sdk.errors import AnalysisError
from sdk.plots._figure import pyplot, save

MAX_PATHS = 16  # trajectories drawn in one portrait; more only blur it


def plot_phase_portrait(x, v, path: str | Path, *, xlabel: str = "x", vlabel: str = "ẋ", title: str = "") -> Path:
    """Trajectories in the (x, ẋ) plane, a circle at each start and a dot at each end.

    Args:
        x, v: (k,) or (k, P) position and velocity of P trajectories over k records (the first
            :data:`MAX_PATHS` are drawn).
        path: image file to write.
        xlabel, vlabel, title: axis labels (say the units) and title.
    """
    x, v = np.asarray(x, dtype=np.float64), np.asarray(v, dtype=np.float64)
    if x.shape != v.shape or x.ndim not in (1, 2) or x.shape[0] < 2:
        raise AnalysisError(f"x and v must have one shape (k,) or (k, P) with k ≥ 2, got {x.shape} and {v.shape}")
    x, v = x.reshape(x.shape[0], -1)[:, :MAX_PATHS], v.reshape(v.shape[0], -1)[:, :MAX_PATHS]
    path = check_output_path(path)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 5))
    colours = plt.cm.viridis(np.linspace(0, 0.9, x.shape[1]))
    for j in range(x.shape[1]):
        ax.plot(x[:, j], v[:, j], color=colours[j], lw=0.8, alpha=0.8)
        ax.plot(x[0, j], v[0, j], "o", mfc="none", color=colours[j], ms=5)
        ax.plot(x[-1, j], v[-1, j], "o", color=colours[j], ms=4)
    ax.axhline(0, color="gray", lw=0.5)
    ax.axvline(0, color="gray", lw=0.5)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(vlabel)
    ax.set_title(title or f"phase portrait ({x.shape[1]} trajectories; ○ start, ● end)")
    fig.tight_layout()
    return save(fig, path, plt)


def quadrature_portrait(result: SampleSet, node: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(x, ẋ) of one node of every replica from a ``kpo`` run with a trajectory: the raw state is
    (x, y) per node and ``ẋ = a₀y`` with a₀ = 1 (``docs/physics.md#kpo``).  Returns two (k, R)."""
    traj = _trajectory(result)
    m = traj.raw.shape[-1] // 2
    if result.info.get("cell") != "kpo" or not 0 <= node < m:
        raise AnalysisError(f"quadrature portraits need a kpo run and a node in 0..{m - 1}, got cell "
                            f"{result.info.get('cell')!r}, node {node!r}")
    return traj.raw[:, :, node], traj.raw[:, :, m + node]


def plot_phase_circle(result: SampleSet, path: str | Path, *, replica: int = 0, title: str = "") -> Path:
    """An ``oim`` replica's oscillator phases on the unit circle, with their history.

    Left: the final phases as points on the circle, coloured by the spin they read out
    (``sign cos(φ_i − α)``, α = ½ arg Σ e^{2iφ}, ``docs/physics.md#oim``), and the readout axis α.
    Right: φ_i − α (radians, wrapped into [−π/2, 3π/2)) against chip time; locked phases end at 0
    or π.
    """
    traj = _trajectory(result)
    if result.info.get("cell") != "oim":
        raise AnalysisError(f"phase circles need an oim run, got cell {result.info.get('cell')!r}")
    if not 0 <= replica < traj.raw.shape[1]:
        raise AnalysisError(f"replica must be in 0..{traj.raw.shape[1] - 1}, got {replica!r}")
    phases = traj.raw[:, replica, :]
    alpha = 0.5 * np.angle(np.sum(np.exp(2j * phases[-1])))
    # φ − α wrapped into [−π/2, 3π/2): both locked values, 0 and π, lie inside, away from the cut
    rel = np.mod(phases - alpha + np.pi / 2, 2 * np.pi) - np.pi / 2
    up = np.cos(rel[-1]) >= 0
    path = check_output_path(path)
    plt = pyplot()
    fig, (circ, hist) = plt.subplots(1, 2, figsize=(10, 4.5), gridspec_kw={"width_ratios": [1, 1.4]})
    t = np.linspace(0, 2 * np.pi, 200)
    circ.plot(np.cos(t), np.sin(t), color="gray", lw=0.8)
    circ.plot([-1.15 * np.cos(alpha), 1.15 * np.cos(alpha)], [-1.15 * np.sin(alpha), 1.15 * np.sin(alpha)],
              "--", color="black", lw=0.8, label="readout axis α")
    for mask, colour, label in ((up, "tab:red", "s = +1"), (~up, "tab:blue", "s = −1")):
        circ.plot(np.cos(phases[-1, mask]), np.sin(phases[-1, mask]), "o", color=colour, ms=6, label=label)
    circ.set_aspect("equal")
    circ.set_xlabel("cos φ")
    circ.set_ylabel("sin φ")
    circ.set_title("final phases")
    circ.legend(fontsize=8, loc="lower left")
    t_us = traj.times * 1e6
    for i in range(phases.shape[1]):
        hist.plot(t_us, rel[:, i], color="tab:red" if up[i] else "tab:blue", lw=0.6, alpha=0.7)
    hist.set_yticks([-np.pi / 2, 0, np.pi / 2, np.pi, 3 * np.pi / 2], ["−π/2", "0", "π/2", "π", "3π/2"])
    hist.set_xlabel("chip time (µs)")
    hist.set_ylabel("φ − α (rad)")
    hist.set_title(f"phases of replica {replica}")
    fig.suptitle(title or f"OIM phases ({phases.shape[1]} oscillators)")
    fig.tight_layout()
    return save(fig, path, plt)


def _trajectory(result: SampleSet):
    if not isinstance(result, SampleSet) or result.trajectory is None:
        raise AnalysisError("a run with a recorded trajectory is needed: run(..., record_every=k)")
    return result.trajectory
