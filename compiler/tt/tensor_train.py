"""Tensor trains (TT / MPS): TT-SVD, TT-rounding and the algebra needed around them.

A d-dimensional array ``A[i_1, ..., i_d]`` with mode sizes ``n_k`` is stored as cores
``G_k`` of shape ``(r_{k−1}, n_k, r_k)`` with ``r_0 = r_d = 1``::

    A[i_1, ..., i_d] = G_1[:, i_1, :] @ G_2[:, i_2, :] @ ... @ G_d[:, i_d, :]

Modes are ordered as in NumPy's C order, so ``full()`` agrees with ``array.reshape(shape)``
(the first mode is the most significant).  The algorithms are Oseledets' ("Tensor-train
decomposition", SIAM J. Sci. Comput. 33, 2011): TT-SVD (Alg. 1) and TT-rounding (Alg. 2), both
with the per-step truncation threshold ``δ = eps/√(d−1)·‖A‖_F`` that guarantees
``‖A − TT‖_F ≤ eps·‖A‖_F`` when no ``max_rank`` cut binds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from device_models.errors import ModelError


def check_cores(cores, owner: str, layout: str) -> tuple[np.ndarray, ...]:
    """Validate a train of cores shaped ``layout`` (first axis r_prev, last axis r_next): boundary
    ranks 1 and matching neighbour ranks.  Returns the cores as a tuple of arrays."""
    cores = tuple(np.asarray(c) for c in cores)
    ndim = layout.count(",") + 1
    if not cores:
        raise ModelError(f"a {owner} needs at least one core, got none")
    for k, c in enumerate(cores):
        if c.ndim != ndim:
            raise ModelError(f"core {k} must be {ndim}-dimensional {layout}, got shape {c.shape}")
    if cores[0].shape[0] != 1 or cores[-1].shape[-1] != 1:
        raise ModelError(f"boundary ranks must be 1, got r_0 = {cores[0].shape[0]}, r_d = {cores[-1].shape[-1]}")
    for k in range(len(cores) - 1):
        if cores[k].shape[-1] != cores[k + 1].shape[0]:
            raise ModelError(f"rank mismatch between cores {k} and {k + 1}: {cores[k].shape} then {cores[k + 1].shape}")
    return cores


@dataclass(frozen=True, eq=False)
class TensorTrain:
    """A tensor in TT format.

    Attributes:
        cores: d arrays of shape ``(r_{k−1}, n_k, r_k)``, ``r_0 = r_d = 1``.
        spectra: the d−1 singular-value vectors computed at the bonds by :func:`tt_svd` or
            :meth:`round` (before truncation, for plotting a singular spectrum), else ``None``.
            Bond k's vector holds the singular values of the k-th unfolding of the tensor being
            decomposed *after* the truncations at bonds 1..k−1 (exact unfoldings when eps = 0).
    """

    cores: tuple[np.ndarray, ...]
    spectra: tuple[np.ndarray, ...] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "cores", check_cores(self.cores, "TensorTrain", "(r_prev, n, r_next)"))

    @property
    def ndim(self) -> int:
        return len(self.cores)

    @property
    def shape(self) -> tuple[int, ...]:
        """Mode sizes ``(n_1, ..., n_d)``."""
        return tuple(c.shape[1] for c in self.cores)

    @property
    def ranks(self) -> tuple[int, ...]:
        """Bond ranks ``(r_0, r_1, ..., r_d)``, with ``r_0 = r_d = 1``."""
        return (1,) + tuple(c.shape[2] for c in self.cores)

    @property
    def num_parameters(self) -> int:
        """Number of stored numbers, Σ_k r_{k−1} n_k r_k."""
        return sum(c.size for c in self.cores)

    @property
    def compression_ratio(self) -> float:
        """Entries of the full array divided by stored TT entries (> 1 means it compresses)."""
        return float(np.prod(self.shape, dtype=np.float64)) / self.num_parameters

    def full(self) -> np.ndarray:
        """The dense array, shape ``self.shape`` (exponential in d: small tensors only)."""
        out = self.cores[0].reshape(self.cores[0].shape[1], -1)
        for c in self.cores[1:]:
            out = (out @ c.reshape(c.shape[0], -1)).reshape(-1, c.shape[2])
        return out.reshape(self.shape)

    def inner(self, other: "TensorTrain") -> float:
        """Frobenius inner product ``Σ_i A[i]·B[i]`` by contraction, O(d n r³)."""
        self._check_same_shape(other)
        env = np.ones((1, 1))
        for a, b in zip(self.cores, other.cores):
            env = np.einsum("ab,aic,bid->cd", env, a, b, optimize=True)
        return float(env[0, 0])

    def norm(self) -> float:
        """Frobenius norm, from a left-to-right QR sweep (no cancellation, unlike √inner)."""
        r = np.ones((1, 1))
        for c in self.cores:
            m = np.einsum("ab,bic->aic", r, c).reshape(-1, c.shape[2])
            _, r = np.linalg.qr(m)
        return float(np.abs(r[0, 0]))

    def __add__(self, other: "TensorTrain") -> "TensorTrain":
        """Exact sum; ranks add (call :meth:`round` to compress)."""
        self._check_same_shape(other)
        return TensorTrain(block_sum_cores(self.cores, other.cores))

    def __sub__(self, other: "TensorTrain") -> "TensorTrain":
        return self + (-1.0) * other

    def __mul__(self, alpha: float) -> "TensorTrain":
        """Scale by a scalar (applied to the first core)."""
        return TensorTrain((self.cores[0] * alpha,) + self.cores[1:])

    __rmul__ = __mul__

    def round(self, eps: float = 1e-10, max_rank: int | None = None) -> "TensorTrain":
        """TT-rounding: right-to-left QR orthogonalization, then left-to-right truncated SVDs.

        Each SVD drops a tail of Frobenius norm ≤ ``eps/√(d−1)·‖X‖_F``, so
        ``‖X − round(X)‖_F ≤ eps·‖X‖_F`` unless ``max_rank`` cuts deeper.  The returned TT's
        ``spectra`` are the singular values at each bond.
        """
        _check_tolerance(eps, max_rank)
        d = self.ndim
        cores = list(self.cores)
        for k in range(d - 1, 0, -1):  # right-orthogonalize cores d..2
            r0, n, r1 = cores[k].shape
            q, rr = np.linalg.qr(cores[k].reshape(r0, n * r1).T)
            cores[k] = q.T.reshape(-1, n, r1)
            cores[k - 1] = np.einsum("aib,cb->aic", cores[k - 1], rr)
        nrm = np.linalg.norm(cores[0])
        delta = eps / np.sqrt(max(d - 1, 1)) * nrm
        spectra = []
        for k in range(d - 1):
            r0, n, r1 = cores[k].shape
            u, s, vt = np.linalg.svd(cores[k].reshape(r0 * n, r1), full_matrices=False)
            r = _truncation_rank(s, delta, max_rank)
            spectra.append(s)
            cores[k] = u[:, :r].reshape(r0, n, r)
            cores[k + 1] = np.einsum("ab,bic->aic", s[:r, None] * vt[:r], cores[k + 1])
        return TensorTrain(tuple(cores), tuple(spectra))

    def _check_same_shape(self, other: "TensorTrain") -> None:
        if self.shape != other.shape:
            raise ModelError(f"tensor trains have different shapes: {self.shape} and {other.shape}")


def tt_svd(array, eps: float = 1e-10, max_rank: int | None = None) -> TensorTrain:
    """Decompose a dense array into a TT by sequential truncated SVDs (Oseledets' TT-SVD).

    Args:
        array: dense array of shape ``(n_1, ..., n_d)``; reshape first to choose modes (e.g.
            a 2^20 vector as ``(2,)*20`` gives its QTT).
        eps: relative accuracy; each of the d−1 SVDs drops a tail of Frobenius norm at most
            ``eps/√(d−1)·‖A‖_F``, hence ``‖A − TT‖_F ≤ eps·‖A‖_F``.
        max_rank: optional cap on every bond rank (the bound above then no longer holds; use
            it for a fixed-rank reconstruction and measure the error).

    Returns:
        A :class:`TensorTrain` whose ``spectra`` hold each step's singular values.
    """
    _check_tolerance(eps, max_rank)
    a = np.asarray(array, dtype=np.float64)
    if a.ndim == 0 or a.size == 0:
        raise ModelError(f"tt_svd needs a non-empty array with at least one axis, got shape {a.shape}")
    d, shape = a.ndim, a.shape
    delta = eps / np.sqrt(max(d - 1, 1)) * np.linalg.norm(a)
    cores, spectra = [], []
    c, r_prev = a.reshape(1, -1), 1
    for k in range(d - 1):
        u, s, vt = np.linalg.svd(c.reshape(r_prev * shape[k], -1), full_matrices=False)
        r = _truncation_rank(s, delta, max_rank)
        spectra.append(s)
        cores.append(u[:, :r].reshape(r_prev, shape[k], r))
        c, r_prev = s[:r, None] * vt[:r], r
    cores.append(c.reshape(r_prev, shape[-1], 1))
    return TensorTrain(tuple(cores), tuple(spectra))


def tt_reconstruct(array, max_rank: int, eps: float = 0.0) -> np.ndarray:
    """``tt_svd(array, eps, max_rank).full()``: the array seen through a rank-``max_rank`` TT."""
    return tt_svd(array, eps=eps, max_rank=max_rank).full()


def block_sum_cores(a: tuple[np.ndarray, ...], b: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
    """Cores of the sum of two trains with cores ``(r, *mode_axes, r')`` (TT or TT-matrix).

    First cores are concatenated along the right bond, last cores along the left bond, middle
    cores placed block-diagonally; ranks add.
    """
    if len(a) == 1:
        return (a[0] + b[0],)
    out = [np.concatenate([a[0], b[0]], axis=-1)]
    for x, y in zip(a[1:-1], b[1:-1]):
        z = np.zeros((x.shape[0] + y.shape[0],) + x.shape[1:-1] + (x.shape[-1] + y.shape[-1],),
                     dtype=np.result_type(x, y))
        z[: x.shape[0], ..., : x.shape[-1]] = x
        z[x.shape[0]:, ..., x.shape[-1]:] = y
        out.append(z)
    out.append(np.concatenate([a[-1], b[-1]], axis=0))
    return tuple(out)


def _truncation_rank(s: np.ndarray, delta: float, max_rank: int | None) -> int:
    """Smallest r ≥ 1 whose discarded tail ‖s[r:]‖₂ is ≤ delta, capped at ``max_rank``."""
    tail = np.sqrt(np.cumsum(s[::-1] ** 2))[::-1]  # tail[r] = ‖s[r:]‖
    r = int(np.count_nonzero(tail > delta))
    r = max(r, 1)
    return min(r, max_rank) if max_rank is not None else r


def _check_tolerance(eps: float, max_rank: int | None) -> None:
    if not (np.isfinite(eps) and eps >= 0):
        raise ModelError(f"eps must be finite and ≥ 0, got {eps!r}")
    if max_rank is not None and (int(max_rank) != max_rank or max_rank < 1):
        raise ModelError(f"max_rank must be a positive integer, got {max_rank!r}")
