"""This machine: description, and a roofline estimate of the emulator loop's limit.

The limit of a node-step is ``max(flops / peak_flops, bytes / stream_bandwidth)``, with the
peak measured by a float64 matrix product (BLAS, all cores) and the bandwidth by a NumPy
add over arrays much larger than the caches.
"""

from __future__ import annotations

import os
import platform
import time
from dataclasses import dataclass

import numpy as np

LANES = 32  # replicas sharing one pass over the couplings in the C kernels


@dataclass(frozen=True)
class Machine:
    cpu: str
    cores: int
    peak_flops: float  # float64 flop/s, dgemm on all cores
    bandwidth: float  # bytes/s, streaming a + b → b


def _best_of(fn, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def measure() -> Machine:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    n = 2048
    A = np.random.default_rng(0).random((n, n))
    flops = 2 * n**3 / _best_of(lambda: A @ A)
    a, b = np.ones(1 << 25), np.ones(1 << 25)  # 256 MiB each
    bandwidth = 3 * a.nbytes / _best_of(lambda: np.add(a, b, out=b))
    return Machine(cpu, os.cpu_count() or 1, flops, bandwidth)


def loop_cost(cell: str, degree: float, replicas: int, heun: bool = True) -> tuple[float, float]:
    """(flops, bytes) of one node-step of the emulator loop.

    Per drift a node does 2 flops per coupling (per sum: ``oim`` keeps two, cos and sin), plus
    ~20 for the node terms and the update; the couplings (8-byte value + 4-byte index) are read
    once per lane block of up to 32 replicas; the node state and its work arrays (x, drift, noise,
    predictor, cos/sin) move ~10 × 8 bytes through memory per node-step.
    """
    drifts = 2 if heun else 1
    sums = 2 if cell == "oim" else 1
    flops = drifts * (2 * sums * degree + 20)
    lanes = min(replicas, LANES)
    bytes_ = drifts * 12 * degree / lanes + 80
    return flops, bytes_


def limit(machine: Machine, cell: str, degree: float, replicas: int) -> float:
    """Upper bound on node-steps per second for the loop on this machine."""
    flops, bytes_ = loop_cost(cell, degree, replicas)
    return 1 / max(flops / machine.peak_flops, bytes_ / machine.bandwidth)
