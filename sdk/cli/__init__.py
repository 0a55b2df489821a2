"""The ``sonq`` command line.

::

    sonq devices
    sonq compile graph.rudy --device oim1024 -o prog.npz      # Gset file → MaxCut
    sonq compile J.npy --device oim1024 -o prog.npz           # dense J → Ising E = ½ sᵀJs
    sonq run prog.npz --backend numba --reads 64 --seed 1 -o result.npz
    sonq run prog.npz --temperature 0.5 --steps 2000 --record-every 10 --burn-in 500
    sonq devices --file my_chip.yaml                          # validate and show a custom chip
    sonq demo --out sonq-demo

Each command is a module of this package with a ``register(subparsers)`` function that adds its
parser and sets ``func`` (a function of the parsed arguments returning the exit code); modules
are found by name, so a new command is one new file.

Errors SONQ raises on purpose (:class:`SonqError`), and files that cannot be read or written,
print one line to stderr and exit with code 2; Ctrl-C prints one line and exits with code 130.
Output paths are checked before any work starts (``-o some_directory`` is an error), and every
output is written atomically (:func:`device_models.files.atomic_write`): an interrupted or failed
write leaves no partial file and any previous file intact.  Text from files or users is printed
with its control characters escaped.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil

from device_models.errors import SonqError
from sdk.cli._common import EXIT_ERROR, EXIT_INTERRUPTED, error_line


def main(argv: list[str] | None = None) -> int:
    """Run the ``sonq`` command with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    try:
        parser = _parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # --help, or a usage error argparse has already printed
            return exc.code if isinstance(exc.code, int) else EXIT_ERROR
        return args.func(args)
    except KeyboardInterrupt:
        error_line("interrupted")
        return EXIT_INTERRUPTED
    except SonqError as exc:
        error_line(f"error: {exc}")
        return EXIT_ERROR
    except OSError as exc:  # a file SONQ was asked to read (or a terminal it writes to) failed
        error_line(f"error: {exc}")
        return EXIT_ERROR


def commands() -> list[str]:
    """Names of the command modules of this package (every public module), sorted."""
    return sorted(info.name for info in pkgutil.iter_modules(__path__)
                  if not info.name.startswith("_"))


def _parser() -> argparse.ArgumentParser:
    from sdk import __version__

    parser = argparse.ArgumentParser(prog="sonq", description="Emulate analog oscillator Ising machines "
                                     "and thermodynamic samplers.")
    parser.add_argument("--version", action="version", version=f"sonq {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in commands():
        importlib.import_module(f"{__name__}.{name}").register(sub)
    return parser
