"""A seed means the same samples whichever emulator ``backend="auto"`` (or ``SONQ_BACKEND``) picks:
the numpy, numba and c backends then consume one seeded stream, and results name their generator."""

import numpy as np
import pytest

import sdk

MODELS = {
    "pbit": (lambda: sdk.IsingModel(np.linspace(-1, 1, 10), np.triu(np.random.default_rng(1).normal(size=(10, 10)), 1)),
             "pbit256", {}),
    "oim": (lambda: sdk.IsingModel(np.zeros(10), np.triu(np.random.default_rng(2).choice([-1.0, 1.0], (10, 10)), 1)),
            "oim1024", {}),
    "gauss": (lambda: sdk.LangevinModel(1.0, -2.0, J=0.2 * (np.eye(6, k=1) + np.eye(6, k=-1)), b=0.1, n=6), "gauss8",
              {"temperature": 0.5}),
}


def _run(cell: str, backend: str, monkeypatch) -> sdk.SampleSet:
    build, chip, kw = MODELS[cell]
    monkeypatch.setenv("SONQ_BACKEND", backend)
    return sdk.run(sdk.compile(build(), chip), "auto", num_reads=8, steps=200, seed=42, **kw)


@pytest.mark.parametrize("cell", sorted(MODELS))
def test_same_seed_same_samples_on_every_emulator(cell, monkeypatch):
    runs = {b: _run(cell, b, monkeypatch) for b in ("numpy", "numba", "c") if not sdk.available_backends()[b]}
    ref = runs.pop("numpy")
    for backend, res in runs.items():
        assert res.info["generator"] == ref.info["generator"]
        if cell == "gauss":
            np.testing.assert_allclose(res.samples, ref.samples, rtol=1e-9, atol=1e-12)
        else:
            np.testing.assert_array_equal(res.samples, ref.samples, err_msg=f"{backend} vs numpy on {cell}")


def test_explicit_c_uses_its_own_generator_and_says_so():
    if sdk.available_backends()["c"]:
        pytest.skip(sdk.available_backends()["c"])
    build, chip, _ = MODELS["pbit"]
    program = sdk.compile(build(), chip)
    own = sdk.run(program, "c", num_reads=8, steps=200, seed=42)
    portable = sdk.run(program, "c", num_reads=8, steps=200, seed=42, backend_options={"rng": "tape"})
    assert "counter-based" in own.info["generator"] and "PCG64" in portable.info["generator"]
    assert not np.array_equal(own.samples, portable.samples)
