"""``backend="circuit"``: the circuit-level emulator.

It integrates the same equations as the ngspice netlist (:mod:`compiler.netlist`), with the same
seeded noise (one ``noise.normal((steps + 1, 1, sources))`` block per replica, in replica order,
exactly as :class:`~runtime.spice.backend.SpiceBackend` draws it), so a seed gives the same
waveforms in both to integration accuracy (the tolerance at the defaults:
docs/circuit.md#agreement-at-the-defaults).

Engines (:data:`ENGINES`), all the same scheme, agreeing to rounding: ``"c"`` (C99 + OpenMP,
:mod:`runtime.circuit.c_kernel`), ``"numba"`` (:mod:`runtime.circuit.numba_kernel`) and ``"numpy"``
(the reference, :mod:`runtime.circuit.integrate`).  The default, ``"auto"``, is ``"c"`` when the C
extension is built, else ``"numba"`` (:func:`default_engine`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable

import numpy as np

from compiler.netlist import Circuit, CircuitOptions, circuit_cells
from device_models.errors import BackendError
from runtime.backends.base import AbstractBackend, RunPlan, Trajectory
from runtime.circuit import c_kernel
from runtime.circuit.integrate import CircuitWaves, simulate_numpy
from runtime.circuit.power import dissipated_energy
from runtime.circuit.readout import CircuitRun, probe_values
from runtime.circuit.waveforms import WaveformRequest, Waveforms
from runtime.noise import AbstractNoiseSource

ENGINES = ("c", "numba", "numpy")
#: integration steps per circuit sample by default: at one (64 per period) the leapfrog's phase
#: error, (ωh)²/24 per radian, drifts an oscillator's phases by ~0.3 rad over a hundred periods
#: (docs/circuit.md#agreement-at-the-defaults)
SUBSTEPS = 4


def default_engine() -> str:
    """``"c"`` when the C extension is built, else ``"numba"``."""
    return "c" if c_kernel.unavailable_reason() is None else "numba"


def integrator(engine: str) -> Callable[..., CircuitWaves]:
    """The function that integrates circuits with ``engine`` (one of :data:`ENGINES`), with the
    contract of :func:`~runtime.circuit.integrate.simulate_numpy`."""
    if engine == "c":
        return c_kernel.simulate_c
    if engine == "numba":
        from runtime.circuit.numba_kernel import simulate_numba
        return simulate_numba
    if engine == "numpy":
        return simulate_numpy
    raise BackendError(f"engine must be one of {ENGINES}, got {engine!r}")


def draw_noise(circuit: Circuit, noise: AbstractNoiseSource, replicas: int) -> np.ndarray:
    """Noise currents (steps + 1, replicas, S) in amperes, drawn replica after replica."""
    shape = (circuit.steps + 1, 1, len(circuit.noise))
    return np.stack([circuit.noise_samples(noise.normal(shape)[:, 0]) for _ in range(replicas)], axis=1)


class CircuitBackend(AbstractBackend):
    """Circuit-level emulator of ``oim`` and ``gauss`` programs.

    Args:
        engine: ``"auto"`` (``"c"`` when the C extension is built, else ``"numba"``), ``"c"`` (C99
            kernel; :class:`BackendError` with the reason when the extension is not built),
            ``"numba"`` (compiled loops) or ``"numpy"`` (the reference).
        substeps: integration steps per circuit sample (the noise sample interval), ≥ 1 (default
            :data:`SUBSTEPS`).
        waveforms: a ``.npz`` path: write the run's node voltages and inductor currents there
            (:class:`~runtime.circuit.waveforms.Waveforms`; checked before the run), with the energy
            the dissipating elements took when every sample is written.
        waveform_every: write every this many circuit samples (default 1).
        **circuit: :class:`~compiler.netlist.CircuitOptions` fields (``steps_per_period``,
            ``periods_per_time_unit``, ``gauss_design``, ...).
    """

    name = "circuit"

    @classmethod
    def cells(cls) -> frozenset[str]:
        return circuit_cells()

    def __init__(self, engine: str = "auto", substeps: int = SUBSTEPS, waveforms=None, waveform_every: int = 1,
                 **circuit):
        if engine == "auto":
            engine = default_engine()
        if engine not in ENGINES:
            raise BackendError(f"engine must be 'auto' or one of {ENGINES}, got {engine!r}")
        reason = c_kernel.unavailable_reason() if engine == "c" else None
        if reason:
            raise BackendError(reason)
        if int(substeps) != substeps or substeps < 1:
            raise BackendError(f"substeps must be a positive integer, got {substeps!r}")
        self.engine = engine
        self.substeps = int(substeps)
        self.options = CircuitOptions(**circuit)
        self.waveforms = WaveformRequest.of(waveforms, waveform_every)

    def simulate(self, plan: RunPlan, noise: AbstractNoiseSource) -> Trajectory:
        run = CircuitRun.of(plan, self.options)
        c = run.circuit
        currents = draw_noise(c, noise, plan.replicas)
        v0 = np.stack([x.v0 for x in run.circuits])
        i0 = np.stack([x.i0 for x in run.circuits])
        samples = run.record if self.waveforms is None else self.waveforms.samples(c, run.record)
        waves = integrator(self.engine)(c, currents, v0, i0, samples, self.substeps)
        if self.waveforms is not None:
            if self.waveforms.every == 1:
                waves = replace(waves, dissipated=dissipated_energy(c, waves))
            Waveforms.of(c, waves, self.name).save(self.waveforms.path)
        return run.trajectory(plan, probe_values(c, waves.v[np.searchsorted(samples, run.record)]))
