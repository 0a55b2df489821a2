"""Pass 5 — mismatch: seeded fabrication spread of programmed conductances."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def apply_mismatch(J: sp.csr_matrix, sigma: float, seed: int | None) -> sp.csr_matrix:
    """Multiply every coupling conductance by ``1 + σ ξ`` (ξ ~ N(0, 1), one draw per pair, so J
    stays symmetric).  ``sigma = 0`` returns J unchanged."""
    if sigma == 0:
        return J
    rng = np.random.default_rng(seed)
    upper = sp.triu(J, k=1).tocoo()
    data = upper.data * (1 + sigma * rng.standard_normal(upper.nnz))
    M = sp.coo_matrix((data, (upper.row, upper.col)), shape=J.shape).tocsr()
    return sp.csr_matrix(M + M.T)
