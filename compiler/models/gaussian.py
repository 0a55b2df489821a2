"""Gaussian energy model ``E(x) = ½ xᵀAx − bᵀx`` over real variables.

At temperature T the Boltzmann density ``p(x) ∝ exp(−E(x)/T)`` is ``N(A⁻¹b, T·A⁻¹)``.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from compiler.ir import EnergyIR, check_energy_range, check_finite, make_labels, real_array, real_csr
from compiler.models.base import AbstractEnergyModel
from device_models.errors import AsymmetricCouplingError, ModelError, NotPositiveDefiniteError


class GaussianModel(AbstractEnergyModel):
    """Quadratic energy ``½ xᵀAx − bᵀx`` with A symmetric positive definite.

    Args:
        A: (n, n) precision matrix (energy per unit², symmetric positive definite).
        b: (n,) linear term (default zero).
        labels: optional variable labels.

    Raises:
        ModelError: non-real (complex, object, string) or misshapen A or b, bad labels.
        NonFiniteError: a NaN/inf entry, or an energy that overflows float64.
        AsymmetricCouplingError, NotPositiveDefiniteError (naming the smallest eigenvalue).
    """

    def __init__(self, A, b=None, labels=None):
        A = real_csr("A", A) if sp.issparse(A) else real_array("A", A, ndim=2)
        if A.shape[0] != A.shape[1]:
            raise ModelError(f"A must be square, got shape {A.shape}")
        n = A.shape[0]
        check_finite("A", A)
        b = np.zeros(n) if b is None else real_array("b", b)
        if b.shape != (n,):
            raise ModelError(f"b must have shape ({n},), got {b.shape}")
        check_finite("b", b)
        check_energy_range("GaussianModel", A=A, b=b)
        _check_symmetric(A)
        self.smallest_eigenvalue = _smallest_eigenvalue(A)
        if self.smallest_eigenvalue <= 0:
            raise NotPositiveDefiniteError(
                f"A must be positive definite; its smallest eigenvalue is {self.smallest_eigenvalue:.6g}"
            )
        self.A = A
        self.b = b
        self._labels = make_labels(labels, n)

    @cached_property
    def _ir(self) -> EnergyIR:
        diag = self.A.diagonal() if sp.issparse(self.A) else np.diag(self.A)
        poly = np.zeros((len(diag), 3))
        poly[:, 0] = 0.5 * diag
        J = sp.csr_matrix(self.A) - sp.diags(diag)
        J = sp.csr_matrix(J)
        J.eliminate_zeros()
        return EnergyIR(-self.b, J, poly, 0.0, "real", self._labels, "REAL", "gaussian", {})

    def to_ir(self) -> EnergyIR:
        return self._ir

    def mean(self) -> np.ndarray:
        """Mean ``A⁻¹b`` of the Boltzmann distribution (any temperature)."""
        return spla.spsolve(sp.csc_matrix(self.A), self.b) if sp.issparse(self.A) else np.linalg.solve(self.A, self.b)

    def covariance(self, temperature: float = 1.0) -> np.ndarray:
        """Covariance ``T·A⁻¹`` (dense (n, n)) of the Boltzmann distribution at temperature T."""
        dense = self.A.toarray() if sp.issparse(self.A) else self.A
        return temperature * np.linalg.inv(dense)

    def __repr__(self) -> str:
        return f"GaussianModel(n={self.A.shape[0]}, λ_min={self.smallest_eigenvalue:.3g})"


DENSE_EIG_LIMIT = 2000


def _check_symmetric(A) -> None:
    D = (A - A.T).tocoo() if sp.issparse(A) else None
    if D is not None:
        if D.nnz == 0:
            return
        k = int(np.argmax(np.abs(D.data)))
        i, j, worst = int(D.row[k]), int(D.col[k]), abs(D.data[k])
        scale = np.abs(A.data).max()
    else:
        asym = np.abs(A - A.T)
        i, j = np.unravel_index(np.argmax(asym), A.shape)
        worst, scale = asym[i, j], np.abs(A).max()
    if worst > 1e-12 * max(1.0, scale):
        raise AsymmetricCouplingError(f"A is not symmetric: A[{i},{j}] = {float(A[i, j])} but A[{j},{i}] = {float(A[j, i])}")


def _smallest_eigenvalue(A) -> float:
    """λ_min(A): dense eigvalsh for small A; for large sparse A the Gershgorin bound when it
    already proves definiteness, else Lanczos."""
    if not sp.issparse(A) or A.shape[0] <= DENSE_EIG_LIMIT:
        dense = A.toarray() if sp.issparse(A) else A
        return float(np.linalg.eigvalsh(dense)[0])
    diag = A.diagonal()
    gershgorin = float(np.min(2 * diag - np.asarray(abs(A).sum(axis=1)).ravel()))
    if gershgorin > 0:
        return gershgorin  # a lower bound on λ_min, enough to prove positive definiteness
    return float(spla.eigsh(A, k=1, which="SA", return_eigenvectors=False)[0])
