"""The normalized intermediate representation every energy model lowers to.

One form serves discrete and continuous models::

    E(x) = offset + Σ_i h_i x_i + Σ_{i<j} J_ij x_i x_j + Σ_i Σ_{k=2..4} c_ik x_i^k

``x`` is a spin vector in {−1, +1}^n (``domain="spin"``, dimod's sign convention: J > 0 is
antiferromagnetic) or a real vector (``domain="real"``).  ``J`` is stored symmetric with a zero
diagonal, so the pair sum equals ``½ xᵀJx``.  Node potentials ``c`` hold the coefficients of x², x³
and x⁴ (columns 0, 1, 2); for spins they must be zero because x² = 1 folds into the offset.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import scipy.sparse as sp

from device_models.errors import AsymmetricCouplingError, ModelError, NonFiniteError

Domain = Literal["spin", "real"]
POLY_DEGREES = (2, 3, 4)


@dataclass(frozen=True)
class EnergyIR:
    """Normalized energy: fields, symmetric sparse couplings, node polynomials.

    Attributes:
        h: (n,) linear coefficients.
        J: (n, n) symmetric CSR matrix with zero diagonal; the pair energy is ``½ xᵀJx``.
        poly: (n, 3) coefficients of x², x³, x⁴ per node (zero for spins).
        offset: constant energy.
        domain: ``"spin"`` for x ∈ {−1, +1}, ``"real"`` for x ∈ ℝ.
        labels: one hashable label per variable, in index order.
        vartype: how the user sees discrete variables: ``"SPIN"``, ``"BINARY"``, or ``"REAL"``.
        kind: the model family that produced this IR (``"ising"``, ``"qubo"``, ``"maxcut"``,
            ``"gaussian"``, ``"langevin"``, ...), used by results to offer family-specific views.
        meta: family-specific scalars (e.g. ``total_weight`` of a MaxCut graph).
    """

    h: np.ndarray
    J: sp.csr_matrix
    poly: np.ndarray
    offset: float
    domain: Domain
    labels: tuple
    vartype: str
    kind: str
    meta: dict = field(default_factory=dict)

    @property
    def n(self) -> int:
        return int(self.h.shape[0])

    def energy(self, x: np.ndarray) -> np.ndarray:
        """Energy of one state (n,) or a batch (..., n), in the model's own units."""
        x = np.asarray(x, dtype=np.float64)
        pair = 0.5 * np.einsum("...i,...i->...", x, (self.J @ x.reshape(-1, self.n).T).T.reshape(x.shape))
        e = self.offset + x @ self.h + pair
        if self.domain == "real" and np.any(self.poly):
            powers = np.stack([x**k for k in POLY_DEGREES], axis=-1)
            e = e + np.einsum("...ik,ik->...", powers, self.poly)
        return e


def check_finite(name: str, values) -> None:
    """Raise :class:`NonFiniteError` naming the first NaN/inf entry of an array or sparse matrix."""
    if sp.issparse(values):
        coo = values.tocoo()
        bad = np.flatnonzero(~np.isfinite(coo.data))
        where = [(int(coo.row[k]), int(coo.col[k])) for k in bad]
        vals = coo.data[bad]
    else:
        values = np.asarray(values)
        idx = np.argwhere(~np.isfinite(values))
        where = [tuple(int(i) for i in row) if len(row) > 1 else int(row[0]) for row in idx]
        vals = values[~np.isfinite(values)]
    if where:
        raise NonFiniteError(
            f"{name} has {len(where)} non-finite entr{'y' if len(where) == 1 else 'ies'}; "
            f"first at index {where[0]}: {float(vals[0])}"
        )


def symmetric_couplings(J, n: int, *, name: str = "J", upper_ok: bool = False) -> sp.csr_matrix:
    """Validate a coupling matrix and return it symmetric, zero-diagonal, in CSR form.

    Args:
        J: (n, n) dense array or scipy.sparse matrix.
        n: number of variables.
        name: argument name used in error messages.
        upper_ok: accept a strictly upper- (or lower-) triangular matrix and symmetrize it, as
            dimod-style pair dictionaries are naturally given.

    Raises:
        ModelError: wrong shape or a non-zero diagonal.
        NonFiniteError: a NaN or infinite entry.
        AsymmetricCouplingError: ``J`` is not symmetric (the largest mismatch is named).
    """
    M = sp.csr_matrix(J, dtype=np.float64) if sp.issparse(J) else sp.csr_matrix(np.asarray(J, dtype=np.float64))
    if M.shape != (n, n):
        raise ModelError(f"{name} must have shape ({n}, {n}), got {M.shape}")
    check_finite(name, M)
    diag = M.diagonal()
    if np.any(diag != 0):
        i = int(np.flatnonzero(diag)[0])
        raise ModelError(f"{name} must have a zero diagonal; {name}[{i},{i}] = {float(diag[i])}")
    if upper_ok and (sp.triu(M).nnz == 0 or sp.tril(M).nnz == 0):
        M = M + M.T
    diff = (M - M.T).tocoo()
    if diff.nnz and np.max(np.abs(diff.data)) > 1e-12 * max(1.0, np.max(np.abs(M.data))):
        k = int(np.argmax(np.abs(diff.data)))
        i, j = int(diff.row[k]), int(diff.col[k])
        raise AsymmetricCouplingError(
            f"{name} is not symmetric: {name}[{i},{j}] = {float(M[i, j])} but {name}[{j},{i}] = {float(M[j, i])}"
        )
    M = sp.csr_matrix(M)
    M.eliminate_zeros()
    M.sort_indices()
    return M


def make_labels(labels, n: int) -> tuple:
    """Return ``labels`` as a tuple of n distinct labels, defaulting to ``0..n-1``."""
    if labels is None:
        return tuple(range(n))
    labels = tuple(labels)
    if len(labels) != n:
        raise ModelError(f"labels has {len(labels)} entries for {n} variables")
    if len(set(labels)) != n:
        raise ModelError("labels must be distinct")
    return labels
