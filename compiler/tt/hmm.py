"""Hidden Markov models as sequence distributions, and the Mess3 process.

Generative convention (the one under the Mess3 matrices below)::

    h_0 ~ initial;   for k = 1..L:   h_k ~ M[h_{k−1}, :],   x_k ~ E[h_k, :]

so the symbol-labelled transition matrices are ``T[x] = M·diag(E[:, x])``, i.e.
``T[x][i, j] = P(next state j, emit x | state i)``, and a word has probability
``P(x_1..x_L) = initialᵀ T[x_1] ⋯ T[x_L] 1``.  The belief after a word is the filtering
distribution ``P(h_L | x_1..x_L) ∝ initialᵀ T[x_1] ⋯ T[x_L]``.  With the default stationary
``initial`` (πM = π), h_1 is stationary as well, so this equals the textbook HMM that starts
with ``h_1 ~ π``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from compiler.tt.probabilistic import TTDistribution
from compiler.tt.tensor_train import TensorTrain
from device_models.errors import ModelError

_STOCHASTIC_TOL = 1e-9


@dataclass(frozen=True, eq=False)
class HMM:
    """A finite hidden Markov model.

    Attributes:
        transition: (S, S) row-stochastic ``M[i, j] = P(h_k = j | h_{k−1} = i)``.
        emission: (S, V) row-stochastic ``E[j, x] = P(x_k = x | h_k = j)``.
        initial: (S,) distribution of h_0, the state before the first symbol; ``None`` picks the
            stationary distribution of M (which must be unique).
    """

    transition: np.ndarray
    emission: np.ndarray
    initial: np.ndarray | None = None

    def __post_init__(self) -> None:
        m = _stochastic("transition", self.transition)
        e = _stochastic("emission", self.emission)
        if m.shape[0] != m.shape[1] or e.shape[0] != m.shape[0]:
            raise ModelError(f"transition must be (S, S) and emission (S, V); got {m.shape} and {e.shape}")
        init = _stationary(m) if self.initial is None else _stochastic("initial", self.initial)
        if init.shape != (m.shape[0],):
            raise ModelError(f"initial must have shape ({m.shape[0]},), got {init.shape}")
        object.__setattr__(self, "transition", m)
        object.__setattr__(self, "emission", e)
        object.__setattr__(self, "initial", init)

    @property
    def num_states(self) -> int:
        return self.transition.shape[0]

    @property
    def num_symbols(self) -> int:
        return self.emission.shape[1]

    @property
    def symbol_matrices(self) -> np.ndarray:
        """(V, S, S) array ``T[x] = M·diag(E[:, x])``."""
        return np.einsum("ij,jx->xij", self.transition, self.emission)

    def word_probability(self, word) -> float:
        """``P(x_1..x_L = word) = initialᵀ T[x_1] ⋯ T[x_L] 1``."""
        return float(self._forward(self._check_word(word)).sum())

    def belief(self, word, prior=None) -> np.ndarray:
        """Filtering distribution ``P(h_L | word)``, shape (S,), starting from ``prior`` over h_0
        (default: ``initial``)."""
        b = self.initial if prior is None else _stochastic("prior", prior)
        for x in self._check_word(word):
            b = self.update(b, x)
        return b

    def update(self, belief, symbol: int) -> np.ndarray:
        """One belief-state step ``b' = bᵀT[x] / (bᵀT[x] 1)``, shape (S,)."""
        (x,) = self._check_word([symbol])
        v = np.asarray(belief, dtype=np.float64) @ self.symbol_matrices[x]
        s = v.sum()
        if s <= 0:
            raise ModelError(f"symbol {symbol} has probability zero under belief {belief!r}")
        return v / s

    def to_tt(self, length: int) -> TensorTrain:
        """The joint ``P(x_1..x_L)`` as a TT with bond dimension S (bond k holds h_k).

        Cores: ``(1, V, S)`` = initialᵀT[x]; ``(S, V, S)`` = T[x]; ``(S, V, 1)`` = T[x]·1.
        """
        if int(length) != length or length < 1:
            raise ModelError(f"length must be a positive integer, got {length!r}")
        t = np.transpose(self.symbol_matrices, (1, 0, 2))  # (S, V, S): [i, x, j]
        if length == 1:
            return TensorTrain((np.einsum("i,ixj->x", self.initial, t)[None, :, None],))
        first = np.einsum("i,ixj->xj", self.initial, t)[None]
        last = t.sum(axis=2)[..., None]
        return TensorTrain((first,) + (t,) * (length - 2) + (last,))

    def joint_tt(self, length: int) -> TensorTrain:
        """The joint ``P(h_1, x_1, …, h_L, x_L)`` as a TT over 2L interleaved sites.

        Site order matches :func:`~compiler.tt.lowering.hmm_to_potts` (``h_k`` at site 2k−2,
        ``x_k`` at 2k−1, 0-based).  Bonds carry the current hidden state (rank S): an ``h`` core
        ``(r, S, S)`` holds ``M[h_{k−1}, h_k]·δ(h_k, bond)`` (the first starts from ``initialᵀM``),
        an ``x`` core ``(S, V, S)`` holds ``E[h_k, x_k]·δ(h_k, bond)``; the last x core sums the bond.
        """
        if int(length) != length or length < 1:
            raise ModelError(f"length must be a positive integer, got {length!r}")
        s = self.num_states
        eye = np.eye(s)
        move = np.einsum("ij,jk->ijk", self.transition, eye)  # (S, S, S): [h_prev, h, bond]
        first = np.einsum("ij,jk->ijk", (self.initial @ self.transition)[None], eye)  # (1, S, S)
        emit = np.einsum("jx,jk->jxk", self.emission, eye)  # (S, V, S): [h, x, bond]
        cores = []
        for k in range(int(length)):
            cores += [first if k == 0 else move, emit]
        cores[-1] = self.emission[:, :, None]
        return TensorTrain(tuple(cores))

    def distribution(self, length: int) -> TTDistribution:
        """Words of the given length as a :class:`TTDistribution` (Z = 1)."""
        return TTDistribution(self.to_tt(length))

    def _forward(self, word: np.ndarray) -> np.ndarray:
        v = self.initial
        for x in word:
            v = v @ self.symbol_matrices[x]
        return v

    def _check_word(self, word) -> np.ndarray:
        w = np.asarray(word, dtype=np.int64).reshape(-1)
        bad = (w < 0) | (w >= self.num_symbols)
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise ModelError(f"word[{k}] = {w[k]} is not a symbol 0..{self.num_symbols - 1}")
        return w


def mess3(x: float = 0.15, a: float = 0.6) -> HMM:
    """The Mess3 process: 3 hidden states, 3 symbols, stationary (uniform) start.

    ``M`` has ``y = 1 − 2x`` on the diagonal and ``x`` off it; ``E`` has ``a`` on the diagonal and
    ``b = (1 − a)/2`` off it.  Then ``T[0] = [[ay,bx,bx],[ax,by,bx],[ax,bx,by]]`` etc. Defaults
    are the epsilon-transformers values; the belief-geometry notebook uses x = 0.05, a = 0.85.
    """
    if not (0 <= x <= 0.5 and 0 <= a <= 1):
        raise ModelError(f"Mess3 needs 0 ≤ x ≤ 0.5 and 0 ≤ a ≤ 1, got x = {x!r}, a = {a!r}")
    y, b = 1 - 2 * x, (1 - a) / 2
    m = np.full((3, 3), x) + (y - x) * np.eye(3)
    e = np.full((3, 3), b) + (a - b) * np.eye(3)
    return HMM(m, e)


def _stochastic(name: str, a) -> np.ndarray:
    """Validate nonnegative entries whose last axis sums to 1."""
    a = np.asarray(a, dtype=np.float64)
    if not np.all(np.isfinite(a)):
        raise ModelError(f"{name} has non-finite entries: {a!r}")
    if np.any(a < 0):
        raise ModelError(f"{name} has a negative entry {a.min()!r}")
    sums = a.sum(axis=-1)
    if np.any(np.abs(sums - 1) > _STOCHASTIC_TOL):
        raise ModelError(f"{name} must sum to 1 along its last axis; sums are {sums!r}")
    return a


def _stationary(m: np.ndarray) -> np.ndarray:
    """The unique π with πM = π, Σπ = 1; raises if eigenvalue 1 is not simple."""
    w, v = np.linalg.eig(m.T)
    ones = np.flatnonzero(np.abs(w - 1) < 1e-9)
    if ones.size != 1:
        raise ModelError(f"transition has {ones.size} unit eigenvalues: no unique stationary "
                         "distribution; pass initial explicitly")
    pi = np.real(v[:, ones[0]])
    pi = np.clip(pi / pi.sum(), 0.0, None)  # round-off can leave −1e-17 entries
    return pi / pi.sum()
