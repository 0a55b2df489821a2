"""Node-steps per second of every emulator backend on the three reference loops."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

import sdk
from benchmarks import instances
from benchmarks.machine import LANES, Machine, limit

REPLICAS = (1, 64)
TARGET_SECONDS = 1.0  # wall time of each measured run


@dataclass(frozen=True)
class Backend:
    """A backend as measured: its label in the table, registry name and constructor options, the
    machine it runs on, and how its loop reads the couplings (replicas per pass, bytes per value)
    for the limit estimate."""

    label: str
    name: str
    machine: Machine
    options: tuple[tuple[str, object], ...] = ()
    lanes: int = LANES
    word: int = 8


def cpu_backends(machine: Machine) -> tuple[Backend, ...]:
    """Every emulator backend with its defaults on the host CPU (JAX: the device spec's precision)."""
    return tuple(Backend(name, name, machine) for name in ("numpy", "numba", "c", "jax"))


@dataclass(frozen=True)
class Case:
    name: str
    device: str
    build: object  # () -> model

    def program(self) -> sdk.Program:
        return sdk.compile(self.build(), self.device)


CASES = (
    Case("SK N=1024 (oim1024)", "oim1024", instances.sk),
    Case("king's graph 64 (oim64-kings)", "oim64-kings", instances.kings),
    Case("toroidal_8k (gauss, 8192 cells)", "toroidal_8k", instances.torus_langevin),
)


@dataclass(frozen=True)
class Row:
    case: str
    backend: str
    replicas: int
    steps: int
    seconds: float
    rate: float  # node-steps/s
    limit: float  # node-steps/s, machine estimate
    note: str = ""


def _timed(program: sdk.Program, backend: Backend, replicas: int, steps: int) -> float:
    res = sdk.run(program, backend.name, num_reads=replicas, steps=steps, seed=0, temperature=0.1,
                  backend_options=dict(backend.options))
    return res.info["wall_time"]


def measure(program: sdk.Program, backend: Backend, replicas: int) -> tuple[int, float]:
    """(steps, seconds) of a run sized to take about TARGET_SECONDS, after a warm-up (JIT)."""
    avail = sdk.available_backends()[backend.name]
    if avail:
        raise RuntimeError(avail)
    steps, seconds = 2, 0.0
    while True:
        _timed(program, backend, replicas, steps)  # warm-up: JIT, and JAX traces each run length
        seconds = _timed(program, backend, replicas, steps)
        if seconds > 0.2 * TARGET_SECONDS:
            break
        steps *= 4
    final = max(steps, int(steps * TARGET_SECONDS / seconds))
    if final != steps:
        _timed(program, backend, replicas, final)
        seconds = _timed(program, backend, replicas, final)
    return final, seconds


def run(backends: tuple[Backend, ...], replicas_list=REPLICAS, log=print) -> list[Row]:
    rows = []
    for case in CASES:
        program = case.program()
        degree = program.couplings.nnz / program.num_nodes
        for replicas in replicas_list:
            for backend in backends:
                bound = limit(backend.machine, program.cell, program.num_nodes, degree, replicas,
                              backend.lanes, backend.word)
                start = time.perf_counter()
                try:
                    steps, seconds = measure(program, backend, replicas)
                except Exception as exc:  # noqa: BLE001 - report a backend that cannot run here
                    rows.append(Row(case.name, backend.label, replicas, 0, 0.0, np.nan, bound, str(exc)[:80]))
                    continue
                rate = steps * replicas * program.num_nodes / seconds
                rows.append(Row(case.name, backend.label, replicas, steps, seconds, rate, bound))
                log(f"  {case.name:32s} R={replicas:<4d} {backend.label:9s} {rate:10.3g} node-steps/s "
                    f"({rate / bound:5.1%} of limit; {time.perf_counter() - start:.1f} s)")
    return rows
