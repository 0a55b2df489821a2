"""The demo's MaxCut claims: exact optimum on the shipped 20-node instance, and within 2% of the
best of many networkx one-exchange runs on the shipped 100-node random graph."""

import networkx as nx
import numpy as np
import pytest
from networkx.algorithms.approximation.maxcut import one_exchange

from sdk.analysis import ground_state_bruteforce
from sdk.demo import DEFAULT_INSTANCE, SMALL_INSTANCE, run_demo
from sdk.interop import read_gset

ONE_EXCHANGE_STARTS = 30


def test_demo_finds_the_optimum_of_the_small_instance(tmp_path):
    model = read_gset(SMALL_INSTANCE)
    assert model.J.shape[0] <= 20
    optimum = float(model.cut_value(ground_state_bruteforce(model)[0]))
    outcome = run_demo(SMALL_INSTANCE, backend="numba", num_reads=16, seed=1, out_dir=tmp_path)
    print(f"\n{SMALL_INSTANCE.name}: best cut {outcome.best_cut:g}, optimum {optimum:g}, "
          f"p_success {outcome.p_success:.3f}, TTS99 {outcome.tts99 * 1e6:.3g} µs")
    assert outcome.best_cut == optimum
    assert outcome.target_is_optimum and outcome.target_energy == pytest.approx(model.total_weight - 2 * optimum)
    assert 0 < outcome.p_success <= 1 and outcome.interval[0] <= outcome.p_success <= outcome.interval[1]
    assert outcome.tts99 >= outcome.result.info["chip_time"]
    assert outcome.ets99 >= outcome.result.info["chip_energy"] > 0
    assert outcome.plot is not None and outcome.plot.stat().st_size > 10_000


def test_demo_is_within_two_percent_of_one_exchange_on_100_nodes():
    model = read_gset(DEFAULT_INSTANCE)
    assert model.J.shape[0] == 100
    graph = nx.from_scipy_sparse_array(model.J)
    heuristic = max(one_exchange(graph, seed=k, weight="weight")[0] for k in range(ONE_EXCHANGE_STARTS))
    outcome = run_demo(DEFAULT_INSTANCE, backend="numba", seed=1)
    print(f"\n{DEFAULT_INSTANCE.name}: OIM best cut {outcome.best_cut:g} "
          f"(p at best {outcome.p_success:.3f}), one-exchange best of {ONE_EXCHANGE_STARTS}: {heuristic:g}")
    assert outcome.best_cut >= 0.98 * heuristic
    assert outcome.best_cut == pytest.approx(float(np.max(model.cut_value(outcome.result.samples))))
    assert not outcome.target_is_optimum and outcome.plot is None
