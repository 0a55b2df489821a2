"""Ctrl-C during a circuit run (issue 10): the C engine integrates in calls of about
``c_kernel.CHUNK_WORK`` element updates and Python regains control between them, so a
KeyboardInterrupt stops a run within one call.  Cutting the run changes no bit of the result."""

from __future__ import annotations

import numpy as np
import pytest

import sdk
from circuits import OIM8, four_cell_ising
from compiler.netlist import CircuitOptions, lower
from runtime.circuit import c_kernel
from runtime.circuit.backend import draw_noise
from runtime.noise import SeededNoise

pytestmark = pytest.mark.skipif(c_kernel.unavailable_reason() is not None, reason="the C extension is not built")


def circuit():
    program = sdk.compile(four_cell_ising(), OIM8)
    steps = 40
    return lower(program, steps=steps, dt=0.1, schedules={"temperature": np.full(steps, 0.05), "shil": np.full(steps, 0.5)},
                 init=np.array([0.1, 1.0, 2.5, -2.0]), options=CircuitOptions(periods_per_time_unit=5)).circuit


def test_runs_in_calls_and_the_cut_changes_nothing(monkeypatch):
    c = circuit()
    noise = draw_noise(c, SeededNoise(1), 3)
    v0, i0 = np.repeat(c.v0[None], 3, 0), np.repeat(c.i0[None], 3, 0)
    record = np.unique(np.r_[0, np.arange(7, c.steps + 1, 13), c.steps])
    whole = c_kernel.simulate_c(c, noise, v0, i0, record, 2)
    calls = []
    real = c_kernel._run_chunk
    monkeypatch.setattr(c_kernel, "_run_chunk", lambda *a: (calls.append(a[4:6]), real(*a)))
    # the cap counts element updates per sample (substeps × replicas × elements): 10 samples a call
    per_sample = 2 * 3 * (c_kernel.KernelArgs.of(c, noise, v0, i0, record).data.size + c.num_nodes
                          + len(c.inductors) + len(c.vdp) + len(c.noise))
    monkeypatch.setattr(c_kernel, "CHUNK_WORK", 10 * per_sample)
    cut = c_kernel.simulate_c(c, noise, v0, i0, record, 2)
    assert len(calls) == -(-c.steps // 10) and calls[0] == (0, 10) and calls[-1][1] == c.steps
    assert np.array_equal(cut.v, whole.v) and np.array_equal(cut.i, whole.i)


def test_keyboard_interrupt_stops_between_calls(monkeypatch):
    """A KeyboardInterrupt raised after the first call (as a SIGINT handler raises it) ends the run
    there: no further C call happens."""
    c = circuit()
    noise = draw_noise(c, SeededNoise(2), 1)
    calls = []
    real = c_kernel._run_chunk

    def interrupted(*args):
        calls.append(args[4])
        real(*args)
        raise KeyboardInterrupt

    monkeypatch.setattr(c_kernel, "_run_chunk", interrupted)
    monkeypatch.setattr(c_kernel, "CHUNK_WORK", 1)
    with pytest.raises(KeyboardInterrupt):
        c_kernel.simulate_c(c, noise, c.v0[None], c.i0[None], np.arange(c.steps + 1), 1)
    assert calls == [0]
