"""The normalized intermediate representation every energy model lowers to.

One form serves discrete and continuous models::

    E(x) = offset + Σ_i h_i x_i + Σ_{i<j} J_ij x_i x_j + Σ_i Σ_{k=2..4} c_ik x_i^k

``x`` is a spin vector in {−1, +1}^n (``domain="spin"``, dimod's sign convention: J > 0 is
antiferromagnetic) or a real vector (``domain="real"``).  ``J`` is stored symmetric with a zero
diagonal, so the pair sum equals ``½ xᵀJx``.  Node potentials ``c`` hold the coefficients of x², x³
and x⁴ (columns 0, 1, 2); for spins they must be zero because x² = 1 folds into the offset.
"""

from __future__ import annotations

import math
import numbers
import reprlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import scipy.sparse as sp

from device_models.errors import AsymmetricCouplingError, ModelError, NonFiniteError

Domain = Literal["spin", "real"]
POLY_DEGREES = (2, 3, 4)
#: numpy dtype kinds a coefficient array may have: bool, signed and unsigned integers, floats
REAL_KINDS = "biuf"
#: label types a Program file can store (JSON) and read back equal; tuples of them are allowed too
PLAIN_LABEL_TYPES = (str, int, float)


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


def _require_real_dtype(name: str, dtype: np.dtype) -> None:
    """Raise :class:`ModelError` unless ``dtype`` holds real numbers (complex, object, string,
    datetime and void arrays are refused: converting them would drop an imaginary part, or fail
    later with a foreign error)."""
    if dtype.kind not in REAL_KINDS:
        raise ModelError(f"{name} must hold real numbers, got an array of dtype {dtype}")


def real_array(name: str, value, *, ndim: int | None = None) -> np.ndarray:
    """``value`` as a float64 array after checking that it holds real numbers.

    Args:
        name: argument name used in error messages.
        value: array-like of real numbers (bool, integer or float dtype).
        ndim: required number of dimensions (``None``: any).

    Raises:
        ModelError: ``value`` is complex, object (ragged lists included), string or otherwise
            non-real, or has the wrong number of dimensions.
    """
    try:
        arr = np.asarray(value)
    except ValueError as error:  # ragged nested sequences
        raise ModelError(f"{name} is not a rectangular array of numbers: {error}") from None
    _require_real_dtype(name, arr.dtype)
    if ndim is not None and arr.ndim != ndim:
        raise ModelError(f"{name} must be {ndim}-dimensional, got shape {arr.shape}")
    return arr.astype(np.float64)


def real_csr(name: str, value) -> sp.csr_matrix:
    """A dense (2-D) or scipy.sparse real matrix as float64 CSR (see :func:`real_array`)."""
    if sp.issparse(value):
        _require_real_dtype(name, value.dtype)
        return sp.csr_matrix(value, dtype=np.float64)
    return sp.csr_matrix(real_array(name, value, ndim=2))


def real_scalar(name: str, value) -> float:
    """A finite real number (Python or numpy int/float) as ``float``.

    Raises:
        ModelError: ``value`` is not a real number (complex, string, array, None, ...).
        NonFiniteError: it is NaN or infinite.
    """
    if not isinstance(value, numbers.Real):
        raise ModelError(f"{name} must be a real number, got {reprlib.repr(value)} ({type(value).__name__})")
    result = float(value)
    if not math.isfinite(result):
        raise NonFiniteError(f"{name} must be finite, got {result!r}")
    return result


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


def _abs_sum(values) -> float:
    """Σ|v| of a scalar, an array or a sparse matrix's stored entries (inf on overflow)."""
    data = values.data if sp.issparse(values) else np.asarray(values, dtype=np.float64)
    with np.errstate(over="ignore"):
        return float(np.abs(data).sum())


def check_energy_range(model: str, **terms) -> None:
    """Refuse coefficients whose energy overflows float64.

    For every x in the box ``|x_i| ≤ 1`` (every spin state; real states of unit size) each
    partial sum :meth:`EnergyIR.energy` forms is at most ``Σ_terms Σ|coefficient|`` in absolute
    value (a symmetric J counted with both of its halves, as ``xᵀJx`` sums it), so that bound
    must be finite.

    Args:
        model: the model's name, used in the error message.
        **terms: coefficient name → scalar, array or sparse matrix (energy units).

    Raises:
        NonFiniteError: the bound is infinite; the message lists Σ|·| of every term.
    """
    sums = {name: _abs_sum(value) for name, value in terms.items()}
    with np.errstate(over="ignore"):
        total = float(np.sum(list(sums.values())))
    if not math.isfinite(total):
        parts = ", ".join(f"Σ|{name}| = {value:.6g}" for name, value in sums.items())
        raise NonFiniteError(f"the energy of this {model} overflows float64 ({parts}); scale the coefficients down")


def symmetric_couplings(J, n: int, *, name: str = "J", upper_ok: bool = False) -> sp.csr_matrix:
    """Validate a coupling matrix and return it symmetric, zero-diagonal, in CSR form.

    Args:
        J: (n, n) dense array or scipy.sparse matrix.
        n: number of variables.
        name: argument name used in error messages.
        upper_ok: accept a strictly upper- (or lower-) triangular matrix and symmetrize it, as
            dimod-style pair dictionaries are naturally given.

    Raises:
        ModelError: not a real matrix, wrong shape or a non-zero diagonal.
        NonFiniteError: a NaN or infinite entry.
        AsymmetricCouplingError: ``J`` is not symmetric (the largest mismatch is named).
    """
    M = real_csr(name, J)
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


def plain_label(label, where: str = "label"):
    """``label`` as a plain value a Program file stores and reads back equal: ``str``, ``int``,
    finite ``float`` (bool counts as int) or a tuple of them; numpy scalars become Python ones
    (``np.int64(3)`` → ``3``).

    Raises:
        ModelError: any other type, or a NaN/infinite float (it never equals itself).
    """
    if isinstance(label, np.generic):
        label = label.item()
    if isinstance(label, tuple):
        return tuple(plain_label(part, where) for part in label)
    if isinstance(label, float) and not math.isfinite(label):
        raise ModelError(f"{where} = {label!r}: a label must not be NaN or infinite")
    if not isinstance(label, PLAIN_LABEL_TYPES):
        raise ModelError(f"{where} = {reprlib.repr(label)} has type {type(label).__name__}; labels must be "
                         "str, int, float or tuples of them (a saved Program stores them as JSON)")
    return label


def make_labels(labels, n: int) -> tuple:
    """Return ``labels`` as a tuple of n distinct plain labels (:func:`plain_label`), defaulting to
    ``0..n-1``."""
    if labels is None:
        return tuple(range(n))
    if not isinstance(labels, Iterable):
        raise ModelError(f"labels must be a sequence of {n} labels, got {reprlib.repr(labels)}")
    labels = tuple(plain_label(label, f"labels[{k}]") for k, label in enumerate(labels))
    if len(labels) != n:
        raise ModelError(f"labels has {len(labels)} entries for {n} variables")
    if len(set(labels)) != n:
        repeat = next(label for label, count in Counter(labels).items() if count > 1)
        raise ModelError(f"labels must be distinct; {reprlib.repr(repeat)} appears more than once")
    return labels
