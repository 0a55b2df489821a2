"""Bad inputs to the Gset reader, the energy models and the quantity parser get a SONQ error that
names the problem (issue 10): no truncation, no dropped imaginary part, no overflow to ±inf, no
allocation sized by an absurd header, no label that compiles but cannot be saved."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

import sdk
from device_models.errors import DeviceSpecError, ModelError, NonFiniteError
from device_models.units import parse_quantity

ROOT = Path(__file__).resolve().parents[1]
PAIR = np.array([[0.0, 1.0], [1.0, 0.0]])


def _gset(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "g.rudy"
    path.write_text(text)
    return path


# --- Gset / rudy ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, message", [
    ("3 2\n1 2 1\n1 1.5 1\n", r"edge line 3: node '1.5' is not an integer"),
    ("# c\n\n3 2\n# c\n1 2 1\n2 7 1\n", r"edge line 6: node 7 is not in 1..3"),
    ("3 1\n# comment\n0 2 1\n", r"edge line 3: node 0 is not in 1..3"),
    ("3 1\n-1 2 1\n", r"edge line 2: node -1 is not in 1..3"),
    ("3 1\n2 2 1\n", r"edge line 2: self-loop on node 2"),
    ("3 1\n1 2 nan\n", r"edge line 2: weight 'nan' is not a finite number"),
    ("3 1\n1 2 1e999\n", r"edge line 2: weight '1e999' is not a finite number"),
    ("3 1\n1 2 inf\n", r"weight 'inf' is not a finite number"),
    ("3 1\n1 2 0x10\n", r"weight '0x10' is not a finite number"),
    ("3 1\n1 2\n", r"edge line 2: expected 'i j w', got '1 2'"),
    ("3 1\n1 2 1 9\n", r"expected 'i j w'"),
    ("3 1\n1 " + "9" * 30 + " 1\n", r"is not an integer \(of at most 18 digits\)"),
    ("3.0 1\n1 2 1\n", r"line 1: the header must be two integers 'n m', got '3.0 1'"),
    ("3\n", r"line 1: the header must be two integers"),
    ("3 5\n1 2 1\n", r"header announces 5 edges, found 1"),
    ("0 0\n", r"header announces n = 0 nodes"),
    ("", r"empty Gset file"),
    ("# only a comment\n", r"empty Gset file"),
])
def test_bad_gset_files_name_the_real_line(tmp_path, text, message):
    with pytest.raises(ModelError, match=message):
        sdk.read_gset(_gset(tmp_path, text))


#: child: read_gset(argv[2]) with at most 1 GiB more address space than sdk's import took
BOUNDED_READ = """
import resource, sys
sys.path.insert(0, sys.argv[1])
import sdk
size = next(int(l.split()[1]) * 1024 for l in open("/proc/self/status") if l.startswith("VmSize"))
resource.setrlimit(resource.RLIMIT_AS, (size + (1 << 30),) * 2)
try:
    sdk.read_gset(sys.argv[2])
except sdk.ModelError as error:
    print("refused:", error)
"""


def test_gset_header_is_checked_before_allocating(tmp_path):
    """An 18-byte file announcing 10¹² nodes is refused with a ModelError, in a process that could
    not allocate the 8 TB n float64 fields would take (nor 1 GiB more)."""
    path = _gset(tmp_path, "1000000000000 0\n#\n")
    assert path.stat().st_size == 18
    proc = subprocess.run([sys.executable, "-c", BOUNDED_READ, str(ROOT), str(path)], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "header announces n = 1000000000000 nodes" in proc.stdout


def test_gset_isolated_nodes_and_comments_and_crlf(tmp_path):
    model = sdk.read_gset(_gset(tmp_path, "# graph\r\n5 2\r\n1 2 1\r\n\r\n# late comment\r\n4 3 -2.5e0\r\n"))
    assert model.num_variables == 5 and model.J[3, 2] == -2.5 and model.J.nnz == 4


def test_gset_unreadable_files_are_model_errors(tmp_path):
    with pytest.raises(ModelError, match="cannot read a Gset file"):
        sdk.read_gset(tmp_path / "missing.rudy")
    with pytest.raises(ModelError, match="cannot read a Gset file"):
        sdk.read_gset(tmp_path)
    path = tmp_path / "binary.rudy"
    path.write_bytes(b"3 1\n1 2 \xff\n")
    with pytest.raises(ModelError, match="cannot read a Gset file"):
        sdk.read_gset(path)


def test_gset_errors_escape_control_characters(tmp_path):
    with pytest.raises(ModelError) as info:
        sdk.read_gset(_gset(tmp_path, "3 1\n1 \x1b[2J 1\n"))
    assert "\x1b" not in str(info.value) and "\\x1b[2J" in str(info.value)


# --- energy models -------------------------------------------------------------------------

@pytest.mark.parametrize("bad, kind", [
    (PAIR * (1 + 1j), "complex128"),
    (PAIR.astype(object), "object"),
    (PAIR.astype(str), "<U3"),
    (np.array([[False, True], [True, False]], dtype=object), "object"),
])
def test_couplings_must_be_real_numbers(bad, kind):
    with pytest.raises(ModelError, match=f"J must hold real numbers, got an array of dtype {kind}"):
        sdk.IsingModel(np.zeros(2), bad)


def test_complex_inputs_never_lose_their_imaginary_part():
    with pytest.raises(ModelError, match="complex"):
        sdk.IsingModel(np.zeros(2), sp.csr_matrix(PAIR * 1j))
    with pytest.raises(ModelError, match="h must hold real numbers"):
        sdk.IsingModel([1j, 0], PAIR)
    with pytest.raises(ModelError, match="Q must hold real numbers"):
        sdk.QUBO(PAIR + 0j)
    with pytest.raises(ModelError, match="A must hold real numbers"):
        sdk.GaussianModel(np.eye(2) * (1 + 1e-9j))
    with pytest.raises(ModelError, match="b must hold real numbers"):
        sdk.GaussianModel(np.eye(2), b=["1", "2"])
    with pytest.raises(ModelError, match="quartic must hold real numbers"):
        sdk.LangevinModel(quartic=[1 + 1j, 1], quadratic=1.0)
    with pytest.raises(ModelError, match="edge weights must hold real numbers"):
        sdk.maxcut([(0, 1, 1j)])
    with pytest.raises(ModelError, match="offset must be a real number, got 1j"):
        sdk.IsingModel(np.zeros(2), PAIR, offset=1j)
    with pytest.raises(ModelError, match="offset must be a real number, got '1.5'"):
        sdk.QUBO(PAIR, offset="1.5")


@pytest.mark.parametrize("make", [
    lambda: sdk.IsingModel([0, 0], [[0, 1, 2], [1, 0, 3]]),
    lambda: sdk.IsingModel(np.zeros((2, 2)), PAIR),
    lambda: sdk.IsingModel(np.zeros(2), np.zeros((2, 2, 2))),
    lambda: sdk.IsingModel(np.zeros(2), [[0, 1], [1]]),
    lambda: sdk.QUBO(np.zeros(4)),
    lambda: sdk.GaussianModel(np.ones(3)),
    lambda: sdk.LangevinModel(quartic=[1.0, 1.0, 1.0], quadratic=[1.0, 1.0]),
    lambda: sdk.LangevinModel(quartic=1.0, quadratic=1.0, n=2.5),
    lambda: sdk.LangevinModel(quartic=1.0, quadratic=1.0, J=np.zeros(3)),
    lambda: sdk.maxcut([(0,)]),
    lambda: sdk.maxcut([5]),
])
def test_misshapen_inputs_are_model_errors(make):
    with pytest.raises(ModelError):
        make()


@pytest.mark.parametrize("make, term", [
    (lambda: sdk.IsingModel(np.zeros(2), PAIR * 1e308), r"Σ\|J\| = inf"),
    (lambda: sdk.IsingModel([1e308, 1e308], np.zeros((2, 2))), r"Σ\|h\| = inf"),
    (lambda: sdk.IsingModel([1e308, 0], PAIR * 1e308 / 2, offset=1e308), r"\|offset\| = 1e\+308"),
    (lambda: sdk.QUBO(np.triu(np.ones((3, 3))) * 1e308), r"Σ\|Q\| = inf"),
    (lambda: sdk.GaussianModel(np.eye(2) * 1e308), r"Σ\|A\| = inf"),
    (lambda: sdk.LangevinModel(quartic=[1e308, 1e308], quadratic=0.0), r"Σ\|quartic\| = inf"),
    (lambda: sdk.maxcut([(0, 1, 1e308), (1, 2, 1e308)]), r"Σ\|J\| = inf"),
])
def test_energies_that_overflow_are_refused(make, term):
    with pytest.raises(NonFiniteError, match=f"overflows float64 .*{term}"):
        make()


def test_largest_finite_energies_are_still_accepted():
    model = sdk.IsingModel(np.zeros(2), PAIR * 1e307)
    assert model.energy([1, 1]) == pytest.approx(1e307)


def test_numpy_scalar_labels_become_python_and_save(tmp_path):
    model = sdk.IsingModel(np.zeros(3), np.zeros((3, 3)), labels=np.arange(3, dtype=np.int64) + 10)
    assert model.labels == (10, 11, 12) and all(type(x) is int for x in model.labels)
    mixed = sdk.maxcut([(np.str_("a"), (np.int32(1), 2), 1.0)])
    assert mixed.labels == ("a", (1, 2)) and type(mixed.labels[1][0]) is int
    assert json.loads(json.dumps(mixed.labels)) == ["a", [1, 2]]


@pytest.mark.parametrize("labels, message", [
    ([object(), 1], r"labels\[0\] = <object .*> has type object"),
    ([frozenset(), 1], r"has type frozenset"),
    ([1, [2]], r"labels\[1\] = \[2\] has type list"),
    ([float("nan"), 1], r"labels\[0\] = nan: a label must not be NaN"),
    ([1, 1.0], r"labels must be distinct; 1 appears more than once"),
    (5, r"labels must be a sequence of 2 labels, got 5"),
])
def test_bad_labels_are_refused_clearly(labels, message):
    with pytest.raises(ModelError, match=message):
        sdk.IsingModel(np.zeros(2), PAIR, labels=labels)


def test_unhashable_maxcut_node_is_a_model_error():
    with pytest.raises(ModelError, match=r"edge 0 node = \[1\] has type list"):
        sdk.maxcut([([1], 2)])


# --- quantities in device YAML -------------------------------------------------------------

@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), "1e999 F", "-1e400 pF", 10**400])
def test_quantities_must_be_finite(value):
    with pytest.raises(DeviceSpecError, match="capacitance: "):
        parse_quantity(value, "F", field="capacitance")


def test_yaml_nan_and_inf_name_field_and_value():
    import yaml
    for text, shown in ((".nan", "nan"), (".inf", "inf"), ("-.inf", "-inf")):
        value = yaml.safe_load(f"c: {text}")["c"]
        with pytest.raises(DeviceSpecError, match=f"^c0: expected a finite quantity in F, got {shown}$"):
            parse_quantity(value, "F", field="c0")
    assert parse_quantity("10 fF", "F", field="c0") == 1e-14
