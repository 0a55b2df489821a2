"""One MaxCut instance on every optimising cell SONQ emulates, each at its default preset.

Compiles the 100-node ``random_n100`` instance (best known cut 345) for the oscillator Ising
machine, the p-bit chip, the Kerr-parametric-oscillator (simulated bifurcation) chip and the
coherent Ising machine, runs ``sdk.run(program, num_reads=32, seed=0)`` on each with nothing tuned,
and prints the best cut, how many reads reached the best known cut, the steps, the step rule, and
the chip time and wall time of the run.

    python examples/cells_maxcut.py

``SONQ_EXAMPLE_QUICK=1`` runs the 20-node instance (optimum 62) with 8 reads instead.
"""

import os

import sdk

QUICK = os.environ.get("SONQ_EXAMPLE_QUICK") == "1"
instance, best_known = ("mc50_n20_1", 62) if QUICK else ("random_n100", 345)
CHIPS = {"oim": "oim1024", "pbit": "pbit256", "kpo": "kpo1024", "cim": "cim1024"}

model = sdk.read_gset(sdk.datasets.instance_path(instance))
print(f"{instance}: best known cut {best_known}")
for cell, chip in CHIPS.items():
    program = sdk.compile(model, chip)
    result = sdk.run(program, num_reads=8 if QUICK else 32, seed=0)
    info = result.info
    hits = int((result.cut_values >= best_known).sum())
    print(f"{cell:5s} best cut {result.cut_values.max():5g}  reads at {best_known}: {hits:2d}/{len(result)}  "
          f"{info['steps']} steps ({info['integrator']}), chip {info['chip_time'] * 1e6:.3g} µs, "
          f"wall {info['wall_time']:.2f} s")
