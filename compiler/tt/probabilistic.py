"""Nonnegative tensor trains as probability distributions over sequences.

``p(i_1, ..., i_d) = X[i_1, ..., i_d] / Z`` for a TT ``X`` with nonnegative cores and
``Z = Σ_i X[i]``.  Every quantity is an exact contraction, O(d·n·r²) per vector: the partition
function, single-site and nearest-neighbour pair marginals, next-symbol conditionals and
ancestral sampling of p itself (each symbol drawn from its exact conditional given the prefix;
not the Born-rule p² that MPS samplers such as quimb's ``MPS.sample`` draw from).

Environment vectors are rescaled at every step so long chains neither underflow nor overflow;
the scale is carried in logs (``log_partition_function``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from compiler.tt.tensor_train import TensorTrain
from device_models.errors import ModelError


@dataclass(frozen=True, eq=False)
class TTDistribution:
    """The distribution ``p(i) = X[i]/Z`` of a nonnegative TT ``X``.

    Attributes:
        tt: the unnormalized tensor; every core entry must be ≥ 0 and ``Z > 0``.
    """

    tt: TensorTrain

    def __post_init__(self) -> None:
        for k, c in enumerate(self.tt.cores):
            if not np.all(np.isfinite(c)):
                raise ModelError(f"core {k} has non-finite entries")
            if np.any(c < 0):
                raise ModelError(f"core {k} has a negative entry {c.min()!r}; a TT distribution "
                                 "needs nonnegative cores")
        if not np.isfinite(self.log_partition_function):
            raise ModelError("the tensor sums to zero: no distribution to normalize")

    @property
    def length(self) -> int:
        return self.tt.ndim

    @cached_property
    def _right(self) -> tuple[list[np.ndarray], float]:
        """Right environments ``R[k]`` (shape (r_{k−1},), sums of modes k..d, each rescaled to
        sum 1; ``R[d] = [1]``) and log of the product of the scale factors (= log Z)."""
        envs = [np.ones(1)]
        log_scale = 0.0
        for c in reversed(self.tt.cores):
            v = c.sum(axis=1) @ envs[0]
            s = v.sum()
            if s <= 0:
                return envs, -np.inf
            envs.insert(0, v / s)
            log_scale += np.log(s)
        return envs, log_scale

    @property
    def log_partition_function(self) -> float:
        """``log Z``."""
        return float(self._right[1])

    @property
    def partition_function(self) -> float:
        """``Z = Σ_i X[i]`` (may overflow for long chains; use ``log_partition_function``)."""
        return float(np.exp(self.log_partition_function))

    @cached_property
    def _left(self) -> list[np.ndarray]:
        """Left environments ``Lft[k]`` (shape (r_k,), modes 1..k summed, rescaled to sum 1)."""
        envs = [np.ones(1)]
        for c in self.tt.cores[:-1]:
            v = envs[-1] @ c.sum(axis=1)
            envs.append(v / v.sum())
        return envs

    def log_probability(self, words) -> np.ndarray:
        """``log p(word)`` for words of shape (d,) or (m, d) (−inf for impossible words)."""
        w = self._check_words(words)
        v = np.ones((w.shape[0], 1))
        logp = np.full(w.shape[0], -self.log_partition_function)
        with np.errstate(divide="ignore", invalid="ignore"):
            for k, c in enumerate(self.tt.cores):
                v = np.einsum("ma,amb->mb", v, c[:, w[:, k], :])
                s = v.sum(axis=1)
                logp += np.log(s)
                v = np.where(s[:, None] > 0, v / s[:, None], 0.0)
        return logp if np.ndim(words) == 2 else logp[0]

    def probability(self, words) -> np.ndarray:
        """``p(word)`` for words of shape (d,) or (m, d)."""
        return np.exp(self.log_probability(words))

    def marginals(self) -> list[np.ndarray]:
        """Single-site marginals: d arrays, the k-th of shape (n_k,), each summing to 1."""
        right = self._right[0]
        out = []
        for k, c in enumerate(self.tt.cores):
            m = np.einsum("a,aib,b->i", self._left[k], c, right[k + 1])
            out.append(m / m.sum())
        return out

    def pair_marginals(self) -> list[np.ndarray]:
        """Nearest-neighbour marginals ``p(i_k, i_{k+1})``: d−1 arrays of shape (n_k, n_{k+1})."""
        right = self._right[0]
        cores = self.tt.cores
        out = []
        for k in range(self.length - 1):
            m = np.einsum("a,aib,bjc,c->ij", self._left[k], cores[k], cores[k + 1], right[k + 2])
            out.append(m / m.sum())
        return out

    def pair_marginal(self, i: int, j: int) -> np.ndarray:
        """Marginal ``p(i_i, i_j)`` of any two sites ``0 ≤ i < j < d`` (0-based), shape (n_i, n_j).

        The cores strictly between the two sites are summed over their mode, so the cost is
        O(d·n·r²) + O(n_i·n_j·r²) whatever the distance.
        """
        if not (int(i) == i and int(j) == j and 0 <= i < j < self.length):
            raise ModelError(f"sites must satisfy 0 ≤ i < j < {self.length}, got ({i!r}, {j!r})")
        cores = self.tt.cores
        right = self._right[0]
        bridge = np.eye(cores[i].shape[2])
        for c in cores[i + 1:j]:
            bridge = bridge @ c.sum(axis=1)
            bridge /= bridge.sum()  # rescaled like the environments; the final normalization fixes it
        m = np.einsum("a,aib,bc,cjd,d->ij", self._left[i], cores[i], bridge, cores[j], right[j + 1])
        return m / m.sum()

    def conditional(self, prefix) -> np.ndarray:
        """``p(i_{k+1} | i_1..i_k = prefix)``, shape (n_{k+1},), for a prefix of length k < d."""
        prefix = np.asarray(prefix, dtype=np.int64).reshape(-1)
        k = prefix.shape[0]
        if k >= self.length:
            raise ModelError(f"prefix has length {k}; it must be shorter than the chain ({self.length})")
        v = np.ones(1)
        for j, i in enumerate(prefix):
            if not 0 <= i < self.tt.shape[j]:
                raise ModelError(f"prefix[{j}] = {i} is outside 0..{self.tt.shape[j] - 1}")
            v = v @ self.tt.cores[j][:, i, :]
        m = np.einsum("a,aib,b->i", v, self.tt.cores[k], self._right[0][k + 1])
        if m.sum() <= 0:
            raise ModelError(f"prefix {prefix.tolist()} has probability zero")
        return m / m.sum()

    def condition(self, observed: Mapping[int, int]) -> "TTDistribution":
        """``p(free sites | observed)``: the distribution of the sites not in ``observed``
        (0-based site → symbol), in their original order, as a TT of length d − len(observed).

        Exact: an observed site's core is sliced at its symbol, and the resulting matrix is
        multiplied into the neighbouring free core (the one before it, or for leading observed
        sites the first free one), rescaled to max 1 so long runs of observations neither
        underflow nor overflow.  Clamping on a chip is then just lowering this distribution.
        """
        fixed = {}
        for site, symbol in dict(observed).items():
            if not (int(site) == site and 0 <= site < self.length):
                raise ModelError(f"observed site {site!r} is outside 0..{self.length - 1}")
            if not (int(symbol) == symbol and 0 <= symbol < self.tt.shape[int(site)]):
                raise ModelError(f"observed symbol {symbol!r} at site {site} is outside 0..{self.tt.shape[int(site)] - 1}")
            fixed[int(site)] = int(symbol)
        if len(fixed) == self.length:
            raise ModelError("every site is observed: no free site left to distribute")
        cores: list[np.ndarray] = []
        carry = np.eye(1)  # product of the observed slices before the first free core
        for k, c in enumerate(self.tt.cores):
            if k not in fixed:
                cores.append(np.einsum("ab,bic->aic", carry, c) if not cores else c)
                continue
            m = c[:, fixed[k], :]
            if cores:
                merged = np.einsum("aib,bc->aic", cores[-1], m)
                cores[-1] = merged / max(merged.max(), np.finfo(float).tiny)
            else:
                carry = carry @ m
                carry = carry / max(carry.max(), np.finfo(float).tiny)
        try:
            return TTDistribution(TensorTrain(tuple(cores)))
        except ModelError as exc:  # the cores are nonnegative and finite: only Z = 0 is left
            raise ModelError(f"the observations {fixed} have probability zero") from exc

    def sample(self, num_samples: int, seed: int | np.random.Generator | None = None) -> np.ndarray:
        """Exact ancestral samples of p: (num_samples, d) integer array.

        Site by site, each sample's next symbol is drawn from ``p(i_k | i_1..i_{k−1})``, computed
        from its left environment and the precomputed right environment.
        """
        if int(num_samples) != num_samples or num_samples < 1:
            raise ModelError(f"num_samples must be a positive integer, got {num_samples!r}")
        rng = np.random.default_rng(seed)
        right = self._right[0]
        out = np.empty((int(num_samples), self.length), dtype=np.int64)
        v = np.ones((int(num_samples), 1))
        for k, c in enumerate(self.tt.cores):
            probs = np.einsum("ma,aib,b->mi", v, c, right[k + 1])
            cdf = np.cumsum(probs, axis=1)
            u = rng.random(int(num_samples)) * cdf[:, -1]
            out[:, k] = np.minimum((cdf <= u[:, None]).sum(axis=1), c.shape[1] - 1)
            v = np.einsum("ma,amb->mb", v, c[:, out[:, k], :])
            v /= v.sum(axis=1, keepdims=True)
        return out

    def _check_words(self, words) -> np.ndarray:
        w = np.asarray(words, dtype=np.int64)
        w = w.reshape(1, -1) if w.ndim == 1 else w
        if w.ndim != 2 or w.shape[1] != self.length:
            raise ModelError(f"words must have shape (d,) or (m, d) with d = {self.length}, "
                             f"got {np.shape(words)}")
        bad = (w < 0) | (w >= np.asarray(self.tt.shape))
        if bad.any():
            m, k = np.argwhere(bad)[0]
            raise ModelError(f"words[{m}, {k}] = {w[m, k]} is outside 0..{self.tt.shape[k] - 1}")
        return w
