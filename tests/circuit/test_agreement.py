"""ngspice and the circuit emulator on the same seeded netlist, through ``sdk.run`` at the default
options (docs/circuit.md#agreement-at-the-defaults): OIM8 at its own inductance (31.8 oscillation
periods per time unit, 64 samples per period; the emulator at 4 substeps, ngspice at TMAX = dt/4),
4 replicas, 4 time units = 127 periods.  Both integrators are second order, with phase errors
(ωh)²/24 (leapfrog, h = dt/4) and (ωh)²/12 per radian (trap, h ≤ dt/4): ≈ 3·10⁻³ rad/rad apart
over 800 rad of carrier gives the measured few 10⁻² rad.  The old defaults (one substep, TMAX = dt)
drift 1.6 rad apart here and fail both tests.

Also the waveforms both backends write on request (volts, amperes, seconds), and the progress bar."""

from __future__ import annotations

import numpy as np
import pytest

import sdk
from circuits import OIM8, four_cell_ising
from runtime.circuit.waveforms import Waveforms
from test_maxcut import EDGES

RUN = dict(num_reads=4, steps=400, dt=0.01, seed=1, record_every=1)


def relative(phases: np.ndarray) -> np.ndarray:
    """Phases relative to the readout's common reference α (defined mod π)."""
    return phases - 0.5 * np.angle(np.exp(2j * phases).sum(axis=-1, keepdims=True))


def apart(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """|x − y| mod π, radians."""
    return np.abs(np.angle(np.exp(2j * (relative(x) - relative(y))))) / 2


def test_noise_free_phases_agree_at_the_defaults():
    """SHIL 0.5 without noise: relative phases within 0.15 rad at every record (measured 0.083, in
    the first time unit) and 0.06 rad at the end (measured 0.038)."""
    program = sdk.compile(four_cell_ising(), OIM8)
    spice, circuit = (sdk.run(program, b, temperature=0.0, schedules={"shil": 0.5}, **RUN).trajectory.raw
                      for b in ("spice", "circuit"))
    assert apart(spice, circuit).max() < 0.15
    assert apart(spice, circuit)[-1].max() < 0.06


def test_annealed_runs_agree_at_the_end_and_write_the_same_waveforms(tmp_path):
    """The default anneal with seeded noise (8-node MaxCut): mid-anneal, where replicas pass near
    unstable phase configurations, the two trajectories can part by up to ~0.8 rad (measured 0.74);
    the locked phases at the end agree within 0.05 rad (measured 0.010) and give the same spins.  The
    waveform files hold the same differential tank voltages to 5% of the amplitude at the end of the
    run (a 0.01 rad phase difference is 1% of it) and the same dissipated energy within 2%."""
    program = sdk.compile(sdk.maxcut(EDGES), OIM8)
    results, waves = {}, {}
    for b in ("spice", "circuit"):
        path = tmp_path / f"{b}.npz"
        results[b] = sdk.run(program, b, backend_options={"waveforms": path}, **RUN)
        waves[b] = Waveforms.load(path)
    s, c = results["spice"], results["circuit"]
    assert apart(s.trajectory.raw, c.trajectory.raw)[-1].max() < 0.05
    assert np.array_equal(s.samples, c.samples)
    ws, wc = waves["spice"], waves["circuit"]
    assert ws.backend == "spice" and wc.backend == "circuit"
    assert np.allclose(ws.t, wc.t) and ws.t[1] - ws.t[0] > 0 and ws.v.shape == wc.v.shape == (len(ws.t), 4, 16)
    amplitude = OIM8.components["amplitude"]
    last_period = slice(-64, None)
    assert np.abs(ws.cells[last_period] - wc.cells[last_period]).max() < 0.05 * amplitude
    assert np.abs(wc.cells[last_period]).max() == pytest.approx(amplitude, rel=0.7)
    assert ws.dissipated.shape == (4,) and np.allclose(ws.dissipated, wc.dissipated, rtol=0.02)


def test_progress_bar_and_bad_options(tmp_path, capsys):
    program = sdk.compile(four_cell_ising(), OIM8)
    short = dict(num_reads=2, steps=20, dt=0.01, seed=1)
    sdk.run(program, "spice", backend_options={"progress": True}, **short)
    assert "ngspice" in capsys.readouterr().err
    sdk.run(program, "spice", backend_options={"progress": False}, **short)
    assert "ngspice" not in capsys.readouterr().err
    with pytest.raises(sdk.SonqError, match="waveform_every"):
        sdk.run(program, "circuit", backend_options={"waveforms": tmp_path / "w.npz", "waveform_every": 0}, **short)
    with pytest.raises(sdk.SonqError, match="progress"):
        sdk.run(program, "spice", backend_options={"progress": "yes"}, **short)
    with pytest.raises(sdk.SonqError):
        sdk.run(program, "circuit", backend_options={"waveforms": tmp_path / "missing" / "w.npz"}, **short)
