"""``backend="circuit"``: the circuit-level emulator.

It integrates the same equations as the ngspice netlist (:mod:`compiler.netlist`), with the same
seeded noise (one ``noise.normal((steps + 1, 1, sources))`` block per replica, in replica order,
exactly as :class:`~runtime.spice.backend.SpiceBackend` draws it), so a seed gives the same
waveforms in both to integration accuracy.
"""

from __future__ import annotations

import numpy as np

from compiler.netlist import Circuit, CircuitOptions
from device_models.errors import BackendError
from runtime.backends.base import AbstractBackend, RunPlan, Trajectory
from runtime.circuit.integrate import simulate_numpy
from runtime.circuit.readout import CircuitRun, probe_values
from runtime.noise import AbstractNoiseSource

ENGINES = ("numba", "numpy")


def draw_noise(circuit: Circuit, noise: AbstractNoiseSource, replicas: int) -> np.ndarray:
    """Noise currents (steps + 1, replicas, S) in amperes, drawn replica after replica."""
    shape = (circuit.steps + 1, 1, len(circuit.noise))
    return np.stack([circuit.noise_samples(noise.normal(shape)[:, 0]) for _ in range(replicas)], axis=1)


class CircuitBackend(AbstractBackend):
    """Circuit-level emulator of ``oim`` and ``gauss`` programs.

    Args:
        engine: ``"numba"`` (compiled loops) or ``"numpy"`` (the reference).
        substeps: integration steps per circuit sample (the noise sample interval).
        **circuit: :class:`~compiler.netlist.CircuitOptions` fields (``steps_per_period``,
            ``periods_per_time_unit``, ``gauss_design``, ...).
    """

    name = "circuit"
    cells = frozenset({"oim", "gauss"})

    def __init__(self, engine: str = "numba", substeps: int = 1, **circuit):
        if engine not in ENGINES:
            raise BackendError(f"engine must be one of {ENGINES}, got {engine!r}")
        self.engine = engine
        self.substeps = int(substeps)
        self.options = CircuitOptions(**circuit)

    def simulate(self, plan: RunPlan, noise: AbstractNoiseSource) -> Trajectory:
        run = CircuitRun.of(plan, self.options)
        c = run.circuit
        currents = draw_noise(c, noise, plan.replicas)
        v0 = np.stack([x.v0 for x in run.circuits])
        i0 = np.stack([x.i0 for x in run.circuits])
        if self.engine == "numba":
            from runtime.circuit.numba_kernel import simulate_numba as integrate
        else:
            integrate = simulate_numpy
        waves = integrate(c, currents, v0, i0, run.record, self.substeps)
        return run.trajectory(plan, probe_values(c, waves.v))
