"""``sonq compile`` on every model format it reads (qbsolv QUBO, dimod JSON and COO, Gset, by suffix
or by content), malformed files as one-line errors, headers checked before allocating, and a
fuzz of the text readers."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compiler.program import Program
from device_models.errors import ModelError, SonqError
from sdk.cli import main
from sdk.interop import detect_format, read_bqm, read_qubo

dimod = pytest.importorskip("dimod")
from dimod.serialization import coo  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BQM = dimod.BinaryQuadraticModel({0: 1.5, 3: -2.0, 5: 0.25}, {(0, 3): 3.25, (3, 5): -1.0, (0, 5): 0.5}, 0.75, "BINARY")


def _compile(path: Path, tmp_path: Path, *extra: str) -> Program:
    out = tmp_path / "prog.npz"
    assert main(["compile", str(path), "--device", "pbit256", "-o", str(out), *extra]) == 0
    return Program.load(out)


def _same_energies(program: Program, bqm) -> None:
    """The compiled model's energies (the IR takes spins, bits as 2x − 1) are the BQM's on every
    state, offset included."""
    labels = list(program.model.labels)
    bits = np.array(list(itertools.product([0, 1], repeat=len(labels))))
    spins = 2 * bits - 1
    assert np.allclose(program.model.energy(spins), bqm.energies((spins if bqm.vartype is dimod.SPIN else bits, labels)))


@pytest.mark.parametrize("vartype", ["SPIN", "BINARY"])
@pytest.mark.parametrize("form", ["json", "coo"])
def test_compile_reads_dimod_files(tmp_path, vartype, form):
    bqm = BQM.change_vartype(vartype, inplace=False)
    if form == "coo":
        bqm.offset = 0.0  # COO holds no offset; the biases have few decimals, so '%f' writes them exactly
    text = json.dumps(bqm.to_serializable()) if form == "json" else coo.dumps(bqm, vartype_header=True)
    path = tmp_path / f"model.{form}"
    path.write_text(text)
    program = _compile(path, tmp_path)
    assert program.model.vartype == vartype and set(program.model.labels) == {0, 3, 5}
    _same_energies(program, bqm)


def test_compile_reads_qbsolv_and_detects_formats_by_content(tmp_path):
    text = "c made by hand\np qubo 0 4 2 1\n0 0 -1\n3 3 2\n0 3 1.5\n"
    (tmp_path / "m.qubo").write_text(text)
    program = _compile(tmp_path / "m.qubo", tmp_path)
    assert program.model.vartype == "BINARY" and program.num_variables == 4
    x = np.array([[1, 0, 0, 1]])
    assert program.model.energy(2 * x - 1) == pytest.approx(-1 + 2 + 1.5)
    for name, content, kind in [("a", text, "qubo"), ("b", json.dumps(BQM.to_serializable()), "json"),
                                ("c", coo.dumps(BQM, vartype_header=True), "coo"), ("d", "2 1\n1 2 1\n", "gset")]:
        (tmp_path / name).write_text(content)
        assert detect_format(tmp_path / name) == kind
        assert _compile(tmp_path / name, tmp_path).num_variables >= 2


def test_compile_takes_the_vartype_of_a_headerless_coo(tmp_path, capsys):
    path = tmp_path / "m.coo"
    path.write_text("0 0 -1\n0 1 1\n1 2 -4.5\n")
    assert main(["compile", str(path), "--device", "pbit256", "-o", str(tmp_path / "p")]) == 2
    assert "needs a '# vartype=SPIN'" in capsys.readouterr().err
    assert _compile(path, tmp_path, "--vartype", "SPIN").model.vartype == "SPIN"


@pytest.mark.parametrize("name, text, where", [
    ("bad.qubo", "p qubo 0 3 1 0\n0 0 1\n1 1 x\n", "line 1: header announces 1 entries"),
    ("bad.coo", "# vartype=SPIN\n0 1 2\n\n0 q 1\n", "line 4: node 'q' is not an integer"),
    ("bad.json", '{\n"type": "BinaryQuadraticModel",\n,}', "line 3, column 1: not JSON"),
])
def test_malformed_files_are_one_line_errors(tmp_path, capsys, name, text, where):
    path = tmp_path / name
    path.write_text(text)
    assert main(["compile", str(path), "--device", "pbit256", "-o", str(tmp_path / "p")]) == 2
    err = capsys.readouterr().err
    assert where in err and str(path) in err and err.count("\n") == 1
    assert not (tmp_path / "p.npz").exists()


#: child: each reader on its file with at most 1 GiB more address space than sdk's import took
BOUNDED_READS = """
import resource, sys
sys.path.insert(0, sys.argv[1])
import sdk
from sdk.interop import read_bqm, read_qubo
size = next(int(l.split()[1]) * 1024 for l in open("/proc/self/status") if l.startswith("VmSize"))
resource.setrlimit(resource.RLIMIT_AS, (size + (1 << 30),) * 2)
for reader, path in ((read_qubo, sys.argv[2]), (read_bqm, sys.argv[3])):
    try:
        reader(path)
    except sdk.ModelError as error:
        print("refused:", error)
"""


def test_huge_announced_sizes_are_refused_before_allocating(tmp_path):
    """A qbsolv header announcing 10¹² nodes and a JSON BQM announcing 10¹² variables are refused
    with ModelErrors in a process that could not allocate either (nor 1 GiB more)."""
    (tmp_path / "huge.qubo").write_text("p qubo 0 1000000000000 0 0\n")
    (tmp_path / "huge.json").write_text(json.dumps({**BQM.to_serializable(), "num_variables": 10**12}))
    proc = subprocess.run([sys.executable, "-c", BOUNDED_READS, str(ROOT), str(tmp_path / "huge.qubo"),
                           str(tmp_path / "huge.json")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "header announces n = 1000000000000 nodes" in proc.stdout
    assert "expected a list of 1000000000000 entries" in proc.stdout


# --- fuzz: any bytes give a model or a SonqError, never another exception ----------------------

WORK = Path(tempfile.mkdtemp(prefix="sonq-formats-fuzz-"))
FUZZ = dict(deadline=None, derandomize=True, database=None, max_examples=150,
            suppress_health_check=[HealthCheck.too_slow])
TOKENS = ["p", "qubo", "c", "#", "# vartype=SPIN", "# vartype=BINARY", "0", "1", "2", "-1", "3", "1e400", "nan",
          "0.5", "x", "\x1b", "99999999999999999999", "{", "}", "[", "]", '"type"', ":", ",",
          '"BinaryQuadraticModel"', '"num_variables"', "true", "null"]


@st.composite
def model_text(draw) -> bytes:
    lines = [" ".join(draw(st.lists(st.sampled_from(TOKENS), max_size=6))) for _ in range(draw(st.integers(0, 8)))]
    if draw(st.booleans()):
        n = draw(st.integers(0, 4))
        lines.insert(0, f"p qubo 0 {draw(st.integers(0, 5))} {n} {draw(st.integers(0, 3))}")
    text = draw(st.sampled_from(["\n", "\r\n"])).join(lines)
    return text.encode(draw(st.sampled_from(["utf-8", "utf-8", "latin-1"])), errors="replace")


@settings(**FUZZ)
@given(model_text(), st.sampled_from([".qubo", ".coo", ".json", ""]))
def test_fuzz_model_readers(data, suffix):
    path = WORK / f"m{suffix}"
    path.write_bytes(data)
    for reader in (read_qubo, read_bqm):
        try:
            model = reader(path)
        except SonqError as error:
            assert isinstance(error, ModelError) and str(path) in str(error)
            continue
        assert np.all(np.isfinite(model.to_ir().J.data)) and np.all(np.isfinite(model.to_ir().h))
