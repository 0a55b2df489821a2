"""Streamed moments: ``run(program, ..., moments=Moments(variables=..., pairs=..., burn_in=...))``
accumulates ⟨x_i⟩ and ⟨x_i x_j⟩ of the named variables at every step after the burn-in, inside
the kernels, without recording trajectories.

The accumulators hold per-replica sums over the states after steps burn_in+1 … steps (``count =
steps − burn_in`` states per replica); the estimates pool them over replicas.  Variables are read
from the node states directly, so only cells whose node state is the variable take part: ``pbit``
(spins ±1: the sums are integers, exact in float64) on the numpy and c emulators, ``gauss`` on
numpy.  Other cells and backends refuse (``AbstractEmulator.moments``).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from compiler.program import Program
from runtime.errors import RunError


@dataclass(frozen=True)
class Moments:
    """What to accumulate.

    Attributes:
        variables: labels of the variables whose first moments ⟨x_i⟩ to track (default: all).
        pairs: (label, label) pairs whose second moments ⟨x_i x_j⟩ to track (default: none; a
            pair (i, i) gives ⟨x_i²⟩).
        burn_in: steps before the first accumulated state, ≥ 0 and below the run's steps.
    """

    variables: tuple | None = None
    pairs: tuple = ()
    burn_in: int = 0


@dataclass
class MomentSums:
    """The kernels' accumulators of one run (``RunPlan.moments``).

    Attributes:
        nodes: (a,) int64 node of each tracked variable.
        edges: (e, 2) int64 nodes of each tracked pair.
        burn_in: steps before the first accumulated state.
        first: (replicas, a) Σ_k x_i(k), summed in place by the kernels.
        second: (replicas, e) Σ_k x_i(k) x_j(k).
    """

    nodes: np.ndarray
    edges: np.ndarray
    burn_in: int
    first: np.ndarray
    second: np.ndarray

    def add(self, state: np.ndarray, k: int) -> None:
        """Accumulate ``state`` (replicas, m), the state after step k (1-based), when k > burn_in
        (the NumPy kernels' call after each step)."""
        if k > self.burn_in:
            self.first += state[:, self.nodes]
            self.second += state[:, self.edges[:, 0]] * state[:, self.edges[:, 1]]


def moment_sums(program: Program, settings: Moments, replicas: int, steps: int) -> MomentSums:
    """The accumulators of ``settings`` for a run; bad settings are a RunError naming them."""
    if not isinstance(settings, Moments):
        raise RunError(f"moments must be a Moments, got {type(settings).__name__}")
    if program.model.vartype == "BINARY":
        raise RunError("moments track node states: give the equivalent Ising model (spins), not a BINARY one")
    if program.num_nodes != program.num_variables:
        raise RunError(f"moments: {program.cell.name!r} programs with a reference node do not hold each variable "
                       "in one node state")
    labels = list(program.model.labels)
    index = {label: i for i, label in enumerate(labels)}

    def node(label, what: str) -> int:
        try:
            return index[label]
        except (KeyError, TypeError):
            raise RunError(f"moments.{what} names a variable the model does not have: {label!r}") from None

    variables = labels if settings.variables is None else list(settings.variables)
    nodes = np.array([node(v, "variables") for v in variables], dtype=np.int64)
    pairs = list(settings.pairs)
    if any(not isinstance(p, (tuple, list)) or len(p) != 2 for p in pairs):
        raise RunError(f"moments.pairs must be (label, label) pairs, got {settings.pairs!r}")
    edges = np.array([[node(a, "pairs"), node(b, "pairs")] for a, b in pairs], dtype=np.int64).reshape(-1, 2)
    burn = settings.burn_in
    if isinstance(burn, bool) or not isinstance(burn, numbers.Integral) or not 0 <= burn < steps:
        raise RunError(f"moments.burn_in must be an integer in [0, steps = {steps}), got {burn!r}")
    return MomentSums(nodes, edges, int(burn), np.zeros((replicas, len(nodes))), np.zeros((replicas, len(edges))))


def moment_info(program: Program, sums: MomentSums, steps: int) -> dict:
    """The run's ``info["moments"]``: variables, pairs, the pooled estimates, the count of states
    they average (replicas × (steps − burn_in)) and the per-replica estimates (independent chains:
    their spread gives the estimates' standard errors)."""
    labels = list(program.model.labels)
    per = steps - sums.burn_in
    first, second = sums.first / per, sums.second / per
    return {"variables": [labels[i] for i in sums.nodes], "pairs": [(labels[a], labels[b]) for a, b in sums.edges],
            "first": first.mean(axis=0).tolist(), "second": second.mean(axis=0).tolist(),
            "count": first.shape[0] * per, "burn_in": sums.burn_in,
            "replica_first": first.tolist(), "replica_second": second.tolist()}
