"""Gset files and dimod round trips."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

import sdk
from sdk.interop import read_bqm, read_qubo
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


# --- qbsolv QUBO and dimod BQM files -------------------------------------------------------------

def _all_states(n: int, values=(-1, 1)) -> np.ndarray:
    return np.array(list(itertools.product(values, repeat=n)))


def test_read_qubo_is_the_qbsolv_energy(tmp_path):
    path = tmp_path / "m.qubo"
    path.write_text("c a comment\np qubo 0 5 2 2\nc between\n0 0 3\n4 4 -1.5e0\n0 4 2.5\n1 3 -1\n")
    model = read_qubo(path)
    assert isinstance(model, sdk.QUBO) and model.labels == (0, 1, 2, 3, 4)
    X = _all_states(5, (0, 1))
    expected = 3 * X[:, 0] - 1.5 * X[:, 4] + 2.5 * X[:, 0] * X[:, 4] - X[:, 1] * X[:, 3]
    assert np.allclose(model.energy(X), expected)


def test_read_bqm_json_and_coo_written_by_dimod(tmp_path):
    dimod = pytest.importorskip("dimod")
    import json

    from dimod.serialization import coo

    spin = dimod.BinaryQuadraticModel({"a": 1.0, ("t", 1): -0.5, 3: 2.0}, {("a", 3): 1.5, (3, ("t", 1)): -2.0},
                                      0.25, "SPIN")
    (tmp_path / "s.json").write_text(json.dumps(spin.to_serializable()))
    model = read_bqm(tmp_path / "s.json")
    assert isinstance(model, sdk.IsingModel) and set(model.labels) == {"a", ("t", 1), 3}
    S = _all_states(3)
    assert np.allclose(model.energy(S), spin.energies((S, list(model.labels))))
    binary = dimod.BinaryQuadraticModel({0: 1.5, 7: -2.0}, {(0, 7): 3.25, (7, 2): -1.0}, 0.0, "BINARY")
    (tmp_path / "b.coo").write_text(coo.dumps(binary, vartype_header=True))
    (tmp_path / "b.json").write_text(json.dumps(binary.to_serializable()))
    X = _all_states(3, (0, 1))
    for name in ("b.coo", "b.json"):
        model = read_bqm(tmp_path / name)
        assert isinstance(model, sdk.QUBO) and set(model.labels) == {0, 2, 7}
        assert np.allclose(model.energy(X), binary.energies((X, list(model.labels))))


def test_coo_labels_are_the_integers_written(tmp_path):
    path = tmp_path / "m.coo"
    big = 10**18 - 1  # beyond float64's integers: kept exact
    path.write_text(f"# vartype=SPIN\n5 5 1\n{big} 5 -2\n5 {big} 0.5\n")
    model = read_bqm(path)
    assert model.labels == (5, big) and model.J[0, 1] == -1.5 and list(model.h) == [1.0, 0.0]


def test_coo_vartype_from_the_header_or_the_caller(tmp_path):
    path = tmp_path / "m.coo"
    path.write_text("0 0 -1\n0 1 1\n1 2 -4.5\n")
    with pytest.raises(sdk.ModelError, match="needs a '# vartype=SPIN'"):
        read_bqm(path)
    assert isinstance(read_bqm(path, vartype="SPIN"), sdk.IsingModel)
    path.write_text("# vartype=BINARY\n0 0 -1\n")
    with pytest.raises(sdk.ModelError, match="line 1 says BINARY, vartype= says SPIN"):
        read_bqm(path, vartype="SPIN")


@pytest.mark.parametrize("name, text, message", [
    ("a.qubo", "p qubo 0 3 1 0\n0 0 1\n1 1 2\n", r"line 1: header announces 1 entries \(nNodes \+ nCouplers\), found 2"),
    ("a.qubo", "c x\np qubo 0 3 1 1\n0 0 1\n2 1 2\n", r"line 4: coupler 2 1: .*needs i < j"),
    ("a.qubo", "p qubo 0 3 1 1\n0 0 1\n0 3 2\n", r"line 3: node 3 is not in 0..2"),
    ("a.qubo", "p qubo 0 3 2 0\n0 0 1\n0 1 2\n", r"line 1: header announces 2 diagonal entries"),
    ("a.qubo", "p qubo 0 3 1 0\n0 0 nan\n", r"line 2: weight 'nan' is not a finite number"),
    ("a.qubo", "0 0 1\n", r"line 1: expected the program line 'p qubo"),
    ("a.qubo", "p qubo 0 x 1 0\n0 0 1\n", r"line 1: the header must be four integers"),
    ("a.qubo", "", r"file: expected the program line"),
    ("a.coo", "# vartype=SPIN\n0 1\n", r"line 2: expected 'i j w', got '0 1'"),
    ("a.coo", "# vartype=SPIN\n0 -1 1\n", r"line 2: node -1 is not in 0\.\."),
    ("a.coo", "# vartype=SPIN\n0 1 1e999\n", r"line 2: weight '1e999' is not a finite number"),
    ("a.coo", "# vartype=SPIN\n# vartype=BINARY\n", r"vartypes disagree"),
    ("a.coo", "# vartype=REAL\n", r"line 1: vartype 'REAL' is not one of"),
    ("a.json", '{"type": "BinaryQuadraticModel",\n "version": ', r"line 2, column \d+: not JSON"),
    ("a.json", "[" * 100000, r"unreadable JSON|not JSON"),
    ("a.json", '{"type": "DiscreteQuadraticModel"}', r"not a dimod BQM"),
])
def test_bad_model_files_name_the_file_and_line(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text)
    reader = read_qubo if name.endswith(".qubo") else read_bqm
    with pytest.raises(sdk.ModelError, match=message) as info:
        reader(path)
    assert str(path) in str(info.value)


def _bqm_json(**changes) -> str:
    import json

    doc = {"type": "BinaryQuadraticModel", "version": {"bqm_schema": "3.0.0"}, "use_bytes": False,
           "index_type": "int32", "bias_type": "float64", "num_variables": 2, "num_interactions": 1,
           "variable_labels": ["a", "b"], "variable_type": "SPIN", "offset": 0.5, "info": {},
           "linear_biases": [1.0, -1.0], "quadratic_biases": [2.0], "quadratic_head": [0], "quadratic_tail": [1]}
    doc.update(changes)
    return json.dumps(doc)


@pytest.mark.parametrize("changes, message", [
    ({"num_variables": 10**12}, r"'variable_labels': expected a list of 1000000000000 entries, got 2"),
    ({"linear_biases": [1.0, "x"]}, r"'linear_biases'\[1\]: 'x' is not a finite number"),
    ({"linear_biases": [1.0, True]}, r"'linear_biases'\[1\]: True is not a finite number"),
    ({"quadratic_tail": [2]}, r"'quadratic_tail'\[0\]: 2 is not a variable index in 0..1"),
    ({"quadratic_tail": [0]}, r"joins a variable to itself"),
    ({"num_interactions": -1}, r"'num_interactions': expected a non-negative integer"),
    ({"variable_type": "REAL"}, r"'variable_type'"),
    ({"use_bytes": True}, r"'use_bytes'"),
    ({"version": {"bqm_schema": "2.0.0"}}, r"bqm_schema '2.0.0' is not supported"),
    ({"offset": float("nan")}, r"key 'offset': nan is not a finite number"),
    ({"variable_labels": ["a", "a"]}, r"labels must be distinct"),
    ({"variable_labels": ["a", {"k": 1}]}, r"labels\[1\]"),
])
def test_bad_bqm_json_names_the_key(tmp_path, changes, message):
    path = tmp_path / "m.json"
    path.write_text(_bqm_json(**changes))
    with pytest.raises(sdk.ModelError, match=message):
        read_bqm(path)
    path.write_text(_bqm_json())
    model = read_bqm(path)
    assert np.allclose(model.energy(np.array([[1, -1]])), [0.5 + 1 + 1 - 2])
