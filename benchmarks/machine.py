"""The machine: description, and a roofline estimate of the emulator loop's limit.

The limit of a node-step is ``max(flops / peak_flops, bytes / bandwidth, normals / normal_rate)``:
the peak measured by a matrix product (all cores, or the accelerator), the bandwidth by adds
streamed on every core at once (or on the accelerator) over a working set the size of the loop's
(couplings plus the node arrays of the replicas in flight), so a loop that lives in a cache is
held to that cache's bandwidth and one that spills to DRAM to DRAM's, and the normal rate by the C
kernels' counter-based generator filling an array on every core (no ceiling where it is not
measured).  :func:`measure` reads the host CPU in float64 (NumPy, the C generator);
:func:`measure_jax` reads JAX's default device (a GPU when present) in float32 or float64.
"""

from __future__ import annotations

import math
import os
import platform
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

LANES = 32  # replicas sharing one pass over the couplings in the C kernels
# Node-array values read or written per node-step by a loop that fuses each drift's work into one
# pass (csrc/sonq_kernels.c): Heun's predictor reads x (and its cos/sin) and writes the predictor
# and the partial update (and the predictor's cos/sin), its corrector reads those and writes x (and
# its cos/sin); Euler reads x and writes the next x (cos/sin likewise).
NODE_WORDS = {("gauss", True): 6, ("gauss", False): 2, ("oim", True): 13, ("oim", False): 6}
SIZES = tuple(1 << s for s in range(18, 30, 2))  # working sets measured: 256 KiB … 256 MiB


@dataclass(frozen=True)
class Machine:
    name: str  # CPU model, or the accelerator's kind
    cores: int  # CPU cores, or accelerators
    peak_flops: float  # flop/s of a matrix product in this machine's precision (all cores)
    bandwidths: tuple[tuple[int, float], ...]  # (working-set bytes, streaming bytes/s, all cores), ascending
    step_latency: float = 0.0  # seconds per step of the smallest possible loop (an accelerator's launches)
    normal_rate: float = math.inf  # standard normals/s of the C generator on all cores (inf: not measured)

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
    return Machine(cpu, cores, flops, _bandwidths(lambda size: _stream(size, cores)), normal_rate=_normal_rate(cores))


def _normal_rate(cores: int) -> float:
    """Standard normals per second of the C kernels' generator on ``cores`` threads, filling an
    L2-sized array per call (inf when the extension is not built)."""
    from runtime.backends import c_backend

    if c_backend.CBackend.unavailable_reason():
        return math.inf
    out, calls = np.empty((1 << 15) * cores), 200
    c_backend.generator_normals(1, out.size, threads=cores, out=out)
    seconds = _best_of(lambda: [c_backend.generator_normals(1, out.size, step=k, threads=cores, out=out)
                                for k in range(calls)])
    return out.size * calls / seconds


def _bandwidths(stream) -> tuple[tuple[int, float], ...]:
    return tuple((size, stream(size)) for size in SIZES)


def measure_jax(dtype: str = "float32") -> Machine:
    """JAX's default device (a GPU when present) in ``dtype``: peak flop/s of an 8192² matrix
    product at full precision (no TF32 rounding, as the JAX backend asks), and the bandwidth of
    a jitted ``b ← a + b`` by working set."""
    import jax
    import jax.numpy as jnp

    with jax.enable_x64(dtype == "float64"):
        device = jax.devices()[0]
        n = 8192
        A = jnp.ones((n, n), dtype)
        product = jax.jit(lambda a: jnp.matmul(a, a, precision=jax.lax.Precision.HIGHEST))
        product(A).block_until_ready()
        flops = 2 * n**3 / _best_of(lambda: product(A).block_until_ready(), repeats=5)
        add = jax.jit(lambda a, b: a + b)

        def stream(nbytes: int) -> float:
            a = b = jnp.ones(max(nbytes // (2 * A.dtype.itemsize), 1024), dtype)
            repeats = max(1, int(3e9 // (3 * a.nbytes)))

            def work():
                c = b
                for _ in range(repeats):
                    c = add(a, c)
                c.block_until_ready()

            work()
            return 3 * a.nbytes * repeats / _best_of(work, repeats=5)

        return Machine(f"{device.device_kind} ({device.platform}, {dtype})", len(jax.devices()), flops,
                       _bandwidths(stream), _scan_step_latency(dtype))


def _scan_step_latency(dtype: str, steps: int = 10_000) -> float:
    """Seconds per iteration of a jitted ``lax.scan`` that does almost nothing (one add on 64
    values): the floor under any step of the JAX backend on this device."""
    import jax
    import jax.numpy as jnp

    loop = jax.jit(lambda x: jax.lax.scan(lambda c, _: (c + 1, None), x, None, length=steps)[0])
    x = jnp.zeros(64, dtype)
    loop(x).block_until_ready()
    return _best_of(lambda: loop(x).block_until_ready(), repeats=5) / steps


def coupling_bytes(nodes: int, degree: float, word: int = 8) -> float:
    """Bytes of the coupling matrix in its smaller form: CSR (a value of ``word`` bytes + 4-byte
    index per nonzero) or dense (``word`` bytes per entry, as the C kernels pack all-to-all
    matrices)."""
    return min((word + 4) * degree * nodes, float(word) * nodes * nodes)


def loop_cost(cell: str, nodes: int, degree: float, replicas: int, heun: bool = True, lanes: int = LANES,
              word: int = 8) -> tuple[float, float, float]:
    """(flops, bytes, normals) of one node-step of the emulator loop with values of ``word`` bytes.

    Per drift a node does 2 flops per coupling (per sum: ``oim`` keeps two, cos and sin), plus
    ~20 for the node terms and the update; the couplings (:func:`coupling_bytes`) are read once
    per block of up to ``lanes`` replicas (the C kernels' lane blocks; JAX's batched product
    serves every replica at once); the node arrays move NODE_WORDS values per node-step; one
    normal is drawn per node-step.
    """
    drifts = 2 if heun else 1
    sums = 2 if cell == "oim" else 1
    flops = drifts * (2 * sums * degree + 20)
    bytes_ = (drifts * coupling_bytes(nodes, degree, word) / nodes / min(replicas, lanes)
              + NODE_WORDS[cell, heun] * word)
    return flops, bytes_, 1.0


def working_set(cell: str, nodes: int, degree: float, replicas: int, lanes: int = LANES, word: int = 8) -> float:
    """Bytes the loop touches every step: the couplings plus the node arrays of the replicas in
    flight (two lane blocks at most)."""
    return coupling_bytes(nodes, degree, word) + NODE_WORDS[cell, True] * word * nodes * min(replicas, 2 * lanes)


def limit(machine: Machine, cell: str, nodes: int, degree: float, replicas: int, lanes: int = LANES,
          word: int = 8) -> float:
    """Upper bound on node-steps per second for the Heun loop on this machine (see
    :func:`loop_cost`), each step costing at least the machine's ``step_latency``."""
    flops, bytes_, normals = loop_cost(cell, nodes, degree, replicas, lanes=lanes, word=word)
    bandwidth = machine.bandwidth_for(working_set(cell, nodes, degree, replicas, lanes, word))
    per_node_step = max(flops / machine.peak_flops, bytes_ / bandwidth, normals / machine.normal_rate)
    per_step = nodes * replicas
    return per_step / (machine.step_latency + per_step * per_node_step)
