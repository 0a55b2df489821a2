"""Associative memory on an oscillator chip: Hebbian rules write patterns into the couplings, and
the chip's own dynamics retrieve a pattern from a corrupted cue.

Rules (patterns ξ^μ ∈ {−1, +1}ⁿ, μ = 1..P; W the *ferromagnetic* weight, W_ij > 0 pulls i and j
into phase; programmed as SONQ couplings ``J = −W``, dimod's sign):

* :func:`hebbian` — the outer-product rule ``W = (1/n) Σ_μ ξ^μ ξ^μᵀ`` (zero diagonal): stores about
  0.14·n random patterns (the Hopfield capacity);
* :func:`storkey` — Storkey's incremental rule ``W ← W + (ξξᵀ − ξ hᵀ − h ξᵀ)/n`` with the local
  fields ``h_ij = Σ_{k≠i,j} W_ik ξ_k``: larger basins, capacity ≈ n/√(2 ln n);
* :func:`quantum_flux` — connection strengths that decay and are reinforced by co-activation,
  ``W ← clip(decay·W + η·ξξᵀ, −bound, bound)`` per presented pattern: a palimpsest that keeps the
  most recent patterns.

Retrieval (:func:`retrieve`): the cue's spins become the chip's initial state (the cell's
``encode``: phases 0 or π plus ``jitter`` on the OIM), and the chip relaxes without injected noise
under its ``"recall"`` preset (on the OIM: SHIL held at the coupling scale from the start, which
keeps binary phases stable, so the chip follows the discrete Hopfield network's retrieval); a read is a success when its overlap
``|ξ·s|/n`` with the cued pattern is at least ``success_overlap``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from compiler.compile import compile
from compiler.models.ising import IsingModel
from compiler.program import Program
from runtime.run import run
from sdk.errors import LearningError

SUCCESS_OVERLAP = 0.95


def _patterns(patterns) -> np.ndarray:
    xi = np.asarray(patterns)
    if xi.ndim != 2 or xi.shape[0] < 1 or xi.shape[1] < 2:
        raise LearningError(f"patterns must be (P ≥ 1, n ≥ 2) spins, got shape {xi.shape}")
    if xi.dtype.kind not in "biuf" or not np.all(np.isin(xi, (-1, 1))):
        raise LearningError("patterns must hold spins −1 and +1 only")
    return xi.astype(np.float64)


def hebbian(patterns) -> np.ndarray:
    """Outer-product weights ``(1/n) Σ ξξᵀ`` (n, n), zero diagonal."""
    xi = _patterns(patterns)
    W = xi.T @ xi / xi.shape[1]
    np.fill_diagonal(W, 0.0)
    return W


def storkey(patterns) -> np.ndarray:
    """Storkey's rule, patterns presented once in order; (n, n), zero diagonal."""
    xi = _patterns(patterns)
    n = xi.shape[1]
    W = np.zeros((n, n))
    for p in xi:
        local = W @ p
        # h_ij = Σ_{k≠i,j} W_ik p_k = local_i − W_ii p_i − W_ij p_j (W_ii = 0)
        H = local[:, None] - W * p[None, :]
        W = W + (np.outer(p, p) - p[:, None] * H.T - H * p[None, :]) / n
        np.fill_diagonal(W, 0.0)
    return W


def quantum_flux(patterns, *, decay: float = 0.9, rate: float = 0.1, bound: float = 1.0, epochs: int = 1) -> np.ndarray:
    """Decay-and-reinforce weights: for each presented pattern, ``W ← clip(decay·W + rate·ξξᵀ/n,
    −bound/n, bound/n)``; patterns presented ``epochs`` times in order.  (n, n), zero diagonal."""
    xi = _patterns(patterns)
    if not (0 < decay <= 1 and rate > 0 and bound > 0) or isinstance(epochs, bool) or not isinstance(epochs, int) \
            or epochs < 1:
        raise LearningError(f"need 0 < decay ≤ 1, rate > 0, bound > 0, epochs ≥ 1; got {decay}, {rate}, {bound}, {epochs}")
    n = xi.shape[1]
    W = np.zeros((n, n))
    for _ in range(epochs):
        for p in xi:
            W = np.clip(decay * W + rate * np.outer(p, p) / n, -bound / n, bound / n)
    np.fill_diagonal(W, 0.0)
    return W


def memory_program(W: np.ndarray, device="oim1024", **compile_options) -> Program:
    """The chip programmed with ferromagnetic weights W (couplings ``J = −W``, DAC-quantized)."""
    W = np.asarray(W, dtype=np.float64)
    return compile(IsingModel(np.zeros(W.shape[0]), -np.triu(W, 1)), device, **compile_options)


@dataclass(frozen=True)
class Retrieval:
    """Retrieval of cued patterns.

    Attributes:
        overlaps: (reads,) ``|ξ·s|/n`` of each read with its cued pattern.
        success: fraction of reads with overlap ≥ the success threshold.
    """

    overlaps: np.ndarray
    success: float


def retrieve(program: Program, targets, *, flip: float = 0.1, jitter: float = 0.05, steps: int | None = None,
             success_overlap: float = SUCCESS_OVERLAP, backend: str = "auto", seed: int = 0) -> Retrieval:
    """Cue the chip with each row of ``targets`` corrupted by flipping a fraction ``flip`` of its
    spins, let it relax under the cell's ``"recall"`` preset (``steps`` overrides its length) and
    compare each read with its pattern."""
    xi = _patterns(targets)
    if xi.shape[1] != program.num_variables:
        raise LearningError(f"targets have {xi.shape[1]} spins, the program {program.num_variables} variables")
    rng = np.random.default_rng(seed)
    cue = _cues(xi, flip, rng)
    init = program.cell.encode(program, cue, rng, jitter)
    res = run(program, backend, num_reads=len(xi), init=init, protocol="recall", steps=steps, seed=seed)
    return _retrieval(res.samples, xi, success_overlap)


def hopfield_retrieve(W: np.ndarray, targets, *, flip: float = 0.1, sweeps: int = 20,
                      success_overlap: float = SUCCESS_OVERLAP, seed: int = 0) -> Retrieval:
    """The software reference: the discrete Hopfield network ``s_i ← sign(Σ_j W_ij s_j)``, updated
    one spin at a time in random order for ``sweeps`` sweeps, from the same cues :func:`retrieve`
    draws for the same ``seed``."""
    xi = _patterns(targets)
    rng = np.random.default_rng(seed)
    s = _cues(xi, flip, rng)
    for _ in range(sweeps):
        for i in rng.permutation(xi.shape[1]):
            s[:, i] = np.where(s @ W[:, i] >= 0, 1.0, -1.0)
    return _retrieval(s, xi, success_overlap)


def _cues(xi: np.ndarray, flip: float, rng: np.random.Generator) -> np.ndarray:
    if not 0 <= flip < 0.5:
        raise LearningError(f"flip must be in [0, 0.5), got {flip!r}")
    return np.where(rng.random(xi.shape) < flip, -xi, xi)


def _retrieval(spins: np.ndarray, xi: np.ndarray, success_overlap: float) -> Retrieval:
    overlaps = np.abs(np.sum(spins * xi, axis=1)) / xi.shape[1]
    return Retrieval(overlaps, float(np.mean(overlaps >= success_overlap)))


def capacity_curve(n: int, loads, rule=hebbian, *, device="oim1024", sets: int = 4, cues: int = 8,
                   flip: float = 0.1, backend: str = "auto", seed: int = 0) -> list[tuple[float, float, float]]:
    """Retrieval success against the load P/n: for each load, ``sets`` independent sets of
    P = round(load·n) random patterns written by ``rule``, each retrieved from ``cues`` cues spread
    over its patterns, on the chip and by the discrete Hopfield network from the same cues.
    Returns (P/n, chip success, Hopfield success) over all sets·cues retrievals."""
    rng = np.random.default_rng(seed)
    out = []
    for load in loads:
        P = max(1, round(load * n))
        chip, reference = [], []
        for k in range(sets):
            xi = rng.choice([-1.0, 1.0], (P, n))
            W = rule(xi)
            targets = xi[np.arange(cues) % P]
            chip.append(retrieve(memory_program(W, device), targets, flip=flip, backend=backend, seed=seed + k).success)
            reference.append(hopfield_retrieve(W, targets, flip=flip, seed=seed + k).success)
        out.append((P / n, float(np.mean(chip)), float(np.mean(reference))))
    return out


def break_point(curve, level: float = 0.5, column: int = 1) -> float:
    """The load where the success in ``column`` of ``curve``'s rows first falls below ``level``
    (linear between grid points)."""
    points = [(row[0], row[column]) for row in curve]
    for (a0, s0), (a1, s1) in zip(points, points[1:]):
        if s0 >= level > s1:
            return a0 + (s0 - level) * (a1 - a0) / (s0 - s1)
    return float("nan") if points[0][1] < level else float("inf")
