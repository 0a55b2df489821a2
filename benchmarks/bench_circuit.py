"""ngspice vs the circuit emulator on the same oim circuits (king's-graph ±1 couplings).

Run alone: ``python -m benchmarks.bench_circuit [cells ...]``; ``python -m benchmarks.run`` includes it.
Prints a markdown table of wall times for one replica of ``time_units`` device time units at
``steps_per_period`` samples per period: ngspice with both runners, then every emulator engine that
runs here (``c`` when the C extension is built, ``numba``, ``numpy``).
"""

from __future__ import annotations

import sys
import time

import numpy as np

import sdk

OPTIONS = {"periods_per_time_unit": 5, "steps_per_period": 64}


def device(cells: int) -> sdk.DeviceSpec:
    side = int(np.ceil(np.sqrt(cells)))
    return sdk.DeviceSpec.from_dict(dict(
        name=f"oim{cells}", cell="oim", cells=side * side, topology={"kind": "kings", "rows": side, "cols": side},
        components=dict(inductance="10 nH", capacitance="1 pF", amplitude="0.5 V", loss_conductance="20 uS"),
        coupling=dict(g_max="100 uS", g_min="0.5 uS", dac_bits=6), noise_temperature="300 K"))


def program(cells: int):
    side = int(np.ceil(np.sqrt(cells)))
    rng = np.random.default_rng(cells)
    J = np.zeros((cells, cells))
    for i in range(cells):
        r, c = divmod(i, side)
        for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
            rr, cc = r + dr, c + dc
            j = rr * side + cc
            if 0 <= rr < side and 0 <= cc < side and j < cells:
                J[i, j] = rng.choice([-1.0, 1.0])
    return sdk.compile(sdk.IsingModel(np.zeros(cells), J), device(cells))


def timed(prog, backend: str, steps: int, repeats: int = 1, **options) -> float:
    """Best wall time of ``repeats`` runs (seconds)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        sdk.run(prog, backend=backend, num_reads=1, steps=steps, dt=0.1, seed=1, backend_options={**OPTIONS, **options})
        best = min(best, time.perf_counter() - start)
    return best


def engines() -> tuple[str, ...]:
    """The circuit emulator's engines that run here, default first (C only when its extension is built)."""
    from runtime.circuit.backend import ENGINES, default_engine

    return tuple(e for e in ENGINES if e != "c" or default_engine() == "c")   # ENGINES lists the default first


def table(sizes=(4, 16, 64, 256), time_units: float = 2.0) -> list[str]:
    """Markdown lines: a caption, then one row per circuit size."""
    steps = int(round(time_units / 0.1))
    emulators = engines()
    for engine in emulators:   # numba compile and libngspice start outside the timings
        timed(program(4), "circuit", 2, engine=engine)
    timed(program(4), "spice", 2, runner="pyspice")
    lines = [f"oim circuits on king's graphs, {time_units:g} time units = "
             f"{time_units * OPTIONS['periods_per_time_unit']:g} periods, {OPTIONS['steps_per_period']} "
             "samples/period, one replica, Johnson noise on every resistor (wall seconds; emulators: best of 3).", "",
             "| cells | ngspice subprocess (s) | ngspice in-process (s) | "
             + " | ".join(f"emulator {e} (s)" for e in emulators)
             + f" | speed-up ({emulators[0]} vs subprocess) |",
             "|---:|---:|---:|" + "---:|" * len(emulators) + "---:|"]
    for n in sizes:
        p = program(n)
        t_sp = timed(p, "spice", steps)
        t_ip = timed(p, "spice", steps, runner="pyspice")
        t_em = [timed(p, "circuit", steps, repeats=3, engine=e) for e in emulators]
        lines.append(f"| {n} | {t_sp:.2f} | {t_ip:.2f} | " + " | ".join(f"{t:.3f}" for t in t_em)
                     + f" | {t_sp / t_em[0]:.0f}× |")
        print(lines[-1], flush=True)
    return lines


if __name__ == "__main__":
    print("\n".join(table(tuple(int(a) for a in sys.argv[1:]) or (4, 16, 64, 256))))
