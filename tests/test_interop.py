"""Gset files and dimod round trips."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

import sdk
from spine_data import random_sk

GSET = Path(__file__).resolve().parents[2] / "shared" / "data" / "gset"


def test_gset_roundtrip(tmp_path):
    model = sdk.maxcut([(0, 1, 1.0), (1, 2, -1.0), (0, 3, 2.5)])
    path = sdk.write_gset(model, tmp_path / "g.txt")
    assert path.read_text().splitlines()[0] == "4 3"
    back = sdk.read_gset(path)
    S = np.array(list(itertools.product([-1, 1], repeat=4)))
    assert np.allclose(back.energy(S), model.energy(S))


@pytest.mark.skipif(not GSET.is_dir(), reason="../shared/data not beside this checkout")
def test_reads_real_gset_g1():
    g1 = sdk.read_gset(GSET / "G1.txt")
    assert g1.num_variables == 800 and g1.J.nnz == 2 * 19176 and g1.total_weight == 19176


def test_bad_gset_names_the_line(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("3 2\n1 2 1\n2 7 1\n")
    with pytest.raises(sdk.ModelError, match="edge line 3"):
        sdk.read_gset(path)
    path.write_text("3 5\n1 2 1\n")
    with pytest.raises(sdk.ModelError, match="announces 5 edges, found 1"):
        sdk.read_gset(path)


def test_dimod_roundtrip_spin_and_binary(rng):
    dimod = pytest.importorskip("dimod")
    model = sdk.IsingModel(rng.normal(size=5), random_sk(5, 1) * 0.5, offset=1.5, labels="abcde")
    bqm = sdk.to_dimod(model)
    S = np.array(list(itertools.product([-1, 1], repeat=5)))
    assert np.allclose(bqm.energies((S, list("abcde"))), model.energy(S))
    back = sdk.from_dimod(bqm)
    assert back.labels == tuple("abcde") and np.allclose(back.energy(S), model.energy(S))
    qbqm = dimod.BinaryQuadraticModel({"x": 1.0, "y": -2.0}, {("x", "y"): 3.0}, 0.5, "BINARY")
    qubo = sdk.from_dimod(qbqm)
    X = np.array(list(itertools.product([0, 1], repeat=2)))
    assert np.allclose(qubo.energy(X), qbqm.energies((X, ["x", "y"])))
    assert np.allclose(sdk.to_dimod(qubo).energies((X, ["x", "y"])), qubo.energy(X))


def test_sampleset_to_dimod():
    pytest.importorskip("dimod")
    model = sdk.QUBO(np.array([[1.0, -2.0], [0.0, 1.0]]))
    res = sdk.run(sdk.compile(model, "pbit256"), "numpy", num_reads=8, steps=20, temperature=0.5, seed=1)
    ss = res.to_dimod()
    assert set(np.unique(res.samples)) <= {0, 1}
    assert np.allclose(ss.record.energy, model.energy(res.samples))
