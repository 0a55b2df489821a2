"""In-process ngspice checks that must run in their own process (``python pyspice_probe.py CHECK``):
a crash, a leak or ngspice's unrecoverable exit then cannot take pytest down.  Prints one JSON line.

- ``memory RUNS``: RUNS runs of a 4-cell oim netlist with noise files; VmRSS (MB) after each.
- ``errors``: a syntax error ngspice survives, one it does not, then a run after the latter.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent.parent / "circuit"))

import sdk  # noqa: E402
from circuits import OIM8, four_cell_ising  # noqa: E402
from compiler.netlist import CircuitOptions, Netlist, lower  # noqa: E402
from device_models.errors import SpiceError  # noqa: E402
from runtime.circuit.backend import draw_noise  # noqa: E402
from runtime.noise import SeededNoise  # noqa: E402
from runtime.spice.pyspice_runner import PySpiceRunner  # noqa: E402
from runtime.spice.simulate import simulate_spice  # noqa: E402

SURVIVABLE = "* t\nR1 n1 0 1k\nQ7 a b\n.tran 1n 10n\n.end\n"     # unknown model: ngspice carries on
FATAL = "* t\nR1 n1 0 1k foo=\nC1 n1 0 1p\n.tran 1n 10n\n.end\n"  # expression error: ngspice exits
GOOD = "* t\nR1 n1 0 1k\nC1 n1 0 1p\n.tran 1n 10n\n.end\n"


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS"))


def memory(runs: int) -> list[float]:
    """VmRSS after each of ``runs`` runs (10 periods, 2500 samples, 36 noise sources)."""
    program = sdk.compile(four_cell_ising(), OIM8)
    steps = 20
    low = lower(program, steps=steps, dt=0.1, schedules={"temperature": np.full(steps, 0.01), "shil": np.full(steps, 0.5)},
                init=np.array([0.1, 1.0, 2.5, -2.0]),
                options=CircuitOptions(steps_per_period=250, periods_per_time_unit=5))
    c = low.circuit
    noise = draw_noise(c, SeededNoise(1), 1)[:, 0]
    runner, out = PySpiceRunner(), []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(runs):
            simulate_spice(c, noise, np.arange(c.steps + 1), runner=runner, workdir=Path(tmp))
            out.append(rss_mb())
    return out


def errors() -> list[dict]:
    """Each netlist's outcome: the SpiceError's message and line, or the vectors it returned."""
    runner, out = PySpiceRunner(), []
    with tempfile.TemporaryDirectory() as tmp:
        for text in (SURVIVABLE, GOOD, FATAL, GOOD):
            try:
                out.append({"vectors": sorted(runner.run(Netlist(text, {}, (), ()), Path(tmp)))})
            except SpiceError as error:
                out.append({"message": error.message, "line": error.line})
    return out


if __name__ == "__main__":
    check = sys.argv[1]
    print(json.dumps(memory(int(sys.argv[2])) if check == "memory" else errors()))
