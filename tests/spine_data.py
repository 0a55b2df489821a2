"""Shared test data for the top-level tests (imported by name, not through conftest)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

DATA = Path(__file__).with_name("data")


def random_sk(n: int, seed: int) -> np.ndarray:
    """Symmetric ±1 SK coupling matrix with zero diagonal."""
    r = np.random.default_rng(seed)
    J = np.triu(r.choice([-1.0, 1.0], size=(n, n)), 1)
    return J + J.T
