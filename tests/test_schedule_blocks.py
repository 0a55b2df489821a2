"""Schedules evaluated per block (issue 10): kernels receive each block's values, so a run's length
costs no memory up front, and how the driver cuts a run into blocks never shows in its results."""

from __future__ import annotations

import time
import tracemalloc

import numpy as np
import pytest

import sdk
from device_models.schedules import Schedule
from runtime.backends import base
from runtime.backends.base import PlanSchedules
from runtime.backends.c_backend import CBackend

SCHEDULES = [Schedule.constant(2.0), Schedule.linear(1.0, 0.0, until=0.6), Schedule.geometric(3.0, 0.01, until=0.7),
             Schedule.piecewise([0, 0.31, 0.5, 1], [1.0, -2.0, 3.0, 0.5]),
             Schedule.from_array(np.random.default_rng(0).normal(size=17))]


@pytest.mark.parametrize("schedule", SCHEDULES, ids=lambda s: s.kind)
def test_window_and_bounds_match_sample(schedule):
    """window(steps, k0, k1) is sample(steps)[k0:k1] bit for bit; bounds(steps) its (min, max)."""
    for steps in (1, 2, 3, 7, 100, 1001):
        full = schedule.sample(steps)
        assert schedule.bounds(steps) == (full.min(), full.max())
        for k0, k1 in ((0, steps), (steps // 3, steps // 2 + 1), (steps - 1, steps)):
            np.testing.assert_array_equal(schedule.window(steps, k0, k1), full[k0:k1])
    plan = PlanSchedules({"temperature": schedule, "array": np.arange(5.0)}, 5)
    np.testing.assert_array_equal(plan["temperature"], schedule.sample(5))
    assert plan.window(1, 3)["array"].tolist() == [1.0, 2.0] and plan.bounds("array") == (0.0, 4.0)


def _program(cell: str) -> sdk.Program:
    r = np.random.default_rng(3)
    model = sdk.IsingModel(0.3 * r.normal(size=8), np.triu(r.normal(size=(8, 8)), 1))
    if cell == "gauss":
        model = sdk.LangevinModel(quartic=0.3, quadratic=0.5, n=6)
    chip = {"pbit": "pbit256", "oim": "oim1024", "kpo": "kpo1024", "cim": "cim1024", "gauss": "gauss8"}[cell]
    return sdk.compile(model, chip, quantize=False)


@pytest.mark.parametrize("backend", ["numpy", "numba", "c", "jax"])
@pytest.mark.parametrize("cell", ["pbit", "oim", "kpo", "cim", "gauss"])
def test_split_run_equals_whole(monkeypatch, backend, cell):
    """Blocks of 3 steps (pre-drawn noise cut at MAX_NOISE_BLOCK; keyed calls at MAX_BLOCK_WORK)
    give exactly the trajectory of blocks from record point to record point: every kernel reads
    its block's schedule values, which vary along the run (the cells' optimize presets)."""
    program = _program(cell)
    run = dict(num_reads=5, steps=40, seed=2, record_every=20,
               backend_options={"precision": "float64"} if backend == "jax" else None)
    whole = sdk.run(program, backend, **run).trajectory.raw
    m, R = program.num_nodes, 5
    monkeypatch.setattr(base, "MAX_NOISE_BLOCK", 3 * R * m)
    monkeypatch.setattr(base, "MAX_BLOCK_WORK", 3 * (R * (program.couplings.nnz + base.NODE_WORK * m)
                                                     + base.STEP_WORK) * 4)
    split = sdk.run(program, backend, **run).trajectory.raw
    np.testing.assert_array_equal(split, whole)


def test_trillion_steps_cost_one_block(monkeypatch):
    """``steps=10**12`` starts at once (its first kernel call within a second: nothing is evaluated
    up front) and, stopped after five calls (a KeyboardInterrupt from the kernel, as Ctrl-C gives
    between calls), has held one block's memory (the whole run's temperature alone would be 8 TB),
    each call well under 2 s."""
    program = sdk.compile(sdk.IsingModel(np.zeros(6), np.triu(np.ones((6, 6)), 1)), "pbit256")
    sdk.run(program, "c", num_reads=4, steps=10, seed=0)  # imports and first-call costs out of the timing
    calls, prepare = [], CBackend.prepare

    def stopping(self, plan):
        kernel = prepare(self, plan)

        def call(state, k0, k1, draws):
            calls.append((k0, k1, time.perf_counter()))
            if len(calls) > 5:
                raise KeyboardInterrupt
            kernel(state, k0, k1, draws)
        return call

    monkeypatch.setattr(CBackend, "prepare", stopping)
    tracemalloc.start()
    start = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        sdk.run(program, "c", num_reads=4, steps=10**12, seed=0)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    length = base.block_steps(4, 6, program.couplings.nnz)  # keyed calls at the work cap
    assert [(k0, k1) for k0, k1, _ in calls] == [(i * length, (i + 1) * length) for i in range(6)]
    times = np.diff([start] + [t for _, _, t in calls])
    assert times[0] < 1.0, f"the first call came {times[0]:.2f} s after the run started"
    assert times.max() < 2.0, f"a call took {times.max():.2f} s"
    assert peak < 64 << 20, f"peak traced memory {peak / 2**20:.1f} MiB"
