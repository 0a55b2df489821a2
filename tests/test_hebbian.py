"""Associative memory on the OIM chip (``sdk.learn.hebbian``): patterns written by Hebbian rules
into DAC-quantized couplings, retrieved from 10%-corrupted cues by the chip's own dynamics."""

import numpy as np
import pytest

from sdk.learn import LearningError
from sdk.learn.hebbian import break_point, capacity_curve, hebbian, memory_program, quantum_flux, retrieve, storkey

N = 100
LOADS = (0.04, 0.08, 0.12, 0.16, 0.2, 0.25, 0.3, 0.4)


@pytest.fixture(scope="module")
def curves():
    return {rule.__name__: capacity_curve(N, LOADS, rule, backend="c", seed=0) for rule in (hebbian, storkey)}


def test_the_chip_breaks_where_the_hopfield_network_does(curves):
    """With the outer-product rule the chip's break (success through ½) lies within 0.1·N of the
    discrete Hopfield network's from the same cues (measured 0.225 and 0.19).  With Storkey's rule
    the chip breaks earlier than that network (0.27 against 0.43): its continuous relaxation does not
    reach the discrete network's basins there (docs/learning.md)."""
    assert abs(break_point(curves["hebbian"]) - break_point(curves["hebbian"], column=2)) < 0.1


def test_the_outer_product_rule_breaks_near_the_hopfield_capacity(curves):
    """Success (overlap ≥ 0.95 with the cued pattern, 4 pattern sets × 8 cues per load) falls through
    ½ between P/N = 0.1 and 0.25 at N = 100: the Hopfield capacity 0.138 is the large-N limit; at
    N = 100 retrieval within 5% errors lasts longer (measured 0.225; 0.17 at N = 500 on the C
    backend, docs/learning.md)."""
    print({rule: [tuple(round(v, 3) for v in row) for row in curve] for rule, curve in curves.items()})
    assert curves["hebbian"][0][1] == 1.0
    assert 0.1 < break_point(curves["hebbian"]) < 0.25


def test_storkey_stores_more_than_the_outer_product_rule(curves):
    """Storkey's rule (capacity ≈ N/√(2 ln N) ≈ 0.33·N at N = 100) breaks later, on the chip and in
    the reference network."""
    assert break_point(curves["storkey"]) > break_point(curves["hebbian"])
    assert break_point(curves["storkey"], column=2) > break_point(curves["hebbian"], column=2)


def test_quantum_flux_keeps_the_latest_pattern_past_capacity():
    """30 patterns on 100 cells (load 0.3, past the outer-product capacity): with strengths that
    decay by 0.8 per presentation the latest pattern is retrieved from its cues and the first four
    are forgotten, while the plain rule, weighing all 30 equally, retrieves none of them.  (Only
    the latest: from binary phases the OIM's coupling term vanishes, and the phases leave the cue
    along the fastest-growing mode, which a decayed memory aligns with its strongest pattern.)"""
    xi = np.random.default_rng(4).choice([-1.0, 1.0], (30, N))
    flux = memory_program(quantum_flux(xi, decay=0.8, rate=0.5, bound=3.0))
    latest = np.repeat(xi[-1:], 16, axis=0)
    assert retrieve(flux, latest, backend="c", seed=1).success >= 0.9
    assert retrieve(flux, np.repeat(xi[:4], 4, axis=0), backend="c", seed=1).success == 0.0
    assert retrieve(memory_program(hebbian(xi)), latest, backend="c", seed=1).success == 0.0


def test_rules_refuse_bad_patterns():
    with pytest.raises(LearningError, match="spins"):
        hebbian(np.zeros((3, 10)))
    with pytest.raises(LearningError, match="shape"):
        storkey(np.ones(10))
    with pytest.raises(LearningError, match="decay"):
        quantum_flux(np.ones((2, 10)), decay=1.5)
