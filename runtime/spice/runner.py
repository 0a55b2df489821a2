"""Runners: hand a :class:`~compiler.netlist.Netlist` to ngspice and get its vectors back.

:class:`SubprocessRunner`: ``ngspice -n -b -r out.raw -o log`` in a fresh process per run — crash
isolation, a real exit code, fresh state, safe to use from parallel processes.  The in-process
runner is :class:`runtime.spice.pyspice_runner.PySpiceRunner`.

Every run gets its own private directory (:func:`private_directory`: ``tempfile.mkdtemp``, mode
0700, a fresh random name) under the working directory the caller names.  The netlist, its noise
files and empty placeholders for everything ngspice will write are created there exclusively
(``O_CREAT | O_EXCL | O_NOFOLLOW``), so nothing planted beforehand — a symlink to a file elsewhere
in particular — is ever followed or overwritten.  ngspice reads no user init file: the subprocess
gets ``-n``; the in-process runner starts libngspice where no ``.spiceinit`` but its own, empty one
can be found.  Runners raise :class:`~device_models.errors.SpiceError` with ngspice's own message
(control characters escaped) on failure and keep ngspice's console output in the run directory's
``ngspice.log`` (never on the user's terminal).
"""

from __future__ import annotations

import abc
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from compiler.netlist import Netlist
from device_models.errors import SpiceError
from runtime.spice.errors import classify, printable
from runtime.spice.rawfile import read_raw

NETLIST_NAME = "circuit.cir"
LOG_NAME = "ngspice.log"
RAW_NAME = "out.raw"
#: exclusive creation: fail on anything already at the path, a symlink included (O_NOFOLLOW
#: states it; with O_EXCL POSIX already refuses a final symlink)
CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
FILE_MODE = 0o600


def private_directory(parent: Path | None, prefix: str) -> Path:
    """A new directory for one run, readable only by this user (``tempfile.mkdtemp``: mode 0700,
    a random name that did not exist), under ``parent`` (created if missing) or the system's
    temporary directory when ``parent`` is ``None``.

    Raises:
        SpiceError: the directory cannot be created.
    """
    try:
        if parent is not None:
            Path(parent).mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    except OSError as error:
        raise SpiceError(f"cannot create a run directory under {str(parent)!r}: {error.strerror}") from None


def write_private(path: Path, text: str) -> None:
    """Create ``path`` (mode 0600) and write ``text``; refuse when anything, a symlink included,
    is already there.

    Raises:
        SpiceError: the path exists, is not a plain file name in its directory, or cannot be written.
    """
    try:
        descriptor = os.open(path, CREATE_FLAGS, FILE_MODE)
    except FileExistsError:
        raise SpiceError(f"refusing to write {str(path)!r}: something is already there "
                         "(run files are only ever created new)") from None
    except OSError as error:
        raise SpiceError(f"cannot create {str(path)!r}: {error.strerror}") from None
    with os.fdopen(descriptor, "w") as file:
        file.write(text)


def _checked_name(name: str) -> str:
    """A netlist file's name: a plain name inside the run directory (no separator, not ``..``)."""
    if not name or name in (".", "..") or "/" in name or "\0" in name:
        raise SpiceError(f"netlist file name {name!r} is not a plain file name")
    return name


class AbstractRunner(abc.ABC):
    """Runs one netlist and returns ``{vector name: (points,) array}`` including ``time``."""

    #: whether noise files must be named by absolute path (in-process runners share one cwd)
    absolute_paths: bool = False
    #: files ngspice writes into the run directory (created empty beforehand, see the module docstring)
    outputs: tuple[str, ...] = ()

    @abc.abstractmethod
    def unavailable_reason(self) -> str | None:
        """``None`` when this runner can run here, else a sentence saying why not and how to fix it."""

    def start(self, workdir: Path | None, prefix: str = "run-") -> Path:
        """A new private run directory under ``workdir`` (:func:`private_directory`).

        Raises:
            SpiceError: the runner cannot run here, or the directory cannot be created.
        """
        reason = self.unavailable_reason()
        if reason:
            raise SpiceError(reason)
        return private_directory(workdir, prefix)

    def run(self, netlist: Netlist, workdir: Path | None = None, prefix: str = "run-") -> dict[str, np.ndarray]:
        """Simulate ``netlist`` in a new private directory under ``workdir`` (kept afterwards; the
        system's temporary directory when ``None``).  Noise files must be named relative to it:
        for in-process runners use :meth:`start` and :meth:`run_in`.

        Raises:
            SpiceError: the runner cannot run here, or ngspice failed (with its own message).
        """
        return self.run_in(netlist, self.start(workdir, prefix))

    def run_in(self, netlist: Netlist, rundir: Path) -> dict[str, np.ndarray]:
        """Write ``netlist``, its files and the output placeholders into ``rundir`` (from
        :meth:`start`; every file must be new there) and simulate it.

        Raises:
            SpiceError: a file already exists or cannot be written, or ngspice failed.
        """
        files = {NETLIST_NAME: netlist.text, **netlist.files, **dict.fromkeys(self.outputs, "")}
        for name, text in files.items():
            write_private(Path(rundir) / _checked_name(name), text)
        return self.simulate(netlist, Path(rundir))

    @abc.abstractmethod
    def simulate(self, netlist: Netlist, rundir: Path) -> dict[str, np.ndarray]:
        """Run ``netlist``, already written to ``rundir/circuit.cir`` with its files."""


class SubprocessRunner(AbstractRunner):
    """``ngspice -n -b`` in a subprocess.

    Args:
        ngspice: the ngspice executable (name on PATH or a path).
        timeout: seconds before the run is killed (``None``: no limit).
    """

    outputs = (RAW_NAME, LOG_NAME)

    def __init__(self, ngspice: str = "ngspice", timeout: float | None = None):
        self.ngspice = ngspice
        self.timeout = timeout

    def unavailable_reason(self) -> str | None:
        if shutil.which(self.ngspice) is None:
            return (f"the ngspice executable {self.ngspice!r} was not found; install it with "
                    "'sudo apt-get install ngspice' (Debian/Ubuntu) or put it on PATH")
        return None

    def command(self) -> list[str]:
        """The ngspice command line: batch mode (``-b``), no init files (``-n``), raw file and log
        in the run directory."""
        return [shutil.which(self.ngspice), "-n", "-b", "-r", RAW_NAME, "-o", LOG_NAME, NETLIST_NAME]

    def simulate(self, netlist: Netlist, rundir: Path) -> dict[str, np.ndarray]:
        try:
            proc = subprocess.run(self.command(), cwd=rundir, stdin=subprocess.DEVNULL, capture_output=True,
                                  text=True, errors="replace", timeout=self.timeout)
        except subprocess.TimeoutExpired:
            raise SpiceError(f"ngspice did not finish within {self.timeout} s") from None
        log = (rundir / LOG_NAME).read_text(errors="replace") + proc.stdout + proc.stderr
        error = classify(log, netlist.text, exit_code=proc.returncode)
        if error is not None:
            raise error
        raw = (rundir / RAW_NAME).read_bytes()
        if not raw:
            raise SpiceError(f"ngspice wrote no raw file: {printable(log.strip()[-500:])}")
        return read_raw(raw)
