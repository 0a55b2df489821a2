"""One command for every benchmark: ``python -m benchmarks.run [--no-peers] [--no-circuit] [--out BENCHMARKS.md]``.

Prints progress, then writes the report (commands, machine, versions, throughput table with the
machine-limit estimate, peer table).  Peers are taken from whatever is importable: install them
into the benchmark environment (``pip install dwave-samplers openjij simulated-bifurcation
cim-optimizer torch``), never into SONQ's runtime dependencies.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import platform
import sys
import time
from pathlib import Path

from benchmarks import bench_circuit, machine, peers, throughput

NOT_COMPARED = ("Not yet compared (adapters not written): Extropic `thrml` block Gibbs against the p-bit sampler, and Normal Computing `thermox` / `numpy.linalg` on a 1000×1000 SPD covariance/solve; both install in the benchmark environment.")
VERSIONED = ("numpy", "scipy", "numba", "cffi", "jax", "dwave-samplers", "openjij", "simulated-bifurcation",
             "torch", "cim-optimizer")


def _versions() -> str:
    out = [f"Python {platform.python_version()}"]
    for name in VERSIONED:
        try:
            out.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            out.append(f"{name} (not installed)")
    return ", ".join(out)


def _throughput_table(rows: list[throughput.Row]) -> list[str]:
    lines = ["| loop | replicas | backend | steps | node-steps/s | × NumPy | limit estimate | fraction |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        base = next((b.rate for b in rows if (b.case, b.replicas, b.backend) == (r.case, r.replicas, "numpy")), None)
        if r.note:
            lines.append(f"| {r.case} | {r.replicas} | {r.backend} | – | failed: {r.note} | | {r.limit:.3g} | |")
            continue
        ratio = f"{r.rate / base:.1f}" if base else "–"
        lines.append(f"| {r.case} | {r.replicas} | {r.backend} | {r.steps} | {r.rate:.3g} | {ratio} | "
                     f"{r.limit:.3g} | {r.rate / r.limit:.0%} |")
    return lines


def _peer_table(rows: list[dict]) -> list[str]:
    lines = ["| instance | solver | wall s (32 reads) | best energy | p(target) [95% CI] | TTS99 s | note |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        if "p" not in r:
            lines.append(f"| {r['instance']} | {r['solver']} | – | – | – | – | {r['note']} |")
            continue
        lo, hi = r["ci"]
        lines.append(f"| {r['instance']} | {r['solver']} | {r['seconds']:.2f} | {r['best']:.0f} | "
                     f"{r['p']:.2f} [{lo:.2f}, {hi:.2f}] | {r['tts99']:.3g} | {r['note']} |")
    return lines


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default="BENCHMARKS.md")
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--no-circuit", action="store_true", help="skip ngspice vs circuit emulator")
    args = ap.parse_args(argv)
    start = time.perf_counter()
    print("machine: measuring peak float64 flop/s (dgemm) and stream bandwidth ...")
    m = machine.measure()
    print(f"  {m.cpu}, {m.cores} cores, {m.peak_flops:.3g} flop/s, {m.bandwidth:.3g} B/s")
    print("throughput (node-steps/s):")
    rows = throughput.run(m)
    peer_rows = []
    if not args.no_peers:
        print(f"peers ({peers.READS} reads × {peers.SWEEPS} sweeps each):")
        peer_rows = peers.summarize(peers.run())
    circuit_rows = []
    if not args.no_circuit:
        print("circuit level (ngspice vs emulator):")
        circuit_rows = bench_circuit.table()
    wall = time.perf_counter() - start
    text = "\n".join([
        "# SONQ benchmarks",
        "",
        f"Produced by `{' '.join(['python -m benchmarks.run', *(argv if argv is not None else sys.argv[1:])])}` "
        f"in {wall / 60:.1f} min on {time.strftime('%Y-%m-%d %H:%M')}.",
        "",
        f"- Machine: {m.cpu}, {m.cores} cores ({platform.system()} {platform.machine()}); measured peak "
        f"{m.peak_flops / 1e9:.1f} Gflop/s (float64 dgemm, all cores), stream bandwidth {m.bandwidth / 1e9:.1f} GB/s.",
        f"- Versions: {_versions()}.",
        "- Other processes shared these cores during the run; rates are single measurements of ~1 s runs.",
        "",
        "## Emulator throughput",
        "",
        "Node-steps per second (steps × replicas × nodes / wall time of the simulation; Heun, float64",
        "except JAX on `toroidal_8k`, whose spec says float32).  Limit estimate: "
        "`1/max(flops/peak, bytes/bandwidth)` per node-step from `benchmarks/machine.py` (the stream",
        "bandwidth is DRAM's: loops whose couplings fit in cache can beat it).",
        "",
        *_throughput_table(rows),
        "",
        "## Against peers (time to target)",
        "",
        f"Same budget for everyone: {peers.READS} reads × {peers.SWEEPS} sweeps/steps, seeded instance, one run each.",
        "Target: best energy any solver found + 0.5% of its magnitude.  TTS99 counts whole batches of 32",
        "reads (`t_batch·ln 0.01/ln(1−P)`, P the chance that a batch holds a hit).  Energies recomputed",
        "from the returned spins with the model's own energy (dimod convention; MaxCut energies",
        "are `W − 2·cut`).",
        "",
        *(_peer_table(peer_rows) if peer_rows else ["(peers not run: `--no-peers`)"]),
        "",
        NOT_COMPARED,
        "",
        "## Circuit level: ngspice vs the circuit emulator",
        "",
        *(circuit_rows or ["(not run: `--no-circuit`)"]),
        "",
    ])
    Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
