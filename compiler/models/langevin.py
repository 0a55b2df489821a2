"""Pairwise energy-based model over real variables with polynomial node potentials::

    E(x) = Σ_i U_i(x_i) − Σ_i b_i x_i + Σ_{i<j} J_ij x_i x_j,    U_i(x) = a_i x⁴ + c_i x³ − q_i x²

The double well ``U(x) = a x⁴ − q x²`` (a, q > 0) has minima at ``x = ±√(q/2a)`` and barrier
``q²/4a``.  The Boltzmann density at temperature T is ``exp(−E/T)/Z``; it is normalizable when every
quartic coefficient is positive, or, with no quartic term, when the quadratic part is positive
definite.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import scipy.sparse as sp

from compiler.ir import EnergyIR, check_finite, make_labels, symmetric_couplings
from compiler.models.base import AbstractEnergyModel
from device_models.errors import ModelError


def _per_node(name: str, value, n: int) -> np.ndarray:
    arr = np.broadcast_to(np.asarray(value, dtype=np.float64), (n,)).copy()
    check_finite(name, arr)
    return arr


class LangevinModel(AbstractEnergyModel):
    """Continuous EBM with double-well (quartic) node potentials and quadratic couplings.

    Args:
        quartic: a_i ≥ 0, coefficient of x⁴ (scalar or (n,)).
        quadratic: q_i, the well depth parameter: the node potential contains ``−q_i x²``.
        J: (n, n) symmetric zero-diagonal couplings, ``+Σ_{i<j} J_ij x_i x_j``.
        b: (n,) linear drive, ``−bᵀx``.
        cubic: c_i, coefficient of x³ (tilts the wells; needs a_i > 0).
        labels: optional variable labels.
        n: number of variables when every other argument is a scalar.
    """

    def __init__(self, quartic, quadratic, J=None, b=0.0, cubic=0.0, labels=None, n: int | None = None):
        if n is None:
            shapes = [np.shape(v) for v in (quartic, quadratic, b, cubic) if np.ndim(v) == 1]
            if J is not None:
                shapes.append((np.shape(J)[0],))
            if not shapes:
                raise ModelError("give n, J, or a per-node array to fix the number of variables")
            n = shapes[0][0]
        self.quartic = _per_node("quartic", quartic, n)
        self.quadratic = _per_node("quadratic", quadratic, n)
        self.cubic = _per_node("cubic", cubic, n)
        self.b = _per_node("b", b, n)
        self.J = symmetric_couplings(sp.csr_matrix((n, n)) if J is None else J, n)
        if np.any(self.quartic < 0):
            i = int(np.argmax(self.quartic < 0))
            raise ModelError(f"quartic[{i}] = {self.quartic[i]!r} < 0: the density is not normalizable")
        free = self.quartic == 0
        if np.any(self.cubic[free] != 0):
            raise ModelError("a cubic term needs a positive quartic term on the same node")
        if np.any(free):
            # Without a quartic confinement the quadratic part must be positive definite.
            H = (-2 * np.diag(self.quadratic) + self.J.toarray())[np.ix_(free, free)]
            lam = np.linalg.eigvalsh(H)[0]
            if lam <= 0:
                raise ModelError(
                    f"nodes without a quartic term need a positive definite quadratic part; "
                    f"smallest eigenvalue {lam:.6g}"
                )
        self._labels = make_labels(labels, n)

    @cached_property
    def _ir(self) -> EnergyIR:
        poly = np.stack([-self.quadratic, self.cubic, self.quartic], axis=1)
        return EnergyIR(-self.b, self.J, poly, 0.0, "real", self._labels, "REAL", "langevin", {})

    def to_ir(self) -> EnergyIR:
        return self._ir

    def __repr__(self) -> str:
        return f"LangevinModel(n={self.quartic.shape[0]}, couplings={self.J.nnz // 2})"
