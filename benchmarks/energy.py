"""Energy per read and energy to solution (ETS99) of every optimising SONQ cell on SK N = 1024, G1
and G42 (``docs/energy.md``), as a markdown table: ``python -m benchmarks.energy``.

Each cell runs its default optimisation preset on its shipped all-to-all chip resized to the
instance (as ``benchmarks.peers`` does), ``sdk.run(program, "c", num_reads=READS, steps=budget,
seed=SEED, record_every=budget // 10)``; the states recorded every tenth of the run feed the power
model (``runtime.energy``).  Target: the best energy any cell found on the instance in this run plus
0.5% of its magnitude.  TTS99 and ETS99 are per read, in chip time and chip energy:
``X·ln 0.01/ln(1 − p)``.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

import sdk
from benchmarks import instances
from sdk.analysis import ets99, success_probability, tts99

CHIPS = {"OIM": "oim1024", "p-bit": "pbit256", "KPO": "kpo1024", "CIM": "cim1024"}
READS = 32
SEED = 1
BUDGET = 1000
TARGET_SLACK = 0.005  # target = best energy found + 0.5% of its magnitude

SCALING_SIZES = (64, 256, 1024)
SCALING_DENSITIES = (0.05, 0.25, 1.0)
SCALING_STEPS = 200  # a short run: the power's dependence on N and density, not a solution

INSTANCES = {"SK N=1024 ±1": lambda: instances.sk(1024, 1), "G1": lambda: instances.gset("G1"),
             "G42": lambda: instances.gset("G42")}


def run_cell(model, chip: str, budget: int) -> tuple[sdk.Program, sdk.SampleSet]:
    spec = sdk.load_device(chip)
    program = sdk.compile(model, instances.resized_device(chip, max(spec.cells, model.h.shape[0])))
    result = sdk.run(program, "c", num_reads=READS, steps=budget, seed=SEED, record_every=max(1, budget // 10))
    return program, result


def components(program: sdk.Program) -> str:
    """The component values and full-scale conductance the power model used."""
    items = [f"{k} {v:.3g}" for k, v in program.device.components.items()]
    return ", ".join(items + [f"g_max {program.device.coupling.g_max:.3g} S"])


def table(budget: int) -> tuple[str, list[str]]:
    rows = ["| instance | cell | steps | chip time per read | energy per read | mean power | p(target) [95% CI] "
            "| TTS99 | ETS99 |", "|---|---|---|---|---|---|---|---|---|"]
    used = {}
    for name, make in INSTANCES.items():
        model = make()
        runs = {cell: run_cell(model, chip, budget) for cell, chip in CHIPS.items()}
        best = min(r.best_energy for _, r in runs.values())
        target = best + TARGET_SLACK * abs(best)
        for cell, (program, result) in runs.items():
            info = result.info
            p, (lo, hi) = success_probability(result, target)
            t, e = tts99(info["chip_time"], p), ets99(info["chip_energy"], p)
            rows.append(f"| {name} | {cell} | {budget} | {_si(info['chip_time'], 's')} | {_si(info['chip_energy'], 'J')} "
                        f"| {_si(info['chip_power'], 'W')} | {p:.2f} [{lo:.2f}, {hi:.2f}] | {_si(t, 's')} | {_si(e, 'J')} |")
            used[cell] = f"{cell} ({program.device.name.split('-')[0]}): {components(program)}"
    return "\n".join(rows), list(used.values())


def scaling() -> str:
    """Mean power and energy per read of each cell on ±1 spin glasses of N cells and coupling
    density d (Erdős–Rényi, seed 7), at its default preset over SCALING_STEPS steps."""
    rows = ["| cell | N | density | couplings | mean power | per cell | energy per read (200 steps) |",
            "|---|---|---|---|---|---|---|"]
    for cell, chip in CHIPS.items():
        for n in SCALING_SIZES:
            for density in SCALING_DENSITIES:
                rng = np.random.default_rng(7)
                J = np.triu(rng.choice([-1.0, 1.0], (n, n)) * (rng.random((n, n)) < density), 1)
                model = sdk.IsingModel(np.zeros(n), J + J.T)
                program, result = run_cell(model, chip, SCALING_STEPS)
                info = result.info
                rows.append(f"| {cell} | {n} | {density:g} | {int((J != 0).sum())} | {_si(info['chip_power'], 'W')} "
                            f"| {_si(info['chip_power'] / n, 'W')} | {_si(info['chip_energy'], 'J')} |")
    return "\n".join(rows)


def _si(value: float, unit: str) -> str:
    if not math.isfinite(value):
        return "∞"
    if value == 0:
        return f"0 {unit}"
    exponent = min(max(int(math.floor(math.log10(abs(value)) / 3)), -7), 3)
    prefix = {-7: "z", -6: "a", -5: "f", -4: "p", -3: "n", -2: "µ", -1: "m", 0: "", 1: "k", 2: "M", 3: "G"}[exponent]
    return f"{value / 10 ** (3 * exponent):.3g} {prefix}{unit}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=BUDGET, help=f"steps (sweeps) per read (default {BUDGET})")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    text, used = table(args.budget)
    grown = scaling()
    print(f"Produced by `python -m benchmarks.energy --budget {args.budget}` in {time.perf_counter() - start:.0f} s; "
          f"{READS} reads (seed {SEED}) per cell and instance, the c backend, each cell's default optimisation "
          f"preset.  Target: the best energy any cell found on the instance here + {TARGET_SLACK:.1%} of its "
          "magnitude.  ETS99 = E_read·ln 0.01/ln(1 − p), TTS99 likewise with the chip time.\n")
    print(text)
    print("\nComponent values (the shipped chips resized to the instance):\n")
    print("\n".join(f"- {line}" for line in used))
    print(f"\nScaling with the chip ({SCALING_STEPS} steps, {READS} reads, seed {SEED}; ±1 spin glasses, "
          "Erdős–Rényi of the given density, seed 7):\n")
    print(grown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
