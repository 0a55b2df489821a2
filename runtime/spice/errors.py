"""Classify ngspice's console output into :class:`~device_models.errors.SpiceError`.

ngspice reports failures as free text in its log.  SONQ looks for the messages that mean the run
failed (syntax errors, unknown models or code models, no convergence, "timestep too small", files
it cannot open) and keeps ngspice's own line; notes such as the "transient op" fallback or gmin
stepping that recovers are not errors.  The text it quotes (ngspice's output, netlist lines) has its
control characters escaped (:func:`printable`), so it cannot drive the terminal that shows the error.
"""

from __future__ import annotations

import re
import unicodedata

from device_models.errors import SpiceError

FATAL = (
    re.compile(r"^Error on line (?P<line>\d+).*$"),
    re.compile(r"^Netlist line no\. (?P<line>\d+):.*$"),
    re.compile(r"^.*MIF-ERROR.*$"),
    re.compile(r"^.*[Cc]annot open file.*$"),
    re.compile(r"^.*[Cc]ould not find a valid modelname.*$"),
    re.compile(r"^.*[Tt]imestep too small.*$"),
    re.compile(r"^.*[Tt]ransient solution failed.*$"),
    re.compile(r"^.*no convergence.*$", re.I),
    re.compile(r"^\s*[Ee]rror:.*$"),
    re.compile(r"^.*Simulation interrupted due to error.*$"),
)


def printable(text: str) -> str:
    """``text`` with every control, format or unassigned character except newline and tab written
    as its Python escape (``ESC`` → ``\\x1b``, ``U+202E`` → ``\\u202e``), safe to print to a terminal."""
    return "".join(c if c in "\n\t" or unicodedata.category(c)[0] != "C" else ascii(c)[1:-1] for c in text)


def classify(log: str, netlist: str, *, exit_code: int = 0) -> SpiceError | None:
    """The error a run's log reports, or ``None`` when it ran cleanly.

    Args:
        log: ngspice's console output.
        netlist: the netlist it ran (to quote the offending line).
        exit_code: the process exit code (nonzero is always an error).
    """
    lines = log.splitlines()
    hits = [(k, m) for k, line in enumerate(lines) for pat in FATAL if (m := pat.match(line.strip()))]
    if not hits and exit_code == 0:
        return None
    if not hits:
        tail = "\n".join(l for l in lines[-5:] if l.strip())
        return SpiceError(f"ngspice exited with status {exit_code}: {printable(tail) or 'no message'}")
    k, m = hits[0]
    message = "\n".join(l.strip() for l in lines[k:k + 4] if l.strip())
    line = None
    if "line" in m.re.groupindex:
        number = int(m.group("line"))
        source = netlist.splitlines()
        line = source[number - 1] if 0 < number <= len(source) else None
    return SpiceError(printable(message), None if line is None else printable(line))
