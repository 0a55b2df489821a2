"""TT-matrices (MPOs) and exact low-rank QTT forms of periodic lattice Laplacians.

A matrix ``A`` of shape ``(Π m_k, Π n_k)`` is stored as cores ``G_k`` of shape
``(r_{k−1}, m_k, n_k, r_k)``::

    A[(i_1..i_d), (j_1..j_d)] = G_1[:, i_1, j_1, :] @ ... @ G_d[:, i_d, j_d, :]

with multi-indices in C order (``i_1`` most significant), matching :class:`TensorTrain`.

Lattice Laplacians are the graph Laplacians ``L = D − Adj`` (degree on the diagonal, −1 to each
neighbour).  On a cycle of N ≥ 3 cells, ``L = 2I − C − Cᵀ`` with the cyclic shift
``C[i, (i+1) mod N] = 1``.  Write N = b_1·b_2⋯b_d (mixed radix, b_1 most significant, so the
index is ``Σ_k i_k·b_{k+1}⋯b_d``) and take per digit the b × b blocks I, the increment
``J_b[a, a+1] = 1`` (no carry) and the wrap ``W_b[b−1, 0] = 1`` (carry out).  Then ``C`` is a
rank-2 MPO whose bond state says whether the carry of ``i + 1`` has been resolved,

    C = Σ_k I ⊗ ⋯ ⊗ I ⊗ J_{b_k} ⊗ W_{b_{k+1}} ⊗ ⋯ ⊗ W_{b_d} + W_{b_1} ⊗ ⋯ ⊗ W_{b_d}   (last: wrap-around).

For binary digits (N = 2^d, W_2 = J_2ᵀ) this is the quantized (QTT) shift.  Sharing the identity
channel gives ``α I + β(C + Cᵀ)`` with ranks 3 — the explicit rank-3 form of Kazeev & Khoromskij
("Low-rank explicit QTT representation of the Laplace operator and its inverse", SIMAX 33, 2012),
here with periodic boundaries and mixed radices.  After a first digit of radix 2 both shift tails
hold ``J + W = Jᵀ + Wᵀ`` and share a state, so the first bond has rank 2.  The digits are N's prime
factors, 2s first: ranks ``(2, 3, …, 3)`` for even N, ``(3, …, 3)`` for odd N.  A prime factor b is
one b × b digit stored densely, so a large prime is exact but not compressed.  TT-rounding of the
built operator finds no smaller ranks (``tests/tt/test_tt_matrix.py``).

The torus ``L_2D = L_rows ⊗ I + I ⊗ L_cols`` over the row digits then the column digits
(row-major cell index ``r·cols + c``) has ranks ≤ 3 over the row digits (as the cycle), 2 at the
row/column junction ("rows finished" or "identity so far") and ≤ 4 over the column digits, which
carry a finished-rows channel next to the three cycle states.  Two exact reductions lower the
column bonds by one each: a first column digit of radix 2 (shared tails, as above) and a last
column digit of radix 2, where ``W + Wᵀ = J + Jᵀ`` makes the identity state a combination of the
others.  Each is applied only where its condition checks out on the built cores; the column digits
put one 2 last when there are two.  TT-rounding finds no smaller ranks.  For 128 × 64:
``(1, 2, 3, 3, 3, 3, 3, 2, 3, 4, 4, 4, 3, 1)``; for 12 × 10 (digits 2·2·3 | 2·5): ``(1, 2, 3, 2, 3, 1)``.
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


# Digit blocks of a radix b (b × b): the identity, the increment and the wrap.  Reading the
# row index i and the column index j of the shift C[i, (i+1) mod N] = 1 digit by digit, a digit
# either stays (I), steps a → a+1 without a carry (J_b), or wraps b−1 → 0 and passes a carry to
# the more significant digit (W_b).  For b = 2, W_2 = J_2ᵀ.
def _digit_blocks(b: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(I_b, J_b, W_b)`` with ``J_b[a, a+1] = 1`` for a < b−1 and ``W_b[b−1, 0] = 1``."""
    return np.eye(b), np.eye(b, k=1), np.eye(b, k=1 - b)


def _cycle_transfer(b: int) -> np.ndarray:
    """The (3, b, b, 3) core of ``C + Cᵀ`` at a digit of radix b.

    States: 0 = no carry yet (identity so far), 1 = C's tail (every less significant digit
    wraps), 2 = Cᵀ's tail.  The carry of ``i + 1`` is resolved at the one digit that increments.
    """
    eye, inc, wrap = _digit_blocks(b)
    m = np.zeros((3, b, b, 3))
    m[0, :, :, 0] = eye
    m[0, :, :, 1] = inc
    m[0, :, :, 2] = inc.T
    m[1, :, :, 1] = wrap
    m[2, :, :, 2] = wrap.T
    return m


# Starting in state 1 or 2 before the first digit gives the wrap-around terms W^{⊗d}, (Wᵀ)^{⊗d}.
_CYCLE_START = np.ones(3)


def _cycle_cores(radices: tuple[int, ...], alpha: float, beta: float) -> list[np.ndarray]:
    """Cores of ``α I + β (C + Cᵀ)`` on a cycle of ``Π radices`` cells (ranks ≤ 3)."""
    cores = [_cycle_transfer(b) for b in radices]
    cores[0] = np.einsum("a,aijb->ijb", _CYCLE_START, cores[0])[None]
    cores[-1] = np.einsum("aijb,b->aij", cores[-1], np.array([alpha, beta, beta]))[..., None]
    _merge_last_bond_state(cores, 0)
    return cores


def _merge_last_bond_state(cores: list[np.ndarray], k: int) -> None:
    """Drop the last state of bond k if its column in core k duplicates the one before it.

    After a first digit of radix 2 both shift tails hold ``J + W = Jᵀ + Wᵀ`` (the 2-cycle's
    shift is symmetric), so they share a state and the next core sums their two rows.  For a
    radix b ≥ 3 the tails differ (``P_b ≠ P_bᵀ``) and nothing is dropped.  Exact whenever it
    applies (integer arithmetic); lowers bond k by one.
    """
    if k + 1 >= len(cores) or not np.array_equal(cores[k][..., -1], cores[k][..., -2]):
        return
    cores[k] = cores[k][..., :-1]
    nxt = cores[k + 1].copy()
    nxt[-2] += nxt[-1]
    cores[k + 1] = nxt[:-1]


def _fold_identity_state(cores: list[np.ndarray], alpha: float) -> None:
    """Remove the column cycle's identity state (1) from the last bond of the torus operator.

    The last core's rows are D = I, id = αI + β(J + Jᵀ) and the shift tails βW, βWᵀ (or their
    merged sum).  When the last digit has radix 2, W + Wᵀ = J + Jᵀ, so id = α·D + Σ tails;
    moving those coefficients into the previous core is exact (only multiplications by α and 1)
    and lowers the last bond by one.  For a radix b ≥ 3 the identity is checked, fails, and the
    cores are left alone.
    """
    last = cores[-1]
    if len(cores) < 2 or last.shape[0] < 3 or not np.array_equal(last[1], alpha * last[0] + last[2:].sum(axis=0)):
        return
    w = np.delete(np.eye(last.shape[0]), 1, axis=1)
    w[1] = [alpha] + [1.0] * (last.shape[0] - 2)
    cores[-2] = np.einsum("aijb,bc->aijc", cores[-2], w)
    cores[-1] = np.delete(last, 1, axis=0)


def _lattice_size(n, name: str) -> int:
    """n as an int ≥ 3 (a cycle of 2 cells is a multigraph: i + 1 ≡ i − 1, not a lattice)."""
    try:
        ok = int(n) == n and not isinstance(n, bool)
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok or n < 3:
        raise ModelError(f"{name} must be an integer ≥ 3 (a cycle of 2 cells is a multigraph), got {n!r}")
    return int(n)


def _radices(n, name: str, two_last: bool = False) -> tuple[int, ...]:
    """Mixed-radix digits of a cycle of n cells: n's prime factors, most significant first.

    Any order numbers the cells 0..n−1 consecutively (the MPO index is
    ``Σ_k i_k · b_{k+1}⋯b_d``, and the carry automaton increments it mod n), so the order is
    chosen for the ranks: a radix-2 first digit lets the two shift tails share a state
    (:func:`_merge_last_bond_state`), and for the columns of a torus a radix-2 last digit lets
    the identity state fold (:func:`_fold_identity_state`).  ``two_last`` moves one 2 to the end
    when n has at least two.  A power of two gives binary digits; a prime n one digit of radix n.
    """
    n = _lattice_size(n, name)
    factors, rest, f = [], n, 2
    while f * f <= rest:
        while rest % f == 0:
            factors.append(f)
            rest //= f
        f += 1
    if rest > 1:
        factors.append(rest)
    twos, odd = factors.count(2), tuple(factors[factors.count(2):])
    if two_last and twos >= 2:
        return (2,) * (twos - 1) + odd + (2,)
    return (2,) * twos + odd


def laplacian_1d_mpo(n: int) -> TTMatrix:
    """Graph Laplacian of the cycle of n ≥ 3 cells as a QTT-matrix over mixed-radix digits.

    ``L[i, i] = 2``, ``L[i, i ± 1 mod n] = −1`` (dimensionless).  The digits are n's prime
    factors, 2s first (see :func:`_radices`); ranks ``(1, 2, 3, …, 3, 1)`` when n is even,
    ``(1, 3, …, 3, 1)`` when odd.  A prime factor b is one b × b digit, stored densely (≤ 9b²
    numbers): exact but not compressed, so a large prime n is a dense n × n core.
    """
    return TTMatrix(tuple(_cycle_cores(_radices(n, "n"), 2.0, -1.0)))


def laplacian_2d_mpo(rows: int, cols: int) -> TTMatrix:
    """Graph Laplacian of the ``rows × cols`` torus (each ≥ 3) as a QTT-matrix.

    Cells are numbered row-major, ``cell = r·cols + c``; ``L[i, i] = 4`` and −1 to each of the
    four periodic neighbours.  Ranks ≤ 4; see :func:`gaussian_lattice_mpo`.
    """
    return gaussian_lattice_mpo(rows, cols, mass=0.0, coupling=1.0)


def gaussian_lattice_mpo(rows: int, cols: int, mass: float, coupling: float) -> TTMatrix:
    """Precision matrix ``A = mass·I + coupling·L_torus`` of a Gaussian lattice, as a QTT-matrix.

    Args:
        rows, cols: torus size, each an integer ≥ 3 (``toroidal_8k``: 128 × 64).  Each is split
            into mixed-radix digits from its prime factors (powers of two: binary digits).
        mass: diagonal shift a (units of the precision, e.g. 1/V²); A is SPD iff a > 0 for
            coupling ≥ 0.
        coupling: κ multiplying the torus graph Laplacian (diagonal 4κ, −κ per neighbour).

    Returns:
        A :class:`TTMatrix` over the row digits then the column digits, so its matrix index is
        the row-major cell index ``r·cols + c``; mode sizes ``[c.shape[1] for c in mpo.cores]``.
        Ranks: ≤ 3 over the row digits (2 after a first digit of radix 2), 2 at the row/column
        junction, ≤ 4 over the column digits (3 after a first column digit of radix 2 and before
        a last one).  The mass rides on the identity channel, so ranks do not depend on it.

    Raises:
        ModelError: rows or cols not an integer ≥ 3; mass or coupling not finite.
    """
    for name, v in (("mass", mass), ("coupling", coupling)):
        if not np.isfinite(v):
            raise ModelError(f"{name} must be finite, got {v!r}")
    row_radices, col_radices = _radices(rows, "rows"), _radices(cols, "cols", two_last=True)
    # Row part: the cycle over row digits; its end splits into "rows finished" (D) and "identity".
    row = [_cycle_transfer(b) for b in row_radices]
    row[0] = np.einsum("a,aijb->ijb", _CYCLE_START, row[0])[None]
    to_junction = np.array([[0.0, 1.0], [-coupling, 0.0], [-coupling, 0.0]])  # (row state, {D, Id})
    row[-1] = np.einsum("aijb,bc->aijc", row[-1], to_junction)
    # Column part: state 0 carries D through identities; states 1..3 run the column cycle.
    col = []
    for b in col_radices:
        mc = np.zeros((4, b, b, 4))
        mc[0, :, :, 0] = np.eye(b)
        mc[1:, :, :, 1:] = _cycle_transfer(b)
        col.append(mc)
    from_junction = np.array([[1.0, 0.0, 0.0, 0.0], [0.0, *_CYCLE_START]])  # ({D, Id}, col state)
    end = np.array([1.0, mass + 4.0 * coupling, -coupling, -coupling])
    col[0] = np.einsum("ca,aijb->cijb", from_junction, col[0])
    col[-1] = np.einsum("aijb,b->aij", col[-1], end)[..., None]
    cores = row + col
    p = len(row)
    if p > 1:
        _merge_last_bond_state(cores, 0)
    if len(col) > 1:
        _merge_last_bond_state(cores, p)
        _fold_identity_state(cores, mass + 4.0 * coupling)
    return TTMatrix(tuple(cores))
