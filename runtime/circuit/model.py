"""The equations of a :class:`~compiler.netlist.Circuit` as matrices (nodes 1..N → rows 0..N−1).

``d(C(t)v)/dt = I(v, i, w)`` with ``I = −G v − A_L i + A_V (g∘u − γ∘u³) + i_dc + B w``, ``u = A_Vᵀv``,
and ``L di/dt = A_Lᵀ v − R i + E w`` (``R`` the inductors' series resistances, ``E`` their
sources' series EMF per ampere of noise current; see :mod:`compiler.netlist.circuit`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from compiler.netlist import Branches, Circuit
from device_models.errors import BackendError


def incidence(br: Branches, N: int) -> sp.csr_matrix:
    """(N, k): +1 at row a−1, −1 at row b−1 of column k (ground rows dropped)."""
    rows = np.concatenate([br.a, br.b]) - 1
    cols = np.tile(np.arange(len(br)), 2)
    vals = np.concatenate([np.ones(len(br)), -np.ones(len(br))])
    keep = rows >= 0
    return sp.csr_matrix((vals[keep], (rows[keep], cols[keep])), shape=(N, len(br)))


@dataclass(frozen=True)
class CircuitMatrices:
    """Matrices of the circuit equations.

    Attributes:
        G: (N, N) conductances and transconductances (siemens).
        AL, AV, B: incidence of inductors, van der Pol elements, node noise sources (zero columns
            for the sources in series with inductors).
        E: (nL, S) series EMF per unit noise current (ohms): ``R_k`` where source s is across
            inductor k's series resistor.
        L, R, g, gamma: (nL,) henries, (nL,) series ohms, (nV,), (nV,) element values.
        dc: (N,) constant injected currents.
        c_static: (N, N) dense static capacitance (farads).
        c_pump: (N,) pumped grounded capacitance C0 per node (zero where unpumped).
        c_inv: (N, N) inverse of ``c_static`` when nothing is pumped, else ``None``.
    """

    G: sp.csr_matrix
    AL: sp.csr_matrix
    AV: sp.csr_matrix
    B: sp.csr_matrix
    E: sp.csr_matrix
    L: np.ndarray
    R: np.ndarray
    g: np.ndarray
    gamma: np.ndarray
    dc: np.ndarray
    c_static: np.ndarray
    c_pump: np.ndarray
    c_inv: np.ndarray | None

    @classmethod
    def of(cls, c: Circuit) -> "CircuitMatrices":
        N = c.num_nodes
        AR = incidence(c.resistors, N)
        G = AR @ sp.diags(c.resistors.value) @ AR.T
        keep = c.vccs.a > 0
        G = G + sp.csr_matrix((c.vccs.value[keep & (c.vccs.b > 0)],
                               (c.vccs.a[keep & (c.vccs.b > 0)] - 1, c.vccs.b[keep & (c.vccs.b > 0)] - 1)), shape=(N, N))
        AC = incidence(c.capacitors, N)
        c_static = (AC @ sp.diags(c.capacitors.value) @ AC.T).toarray()
        c_pump = np.zeros(N)
        np.add.at(c_pump, c.pump.a - 1, c.pump.value)
        pumped = bool(len(c.pump))
        diagonal = not np.any(c_static - np.diag(np.diag(c_static)))
        if pumped and not diagonal:
            raise BackendError("the circuit emulator needs grounded capacitors only where capacitors are pumped")
        total = np.diag(c_static) + c_pump
        if np.any(total <= 0) or not np.all(np.isfinite(total)):
            raise BackendError("every node needs a capacitance to ground for the circuit emulator")
        dc = np.zeros(N)
        np.add.at(dc, c.dc.a - 1, c.dc.value)
        series = c.noise_branch >= 0
        k = c.noise_branch[series]
        E = sp.csr_matrix((c.inductor_r[k], (k, np.flatnonzero(series))), shape=(len(c.inductors), len(c.noise)))
        B = incidence(c.noise, N) @ sp.diags((~series).astype(np.float64))
        return cls(sp.csr_matrix(G), incidence(c.inductors, N), incidence(c.vdp, N), sp.csr_matrix(B), E,
                   c.inductors.value.copy(), np.asarray(c.inductor_r, dtype=np.float64), c.vdp.value.copy(),
                   np.asarray(c.vdp_gamma, dtype=np.float64), dc, c_static, c_pump,
                   None if pumped else np.linalg.inv(c_static))
