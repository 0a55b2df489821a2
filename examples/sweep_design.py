"""A design sweep from Python: success probability and TTS99 of an oscillator Ising machine on a
weighted MaxCut as DAC resolution and fabrication mismatch vary, into a resumable Zarr store.

Usage: ``python examples/sweep_design.py [OUTPUT_DIR]`` (``SONQ_EXAMPLE_QUICK=1``: short runs, one
point after another in this process; otherwise an embedded dask cluster of two workers).  Rerunning
resumes the store; a different sweep needs a new store.  TTS99 is chip time: seconds the modelled
chip would take, not the host's.
"""

import os
import sys
from pathlib import Path

import networkx as nx
import numpy as np

import sdk
from sdk.sweep import Instance, RunSettings, SweepSpec, sweep


def weighted_graph(n: int, seed: int) -> nx.Graph:
    """G(n, ½) with integer weights 1..15: a 2-bit DAC cannot hold them, an 8-bit one can."""
    graph = nx.gnp_random_graph(n, 0.5, seed=seed)
    weights = np.random.default_rng(seed).integers(1, 16, graph.number_of_edges())
    nx.set_edge_attributes(graph, {e: float(w) for e, w in zip(graph.edges, weights)}, "weight")
    return graph


def main(out: Path, quick: bool) -> None:
    model = sdk.maxcut(weighted_graph(16 if quick else 20, seed=3))
    spec = SweepSpec(
        device="oim1024",
        instances=[Instance("w20", model, target="exact")],     # the ground energy by enumeration
        seeds=range(2 if quick else 8),
        grid={"coupling.dac_bits": [2, 8], "mismatch": [0.0, 0.1]},
        run=RunSettings(backend="numpy" if quick else "auto", num_reads=16 if quick else 64,
                        steps=200 if quick else None),
    )
    ds = sweep(spec, out / "sweep_design.zarr", workers=0 if quick else 2)
    result = ds[["success_probability", "tts99"]].sel(instance="w20")
    for bits in ds["coupling.dac_bits"].values:
        for sigma in ds["mismatch"].values:
            point = result.sel({"coupling.dac_bits": bits, "mismatch": sigma})
            print(f"dac_bits {bits}  mismatch {sigma:.2f}:  success {float(point.success_probability.mean()):.3f}, "
                  f"median TTS99 {float(point.tts99.median()) * 1e6:.3g} µs of chip time")


if __name__ == "__main__":  # the embedded cluster's worker processes import this file
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "."), os.environ.get("SONQ_EXAMPLE_QUICK") == "1")
