"""Backends under test: every emulator, JAX skipped only where it is not installed."""

from __future__ import annotations

import importlib.util

import pytest

HAVE_JAX = importlib.util.find_spec("jax") is not None
JAX = pytest.param("jax", marks=pytest.mark.skipif(not HAVE_JAX, reason="jax is not installed"))
EMULATORS = ["numpy", "numba", "c", JAX]
FAST = ["numba", "c", JAX]  # compared with the NumPy reference
OWN_RNG = ["c", JAX]  # backends with their own generators


def float64_options(backend: str) -> dict | None:
    """Backend options for a float64 run (JAX follows the device precision otherwise)."""
    return {"precision": "float64"} if backend == "jax" else None
