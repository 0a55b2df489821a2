"""MaxCut on an emulated oscillator Ising machine, through the Python API (what ``sonq demo`` does).

Reads the 100-node cim-optimizer instance ``mc50_n100_1.rudy`` (best known cut 1438), compiles it
for the 1024-cell OIM chip, anneals 64 replicas and prints the best cut, the success probability
against the best known cut with its Wilson interval, and TTS99 in chip time; writes a plot of the
energy traces.

    python examples/maxcut_demo.py [OUT_DIR]

``SONQ_EXAMPLE_QUICK=1`` runs the 20-node instance with 16 replicas instead.
"""

import os
import sys
from pathlib import Path

import sdk
from sdk.plots import plot_energy_traces

QUICK = os.environ.get("SONQ_EXAMPLE_QUICK") == "1"

# (file, best known cut); the 20-node optimum was checked by enumeration.
instance, best_known = ("mc50_n20_1", 62) if QUICK else ("mc50_n100_1", 1438)
out_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(".")

model = sdk.read_gset(sdk.datasets.instance_path(instance))
program = sdk.compile(model, "oim1024")
print(program.report)

# The OIM's default optimisation preset (docs/protocols.md): SHIL ramped up, noise ramped down.
result = sdk.run(program, num_reads=16 if QUICK else 64, seed=7, record_every=50)

target_energy = model.total_weight - 2 * best_known  # cut = (W − E)/2
p, (lo, hi) = sdk.success_probability(result, target_energy)
chip_time = result.info["chip_time"]
print(f"best cut {result.cut_values.max():g} of best known {best_known} (energy {result.best_energy:g})")
print(f"success {p:.3f} (95% Wilson {lo:.3f}–{hi:.3f}); {chip_time * 1e6:.3g} µs per anneal; "
      f"TTS99 {sdk.tts99(chip_time, p) * 1e6:.4g} µs; wall {result.info['wall_time']:.2f} s")
path = plot_energy_traces(result, out_dir / "maxcut_energy_traces.png", target=target_energy,
                          title=f"{instance} on oim1024")
print(f"plot: {path}")
