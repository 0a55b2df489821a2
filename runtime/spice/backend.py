"""``backend="spice"``: run the program's circuit in real ngspice, one transient run per replica.

Noise is SONQ's own (seeded, drawn as :func:`runtime.circuit.backend.draw_noise` does) and reaches
ngspice through XSPICE ``filesource`` files, so a seed gives the same waveforms here and in the
circuit emulator.  ngspice's TRNOISE is not used: it cannot be seeded and its variance drifts in a
long-lived process (docs/physics.md#noise-in-ngspice).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np

from compiler.netlist import CircuitOptions, SpiceOptions, circuit_cells
from device_models.errors import BackendError, SpiceError
from runtime.backends.base import AbstractBackend, RunPlan, Trajectory
from runtime.circuit.backend import draw_noise
from runtime.circuit.readout import CircuitRun, probe_values
from runtime.noise import AbstractNoiseSource
from runtime.spice.pyspice_runner import PySpiceRunner
from runtime.spice.runner import AbstractRunner, SubprocessRunner
from runtime.spice.simulate import simulate_spice

RUNNERS = ("subprocess", "pyspice")


class SpiceBackend(AbstractBackend):
    """ngspice backend for ``oim`` and ``gauss`` programs.

    Args:
        runner: ``"subprocess"`` (``ngspice -b`` per run, the default) or ``"pyspice"`` (in-process
            ``libngspice`` through PySpice, :mod:`runtime.spice.pyspice_runner`).
        ngspice: executable for the subprocess runner.
        timeout: seconds before a subprocess run is killed.
        workdir: directory under which each replica's run gets a private directory
            (``replica<r>-<random>``: netlist, noise files, raw file, log); default: a temporary
            directory, removed after the run unless ``keep_netlist``.
        keep_netlist: keep the working files (their directory is in the trajectory's log line).
        reltol, max_step_divisor, method: :class:`~compiler.netlist.SpiceOptions`.
        **circuit: :class:`~compiler.netlist.CircuitOptions` fields.

    Raises:
        SpiceError: the chosen runner cannot run here (no ngspice executable; for ``"pyspice"`` no
            PySpice or no libngspice), with how to install it.  :meth:`unavailable_reason` (a
            classmethod, so it cannot see the options) speaks for the default subprocess runner.
    """

    name = "spice"

    @classmethod
    def cells(cls) -> frozenset[str]:
        return circuit_cells()

    def __init__(self, runner: str = "subprocess", ngspice: str = "ngspice", workdir: str | None = None,
                 keep_netlist: bool = False, reltol: float = 1e-4, max_step_divisor: int = 1,
                 method: str = "trap", timeout: float | None = None, **circuit):
        if runner not in RUNNERS:
            raise BackendError(f"runner must be one of {RUNNERS}, got {runner!r}")
        self.runner: AbstractRunner = SubprocessRunner(ngspice, timeout) if runner == "subprocess" else PySpiceRunner()
        reason = self.runner.unavailable_reason()
        if reason:
            raise SpiceError(f"runner {runner!r} is unavailable: {reason}")
        self.workdir = workdir
        self.keep_netlist = keep_netlist
        self.spice = SpiceOptions(reltol, max_step_divisor, method)
        self.options = CircuitOptions(**circuit)

    @classmethod
    def unavailable_reason(cls) -> str | None:
        return SubprocessRunner().unavailable_reason()

    def simulate(self, plan: RunPlan, noise: AbstractNoiseSource) -> Trajectory:
        run = CircuitRun.of(plan, self.options)
        currents = draw_noise(run.circuit, noise, plan.replicas)
        root = Path(self.workdir) if self.workdir else Path(tempfile.mkdtemp(prefix="sonq-spice-"))
        try:
            probes = []
            for r, circuit in enumerate(run.circuits):
                waves = simulate_spice(circuit, currents[:, r] if len(circuit.noise) else None, run.record,
                                       runner=self.runner, workdir=root, options=self.spice, prefix=f"replica{r}-")
                probes.append(probe_values(circuit, waves.v[:, 0]))
        finally:
            if not self.keep_netlist and not self.workdir:
                shutil.rmtree(root, ignore_errors=True)
        return run.trajectory(plan, np.stack(probes, axis=1))
