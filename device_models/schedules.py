"""Annealing schedules: a value as a function of normalized run time u ∈ [0, 1].

Step k of a run of ``steps`` steps uses the value at ``u = k/steps``.  Ramps may end early
(``until``) and hold their final value afterwards, as the OIM protocol needs (SHIL ramped over the
first half, noise ramped to zero by two thirds).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from device_models.errors import SonqError


class ScheduleError(SonqError, ValueError):
    """A schedule is malformed."""


@dataclass(frozen=True)
class Schedule:
    """A scalar schedule.

    Attributes:
        kind: ``"constant"``, ``"linear"``, ``"geometric"`` or ``"array"``.
        start, stop: end values of a ramp (``start`` alone for constant).
        until: fraction of the run at which the ramp reaches ``stop`` (then holds).
        values: for ``"array"``, values at ``knots`` (evenly spread over the run when no knots
            are given), linearly interpolated.
        knots: for ``"array"``, increasing run fractions in [0, 1] where ``values`` are reached.
    """

    kind: str
    start: float = 0.0
    stop: float = 0.0
    until: float = 1.0
    values: tuple = ()
    knots: tuple = ()

    @classmethod
    def constant(cls, value: float) -> "Schedule":
        return cls("constant", float(value), float(value))

    @classmethod
    def linear(cls, start: float, stop: float, until: float = 1.0) -> "Schedule":
        return cls._ramp("linear", start, stop, until)

    @classmethod
    def geometric(cls, start: float, stop: float, until: float = 1.0) -> "Schedule":
        if start <= 0 or stop <= 0:
            raise ScheduleError(f"a geometric schedule needs positive ends, got {start!r} → {stop!r}")
        return cls._ramp("geometric", start, stop, until)

    @classmethod
    def from_array(cls, values) -> "Schedule":
        """Values spread evenly over the run (first at u = 0, last at u = 1)."""
        arr = np.asarray(values, dtype=np.float64)
        return cls.piecewise(np.linspace(0.0, 1.0, max(arr.size, 1)), arr)

    @classmethod
    def piecewise(cls, knots, values) -> "Schedule":
        """Piecewise-linear schedule through ``(knots[i], values[i])``, knots increasing from 0 to 1."""
        u = np.asarray(knots, dtype=np.float64)
        arr = np.asarray(values, dtype=np.float64)
        if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)):
            raise ScheduleError("a custom schedule needs a non-empty 1-D array of finite values")
        if u.shape != arr.shape or u[0] != 0 or u[-1] != 1 or np.any(np.diff(u) <= 0):
            raise ScheduleError(f"knots must increase from 0 to 1, one per value; got {u.tolist()}")
        return cls("array", float(arr[0]), float(arr[-1]), 1.0, tuple(arr.tolist()), tuple(u.tolist()))

    @classmethod
    def _ramp(cls, kind: str, start: float, stop: float, until: float) -> "Schedule":
        if not (np.isfinite(start) and np.isfinite(stop)):
            raise ScheduleError(f"schedule ends must be finite, got {start!r} → {stop!r}")
        if not 0 < until <= 1:
            raise ScheduleError(f"until must be in (0, 1], got {until!r}")
        return cls(kind, float(start), float(stop), float(until))

    def scaled(self, factor: float) -> "Schedule":
        """The same schedule with every value multiplied by ``factor`` (e.g. model → device units)."""
        return Schedule(self.kind, self.start * factor, self.stop * factor, self.until,
                        tuple(v * factor for v in self.values), self.knots)

    def sample(self, steps: int) -> np.ndarray:
        """The value used at each of ``steps`` steps, shape (steps,)."""
        return self.window(steps, 0, steps)

    def window(self, steps: int, k0: int, k1: int) -> np.ndarray:
        """The values of steps k0..k1−1 of a ``steps``-step run, shape (k1−k0,): equal, bit for bit,
        to ``sample(steps)[k0:k1]`` without the other steps' values (a run of 10¹² steps costs
        one block's memory)."""
        u = np.arange(k0, k1) / max(steps, 1)
        if self.kind == "constant":
            return np.full(k1 - k0, self.start)
        if self.kind == "array":
            return np.interp(u, self.knots, self.values)
        f = np.minimum(u / self.until, 1.0)
        if self.kind == "linear":
            return self.start + (self.stop - self.start) * f
        return self.start * (self.stop / self.start) ** f

    def bounds(self, steps: int) -> tuple[float, float]:
        """(min, max) of ``sample(steps)`` (steps ≥ 1) from a few steps: ramps are monotonic, so
        their extremes lie at the first and last steps; a piecewise-linear schedule is linear in k
        between the steps on either side of each knot, so its extremes lie at those or at the ends."""
        candidates = [0, steps - 1]
        if self.kind == "array":
            at = np.asarray(self.knots) * steps
            candidates += np.floor(at).astype(np.int64).tolist() + np.ceil(at).astype(np.int64).tolist()
        ks = np.unique(np.clip(candidates, 0, steps - 1))
        values = np.concatenate([self.window(steps, int(k), int(k) + 1) for k in ks])
        return float(values.min()), float(values.max())


def as_schedule(value, name: str) -> Schedule:
    """Accept a :class:`Schedule`, a number (constant) or an array (custom)."""
    if isinstance(value, Schedule):
        return value
    if np.ndim(value) == 0:
        v = float(value)
        if not np.isfinite(v) or v < 0:
            raise ScheduleError(f"{name} must be a finite non-negative number, got {value!r}")
        return Schedule.constant(v)
    return Schedule.from_array(value)
