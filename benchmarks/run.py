"""One command for every benchmark: ``python -m benchmarks.run [--no-peers] [--no-gaussian] [--no-circuit] [--out BENCHMARKS.md]``.

Prints progress, then writes the report (commands, machine, versions, throughput table with the
machine-limit estimate, peer table).  ``--gpu`` instead measures the emulator throughput only, JAX
on the accelerator (float32 and float64) beside the host CPU's backends, up to 1024 replicas, into
``BENCHMARKS_GPU.md``.  Peers are taken from whatever is importable: install them
into the benchmark environment (``pip install dwave-samplers openjij simulated-bifurcation
cim-optimizer torch thrml thermox``, or the ``bench`` extra), never into SONQ's runtime dependencies.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import math
import os
import platform
import sys
import time
from pathlib import Path

from benchmarks import bench_circuit, gaussian, machine, peers, throughput

VERSIONED = ("numpy", "scipy", "numba", "cffi", "jax", "dwave-samplers", "openjij", "simulated-bifurcation",
             "torch", "cim-optimizer", "thrml", "thermox")
PBIT_PAIR = ("SONQ p-bit", "thrml block Gibbs (JAX CPU)")


def _versions() -> str:
    out = [f"Python {platform.python_version()}"]
    for name in VERSIONED:
        try:
            out.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            out.append(f"{name} (not installed)")
    return ", ".join(out)


def _size(nbytes: int) -> str:
    return f"{nbytes >> 20} MiB" if nbytes >= 1 << 20 else f"{nbytes >> 10} KiB"


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


def _machine_line(m: machine.Machine, what: str) -> str:
    where = f"{m.cores} cores ({platform.system()} {platform.machine()})" if what == "cpu" else f"{m.cores} device(s)"
    product = "float64 dgemm, all cores" if what == "cpu" else "jitted matmul, full precision"
    latency = f"; a step of a jitted scan costs at least {m.step_latency * 1e6:.1f} µs" if m.step_latency else ""
    normals = f"; the C generator draws {m.normal_rate:.3g} normals/s" if math.isfinite(m.normal_rate) else ""
    return (f"- {what.upper()}: {m.name}, {where}; measured peak {m.peak_flops / 1e9:.1f} Gflop/s ({product}); "
            "streaming bandwidth by working set: "
            + ", ".join(f"{_size(size)} {bw / 1e9:.0f} GB/s" for size, bw in m.bandwidths) + latency + normals + ".")


THROUGHPUT_PROSE = [
    "Node-steps per second (steps × replicas × nodes / wall time of the simulation, host transfers included;",
    "Heun, float64 unless the label says otherwise; JAX with its defaults takes the device spec's precision,",
    "float32 on `toroidal_8k`).  Limit estimate: `1/max(flops/peak, bytes/bandwidth, normals/generator rate)`",
    "per node-step from `benchmarks/machine.py` on the machine the backend runs on: the bandwidth the best",
    "measured over working sets at least as large as the loop's (couplings, CSR or dense, read once per",
    "32-replica lane block in C and once per step for all replicas in JAX's batched product, plus the node",
    "arrays of the replicas in flight: 6 values per node-step for Langevin cells, 13 for the OIM's phases and",
    "their cos/sin, the traffic of a loop that fuses each drift into one pass), one normal per node-step at",
    "the rate the C generator fills an array on all cores (the CPU only), plus, on an accelerator, the cost",
    "of a step of an empty jitted scan.",
]


def gpu_report(argv) -> str:
    """Throughput of JAX on its default device (float32, float64) beside the host's backends."""
    start = time.perf_counter()
    print("machines: host CPU (float64), JAX device (float32, float64) ...")
    host, f32, f64 = machine.measure(), machine.measure_jax("float32"), machine.measure_jax("float64")
    for m in (host, f32, f64):
        print(f"  {m.name}: {m.peak_flops:.3g} flop/s, {m.bandwidth:.3g} B/s")
    every = 1 << 20  # JAX's batched product reads the couplings once for all replicas
    numpy, _, c, _ = throughput.cpu_backends(host)  # Numba's rows: BENCHMARKS.md
    backends = (numpy, c,
                throughput.Backend("jax f32", "jax", f32, (("precision", "float32"),), every, 4),
                throughput.Backend("jax f64", "jax", f64, (("precision", "float64"),), every, 8))
    print("throughput (node-steps/s):")
    rows = throughput.run(backends, (1, 64, 1024))
    return "\n".join([
        "# SONQ benchmarks: JAX on an accelerator",
        "",
        f"Produced by `{' '.join(['python -m benchmarks.run', *argv])}` in "
        f"{(time.perf_counter() - start) / 60:.1f} min on {time.strftime('%Y-%m-%d %H:%M')}, on a machine",
        "lent for the purpose (CI and `BENCHMARKS.md`'s machine have no accelerator).  The numpy and c rows ran",
        "on this machine's host CPU, the JAX rows on its accelerator (Numba's rows: `BENCHMARKS.md`).",
        "",
        _machine_line(host, "cpu"),
        _machine_line(f32, "accelerator"),
        _machine_line(f64, "accelerator"),
        f"- Versions: {_versions()}.",
        "",
        "## Emulator throughput",
        "",
        *THROUGHPUT_PROSE,
        "",
        *_throughput_table(rows),
        "",
    ])


def _gibbs_table(rows: list[dict]) -> list[str]:
    """SONQ's p-bit sampler and thrml on each instance: spin updates per second and energies."""
    lines = ["| instance | sampler | wall s | spin updates/s | × thrml | best energy | mean energy | note |",
             "|---|---|---|---|---|---|---|---|"]
    for name in dict.fromkeys(r["instance"] for r in rows):
        pair = {r["solver"]: r for r in rows if r["instance"] == name and r["solver"] in PBIT_PAIR
                and r["budget"] == peers.SWEEPS}
        rate = {k: peers.READS * peers.SWEEPS * r["nodes"] / r["seconds"] for k, r in pair.items() if "p" in r}
        for solver in PBIT_PAIR:
            r = pair.get(solver)
            if r is None:
                continue
            if "p" not in r:
                lines.append(f"| {name} | {solver} | – | – | – | – | – | {r['note']} |")
                continue
            ratio = f"{rate[solver] / rate[PBIT_PAIR[1]]:.1f}" if PBIT_PAIR[1] in rate else "–"
            lines.append(f"| {name} | {solver} | {r['seconds']:.2f} | {rate[solver]:.3g} | {ratio} | {r['best']:.0f} | "
                         f"{r['mean']:.0f} | {r['note']} |")
    return lines


def _distribution_table(rows: list[dict], exact_energy: float) -> list[str]:
    lines = ["| sampler | samples | wall s | TV distance to exact | mean energy (exact "
             f"{exact_energy:.3f}) | note |", "|---|---|---|---|---|---|"]
    for r in rows:
        if "tv" not in r:
            lines.append(f"| {r['sampler']} | – | – | – | – | {r['note']} |")
            continue
        secs = "–" if math.isnan(r["seconds"]) else f"{r['seconds']:.3g}"
        lines.append(f"| {r['sampler']} | {r['samples']} | {secs} | {r['tv']:.4f} | {r['energy']:.3f} | {r['note']} |")
    return lines


def _gaussian_section(rows: list[gaussian.Row]) -> list[str]:
    """Prose and the two tables (solve, inverse) of the Gaussian section."""
    g = gaussian
    lam = g.spectrum()
    per_sample = g.covariance_error(lam, math.inf, 1) ** 2  # E‖S − Σ‖²_F/‖Σ‖²_F × M, independent samples
    return [
        f"`A = Q diag(λ) Qᵀ`, Q a seeded random orthogonal matrix, λ log-spaced on [1, {g.KAPPA:g}] (κ = {g.KAPPA:g});",
        "`b = A x*` with `x* ~ N(0, I)`.  Both samplers draw from `N(A⁻¹b, T·A⁻¹)`, the stationary law of",
        "thermox's Ornstein–Uhlenbeck process `dx = −A(x − μ)dt + √(2T) dW` (T = ½ in `thermox.linalg.solve`,",
        f"1 in `thermox.linalg.inv`; SONQ at T = {g.TEMPERATURE:g}, model units).  Two targets: x = A⁻¹b from the",
        f"sample mean to `‖x̂ − x*‖/‖x*‖ ≤ {g.EPS:g}`, and A⁻¹ from the sample covariance (around the sample mean,",
        f"over T) to `‖Â⁻¹ − A⁻¹‖_F/‖A⁻¹‖_F ≤ {g.EPS_INV:g}`.  numpy.linalg is the exact baseline.",
        "",
        f"- SONQ: `GaussianModel(A, b)` on a {g.N}-cell all-to-all gauss device (gauss8's spec with `cells={g.N}`),",
        f"  ideal conductances, C backend, {g.REPLICAS} replicas from x = 0, {g.STEPS} steps of Heun at "
        "λ_max·dt ≈ 1, states",
        f"  recorded every {g.RECORD_EVERY} steps and pooled after {g.BURN_IN} steps of burn-in; one run serves "
        "both targets.  Wall",
        "  time to ε is the run's pro rata to the first record from which the running estimate stays within ε,",
        "  plus the time to form the estimate from the samples pooled up to there; chip time is the device time",
        "  of that many steps (time unit C/g_max = 1 ns; the gauss cell's voltages are read directly: no readout).",
        "- thermox: samples doubled from 250 until the error is ≤ ε; that call timed again warm (same key, no",
        "  JIT).  `associative_scan=False`: the associative scan took 18 s at 2000 samples here (sequential: 2 s).",
        "",
        f"### Solve, ε = {g.EPS:g}",
        "",
        "The mean of a linear SDE is exact at any stable step, so λ_max·dt ≈ 1 costs the solve no accuracy.",
        "",
        *g.table(rows, "solve"),
        "",
        f"### Inverse (covariance), ε = {g.EPS_INV:g}",
        "",
        "- Step: the stationary variance of Heun's recursion for a mode with z = λ·dt is exactly `T/λ · r(z)`,",
        "  `r = 2z(1 − z/2)²/(1 − a²)`, `a = 1 − z + z²/2` (`r = 1 − z²/4 + O(z³)`, r(1) = ⅔ at the stiffest "
        "mode).",
        "  But ‖Σ‖_F is carried by the slow modes (variance T/λ), not the stiff ones where the error is: at",
        f"  λ_max·dt = 1 the bias is {g.variance_bias(lam, 1 / lam[-1]):.2%} of ‖Σ‖_F (Euler–Maruyama: "
        f"{g.variance_bias(lam, 1 / lam[-1], 'euler'):.1%}), well below ε (the SONQ row's",
        "  note gives it for the programmed system).",
        f"- Samples: `E‖S − Σ‖²_F ≈ ((tr Σ)² + ‖Σ‖²_F)/M` for M independent samples, ≈ {per_sample:.0f}‖Σ‖²_F/M "
        f"here (M ≈ {round(per_sample / g.EPS_INV ** 2, -2):.0f}",
        f"  for ε = {g.EPS_INV:g}, {round(per_sample / 0.01, -2):.0f} for 10%).  SONQ's records, ≈ ¼ of the slow "
        "modes' correlation time 1/λ_min",
        "  apart, are correlated: denser records cost memory, not steps.  The SONQ row's note gives the error",
        "  `gaussian.covariance_error` predicts for its run.  thermox's samples are dt = 1 = 1/λ_min apart.",
        "",
        *g.table(rows, "inverse"),
    ]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default="BENCHMARKS.md")
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--no-gaussian", action="store_true", help="skip the 1000×1000 SPD solve and inverse")
    ap.add_argument("--no-circuit", action="store_true", help="skip ngspice vs circuit emulator")
    ap.add_argument("--gpu", action="store_true", help="JAX on the accelerator beside the host's backends "
                    "(throughput only; default --out BENCHMARKS_GPU.md)")
    args = ap.parse_args(argv)
    argv = list(sys.argv[1:] if argv is None else argv)
    if args.gpu:
        text = gpu_report(argv)
        Path(args.out if "--out" in argv else "BENCHMARKS_GPU.md").write_text(text)
        print(text)
        return
    start = time.perf_counter()
    load = os.getloadavg()[0]
    print("machine: measuring peak float64 flop/s (dgemm) and stream bandwidth ...")
    m = machine.measure()
    print(f"  {m.name}, {m.cores} cores, {m.peak_flops:.3g} flop/s, {m.bandwidth:.3g} B/s")
    print("throughput (node-steps/s):")
    rows = throughput.run(throughput.cpu_backends(m))
    peer_rows = []
    if not args.no_peers:
        print(f"peers ({peers.REPEATS} × {peers.READS} reads at budgets {peers.BUDGETS}):")
        peer_rows = peers.summarize(peers.run())
        print(f"distribution agreement ({peers.DIST_SHAPE[0]}×{peers.DIST_SHAPE[1]} king's graph, T = {peers.DIST_T}):")
        dist_rows, exact_energy = peers.distribution()
    gauss_rows = []
    if not args.no_gaussian:
        print(f"Gaussian solve and inverse ({gaussian.N}×{gaussian.N} SPD, κ = {gaussian.KAPPA:g}, "
              f"ε = {gaussian.EPS:g} / {gaussian.EPS_INV:g}):")
        gauss_rows = gaussian.run()
    circuit_rows = []
    if not args.no_circuit:
        print("circuit level (ngspice vs emulator):")
        circuit_rows = bench_circuit.table()
    wall = time.perf_counter() - start
    text = "\n".join([
        "# SONQ benchmarks",
        "",
        f"Produced by `{' '.join(['python -m benchmarks.run', *argv])}` "
        f"in {wall / 60:.1f} min on {time.strftime('%Y-%m-%d %H:%M')}.",
        "",
        _machine_line(m, "cpu"),
        f"- Versions: {_versions()}.",
        f"- Load average when the run started: {load:.2f} on {m.cores} cores; rates are single measurements of ~1 s runs.",
        "- Peers are optional: `pip install -e '.[bench]'` (a separate environment is wise: they pin their own jax).",
        "",
        "## Emulator throughput",
        "",
        *THROUGHPUT_PROSE,
        "",
        *_throughput_table(rows),
        "",
        "## Against peers (time to target)",
        "",
        f"Every solver runs the budgets {', '.join(map(str, peers.BUDGETS))} (sweeps or steps per read), "
        f"{peers.REPEATS} seeded batches of {peers.READS} reads at each,",
        "pooled; a solver's ladder stops once a batch succeeds with probability ≥ 0.99 or when the next budget",
        f"would take over {peers.LADDER_CAP_S:.0f} s.  Target: the best energy any solver found at any budget + "
        f"{peers.TARGET_GAP:.1%} of its magnitude.",
        "TTS99 counts whole batches (`t_batch·ln 0.01/ln(1−P)`, P the chance that a batch holds a hit), its range",
        "from the Wilson interval of p; the table shows each solver's best budget, fastest first, and whether",
        "its range overlaps the fastest solver's.  Energies recomputed from the returned spins with the model's",
        "own energy (dimod convention; MaxCut energies are `W − 2·cut`).  SONQ's cells run their default",
        "optimisation presets with only `steps` given (`docs/protocols.md`); compile time is not counted for",
        "anyone.  Instances: SK ±1 N = 1024 (seed 1), Gset G1, G2, G42, a random 3-regular MaxCut N = 2000",
        "(networkx seed 3) and a ±1 spin glass on an Erdős–Rényi graph N = 800 of mean degree 6 (seed 4).",
        "",
        *(peers.table(peer_rows) if peer_rows else ["(peers not run: `--no-peers`)"]),
        "",
        "thrml runs the p-bit sampler's algorithm (block Gibbs, one block per colour) with the same colouring",
        "(SONQ's compiler's greedy one: thrml needs a proper colouring supplied by hand) and the same per-sweep",
        "geometric anneal (`sdk.pbit_anneal`: β from ln 2/ΔE_max to ln 100/ΔE_min, dwave-samplers' range), float32 through JAX on the CPU; its build and",
        f"JIT-compile times are in the note, not in the wall time.  It runs in a subprocess stopped after {peers.THRML_BUDGET_S} s,",
        "because on dense SK every spin needs its own colour, and 1024 one-spin blocks did not compile in 150 s",
        "in a separate try (nor in 600 s while planning).",
        "",
        "## Sampling: SONQ's p-bit sampler vs thrml block Gibbs",
        "",
        f"Rows of the {peers.SWEEPS}-sweep budget.  Spin updates/s = {peers.READS} chains × {peers.SWEEPS} sweeps × N / wall s.",
        "",
        *(_gibbs_table(peer_rows) if peer_rows else ["(peers not run: `--no-peers`)"]),
        "",
        f"Distribution agreement on a model small enough to enumerate: a ±1 spin glass on a "
        f"{peers.DIST_SHAPE[0]}×{peers.DIST_SHAPE[1]} king's graph",
        f"({peers.DIST_SHAPE[0] * peers.DIST_SHAPE[1]} spins, `instances.kings`), fixed T = {peers.DIST_T:g} "
        f"(model units), {peers.DIST_CHAINS} chains from random spins, {peers.DIST_WARMUP} sweeps of warm-up, "
        f"then {peers.DIST_SAMPLES} states",
        f"{peers.DIST_THIN} sweeps apart per chain; total-variation distance of the empirical distribution to "
        "`exact_boltzmann`.",
        "",
        *(_distribution_table(dist_rows, exact_energy) if peer_rows else ["(peers not run: `--no-peers`)"]),
        "",
        "## Gaussian: solving and inverting a 1000×1000 SPD system by sampling",
        "",
        *(_gaussian_section(gauss_rows) if gauss_rows else ["(not run: `--no-gaussian`)"]),
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
