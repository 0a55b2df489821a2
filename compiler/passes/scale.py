"""Pass 3 — scale: express the energy in device units, full-scale coupling = 1."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from compiler.ir import EnergyIR


@dataclass(frozen=True)
class Scaled:
    """Node-indexed energy in device units before quantization.

    ``J`` (m, m) and the conductance-mapped node terms are bounded by 1 in magnitude.
    """

    J: sp.csr_matrix
    h: np.ndarray
    poly: np.ndarray
    scale: float
    reference: bool


def scale(ir: EnergyIR, cell: str) -> Scaled:
    """Divide the energy by its largest conductance-mapped coefficient.

    On ``oim`` cells the fields become couplings to a trailing reference oscillator (PHYSICS.md:
    ``J_0i = h_i``, read out as ``s_i·s_0``), so they count as couplings.  On ``gauss`` cells the
    quadratic node term ``c₂x²`` is a conductance to ground ``2c₂`` and counts too.
    """
    J, h, poly = ir.J, ir.h.copy(), ir.poly.copy()
    reference = cell == "oim" and bool(np.any(h))
    if reference:
        col = sp.csr_matrix(h.reshape(-1, 1))
        J = sp.bmat([[J, col], [col.T, None]], format="csr")
        h = np.zeros(ir.n + 1)
        poly = np.zeros((ir.n + 1, 3))
    mapped = [np.abs(J.data)]
    if cell == "pbit":
        mapped.append(np.abs(h))
    if cell == "gauss":
        mapped.append(np.abs(2 * poly[:, 0]))
    largest = max((float(m.max()) for m in mapped if m.size), default=0.0)
    s = largest if largest > 0 else 1.0
    return Scaled(sp.csr_matrix(J / s), h / s, poly / s, s, reference)
