"""What every ``sonq`` command shares: printing user text safely, SI units, output paths."""

from __future__ import annotations

import math
import sys
from pathlib import Path

from device_models.files import check_output_path, one_line, printable

EXIT_ERROR = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a command Ctrl-C stopped
SI_PREFIXES = ((1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, ""), (1e-3, "m"), (1e-6, "µ"), (1e-9, "n"),
               (1e-12, "p"), (1e-15, "f"))


def error_line(text: str) -> None:
    """One line on stderr, control characters escaped (a closed stderr is ignored)."""
    try:
        print(f"sonq: {one_line(text)}", file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


def say(text) -> None:
    """Print text that may quote files or user input, control characters escaped."""
    print(printable(str(text)))


def output_file(path: Path) -> Path:
    """The ``.npz`` file an ``-o`` path names, checked writable before a command starts: an existing
    directory is refused (never turned into ``DIR.npz``), as are a missing or read-only parent."""
    check_output_path(path)
    path = path if path.suffix == ".npz" else path.with_name(path.name + ".npz")
    return check_output_path(path)


def si(value: float, unit: str) -> str:
    """``value`` with an SI prefix, e.g. ``si(5e-6, "S") == "5 µS"``."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g} {unit}"
    for factor, prefix in SI_PREFIXES:
        if abs(value) >= factor * (1 - 1e-9):
            return f"{value / factor:.3g} {prefix}{unit}"
    return f"{value:.3g} {unit}"
