"""Spin readout of oscillator phases (PHYSICS.md).

The common phase reference is ``α = ½ arg Σ_i z_i²`` with ``z_i = e^{iφ_i}`` (the sum is blind to
the π ambiguity of binarized phases), ``s_i = sign cos(φ_i − α)``; with a reference oscillator the
global sign is fixed by ``s_0 = +1``, i.e. every spin is multiplied by the reference's.
"""

from __future__ import annotations

import numpy as np

POOR_BINARIZATION = 0.5  # |sin(φ − α)| above this: the cell sits far from either locked phase


def read_spins(phases: np.ndarray, reference: bool) -> tuple[np.ndarray, np.ndarray]:
    """Spins and binarization flags from phases.

    Args:
        phases: (..., m) oscillator phases in radians (the last node is the reference when
            ``reference``).
        reference: whether the last node is the field-carrying reference oscillator.

    Returns:
        spins: (..., n) int8 in {−1, +1}, n = m − 1 with a reference, else m.
        poor: (..., n) bool, True where the cell is poorly binarized.
    """
    z2 = np.exp(2j * phases).sum(axis=-1, keepdims=True)
    alpha = 0.5 * np.angle(z2)
    rel = phases - alpha
    spins = np.where(np.cos(rel) >= 0, 1, -1).astype(np.int8)
    poor = np.abs(np.sin(rel)) > POOR_BINARIZATION
    if reference:
        spins = spins[..., :-1] * spins[..., -1:]
        poor = poor[..., :-1]
    return spins, poor
