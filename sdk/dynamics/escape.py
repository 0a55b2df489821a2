"""Barrier crossings: mean first-passage times between two wells, measured on the chip.

Definition (the one the exact double integral of :func:`sdk.dynamics.exact.exact_mfpt` computes):
the first-passage time from ``a`` to ``b`` (a < b, one parameter θ_c) is the time from the first
moment θ_c ≤ a to the next moment θ_c ≥ b.  For the double well, a = −1 and b = +1 are the two
well bottoms, so a passage is a full crossing, bottom to bottom (not to the barrier top).

Estimator.  Each replica starts at θ_c = a and alternates between *forward* travel (after an
arrival at a, until the next arrival at b) and *backward* travel (after b, until a).  By the strong
Markov property every forward travel time is an independent draw of T(a → b).  The estimate is
``μ = (time spent travelling forward) / (completed forward passages)``, the censored last travel of
each replica included: the maximum-likelihood estimate for exponential waiting times (what escape
over a barrier ΔL ≫ D gives), standard error ``μ/√N``.  ``pooled`` adds the backward travels, which
estimate the same mean when the loss is symmetric under θ_c → −θ_c.

Arrivals are seen on records only, so each is detected up to a few record intervals late.  The
delay lengthens a travel at its end and shortens it at its start by the same law when the two
wells are mirror images, so the mean is unbiased to the order of one interval per replica's
whole run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sdk.dynamics.losses import PolynomialLoss
from sdk.dynamics.simulate import check_noise, segments
from sdk.errors import AnalysisError


@dataclass(frozen=True)
class Passages:
    """Travel time (model time, censored tails included) and completed passages in one direction."""

    time: float
    count: int

    @property
    def mean(self) -> float:
        """Mean first-passage time ``time/count`` (inf before the first passage)."""
        return self.time / self.count if self.count else math.inf

    @property
    def standard_error(self) -> float:
        """``mean/√count``, the exponential law's."""
        return self.mean / math.sqrt(self.count) if self.count else math.inf


@dataclass(frozen=True)
class EscapeEstimate:
    """Measured passages of one run.

    Attributes:
        noise: D (loss units).
        start, end: the levels a < b of θ_c (model units).
        coordinate: c, the parameter watched.
        forward: travels a → b; backward: travels b → a.
        replicas: R; run_time: model time of each replica's run.
        dt: integration step; record_interval: model time between records.
    """

    noise: float
    start: float
    end: float
    coordinate: int
    forward: Passages
    backward: Passages
    replicas: int
    run_time: float
    dt: float
    record_interval: float

    @property
    def pooled(self) -> Passages:
        """Both directions together (a symmetric loss: the same law)."""
        return Passages(self.forward.time + self.backward.time, self.forward.count + self.backward.count)


class PassageCounter:
    """Streams records (k, R) of θ_c into forward and backward travel times and passage counts.

    ``phase`` per replica: −1 after an arrival at a (travelling forward), +1 after one at b,
    0 before the first arrival at either.
    """

    def __init__(self, start: float, end: float, initial: np.ndarray, interval: float):
        self.start, self.end, self.interval = start, end, interval
        self.phase = self._tags(np.asarray(initial, dtype=np.float64))
        self.intervals = {-1: 0, 1: 0}  # record intervals spent travelling away from a (−1) or b (+1)
        self.counts = {-1: 0, 1: 0}

    def _tags(self, x: np.ndarray) -> np.ndarray:
        return np.where(x <= self.start, -1, np.where(x >= self.end, 1, 0)).astype(np.int8)

    def update(self, x: np.ndarray) -> None:
        """Add records ``x`` (k, R) that follow the previous ones."""
        tags = np.concatenate([self.phase[None], self._tags(x)])
        k = tags.shape[0]
        # Forward-fill the last arrival: phase[j] = the tag of the latest record ≤ j that saw a or b.
        last = np.maximum.accumulate(np.where(tags != 0, np.arange(k)[:, None], 0), axis=0)
        phase = np.take_along_axis(tags, last, axis=0)
        before, after = phase[:-1], phase[1:]
        for side in (-1, 1):
            self.intervals[side] += int(np.count_nonzero(before == side))
            self.counts[side] += int(np.count_nonzero((before == side) & (after == -side)))
        self.phase = phase[-1]

    def passages(self, side: int) -> Passages:
        return Passages(self.intervals[side] * self.interval, self.counts[side])


def mean_first_passage(loss: PolynomialLoss, noise: float, *, time: float, replicas: int = 1024,
                       coordinate: int = 0, start: float = -1.0, end: float = 1.0, dt: float | None = None,
                       record_every: int = 10, seed: int = 0, backend: str = "auto",
                       quantize: bool = False) -> EscapeEstimate:
    """Measure first passages of θ_c between ``start`` and ``end`` on the chip.

    Every replica starts with θ_c = ``start`` and the other parameters at 0; the run lasts ``time``
    (model time) per replica.  When θ_c is uncoupled its dynamics are one-dimensional
    (:meth:`PolynomialLoss.marginal`) and only its node is programmed and run.

    Args:
        loss: the loss (θ_c ↦ L should have wells at ``start`` and ``end``, e.g. :func:`double_well`).
        noise: D (loss units).
        time, replicas, dt, record_every, seed, backend, quantize: as for
            :func:`sdk.dynamics.simulate.segments`.
        coordinate: c, the parameter whose passages count.
        start, end: the levels a < b.

    Returns:
        An :class:`EscapeEstimate`; ``.forward.mean`` estimates T(a → b).
    """
    noise = check_noise(noise)
    if isinstance(coordinate, bool) or not isinstance(coordinate, (int, np.integer)) or not (
            0 <= coordinate < loss.dim):
        raise AnalysisError(f"coordinate must be an integer in 0..{loss.dim - 1}, got {coordinate!r}")
    if not (np.isfinite(start) and np.isfinite(end) and start < end):
        raise AnalysisError(f"start and end must be finite with start < end, got {start!r}, {end!r}")
    # An uncoupled θ_c moves on its own (the other terms are constants for it): only its node runs.
    coupled = loss.model.J.indptr[coordinate + 1] > loss.model.J.indptr[coordinate]
    watched, c = (loss, coordinate) if coupled else (loss.marginal(coordinate), 0)
    init = np.zeros(watched.dim)
    init[c] = start
    counter = None
    run_time = 0.0
    for seg in segments(watched, noise, time=time, init=init, replicas=replicas, dt=dt, record_every=record_every,
                        seed=seed, backend=backend, quantize=quantize):
        if counter is None:
            dt_model = seg.info["dt_model"]
            counter = PassageCounter(start, end, np.full(replicas, float(start)), record_every * dt_model)
        counter.update(seg.theta[:, :, c])
        run_time = float(seg.times[-1])
    return EscapeEstimate(noise, float(start), float(end), int(coordinate), counter.passages(-1),
                          counter.passages(1), int(replicas), run_time, dt_model, record_every * dt_model)
