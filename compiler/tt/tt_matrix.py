"""TT-matrices (MPOs) and exact low-rank QTT forms of periodic lattice Laplacians.

A matrix ``A`` of shape ``(Π m_k, Π n_k)`` is stored as cores ``G_k`` of shape
``(r_{k−1}, m_k, n_k, r_k)``::

    A[(i_1..i_d), (j_1..j_d)] = G_1[:, i_1, j_1, :] @ ... @ G_d[:, i_d, j_d, :]

with multi-indices in C order (``i_1`` most significant), matching :class:`TensorTrain`.

Lattice Laplacians are the graph Laplacians ``L = D − Adj`` (degree on the diagonal, −1 to each
neighbour).  On a cycle of N = 2^d cells, ``L = 2I − C − Cᵀ`` with the cyclic shift
``C[i, (i+1) mod N] = 1``.  In quantized (binary-digit) form ``C`` is a rank-2 MPO: with
``J = [[0,1],[0,0]]``, the bond state says whether the carry of ``i + 1`` has been resolved,

    C = Σ_k I^{⊗(k−1)} ⊗ J ⊗ (Jᵀ)^{⊗(d−k)} + (Jᵀ)^{⊗d}      (last term: the wrap-around).

Sharing the identity channel gives ``α I + β(C + Cᵀ)`` with QTT ranks 3 — the explicit rank-3
form of Kazeev & Khoromskij ("Low-rank explicit QTT representation of the Laplace operator and
its inverse", SIMAX 33, 2012), here with periodic boundaries.  After the first digit both shift
tails hold ``J + Jᵀ`` and share a state, so the first bond has rank 2: ranks ``(2, 3, …, 3)``.
TT-rounding of the built operator finds no smaller ranks (``tests/tt/test_tt_matrix.py``).

The torus ``L_2D = L_rows ⊗ I + I ⊗ L_cols`` over the row digits then the column digits
(row-major cell index ``r·cols + c``) has ranks ``(2, 3, …, 3)`` over the row digits, 2 at the
row/column junction ("rows finished" or "identity so far") and ``(3, 4, …, 4)`` over the column
digits, which carry a finished-rows channel next to the three cycle states, except the last
bond, where the column cycle's identity state is a combination of the others (rank 3).
TT-rounding finds no smaller ranks.  For 128 × 64: ``(1, 2, 3, 3, 3, 3, 3, 2, 3, 4, 4, 4, 3, 1)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from compiler.tt.tensor_train import TensorTrain, block_sum_cores, check_cores
from device_models.errors import ModelError


@dataclass(frozen=True, eq=False)
class TTMatrix:
    """A matrix in TT (MPO) format.

    Attributes:
        cores: d arrays of shape ``(r_{k−1}, m_k, n_k, r_k)``, ``r_0 = r_d = 1``.
    """

    cores: tuple[np.ndarray, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "cores", check_cores(self.cores, "TTMatrix", "(r_prev, m, n, r_next)"))

    @property
    def shape(self) -> tuple[int, int]:
        """``(Π m_k, Π n_k)``."""
        return (int(np.prod([c.shape[1] for c in self.cores])),
                int(np.prod([c.shape[2] for c in self.cores])))

    @property
    def ranks(self) -> tuple[int, ...]:
        """Bond ranks ``(r_0, ..., r_d)``."""
        return (1,) + tuple(c.shape[3] for c in self.cores)

    def to_sparse(self) -> sp.csr_matrix:
        """The matrix as scipy.sparse CSR, built by sparse Kronecker products bond by bond.

        Never forms a dense matrix: after k cores it holds ``r_k`` sparse blocks of shape
        ``(m_1⋯m_k, n_1⋯n_k)``.  Entries that cancel to exactly zero are removed.
        """
        blocks = [sp.csr_matrix(np.ones((1, 1)))]
        for c in self.cores:
            new = []
            for b in range(c.shape[3]):
                acc = sp.csr_matrix((blocks[0].shape[0] * c.shape[1], blocks[0].shape[1] * c.shape[2]))
                for a, m in enumerate(blocks):
                    g = c[a, :, :, b]
                    if m.nnz and np.any(g):
                        acc = acc + sp.kron(m, sp.csr_matrix(g), format="csr")
                new.append(acc)
            blocks = new
        out = sp.csr_matrix(blocks[0])
        out.eliminate_zeros()
        out.sort_indices()
        return out

    def full(self) -> np.ndarray:
        """The dense matrix (small sizes only)."""
        return self.to_sparse().toarray()

    def matvec(self, x: TensorTrain) -> TensorTrain:
        """``A x`` in TT form: cores ``Σ_j G_k[a,i,j,b]·X_k[c,j,d]`` with ranks ``r_A·r_x``.

        Args:
            x: a TT with mode sizes ``(n_1, ..., n_d)``.
        """
        ns = tuple(c.shape[2] for c in self.cores)
        if x.shape != ns:
            raise ModelError(f"x has mode sizes {x.shape}, the matrix expects {ns}")
        cores = []
        for g, xc in zip(self.cores, x.cores):
            y = np.einsum("aijb,cjd->acibd", g, xc)
            cores.append(y.reshape(g.shape[0] * xc.shape[0], g.shape[1], g.shape[3] * xc.shape[2]))
        return TensorTrain(tuple(cores))

    def __add__(self, other: "TTMatrix") -> "TTMatrix":
        """Exact sum; ranks add (call :meth:`round` to compress)."""
        if [c.shape[1:3] for c in self.cores] != [c.shape[1:3] for c in other.cores]:
            raise ModelError("TT-matrices have different mode sizes")
        return TTMatrix(block_sum_cores(self.cores, other.cores))

    def __mul__(self, alpha: float) -> "TTMatrix":
        return TTMatrix((self.cores[0] * alpha,) + self.cores[1:])

    __rmul__ = __mul__

    def round(self, eps: float = 1e-12, max_rank: int | None = None) -> "TTMatrix":
        """TT-rounding of the cores viewed as a TT over merged modes ``(m_k·n_k)``."""
        modes = [c.shape[1:3] for c in self.cores]
        tt = TensorTrain(tuple(c.reshape(c.shape[0], -1, c.shape[3]) for c in self.cores))
        rounded = tt.round(eps, max_rank)
        return TTMatrix(tuple(c.reshape(c.shape[0], m, n, c.shape[2])
                              for c, (m, n) in zip(rounded.cores, modes)))


# Quantized building blocks (2×2): identity, and J with J[0, 1] = 1 (one step of the shift).
_I = np.eye(2)
_J = np.array([[0.0, 1.0], [0.0, 0.0]])


def _cycle_transfer() -> np.ndarray:
    """The (3, 2, 2, 3) bulk core of ``C + Cᵀ``: states 0 = no carry yet, 1 = C's tail, 2 = Cᵀ's."""
    m = np.zeros((3, 2, 2, 3))
    m[0, :, :, 0] = _I
    m[0, :, :, 1] = _J
    m[0, :, :, 2] = _J.T
    m[1, :, :, 1] = _J.T
    m[2, :, :, 2] = _J
    return m


# Starting in state 1 or 2 before the first digit gives the wrap-around terms (Jᵀ)^{⊗d}, J^{⊗d}.
_CYCLE_START = np.ones(3)


def _cycle_cores(d: int, alpha: float, beta: float) -> list[np.ndarray]:
    """Cores of ``α I + β (C + Cᵀ)`` on a cycle of 2^d cells (ranks 3)."""
    m = _cycle_transfer()
    end = np.array([alpha, beta, beta])
    cores = [m.copy() for _ in range(d)]
    cores[0] = np.einsum("a,aijb->ijb", _CYCLE_START, cores[0])[None]
    cores[-1] = np.einsum("aijb,b->aij", cores[-1], end)[..., None]
    _merge_last_bond_state(cores, 0)
    return cores


def _merge_last_bond_state(cores: list[np.ndarray], k: int) -> None:
    """Drop the last state of bond k, whose column in core k duplicates the one before it.

    After the first digit of a cycle both shift tails hold J + Jᵀ, so they share a state; the
    next core then sums their two rows.  Exact (integer arithmetic), and lowers that bond by one.
    """
    assert np.array_equal(cores[k][..., -1], cores[k][..., -2])
    cores[k] = cores[k][..., :-1]
    nxt = cores[k + 1].copy()
    nxt[-2] += nxt[-1]
    cores[k + 1] = nxt[:-1]


def _num_digits(n: int, name: str) -> int:
    """d with n = 2^d, for n ≥ 4 (a cycle of 2 cells is a multigraph, not a lattice)."""
    if int(n) != n or n < 4 or (int(n) & (int(n) - 1)):
        raise ModelError(f"{name} must be a power of two ≥ 4 for the QTT form, got {n!r}")
    return int(n).bit_length() - 1


def laplacian_1d_mpo(n: int) -> TTMatrix:
    """Graph Laplacian of the cycle of n = 2^d cells as a rank-3 QTT-matrix over d binary digits.

    ``L[i, i] = 2``, ``L[i, i ± 1 mod n] = −1``.
    """
    return TTMatrix(tuple(_cycle_cores(_num_digits(n, "n"), 2.0, -1.0)))


def laplacian_2d_mpo(rows: int, cols: int) -> TTMatrix:
    """Graph Laplacian of the ``rows × cols`` torus (both powers of two ≥ 4) as a QTT-matrix.

    Cells are numbered row-major, ``cell = r·cols + c``; ``L[i, i] = 4`` and −1 to each of the
    four periodic neighbours.  Ranks: ``(2, 3, …)`` over the row digits, 2 at the junction,
    ``(3, 4, …, 4, 3)`` over the column digits.
    """
    return gaussian_lattice_mpo(rows, cols, mass=0.0, coupling=1.0)


def gaussian_lattice_mpo(rows: int, cols: int, mass: float, coupling: float) -> TTMatrix:
    """Precision matrix ``A = mass·I + coupling·L_torus`` of a Gaussian lattice, as a QTT-matrix.

    Args:
        rows, cols: torus size, each a power of two ≥ 4 (``toroidal_8k``: 128 × 64).
        mass: diagonal shift a (units of the precision, e.g. 1/V²); A is SPD iff a > 0 for
            coupling ≥ 0.
        coupling: κ multiplying the torus graph Laplacian (diagonal 4κ, −κ per neighbour).

    Returns:
        A :class:`TTMatrix` over ``log2(rows)`` row digits then ``log2(cols)`` column digits, so
        its matrix index is the row-major cell index ``r·cols + c``; same ranks as the Laplacian
        (the mass rides on the identity channel).
    """
    for name, v in (("mass", mass), ("coupling", coupling)):
        if not np.isfinite(v):
            raise ModelError(f"{name} must be finite, got {v!r}")
    p, q = _num_digits(rows, "rows"), _num_digits(cols, "cols")
    m = _cycle_transfer()
    # Row part: the cycle over row digits; its end splits into "rows finished" (D) and "identity".
    row = [m.copy() for _ in range(p)]
    row[0] = np.einsum("a,aijb->ijb", _CYCLE_START, row[0])[None]
    to_junction = np.array([[0.0, 1.0], [-coupling, 0.0], [-coupling, 0.0]])  # (row state, {D, Id})
    row[-1] = np.einsum("aijb,bc->aijc", row[-1], to_junction)
    # Column part: state 0 carries D through identities; states 1..3 run the column cycle.
    mc = np.zeros((4, 2, 2, 4))
    mc[0, :, :, 0] = _I
    mc[1:, :, :, 1:] = m
    from_junction = np.array([[1.0, 0.0, 0.0, 0.0], [0.0, *_CYCLE_START]])  # ({D, Id}, col state)
    end = np.array([1.0, mass + 4.0 * coupling, -coupling, -coupling])
    col = [mc.copy() for _ in range(q)]
    col[0] = np.einsum("ca,aijb->cijb", from_junction, col[0])
    col[-1] = np.einsum("aijb,b->aij", col[-1], end)[..., None]
    cores = row + col
    _merge_last_bond_state(cores, 0)
    _merge_last_bond_state(cores, p)
    _fold_identity_state(cores, mass + 4.0 * coupling)
    return TTMatrix(tuple(cores))


def _fold_identity_state(cores: list[np.ndarray], alpha: float) -> None:
    """Remove the column cycle's identity state (1) from the last bond of the torus operator.

    The last core's rows are D = I, id = αI + β(J + Jᵀ) and the shift tails summing to β(J + Jᵀ),
    so id = α·D + Σ tails; moving those coefficients into the previous core is exact (only
    multiplications by α and 1) and lowers the last bond by one.
    """
    last = cores[-1]
    assert np.array_equal(last[1], alpha * last[0] + last[2:].sum(axis=0))
    w = np.delete(np.eye(last.shape[0]), 1, axis=1)
    w[1] = [alpha] + [1.0] * (last.shape[0] - 2)
    cores[-2] = np.einsum("aijb,bc->aijc", cores[-2], w)
    cores[-1] = np.delete(last, 1, axis=0)
