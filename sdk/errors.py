"""Errors of the ``sdk`` layer (the root of every SONQ error, ``SonqError``, is in
``device_models.errors``)."""

from __future__ import annotations

from device_models.errors import SonqError


class AnalysisError(SonqError, ValueError):
    """An analysis function got an argument it cannot use (a probability outside [0, 1], a
    non-numeric target, a model too large to enumerate)."""


class LearningError(SonqError, ValueError):
    """Training data, settings or a saved training state are invalid."""
