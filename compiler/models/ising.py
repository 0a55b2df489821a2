"""Discrete quadratic models: Ising (spins), QUBO (bits) and MaxCut.

Sign convention (dimod's, used everywhere in SONQ's public API)::

    E(s) = offset + Σ_i h_i s_i + Σ_{i<j} J_ij s_i s_j,     s ∈ {−1, +1}^n

so J_ij > 0 is antiferromagnetic.  A QUBO is ``E(x) = offset + Σ_{i≤j} Q_ij x_i x_j`` with
x ∈ {0, 1}^n; the two are related exactly (constant included) by ``x = (1 + s)/2``.
"""

from __future__ import annotations

import reprlib
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from compiler.ir import (EnergyIR, check_energy_range, check_finite, make_labels, plain_label, real_array,
                         real_csr, real_scalar, symmetric_couplings)
from compiler.models.base import AbstractEnergyModel
from device_models.errors import ModelError


class IsingModel(AbstractEnergyModel):
    """Ising model ``E(s) = offset + hᵀs + Σ_{i<j} J_ij s_i s_j``.

    Args:
        h: (n,) fields (energy units).
        J: (n, n) couplings, dense or scipy.sparse, symmetric with zero diagonal (J_ij and J_ji
            both hold the pair's coefficient; it is counted once).  A strictly upper-triangular
            matrix is also accepted and symmetrized.
        offset: constant energy.
        labels: optional variable labels (default ``0..n-1``; see :func:`compiler.ir.plain_label`).

    Raises:
        ModelError: non-real (complex, object, string) or misshapen coefficients, bad labels.
        NonFiniteError: a NaN/inf coefficient, or an energy that overflows float64.
    """

    _kind = "ising"

    def __init__(self, h, J, offset: float = 0.0, labels=None):
        h = real_array("h", h, ndim=1)
        check_finite("h", h)
        self.h = h
        self.J = symmetric_couplings(J, h.shape[0], upper_ok=True)
        self.offset = real_scalar("offset", offset)
        check_energy_range(type(self).__name__, h=self.h, J=self.J, offset=self.offset)
        self._labels = make_labels(labels, h.shape[0])

    @cached_property
    def _ir(self) -> EnergyIR:
        n = self.h.shape[0]
        return EnergyIR(self.h, self.J, np.zeros((n, 3)), self.offset, "spin", self._labels,
                        "SPIN", self._kind, self._meta())

    def _meta(self) -> dict:
        return {}

    def to_ir(self) -> EnergyIR:
        return self._ir

    def __repr__(self) -> str:
        return f"{type(self).__name__}(n={self.h.shape[0]}, couplings={self.J.nnz // 2})"

    def to_qubo(self) -> "QUBO":
        """The equivalent QUBO under ``s = 2x − 1`` (energies equal state by state)."""
        # E = off + h(2x−1) + ½(2x−1)ᵀJ(2x−1) = off − Σh + ½ΣJ + (2h − 2J·1)ᵀx + 4 Σ_{i<j} J_ij x_i x_j
        Jsum = np.asarray(self.J.sum(axis=1)).ravel()
        diag = 2 * self.h - 2 * Jsum
        Q = sp.triu(4 * self.J, k=1) + sp.diags(diag)
        offset = self.offset - self.h.sum() + 0.5 * Jsum.sum()
        return QUBO(Q, offset=offset, labels=self._labels)


class QUBO(AbstractEnergyModel):
    """QUBO ``E(x) = offset + Σ_{i≤j} Q_ij x_i x_j`` with x ∈ {0, 1}.

    Args:
        Q: (n, n) matrix; the diagonal holds the linear terms.  Either upper-triangular, or
            symmetric (then the off-diagonal pair is split evenly: Q_ij + Q_ji is the coefficient).
        offset: constant energy.
        labels: optional variable labels.

    Raises:
        ModelError, NonFiniteError: as :class:`IsingModel`.
    """

    def __init__(self, Q, offset: float = 0.0, labels=None):
        Q = real_csr("Q", Q)
        if Q.shape[0] != Q.shape[1]:
            raise ModelError(f"Q must be square, got shape {Q.shape}")
        check_finite("Q", Q)
        offset = real_scalar("offset", offset)
        check_energy_range("QUBO", Q=Q, offset=offset)
        self.linear = Q.diagonal().copy()
        off = Q - sp.diags(self.linear)
        self.quadratic = sp.csr_matrix(sp.triu(off + off.T, k=1))  # coefficient of x_i x_j, i<j
        self.offset = float(offset)
        self._labels = make_labels(labels, Q.shape[0])

    @cached_property
    def _ising(self) -> IsingModel:
        # x = (1+s)/2:  Q_ij x_i x_j = Q_ij/4 (1 + s_i + s_j + s_i s_j),  a x = a/2 (1 + s)
        W = self.quadratic
        row = np.asarray(W.sum(axis=1)).ravel() + np.asarray(W.sum(axis=0)).ravel()
        h = self.linear / 2 + row / 4
        J = (W + W.T) / 4
        offset = self.offset + self.linear.sum() / 2 + W.sum() / 4
        return IsingModel(h, J, offset, labels=self._labels)

    def to_ising(self) -> IsingModel:
        """The equivalent Ising model under ``x = (1 + s)/2``."""
        return self._ising

    def to_ir(self) -> EnergyIR:
        ir = self._ising.to_ir()
        return EnergyIR(ir.h, ir.J, ir.poly, ir.offset, ir.domain, ir.labels, "BINARY", "qubo", {})

    def energy(self, x) -> np.ndarray:
        """Energy of bit vectors x ∈ {0, 1}, shape (n,) or (m, n)."""
        x = np.asarray(x, dtype=np.float64)
        return self.offset + x @ self.linear + np.einsum("...i,...i->...", x, (self.quadratic @ x.T).T)

    def __repr__(self) -> str:
        return f"QUBO(n={self.linear.shape[0]}, couplings={self.quadratic.nnz})"


class MaxCutModel(IsingModel):
    """MaxCut as an Ising model: ``E(s) = Σ_{i<j} w_ij s_i s_j`` and ``cut(s) = (W − E(s))/2``.

    ``W = Σ_{i<j} w_ij`` is the total edge weight.  Minimizing E maximizes the cut.
    """

    _kind = "maxcut"

    @property
    def total_weight(self) -> float:
        return float(self.J.sum() / 2)

    def _meta(self) -> dict:
        return {"total_weight": self.total_weight}

    def cut_value(self, s) -> np.ndarray:
        """Weight of the cut defined by spins s (n,) or (m, n)."""
        return (self.total_weight - self.energy(s)) / 2


def maxcut(graph, weight: str = "weight") -> MaxCutModel:
    """MaxCut model of a weighted graph.

    Args:
        graph: a ``networkx.Graph`` (edge attribute ``weight``, default 1), or an iterable of
            ``(i, j)`` / ``(i, j, w)`` tuples over labels.
        weight: edge attribute name for networkx graphs.
    """
    if hasattr(graph, "edges") and hasattr(graph, "nodes"):
        nodes = list(graph.nodes)
        edges = [(u, v, d.get(weight, 1.0)) for u, v, d in graph.edges(data=True)]
    else:
        edges = [_edge(e, k) for k, e in enumerate(graph)]
        nodes = list(dict.fromkeys(x for e in edges for x in e[:2]))
    index = {v: k for k, v in enumerate(nodes)}
    n = len(nodes)
    rows, cols = [], []
    for u, v, _ in edges:
        if u == v:
            raise ModelError(f"self-loop on node {u!r} has no meaning in MaxCut")
        rows += [index[u], index[v]]
        cols += [index[v], index[u]]
    w = real_array("edge weights", [e[2] for e in edges], ndim=1)
    J = sp.coo_matrix((np.repeat(w, 2), (rows, cols)), shape=(n, n)).tocsr()  # duplicate edges add up
    return MaxCutModel(np.zeros(n), J, 0.0, labels=nodes)


def _edge(edge, k: int) -> tuple:
    """``(u, v, w)`` from the ``k``-th ``(u, v)`` or ``(u, v, w)`` tuple (w defaults to 1), its
    nodes as plain labels."""
    if not isinstance(edge, (tuple, list)) or len(edge) not in (2, 3):
        raise ModelError(f"edge {k} must be a (u, v) or (u, v, weight) tuple, got {reprlib.repr(edge)}")
    u, v = (plain_label(node, f"edge {k} node") for node in edge[:2])
    return (u, v, edge[2] if len(edge) == 3 else 1.0)
