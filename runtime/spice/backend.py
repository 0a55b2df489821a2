"""``backend="spice"``: run the program's circuit in real ngspice, one transient run per replica.

Noise is SONQ's own (seeded, drawn as :func:`runtime.circuit.backend.draw_noise` does) and reaches
ngspice through XSPICE ``filesource`` files, so a seed drives the same netlist with the same noise
here and in the circuit emulator.  At the defaults the two agree to the integrators' accuracy, not
to rounding (docs/circuit.md#agreement-at-the-defaults): over 127 oscillation periods the phases of
a noise-free run stay within 0.1 rad, and an annealed run's locked phases end within 0.01 rad
with the same spins, while mid-anneal, near unstable configurations, they can part by ~0.8 rad.  ngspice's TRNOISE is not used: it cannot be seeded and its variance drifts in a
long-lived process (docs/physics.md#noise-in-ngspice).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Iterator

import numpy as np

from compiler.netlist import CircuitOptions, SpiceOptions, circuit_cells
from device_models.errors import BackendError, SpiceError
from runtime.backends.base import AbstractBackend, RunPlan, Trajectory
from runtime.circuit.backend import draw_noise
from runtime.circuit.integrate import CircuitWaves
from runtime.circuit.readout import CircuitRun, probe_values
from runtime.circuit.waveforms import WaveformRequest, Waveforms
from runtime.noise import AbstractNoiseSource
from runtime.spice.pyspice_runner import PySpiceRunner
from runtime.spice.runner import AbstractRunner, SubprocessRunner
from runtime.spice.simulate import simulate_spice

RUNNERS = ("subprocess", "pyspice")
#: ngspice's TMAX = dt/4 by default: at TMAX = dt (64 samples per period) trap's phase error,
#: (ωh)²/12 per radian, drifts an oscillator's phases by ~1 rad over a hundred periods
#: (docs/circuit.md#agreement-at-the-defaults)
MAX_STEP_DIVISOR = 4


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
        reltol, max_step_divisor, method: :class:`~compiler.netlist.SpiceOptions` (TMAX = dt/4 by
            default, :data:`MAX_STEP_DIVISOR`).
        waveforms, waveform_every: as for :class:`~runtime.circuit.backend.CircuitBackend`; the file
            also holds the energy ngspice's device powers give (``@r[p]``, transconductors' v·i).
        progress: a tqdm bar advancing per replica: None (the default) shows it when stderr is a
            terminal and tqdm is installed, True always (tqdm required), False never.
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
                 keep_netlist: bool = False, reltol: float = 1e-4, max_step_divisor: int = MAX_STEP_DIVISOR,
                 method: str = "trap", timeout: float | None = None, waveforms=None, waveform_every: int = 1,
                 progress: bool | None = None, **circuit):
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
        self.waveforms = WaveformRequest.of(waveforms, waveform_every)
        if progress not in (None, True, False):
            raise BackendError(f"progress must be None, True or False, got {progress!r}")
        self.progress = progress

    @classmethod
    def unavailable_reason(cls) -> str | None:
        return SubprocessRunner().unavailable_reason()

    def simulate(self, plan: RunPlan, noise: AbstractNoiseSource) -> Trajectory:
        run = CircuitRun.of(plan, self.options)
        currents = draw_noise(run.circuit, noise, plan.replicas)
        samples = run.record if self.waveforms is None else self.waveforms.samples(run.circuit, run.record)
        root = Path(self.workdir) if self.workdir else Path(tempfile.mkdtemp(prefix="sonq-spice-"))
        try:
            waves = [simulate_spice(circuit, currents[:, r] if len(circuit.noise) else None, samples,
                                    runner=self.runner, workdir=root, options=self.spice, prefix=f"replica{r}-",
                                    power=self.waveforms is not None)
                     for r, circuit in self._replicas(run.circuits)]
        finally:
            if not self.keep_netlist and not self.workdir:
                shutil.rmtree(root, ignore_errors=True)
        c = run.circuit
        if self.waveforms is not None:
            joined = CircuitWaves(samples, np.concatenate([w.v for w in waves], axis=1),
                                  np.concatenate([w.i for w in waves], axis=1),
                                  np.concatenate([w.dissipated for w in waves]))
            Waveforms.of(c, joined, self.name).save(self.waveforms.path)
        keep = np.searchsorted(samples, run.record)
        return run.trajectory(plan, np.stack([probe_values(c, w.v[keep, 0]) for w in waves], axis=1))

    def _replicas(self, circuits: list) -> Iterator:
        """``enumerate(circuits)``, through a tqdm bar when :attr:`progress` asks for one."""
        show = self.progress if self.progress is not None else sys.stderr.isatty()
        if not show:
            return enumerate(circuits)
        try:
            from tqdm import tqdm
        except ImportError:
            if self.progress:
                raise BackendError("progress=True needs tqdm: pip install tqdm") from None
            return enumerate(circuits)
        return enumerate(tqdm(circuits, desc="ngspice", unit="replica", leave=False))
