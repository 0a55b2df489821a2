"""Fuzz suite (issue 10): generated bad inputs through the Program loader, device descriptions, run
arguments and the Gset reader.  Every outcome is success on valid input or a ``SonqError``
subclass: never another exception type, a signal, a hang or a MemoryError.

Hypothesis runs derandomized (the same cases every time); each case is cheap (tiny models, at most
20 steps).  Tampered programs that load are run on the numpy, numba and c emulators.
"""

from __future__ import annotations

import copy
import io
import json
import math
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sdk
from compiler.program import Program
from device_models.errors import SonqError
from device_models.schedules import Schedule
from device_models.spec import DeviceSpec
from runtime.results import SampleSet

BACKENDS = ("numpy", "numba", "c")
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # overflow inside diverging runs
FUZZ = dict(deadline=None, derandomize=True, database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
WORK = Path(tempfile.mkdtemp(prefix="sonq-fuzz-"))


def _ring(n: int, h: float = 0.0) -> sdk.IsingModel:
    J = np.zeros((n, n))
    for i in range(n):
        J[i, (i + 1) % n] = J[(i + 1) % n, i] = 1.0 if i % 2 else -0.5
    return sdk.IsingModel(np.full(n, h), J)


PROGRAMS = {
    "oim_ref": sdk.compile(_ring(4, h=0.3), "oim1024"),
    "pbit": sdk.compile(_ring(4, h=0.2), "pbit256"),
    "gauss": sdk.compile(sdk.GaussianModel([[2.0, -0.5], [-0.5, 1.0]], b=[1.0, 0.0]), "gauss8"),
    "kings": sdk.compile(_ring(4), "oim64-kings", placement=[0, 1, 9, 8]),
}


def _members(program: Program) -> dict:
    path = program.save(WORK / "base.npz")
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


BASE = {name: _members(p) for name, p in PROGRAMS.items()}


def _sonq_or_success(call):
    """Run ``call``; return its value, or None when it raised a SonqError (anything else fails)."""
    try:
        return call()
    except SonqError:
        return None


# --- tampered programs ---------------------------------------------------------------------------

ODD_NUMBERS = [0, -1, 1, 2, 3, 7, 255, 256, 2**31, 2**63 - 1, -(2**31), 10**12, 0.5, -0.5, 1.5, 1e-300, 1e300,
               1.7e308, -1.7e308, math.nan, math.inf, -math.inf]
ODD_JSON = ODD_NUMBERS + [None, True, False, "", "x", "oim", "gauss", "pbit", "spin", "real", "SPIN", "BINARY",
                          "REAL", "maxcut", "\x1b[2J", [], [0], [0, 1], [[0, 1]], {}, {"a": 1}, "1", "1e3",
                          10**400, "300 K", "-1 K", "1 pF", "nan"]
DTYPES = [np.float64, np.float32, np.int64, np.int32, np.uint8, np.int8, np.bool_, np.complex128, "<U3", ">f8",
          np.float16]


def _array_mutation(arr: np.ndarray, op: str, value, k: int, dtype) -> np.ndarray:
    if op == "dtype":
        try:
            with np.errstate(all="ignore"):
                return arr.astype(dtype)
        except (ValueError, TypeError, OverflowError):
            return arr.astype(str)
    if op == "truncate":
        return arr.reshape(-1)[: max(arr.size - 1 - k % max(arr.size, 1), 0)]
    if op == "extend":
        flat = arr.reshape(-1)
        return np.concatenate([flat, flat[: k % max(flat.size, 1) + 1] if flat.size else np.zeros(1, arr.dtype)])
    if op == "reshape":
        return arr.reshape(1, -1) if arr.ndim == 1 else arr.reshape(-1)
    if op == "scalar":
        return np.array(arr.reshape(-1)[0] if arr.size else 0)
    if op == "empty":
        return arr.reshape(-1)[:0]
    if op == "reverse":
        return arr.reshape(-1)[::-1].reshape(arr.shape).copy()
    if op == "zeros":
        return np.zeros_like(arr)
    # "set": one entry to an odd value (cast as the array's dtype allows)
    if not arr.size:
        return arr
    out = arr.astype(np.float64 if isinstance(value, float) and arr.dtype.kind in "biu" else arr.dtype).copy()
    try:
        with np.errstate(all="ignore"):
            out.reshape(-1)[k % out.size] = value
    except (OverflowError, ValueError, TypeError):
        out = out.astype(np.float64)
        out.reshape(-1)[k % out.size] = float(value) if not isinstance(value, int) else float(min(value, 1e308))
    return out


def _paths(node, prefix=()):
    """Every key path into a JSON value."""
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for k, value in enumerate(node[:4]):
            yield from _paths(value, prefix + (k,))


def _set_path(node, path, value, delete: bool):
    if not path:
        return value
    for key in path[:-1]:
        node = node[key]
    if delete and isinstance(node, dict):
        del node[path[-1]]
    elif delete and isinstance(node, list):
        node.pop(path[-1])
    else:
        node[path[-1]] = value
    return None


@st.composite
def tampered_program(draw):
    name = draw(st.sampled_from(sorted(BASE)))
    arrays = {k: v.copy() for k, v in BASE[name].items()}
    header = json.loads(str(arrays["header"]))
    for _ in range(draw(st.integers(1, 2))):
        target = draw(st.sampled_from(["header"] * 4 + sorted(k for k in arrays if k != "header")))
        if target == "header":
            paths = list(_paths(header))[1:] or [()]  # the whole header only via the JSON text below
            path = draw(st.sampled_from(paths))
            value = copy.deepcopy(draw(st.sampled_from(ODD_JSON)))
            delete = bool(path) and draw(st.booleans()) and draw(st.booleans())
            replaced = _set_path(header, path, value, delete)
            if replaced is not None or not path:
                header = replaced
        else:
            op = draw(st.sampled_from(["set"] * 4 + ["dtype", "truncate", "extend", "reshape", "scalar", "empty",
                                                     "reverse", "zeros"]))
            arrays[target] = _array_mutation(arrays[target], op, draw(st.sampled_from(ODD_NUMBERS)),
                                             draw(st.integers(0, 50)), draw(st.sampled_from(DTYPES)))
    if draw(st.integers(0, 24)) == 0:
        del arrays[draw(st.sampled_from(sorted(arrays)))]
    try:
        text = json.dumps(header)
    except (ValueError, TypeError):
        text = "{"
    if draw(st.integers(0, 30)) == 0:
        text = draw(st.sampled_from(["", "{", "[]", "null", "1", '"x"', text[: len(text) // 2], text + "x"]))
    if "header" in arrays:
        arrays["header"] = np.array(text)
    return name, arrays


def _save_raw(path: Path, arrays: dict) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for key, arr in arrays.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.asarray(arr), allow_pickle=False)
            z.writestr(f"{key}.npy", buf.getvalue())
    return path


@settings(max_examples=600, **FUZZ)
@given(tampered_program())
def test_fuzz_tampered_programs(case):
    name, arrays = case
    path = _save_raw(WORK / "tampered.npz", arrays)
    program = _sonq_or_success(lambda: Program.load(path))
    if program is None:
        return
    for backend in BACKENDS:
        result = _sonq_or_success(lambda: sdk.run(program, backend, num_reads=2, steps=5, seed=0))
        assert result is None or isinstance(result, SampleSet)


JAX = sdk.available_backends().get("jax") is None


@pytest.mark.skipif(not JAX, reason="jax is not installed")
@settings(max_examples=60, **FUZZ)
@given(tampered_program())
def test_fuzz_tampered_programs_on_jax(case):
    name, arrays = case
    path = _save_raw(WORK / "tampered_jax.npz", arrays)
    program = _sonq_or_success(lambda: Program.load(path))
    if program is not None:
        result = _sonq_or_success(lambda: sdk.run(program, "jax", num_reads=2, steps=5, seed=0))
        assert result is None or isinstance(result, SampleSet)


# --- device descriptions ---------------------------------------------------------------------

RAW_DEVICES = [sdk.load_device(name).to_dict() for name in ("oim64-kings", "pbit256", "gauss8", "oim1024")]
RAW_DEVICES.append({"name": "edges4", "cell": "pbit", "cells": 4, "topology": {"kind": "edges", "edges": [[0, 1], [1, 2]]},
                    "components": {"supply": "1 V", "input_scale": "1 uA", "clock": "1 GHz"},
                    "coupling": {"g_max": "10 uS", "dac_bits": 4}, "mismatch": 0.05, "noise_temperature": "300 K"})
YAML_VALUES = ODD_JSON + ["10 nH", "1 pF", "0.5 V", "100 uS", "1 uS", "-1 pF", "1e999 F", ".nan", "1 GHz", "3 kΩ",
                          "kings", "torus2d", "all_to_all", "edges", [[0, 1], [1, 1]], [[0, 99]], [[0, 1.5]],
                          {"kind": "kings", "rows": 2, "cols": 2}, {"kind": "torus2d", "rows": 0, "cols": 3},
                          {"kind": "edges", "edges": "01"}, {"kind": "kings", "rows": True, "cols": 64},
                          "float32", "float16", 0.3, 0.31, 25, 24, 1]


@st.composite
def mutated_device(draw):
    raw = json.loads(json.dumps(draw(st.sampled_from(RAW_DEVICES))))
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(raw) if p]
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["set"] * 6 + ["delete", "add"]))
        if action == "add":
            node = raw
            for key in path[:-1]:
                node = node[key]
            if isinstance(node, dict):
                node[draw(st.sampled_from(["bogus", 1, "cells", "g_max", None]))] = copy.deepcopy(
                    draw(st.sampled_from(YAML_VALUES)))
            continue
        _set_path(raw, path, copy.deepcopy(draw(st.sampled_from(YAML_VALUES))), action == "delete")
    return raw


@settings(max_examples=300, **FUZZ)
@given(mutated_device())
def test_fuzz_device_descriptions(raw):
    spec = _sonq_or_success(lambda: DeviceSpec.from_dict(raw))
    if spec is None:
        return
    assert math.isfinite(spec.noise_temperature) and spec.noise_temperature > 0
    assert 0 <= spec.mismatch <= 0.3 and all(math.isfinite(v) and v > 0 for v in spec.components.values())
    _sonq_or_success(lambda: spec.physics())
    model = sdk.IsingModel([0.1, 0.0], [[0, 1.0], [1.0, 0]]) if spec.cell.domain == "spin" else \
        sdk.GaussianModel([[2.0, 0.5], [0.5, 1.0]])
    program = _sonq_or_success(lambda: sdk.compile(model, spec, mismatch_seed=1))
    if program is not None:
        _sonq_or_success(lambda: sdk.run(program, "numpy", num_reads=2, steps=3, seed=0))


# --- run arguments -------------------------------------------------------------------------------

SMALL = {"oim": sdk.compile(_ring(3, h=0.2), "oim1024"), "pbit": PROGRAMS["pbit"], "gauss": PROGRAMS["gauss"]}
#: per argument: (valid values, odd values); a case makes at most two arguments odd
RUN_ARGS = {
    "num_reads": ([1, 2, 3, np.int64(2)], [0, -1, 2.5, 2.0, True, "2", 10**12, None, math.nan, [2]]),
    "steps": ([1, 5, 20, np.int32(4)], [0, -3, 2.5, 7.0, True, "5", 10**12, 10**30, math.inf, None]),
    "record_every": ([0, 0, 1, 3, 5], [-1, 1.5, True, 10**12, "1", None, np.float64(2.0)]),
    "burn_in": ([None, None, 0, 2], [-5, 2.5, 10**12, "1", True]),
    "dt": ([None, 0.01, 0.1, np.float32(0.05)], [0, -1.0, math.nan, math.inf, 1e3, 1e300, 1e-300, "0.1", True, 1j]),
    "temperature": ([None, 0.5, 1.0, Schedule.linear(1.0, 0.1), [1.0, 0.5], np.array([0.3, 0.1, 0.0])],
                    [0, -1.0, math.nan, math.inf, 1e300, [-1.0], [], "hot", 1j, np.full(3, np.nan), [[1.0]],
                     {"a": 1}, np.array(["a"]), 10**400 if False else 1e308]),
    "seed": ([None, 0, 1, np.int64(3)], [-1, 2**64, 2**128, 2.5, "1", True, [1]]),
    "init": (["none", "good"], ["shape", "nan", "complex", "str", "list", "huge"]),
    "schedules": ([None, {}, {"shil": 0.5}, {"shil": [0.1, 0.2]}],
                  [{"shil": -1.0}, {"shil": [0.1, -0.2]}, {"shil": math.nan}, {"bogus": 1.0}, {"temperature": 1.0},
                   {"shil": "x"}, {"shil": 1e300}]),  # a non-mapping: test_known_schedules_not_a_mapping
    "integrator": ([None], ["euler", "heun", "sweep", "rk4", 3, None]),
    "protocol": ([None, "sample"], ["optimize", "anneal", 1, None]),
    "backend": (list(BACKENDS), ["nope", 3, None]),
}


@st.composite
def run_arguments(draw):
    cell = draw(st.sampled_from(sorted(SMALL)))
    odd = draw(st.sets(st.sampled_from(sorted(RUN_ARGS)), max_size=2))
    kwargs = {name: draw(st.sampled_from(pools[name in odd])) for name, pools in RUN_ARGS.items()}
    if cell != "oim" and "schedules" not in odd:
        kwargs["schedules"] = None
    return cell, kwargs


def _init(kind: str, program: Program, num_reads):
    reads = num_reads if isinstance(num_reads, int) and not isinstance(num_reads, bool) and 0 < num_reads < 10 else 2
    width = program.cell.width * program.num_nodes
    good = np.zeros((reads, width))
    return {"none": None, "good": good, "shape": np.zeros((reads + 1, width)), "nan": good + np.nan,
            "complex": good + 1j, "str": good.astype(str), "list": good.tolist(), "huge": good + 1e300}[kind]


@settings(max_examples=400, **FUZZ)
@given(run_arguments())
def test_fuzz_run_arguments(case):
    cell, kwargs = case
    program = SMALL[cell]
    kwargs = dict(kwargs)
    kwargs["init"] = _init(kwargs["init"], program, kwargs["num_reads"])
    if kwargs["steps"] is None or (isinstance(kwargs["steps"], (int, float)) and kwargs["steps"] > 20):
        kwargs["steps"] = 20
    backend = kwargs.pop("backend")
    result = _sonq_or_success(lambda: sdk.run(program, backend, max_memory=1 << 30, **kwargs))
    if result is not None:
        assert isinstance(result, SampleSet) and np.all(np.isfinite(result.energies))


# Found by this suite and its exploratory runs (each was a raw exception or a silent wrong answer
# where a SonqError is due), kept as regression tests.
FINDINGS = [
    ("runtime/run.py _schedules: dict(schedules) on a non-mapping",
     lambda: sdk.run(SMALL["oim"], "numpy", num_reads=1, steps=2, schedules=[1, 2])),
    ("runtime/run.py run: get_backend(**backend_options) on a non-mapping",
     lambda: sdk.run(SMALL["oim"], "numpy", num_reads=1, steps=2, backend_options=[1])),
    ("runtime/backends/__init__.py get_backend: an unknown backend option is a TypeError",
     lambda: sdk.run(SMALL["oim"], "c", num_reads=1, steps=2, backend_options={"bogus": 1})),
    ("runtime/backends/base.py noise_input: a noise source that is not an AbstractNoiseSource",
     lambda: sdk.run(SMALL["oim"], "numpy", num_reads=1, steps=2, noise="x")),
    ("runtime/run.py run: a program that is not a Program (AttributeError on .cell)",
     lambda: sdk.run("program.npz", "numpy")),
    ("compiler/netlist/lower.py _resample: a huge dt asks for a huge sub-step array (ValueError)",
     lambda: sdk.run(SMALL["oim"], "circuit", num_reads=1, steps=1, dt=1e300, seed=0)),
    ("sdk/analysis.py success_probability: a non-numeric target",
     lambda: sdk.success_probability(sdk.run(SMALL["pbit"], "numpy", num_reads=2, steps=2, seed=0), target="x")),
]


def _tts99_refuses(p):
    value = sdk.tts99(1.0, p)
    raise AssertionError(f"tts99(1.0, {p}) returned {value} instead of a SonqError")


def _gauss_blowup():
    result = sdk.run(SMALL["gauss"], "numpy", num_reads=2, steps=10, dt=1e3, seed=0)
    raise AssertionError(f"dt=1e3 returned energies up to {np.max(np.abs(result.energies)):.3g} without a "
                         "DivergenceError")


FINDINGS += [
    ("sdk/analysis.py tts99: a probability above 1 is accepted", lambda: _tts99_refuses(1.5)),
    ("sdk/analysis.py tts99: a NaN probability is accepted", lambda: _tts99_refuses(math.nan)),
    ("runtime: an exploding but still finite Gaussian run (dt = 1e3, 10 steps) is not a divergence",
     _gauss_blowup),
]


#: child: a 20-step circuit run of a 3-spin OIM at dt = 1e3 under a 2 GiB address-space limit
CIRCUIT_MEMORY = """
import resource, sys
sys.path.insert(0, sys.argv[1])
import sdk
program = sdk.compile(sdk.IsingModel([0.2, 0.2, 0.2], [[0, 1, 0], [1, 0, -0.5], [0, -0.5, 0]]), "oim1024")
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
try:
    sdk.run(program, "circuit", num_reads=1, steps=20, dt=1e3, seed=0, max_memory=1 << 30)
except sdk.SonqError as error:
    print("refused:", type(error).__name__)
"""


def _circuit_memory():
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", CIRCUIT_MEMORY, str(Path(__file__).resolve().parents[1])],
                          capture_output=True, text=True, timeout=300)
    if "refused:" not in proc.stdout:
        raise AssertionError(f"circuit run at dt = 1e3 was not refused by its memory budget: {proc.stderr[-300:]}")


FINDINGS.append(("compiler/netlist/lower.py + runtime/resources.py: circuit sub-steps are not in the memory "
               "estimate (a 20-step dt = 1e3 run of 3 spins allocates 19 GiB)", _circuit_memory))


@pytest.mark.parametrize("what, call", FINDINGS, ids=[w.split(":")[0] + f"-{k}" for k, (w, _) in enumerate(FINDINGS)])
def test_fuzz_findings_stay_fixed(what, call):
    _sonq_or_success(call)


# --- Gset files ------------------------------------------------------------------------------

TOKENS = ["1", "2", "3", "0", "-1", "4", "20", "1.5", "1e3", "nan", "inf", "-inf", "1e999", "0x10", "9" * 25,
          "1000000000000", "x", "\x1b[2J", "½", "٣", "1_000", "+2", "−1", "", "#", "%", "1,2"]


@st.composite
def gset_text(draw):
    lines = []
    for _ in range(draw(st.integers(0, 2))):
        lines.append(draw(st.sampled_from(["# comment", "", "   ", "% x", "#"])))
    header = draw(st.sampled_from(["3 2", "4 3", "2 1", "0 0", "3", "3 2 1", "3.0 2", "-3 2", "3 -1",
                                   "1000000000000 1", "3 1000000000000", "", "a b"]))
    if draw(st.booleans()):
        header = " ".join(draw(st.lists(st.sampled_from(TOKENS), min_size=0, max_size=3)))
    lines.append(header)
    for _ in range(draw(st.integers(0, 5))):
        if draw(st.integers(0, 3)) == 0:
            lines.append(" ".join(draw(st.lists(st.sampled_from(TOKENS), min_size=0, max_size=4))))
        else:
            i, j = draw(st.integers(1, 4)), draw(st.integers(1, 4))
            w = draw(st.sampled_from(["1", "-1", "2.5", "0", "1e-300", "1e308"]))
            lines.append(f"{i} {j} {w}")
    ending = draw(st.sampled_from(["\n", "\r\n", "\r", ""]))
    text = ending.join(lines) + draw(st.sampled_from(["", "\n"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "latin-1", "utf-16"]))
    return text.encode(encoding, errors="replace")


@settings(max_examples=300, **FUZZ)
@given(gset_text())
def test_fuzz_gset_files(data):
    path = WORK / "g.rudy"
    path.write_bytes(data)
    model = _sonq_or_success(lambda: sdk.read_gset(path))
    if model is not None:
        assert isinstance(model, sdk.MaxCutModel) and model.num_variables >= 1
        assert np.all(np.isfinite(model.J.data))
