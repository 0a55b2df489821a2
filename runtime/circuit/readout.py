"""From a RunPlan to per-replica circuits, and from recorded waveforms back to plan states.

Both circuit-level backends (ngspice and the emulator) share this: plan step k is circuit sample
``k·substeps``; ``oim`` states are phases from a lock-in against the pump reference (``e^{iω_p t/2}``,
a Hann window over the last two periods before the record point); ``gauss`` states are the probe
voltages over ``voltage_scale``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from compiler.netlist import Circuit, CircuitOptions, lower, with_initial_state
from runtime.backends.base import RunPlan, Trajectory

LOCKIN_PERIODS = 2


@dataclass(frozen=True)
class CircuitRun:
    """The circuits of one plan and the samples each backend must record.

    Attributes:
        circuits: one per replica (they differ only in initial conditions).
        substeps: circuit samples per plan step.
        record_steps: plan steps after which the trajectory records (the last is the final state).
        record: sorted circuit sample indices every backend must return.
    """

    circuits: list
    substeps: int
    record_steps: np.ndarray
    record: np.ndarray

    @property
    def circuit(self) -> Circuit:
        return self.circuits[0]

    @classmethod
    def of(cls, plan: RunPlan, options: CircuitOptions) -> "CircuitRun":
        lowered = lower(plan.program, steps=plan.steps, dt=plan.dt, schedules=plan.schedules,
                        init=plan.init[0], options=options)
        circuit, sub = lowered.circuit, lowered.substeps
        circuits = [with_initial_state(plan.program, circuit, x) for x in plan.init]
        every = plan.record_every or plan.steps
        steps = np.unique(np.append(np.arange(every, plan.steps + 1, every), plan.steps))
        ends = steps * sub
        width = _window(circuit)
        record = np.unique(np.concatenate([np.arange(max(e - width + 1, 0), e + 1) for e in ends]))
        return cls(circuits, sub, steps, record)

    def trajectory(self, plan: RunPlan, probes: np.ndarray) -> Trajectory:
        """Plan trajectory from probe waveforms (len(record), replicas, cells)."""
        c = self.circuit
        states = []
        for e in self.record_steps * self.substeps:
            if c.pump_omega > 0:
                sel = (self.record > e - _window(c)) & (self.record <= e)
                t = self.record[sel] * c.dt
                win = np.hanning(sel.sum() + 2)[1:-1]
                z = np.einsum("k,krc->rc", win * np.exp(-0.5j * c.pump_omega * t), probes[sel])
                states.append(np.angle(z))
            else:
                states.append(probes[np.searchsorted(self.record, e)])
        states = np.stack(states)
        keep = self.record_steps if plan.record_every else np.zeros(0, dtype=np.int64)
        recorded = states if plan.record_every else np.zeros((0, *states.shape[1:]))
        if plan.record_every and plan.steps % plan.record_every:
            recorded, keep = recorded[:-1], keep[:-1]
        return Trajectory(np.asarray(keep, dtype=np.int64), recorded, states[-1])


def _window(c: Circuit) -> int:
    """Samples in the lock-in window (1 when nothing oscillates)."""
    if c.pump_omega <= 0:
        return 1
    return max(4, round(LOCKIN_PERIODS * 4 * math.pi / (c.pump_omega * c.dt)))


def probe_values(c: Circuit, v: np.ndarray) -> np.ndarray:
    """Cell states (..., cells) from node voltages (..., N): ``(v_a − v_b)/probe_scale``."""
    padded = np.concatenate([np.zeros((*v.shape[:-1], 1)), v], axis=-1)
    return (padded[..., c.probes[:, 0]] - padded[..., c.probes[:, 1]]) / c.probe_scale
