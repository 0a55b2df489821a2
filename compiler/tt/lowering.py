"""Lowering probabilistic TTs to pairwise Potts energies and then to binary (Ising) models.

Chain of maps (energies in units of kT at inverse temperature β = 1, so ``p ∝ exp(−E)``):

1. :func:`hmm_to_potts` / :func:`tt_to_potts`: a distribution over sequences becomes a Potts
   energy over discrete variables with ``exp(−E(z)) = p(z)`` (the offset included) wherever p > 0.
   Zero probabilities become a finite hard-constraint energy (``hard_penalty`` above the largest
   finite energy of that table).  Every table is shifted so its minimum is 0; the shifts go into
   the offset, so all energy terms are ≥ 0.
2. :func:`potts_to_ising`: variable v with q states becomes a group of bits under an
   *encoding* (one mechanism, :class:`BitEncoding`: codewords, an affine indicator map
   ``[z = a] = T[a]·(1, b)`` and a penalty that is 0 exactly on codewords):

   * ``"one_hot"``: q bits ``x_{v,a}``, penalty ``λ(1 − Σ_a x_{v,a})²``.  Breaking v's one-hot
     costs λ(k−1)² for k set bits, and since every Potts term is ≥ 0, emptying v saves at most
     its ``ε_v^max`` — hence the rule ``λ ≥ max_v ε_v^max + ln(N_vars/δ)/β``
     (:func:`one_hot_penalty`) for an invalid-sample rate δ.
   * ``"domain_wall"``: q − 1 bits ``b_1 ≥ b_2 ≥ … ≥ b_{q−1}`` (value = number of ones),
     penalty ``λ Σ_k b_{k+1}(1 − b_k)`` (λ per "rise" 0→1), indicators ``[z = a] = b_a − b_{a+1}``
     (b_0 = 1, b_q = 0).  Adjacent values differ by one bit flip through no invalid state, so
     single-site samplers do not have to cross the penalty.  Exact bound (enumerated in the
     tests): every bit state b satisfies ``E_Ising(b) ≥ E_Potts(z(b)) + Σ_v r_v(b)(λ − κ_v)``,
     z(b) the leading-run repair and r_v the rises; the rule is :func:`domain_wall_penalty`.
3. :func:`decode_spins`: spin samples back to Potts states, with invalid rows flagged
   (:func:`encode_states` is its inverse on valid states).
"""

from __future__ import annotations

from collections.abc import Mapping
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

    def condition(self, observed: Mapping[int, int]) -> "PottsModel":
        """The energy of the free variables with ``observed`` (variable index → state) clamped:
        a pair term with one clamped end becomes a unary term of the other, terms of clamped
        variables only go into the offset.  ``E'(z_free) = E(z_free, observed)`` exactly, so the
        Boltzmann law of the result is the conditional law; free variables keep their order and
        labels."""
        fixed = {}
        for v, s in dict(observed).items():
            if not (int(v) == v and 0 <= v < self.num_variables):
                raise ModelError(f"observed variable {v!r} is outside 0..{self.num_variables - 1}")
            if not (int(s) == s and 0 <= s < self.cardinalities[int(v)]):
                raise ModelError(f"observed state {s!r} of variable {v} is outside 0..{self.cardinalities[int(v)] - 1}")
            fixed[int(v)] = int(s)
        free = [v for v in range(self.num_variables) if v not in fixed]
        if not free:
            raise ModelError("every variable is observed: no free variable left")
        index = {v: k for k, v in enumerate(free)}
        unary = [self.unary[v].copy() for v in free]
        offset = self.offset + sum(self.unary[v][s] for v, s in fixed.items())
        pairwise = {}
        for (u, v), t in self.pairwise.items():
            if u in fixed and v in fixed:
                offset += t[fixed[u], fixed[v]]
            elif v in fixed:
                unary[index[u]] += t[:, fixed[v]]
            elif u in fixed:
                unary[index[v]] += t[fixed[u], :]
            else:
                pairwise[(index[u], index[v])] = t
        return PottsModel(tuple(self.cardinalities[v] for v in free), tuple(unary), pairwise, float(offset),
                          tuple(self.labels[v] for v in free))

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


@dataclass(frozen=True, eq=False)
class BitEncoding:
    """How a q-state variable becomes m bits ``b = (b_1..b_m)``; ``y = (1, b)`` below.

    Attributes:
        name: ``"one_hot"`` or ``"domain_wall"``.
        codewords: (q, m) 0/1 array, the bits of each value.
        indicator: (q, m + 1) affine map, ``[z = a] = indicator[a] · y`` on codewords.
        penalty: (m + 1, m + 1) upper-triangular QUBO in y per unit λ: ``yᵀ penalty y`` is 0 on
            codewords and ≥ 1 elsewhere.
    """

    name: str
    codewords: np.ndarray
    indicator: np.ndarray
    penalty: np.ndarray

    @classmethod
    def of(cls, encoding: str, q: int) -> "BitEncoding":
        if encoding == "one_hot":
            m = q
            codewords = np.eye(q)
            indicator = np.hstack([np.zeros((q, 1)), np.eye(q)])
            penalty = np.triu(np.full((m + 1, m + 1), 2.0), k=1)  # (1 − Σx)² with x² = x
            penalty[0, 1:] = 0.0
            penalty[0, 0] = 1.0
            penalty[np.arange(1, m + 1), np.arange(1, m + 1)] = -1.0
        elif encoding == "domain_wall":
            m = q - 1
            codewords = (np.arange(m)[None, :] < np.arange(q)[:, None]).astype(float)
            indicator = np.zeros((q, m + 1))  # y_0 = 1 = b_0, so [z = a] = y_a − y_{a+1}
            indicator[np.arange(q), np.arange(q)] = 1.0
            indicator[np.arange(m), np.arange(1, q)] = -1.0
            penalty = np.zeros((m + 1, m + 1))  # Σ_{k=1}^{m−1} b_{k+1} − b_k b_{k+1}
            k = np.arange(1, m)
            penalty[k + 1, k + 1] = 1.0
            penalty[k, k + 1] = -1.0
        else:
            raise ModelError(f"encoding must be 'one_hot' or 'domain_wall', got {encoding!r}")
        return cls(encoding, codewords, indicator, penalty)

    @property
    def num_bits(self) -> int:
        return self.codewords.shape[1]

    @property
    def bit_labels(self) -> range:
        """Suffixes of the bit labels: the value a (one-hot), or k of b_k (domain wall)."""
        return range(self.num_bits) if self.name == "one_hot" else range(1, self.num_bits + 1)


def _encodings(potts: PottsModel, encoding: str) -> tuple[list[BitEncoding], np.ndarray]:
    """Per-variable encodings and bit-group offsets (N + 1,)."""
    codes = [BitEncoding.of(encoding, q) for q in potts.cardinalities]
    return codes, np.concatenate([[0], np.cumsum([c.num_bits for c in codes])]).astype(np.int64)


def domain_wall_penalty(potts: PottsModel, beta: float, delta: float) -> float:
    """Rule ``λ = max_v κ_v + ln(Σ_v M_v/δ)/β`` for the domain-wall encoding (rigorous).

    ``κ_v = max U_v + (1 + ⌊(q_v−1)/2⌋)·Σ_{w∼v} max P_vw`` and ``M_v = 2^{q_v−2} − 1`` (the
    number of invalid bit patterns of v sharing one leading run of ones).  Every bit state b obeys
    ``E_Ising(b) ≥ E_Potts(z(b)) + Σ_v r_v(λ − κ_v)`` (z(b): each variable's value read off its
    leading run of ones; r_v: the number of 0→1 rises in v's bits), so the invalid weight is at
    most ``Z·(Π_v(1 + M_v e^{−β(λ−κ_v)}) − 1) ≤ Z(e^δ − 1)`` and P(invalid) ≤ 1 − e^{−δ} ≤ δ.
    Requires every table ≥ 0 (as the builders here make them).
    """
    if not (beta > 0 and np.isfinite(beta)):
        raise ModelError(f"beta must be positive and finite, got {beta!r}")
    if not 0 < delta < 1:
        raise ModelError(f"delta must lie in (0, 1), got {delta!r}")
    q = np.asarray(potts.cardinalities)
    pair_max = np.zeros(q.size)
    for (u, v), t in potts.pairwise.items():
        pair_max[u] += t.max()
        pair_max[v] += t.max()
    kappa = np.array([u.max() for u in potts.unary]) + (1 + (q - 1) // 2) * pair_max
    # all q ≤ 2 leaves no invalid state (any λ is exact); count 1 then to keep the rule defined
    invalid_codes = max(np.maximum(2.0 ** (q - 2) - 1, 0).sum(), 1.0)
    return float(kappa.max() + np.log(invalid_codes / delta) / beta)


def potts_to_ising(potts: PottsModel, penalty: float, encoding: str = "one_hot") -> IsingModel:
    """Binary encoding of a Potts model with penalty λ as an Ising model (dimod's convention).

    Bits of variable v are contiguous, in variable order, labelled ``(potts.labels[v], a)`` with
    a the value (``"one_hot"``, q bits) or k of b_k (``"domain_wall"``, q − 1 bits).  With
    ``y_v = (1, b_v)`` and the encoding's indicator map ``T_v`` (:class:`BitEncoding`), the QUBO is

        offset + Σ_v [U_vᵀ T_v y_v + λ y_vᵀ C_v y_v] + Σ_{(u,v)} y_uᵀ (T_uᵀ P_uv T_v) y_v

    (C_v the encoding's penalty): the Potts energy on codewords, plus λ·(violations) elsewhere.
    One-hot gives ``λ(1 − Σ_a x_{v,a})²``; domain wall ``λ Σ_k b_{k+1}(1 − b_k)``.
    """
    if not (penalty > 0 and np.isfinite(penalty)):
        raise ModelError(f"penalty must be positive and finite, got {penalty!r}")
    codes, start = _encodings(potts, encoding)
    n = int(start[-1])

    def index(v):  # global index of y_v: 0 for the constant, 1 + bit position for b
        return np.concatenate([[0], 1 + np.arange(start[v], start[v + 1])])

    rows, cols, vals = [], [], []

    def add(block, u, v):
        i, j = np.nonzero(block)
        rows.append(index(u)[i])
        cols.append(index(v)[j])
        vals.append(block[i, j])

    for v, code in enumerate(codes):
        block = penalty * code.penalty
        block[0] += potts.unary[v] @ code.indicator
        add(block, v, v)
    for (u, v), t in potts.pairwise.items():
        add(codes[u].indicator.T @ t @ codes[v].indicator, u, v)
    m = sp.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(n + 1, n + 1)).tocsr()
    m.sum_duplicates()
    # fold the constant row/column: y_0 y_0 → offset, y_0 b_i and b_i y_0 → linear, b_i² = b_i
    linear = np.asarray(m[0, 1:].todense()).ravel() + np.asarray(m[1:, 0].todense()).ravel()
    q = m[1:, 1:] + sp.diags(linear)
    labels = tuple((lab, a) for lab, code in zip(potts.labels, codes) for a in code.bit_labels)
    return QUBO(q.tocsr(), offset=potts.offset + m[0, 0], labels=labels).to_ising()


@dataclass(frozen=True, eq=False)
class DecodedSamples:
    """Potts states recovered from spin samples.

    Attributes:
        states: (m, N) integer states; −1 where a variable's bits are not a codeword.
        valid: (m,) True where every variable's bits are a codeword.
    """

    states: np.ndarray
    valid: np.ndarray

    @property
    def num_invalid(self) -> int:
        return int(np.count_nonzero(~self.valid))

    @property
    def invalid_fraction(self) -> float:
        return self.num_invalid / max(self.valid.shape[0], 1)


def decode_spins(potts: PottsModel, spins, encoding: str = "one_hot") -> DecodedSamples:
    """Decode spin samples (m, n) ∈ {−1, +1} of :func:`potts_to_ising`'s model (same encoding)."""
    codes, start = _encodings(potts, encoding)
    s = np.asarray(spins)
    s = s.reshape(1, -1) if s.ndim == 1 else s
    if s.ndim != 2 or s.shape[1] != start[-1]:
        raise ModelError(f"spins must have shape (m, {start[-1]}), got {np.shape(spins)}")
    bits = (s > 0).astype(np.float64)
    states = np.empty((s.shape[0], potts.num_variables), dtype=np.int64)
    ok = np.ones(s.shape[0], dtype=bool)
    for v, code in enumerate(codes):
        group = bits[:, start[v]:start[v + 1]]
        value = (group @ code.indicator[:, 1:].T + code.indicator[:, 0]).argmax(axis=1)
        exact = (code.codewords[value] == group).all(axis=1)
        states[:, v] = np.where(exact, value, -1)
        ok &= exact
    return DecodedSamples(states, ok)


def encode_states(potts: PottsModel, states, encoding: str = "one_hot") -> np.ndarray:
    """Spins (m, n) ∈ {−1, +1} (int8) of Potts states (m, N): the inverse of
    :func:`decode_spins` on valid samples (e.g. to start chip replicas from exact draws)."""
    codes, start = _encodings(potts, encoding)
    z = np.asarray(states, dtype=np.int64)
    z = z.reshape(1, -1) if z.ndim == 1 else z
    q = np.asarray(potts.cardinalities)
    if z.ndim != 2 or z.shape[1] != q.size:
        raise ModelError(f"states must have shape (m, {q.size}), got {np.shape(states)}")
    if np.any((z < 0) | (z >= q)):
        raise ModelError(f"states must lie in 0..q_v − 1 for cardinalities {tuple(q)}")
    spins = np.empty((z.shape[0], int(start[-1])), dtype=np.int8)
    for v, code in enumerate(codes):
        spins[:, start[v]:start[v + 1]] = 2 * code.codewords[z[:, v]] - 1
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
