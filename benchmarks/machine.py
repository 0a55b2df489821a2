"""This machine: description, and a roofline estimate of the emulator loop's limit.

The limit of a node-step is ``max(flops / peak_flops, bytes / bandwidth)``, with the peak
measured by a float64 matrix product (BLAS, all cores) and the bandwidth by NumPy adds streamed
on every core at once over a working set the size of the loop's (couplings plus the node arrays
of the replicas in flight), so a loop that lives in a cache is held to that cache's bandwidth and
one that spills to DRAM to DRAM's.
"""

from __future__ import annotations

import os
import platform
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

LANES = 32  # replicas sharing one pass over the couplings in the C kernels
NODE_BYTES = 80  # node state and work arrays (x, drift, noise, predictor, cos/sin) per node-step
SIZES = tuple(1 << s for s in range(18, 30, 2))  # working sets measured: 256 KiB … 256 MiB


@dataclass(frozen=True)
class Machine:
    cpu: str
    cores: int
    peak_flops: float  # float64 flop/s, dgemm on all cores
    bandwidths: tuple[tuple[int, float], ...]  # (working-set bytes, streaming bytes/s, all cores), ascending

    @property
    def bandwidth(self) -> float:
        """DRAM streaming bandwidth (the largest working set), bytes/s."""
        return self.bandwidths[-1][1]

    def bandwidth_for(self, nbytes: float) -> float:
        """Streaming bandwidth (bytes/s) over a working set of ``nbytes``: the best measured over
        any set at least as large (a loop fits in whatever cache a larger one fits in, so a lower
        reading at a smaller size is measurement noise, and the bound must stay an upper one)."""
        return max((bw for size, bw in self.bandwidths if size >= nbytes), default=self.bandwidth)


def _best_of(fn, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def _stream(nbytes: int, threads: int) -> float:
    """Bytes/s of ``b ← a + b`` on ``threads`` threads at once (NumPy releases the GIL), each over
    its own pair of arrays, ``nbytes`` in all, repeated to ~0.1 s."""
    n = max(nbytes // (16 * threads), 1024)
    pairs = [(np.ones(n), np.ones(n)) for _ in range(threads)]
    repeats = max(1, int(3e8 // (24 * n)))

    def work(pair):
        a, b = pair
        for _ in range(repeats):
            np.add(a, b, out=b)

    with ThreadPoolExecutor(threads) as pool:
        seconds = _best_of(lambda: list(pool.map(work, pairs)), repeats=5)
    return 24 * n * threads * repeats / seconds


def measure() -> Machine:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    cores = os.cpu_count() or 1
    n = 2048
    A = np.random.default_rng(0).random((n, n))
    flops = 2 * n**3 / _best_of(lambda: A @ A)
    return Machine(cpu, cores, flops, tuple((size, _stream(size, cores)) for size in SIZES))


def coupling_bytes(nodes: int, degree: float) -> float:
    """Bytes of the coupling matrix in its smaller form: CSR (8-byte value + 4-byte index per
    nonzero) or dense (8 bytes per entry, as the C kernels pack all-to-all matrices)."""
    return min(12 * degree * nodes, 8.0 * nodes * nodes)


def loop_cost(cell: str, nodes: int, degree: float, replicas: int, heun: bool = True) -> tuple[float, float]:
    """(flops, bytes) of one node-step of the emulator loop.

    Per drift a node does 2 flops per coupling (per sum: ``oim`` keeps two, cos and sin), plus
    ~20 for the node terms and the update; the couplings (:func:`coupling_bytes`) are read once
    per lane block of up to 32 replicas; the node state and its work arrays move NODE_BYTES per
    node-step.  The random numbers are not counted (the bound stays an upper one).
    """
    drifts = 2 if heun else 1
    sums = 2 if cell == "oim" else 1
    flops = drifts * (2 * sums * degree + 20)
    lanes = min(replicas, LANES)
    bytes_ = drifts * coupling_bytes(nodes, degree) / nodes / lanes + NODE_BYTES
    return flops, bytes_


def working_set(nodes: int, degree: float, replicas: int) -> float:
    """Bytes the loop touches every step: the couplings plus the node arrays of the replicas in
    flight (one lane block per core at most)."""
    return coupling_bytes(nodes, degree) + NODE_BYTES * nodes * min(replicas, 2 * LANES)


def limit(machine: Machine, cell: str, nodes: int, degree: float, replicas: int) -> float:
    """Upper bound on node-steps per second for the loop on this machine."""
    flops, bytes_ = loop_cost(cell, nodes, degree, replicas)
    bandwidth = machine.bandwidth_for(working_set(nodes, degree, replicas))
    return 1 / max(flops / machine.peak_flops, bytes_ / bandwidth)
