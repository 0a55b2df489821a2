"""Runtime API: schedules, seeds, backends, noise tapes, results, run-time errors."""

from __future__ import annotations

import numpy as np
import pytest

import sdk
from spine_data import random_sk
from runtime import NoiseTape
from device_models.schedules import ScheduleError


def test_schedules_sample_as_documented():
    assert np.allclose(sdk.Schedule.linear(1, 0, until=0.5).sample(4), [1, 0.5, 0, 0])
    assert np.allclose(sdk.Schedule.geometric(1, 0.01).sample(2), [1, 0.1])
    assert np.allclose(sdk.Schedule.from_array([0, 2]).sample(4), [0, 0.5, 1, 1.5])
    assert np.allclose(sdk.Schedule.constant(3).sample(3), 3)
    assert np.allclose(sdk.Schedule.piecewise([0, 0.5, 1], [0, 1, 3]).sample(4), [0, 0.5, 1, 2])
    with pytest.raises(ScheduleError, match="knots"):
        sdk.Schedule.piecewise([0, 0.7, 0.5, 1], [0, 1, 2, 3])
    with pytest.raises(ScheduleError):
        sdk.Schedule.geometric(0, 1)


def _oim_program():
    return sdk.compile(sdk.IsingModel(np.zeros(8), random_sk(8, 5)), "oim1024")


def test_same_seed_same_samples_other_seed_differs():
    prog = _oim_program()
    a, b = (sdk.run(prog, "numba", num_reads=8, steps=300, seed=1, record_every=300) for _ in range(2))
    c = sdk.run(prog, "numba", num_reads=8, steps=300, seed=2, record_every=300)
    assert np.array_equal(a.trajectory.raw, b.trajectory.raw) and np.array_equal(a.samples, b.samples)
    assert not np.allclose(a.trajectory.raw, c.trajectory.raw)


def test_numba_passes_the_conformance_kit():
    from sdk.testing import check_backend
    check_backend("numba")


def test_conformance_kit_catches_a_wrong_backend(monkeypatch):
    """A backend whose noise is √(T dt) instead of √(2T dt) fails the kit."""
    from runtime.backends import numba_backend
    from sdk.testing import check_equipartition, check_noise_tape

    class HalfNoise(numba_backend.NumbaBackend):
        def prepare(self, plan):
            kernel = super().prepare(plan)
            return lambda state, k0, k1, draws: kernel(state, k0, k1, draws / np.sqrt(2))

    monkeypatch.setattr(numba_backend, "NumbaBackend", HalfNoise)
    with pytest.raises(AssertionError, match="departs from numpy"):
        check_noise_tape("numba", cells=("gauss",))
    with pytest.raises(AssertionError, match="⟨x²⟩a/T"):
        check_equipartition("numba")


@pytest.mark.parametrize("backend", ["numba", "c"])
def test_blocks_end_at_records_and_bound_only_predrawn_noise(monkeypatch, backend):
    """Pre-drawn noise (Numba's) splits a run into blocks of bounded memory; a backend drawing
    from its own key (C) runs from one recording point to the next in one call."""
    from runtime.backends import base, get_backend

    if sdk.available_backends()[backend]:
        pytest.skip(sdk.available_backends()[backend])
    monkeypatch.setattr(base, "MAX_NOISE_BLOCK", 8 * 8 * 10)  # 10 steps of 8 replicas × 8 nodes
    cls, calls = type(get_backend(backend, "oim")), []
    prepare = cls.prepare

    def counting(self, plan):
        kernel = prepare(self, plan)
        return lambda state, k0, k1, draws: (calls.append((k0, k1)), kernel(state, k0, k1, draws))

    monkeypatch.setattr(cls, "prepare", counting)
    res = sdk.run(_oim_program(), backend, num_reads=8, steps=100, seed=1, record_every=50)
    assert len(res.trajectory.raw) == 2
    assert calls == ([(0, 50), (50, 100)] if backend == "c" else [(k, k + 10) for k in range(0, 100, 10)])


def test_default_oim_protocol_binarizes_every_phase():
    res = sdk.run(_oim_program(), "numba", num_reads=32, seed=0)
    assert res.info["poorly_binarized"] == 0


def test_run_time_sets_steps_from_the_stable_step():
    from runtime.run import stable_dt
    prog = _oim_program()
    res = sdk.run(prog, "numpy", num_reads=2, run_time=1.0, seed=0, protocol="sample")
    assert res.info["steps"] == int(np.ceil(1.0 / stable_dt(prog))) and res.info["dt"] == stable_dt(prog)
    with pytest.raises(sdk.RunError, match="steps or run_time"):
        sdk.run(prog, steps=10, run_time=1.0)


def test_trajectory_records_energies_in_model_units():
    model = sdk.IsingModel(np.zeros(8), random_sk(8, 5), offset=10.0)
    res = sdk.run(sdk.compile(model, "oim1024"), "numpy", num_reads=4, steps=100, seed=0, record_every=25)
    tr = res.trajectory
    assert tr.states.shape == (4, 4, 8) and list(tr.steps) == [25, 50, 75, 100]
    assert np.allclose(tr.energies, model.energy(tr.states.reshape(-1, 8)).reshape(4, 4))
    assert np.all(np.diff(tr.times) > 0)
    # chip time = anneal + lock-in readout over 10 tank periods (ω₀ = 1/√(LC) = 3.16e10 rad/s)
    readout = 10 * 2 * np.pi * np.sqrt(1e-9 * 1e-12)
    assert res.info["chip_time"] == pytest.approx(tr.times[-1] + readout)


def test_maxcut_results_offer_cut_values():
    model = sdk.maxcut([(0, 1), (1, 2), (2, 0), (2, 3)])
    res = sdk.run(sdk.compile(model, "oim1024"), "numpy", num_reads=8, seed=0)
    assert np.allclose(res.cut_values, model.cut_value(res.samples))
    assert res.cut_values.max() == 3


def test_bad_run_settings():
    prog = _oim_program()
    with pytest.raises(sdk.RunError, match="integrator"):
        sdk.run(prog, integrator="rk4")
    with pytest.raises(sdk.RunError, match="burn_in"):
        sdk.run(prog, burn_in=10)
    with pytest.raises(sdk.BackendError, match="unknown backend 'gpu9'"):
        sdk.run(prog, backend="gpu9")
    with pytest.raises(sdk.BackendError, match="noise tape exhausted"):
        sdk.run(prog, "numpy", num_reads=2, steps=10, noise=NoiseTape(np.zeros((5, 2, 8))))
    if sdk.available_backends()["jax"] is None:
        with pytest.raises(sdk.BackendError, match="layout must be one of"):
            sdk.run(prog, "jax", backend_options={"layout": "csr"})


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning", "ignore:invalid value:RuntimeWarning")
def test_diverging_run_is_an_error_not_nan_samples():
    prog = sdk.compile(sdk.LangevinModel(quartic=1.0, quadratic=2.0, n=2), "gauss8")
    with pytest.raises(sdk.RunError, match="diverged"):
        sdk.run(prog, "numpy", num_reads=2, steps=50, dt=5.0, temperature=1.0, seed=0)


def test_auto_backend_and_environment_override(monkeypatch):
    prog = _oim_program()
    monkeypatch.setenv("SONQ_BACKEND", "numpy")
    assert sdk.run(prog, num_reads=2, steps=10, seed=0).info["backend"] == "numpy"
    monkeypatch.delenv("SONQ_BACKEND")
    assert sdk.run(prog, num_reads=2, steps=10, seed=0).info["backend"] in ("c", "numba", "numpy")
