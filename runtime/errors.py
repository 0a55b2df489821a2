"""Errors of the runtime layer (the root of every SONQ error, ``SonqError``, is in
``device_models.errors``)."""

from __future__ import annotations

from device_models.errors import SonqError


class RunError(SonqError, ValueError):
    """Run settings are invalid, or a run cannot go on (diverged, over its memory budget)."""


class DivergenceError(RunError):
    """Node states or energies became NaN or infinite during a run.

    Attributes:
        step: the step after which the non-finite state was found.
    """

    def __init__(self, message: str, step: int):
        super().__init__(message)
        self.step = step


class MemoryBudgetError(RunError):
    """A run would hold more memory than its budget allows."""


class ResultFileError(SonqError, ValueError):
    """A saved SampleSet file is unreadable, inconsistent or of an unsupported version."""
