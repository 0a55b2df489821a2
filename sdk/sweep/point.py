"""One sweep point on a worker: compile the instance onto the device variant, run it, measure.

:func:`compute_point` is the only function a worker runs.  It is deterministic in everything but
``wall_time``: the seed fixes the chip instance and the run, the backend is named (never
``"auto"``) and the threads it may use are fixed by the task.
"""

from __future__ import annotations

import contextlib
import math
import time
from dataclasses import dataclass

from compiler.compile import compile
from compiler.models.base import AbstractEnergyModel
from device_models.spec import DeviceSpec
from runtime.run import run
from sdk.analysis import success_probability, tts99
from sdk.sweep.errors import import_extra
from sdk.sweep.spec import RunSettings

#: the variables every point records: name → (unit, meaning)
VARIABLES = {
    "best_energy": ("model energy", "lowest energy among the point's reads"),
    "success_probability": ("1", "fraction of reads at energy ≤ the instance's target (its best when it has none)"),
    "tts99": ("s", "time to solution at 99 % confidence, in chip time (inf when no read succeeded)"),
    "chip_time": ("s", "chip time of one run (annealing plus readout): the modelled device's seconds"),
    "chip_energy": ("J", "chip energy of one run, from the run info; NaN when the cell's model gives none"),
    "wall_time": ("s", "host seconds the worker spent compiling and running the point (not reproducible)"),
}


@dataclass(frozen=True)
class PointTask:
    """Everything one point needs; a worker receives it pickled.

    Attributes:
        flat: the point's index, row-major over the sweep's dimensions.
        device: the validated device variant.
        model: the instance's model.
        target: energy counted as success (model units), or None for the point's own best.
        seed: the chip instance (``mismatch_seed``) and the run's seed.
        run: run settings with the backend pinned.
        quantize: compile onto the DAC grid.
        threads: threads the point may use.
    """

    flat: int
    device: DeviceSpec
    model: AbstractEnergyModel
    target: float | None
    seed: int
    run: RunSettings
    quantize: bool
    threads: int


def compute_point(task: PointTask) -> tuple[int, dict[str, float]]:
    """``(task.flat, {variable: value})`` for :data:`VARIABLES`."""
    start = time.perf_counter()
    with pinned_threads(task.threads):
        program = compile(task.model, task.device, quantize=task.quantize, mismatch_seed=task.seed)
        result = run(program, **task.run.kwargs(), seed=task.seed)
    wall = time.perf_counter() - start
    best = float(result.best_energy)
    p, _ = success_probability(result, best if task.target is None else task.target)
    chip_time = float(result.info["chip_time"])
    values = {"best_energy": best, "success_probability": p, "tts99": tts99(chip_time, p), "chip_time": chip_time,
              "chip_energy": float(result.info.get("chip_energy", math.nan)), "wall_time": wall}
    return task.flat, values


@contextlib.contextmanager
def pinned_threads(threads: int):
    """Limit BLAS and OpenMP pools (``threadpoolctl``) to ``threads`` while a point runs; the
    backend's own team is pinned through its ``threads`` option by the sweep."""
    with import_extra("threadpoolctl").threadpool_limits(limits=threads):
        yield
