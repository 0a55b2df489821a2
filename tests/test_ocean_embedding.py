"""Minor-embedding logical problems on the king's-graph OIM through Ocean's composites: the
brute-force optimum comes back, chain breaks are reported, and the chain strength's cost on the
DAC is measured.  (No p-bit chip with a king's graph is shipped, so only oim64-kings.)"""

from __future__ import annotations

import itertools
from functools import partial

import networkx as nx
import numpy as np
import pytest

dimod = pytest.importorskip("dimod")
dwave_system = pytest.importorskip("dwave.system")
from dwave.embedding import is_valid_embedding  # noqa: E402
from dwave.embedding.chain_strength import uniform_torque_compensation  # noqa: E402

from sdk.ocean import StructuredChipSampler, chain_resolution  # noqa: E402

#: K10 on the 8×8 king's graph, 57 of its 64 cells, longest chain 9: found by
#: ``minorminer.find_embedding(K10 edges, oim64-kings edges, random_seed=12, tries=400,
#: max_no_improvement=400, chainlength_patience=100, inner_rounds=200)`` in 140 s (seeds 10 and 11
#: and the default effort found none); stored so the test does not spend that time.
K10_ON_KINGS8 = {0: [36, 29], 1: [45, 52, 59, 34, 41, 48, 57, 58], 2: [54, 47, 23, 30, 38], 3: [28, 37],
                 4: [21, 12, 3, 25, 16, 9, 10], 5: [33, 35, 42, 51, 61, 60], 6: [62, 55, 46, 39, 22, 31],
                 7: [17, 32, 40, 24, 53, 44, 43, 50, 49], 8: [14, 13, 26, 19, 20], 9: [27, 18, 11, 15, 6, 5, 4]}


@pytest.fixture(scope="module")
def kings():
    return StructuredChipSampler("oim64-kings")


def _grid_maxcut() -> "dimod.BinaryQuadraticModel":
    """MaxCut of a 4×4 grid with weights 1–3: E = Σ w s_i s_j, so cut = (W − E)/2."""
    rng = np.random.default_rng(7)
    edges = nx.grid_2d_graph(4, 4).edges
    return dimod.BinaryQuadraticModel({}, {(u, v): float(rng.choice([1.0, 2.0, 3.0])) for u, v in edges}, 0.0, "SPIN")


def _clique(seed: int) -> "dimod.BinaryQuadraticModel":
    """A 10-spin glass on the complete graph: ±1 couplings, fields in ±0.5."""
    rng = np.random.default_rng(seed)
    return dimod.BinaryQuadraticModel({i: float(rng.uniform(-0.5, 0.5)) for i in range(10)},
                                      {(i, j): float(rng.choice([-1.0, 1.0])) for i, j in itertools.combinations(range(10), 2)},
                                      0.0, "SPIN")


def _optimum(bqm) -> float:
    return float(dimod.ExactSolver().sample(bqm).first.energy)


def test_grid_maxcut_through_embedding_composite(kings):
    bqm = _grid_maxcut()
    sampler = dwave_system.EmbeddingComposite(kings)
    sampleset = sampler.sample(bqm, num_reads=16, seed=3, embedding_parameters={"random_seed": 5},
                               return_embedding=True)
    best = _optimum(bqm)
    assert sampleset.first.energy == pytest.approx(best, abs=1e-9)
    assert set(sampleset.variables) == set(bqm.variables)  # logical labels (grid tuples) back
    fractions = sampleset.record.chain_break_fraction
    assert fractions.shape == (16,) and np.all((0 <= fractions) & (fractions <= 1))
    context = sampleset.info["embedding_context"]
    assert context["chain_break_method"] == "majority_vote"
    assert is_valid_embedding(context["embedding"], nx.grid_2d_graph(4, 4), kings.edgelist)
    assert sampleset.info["timing"]["chip_ns"] > 0  # the child's info survives unembedding
    total = sum(bqm.quadratic.values())
    assert (total - sampleset.first.energy) / 2 == pytest.approx((total - best) / 2)  # the maximum cut


@pytest.mark.parametrize("seed", [7, 8])
def test_ten_node_clique_through_a_fixed_embedding(kings, seed):
    assert is_valid_embedding(K10_ON_KINGS8, nx.complete_graph(10), kings.edgelist)
    bqm = _clique(seed)
    sampler = dwave_system.FixedEmbeddingComposite(kings, K10_ON_KINGS8)
    sampleset = sampler.sample(bqm, num_reads=32, seed=3, return_embedding=True)
    assert sampleset.first.energy == pytest.approx(_optimum(bqm), abs=1e-9)
    fractions = sampleset.record.chain_break_fraction
    # some of the 32 reads break a chain of 2–9 cells, and majority vote still resolves them
    assert 0 < fractions.mean() < 0.2
    assert sampleset.info["embedding_context"]["chain_strength"] == pytest.approx(
        uniform_torque_compensation(bqm, K10_ON_KINGS8))


def test_chain_strength_compresses_the_logical_problem_on_the_dac(kings):
    """The chain strength becomes the DAC's full scale: doubling it halves the share of full scale
    the logical terms get and drops more of their pieces below half a DAC step (6-bit DAC)."""
    bqm = _clique(7)
    rules = [partial(uniform_torque_compensation, prefactor=p) for p in (0.5, 1.0, 2.0, 4.0)]
    reports = [chain_resolution(kings, bqm, K10_ON_KINGS8, rule) for rule in rules]
    for report in reports:
        assert report.full_scale == pytest.approx(max(report.chain_strength, 1.0))
        assert report.dac_step == pytest.approx(report.full_scale / 63)
        assert report.logical_terms == reports[0].logical_terms > 45  # every pair and field, split
    compressions = [r.compression for r in reports[1:]]
    assert compressions == pytest.approx([reports[1].compression / 2 ** k for k in range(3)])
    dropped = [r.dropped for r in reports]
    errors = [r.relative_error for r in reports]
    assert dropped == sorted(dropped) and dropped[0] < dropped[-1]
    assert errors == sorted(errors) and errors[-1] > 5 * errors[0]


def test_chain_resolution_of_a_native_embedding_is_the_plain_quantisation(kings):
    """Chains of one cell: the logical terms are the whole problem, each on its own coupler, and the
    largest fills the DAC."""
    bqm = dimod.BinaryQuadraticModel({0: 0.3}, {(0, 1): 1.0, (1, 2): -0.5}, 0.0, "SPIN")
    report = chain_resolution(kings, bqm, {0: [0], 1: [1], 2: [2]})
    assert report.logical_terms == 3 and report.dropped == 0 and report.chain_strength is None
    assert report.compression == pytest.approx(1.0) and report.full_scale == pytest.approx(1.0)
    # 0.3 and 0.5 on 63 levels: round(18.9)/63 and round(31.5)/63 (both within half a step)
    assert report.relative_error == pytest.approx(
        np.linalg.norm([0.3 - 19 / 63, 0.5 - 32 / 63]) / np.linalg.norm([0.3, 1.0, 0.5]))
