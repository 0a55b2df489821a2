"""Runners: hand a :class:`~compiler.netlist.Netlist` to ngspice and get its vectors back.

:class:`SubprocessRunner`: ``ngspice -b -r out.raw -o log`` in a fresh process per run — crash
isolation, a real exit code, fresh state, safe to use from parallel processes.  The in-process
runner is :class:`runtime.spice.pyspice_runner.PySpiceRunner`.

Runners write the netlist and its noise files into a working directory, raise
:class:`~device_models.errors.SpiceError` with ngspice's own message on failure and keep ngspice's
console output in ``<workdir>/ngspice.log`` (never on the user's terminal).
"""

from __future__ import annotations

import abc
import shutil
import subprocess
from pathlib import Path

import numpy as np

from compiler.netlist import Netlist
from device_models.errors import SpiceError
from runtime.spice.errors import classify
from runtime.spice.rawfile import read_raw

NETLIST_NAME = "circuit.cir"
LOG_NAME = "ngspice.log"
RAW_NAME = "out.raw"


class AbstractRunner(abc.ABC):
    """Runs one netlist and returns ``{vector name: (points,) array}`` including ``time``."""

    #: whether noise files must be named by absolute path (in-process runners share one cwd)
    absolute_paths: bool = False

    @abc.abstractmethod
    def unavailable_reason(self) -> str | None:
        """``None`` when this runner can run here, else a sentence saying why not and how to fix it."""

    def run(self, netlist: Netlist, workdir: Path) -> dict[str, np.ndarray]:
        """Simulate ``netlist`` with its files written under ``workdir``.

        Raises:
            SpiceError: the runner cannot run here, or ngspice failed (with its own message).
        """
        reason = self.unavailable_reason()
        if reason:
            raise SpiceError(reason)
        workdir.mkdir(parents=True, exist_ok=True)
        (workdir / NETLIST_NAME).write_text(netlist.text)
        for name, content in netlist.files.items():
            (workdir / name).write_text(content)
        return self.simulate(netlist, workdir)

    @abc.abstractmethod
    def simulate(self, netlist: Netlist, workdir: Path) -> dict[str, np.ndarray]:
        """Run ``netlist``, already written to ``workdir/circuit.cir`` with its files."""


class SubprocessRunner(AbstractRunner):
    """``ngspice -b`` in a subprocess.

    Args:
        ngspice: the ngspice executable (name on PATH or a path).
        timeout: seconds before the run is killed (``None``: no limit).
    """

    def __init__(self, ngspice: str = "ngspice", timeout: float | None = None):
        self.ngspice = ngspice
        self.timeout = timeout

    def unavailable_reason(self) -> str | None:
        if shutil.which(self.ngspice) is None:
            return (f"the ngspice executable {self.ngspice!r} was not found; install it with "
                    "'sudo apt-get install ngspice' (Debian/Ubuntu) or put it on PATH")
        return None

    def simulate(self, netlist: Netlist, workdir: Path) -> dict[str, np.ndarray]:
        raw = workdir / RAW_NAME
        raw.unlink(missing_ok=True)
        try:
            proc = subprocess.run([shutil.which(self.ngspice), "-b", "-r", RAW_NAME, "-o", LOG_NAME, NETLIST_NAME],
                                  cwd=workdir, capture_output=True, text=True, timeout=self.timeout)
        except subprocess.TimeoutExpired:
            raise SpiceError(f"ngspice did not finish within {self.timeout} s") from None
        log_path = workdir / LOG_NAME
        log = (log_path.read_text(errors="replace") if log_path.exists() else "") + proc.stdout + proc.stderr
        error = classify(log, netlist.text, exit_code=proc.returncode)
        if error is not None:
            raise error
        if not raw.exists():
            raise SpiceError(f"ngspice wrote no raw file: {log.strip()[-500:]}")
        return read_raw(raw.read_bytes())
