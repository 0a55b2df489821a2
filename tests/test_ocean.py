"""dimod samplers on SONQ chips: dimod's own conformance kit, faithful translation (labels,
vartypes, offsets, seeds), initial states, timing and errors."""

from __future__ import annotations

import itertools
import unittest
from functools import partial

import numpy as np
import pytest

dimod = pytest.importorskip("dimod")
dwave_system = pytest.importorskip("dwave.system")

import sdk  # noqa: E402
from device_models.errors import TopologyError  # noqa: E402
from runtime.errors import RunError  # noqa: E402
from sdk.ocean import ChipSampler, StructuredChipSampler  # noqa: E402

#: one all-to-all chip of each spin cell
CHIPS = ("oim1024", "pbit256", "kpo1024", "cim1024")


def _embedded_kings():
    """The logical face of the king's-graph chip: Ocean's EmbeddingComposite, seeded minorminer."""
    return dwave_system.EmbeddingComposite(StructuredChipSampler("oim64-kings"),
                                           embedding_parameters={"random_seed": 1})


def _kit(name: str, make) -> type:
    """A TestCase of dimod's generated sampler tests (empty models, one variable, tuple labels,
    paths; SPIN and BINARY; three BQM classes) on the samplers ``make()`` builds."""
    make.__name__ = name  # dimod names the generated tests after the factory
    return dimod.testing.load_sampler_bqm_tests(make)(type(f"Test_{name}_Kit", (unittest.TestCase,), {}))


for _name, _make in {**{chip.replace("-", "_"): partial(ChipSampler, chip) for chip in CHIPS},
                     "embedded_kings": _embedded_kings}.items():
    globals()[f"Test_{_name}_Kit"] = _kit(_name, _make)


@pytest.mark.parametrize("make", [*(partial(ChipSampler, chip) for chip in CHIPS),
                                  lambda: StructuredChipSampler("oim64-kings"), _embedded_kings])
def test_sampler_api(make):
    sampler = make()
    dimod.testing.assert_sampler_api(sampler)
    assert {"num_reads", "seed", "initial_states", "steps", "temperature", "backend"} <= set(sampler.parameters)


def test_structured_sampler_has_the_chip_graph():
    sampler = StructuredChipSampler("oim64-kings")
    dimod.testing.assert_sampler_api(sampler)
    assert isinstance(sampler, dimod.Structured)
    # 8×8 king's graph: 2·8·7 straight + 2·7·7 diagonal couplers
    assert sampler.nodelist == list(range(64)) and len(sampler.edgelist) == 2 * 8 * 7 + 2 * 7 * 7
    assert (0, 9) in sampler.edgelist and (0, 2) not in sampler.edgelist
    assert sampler.properties["topology"] == "kings" and sampler.properties["dac_levels"] == 63


def _frustrated(vartype: str) -> "dimod.BinaryQuadraticModel":
    """Six variables with awkward labels, fields, couplings of both signs, an offset."""
    rng = np.random.default_rng(5)
    labels = ["a", ("t", 1), 7, (("x",),), "b", 2.5]
    linear = {v: float(rng.normal()) for v in labels}
    quadratic = {(u, v): float(rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 1.5))
                 for u, v in itertools.combinations(labels, 2)}
    return dimod.BinaryQuadraticModel(linear, quadratic, 1.25, vartype)


@pytest.mark.parametrize("chip", CHIPS)
@pytest.mark.parametrize("vartype", ["SPIN", "BINARY"])
def test_samples_are_the_chips_own_run(chip, vartype):
    """The sampler is a translation: its rows are exactly sdk.run's samples of the same model at
    the same seed, columns relabelled, converted to the BQM's vartype; energies are the BQM's."""
    bqm = _frustrated(vartype)
    sampleset = ChipSampler(chip).sample(bqm, num_reads=16, seed=3)
    order = list(bqm.variables)
    spins = sdk.run(sdk.compile(sdk.from_dimod(bqm.spin), chip), num_reads=16, seed=3).samples
    ours = sampleset.record.sample[:, [sampleset.variables.index(v) for v in order]]
    assert np.array_equal(ours, spins if vartype == "SPIN" else (spins + 1) // 2)
    assert sampleset.vartype is dimod.Vartype[vartype]
    assert np.allclose(sampleset.record.energy, bqm.energies(sampleset))
    exact = dimod.ExactSolver().sample(bqm).first.energy
    assert sampleset.first.energy == pytest.approx(exact, abs=1e-9)  # 6 variables, 16 anneals


def test_info_carries_timing_chip_time_and_the_run():
    sampleset = ChipSampler("pbit256").sample(_frustrated("SPIN"), num_reads=8, seed=2, steps=300)
    info = sampleset.info
    timing = info["timing"]
    assert set(timing) == {"preprocessing_ns", "sampling_ns", "postprocessing_ns", "chip_ns"}
    assert all(isinstance(v, int) and v > 0 for v in timing.values())
    # pbit256: one sweep per colour class at the 1 GHz clock, 300 sweeps plus readout, 8 reads in a row
    assert info["chip_time"] > 300e-9 and timing["chip_ns"] == round(8 * info["chip_time"] * 1e9)
    assert info["steps"] == 300 and info["seed"] == 2 and info["protocol"] == "optimize"
    assert info["dac_step"] == pytest.approx(info["full_scale"] / 1023)
    assert list(sampleset.record.replica) == list(range(8)) and set(sampleset.record.step) == {300}


def test_unseeded_calls_report_the_seed_that_repeats_them():
    sampler = ChipSampler("pbit256")
    bqm = _frustrated("BINARY")
    first = sampler.sample(bqm, num_reads=4, steps=5)
    seed = first.info["seed"]
    assert 0 <= seed < 2**32
    again = sampler.sample(bqm, num_reads=4, steps=5, seed=seed)
    assert np.array_equal(first.record.sample, again.record.sample)


def test_run_options_pass_through():
    """temperature selects sampling; backend and steps reach the run."""
    sampleset = ChipSampler("oim1024").sample(_frustrated("SPIN"), num_reads=2, seed=1, temperature=0.5,
                                              steps=40, backend="numpy")
    info = sampleset.info
    assert info["protocol"] == "sample" and info["backend"] == "numpy" and info["steps"] == 40
    assert info["temperature_start"] == pytest.approx(0.5)


def test_initial_states_start_the_chip():
    """Noiseless recall from given spins keeps each start when it is a local minimum (the ground
    state and its spin-flip twin of a ferromagnetic chain) and moves it otherwise: the states
    reach the chip."""
    chain = dimod.BinaryQuadraticModel({}, {(k, k + 1): -1.0 for k in range(5)}, 0.0, "SPIN")
    up, down = [1] * 6, [-1] * 6
    sampleset = ChipSampler("oim1024").sample(chain, initial_states=[up, down], protocol="recall",
                                              initial_states_generator="none", seed=0)
    assert len(sampleset) == 2
    rows = {tuple(r) for r in sampleset.record.sample}
    assert rows == {tuple(up), tuple(down)}
    tiled = ChipSampler("oim1024").sample(chain, initial_states=[up], num_reads=3, protocol="recall",
                                          initial_states_generator="tile", seed=0)
    assert np.all(tiled.record.sample == 1)


def test_binary_initial_states_are_translated():
    bqm = dimod.BinaryQuadraticModel({}, {("p", "q"): -1.0}, 0.0, "BINARY")  # 00 and 11 are minima
    sampleset = ChipSampler("pbit256").sample(bqm, initial_states=[{"p": 1, "q": 1}], protocol="recall", seed=0)
    assert sampleset.first.sample == {"p": 1, "q": 1}


def test_one_chip_instance_per_sampler():
    spec = sdk.DeviceSpec.from_dict({**_spec_dict("pbit256"), "mismatch": 0.05})
    sampler = ChipSampler(spec)
    seed = sampler.properties["mismatch_seed"]
    assert isinstance(seed, int)
    bqm = _frustrated("SPIN")
    reports = [sampler.sample(bqm, num_reads=1, steps=3, seed=k).info["compile"] for k in range(2)]
    assert [r["mismatch_seed"] for r in reports] == [seed, seed]
    assert ChipSampler(spec, mismatch_seed=11).sample(bqm, steps=3).info["compile"]["mismatch_seed"] == 11


def _spec_dict(name: str) -> dict:
    import yaml

    from device_models.registry import CHIPS_DIR

    return yaml.safe_load((CHIPS_DIR / f"{name}.yaml").read_text())


def test_bad_use_gets_sonq_errors():
    with pytest.raises(TopologyError, match="StructuredChipSampler"):
        ChipSampler("oim64-kings")
    with pytest.raises(RunError, match="real variables"):
        ChipSampler("gauss8")
    sampler = ChipSampler("pbit256")
    bqm = _frustrated("SPIN")
    with pytest.raises(RunError, match=r"unknown keyword\(s\) \['num_sweeps'\]"):
        sampler.sample(bqm, num_sweeps=10)
    with pytest.raises(RunError, match="num_reads"):
        sampler.sample(bqm, num_reads=0)
    with pytest.raises(RunError, match="initial_states"):
        sampler.sample(bqm, initial_states=[{"zz": 1}])
    with pytest.raises(RunError, match="num_reads"):
        sampler.sample(dimod.BinaryQuadraticModel("SPIN"), num_reads=0)
    structured = StructuredChipSampler("oim64-kings")
    with pytest.raises(TopologyError, match="'a' is not a cell"):
        structured.sample(dimod.BinaryQuadraticModel({"a": 1.0}, {}, 0.0, "SPIN"))
    with pytest.raises(TopologyError, match=r"interaction \((0, 2|2, 0)\) joins cells"):
        structured.sample(dimod.BinaryQuadraticModel({}, {(0, 2): 1.0}, 0.0, "SPIN"))


def test_structured_sampler_runs_on_its_cells():
    """A BQM on couplers of the king's graph runs with its variables on those very cells."""
    structured = StructuredChipSampler("oim64-kings")
    bqm = dimod.BinaryQuadraticModel({9: 0.5}, {(0, 9): -1.0, (9, 18): 1.0, (0, 1): 0.5}, 0.0, "SPIN")
    program = structured.compile(bqm)
    assert list(program.placement) == list(bqm.variables)
    sampleset = structured.sample(bqm, num_reads=8, seed=4)
    assert sampleset.first.energy == pytest.approx(dimod.ExactSolver().sample(bqm).first.energy)


def _boltzmann_tv(sampleset, bqm, temperature: float) -> tuple[float, np.ndarray]:
    """The total-variation distance between the sample set's states and exp(−E/T)/Z of the BQM, and
    that distribution."""
    exact = dimod.ExactSolver().sample(bqm)
    weights = np.exp(-(exact.record.energy - exact.first.energy) / temperature)
    index = {tuple(row): k for k, row in enumerate(exact.record.sample)}
    columns = [sampleset.variables.index(v) for v in exact.variables]
    counts = np.zeros(len(exact))
    for row in sampleset.record.sample[:, columns]:
        counts[index[tuple(row)]] += 1
    return sdk.total_variation(counts / counts.sum(), weights / weights.sum()), weights / weights.sum()


def test_sampling_at_a_temperature_is_boltzmann():
    """The p-bit chip at temperature T (model units) through the dimod API: 2000 independent reads
    of a 4-variable BINARY model match exp(−E/T)/Z within sdk.tv_tolerance (4σ, independent draws:
    each read is its own chain, 200 sweeps from a random start, far past mixing for 4 spins at T = 1);
    at twice the temperature they do not (measured: TV 0.022 at T, 0.128 at 1.3 T, 0.266 at 2 T,
    against a tolerance of 0.080)."""
    bqm = dimod.BinaryQuadraticModel({"p": -1.0, "q": 0.5, ("r",): 1.0, 3: -0.5},
                                     {("p", "q"): 2.0, ("q", ("r",)): -1.5, (("r",), 3): 1.0, ("p", 3): -1.0},
                                     0.5, "BINARY")
    sampler = ChipSampler("pbit256")
    sampleset = sampler.sample(bqm, num_reads=2000, seed=9, temperature=1.0, steps=200)
    assert sampleset.info["protocol"] == "sample"
    tv, p = _boltzmann_tv(sampleset, bqm, 1.0)
    assert tv < sdk.tv_tolerance(p, 2000)
    hot = sampler.sample(bqm, num_reads=2000, seed=9, temperature=2.0, steps=200)
    assert _boltzmann_tv(hot, bqm, 1.0)[0] > sdk.tv_tolerance(p, 2000)


def test_pooled_samples_after_burn_in():
    """record_every and burn_in pool every recorded state after the burn-in: reads × records rows,
    each with its replica and step."""
    sampleset = ChipSampler("pbit256").sample(_frustrated("SPIN"), num_reads=3, seed=1, temperature=1.0,
                                              steps=50, record_every=10, burn_in=20)
    assert len(sampleset) == 3 * 3  # records at steps 30, 40, 50 (after the 20 burn-in steps)
    assert sorted(set(sampleset.record.step)) == [30, 40, 50]
    assert sorted(set(sampleset.record.replica)) == [0, 1, 2]
