"""Input fields for the pipeline: scikit-learn's bundled 8×8 digits or a user ``.npy``, resized to
the torus and scaled to [0, 1].

The default field is a grid of digits with the torus's aspect ratio (two digits stacked on the
128 × 64 ``toroidal_8k``), interpolated bilinearly onto the rows × cols cells.  Both sources go
through :func:`fit_to_torus`, so a field of any shape ≥ 2 × 2 works.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sdk.pipeline.errors import PipelineError


def digits_field(rows: int, cols: int, first: int = 0) -> np.ndarray:
    """(rows, cols) field of scikit-learn's digits ``first, first+1, …`` (row-major grid of
    ``a × b`` digits, ``a = max(1, round(rows/cols))``, ``b = max(1, round(cols/rows))``), scaled to [0, 1].

    Raises:
        ImportError: scikit-learn is missing (install hint).
        PipelineError: ``first`` is not a digit index (0..1796) leaving room for the grid.
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ImportError("the digits field needs scikit-learn: pip install 'sonq[learn]' "
                          "(or give a .npy field)") from None
    images = load_digits().images  # (1797, 8, 8), ink 0..16, bundled with scikit-learn
    a, b = max(1, round(rows / cols)), max(1, round(cols / rows))
    if isinstance(first, bool) or not isinstance(first, (int, np.integer)) or not 0 <= first <= len(images) - a * b:
        raise PipelineError(f"digit index must be an integer in 0..{len(images) - a * b}, got {first!r}")
    tiles = images[first:first + a * b].reshape(a, b, 8, 8).transpose(0, 2, 1, 3).reshape(8 * a, 8 * b)
    return fit_to_torus(tiles, rows, cols)


def load_field(path: str | Path, rows: int, cols: int) -> np.ndarray:
    """A user's 2-D ``.npy`` array, resized to (rows, cols) and scaled to [0, 1] (:func:`fit_to_torus`).

    Raises:
        PipelineError: the file cannot be read as a NumPy array (pickles are refused), or the
            array is not a finite real 2-D array of at least 2 × 2.
    """
    try:
        array = np.load(Path(path), allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        raise PipelineError(f"cannot read the field {str(path)!r} as a .npy array: {exc}") from None
    if not isinstance(array, np.ndarray):
        raise PipelineError(f"the field {str(path)!r} must hold one array (.npy), not an archive")
    return fit_to_torus(array, rows, cols, what=f"the field {str(path)!r}")


def fit_to_torus(array, rows: int, cols: int, *, what: str = "the field") -> np.ndarray:
    """``array`` (h, w) interpolated bilinearly to (rows, cols) and affinely scaled to [0, 1] (a
    constant field becomes zeros).

    Raises:
        PipelineError: not a finite real 2-D array with h, w ≥ 2.
    """
    from scipy import ndimage

    a = np.asarray(array)
    if a.dtype.kind not in "biuf" or a.ndim != 2 or min(a.shape) < 2:
        raise PipelineError(f"{what} must be a real 2-D array of at least 2 × 2, got dtype {a.dtype} and "
                            f"shape {a.shape}")
    a = a.astype(np.float64)
    if not np.all(np.isfinite(a)):
        raise PipelineError(f"{what} holds NaN or infinite values")
    out = ndimage.zoom(a, (rows / a.shape[0], cols / a.shape[1]), order=1, mode="nearest", grid_mode=True)
    span = out.max() - out.min()
    return (out - out.min()) / span if span > 0 else np.zeros_like(out)
