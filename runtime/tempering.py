"""Replica exchange (parallel tempering): ``run(program, ..., replica_exchange=ReplicaExchange(...))``.

K temperatures T_0 < … < T_{K−1} (model energy units), ``num_reads`` ladders of K chains each, so
a run steps num_reads·K replicas.  Replica j·K + t starts at temperature t of ladder j.  Every
``swap_every`` steps, between kernel calls, each ladder attempts swaps between neighbouring
temperatures (t, t+1), even pairs (t even) and odd pairs in alternate rounds, accepted by the
Metropolis rule ``min(1, exp((β_t − β_{t+1})(E_a − E_b)))`` (a at t, b at t+1, β = 1/T, E the
device energy of the node states, docs/tempering.md).  A swap exchanges the two replicas'
temperatures, not their states: the kernels read each replica's temperature multiplier
(``RunPlan.replica_temperature``, permuted in place), so no state is copied.

Sound for cells whose stationary law at fixed temperature is Boltzmann in the programmed energy:
``pbit`` (Gibbs sweeps) and ``gauss`` (overdamped Langevin), on the emulators whose kernels read
the multipliers (``AbstractEmulator.tempering``: numpy, numba, c); others refuse.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from compiler.program import Program
from runtime.errors import RunError


@dataclass(frozen=True)
class ReplicaExchange:
    """Replica-exchange settings.

    Attributes:
        temperatures: K ≥ 2 increasing positive temperatures, model energy units (the first is
            the one the samples of interest are drawn at; ``run``'s ``temperature`` must be unset).
        swap_every: steps (sweeps) between swap rounds, ≥ 1.
    """

    temperatures: tuple[float, ...]
    swap_every: int = 10

    def __post_init__(self):
        try:
            temps = tuple(float(t) for t in self.temperatures)
        except (TypeError, ValueError):
            raise RunError(f"replica_exchange.temperatures must be numbers, got {self.temperatures!r}") from None
        if len(temps) < 2 or not all(math.isfinite(t) and t > 0 for t in temps) or any(
                b <= a for a, b in zip(temps, temps[1:])):
            raise RunError(f"replica_exchange.temperatures must be ≥ 2 increasing positive finite numbers, got "
                           f"{list(self.temperatures)!r}")
        if isinstance(self.swap_every, bool) or not isinstance(self.swap_every, numbers.Integral) or self.swap_every < 1:
            raise RunError(f"replica_exchange.swap_every must be an integer ≥ 1, got {self.swap_every!r}")
        object.__setattr__(self, "temperatures", temps)
        object.__setattr__(self, "swap_every", int(self.swap_every))

    @property
    def size(self) -> int:
        return len(self.temperatures)


def device_energy(program: Program, state: np.ndarray) -> np.ndarray:
    """(R,) programmed energies hᵀx + ½xᵀJx + Σ_i (c₂x² + c₃x³ + c₄x⁴) of node states (R, m),
    device units (the energy the kernels' dynamics sample at temperature T)."""
    x = np.asarray(state, dtype=np.float64)
    c2, c3, c4 = program.poly.T
    return (x @ program.fields + 0.5 * np.einsum("ri,ri->r", x, (program.couplings @ x.T).T)
            + (c2 * x**2 + c3 * x**3 + c4 * x**4).sum(axis=1))


class Swapper:
    """The swap rounds of one run (``RunPlan.exchange``): holds the ladders' assignment, permutes
    the replicas' temperature multipliers in place, counts attempts and acceptances per pair and
    remembers the assignment after each round (for the records' temperatures).

    Args:
        program: the run's program.
        settings: the :class:`ReplicaExchange`.
        ladders: num_reads.
        rng: the swaps' uniforms (from the run's seed).
    """

    def __init__(self, program: Program, settings: ReplicaExchange, ladders: int, rng: np.random.Generator):
        K = settings.size
        self.program, self.every, self.rng = program, settings.swap_every, rng
        temps = np.asarray(settings.temperatures)
        self.temperatures = settings.temperatures
        self.multipliers = temps / temps[0]  # of the run's temperature schedule, T_0
        self.beta_device = program.scale / temps  # 1/T_t in device energy units
        # slot[j, t]: the replica at temperature t of ladder j; level[r]: replica r's temperature.
        self.slot = np.arange(ladders * K).reshape(ladders, K)
        self.level = np.tile(np.arange(K), ladders)
        self.scale = np.ascontiguousarray(self.multipliers[self.level], dtype=np.float64)
        self.attempts = np.zeros(K - 1, dtype=np.int64)
        self.accepts = np.zeros(K - 1, dtype=np.int64)
        self.rounds = 0
        self.history = [(0, self.level.copy())]

    def __call__(self, state: np.ndarray, k: int) -> None:
        E = device_energy(self.program, state)
        K = self.slot.shape[1]
        pairs = np.arange(self.rounds % 2, K - 1, 2)
        a, b = self.slot[:, pairs], self.slot[:, pairs + 1]  # (ladders, pairs)
        log_p = (self.beta_device[pairs] - self.beta_device[pairs + 1]) * (E[a] - E[b])
        accept = np.log(self.rng.random(log_p.shape)) < log_p
        self.attempts[pairs] += a.shape[0]
        self.accepts[pairs] += accept.sum(axis=0)
        j, q = np.nonzero(accept)
        t = pairs[q]
        self.slot[j, t], self.slot[j, t + 1] = b[j, q], a[j, q]
        self.level[self.slot] = np.arange(K)
        self.scale[...] = self.multipliers[self.level]  # in place: the kernels hold this array
        self.rounds += 1
        self.history.append((k, self.level.copy()))

    def levels_of(self, steps: np.ndarray, replicas: np.ndarray) -> np.ndarray:
        """The temperature index of replica ``replicas[i]`` at step ``steps[i]`` (after that step's
        swap round), for each i."""
        at = np.array([k for k, _ in self.history])
        levels = np.stack([level for _, level in self.history])
        return levels[np.searchsorted(at, steps, side="right") - 1, replicas]

    def info(self) -> dict:
        """The run's ``info["replica_exchange"]``: temperatures, swap attempts and acceptance rates
        per neighbouring pair."""
        return {"temperatures": list(self.temperatures), "swap_every": self.every, "swap_rounds": self.rounds,
                "attempts": self.attempts.tolist(), "acceptance": np.where(
                    self.attempts > 0, self.accepts / np.maximum(self.attempts, 1), np.nan).tolist()}


def at_temperature(result, t: int) -> np.ndarray:
    """The samples of a replica-exchange run drawn at temperature index ``t`` (0: the coldest)."""
    levels = np.asarray(result.info["sample_temperature"])
    return result.samples[levels == t]
