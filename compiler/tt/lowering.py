"""Lowering probabilistic TTs to pairwise Potts energies and then to one-hot Ising models.

Chain of maps (energies in units of kT at inverse temperature β = 1, so ``p ∝ exp(−E)``):

1. :func:`hmm_to_potts` / :func:`tt_to_potts`: a distribution over sequences becomes a Potts
   energy over discrete variables with ``exp(−E(z)) = p(z)`` (the offset included) wherever p > 0.
   Zero probabilities become a finite hard-constraint energy (``hard_penalty`` above the largest
   finite energy of that table).  Every table is shifted so its minimum is 0; the shifts go into
   the offset, so all energy terms are ≥ 0.
2. :func:`potts_to_ising`: variable v with q states becomes q bits ``x_{v,a} = (1 + s_{v,a})/2``
   with the one-hot penalty ``λ(1 − Σ_a x_{v,a})²``.  A valid one-hot state has exactly the Potts
   energy; breaking variable v's one-hot costs λ(k−1)² for k set bits, and since every Potts
   term is ≥ 0, emptying v saves at most its ``ε_v^max`` — hence the rule
   ``λ ≥ max_v ε_v^max + ln(N_vars/δ)/β`` (:func:`one_hot_penalty`) for an invalid-sample rate δ.
3. :func:`decode_spins`: spin samples back to Potts states, with invalid rows flagged
   (:func:`encode_states` is its inverse on valid states).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from compiler.models.ising import QUBO, IsingModel
from compiler.tt.hmm import HMM
from compiler.tt.probabilistic import TTDistribution
from device_models.errors import ModelError

DEFAULT_HARD_PENALTY = 20.0


@dataclass(frozen=True, eq=False)
class PottsModel:
    """Pairwise Potts energy ``E(z) = offset + Σ_v U_v[z_v] + Σ_{(u,v)} P_uv[z_u, z_v]``.

    Attributes:
        cardinalities: number of states q_v of each variable.
        unary: one (q_v,) table per variable.
        pairwise: ``{(u, v): (q_u, q_v) table}`` with u < v.
        offset: constant energy.
        labels: one hashable label per variable.
    """

    cardinalities: tuple[int, ...]
    unary: tuple[np.ndarray, ...]
    pairwise: dict[tuple[int, int], np.ndarray]
    offset: float
    labels: tuple

    def __post_init__(self) -> None:
        q = self.cardinalities
        if len(self.unary) != len(q) or len(self.labels) != len(q):
            raise ModelError(f"{len(q)} variables but {len(self.unary)} unary tables and "
                             f"{len(self.labels)} labels")
        for v, u in enumerate(self.unary):
            if u.shape != (q[v],):
                raise ModelError(f"unary[{v}] has shape {u.shape}, expected ({q[v]},)")
        for (u, v), t in self.pairwise.items():
            if not 0 <= u < v < len(q):
                raise ModelError(f"pairwise key ({u}, {v}) needs 0 ≤ u < v < {len(q)}")
            if t.shape != (q[u], q[v]):
                raise ModelError(f"pairwise[({u}, {v})] has shape {t.shape}, expected ({q[u]}, {q[v]})")

    @property
    def num_variables(self) -> int:
        return len(self.cardinalities)

    def energy(self, states) -> np.ndarray:
        """Energy of integer states, shape (n,) or (m, n) → scalar or (m,)."""
        z = np.asarray(states, dtype=np.int64)
        zz = z.reshape(-1, self.num_variables)
        e = np.full(zz.shape[0], self.offset)
        for v, u in enumerate(self.unary):
            e += u[zz[:, v]]
        for (u, v), t in self.pairwise.items():
            e += t[zz[:, u], zz[:, v]]
        return e if z.ndim == 2 else e[0]

    def max_local_energy(self) -> np.ndarray:
        """``ε_v^max``: (n,) sum of the maxima of the tables that involve variable v."""
        eps = np.array([u.max() for u in self.unary])
        for (u, v), t in self.pairwise.items():
            eps[u] += t.max()
            eps[v] += t.max()
        return eps


def hmm_to_potts(hmm: HMM, length: int, hard_penalty: float = DEFAULT_HARD_PENALTY) -> PottsModel:
    """The joint ``p(h_1..h_L, x_1..x_L)`` of an HMM as a Potts model, ``E = −log p``.

    ``E = −log P(h_1) − Σ_k log M(h_k, h_{k+1}) − Σ_k log E(h_k, x_k)`` with
    ``P(h_1) = initialᵀM``.  Variables are interleaved ``h_1, x_1, h_2, x_2, …`` (labels
    ``("h", k)`` and ``("x", k)``, k = 1..L), so column ``2k+1`` of a state holds ``x_{k+1}``.

    Args:
        hmm: the model.
        length: L ≥ 1.
        hard_penalty: energy added above a table's largest finite energy for zero entries.
    """
    if int(length) != length or length < 1:
        raise ModelError(f"length must be a positive integer, got {length!r}")
    s, v = hmm.num_states, hmm.num_symbols
    offset = 0.0
    unary = []
    for k in range(length):
        u, c = _energy_table(hmm.initial @ hmm.transition if k == 0 else np.ones(s), hard_penalty)
        unary += [u, np.zeros(v)]
        offset += c
    emit, c_emit = _energy_table(hmm.emission, hard_penalty)
    move, c_move = _energy_table(hmm.transition, hard_penalty)
    pairwise = {}
    for k in range(length):
        pairwise[(2 * k, 2 * k + 1)] = emit
        if k + 1 < length:
            pairwise[(2 * k, 2 * k + 2)] = move
    offset += length * c_emit + (length - 1) * c_move
    labels = tuple(lab for k in range(1, length + 1) for lab in (("h", k), ("x", k)))
    return PottsModel((s, v) * length, tuple(unary), pairwise, offset, labels)


def tt_to_potts(dist: TTDistribution, hard_penalty: float = DEFAULT_HARD_PENALTY) -> PottsModel:
    """A nonnegative TT as a Potts chain over merged variables ``z_k = (i_k, α_k)``.

    ``z_k = i_k·r_k + α_k`` has ``n_k·r_k`` states (``z_d = i_d``); the pair term between z_{k−1}
    and z_k is ``−log G_k[α_{k−1}, i_k, α_k]`` and the unary of z_1 is ``−log G_1[0, i_1, α_1]``.
    Summing ``exp(−E)`` over the bond indices gives ``X[i]/Z`` (plus ``~e^{−hard_penalty}``
    leakage through zero core entries); decode with ``z_k // r_k``.
    Labels are ``("z", k)``, k = 1..d.
    """
    cores = dist.tt.cores
    d = len(cores)
    unary0, offset = _energy_table(cores[0][0].reshape(-1), hard_penalty)
    unary = [unary0] + [np.zeros(c.shape[1] * c.shape[2]) for c in cores[1:]]
    pairwise = {}
    for k in range(1, d):
        r_prev, n, r = cores[k].shape
        # rows: z_{k−1} = i_{k−1}·r_{k−1} + α_{k−1}; the term ignores i_{k−1}
        t, c = _energy_table(cores[k].reshape(r_prev, n * r), hard_penalty)
        pairwise[(k - 1, k)] = np.tile(t, (cores[k - 1].shape[1], 1))
        offset += c
    offset += dist.log_partition_function
    return PottsModel(tuple(len(u) for u in unary), tuple(unary), pairwise, offset,
                      tuple(("z", k) for k in range(1, d + 1)))


def one_hot_penalty(potts: PottsModel, beta: float, delta: float) -> float:
    """Planning rule ``λ = max_v ε_v^max + ln(N_vars/δ)/β`` for a one-hot failure rate δ.

    Args:
        potts: the model (all terms ≥ 0, as the builders here make them).
        beta: inverse temperature the sampler runs at (1/energy units).
        delta: tolerated fraction of samples with a broken one-hot group, in (0, 1).
    """
    if not (beta > 0 and np.isfinite(beta)):
        raise ModelError(f"beta must be positive and finite, got {beta!r}")
    if not 0 < delta < 1:
        raise ModelError(f"delta must lie in (0, 1), got {delta!r}")
    return float(potts.max_local_energy().max() + np.log(potts.num_variables / delta) / beta)


def potts_to_ising(potts: PottsModel, penalty: float) -> IsingModel:
    """One-hot Ising encoding of a Potts model with penalty λ (dimod's sign convention).

    Bit ``x_{v,a} = (1 + s_{v,a})/2`` is 1 iff variable v takes value a; bits of v are contiguous,
    in variable order, labelled ``(potts.labels[v], a)``.  QUBO before the spin map::

        offset + λN + Σ_{v,a} (U_v[a] − λ) x_{v,a} + Σ_v Σ_{a<b} 2λ x_{v,a} x_{v,b}
               + Σ_{(u,v)} Σ_{a,b} P_uv[a,b] x_{u,a} x_{v,b}

    i.e. the Potts energy plus ``λ Σ_v (1 − Σ_a x_{v,a})²``.
    """
    if not (penalty > 0 and np.isfinite(penalty)):
        raise ModelError(f"penalty must be positive and finite, got {penalty!r}")
    start = np.concatenate([[0], np.cumsum(potts.cardinalities)])
    n = int(start[-1])
    rows, cols, vals = [], [], []
    for v, q in enumerate(potts.cardinalities):
        idx = np.arange(start[v], start[v] + q)
        rows.append(idx)
        cols.append(idx)
        vals.append(potts.unary[v] - penalty)
        a, b = np.triu_indices(q, k=1)
        rows.append(idx[a])
        cols.append(idx[b])
        vals.append(np.full(a.size, 2.0 * penalty))
    for (u, v), t in potts.pairwise.items():
        a, b = np.indices(t.shape)
        rows.append(start[u] + a.ravel())
        cols.append(start[v] + b.ravel())
        vals.append(t.ravel())
    q = sp.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n))
    labels = tuple((lab, a) for lab, card in zip(potts.labels, potts.cardinalities) for a in range(card))
    return QUBO(q.tocsr(), offset=potts.offset + penalty * potts.num_variables, labels=labels).to_ising()


@dataclass(frozen=True, eq=False)
class DecodedSamples:
    """Potts states recovered from one-hot spin samples.

    Attributes:
        states: (m, N) integer states; −1 where a variable's one-hot group is broken.
        valid: (m,) True where every group has exactly one bit set.
    """

    states: np.ndarray
    valid: np.ndarray

    @property
    def num_invalid(self) -> int:
        return int(np.count_nonzero(~self.valid))

    @property
    def invalid_fraction(self) -> float:
        return self.num_invalid / max(self.valid.shape[0], 1)


def decode_spins(potts: PottsModel, spins) -> DecodedSamples:
    """Decode spin samples (m, n) ∈ {−1, +1} of :func:`potts_to_ising`'s model."""
    s = np.asarray(spins)
    s = s.reshape(1, -1) if s.ndim == 1 else s
    n = int(sum(potts.cardinalities))
    if s.ndim != 2 or s.shape[1] != n:
        raise ModelError(f"spins must have shape (m, {n}), got {np.shape(spins)}")
    bits = s > 0
    start = np.concatenate([[0], np.cumsum(potts.cardinalities)])
    states = np.empty((s.shape[0], potts.num_variables), dtype=np.int64)
    ok = np.ones(s.shape[0], dtype=bool)
    for v in range(potts.num_variables):
        group = bits[:, start[v]:start[v + 1]]
        one = group.sum(axis=1) == 1
        states[:, v] = np.where(one, group.argmax(axis=1), -1)
        ok &= one
    return DecodedSamples(states, ok)


def encode_states(potts: PottsModel, states) -> np.ndarray:
    """One-hot spins (m, n) ∈ {−1, +1} (int8) of Potts states (m, N): the inverse of
    :func:`decode_spins` on valid samples (e.g. to start chip replicas from exact draws)."""
    z = np.asarray(states, dtype=np.int64)
    z = z.reshape(1, -1) if z.ndim == 1 else z
    q = np.asarray(potts.cardinalities)
    if z.ndim != 2 or z.shape[1] != q.size:
        raise ModelError(f"states must have shape (m, {q.size}), got {np.shape(states)}")
    if np.any((z < 0) | (z >= q)):
        raise ModelError(f"states must lie in 0..q_v − 1 for cardinalities {tuple(q)}")
    start = np.concatenate([[0], np.cumsum(q)])
    spins = -np.ones((z.shape[0], int(start[-1])), dtype=np.int8)
    spins[np.arange(z.shape[0])[:, None], start[:-1] + z] = 1
    return spins


def _energy_table(probs: np.ndarray, hard_penalty: float) -> tuple[np.ndarray, float]:
    """``(−log p − c, c)`` with c the minimum, zeros at the largest finite energy + hard_penalty."""
    if not (hard_penalty > 0 and np.isfinite(hard_penalty)):
        raise ModelError(f"hard_penalty must be positive and finite, got {hard_penalty!r}")
    p = np.asarray(probs, dtype=np.float64)
    if not np.any(p > 0):
        raise ModelError("a factor table is identically zero: the distribution is empty")
    with np.errstate(divide="ignore"):
        e = -np.log(p)
    finite = np.isfinite(e)
    e[~finite] = e[finite].max() + hard_penalty
    c = e.min()
    return e - c, float(c)
