"""Sweeps (``sdk.sweep``, ``sonq sweep``): the sweep file's validation, device variants through the
chip validator, results equal across executors (serial, a LocalCluster of 2 workers, a real
``dask scheduler`` with two ``dask worker`` processes), resuming after an interrupted write and
after SIGKILL of the driver, the store's identity check and the progress bar.

"Equal" means bit for bit in every variable except ``wall_time`` (host seconds, never
reproducible): :func:`assert_same_sweep`.
"""

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import yaml

import sdk
from runtime.backends import get_backend
from sdk.cli import main
from sdk.sweep import RunSettings, SweepError, SweepSpec, load, sweep
from sdk.sweep import driver, store as sweep_store
from sdk.sweep.driver import pinned_run, with_threads
from sdk.sweep.point import VARIABLES

CHIP = {"name": "tiny10", "cell": "oim", "cells": 10, "topology": "all_to_all",
        "components": {"inductance": "1 nH", "capacitance": "1 pF", "amplitude": "0.5 V",
                       "loss_conductance": "20 uS"},
        "coupling": {"g_max": "5 uS", "g_min": "0.02 uS", "dac_bits": 8}}
#: 8-node rings with chords: small enough for the exact ground energy by enumeration
GRAPHS = {"ring": [(i, (i + 1) % 8) for i in range(8)] + [(0, 4)],
          "chords": [(i, (i + 1) % 8) for i in range(8)] + [(0, 3), (2, 6), (5, 7)]}


def write_rudy(path: Path, edges) -> Path:
    path.write_text(f"8 {len(edges)}\n" + "".join(f"{i + 1} {j + 1} 1\n" for i, j in edges))
    return path


def sweep_file(directory: Path, *, steps: int = 60, seeds: int = 2, **extra) -> Path:
    """A sweep of 2 mismatch σ × 2 noise temperatures × 2 instances × ``seeds`` seeds."""
    (directory / "tiny10.yaml").write_text(yaml.safe_dump(CHIP))
    for name, edges in GRAPHS.items():
        write_rudy(directory / f"{name}.rudy", edges)
    raw = {"device": "tiny10.yaml",
           "grid": {"mismatch": [0.0, 0.05], "noise_temperature": ["300 K", "3000 K"]},
           "instances": {"ring": {"file": "ring.rudy", "target": "exact"}, "chords": "chords.rudy"},
           "seeds": {"start": 3, "count": seeds},
           "run": {"backend": "numpy", "num_reads": 8, "steps": steps},
           **extra}
    path = directory / "sweep.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def assert_same_sweep(a, b) -> None:
    """Equal coordinates, attributes and every variable but wall_time, bit for bit (NaN = NaN)."""
    assert a.attrs == b.attrs
    assert list(a.dims) == list(b.dims)
    for name in a.coords:
        np.testing.assert_array_equal(a[name].values, b[name].values)
    for name in set(a.data_vars) | set(b.data_vars):
        if name == "wall_time":
            continue
        x, y = a[name].values, b[name].values
        assert x.dtype == y.dtype and np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), name


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The sweep run serially, uninterrupted: (sweep file, Dataset)."""
    directory = tmp_path_factory.mktemp("sweep")
    path = sweep_file(directory)
    return path, sweep(path, directory / "reference.zarr", workers=0, progress=False).load()


def test_the_dataset_holds_each_points_own_run(reference):
    path, ds = reference
    spec = SweepSpec.from_yaml(path)
    assert ds.best_energy.dims == ("mismatch", "noise_temperature", "instance", "seed")
    assert list(ds.noise_temperature.values) == [300.0, 3000.0]  # "300 K" read as the validator reads it
    assert list(ds.seed.values) == [3, 4] and list(ds.instance.values) == ["ring", "chords"]
    assert bool(ds.done.all())
    # one point recomputed by hand: compile with the seed as chip instance, run with it as seed
    device = sdk.DeviceSpec.from_dict({**CHIP, "mismatch": 0.05, "noise_temperature": "3000 K"})
    model = sdk.read_gset(path.parent / "ring.rudy")
    result = sdk.run(sdk.compile(model, device, mismatch_seed=4), "numpy", num_reads=8, steps=60, seed=4)
    point = ds.sel(mismatch=0.05, noise_temperature=3000.0, instance="ring", seed=4)
    exact = sdk.ground_state_bruteforce(model)[1]
    p, _ = sdk.success_probability(result, exact)
    assert float(point.best_energy) == result.best_energy and float(ds.target.sel(instance="ring")) == exact
    assert float(point.success_probability) == p
    assert float(point.chip_time) == result.info["chip_time"]
    assert float(point.tts99) == sdk.tts99(result.info["chip_time"], p)
    chip_energy = result.info.get("chip_energy")  # NaN in the store when the run info has none
    assert (np.isnan(point.chip_energy) if chip_energy is None else float(point.chip_energy) == chip_energy)
    # the instance without a target counts reads at its point's own best energy
    assert np.isnan(ds.target.sel(instance="chords")) and bool((ds.success_probability.sel(instance="chords") > 0).all())
    assert bool((ds.wall_time > 0).all()) and spec.num_points == 16


def test_a_local_cluster_of_two_workers_equals_the_serial_sweep(reference, tmp_path):
    path, expected = reference
    got = sweep(path, tmp_path / "cluster.zarr", workers=2, processes=False, progress=False)
    assert_same_sweep(got, expected)


class DiesAt:
    """A zarr group through which the driver dies (KeyboardInterrupt) when it reaches array ``name``."""

    def __init__(self, group, name: str):
        self.group, self.name = group, name

    def __getitem__(self, name):
        if name == self.name:
            raise KeyboardInterrupt
        return self.group[name]


def test_an_interrupted_write_leaves_the_point_undone_and_resume_completes_it(reference, tmp_path, monkeypatch):
    path, expected = reference
    store = tmp_path / "resumed.zarr"
    written = []
    last = list(VARIABLES)[-1]

    def dies_in_the_third_write(group, spec, flat, values):
        # the third point: the driver dies when it reaches the last variable, after the others landed
        sweep_store.write_point(DiesAt(group, last) if len(written) == 2 else group, spec, flat, values)
        written.append(flat)

    monkeypatch.setattr(driver, "write_point", dies_in_the_third_write)
    with pytest.raises(KeyboardInterrupt):
        sweep(path, store, workers=0, progress=False)
    monkeypatch.undo()
    partial = load(store).load()
    assert int(partial.done.sum()) == 2 and not partial.done.values.ravel()[2]
    assert not np.isnan(partial.best_energy.values.ravel()[2])  # half-written, and not marked done
    got = sweep(path, store, workers=0, progress=False)
    assert_same_sweep(got, expected)
    # the two finished points were kept, not recomputed (a recomputation measures a new wall time)
    np.testing.assert_array_equal(got.wall_time.values.ravel()[written], partial.wall_time.values.ravel()[written])


def done_count(store: Path) -> int:
    try:
        return int(load(store).done.sum())
    except Exception:  # the store is not renamed into place yet
        return 0


def test_sigkill_of_the_driver_then_resume_gives_the_uninterrupted_dataset(tmp_path):
    path = sweep_file(tmp_path, steps=600, seeds=2)  # points long enough to kill the driver between two
    expected = sweep(path, tmp_path / "reference.zarr", workers=0, progress=False).load()
    store = tmp_path / "killed.zarr"
    driver_process = subprocess.Popen(
        [sys.executable, "-m", "sdk.cli", "sweep", str(path), "-o", str(store), "--workers", "1", "--threads-only",
         "--no-progress"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while done_count(store) < 3 and driver_process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        driver_process.send_signal(signal.SIGKILL)
    finally:
        driver_process.wait()
    assert driver_process.returncode == -signal.SIGKILL
    before = load(store).load()
    finished = np.flatnonzero(before.done.values.ravel())
    assert 3 <= len(finished) < 16, "the driver was not killed midway"
    got = sweep(path, store, workers=0, progress=False)
    assert_same_sweep(got, expected)
    np.testing.assert_array_equal(got.wall_time.values.ravel()[finished], before.wall_time.values.ravel()[finished])


def test_a_sweep_through_a_real_scheduler_and_two_worker_processes(reference, tmp_path, capsys):
    path, expected = reference
    dask = Path(sys.executable).with_name("dask")
    scheduler_file = tmp_path / "scheduler.json"
    env = dict(os.environ, DASK_DISTRIBUTED__WORKER__DAEMON="False")
    processes = [subprocess.Popen([str(dask), "scheduler", "--scheduler-file", str(scheduler_file), "--port", "0",
                                   "--host", "127.0.0.1", "--no-dashboard"], stderr=subprocess.DEVNULL, env=env)]
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        for _ in range(2):
            processes.append(subprocess.Popen(
                [str(dask), "worker", "--scheduler-file", str(scheduler_file), "--nthreads", "1", "--no-nanny",
                 "--no-dashboard", "--host", "127.0.0.1"], stderr=subprocess.DEVNULL, env=env))
        address = json.loads(scheduler_file.read_text())["address"]
        store = tmp_path / "scheduled.zarr"
        assert main(["sweep", str(path), "-o", str(store), "--scheduler", address, "--no-progress"]) == 0
        assert "16/16 points done" in capsys.readouterr().out
        assert_same_sweep(load(store), expected)
    finally:
        stop(processes[1:])  # the workers first: a worker whose scheduler is gone retries before it exits
        stop(processes[:1])


def stop(processes) -> None:
    """SIGTERM these processes (started by the test), SIGKILL any still alive after 10 s."""
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_auto_is_pinned_to_a_named_backend_with_its_generator_and_threads(tmp_path):
    raw = yaml.safe_load(sweep_file(tmp_path).read_text())
    raw["run"]["backend"] = "auto"
    spec = SweepSpec.from_dict(raw, base=tmp_path)
    run = pinned_run(spec)
    chosen = get_backend("auto", "oim")
    assert run.backend == chosen.name != "auto"
    assert run.backend_options.get("rng") == getattr(chosen, "rng", None)
    c = with_threads(replace(run, backend="c", backend_options={"rng": "tape"}), 3)
    assert c.backend_options == {"threads": 3, "rng": "tape"}  # the C backend's team is pinned
    assert with_threads(replace(run, backend="numpy", backend_options={}), 3).backend_options == {}


@pytest.mark.parametrize("change, named", [
    (lambda r: r.update(colour=1), "'colour'"),
    (lambda r: r["run"].update(num_reads="8"), "run.num_reads"),
    (lambda r: r["run"].update(reads=8), "'reads'"),
    (lambda r: r["grid"].update(temperature=[1.0]), "'temperature'"),
    (lambda r: r["grid"].update(mismatch=[0.0, 0.5]), "mismatch must be in [0, 0.3]"),
    (lambda r: r["grid"].update({"coupling.dac_bits": [4, 30]}), "coupling.dac_bits must be an integer in 1..24"),
    (lambda r: r["grid"].update({"components.capacitance": ["1 pH"]}), "components.capacitance"),
    (lambda r: r["grid"].update({"components.resistance": ["1 kΩ"]}), "unknown component(s) ['resistance']"),
    (lambda r: r["grid"].update(noise_temperature=["300 K", 300]), "grid.noise_temperature"),
    (lambda r: r["grid"].update(cells=[5]), "capacity"),
    (lambda r: r["grid"].update(mismatch=0.1), "grid.mismatch must be a list"),
    (lambda r: r.update(seeds=[1, 1]), "no seed twice"),
    (lambda r: r.update(seeds=[-1]), "seeds[...] must be an integer ≥ 0"),
    (lambda r: r["instances"].update(ring={"file": "ring.rudy", "target": "best"}), "instance 'ring': target"),
    (lambda r: r["instances"].update(ring={"path": "ring.rudy"}), "'path'"),
    (lambda r: r["instances"].update(ring="missing.rudy"), "instances.ring"),
    (lambda r: r.update(threads=0), "threads must be an integer ≥ 1"),
    (lambda r: r.update(compile={"quantize": "yes"}), "compile.quantize"),
])
def test_the_sweep_file_is_validated_naming_the_key(tmp_path, change, named):
    path = sweep_file(tmp_path)
    raw = yaml.safe_load(path.read_text())
    change(raw)
    path.write_text(yaml.safe_dump(raw))
    if named == "capacity":  # a chip too small for the model: refused by the compiler, at its point
        for workers, store in ((0, "serial.zarr"), (1, "cluster.zarr")):
            with pytest.raises(SweepError, match="point cells=5, ") as info:
                sweep(path, tmp_path / store, workers=workers, processes=False, progress=False)
            assert "CapacityError" in str(info.value) and int(load(tmp_path / store).done.sum()) == 0
        return
    with pytest.raises(SweepError) as info:
        SweepSpec.from_yaml(path)
    assert named in str(info.value) and str(path) in str(info.value)
    assert main(["sweep", str(path), "-o", str(tmp_path / "t.zarr"), "--workers", "0"]) == 2


def test_a_store_refuses_another_sweep_and_non_stores(reference, tmp_path):
    path, _ = reference
    store = tmp_path / "s.zarr"
    sweep(path, store, workers=0, progress=False)
    raw = yaml.safe_load(path.read_text())
    raw["run"]["steps"] = 61
    with pytest.raises(SweepError, match=r"holds another sweep \(it differs in \['run'\]\)"):
        sweep(SweepSpec.from_dict(raw, base=path.parent), store, workers=0)
    raw["run"]["steps"], raw["threads"] = 60, 2  # threads change no result: the same sweep
    assert bool(sweep(SweepSpec.from_dict(raw, base=path.parent), store, workers=0).done.all())
    (tmp_path / "plain").mkdir()
    with pytest.raises(SweepError, match="not a SONQ sweep store"):
        sweep(path, tmp_path / "plain", workers=0)
    (tmp_path / "file").write_text("x")
    with pytest.raises(sdk.OutputFileError, match="not a directory"):
        sweep(path, tmp_path / "file", workers=0)


def test_the_progress_bar_counts_points_and_can_be_silenced(reference, tmp_path, capsys):
    path, _ = reference
    sweep(path, tmp_path / "a.zarr", workers=0, progress=True)
    err = capsys.readouterr().err
    assert "16/16" in err and "point" in err
    sweep(path, tmp_path / "b.zarr", workers=0, progress=False)
    assert capsys.readouterr().err == ""
    sweep(path, tmp_path / "a.zarr", workers=0, progress=True)  # resumed, nothing left: starts at 16/16
    assert "16/16" in capsys.readouterr().err


def test_python_specs_take_models_and_device_specs(tmp_path):
    model = sdk.read_gset(write_rudy(tmp_path / "g.rudy", GRAPHS["ring"]))
    spec = SweepSpec(device=sdk.DeviceSpec.from_dict(CHIP), instances={"g": model}, seeds=[0],
                     grid={"coupling.dac_bits": [2, 8]}, run=RunSettings(backend="numpy", num_reads=4, steps=30))
    assert [v.coupling.dac_bits for v in spec.variants.values()] == [2, 8]
    ds = sweep(spec, tmp_path / "p.zarr", workers=0, progress=False)
    assert ds.best_energy.shape == (2, 1, 1) and bool(ds.done.all())
    cells = SweepSpec(device=sdk.DeviceSpec.from_dict(CHIP), instances={"g": model}, seeds=[0],
                      grid={"cells": [8, 12], "components.capacitance": ["1 pF", "2 pF"]},
                      run=RunSettings(backend="numpy", num_reads=4, steps=30))
    assert cells.axes == {"cells": (8, 12), "components.capacitance": (1e-12, 2e-12)}
    assert [(v.cells, v.components["capacitance"]) for v in cells.variants.values()] == \
        [(8, 1e-12), (8, 2e-12), (12, 1e-12), (12, 2e-12)]
    ds = sweep(cells, tmp_path / "c.zarr", workers=0, progress=False)
    assert list(ds["cells"].values) == [8, 12] and bool(ds.done.all())
    # a larger capacitance is a slower chip: K = g_max/2C halves, so the same steps take twice the chip
    # time; only the readout (a few periods, ∝ √C, 2–3 ns against ~1 µs of run) breaks the exact 2
    np.testing.assert_allclose(ds.chip_time.isel({"components.capacitance": 1}),
                               2 * ds.chip_time.isel({"components.capacitance": 0}), rtol=0.01)
    with pytest.raises(SweepError, match="spin variables"):
        SweepSpec(device="gauss8", instances={"g": sdk.GaussianModel(np.eye(2))}, seeds=[0])
    with pytest.raises(SweepError, match="no store"):
        sweep(spec, progress=False)


def test_the_example_sweep_file_and_an_inline_device_mapping_are_read(tmp_path):
    root = Path(__file__).resolve().parents[1]
    spec = SweepSpec.from_yaml(root / "examples" / "sweep.yaml")
    assert spec.shape == (3, 2, 4) and [i.target for i in spec.instances] == [-29.0, -214.0]
    assert spec.store == root / "examples" / "design.zarr"
    raw = yaml.safe_load(sweep_file(tmp_path).read_text())
    raw["device"] = CHIP
    assert SweepSpec.from_dict(raw, base=tmp_path).device == sdk.DeviceSpec.from_dict(CHIP)


def test_the_example_sweep_runs(tmp_path):
    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, SONQ_EXAMPLE_QUICK="1")
    proc = subprocess.run([sys.executable, str(root / "examples" / "sweep_design.py"), str(tmp_path)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "mismatch" in proc.stdout and (tmp_path / "sweep_design.zarr" / "zarr.json").is_file()
