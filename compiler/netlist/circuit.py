"""The lowered circuit: one description that the netlist writer prints and the circuit emulator
integrates, so both simulate the same equations.

Node 0 is ground; nodes 1..N are generated (``n1``..``nN`` in the netlist).  Every quantity is SI
(siemens, farads, henries, amperes, volts, seconds).  The equations, with ``v`` the node voltages
(N,), ``i`` the inductor currents (inductor k carries ``i_k`` from ``a_k`` to ``b_k``) and
``C(t) = C_static + diag(pump_c0·(1 + μ(t) cos ω_p t))``::

    d(C(t) v)/dt = −G v − A_L i + f_vdp(v) − G_m v + i_dc + i_noise(t)
    L_k di_k/dt  = v_{a_k} − v_{b_k} − R_k i_k + R_k w_s(t)   (Σ over sources s across R_k)

``f_vdp``: each van der Pol element across (a, b) injects ``g·u − γ·u³`` into a (and the negative
into b), ``u = v_a − v_b``.  ``G_m``: transconductors drawing ``gm·v_ctrl`` out of their output node.
Noise source s injects ``w_s(t)`` into ``a_s`` and draws it from ``b_s``; its samples at
``t_j = j·dt`` are ``√(psd_s(j)/dt)·ξ_{j,s}`` (two-sided PSD ``psd_s(j) = weight_s·schedule[kind_s, j]``,
ξ standard normal), linearly interpolated in between — exactly what ngspice's ``filesource`` does.

Series R–L branches: inductor k may carry a resistor ``R_k`` in series (``inductor_r``; 0 = ideal).
Its Johnson noise is a source with ``noise_branch = k``: the Norton current ``w_s`` across ``R_k``,
injected into the branch's internal node (between R_k and L_k) and drawn from ``a_k``.  KCL at that
node gives ``v_m = v_a − R_k(i_k − w_s)``, i.e. a series EMF ``R_k·w_s`` aiding ``i_k`` with
two-sided PSD ``R_k²·2kT/R_k = 2kT·R_k`` — the resistor's own voltage noise.  The internal node has
no capacitance; the emulator eliminates it (the equation for ``i_k`` above), ngspice gets it as a
node ``m<k>``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Branches:
    """Two-terminal elements of one kind: (k,) node arrays ``a``, ``b`` (0 = ground) and values."""

    a: np.ndarray
    b: np.ndarray
    value: np.ndarray

    @classmethod
    def of(cls, items: list[tuple[int, int, float]]) -> "Branches":
        arr = np.array(items, dtype=np.float64).reshape(-1, 3)
        return cls(arr[:, 0].astype(np.int64), arr[:, 1].astype(np.int64), arr[:, 2].copy())

    def __len__(self) -> int:
        return int(self.value.shape[0])


@dataclass(frozen=True)
class Circuit:
    """A circuit with its transient-analysis settings.

    Attributes:
        title: one-line description (plain identifier characters only).
        num_nodes: N, nodes numbered 1..N.
        capacitors: farads.
        resistors: conductances in siemens; each carries Johnson noise (one entry of ``noise``).
        inductors: henries.
        inductor_r: (nL,) resistance in ohms in series with each inductor (0: none); a nonzero one
            carries Johnson noise (a source with ``noise_branch`` = that inductor).
        vdp: van der Pol elements: value = g (siemens); ``vdp_gamma`` (k,) the cubic coefficient
            in A/V³.
        vccs: transconductors: ``a`` output node, ``b`` controlling node, value gm in siemens.
        dc: constant currents (amperes) injected into node ``a`` (``b`` = 0).
        pump: grounded pumped capacitors: node ``a``, value C0 in farads.
        pump_omega: ω_p in rad/s of ``C0(1 + μ(t) cos ω_p t)``.
        pump_depth: (P, 2) PWL points (seconds, μ) of the modulation depth.
        noise: noise current sources: value = weight (two-sided PSD per unit of schedule).
        noise_kind: (S,) row of ``noise_schedule`` each source follows.
        noise_branch: (S,) −1 for a source injecting into ``a`` from ``b``; k ≥ 0 for a source across
            inductor k's series resistor (its ``a``, ``b`` are then that inductor's terminals).
        noise_schedule: (kinds, steps + 1) multiplier of each kind at every sample time.
        dt: sample interval of noise and output (seconds); ngspice's TMAX is ``dt/max_step_divisor``.
        steps: samples after t = 0.
        v0: (N,) initial node voltages.
        i0: (L,) initial inductor currents.
        probes: (cells, 2) node pairs whose difference, divided by ``probe_scale``, is a cell's
            state (0 = ground).
        probe_scale: volts per unit of state.
        labels: per cell (probe) comment text, sanitized by the writer when printed.
    """

    title: str
    num_nodes: int
    capacitors: Branches
    resistors: Branches
    inductors: Branches
    inductor_r: np.ndarray
    vdp: Branches
    vdp_gamma: np.ndarray
    vccs: Branches
    dc: Branches
    pump: Branches
    pump_omega: float
    pump_depth: np.ndarray
    noise: Branches
    noise_kind: np.ndarray
    noise_branch: np.ndarray
    noise_schedule: np.ndarray
    dt: float
    steps: int
    v0: np.ndarray
    i0: np.ndarray
    probes: np.ndarray
    probe_scale: float
    labels: tuple = field(default=())

    @property
    def duration(self) -> float:
        return self.steps * self.dt

    def noise_psd(self) -> np.ndarray:
        """(steps + 1, S) two-sided PSD of every noise source at every sample time (A²/Hz)."""
        return self.noise_schedule[self.noise_kind].T * self.noise.value

    def noise_samples(self, draws: np.ndarray) -> np.ndarray:
        """Currents (steps + 1, S) in amperes from standard normal ``draws`` (steps + 1, S)."""
        return np.sqrt(self.noise_psd() / self.dt) * draws

    def pump_at(self, t: np.ndarray | float) -> np.ndarray:
        """Capacitance factor ``1 + μ(t) cos ω_p t`` at time(s) t."""
        mu = np.interp(t, self.pump_depth[:, 0], self.pump_depth[:, 1])
        return 1.0 + mu * np.cos(self.pump_omega * np.asarray(t))


def pwl_points(values: np.ndarray, dt: float) -> np.ndarray:
    """Compress samples ``values[j]`` at ``t = j·dt`` to the PWL corners that reproduce them exactly
    under linear interpolation.  Returns (P, 2) rows (seconds, value)."""
    values = np.asarray(values, dtype=np.float64)
    if values.size == 1:
        return np.array([[0.0, values[0]]])
    second = np.abs(np.diff(values, 2)) > 1e-12 * max(1.0, float(np.abs(values).max()))
    keep = np.concatenate([[True], second, [True]])
    idx = np.flatnonzero(keep)
    return np.stack([idx * dt, values[idx]], axis=1)
