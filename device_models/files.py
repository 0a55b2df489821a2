"""Files SONQ writes, and text it prints.

Everything SONQ writes (programs, results, Gset files, plots, CLI outputs) goes through
:func:`atomic_write`: the bytes go to a fresh temporary file in the target's own directory (same
filesystem), are flushed and ``fsync``-ed, and the temporary file is renamed over the target.  A
failure at any point (an exception in the writer, a full disk, a file-size limit, Ctrl-C) removes
the temporary file and leaves the previous file exactly as it was.  The temporary file is created
with ``O_CREAT | O_EXCL`` (:func:`tempfile.mkstemp`), so a symlink planted at its name is never
followed, and the rename replaces a symlink at the target itself rather than writing through it.

:func:`check_output_path` (and :func:`check_output_dir`) refuse, before any work starts, a target
that is an existing directory or other non-regular file, or whose parent is missing or not
writable.

:func:`printable` escapes control characters in text from files or users before it reaches a
terminal (``runtime.spice.errors.printable`` does the same for ngspice's output and could use this
one).
"""

from __future__ import annotations

import os
import stat
import tempfile
import unicodedata
from pathlib import Path
from typing import IO, Callable

import yaml

from device_models.errors import OutputFileError


def printable(text: str) -> str:
    """``text`` with every control, format, surrogate or unassigned character except newline and tab
    written as its Python escape (``ESC`` → ``\\x1b``, ``U+202E`` → ``\\u202e``): safe to print to a
    terminal."""
    text = str(text)
    return "".join(c if c in "\n\t" or unicodedata.category(c)[0] != "C" else ascii(c)[1:-1] for c in text)


def one_line(text: str) -> str:
    """:func:`printable` text on one line (line breaks shown as `` | ``), for one-line error reports."""
    return " | ".join(part for part in printable(text).replace("\r", "\\r").split("\n") if part.strip()) or ""


def check_output_path(path: str | os.PathLike) -> Path:
    """``path`` as a :class:`Path` after checking a file can be written there.

    Raises:
        OutputFileError: ``path`` is empty, an existing directory or another non-regular file
            (device, FIFO, socket), or its parent directory is missing, not a directory or not
            writable.
    """
    text = os.fspath(path)
    if isinstance(text, bytes):
        text = os.fsdecode(text)
    if not text:
        raise OutputFileError("output path is empty")
    if "\x00" in text:
        raise OutputFileError(f"output path {printable(text)!r} contains a NUL character")
    path = Path(text)
    shown = printable(str(path))
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise OutputFileError(f"cannot write {shown!r}: {exc.strerror}") from None
    if info is not None:
        if stat.S_ISDIR(info.st_mode) or (stat.S_ISLNK(info.st_mode) and path.is_dir()):
            raise OutputFileError(f"output path {shown!r} is a directory; give a file name")
        if not (stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode)):
            raise OutputFileError(f"output path {shown!r} exists and is not a regular file")
    parent = path.parent
    if not parent.exists():
        raise OutputFileError(f"cannot write {shown!r}: directory {printable(str(parent))!r} does not exist")
    if not parent.is_dir():
        raise OutputFileError(f"cannot write {shown!r}: {printable(str(parent))!r} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputFileError(f"cannot write {shown!r}: directory {printable(str(parent))!r} is not writable")
    return path


def check_output_dir(path: str | os.PathLike) -> Path:
    """``path`` as a :class:`Path` after checking it is a writable directory, or can be created as one
    (its nearest existing ancestor is a writable directory).

    Raises:
        OutputFileError: ``path`` exists and is not a directory, or cannot be created.
    """
    path = Path(os.fspath(path))
    shown = printable(str(path))
    if path.exists():
        if not path.is_dir():
            raise OutputFileError(f"output directory {shown!r} exists and is not a directory")
        if not os.access(path, os.W_OK | os.X_OK):
            raise OutputFileError(f"output directory {shown!r} is not writable")
        return path
    ancestor = path.absolute().parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir() or not os.access(ancestor, os.W_OK | os.X_OK):
        raise OutputFileError(f"cannot create output directory {shown!r}: "
                              f"{printable(str(ancestor))!r} is not a writable directory")
    return path


def _new_file_mode(path: Path) -> int:
    """The permission bits the target should get: those of the file it replaces, else 0666 & ~umask."""
    try:
        info = os.stat(path)
        if stat.S_ISREG(info.st_mode):
            return stat.S_IMODE(info.st_mode)
    except OSError:
        pass
    umask = None
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    umask = int(line.split()[1], 8)
                    break
    except (OSError, ValueError):
        pass
    if umask is None:
        umask = os.umask(0o022)
        os.umask(umask)
    return 0o666 & ~umask


def atomic_write(path: str | os.PathLike, writer: Callable[[IO], object], *, text: bool = False,
                 encoding: str = "utf-8") -> Path:
    """Write a file all at once or not at all.

    Args:
        path: the target file (checked by :func:`check_output_path`).
        writer: called with the open temporary file (binary, or text when ``text``); it writes the
            whole content.  It must write to the file object it is given (e.g.
            ``np.savez_compressed(f, ...)``, ``fig.savefig(f, format="png")``), not reopen the path.
        text: open the temporary file in text mode with ``encoding`` (newlines as written).

    Returns:
        ``path`` as a :class:`Path`.

    Raises:
        OutputFileError: the target cannot be written (see :func:`check_output_path`) or writing
            failed (disk full, file-size limit, I/O error); the previous file is intact.
        Any exception ``writer`` raises (including :class:`KeyboardInterrupt`), after the
        temporary file is removed.
    """
    path = check_output_path(path)
    shown = printable(str(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise OutputFileError(f"cannot write {shown!r}: {exc.strerror or exc}") from None
    try:
        try:
            with os.fdopen(fd, "w" if text else "wb", **({"encoding": encoding, "newline": ""} if text else {})) as f:
                writer(f)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, _new_file_mode(path))
            os.replace(tmp, path)
        except OSError as exc:
            raise OutputFileError(f"cannot write {shown!r}: {exc.strerror or exc}; the previous file, "
                                  "if any, is unchanged") from None
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(path.parent, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass
    return path


__all__ = ["atomic_write", "check_output_path", "check_output_dir", "printable", "one_line"]


def read_yaml(path: str | os.PathLike, shown: str, what: str, error: type[Exception]):
    """The parsed content of the YAML file ``path`` (``yaml.safe_load``: plain data only).  A file
    that cannot be read, or is not valid YAML, raises ``error`` naming it as ``shown`` and saying
    which kind of file (``what``, e.g. "a device file") was expected."""
    try:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{shown}: cannot read {what} ({exc})") from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise error(f"{shown}: not valid YAML: {exc}") from None
