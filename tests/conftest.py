"""Shared fixtures and paths."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).with_name("data")


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261125)


def random_sk(n: int, seed: int) -> np.ndarray:
    """Symmetric ±1 SK coupling matrix with zero diagonal."""
    r = np.random.default_rng(seed)
    J = np.triu(r.choice([-1.0, 1.0], size=(n, n)), 1)
    return J + J.T
