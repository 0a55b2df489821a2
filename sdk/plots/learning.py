"""Plots of learning on the chip: learning curves, image grids, retrieval curves."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from device_models.files import check_output_path
from sdk.errors import AnalysisError
from sdk.plots._figure import pyplot, save


def plot_learning_curve(history: list[dict], path: str | Path, *, keys: tuple[str, ...] = ("moment_error",),
                        title: str = "") -> Path:
    """Training metrics against the epoch, one panel per key.

    Args:
        history: :attr:`sdk.learn.LearningState.history` (one dict per epoch with ``epoch`` and the
            keys); epochs missing a key (a metric measured every few epochs) are skipped.
        path: image file to write (format from the suffix).
        keys: the metrics to draw, e.g. ``("moment_error", "accuracy")``.
        title: figure title.

    Raises:
        ValueError: no epoch holds one of the keys.
    """
    for key in keys:
        if not any(key in entry for entry in history):
            raise AnalysisError(f"no epoch of the history records {key!r}")
    path = check_output_path(path)
    plt = pyplot()
    fig, axes = plt.subplots(1, len(keys), figsize=(4.5 * len(keys), 3.5), squeeze=False)
    for ax, key in zip(axes[0], keys):
        points = [(entry["epoch"], entry[key]) for entry in history if key in entry]
        ax.plot(*zip(*points), marker="o" if len(points) < 40 else None, ms=3)
        ax.set_xlabel("epoch")
        ax.set_ylabel(key.replace("_", " "))
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return save(fig, path, plt)


def plot_image_grid(images: np.ndarray, path: str | Path, *, shape: tuple[int, int] = (8, 8), columns: int = 10,
                    captions=None, title: str = "") -> Path:
    """Images as a grid of grey squares (−1 white … +1 black: ink).

    Args:
        images: (S, rows·cols) pixel values in [−1, 1] (spins, or mean spins of generated digits).
        path: image file to write.
        shape: (rows, cols) of one image, row-major.
        columns: images per grid row.
        captions: optional (S,) text under each image (e.g. the class it was generated for).
        title: figure title.
    """
    x = np.asarray(images, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != shape[0] * shape[1] or len(x) < 1:
        raise AnalysisError(f"images must be (S ≥ 1, {shape[0] * shape[1]}), got shape {x.shape}")
    path = check_output_path(path)
    plt = pyplot()
    rows = math.ceil(len(x) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(1.1 * columns, 1.25 * rows), squeeze=False)
    for k, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if k < len(x):
            ax.imshow(x[k].reshape(shape), cmap="gray_r", vmin=-1, vmax=1)
            if captions is not None:
                ax.set_title(str(captions[k]), fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return save(fig, path, plt)


def plot_retrieval_curve(curves: dict, path: str | Path, *, title: str = "") -> Path:
    """Retrieval success against the load P/N.

    Args:
        curves: ``{name: rows}``, rows as :func:`sdk.learn.hebbian.capacity_curve` returns them
            (P/N, chip success, Hopfield-network success); each name draws the chip (solid) and the
            network (dashed).
        path: image file to write.
        title: figure title.
    """
    if not curves:
        raise AnalysisError("no curves to draw")
    path = check_output_path(path)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    for k, (name, rows) in enumerate(curves.items()):
        load, chip, network = np.asarray(rows, dtype=np.float64).T
        colour = f"C{k}"
        ax.plot(load, chip, "-o", color=colour, ms=3, label=f"{name}, chip")
        ax.plot(load, network, "--", color=colour, label=f"{name}, Hopfield network")
    ax.axhline(0.5, color="grey", lw=0.8, ls=":")
    ax.set_xlabel("load P/N")
    ax.set_ylabel("retrieval success")
    ax.set_ylim(-0.02, 1.02)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return save(fig, path, plt)
