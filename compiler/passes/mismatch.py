"""Pass 5 — mismatch: the fabrication spread of one physical chip.

Mismatch is a property of the device *instance*, not of the model compiled onto it: every
programmable conductance of the chip — the coupling between cells a and b, and the node
conductance of cell a (fields on ``pbit``, the conductance to ground on ``gauss``) — has its own
relative deviation ``1 + σ·ξ``, with ξ a standard normal clipped to ±:data:`CLIP` that depends only
on ``(seed, a, b)`` (a counter-based draw: SplitMix64 of the triple, Box–Muller).  So the same
``(DeviceSpec, mismatch_seed)`` is the same chip whichever couplings a model uses, however it is
placed and however often it is reprogrammed; and with σ ≤ ``MISMATCH_MAX`` (0.3) no deviation can
flip a conductance's sign (1 − 3σ ≥ 0.1).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

CLIP = 3.0  # ξ is clipped to ±CLIP standard deviations
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _splitmix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser, elementwise on uint64 (wrapping arithmetic)."""
    with np.errstate(over="ignore"):
        x = x + _GOLDEN
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def deviations(seed: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """ξ for the chip conductances between cells ``a`` and ``b`` (same-index pairs: the node
    conductance of a cell), symmetric in (a, b): standard normals clipped to ±CLIP, a pure function
    of ``(seed, min(a, b), max(a, b))``."""
    lo = np.minimum(a, b).astype(np.uint64)
    hi = np.maximum(a, b).astype(np.uint64)
    with np.errstate(over="ignore"):
        key = _splitmix(_splitmix(np.uint64(seed) ^ (lo << np.uint64(32))) ^ hi)
    u1 = ((key >> np.uint64(11)).astype(np.float64) + 1.0) / 2.0**53  # (0, 1]
    u2 = (_splitmix(key) >> np.uint64(11)).astype(np.float64) / 2.0**53  # [0, 1)
    xi = np.sqrt(-2.0 * np.log(u1)) * np.cos(2 * np.pi * u2)
    return np.clip(xi, -CLIP, CLIP)


def apply_mismatch(J: sp.csr_matrix, cells: np.ndarray, sigma: float, seed: int) -> sp.csr_matrix:
    """Multiply each coupling between nodes i and j by ``1 + σ ξ(cells[i], cells[j])`` (J stays
    symmetric).  ``cells``: (m,) the chip cell of each node.  ``sigma = 0`` returns J unchanged."""
    if sigma == 0 or J.nnz == 0:
        return J
    upper = sp.triu(J, k=1).tocoo()
    data = upper.data * (1 + sigma * deviations(seed, cells[upper.row], cells[upper.col]))
    M = sp.coo_matrix((data, (upper.row, upper.col)), shape=J.shape).tocsr()
    return sp.csr_matrix(M + M.T)


def apply_node_mismatch(values: np.ndarray, cells: np.ndarray, sigma: float, seed: int) -> np.ndarray:
    """Multiply each node conductance (values (m,)) by ``1 + σ ξ(cell, cell)``."""
    if sigma == 0:
        return values
    return values * (1 + sigma * deviations(seed, cells, cells))


def fresh_seed() -> int:
    """A new 63-bit mismatch seed from the operating system's entropy (recorded in the report, so
    the chip can be rebuilt)."""
    return int(np.random.SeedSequence().entropy % (1 << 63))
