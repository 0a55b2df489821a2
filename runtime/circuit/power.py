"""Power the dissipating elements of a :class:`~compiler.netlist.Circuit` take from its waveforms:
resistors ``g·(v_a − v_b)²``, inductors' series resistors ``R·i²`` and transconductors
``v_a·gm·v_b`` (the current ``gm·v_b`` they draw out of node a).  Watts and joules, SI throughout;
the energy checks of ``docs/energy.md`` compare this with the cells' power models and with
ngspice's own device powers."""

from __future__ import annotations

import numpy as np

from compiler.netlist import Circuit
from device_models.errors import BackendError
from runtime.circuit.integrate import CircuitWaves


def dissipation(circuit: Circuit, v: np.ndarray, i: np.ndarray) -> np.ndarray:
    """Watts (...,) dissipated at node voltages ``v`` (..., N) and inductor currents ``i`` (..., nL)."""
    c = circuit
    padded = np.concatenate([np.zeros((*v.shape[:-1], 1)), v], axis=-1)
    across = padded[..., c.resistors.a] - padded[..., c.resistors.b]
    out = across**2 @ c.resistors.value
    out = out + i**2 @ np.asarray(c.inductor_r, dtype=np.float64)
    return out + (padded[..., c.vccs.a] * padded[..., c.vccs.b]) @ c.vccs.value


def dissipated_energy(circuit: Circuit, waves: CircuitWaves) -> np.ndarray:
    """Joules (replicas,) dissipated over waveforms recorded at every sample from 0 to
    ``circuit.steps`` (trapezoid rule over the samples).

    Raises:
        BackendError: the waveforms do not hold every sample.
    """
    if not np.array_equal(waves.samples, np.arange(circuit.steps + 1)):
        raise BackendError("dissipated_energy needs waveforms recorded at every sample 0..steps")
    return np.trapezoid(dissipation(circuit, waves.v, waves.i), dx=circuit.dt, axis=0)
