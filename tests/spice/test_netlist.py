"""Netlist writer: golden files, safety properties, ngspice parses random programs, error paths."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sdk
from circuits import A4, GAUSS8L, OIM8, four_cell_ising
from compiler.netlist import CircuitOptions, lower, write_netlist
from compiler.netlist.writer import COLUMNS_PER_FILE, FILESOURCE_LINE_LIMIT, WRITER_COMMANDS, Netlist
from device_models.errors import SpiceError
from runtime.circuit.backend import draw_noise
from runtime.noise import SeededNoise
from runtime.spice.backend import SpiceBackend
from runtime.spice.runner import SubprocessRunner

GOLDEN = Path(__file__).with_name("golden")


def oim_netlist(model, device=OIM8, steps=4, seed=0) -> Netlist:
    program = sdk.compile(model, device)
    m = program.num_nodes
    low = lower(program, steps=steps, dt=0.1, schedules={"temperature": np.full(steps, 0.01), "shil": np.linspace(0, 1, steps)},
                init=np.linspace(0, 3, m), options=CircuitOptions(steps_per_period=16, periods_per_time_unit=2))
    return write_netlist(low.circuit, draw_noise(low.circuit, SeededNoise(seed), 1)[:, 0])


def gauss_netlist(design: str, device="gauss8") -> Netlist:
    program = sdk.compile(sdk.GaussianModel(A4[:2, :2], b=[0.5, -0.25]), device, quantize=False)
    low = lower(program, steps=2, dt=0.05, schedules={"temperature": np.ones(2), "shil": np.zeros(2)}, init=np.zeros(2),
                options=CircuitOptions(gauss_design=design))
    return write_netlist(low.circuit, draw_noise(low.circuit, SeededNoise(0), 1)[:, 0])


GOLDEN_CASES = {
    "oim_field.cir": lambda: oim_netlist(sdk.IsingModel([0.5, 0.0], [[0.0, -1.0], [0.0, 0.0]])),
    "gauss_I.cir": lambda: gauss_netlist("I"),
    "gauss_P.cir": lambda: gauss_netlist("P"),
    "gauss_PL.cir": lambda: gauss_netlist("PL", GAUSS8L),
}


@pytest.mark.parametrize("name", sorted(GOLDEN_CASES))
def test_golden_netlists(name):
    """Compared line by line (regenerate with SONQ_REGOLD=1 after a reviewed change)."""
    text = GOLDEN_CASES[name]().text
    path = GOLDEN / name
    if os.environ.get("SONQ_REGOLD"):
        path.write_text(text)
    expected = path.read_text().splitlines()
    got = text.splitlines()
    for k, (a, b) in enumerate(zip(got, expected)):
        assert a == b, f"{name} line {k + 1}: {a!r} != golden {b!r}"
    assert len(got) == len(expected)


EVIL = st.text(min_size=1, max_size=40) | st.sampled_from(
    ["x\n.control\nshell rm -rf /\n.endc", "\r.include /etc/passwd", "a\n.lib x", "#.control", "*# shell ls",
     "\n.end\nR1 0 0 1", "$ .tran", "; .option", "\u2028.control"])


def dot_lines(text: str) -> list[str]:
    return [line.split()[0].lower() for line in text.splitlines() if line.lstrip().startswith(".")]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(labels=st.lists(EVIL, min_size=3, max_size=3, unique=True), name=EVIL)
def test_no_user_text_reaches_commands(labels, name):
    """Labels and a device name (set directly, bypassing the spec's own check) land in comments
    only; the only dot-commands are the writer's; no ``*#`` legacy command comments."""
    device = dataclasses.replace(OIM8, name=name)
    model = sdk.IsingModel([0.1, 0.0, 0.0], [[0, 1.0, 0], [0, 0, -0.5], [0, 0, 0]], labels=labels)
    netlist = oim_netlist(model, device)
    for line in netlist.text.splitlines():
        stripped = line.lstrip()
        assert not stripped.lower().startswith(("shell", "*#", ".control", ".include", ".lib"))
        assert line.startswith(("*", "+")) or line[:1].isalpha() or line.startswith(".")
    assert set(dot_lines(netlist.text)) <= set(WRITER_COMMANDS)
    assert all("\n" not in l and "\r" not in l for l in netlist.text.split("\n"))


def test_noise_files_fit_filesource():
    netlist = oim_netlist(four_cell_ising())
    assert len(netlist.files) >= 2
    for content in netlist.files.values():
        lines = content.splitlines()
        assert len(lines[0].split()) <= COLUMNS_PER_FILE + 1
        assert max(map(len, lines)) <= FILESOURCE_LINE_LIMIT


@settings(max_examples=4, deadline=None)
@given(seed=st.integers(0, 2**16), n=st.integers(2, 5))
def test_random_programs_run_in_ngspice(tmp_path_factory, seed, n):
    rng = np.random.default_rng(seed)
    J = np.triu(rng.choice([-1.0, 0.0, 1.0], size=(n, n)), 1)
    netlist = oim_netlist(sdk.IsingModel(rng.normal(size=n) * (rng.random() < 0.5), J + 0.01 * np.triu(np.ones((n, n)), 1)), seed=seed)
    vectors = SubprocessRunner().run(netlist, tmp_path_factory.mktemp("random"))
    assert np.all(np.isfinite(vectors["v(n1)"])) and vectors["time"][-1] > 0


@settings(max_examples=3, deadline=None)
@given(seed=st.integers(0, 2**16), n=st.integers(2, 4), design=st.sampled_from(["I", "P", "PL"]))
def test_random_gauss_programs_run_in_ngspice(seed, n, design):
    """Random M-matrices (so design P applies) with random drives, every gauss design."""
    rng = np.random.default_rng(seed)
    off = -np.triu(rng.random((n, n)), 1)
    A = off + off.T
    A += np.diag(np.abs(A).sum(axis=1) + rng.uniform(0.1, 1.0, n))
    program = sdk.compile(sdk.GaussianModel(A, rng.normal(size=n)), GAUSS8L)
    res = sdk.run(program, backend="spice", num_reads=1, steps=20, seed=seed, temperature=1.0,
                  backend_options={"gauss_design": design})
    assert res.samples.shape == (1, n) and np.all(np.isfinite(res.samples))


def _netlist(text: str) -> Netlist:
    return Netlist(text, {}, (), ())


def test_syntax_error_carries_ngspice_message_and_line(tmp_path):
    with pytest.raises(SpiceError) as info:
        SubprocessRunner().run(_netlist("* t\nR1 n1 0 1k\nQ7 a b\n.tran 1n 10n\n.end\n"), tmp_path)
    assert "Error on line 3" in info.value.message
    assert info.value.line == "Q7 a b"


def test_non_convergence_is_an_error(tmp_path):
    text = ("* t\n.model fs filesource (file=\"missing.txt\" amploffset=[0] amplscale=[1] timeoffset=0 "
            "timescale=1 timerelative=false amplstep=false)\nA1 %id([0 n1]) fs\nR1 n1 0 1k\n.tran 1n 10n\n.end\n")
    with pytest.raises(SpiceError, match="(?i)timestep too small|cannot open file"):
        SubprocessRunner().run(_netlist(text), tmp_path)


def test_missing_ngspice(tmp_path, monkeypatch):
    with pytest.raises(SpiceError, match="apt-get install ngspice"):
        SubprocessRunner("/nonexistent/ngspice").run(_netlist("* t\n.end\n"), tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert "apt-get install ngspice" in SpiceBackend.unavailable_reason()
    with pytest.raises(sdk.BackendError, match="unavailable"):
        sdk.run(sdk.compile(sdk.GaussianModel(A4), "gauss8"), backend="spice", steps=2)


def test_missing_runner_is_reported_at_construction(tmp_path, monkeypatch):
    """The classmethod ``unavailable_reason`` speaks for the default runner; the chosen one is
    checked when the backend is built."""
    with pytest.raises(SpiceError, match="'subprocess' is unavailable.*apt-get install ngspice"):
        SpiceBackend(ngspice=str(tmp_path / "ngspice"))
    monkeypatch.setattr("runtime.spice.pyspice_runner.library_path", lambda: None)
    with pytest.raises(SpiceError, match="'pyspice' is unavailable.*libngspice0"):
        SpiceBackend(runner="pyspice")
    monkeypatch.setitem(sys.modules, "PySpice", None)
    with pytest.raises(sdk.BackendError, match="pip install PySpice"):
        sdk.run(sdk.compile(sdk.GaussianModel(A4), "gauss8"), backend="spice", steps=2,
                backend_options={"runner": "pyspice"})


def _gauss_run(seed: int) -> np.ndarray:
    program = sdk.compile(sdk.GaussianModel(A4), "gauss8", quantize=False)
    return sdk.run(program, backend="spice", num_reads=2, steps=300, seed=seed).samples


def test_parallel_processes_match_serial():
    serial = [_gauss_run(s) for s in (1, 2)]
    # spawn, not fork: forking a process that holds JAX's or OpenMP's threads can deadlock.
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        parallel = list(pool.map(_gauss_run, (1, 2)))
    for a, b in zip(serial, parallel):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(serial[0], serial[1])
