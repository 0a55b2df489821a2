"""Shared plumbing of SONQ's plots: a display-free pyplot and atomic image writes."""

from __future__ import annotations

from pathlib import Path

from device_models.files import atomic_write


def save(fig, path: Path, plt) -> Path:
    """``fig`` written atomically to ``path`` (format from the suffix, PNG without one), then closed."""
    fmt = path.suffix[1:].lower() or "png"
    try:
        return atomic_write(path, lambda f: fig.savefig(f, dpi=120, format=fmt))
    finally:
        plt.close(fig)


def pyplot():
    """matplotlib.pyplot on the non-interactive Agg backend (no display needed)."""
    try:
        import matplotlib
    except ImportError:
        raise ImportError("plotting needs matplotlib: pip install matplotlib") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
