"""Replica exchange against the p-bit anneal on G42: TTS99 over seeded batches (docs/tempering.md).

    python -m benchmarks.tempering --batches 20 --low 0.45 --high 2.0
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

import sdk
from benchmarks import instances
from runtime.tempering import ReplicaExchange

TARGET = -4785  # G42 energy counted as success (the time-to-target table's target)


def measure(program, label: str, batches: int, **options) -> None:
    """Print the median wall time per batch, hits and TTS99 of ``batches`` seeded runs."""
    hits, walls, best = 0, [], 0.0
    for b in range(batches):
        start = time.perf_counter()
        res = sdk.run(program, "c", seed=100 + b, **options)
        walls.append(time.perf_counter() - start)
        e = float(res.energies.min())
        best, hits = min(best, e), hits + (e <= TARGET)
    p, t = hits / batches, float(np.median(walls))
    tts = t * math.log(0.01) / math.log(1 - p) if 0 < p < 1 else (t if p == 1 else math.inf)
    print(f"{label}: wall/batch {t:.3f} s, best {best:.0f}, hits {hits}/{batches}, TTS99 {tts:.3g} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--low", type=float, default=0.45, help="coldest temperature (model units)")
    parser.add_argument("--high", type=float, default=2.0, help="hottest temperature (model units)")
    args = parser.parse_args()
    model = instances.gset("G42")
    program = sdk.compile(model, instances.resized_device("pbit256", model.h.shape[0]))
    measure(program, "p-bit anneal", args.batches, num_reads=32, steps=1000)
    temperatures = tuple(np.geomspace(args.low, args.high, 8))
    measure(program, "replica exchange", args.batches, num_reads=4, steps=1000,
            replica_exchange=ReplicaExchange(temperatures, swap_every=10))


if __name__ == "__main__":
    main()
