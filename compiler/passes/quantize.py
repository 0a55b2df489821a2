"""Pass 4 — quantize: snap conductances to the coupling DAC grid and the g_min floor."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from device_models.spec import CouplingSpec


@dataclass(frozen=True)
class Quantized:
    """Quantized values and what happened to them.

    Attributes:
        values: the programmed values (device units).
        clipped: indices raised to ``g_min``.
        dropped: indices that fell to zero.
        max_error, rms_error: |programmed − ideal| over the nonzero ideals (device units =
            relative to full scale).
    """

    values: np.ndarray
    clipped: np.ndarray
    dropped: np.ndarray
    max_error: float
    rms_error: float


def quantize_values(x: np.ndarray, coupling: CouplingSpec) -> Quantized:
    """Quantize values in [−1, 1] (full scale = g_max) onto ``round(|x|·L)/L`` with
    ``L = 2**dac_bits − 1``; nonzero results below ``g_min/g_max`` are raised to it."""
    x = np.asarray(x, dtype=np.float64)
    L = coupling.levels
    floor = coupling.g_min / coupling.g_max
    q = np.sign(x) * np.round(np.abs(x) * L) / L
    nonzero = x != 0
    dropped = nonzero & (q == 0)
    clipped = (q != 0) & (np.abs(q) < floor)
    q[clipped] = np.sign(x[clipped]) * floor
    err = np.abs(q - x)[nonzero]
    return Quantized(q, np.flatnonzero(clipped), np.flatnonzero(dropped),
                     float(err.max()) if err.size else 0.0,
                     float(np.sqrt(np.mean(err**2))) if err.size else 0.0)


def quantize_couplings(J: sp.csr_matrix, coupling: CouplingSpec) -> tuple[sp.csr_matrix, Quantized, np.ndarray]:
    """Quantize a symmetric coupling matrix entry by entry (upper triangle mirrored).

    Returns the quantized matrix, the quantization record over upper-triangle entries, and those
    entries' (k, 2) index pairs.
    """
    upper = sp.triu(J, k=1).tocoo()
    result = quantize_values(upper.data, coupling)
    pairs = np.stack([upper.row, upper.col], axis=1)
    Q = sp.coo_matrix((result.values, (upper.row, upper.col)), shape=J.shape).tocsr()
    Q = sp.csr_matrix(Q + Q.T)
    Q.eliminate_zeros()
    Q.sort_indices()
    return Q, result, pairs
