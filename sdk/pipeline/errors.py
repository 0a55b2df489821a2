"""The pipeline's error type (a :class:`~device_models.errors.SonqError`, so ``sonq`` prints it as one
line and exits with code 2)."""

from __future__ import annotations

from device_models.errors import SonqError


class PipelineError(SonqError, ValueError):
    """A pipeline configuration, input field or output file is invalid (the message names the key or
    argument, the value and what is allowed)."""
