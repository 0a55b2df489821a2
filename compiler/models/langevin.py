"""Pairwise energy-based model over real variables with polynomial node potentials::

    E(x) = Σ_i U_i(x_i) − Σ_i b_i x_i + Σ_{i<j} J_ij x_i x_j,    U_i(x) = a_i x⁴ + c_i x³ − q_i x²

The double well ``U(x) = a x⁴ − q x²`` (a, q > 0) has minima at ``x = ±√(q/2a)`` and barrier
``q²/4a``.  The Boltzmann density at temperature T is ``exp(−E/T)/Z``; it is normalizable when every
quartic coefficient is positive, or, with no quartic term, when the quadratic part is positive
definite.
"""

from __future__ import annotations

import numbers
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from compiler.ir import (EnergyIR, check_energy_range, check_finite, make_labels, real_array, real_csr,
                         symmetric_couplings)
from compiler.models.base import AbstractEnergyModel
from device_models.errors import ModelError


def _num_variables(n, J: sp.csr_matrix | None, coefficients: dict[str, np.ndarray]) -> int:
    """``n`` (checked), else the size of J or of the first per-node array."""
    if n is not None:
        if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < 1:
            raise ModelError(f"n must be a positive integer, got {n!r}")
        return int(n)
    sizes = [arr.shape[0] for arr in coefficients.values() if arr.ndim == 1] + ([] if J is None else [J.shape[0]])
    if not sizes:
        raise ModelError("give n, J, or a per-node array to fix the number of variables")
    return sizes[0]


def _per_node(name: str, arr: np.ndarray, n: int) -> np.ndarray:
    """A scalar or (n,) real coefficient as an (n,) float64 array, checked finite."""
    if arr.shape not in ((), (n,)):
        raise ModelError(f"{name} must be a scalar or have shape ({n},), got shape {arr.shape}")
    check_finite(name, arr)
    return np.broadcast_to(arr, (n,)).copy()


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

    Raises:
        ModelError: non-real (complex, object, string) or misshapen coefficients, bad labels, a
            density that cannot be normalized.
        NonFiniteError: a NaN/inf coefficient, or an energy that overflows float64.
    """

    def __init__(self, quartic, quadratic, J=None, b=0.0, cubic=0.0, labels=None, n: int | None = None):
        coefficients = {name: real_array(name, value) for name, value in
                        (("quartic", quartic), ("quadratic", quadratic), ("cubic", cubic), ("b", b))}
        J = None if J is None else real_csr("J", J)
        n = _num_variables(n, J, coefficients)
        self.quartic, self.quadratic, self.cubic, self.b = (_per_node(name, arr, n)
                                                            for name, arr in coefficients.items())
        self.J = symmetric_couplings(sp.csr_matrix((n, n)) if J is None else J, n)
        check_energy_range("LangevinModel", quartic=self.quartic, quadratic=self.quadratic, cubic=self.cubic,
                           b=self.b, J=self.J)
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
