"""In-process ngspice: PySpice 1.5's ``NgSpiceShared`` (``libngspice``) as a runner.

No process start per run, so short runs are faster than :class:`~runtime.spice.runner.SubprocessRunner`,
at the price of ngspice's shared-library rules, which this module enforces:

- one ngspice per process (the library has one global state), created on first use and bound to
  the thread that created it — any other thread gets a :class:`SpiceError` (ngspice is not
  thread-safe and segfaults when shared);
- after every run ``destroy all`` and ``remcirc`` (otherwise every run's vectors and circuit stay
  in memory, ~100 MB per long run);
- never after ngspice's controlled exit: a fatal error (e.g. a netlist syntax error) makes
  libngspice "await to be detached" and it cannot be reinitialized in the same process, so every
  later run raises a :class:`SpiceError` saying so (use ``runner="subprocess"`` or a fresh worker
  process).  SONQ never sends ``quit``;
- no user init file: libngspice 39's ``ngSpice_Init`` sources ``./.spiceinit`` or, when there is
  none, the one in the home directory of the passwd entry (not ``$HOME``), and has no option to skip
  them (the executable's ``-n``).  SONQ therefore creates the library's one instance inside a fresh
  private directory holding an empty ``.spiceinit`` of its own (:func:`_without_user_init_files`):
  the current directory's file is never seen and the home directory is never consulted.

Library: PySpice opens the unversioned ``libngspice.so`` (Debian's ``libngspice0-dev``) unless
``NGSPICE_LIBRARY_PATH`` names one; when it is unset SONQ sets it to the versioned
``libngspice.so.0`` that ``libngspice0`` installs.  ngspice's console output is captured, fed to
:func:`runtime.spice.errors.classify` (the subprocess runner's rules) and logged at DEBUG on the
``runtime.spice.ngspice`` logger; PySpice's "Unsupported Ngspice version 39" warning is dropped (39
works; PySpice 1.5 only lists versions up to 34), nothing else.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import logging
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from compiler.netlist import Netlist
from device_models.errors import SpiceError
from runtime.spice.errors import classify, printable
from runtime.spice.runner import NETLIST_NAME, AbstractRunner, private_directory, write_private

LOG = logging.getLogger("runtime.spice.ngspice")
HARMLESS_WARNING = "Unsupported Ngspice version 39"
SAFE_COMMAND_PATH = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./-")
USER_INIT_NAME = ".spiceinit"
EMPTY_INIT = "* SONQ: the user's .spiceinit files are not read by the in-process ngspice\n"


def library_path() -> str | None:
    """The libngspice PySpice should open: ``$NGSPICE_LIBRARY_PATH`` if set, else the versioned
    library the dynamic loader finds (``libngspice.so.0``), else ``None``."""
    return os.environ.get("NGSPICE_LIBRARY_PATH") or ctypes.util.find_library("ngspice")


class _DropHarmlessWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != HARMLESS_WARNING


LOG.addFilter(_DropHarmlessWarning())


def _vector_name(name: str) -> str:
    """Shared-library vector names (``n1``, ``l1#branch``) as the raw file spells them."""
    if name.endswith("#branch"):
        return f"i({name[:-len('#branch')]})"
    return name if name == "time" else f"v({name})"


def _ngspice_class():
    """A ``NgSpiceShared`` subclass that captures the console instead of printing or logging it
    at warning/error level, and remembers ngspice's controlled exit."""
    path = library_path()
    if path and "NGSPICE_LIBRARY_PATH" not in os.environ:
        os.environ["NGSPICE_LIBRARY_PATH"] = path  # read by PySpice at import
    from PySpice.Spice.NgSpice.Shared import FFI, NgSpiceShared, ffi

    class QuietNgSpice(NgSpiceShared):
        _logger = LOG
        LIBRARY_PATH = path

        def __init__(self):
            self.console: list[str] = []
            self.exited: str | None = None
            super().__init__(ngspice_id=0)

        @staticmethod
        def _send_char(message_c, ngspice_id, user_data):
            self = ffi.from_handle(user_data)
            stream, _, text = ffi.string(message_c).decode("utf-8", errors="replace").partition(" ")
            self.console.append(text)
            (self._stderr if stream == "stderr" else self._stdout).append(text)  # PySpice's own commands
            LOG.debug("%s: %s", stream, text)
            return 0

        @staticmethod
        def _exit(exit_status, immediate_unloading, quit_exit, ngspice_id, user_data):
            self = ffi.from_handle(user_data)
            self.exited = f"ngspice exited with status {exit_status}"
            LOG.debug("%s (unload=%s, quit=%s)", self.exited, immediate_unloading, quit_exit)
            return 0

        def command(self, text: str) -> int:
            return int(self._ngspice_shared.ngSpice_Command(text.encode("ascii")))

        def vectors(self) -> dict[str, np.ndarray]:
            """Copies of the current plot's real vectors."""
            lib = self._ngspice_shared
            plot = ffi.string(lib.ngSpice_CurPlot()).decode()
            names, k, out = lib.ngSpice_AllVecs(plot.encode()), 0, {}
            while names[k] != FFI.NULL:
                name = ffi.string(names[k]).decode()
                info = lib.ngGet_Vec_Info(f"{plot}.{name}".encode())
                if info.v_realdata != FFI.NULL:
                    data = np.frombuffer(ffi.buffer(info.v_realdata, info.v_length * 8), dtype=np.float64)
                    out[_vector_name(name.lower())] = data.copy()
                k += 1
            return out

    return QuietNgSpice


@contextlib.contextmanager
def _returning_to_cwd() -> Iterator[None]:
    """Restore the current directory after the body, by descriptor (it need not have a name then)."""
    try:
        back = os.open(".", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as error:
        raise SpiceError(f"cannot start libngspice from this directory: {error.strerror}") from None
    try:
        yield
    finally:
        os.fchdir(back)
        os.close(back)


@contextlib.contextmanager
def _without_user_init_files() -> Iterator[None]:
    """Run the body (libngspice's initialisation) with the current directory set to a new private
    directory whose only file is an empty ``.spiceinit``; remove that directory afterwards."""
    directory = private_directory(None, "sonq-ngspice-init-")
    try:
        write_private(directory / USER_INIT_NAME, EMPTY_INIT)
        with _returning_to_cwd():
            os.chdir(directory)
            yield
    finally:
        shutil.rmtree(directory, ignore_errors=True)


class _ProcessNgSpice:
    """The process's one ngspice, its owning thread and a lock (created lazily)."""

    lock = threading.Lock()
    instance = None
    owner: tuple[int, int] | None = None  # (pid, thread id)

    @classmethod
    def acquire(cls):
        me = (os.getpid(), threading.get_ident())
        if cls.owner is not None and cls.owner[0] == me[0] and cls.owner != me:
            raise SpiceError("the in-process ngspice of this process belongs to another thread; libngspice "
                             "is not thread-safe — use one process per worker or runner='subprocess'")
        if not cls.lock.acquire(blocking=False):
            raise SpiceError("the in-process ngspice is already running a netlist (re-entrant call)")
        if cls.instance is None:
            try:
                with _without_user_init_files():
                    cls.instance = _ngspice_class()()
            except OSError as error:
                cls.lock.release()
                raise SpiceError(f"could not load libngspice ({library_path()}): {error}") from None
            except BaseException:
                cls.lock.release()
                raise
        cls.owner = me  # first use, or the first use in a forked child (it inherits the library state)
        return cls.instance


class PySpiceRunner(AbstractRunner):
    """ngspice in this process through PySpice's ``NgSpiceShared`` (see the module docstring)."""

    absolute_paths = True

    @staticmethod
    def unavailable_reason() -> str | None:
        try:
            import PySpice  # noqa: F401
        except ImportError:
            return "PySpice is not installed; install it with 'pip install PySpice==1.5'"
        if library_path() is None:
            return ("libngspice was not found; install it with 'sudo apt-get install libngspice0' "
                    "(Debian/Ubuntu) or set NGSPICE_LIBRARY_PATH")
        return None

    def simulate(self, netlist: Netlist, rundir: Path) -> dict[str, np.ndarray]:
        source = str((rundir / NETLIST_NAME).resolve())
        if not set(source) <= SAFE_COMMAND_PATH:
            raise SpiceError(f"the in-process runner needs a working directory of letters, digits and "
                             f"'_./-' only, got {source!r}")
        ngspice = _ProcessNgSpice.acquire()
        try:
            if ngspice.exited:
                raise SpiceError(f"the in-process ngspice cannot run again in this process ({ngspice.exited} "
                                 "after an earlier error and libngspice cannot be restarted); use "
                                 "runner='subprocess' or a fresh worker process")
            ngspice.console.clear()
            status = ngspice.command(f"source {source}") or ngspice.command("run")
            error = classify("\n".join(ngspice.console), netlist.text, exit_code=status)
            if error is not None:
                raise error
            vectors = ngspice.vectors()
        finally:
            if not ngspice.exited:
                ngspice.command("destroy all")
                ngspice.command("remcirc")
            _ProcessNgSpice.lock.release()
        if "time" not in vectors:
            raise SpiceError(f"ngspice produced no transient plot: {printable(' '.join(ngspice.console)[-500:])}")
        return vectors
