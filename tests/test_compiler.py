"""Compiler passes: placement, scaling, quantization, mismatch, report, Program save/load."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import sdk
from spine_data import random_sk


def test_scale_maps_largest_coupling_to_full_scale():
    J = random_sk(10, 1) * 3.0
    prog = sdk.compile(sdk.IsingModel(np.zeros(10), J), "oim1024", quantize=False)
    assert prog.scale == pytest.approx(3.0)
    assert np.abs(prog.couplings.data).max() == pytest.approx(1.0)
    assert not prog.reference and prog.num_nodes == 10


def test_fields_ride_on_reference_oscillator():
    h = np.array([0.5, -1.0, 0.0])
    J = np.array([[0, 2.0, 0], [2.0, 0, 0], [0, 0, 0]])
    prog = sdk.compile(sdk.IsingModel(h, J), "oim1024", quantize=False)
    assert prog.reference and prog.num_nodes == 4
    dense = prog.couplings.toarray() * prog.scale
    assert np.allclose(dense[:3, 3], h) and np.allclose(dense[:3, :3], J)


def test_quantization_error_is_reported_and_bounded():
    r = np.random.default_rng(0)
    J = np.triu(r.normal(size=(12, 12)), 1)
    prog = sdk.compile(sdk.IsingModel(np.zeros(12), J + J.T), "oim1024")
    step = 1 / (2**8 - 1)                                   # oim1024 has an 8-bit DAC
    rep = prog.report
    assert 0 < rep.quantization_max_error <= step / 2 + 1e-12
    assert rep.quantization_rms_error <= rep.quantization_max_error
    levels = np.abs(prog.couplings.data) / step
    floor = prog.device.coupling.g_min / prog.device.coupling.g_max
    on_grid = np.isclose(levels, np.round(levels)) | np.isclose(np.abs(prog.couplings.data), floor)
    assert on_grid.all()


def test_small_couplings_are_dropped_or_clipped_and_reported():
    J = np.zeros((3, 3))
    J[0, 1] = J[1, 0] = 1.0
    J[1, 2] = J[2, 1] = 1e-4          # below half a DAC step (1/63/2 ≈ 0.008): dropped
    prog = sdk.compile(sdk.IsingModel(np.zeros(3), J), "oim64-kings")
    assert prog.report.dropped == [(1, 2)]
    assert prog.couplings[1, 2] == 0
    J[1, 2] = J[2, 1] = 0.01          # rounds to one step 1/63 = 0.0159 ≥ g_min/g_max = 0.005: kept
    kept = sdk.compile(sdk.IsingModel(np.zeros(3), J), "oim64-kings")
    assert kept.report.dropped == [] and kept.couplings[1, 2] == pytest.approx(1 / 63)
    # oim1024: one 8-bit step 1/255 ≈ 0.0039 lies below g_min/g_max = 0.004, so it is clipped up.
    J[1, 2] = J[2, 1] = 0.003
    clipped = sdk.compile(sdk.IsingModel(np.zeros(3), J), "oim1024")
    assert clipped.report.clipped == [(1, 2)] and clipped.couplings[1, 2] == pytest.approx(0.004)


def test_mismatch_is_seeded_and_symmetric():
    raw = sdk.load_device("oim1024").to_dict()
    raw["mismatch"] = 0.05
    spec = sdk.DeviceSpec.from_dict(raw)
    model = sdk.IsingModel(np.zeros(8), random_sk(8, 3))
    a = sdk.compile(model, spec, mismatch_seed=1)
    b = sdk.compile(model, spec, mismatch_seed=1)
    c = sdk.compile(model, spec, mismatch_seed=2)
    assert (a.couplings != b.couplings).nnz == 0
    assert (a.couplings != c.couplings).nnz > 0
    assert abs(a.couplings - a.couplings.T).max() == 0
    spread = np.abs(a.couplings.data) - 1
    assert 0.01 < spread.std() < 0.1 and a.report.mismatch == 0.05


def test_pbit_program_colours_are_proper():
    J = sp.random(30, 30, density=0.2, random_state=1)
    J = sp.triu(J, 1)
    prog = sdk.compile(sdk.IsingModel(np.zeros(30), J + J.T), "pbit256")
    coo = prog.couplings.tocoo()
    assert np.all(prog.colors[coo.row] != prog.colors[coo.col])


def test_kings_topology_accepts_grid_model_and_names_missing_edge():
    import networkx as nx
    g = nx.grid_2d_graph(8, 8)
    model = sdk.maxcut(g)
    sdk.compile(model, "oim64-kings")                   # every grid edge is a king's-graph edge
    bad = sdk.IsingModel(np.zeros(64), sp.coo_matrix(([1.0, 1.0], ([0, 63], [63, 0])), shape=(64, 64)))
    with pytest.raises(sdk.TopologyError, match="variables 0 and 63 needs cells 0 and 63"):
        sdk.compile(bad, "oim64-kings")


def test_model_larger_than_device():
    with pytest.raises(sdk.CapacityError, match="65 variables but device 'oim64-kings' has 64 cells"):
        sdk.compile(sdk.IsingModel(np.zeros(65), np.zeros((65, 65))), "oim64-kings")


def test_wrong_cell_type_is_a_compile_error():
    with pytest.raises(sdk.CompileError, match="real variables but device 'oim1024'"):
        sdk.compile(sdk.GaussianModel(np.eye(2)), "oim1024")
    with pytest.raises(sdk.CompileError, match="spin variables but device 'gauss8'"):
        sdk.compile(sdk.IsingModel(np.zeros(2), np.zeros((2, 2))), "gauss8")


def test_unknown_device_at_compile():
    with pytest.raises(sdk.UnknownDeviceError):
        sdk.compile(sdk.IsingModel(np.zeros(2), np.zeros((2, 2))), "no-such-chip")


def test_explicit_placement():
    model = sdk.maxcut([(0, 1)])
    prog = sdk.compile(model, "oim64-kings", placement={0: 9, 1: 18})   # diagonal neighbours
    assert list(prog.placement) == [9, 18]
    with pytest.raises(sdk.TopologyError):
        sdk.compile(model, "oim64-kings", placement=[0, 2])


def test_report_text_mentions_what_happened():
    prog = sdk.compile(sdk.IsingModel(np.zeros(4), random_sk(4, 0)), "oim1024")
    text = str(prog.report)
    assert "oim1024" in text and "quantization error" in text and "scale" in text


def test_saved_program_runs_identically(tmp_path):
    labels = [("r", i) for i in range(12)]
    model = sdk.IsingModel(np.linspace(-1, 1, 12), random_sk(12, 4), offset=2.0, labels=labels)
    prog = sdk.compile(model, "oim1024")
    path = prog.save(tmp_path / "prog")
    loaded = sdk.Program.load(path)
    assert loaded.model.labels == tuple(labels) and loaded.report == prog.report
    a = sdk.run(prog, "numba", num_reads=16, seed=11)
    b = sdk.run(loaded, "numba", num_reads=16, seed=11)
    assert np.array_equal(a.samples, b.samples) and np.array_equal(a.energies, b.energies)


def test_load_rejects_other_files(tmp_path):
    path = tmp_path / "x.npz"
    np.savez(path, a=np.zeros(2))
    with pytest.raises(sdk.ProgramFormatError):
        sdk.Program.load(path)


def test_energy_error_measures_what_the_chip_lost():
    r = np.random.default_rng(5)
    J = np.triu(r.normal(size=(12, 12)), 1)
    model = sdk.IsingModel(r.normal(size=12), J + J.T)
    assert sdk.compile(model, "oim1024", quantize=False).report.energy_error < 1e-12
    fine = sdk.compile(model, "oim1024").report.energy_error               # 8-bit DAC
    raw = sdk.load_device("oim1024").to_dict()
    raw.update(coupling={"g_max": 5e-6, "g_min": 0.0, "dac_bits": 3})
    coarse = sdk.compile(model, sdk.DeviceSpec.from_dict(raw)).report.energy_error
    assert 0 < fine < coarse < 0.5
    raw.update(mismatch=0.2, coupling={"g_max": 5e-6, "g_min": 0.0, "dac_bits": 8})
    spread = sdk.compile(model, sdk.DeviceSpec.from_dict(raw), mismatch_seed=1).report.energy_error
    assert spread > 5 * fine
