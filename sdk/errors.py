"""Errors of the ``sdk`` layer (the root of every SONQ error, ``SonqError``, is in
``device_models.errors``)."""

from __future__ import annotations

from device_models.errors import SonqError


class AnalysisError(SonqError, ValueError):
    """An analysis function got an argument it cannot use (a probability outside [0, 1], a
    non-numeric target, a model too large to enumerate)."""


class LearningError(SonqError, ValueError):
    """Training data, settings or a saved training state are invalid."""


def check_integers(config, names, minimum: int) -> None:
    """Each ``config.<name>`` must be an int (not a bool) ≥ ``minimum``, else :class:`LearningError`."""
    for name in names:
        value = getattr(config, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise LearningError(f"{name} must be an integer ≥ {minimum}, got {value!r}")
