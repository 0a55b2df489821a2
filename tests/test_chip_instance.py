"""One physical chip: mismatch is a map over the chip's conductances fixed by (device, seed),
independent of the model compiled onto it, and `reprogram` puts new couplings on the same chip."""

import math

import numpy as np
import pytest

import sdk
from compiler.passes.mismatch import CLIP, deviations


def _device(name: str, sigma: float, **coupling) -> sdk.DeviceSpec:
    raw = sdk.load_device(name).to_dict()
    raw["mismatch"] = sigma
    raw["coupling"].update(coupling)
    return sdk.DeviceSpec.from_dict(raw)


def _ising(n: int, seed: int, density: float = 1.0) -> sdk.IsingModel:
    r = np.random.default_rng(seed)
    J = np.triu(r.choice([-1.0, 1.0], (n, n)) * (r.random((n, n)) < density), 1)
    return sdk.IsingModel(np.zeros(n), J)


def test_deviations_are_standard_normal_clipped():
    """2·10⁵ edge draws: mean 0 and the clipped normal's standard deviation, each within 5 standard
    errors; symmetric in the pair; no value beyond the clip.  Clipping N(0, 1) at ±c keeps the
    variance P(|X| < c) − 2cφ(c) + c²P(|X| > c) (0.99501 at c = 3)."""
    r = np.random.default_rng(0)
    a, b = r.integers(0, 4096, 200_000), r.integers(0, 4096, 200_000)
    xi = deviations(7, a, b)
    n = xi.size
    assert abs(xi.mean()) < 5 / np.sqrt(n)
    inside = math.erf(CLIP / math.sqrt(2))
    variance = inside - 2 * CLIP * math.exp(-CLIP**2 / 2) / math.sqrt(2 * math.pi) + CLIP**2 * (1 - inside)
    assert abs(xi.std() - math.sqrt(variance)) < 5 * 0.71 / np.sqrt(n)
    assert np.abs(xi).max() <= CLIP
    np.testing.assert_array_equal(xi, deviations(7, b, a))
    assert not np.array_equal(xi, deviations(8, a, b))


def test_an_edge_keeps_its_deviation_whatever_else_is_programmed():
    spec = _device("pbit256", 0.1, dac_bits=24)
    dense = sdk.compile(_ising(12, 1), spec, mismatch_seed=5, quantize=False)
    sparse = sdk.compile(_ising(12, 1, density=0.3), spec, mismatch_seed=5, quantize=False)
    J0 = sdk.compile(_ising(12, 1), spec.__class__.from_dict({**spec.to_dict(), "mismatch": 0.0}),
                     quantize=False).couplings
    ratio_dense = (dense.couplings.multiply(sparse.couplings != 0)).toarray()
    both = sparse.couplings.toarray() != 0
    np.testing.assert_allclose(ratio_dense[both], sparse.couplings.toarray()[both], rtol=1e-12)
    assert np.all(np.sign(dense.couplings.toarray()) == np.sign(J0.toarray()))


def test_placement_moves_variables_onto_the_chip_s_own_deviations():
    """A coupling placed on cells (a, b) gets the deviation of (a, b), wherever its variables are
    numbered."""
    spec = _device("pbit256", 0.2, dac_bits=24)
    model = sdk.IsingModel(np.zeros(2), [[0.0, 1.0], [0.0, 0.0]])
    p = sdk.compile(model, spec, mismatch_seed=3, quantize=False, placement=[10, 40])
    assert p.couplings[0, 1] == pytest.approx(1 + 0.2 * deviations(3, np.array([10]), np.array([40]))[0])


def test_sign_flips_are_impossible_at_the_largest_mismatch():
    spec = _device("oim1024", 0.3, dac_bits=24)
    p = sdk.compile(_ising(60, 2), spec, mismatch_seed=11, quantize=False)
    assert np.abs(p.couplings.data).min() >= 1 - 3 * 0.3 - 1e-12


def test_an_unseeded_chip_records_the_seed_that_rebuilds_it():
    spec = _device("oim1024", 0.05)
    model = _ising(10, 4)
    first = sdk.compile(model, spec)
    assert isinstance(first.report.mismatch_seed, int)
    again = sdk.compile(model, spec, mismatch_seed=first.report.mismatch_seed)
    assert (first.couplings != again.couplings).nnz == 0
    assert sdk.compile(model, spec).report.mismatch_seed != first.report.mismatch_seed


def test_reprogram_keeps_the_chip_unit_and_mismatch():
    spec = _device("pbit256", 0.1, dac_bits=6)
    model = sdk.IsingModel(np.linspace(-1, 1, 8), 0.5 * np.triu(np.ones((8, 8)), 1))
    program = sdk.compile(model, spec, mismatch_seed=9)
    halved = sdk.IsingModel(0.5 * np.linspace(-1, 1, 8), 0.25 * np.triu(np.ones((8, 8)), 1))
    again = sdk.reprogram(program, halved)
    assert again.scale == program.scale and again.report.mismatch_seed == 9
    assert again.report.quantized and np.array_equal(again.colors, program.colors)
    rebuilt = sdk.compile(halved, spec, mismatch_seed=9)  # its own unit: twice the conductances
    assert rebuilt.scale == pytest.approx(program.scale / 2)
    # Same chip: 0.5 and 0.25 are the DAC levels 32/63 and 16/63 (6 bits), each edge times the
    # same deviation, so every programmed coupling halves exactly.
    np.testing.assert_allclose(again.couplings.toarray(), program.couplings.toarray() * 0.5, rtol=1e-12)
    assert not np.allclose(program.couplings.data, 32 / 63)  # the deviations are there


def test_reprogram_clips_beyond_full_scale_and_refuses_other_variables():
    program = sdk.compile(_ising(6, 5), "pbit256")
    doubled = sdk.IsingModel(np.zeros(6), 2 * np.triu(program.model.J.toarray(), 1))
    out = sdk.reprogram(program, doubled)
    assert out.report.saturated == program.model.J.nnz // 2
    assert np.abs(out.couplings.data).max() == pytest.approx(1.0)
    with pytest.raises(sdk.CompileError, match="same variables"):
        sdk.reprogram(program, _ising(7, 5))
