"""Pass 3 — scale: express the energy in device units, full-scale coupling = 1."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from compiler.ir import EnergyIR
from device_models.cells import AbstractCell


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
    saturated: int = 0


def scale(ir: EnergyIR, cell: AbstractCell, unit: float | None = None) -> Scaled:
    """Divide the energy by its largest conductance-mapped coefficient, or by ``unit`` (model
    energy per device unit) when given, clipping conductance-mapped values beyond full scale (±1)
    and counting them in ``saturated``.

    On cells with ``reference_fields`` (``oim``) the fields become couplings to a trailing
    reference node (``J_0i = h_i``, read out as ``s_i·s_0``), so they count as couplings.  The
    cell's ``conductance_terms`` count too: ``"fields"`` (h on ``pbit``) and ``"quadratic"`` (the
    conductance to ground 2c₂ of ``c₂x²`` on ``gauss``).
    """
    J, h, poly = ir.J, ir.h.copy(), ir.poly.copy()
    reference = cell.reference_fields and bool(np.any(h))
    if reference:
        col = sp.csr_matrix(h.reshape(-1, 1))
        J = sp.bmat([[J, col], [col.T, None]], format="csr")
        h = np.zeros(ir.n + 1)
        poly = np.zeros((ir.n + 1, 3))
    mapped = [np.abs(J.data)]
    if "fields" in cell.conductance_terms:
        mapped.append(np.abs(h))
    if "quadratic" in cell.conductance_terms:
        mapped.append(np.abs(2 * poly[:, 0]))
    largest = max((float(m.max()) for m in mapped if m.size), default=0.0)
    if unit is None:
        s = largest if largest > 0 else 1.0
        return Scaled(sp.csr_matrix(J / s), h / s, poly / s, s, reference)
    J, h, poly = sp.csr_matrix(J / unit), h / unit, poly / unit
    saturated = int(np.sum(np.abs(J.data) > 1)) // 2
    J.data = np.clip(J.data, -1.0, 1.0)
    if "fields" in cell.conductance_terms:
        saturated += int(np.sum(np.abs(h) > 1))
        h = np.clip(h, -1.0, 1.0)
    if "quadratic" in cell.conductance_terms:
        saturated += int(np.sum(np.abs(2 * poly[:, 0]) > 1))
        poly[:, 0] = np.clip(poly[:, 0], -0.5, 0.5)
    return Scaled(J, h, poly, float(unit), reference, saturated)
