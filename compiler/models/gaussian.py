"""Gaussian energy model ``E(x) = ½ xᵀAx − bᵀx`` over real variables.

At temperature T the Boltzmann density ``p(x) ∝ exp(−E(x)/T)`` is ``N(A⁻¹b, T·A⁻¹)``.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import scipy.sparse as sp

from compiler.ir import EnergyIR, check_finite, make_labels
from compiler.models.base import AbstractEnergyModel
from device_models.errors import AsymmetricCouplingError, ModelError, NotPositiveDefiniteError


class GaussianModel(AbstractEnergyModel):
    """Quadratic energy ``½ xᵀAx − bᵀx`` with A symmetric positive definite.

    Args:
        A: (n, n) precision matrix (energy per unit², symmetric positive definite).
        b: (n,) linear term (default zero).
        labels: optional variable labels.

    Raises:
        NonFiniteError, AsymmetricCouplingError, NotPositiveDefiniteError (naming the smallest
        eigenvalue).
    """

    def __init__(self, A, b=None, labels=None):
        A = A.toarray() if sp.issparse(A) else np.asarray(A, dtype=np.float64)
        A = A.astype(np.float64)
        if A.ndim != 2 or A.shape[0] != A.shape[1]:
            raise ModelError(f"A must be square, got shape {A.shape}")
        n = A.shape[0]
        check_finite("A", A)
        b = np.zeros(n) if b is None else np.asarray(b, dtype=np.float64)
        if b.shape != (n,):
            raise ModelError(f"b must have shape ({n},), got {b.shape}")
        check_finite("b", b)
        asym = np.abs(A - A.T)
        if asym.max() > 1e-12 * max(1.0, np.abs(A).max()):
            i, j = np.unravel_index(np.argmax(asym), A.shape)
            raise AsymmetricCouplingError(f"A is not symmetric: A[{i},{j}] = {A[i, j]!r} but A[{j},{i}] = {A[j, i]!r}")
        lam = np.linalg.eigvalsh(A)
        if lam[0] <= 0:
            raise NotPositiveDefiniteError(
                f"A must be positive definite; its smallest eigenvalue is {lam[0]:.6g}"
            )
        self.A = A
        self.b = b
        self.condition_number = float(lam[-1] / lam[0])
        self._labels = make_labels(labels, n)

    @cached_property
    def _ir(self) -> EnergyIR:
        n = self.A.shape[0]
        poly = np.zeros((n, 3))
        poly[:, 0] = 0.5 * np.diag(self.A)
        J = sp.csr_matrix(self.A - np.diag(np.diag(self.A)))
        J.eliminate_zeros()
        return EnergyIR(-self.b, J, poly, 0.0, "real", self._labels, "REAL", "gaussian", {})

    def to_ir(self) -> EnergyIR:
        return self._ir

    def mean(self) -> np.ndarray:
        """Mean ``A⁻¹b`` of the Boltzmann distribution (any temperature)."""
        return np.linalg.solve(self.A, self.b)

    def covariance(self, temperature: float = 1.0) -> np.ndarray:
        """Covariance ``T·A⁻¹`` of the Boltzmann distribution at temperature T (energy units)."""
        return temperature * np.linalg.inv(self.A)

    def __repr__(self) -> str:
        return f"GaussianModel(n={self.A.shape[0]}, cond={self.condition_number:.3g})"
