"""Energy models specified by tensor networks, ready for :func:`compiler.compile`.

An MPO precision matrix becomes a :class:`~compiler.models.gaussian.GaussianModel` through its
sparse form (:meth:`TTMatrix.to_sparse`, built bond by bond with sparse Kronecker products), so a
lattice of thousands of cells compiles without any dense ``n × n`` matrix.
"""

from __future__ import annotations

import numpy as np

from compiler.models.gaussian import GaussianModel
from compiler.tt.tt_matrix import TTMatrix
from device_models.errors import ModelError


def gaussian_model_from_mpo(mpo: TTMatrix, b=None, labels=None) -> GaussianModel:
    """The Gaussian model ``E(x) = ½ xᵀAx − bᵀx`` with precision ``A`` given as an MPO.

    Args:
        mpo: a square TT-matrix (n, n), symmetric positive definite (e.g.
            :func:`~compiler.tt.gaussian_lattice_mpo`); variable i is the MPO's row index i
            (row-major cell index for the lattice builders).
        b: (n,) linear term, or ``None`` for zero.
        labels: optional n variable labels.

    Raises:
        ModelError: the MPO is not square; the model's own checks (symmetry, definiteness) apply.
    """
    if mpo.shape[0] != mpo.shape[1]:
        raise ModelError(f"a precision MPO must be square, got shape {mpo.shape}")
    return GaussianModel(mpo.to_sparse(), None if b is None else np.asarray(b, dtype=np.float64), labels)
