"""The Program validation boundary (issue 10): every array and header field of a saved program,
tampered, is refused at load with a ProgramFormatError naming the field; the same checks guard the
constructor; valid programs (and their round trips) still run on every emulator."""

from __future__ import annotations

import dataclasses
import io
import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

import sdk
from compiler.program import Program
from device_models.errors import ProgramFormatError, SonqError

BACKENDS = ("numpy", "numba", "c")


def _ring(n: int, h: float = 0.0) -> sdk.IsingModel:
    J = np.zeros((n, n))
    for i in range(n):
        J[i, (i + 1) % n] = J[(i + 1) % n, i] = 1.0 if i % 2 else -0.5
    return sdk.IsingModel(np.full(n, h), J)


@pytest.fixture(scope="module")
def programs() -> dict[str, Program]:
    """One small program per cell kind, with and without an oim reference oscillator."""
    return {
        "oim_ref": sdk.compile(_ring(5, h=0.3), "oim1024"),
        "oim": sdk.compile(_ring(6), "oim1024"),
        "pbit": sdk.compile(_ring(6, h=0.2), "pbit256"),
        "gauss": sdk.compile(sdk.GaussianModel([[2.0, -0.5], [-0.5, 1.0]], b=[1.0, 0.0]), "gauss8"),
        "kings": sdk.compile(_ring(4), "oim64-kings", placement=[0, 1, 9, 8]),
    }


@pytest.fixture(scope="module")
def saved(programs, tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("programs")
    return {name: p.save(root / f"{name}.npz") for name, p in programs.items()}


def _arrays(path: Path) -> dict:
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def _write(path: Path, arrays: dict) -> Path:
    np.savez(path, **arrays)
    return path


def _header(arrays: dict) -> dict:
    return json.loads(str(arrays["header"]))


def _tamper(src: Path, dst: Path, change) -> Path:
    """``src`` with ``change(arrays, header)`` applied (it edits both in place), written to ``dst``."""
    arrays = _arrays(src)
    header = _header(arrays)
    change(arrays, header)
    arrays["header"] = np.array(json.dumps(header))
    return _write(dst, arrays)


def _refused(path: Path, message: str) -> ProgramFormatError:
    with pytest.raises(ProgramFormatError, match=message) as info:
        Program.load(path)
    return info.value


# --- valid programs ----------------------------------------------------------------------------

@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", ["oim_ref", "oim", "pbit", "gauss", "kings"])
def test_valid_programs_round_trip_and_run(saved, programs, name, backend):
    loaded = Program.load(saved[name])
    original = programs[name]
    assert loaded.model.labels == original.model.labels and loaded.reference == original.reference
    assert (loaded.couplings != original.couplings).nnz == 0 and np.array_equal(loaded.fields, original.fields)
    result = sdk.run(loaded, backend, num_reads=2, steps=5, seed=1)
    assert len(result) == 2 and np.all(np.isfinite(result.energies))


def test_loaded_arrays_are_canonical(saved):
    p = Program.load(saved["pbit"])
    assert p.fields.dtype == np.float64 and p.colors.dtype == np.int64 and p.placement.dtype == np.int64
    assert p.couplings.dtype == np.float64 and p.couplings.has_sorted_indices


# --- tampered arrays -----------------------------------------------------------------------------

def _set(name, value):
    def change(a, h):
        a[name] = value(a[name]) if callable(value) else value
    return change


def _entry(name, k, value):
    def change(a, h):
        arr = a[name].copy()
        arr.flat[k] = value
        a[name] = arr
    return change


ARRAY_CASES = [
    # fields
    ("pbit", _set("fields", lambda v: v[:-1]), r"fields has 5 entries for 6 variables"),
    ("pbit", _set("fields", lambda v: np.append(v, 0.0)), r"poly must have shape \(7, 3\), got \(6, 3\)"),
    ("pbit", _entry("fields", 2, np.nan), r"fields must be finite; fields\[2\] = nan"),
    ("pbit", _entry("fields", 0, np.inf), r"fields must be finite"),
    ("pbit", _entry("fields", 1, 1e300), r"fields exceeds full scale"),
    ("pbit", _set("fields", lambda v: v.astype(complex)), r"fields must hold real numbers.*complex"),
    ("pbit", _set("fields", lambda v: v.astype(str)), r"must hold real numbers|plain numbers"),
    ("pbit", _set("fields", lambda v: v.reshape(2, 3)), r"fields has 2 entries for 6 variables"),
    ("oim_ref", _entry("fields", 0, 0.5), r"fields must be zero on 'oim' cells"),
    # poly
    ("gauss", _set("poly", lambda v: v[:, :2]), r"poly must have shape \(2, 3\)"),
    ("gauss", _entry("poly", 1, np.nan), r"poly must be finite"),
    ("gauss", _entry("poly", 0, 7.0), r"exceeds full scale"),
    # colors
    ("pbit", _set("colors", lambda v: v[:-2]), r"colors must have shape \(6,\)"),
    ("pbit", _set("colors", lambda v: v.astype(np.float64)), r"colors must hold integers, got .*float64"),
    ("pbit", _entry("colors", 0, -1), r"colors must hold values in 0..5; colors\[0\] = -1"),
    ("pbit", _entry("colors", 3, 10**12), r"colors must hold values in 0..5"),
    ("pbit", _set("colors", lambda v: np.zeros_like(v)), r"colors must differ on coupled nodes"),
    ("pbit", _set("colors", lambda v: v.astype(bool)), r"colors must hold integers, got .*bool"),
    # placement
    ("pbit", _set("placement", lambda v: v.astype(np.float64) + 0.5), r"placement must hold integers"),
    ("pbit", _entry("placement", 0, 256), r"placement must hold values in 0..255"),
    ("pbit", _entry("placement", 0, -3), r"placement must hold values in 0..255"),
    ("pbit", _entry("placement", 1, 0), r"cell 0 is used twice"),
    ("pbit", _set("placement", lambda v: v[:-1]), r"placement must have shape \(6,\)"),
    ("kings", _set("placement", lambda v: np.array([0, 1, 2, 3])), r"which the kings topology .* does not connect"),
    # couplings (CSR parts)
    ("pbit", _entry("couplings_indices", 0, 6), r"couplings.indices must hold values in 0..5"),
    ("pbit", _entry("couplings_indices", 0, -1), r"couplings.indices must hold values in 0..5"),
    ("pbit", _entry("couplings_indices", 1, 10**9), r"couplings.indices must hold values in 0..5"),
    ("pbit", _set("couplings_indices", lambda v: v.astype(np.float64)), r"couplings.indices must hold integers"),
    ("pbit", _entry("couplings_indptr", 2, 0), r"couplings.indptr must be non-decreasing"),
    ("pbit", _set("couplings_indptr", lambda v: v[:-1]), r"couplings_indptr must have shape \(7,\)"),
    ("pbit", _entry("couplings_indptr", -1, 5), r"couplings.indptr must hold values in 0..|must run from 0 to nnz"),
    ("pbit", _entry("couplings_indptr", 0, 1), r"couplings.indptr must run from 0"),
    ("pbit", _entry("couplings_data", 0, np.nan), r"couplings.data must be finite"),
    ("pbit", _entry("couplings_data", 0, 1e300), r"couplings must be symmetric"),
    ("pbit", _set("couplings_data", lambda v: v * 1e300), r"couplings exceeds full scale"),
    ("pbit", _entry("couplings_data", 0, 0.25), r"couplings must be symmetric"),
    ("pbit", _set("couplings_data", lambda v: v[:-1]), r"couplings_data and couplings_indices must have one length"),
    ("pbit", _set("couplings_data", lambda v: v.astype(complex) * 1j), r"couplings.data must hold real numbers"),
    ("pbit", _set("couplings_shape", np.array([6, 7])), r"couplings.shape must be \(6, 6\)"),
    ("pbit", _set("couplings_shape", np.array([6.0, 6.0])), r"couplings.shape must hold integers"),
    # model arrays
    ("pbit", _entry("model_h", 0, np.nan), r"model.h must be finite"),
    ("pbit", _set("model_h", lambda v: v[:-1]), r"fields has 6 entries for 5 variables|must have shape"),
    ("pbit", _entry("model_J_indices", 0, 99), r"model_J.indices must hold values in 0..5"),
    ("pbit", _entry("model_J_data", 0, 5.0), r"model.J must be symmetric"),
    ("pbit", _set("model_J_data", lambda v: np.full_like(v, 1.7e308)), r"overflows float64"),
    ("pbit", _entry("model_poly", 0, 1.0), r"model.poly must be zero for spin variables"),
    ("gauss", _entry("model_poly", 0, np.inf), r"model.poly must be finite"),
    ("pbit", _set("model_h", lambda v: np.full_like(v, 1e308)), r"overflows float64"),
]


@pytest.mark.parametrize("name, change, message", ARRAY_CASES,
                         ids=[f"{c[0]}-{k}" for k, c in enumerate(ARRAY_CASES)])
def test_tampered_arrays_are_refused(saved, tmp_path, name, change, message):
    _refused(_tamper(saved[name], tmp_path / "t.npz", change), message)


def _diagonal(a, h):
    m = a["couplings_indptr"].shape[0] - 1
    M = sp.csr_matrix((a["couplings_data"], a["couplings_indices"], a["couplings_indptr"]), shape=(m, m))
    M = sp.csr_matrix(M + sp.eye(m) * 0.5)
    M.sort_indices()
    a.update(couplings_data=M.data, couplings_indices=M.indices, couplings_indptr=M.indptr)


def _duplicate(a, h):
    idx = a["couplings_indices"].copy()
    idx[1] = idx[0]  # row 0 holds two entries: the same column twice
    a["couplings_indices"] = idx


def _unsorted(a, h):
    idx, ptr = a["couplings_indices"].copy(), a["couplings_indptr"]
    row = next(i for i in range(len(ptr) - 1) if ptr[i + 1] - ptr[i] >= 2)
    idx[ptr[row]:ptr[row + 1]] = idx[ptr[row]:ptr[row + 1]][::-1]
    a["couplings_indices"] = idx


@pytest.mark.parametrize("change, message", [
    (_diagonal, r"couplings must have a zero diagonal"),
    (_duplicate, r"couplings.indices must be sorted and distinct within each row; row 0 repeats"),
    (_unsorted, r"couplings.indices must be sorted and distinct within each row; row \d+ is out of order"),
])
def test_csr_structure_is_checked(saved, tmp_path, change, message):
    _refused(_tamper(saved["pbit"], tmp_path / "t.npz", change), message)


# --- tampered header -------------------------------------------------------------------------

def _h(path: str, value):
    """Set header[path] (dotted; list indices as numbers) to value, or delete it for ``...``."""
    def change(a, header):
        keys = [int(k) if k.isdigit() else k for k in path.split(".")]
        node = header
        for key in keys[:-1]:
            node = node[key]
        if value is ...:
            del node[keys[-1]]
        else:
            node[keys[-1]] = value
    return change


HEADER_CASES = [
    ("oim", _h("device.cell", "gauss"), r"header.device|model.domain"),
    ("oim", _h("device.cell", "pbit"), r"header.device|components"),
    ("pbit", _h("device.cell", "oim"), r"header.device"),
    ("pbit", _h("device.cells", 3), r"model_h has 6 entries; the device has 3 cells"),
    ("pbit", _h("device.cells", 0), r"cells must be an integer"),
    ("pbit", _h("device.cells", 2.5), r"cells must be an integer"),
    ("pbit", _h("device.mismatch", 5.0), r"mismatch must be in \[0, 0.3\]"),
    ("pbit", _h("device.noise_temperature", -300), r"noise_temperature must be a positive"),
    ("pbit", _h("device.components.supply", float("nan")), r"components.supply"),
    ("pbit", _h("device", "oim1024"), r"header.device"),
    ("pbit", _h("version", "1"), r"header.version must be an integer"),
    ("pbit", _h("version", 1.0), r"header.version must be an integer"),
    ("pbit", _h("version", True), r"header.version must be an integer"),
    ("pbit", _h("version", 2), r"program version 2 is not supported"),
    ("pbit", _h("format", "other"), r"not a SONQ program"),
    ("pbit", _h("scale", 0), r"scale must be a positive finite number"),
    ("pbit", _h("scale", -1.0), r"scale must be a positive finite number"),
    ("pbit", _h("scale", float("nan")), r"scale must be a positive finite number"),
    ("pbit", _h("scale", "1"), r"scale must be a positive finite number"),
    ("pbit", _h("scale", 10**400), r"scale must be a positive finite number|not a SONQ program"),
    ("pbit", _h("reference", True), r"reference is true but 'pbit' cells have no reference oscillator"),
    ("oim_ref", _h("reference", False), r"reference is false but the model has fields"),
    ("oim", _h("reference", True), r"reference is true but the model has no fields"),
    ("pbit", _h("reference", 1), r"reference must be true or false"),
    ("pbit", _h("model.labels", [0, 1, 2]), r"labels has 3 entries for 6 variables"),
    ("pbit", _h("model.labels", [0, 1, 2, 3, 4, 4]), r"labels must be distinct"),
    ("pbit", _h("model.labels", [0, 1, 2, 3, 4, {"a": 1}]), r"labels\[5\]"),
    ("pbit", _h("model.labels", [0, 1, 2, 3, 4, None]), r"labels\[5\]"),
    ("pbit", _h("model.labels", [0, 1, 2, 3, 4, float("nan")]), r"NaN"),
    ("pbit", _h("model.labels", "abcdef"), r"labels must be a list"),
    ("pbit", _h("model.vartype", "BOGUS"), r"model.vartype must be one of \('SPIN', 'BINARY'\)"),
    ("pbit", _h("model.vartype", "REAL"), r"model.vartype must be one of"),
    ("gauss", _h("model.vartype", "SPIN"), r"model.vartype must be one of \('REAL',\)"),
    ("pbit", _h("model.domain", "real"), r"model.domain is 'real' but the device's cell holds 'spin'"),
    ("pbit", _h("model.domain", ["spin"]), r"model.domain must be one of"),
    ("pbit", _h("model.offset", float("nan")), r"model.offset must be finite"),
    ("pbit", _h("model.offset", "0"), r"model.offset must be a real number"),
    ("pbit", _h("model.kind", "maxcut"), r"model.meta of a maxcut model must hold its total_weight"),
    ("pbit", _h("model.kind", "\x1b[2J"), r"model.kind must be 1..64 printable characters"),
    ("pbit", _h("model.meta", {"total_weight": "x"}), r"must be a finite number"),
    ("pbit", _h("model.meta", [1]), r"model.meta must be a mapping"),
    ("pbit", _h("model.vartype", ...), r"header.model must be an object with the keys"),
    ("pbit", _h("physics.time_unit", 0), r"physics.time_unit must be positive"),
    ("pbit", _h("physics.thermal_temperature", float("nan")), r"physics.thermal_temperature must be a finite"),
    ("pbit", _h("physics.readout_time", -1.0), r"physics.readout_time must be non-negative"),
    ("pbit", _h("physics.bogus", 1.0), r"header.physics must hold the fields of CellPhysics"),
    ("pbit", _h("physics", [1, 2]), r"header.physics must be an object"),
    ("pbit", _h("report.num_variables", "six"), r"report.num_variables must be of type int"),
    ("pbit", _h("report.num_variables", 7), r"report.num_variables is 7 but the model has 6"),
    ("pbit", _h("report.scale", float("inf")), r"report.scale must be of type float"),
    ("pbit", _h("report.warnings", [1]), r"report.warnings\[0\] must be a string"),
    ("pbit", _h("report.clipped", [[1]]), r"report.clipped|header.report"),
    ("pbit", _h("report.clipped", [1]), r"header.report.clipped must be a list of pairs"),
    ("pbit", _h("report.bogus", 1), r"header.report must hold the fields of CompileReport"),
    ("pbit", _h("report.cell", "oim"), r"report.cell is 'oim' but the device's cell is 'pbit'"),
    ("pbit", _h("extra", 1), r"header must hold exactly the keys"),
    ("pbit", _h("report", ...), r"header must hold exactly the keys"),
]


@pytest.mark.parametrize("name, change, message", HEADER_CASES,
                         ids=[f"{c[0]}-{k}" for k, c in enumerate(HEADER_CASES)])
def test_tampered_header_is_refused(saved, tmp_path, name, change, message):
    error = _refused(_tamper(saved[name], tmp_path / "t.npz", change), message)
    assert str(tmp_path / "t.npz") in str(error)


def test_oim_to_gauss_header_edit_is_refused(saved, tmp_path):
    """The issue's example: only the cell edited from oim to gauss (best energy −7e72 before)."""
    def to_gauss(a, h):
        h["device"]["cell"] = "gauss"
        h["device"]["components"] = {"capacitance": 1e-12, "voltage_scale": 0.1}
    _refused(_tamper(saved["oim"], tmp_path / "t.npz", to_gauss), r"model.domain is 'spin' but .* 'real'")


def test_deeply_nested_labels_are_refused(saved, tmp_path):
    arrays = _arrays(saved["pbit"])
    header = _header(arrays)
    header["model"]["labels"][-1] = "NEST"
    text = json.dumps(header).replace('"NEST"', "[" * 100_000 + "]" * 100_000)
    arrays["header"] = np.array(text)
    _refused(_write(tmp_path / "t.npz", arrays), r"header is not valid JSON|labels")


# --- file-level tampering --------------------------------------------------------------------

def test_not_a_program(tmp_path):
    (tmp_path / "x.npz").write_bytes(b"PK\x03\x04 not really a zip")
    _refused(tmp_path / "x.npz", "not a SONQ program")
    _refused(tmp_path / "missing.npz", "not a SONQ program")
    _refused(tmp_path, "not a SONQ program")
    np.save(tmp_path / "plain.npy", np.zeros(3))
    _refused(tmp_path / "plain.npy", "not a SONQ program")


def test_extra_and_missing_members(saved, tmp_path):
    arrays = _arrays(saved["pbit"])
    _refused(_write(tmp_path / "a.npz", {**arrays, "evil": np.zeros(3)}), r"unexpected member 'evil.npy'")
    del arrays["colors"]
    _refused(_write(tmp_path / "b.npz", arrays), r"lacks the array\(s\) \['colors'\]")


def _zip(path: Path, arrays: dict, raw: dict | None = None) -> Path:
    """A program archive written member by member (deflated, no zip64), ``raw`` members as given bytes."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, arr in arrays.items():
            if raw and name in raw:
                z.writestr(f"{name}.npy", raw[name])
                continue
            buf = io.BytesIO()
            np.lib.format.write_array(buf, arr, allow_pickle=True)
            z.writestr(f"{name}.npy", buf.getvalue())
    return path


def test_object_arrays_are_refused(saved, tmp_path):
    arrays = _arrays(saved["pbit"])
    arrays["fields"] = np.array([None] * 6, dtype=object)
    _refused(_zip(tmp_path / "o.npz", arrays), r"array 'fields' has dtype object")


def test_huge_declared_shape_is_refused_before_allocating(saved, tmp_path):
    """A member whose .npy header claims 10¹² float64 (8 TB) is refused from its header: the
    declared size disagrees with the member's real size, so nothing is allocated."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": "<f8", "fortran_order": False, "shape": (10**12,)})
    buf.write(np.zeros(6).tobytes())
    path = _zip(tmp_path / "huge.npz", _arrays(saved["pbit"]), raw={"fields": buf.getvalue()})
    _refused(path, r"array 'fields' declares 8000000000000 bytes of data but holds 48")


def test_lying_zip_sizes_are_refused(saved, tmp_path):
    """A member whose zip entry claims far more bytes than deflate can produce is refused before
    it is read."""
    path = _zip(tmp_path / "lie.npz", _arrays(saved["pbit"]))
    data = bytearray(path.read_bytes())
    name = b"fields.npy"
    k = 0
    while True:  # the central directory entry of fields.npy
        k = data.find(b"PK\x01\x02", k)
        assert k >= 0
        if data[k + 46:k + 46 + len(name)] == name:
            break
        k += 4
    data[k + 24:k + 28] = (2**31).to_bytes(4, "little")  # its uncompressed size
    path.write_bytes(bytes(data))
    _refused(path, r"array 'fields' claims 2147483648 bytes from \d+ compressed bytes")


def test_header_member_must_be_a_string(saved, tmp_path):
    arrays = _arrays(saved["pbit"])
    arrays["header"] = np.zeros(3)
    _refused(_write(tmp_path / "h.npz", arrays), r"header must be one JSON string")
    arrays["header"] = np.array("[1, 2]")
    _refused(_write(tmp_path / "h.npz", arrays), r"header must be a JSON object")
    arrays["header"] = np.array("{not json")
    _refused(_write(tmp_path / "h.npz", arrays), r"header is not valid JSON")


# --- the constructor is the same boundary ---------------------------------------------------

@pytest.mark.parametrize("field, value, message", [
    ("fields", np.zeros(5), r"fields must have shape \(6,\)"),
    ("fields", np.full(6, np.nan), r"fields must be finite"),
    ("fields", np.zeros(6, dtype=complex), r"fields must hold real numbers"),
    ("colors", np.zeros(6, dtype=np.int64), r"colors must differ on coupled nodes"),
    ("colors", np.arange(6.0), r"colors must hold integers"),
    ("placement", np.array([0, 1, 2, 3, 4, 4]), r"used twice"),
    ("placement", np.arange(6) + 0.0, r"placement must hold integers"),
    ("couplings", sp.csr_matrix(np.ones((6, 6))), r"couplings must have a zero diagonal"),
    ("couplings", np.triu(np.ones((6, 6)), 1), r"couplings must be symmetric"),
    ("scale", float("inf"), r"scale must be a positive finite number"),
    ("scale", True, r"scale must be a positive finite number"),
    ("reference", "yes", r"reference must be true or false"),
    ("physics", None, r"physics must be a CellPhysics"),
    ("report", {}, r"report must be a CompileReport"),
    ("device", "pbit256", r"device must be a DeviceSpec"),
])
def test_constructor_checks_like_load(programs, field, value, message):
    with pytest.raises(ProgramFormatError, match=message):
        dataclasses.replace(programs["pbit"], **{field: value})


def test_constructor_refuses_out_of_range_csr_without_touching_it(programs):
    J = programs["pbit"].couplings.copy()
    J.indices = J.indices.copy()
    J.indices[0] = 1000  # would read out of bounds in a kernel
    with pytest.raises(ProgramFormatError, match=r"couplings.indices must hold values in 0..5"):
        dataclasses.replace(programs["pbit"], couplings=J)


def test_constructor_model_checks(programs):
    p = programs["pbit"]
    bad = dataclasses.replace(p.model, labels=(0, 1, 2, 3, 4, 4))
    with pytest.raises(ProgramFormatError, match="labels must be distinct"):
        dataclasses.replace(p, model=bad)
    with pytest.raises(ProgramFormatError, match="model.vartype"):
        dataclasses.replace(p, model=dataclasses.replace(p.model, vartype="spin"))
    with pytest.raises(ProgramFormatError, match="model.domain is 'real'"):
        dataclasses.replace(p, model=dataclasses.replace(p.model, domain="real"))


def test_program_errors_are_sonq_errors():
    assert issubclass(ProgramFormatError, SonqError) and issubclass(ProgramFormatError, ValueError)


def test_every_sonq_error_class_derives_from_sonq_error_and_is_exported():
    """One root, ``sdk.SonqError``: every exception class defined in SONQ's packages derives from it
    and is importable from ``sdk``."""
    import importlib
    import pkgutil

    found = {}
    for package in ("device_models", "compiler", "runtime", "sdk"):
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, f"{package}."):
            if info.name.endswith("_sonq_c") or ".jax" in info.name or "pyspice" in info.name:
                continue
            try:
                module = importlib.import_module(info.name)
            except ImportError:
                continue
            for value in vars(module).values():
                if (isinstance(value, type) and issubclass(value, BaseException)
                        and value.__module__ == module.__name__):
                    found[value.__qualname__] = value
    assert "RunError" in found and "ScheduleError" in found and "ProgramFormatError" in found
    for name, cls in found.items():
        assert issubclass(cls, SonqError), f"{cls.__module__}.{name} does not derive from SonqError"
        assert getattr(sdk, name, None) is cls, f"{cls.__module__}.{name} is not exported from sdk"
        assert name in sdk.__all__, f"{name} is not in sdk.__all__"


# --- device specs: physical values ----------------------------------------------------------

def _device(**changes) -> dict:
    raw = sdk.load_device("oim64-kings").to_dict()
    for path, value in changes.items():
        node = raw
        keys = path.split("__")
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value
    return raw


@pytest.mark.parametrize("changes, message", [
    ({"noise_temperature": "-300 K"}, r"noise_temperature must be a positive finite number .* got '-300 K'"),
    ({"noise_temperature": 0}, r"noise_temperature must be a positive finite number"),
    ({"noise_temperature": float("nan")}, r"noise_temperature: expected a finite quantity in K"),
    ({"noise_temperature": "1e999 K"}, r"noise_temperature: expected a finite quantity"),
    ({"mismatch": 5.0}, r"mismatch must be in \[0, 0.3\], got 5.0: .* could flip a conductance's sign"),
    ({"mismatch": 0.31}, r"mismatch must be in \[0, 0.3\]"),
    ({"mismatch": -0.1}, r"mismatch must be in \[0, 0.3\]"),
    ({"mismatch": float("nan")}, r"mismatch must be in \[0, 0.3\], got nan"),
    ({"mismatch": "0.1"}, r"mismatch must be a number in \[0, 0.3\], got '0.1'"),
    ({"mismatch": True}, r"mismatch must be a number"),
    ({"components__capacitance": float("nan")}, r"components.capacitance: expected a finite quantity in F"),
    ({"components__capacitance": "0 pF"}, r"components.capacitance must be a positive finite number .* got '0 pF'"),
    ({"components__capacitance": "-1 pF"}, r"components.capacitance must be a positive finite number"),
    ({"components__amplitude": "1e-300 V"}, r"give a non-finite|give no finite physics"),
    ({"coupling__g_max": 0}, r"coupling.g_max must be a positive finite number"),
    ({"coupling__g_max": float("inf")}, r"coupling.g_max: expected a finite quantity"),
    ({"coupling__g_min": "1 mS"}, r"coupling.g_min must be in \[0, g_max\)"),
    ({"coupling__dac_bits": 0}, r"coupling.dac_bits must be an integer in 1..24, got 0"),
    ({"coupling__dac_bits": 25}, r"coupling.dac_bits must be an integer in 1..24, got 25"),
    ({"coupling__dac_bits": 8.0}, r"coupling.dac_bits must be an integer in 1..24, got 8.0"),
    ({"cells": 10**12}, r"cells must be an integer in 1..2147483646"),
    ({"topology": {"kind": "edges", "edges": [[0, 1.5]]}}, r"topology.edges\[0\] must be a pair of cell indices"),
    ({"topology": {"kind": "edges", "edges": [[0, float("inf")]]}}, r"topology.edges\[0\]"),
    ({"topology": {"kind": "kings", "rows": True, "cols": 64}}, r"topology.rows must be a positive integer"),
    ({"description": {"a": 1}}, r"description must be text"),
])
def test_device_physical_values_are_checked(changes, message):
    with pytest.raises(sdk.DeviceSpecError, match=message):
        sdk.DeviceSpec.from_dict(_device(**changes))


def test_mismatch_at_its_limit_keeps_every_sign():
    from device_models.spec import MISMATCH_MAX

    assert MISMATCH_MAX == 0.3 and 1 - 3 * MISMATCH_MAX >= 0.1
    spec = sdk.DeviceSpec.from_dict(_device(mismatch=MISMATCH_MAX))
    rng = np.random.default_rng(5)
    J = np.triu(rng.choice([-1.0, 1.0], size=(8, 8)), 1)
    mask = np.zeros((8, 8), bool)
    for i in range(8):
        for j in range(i + 1, 8):
            mask[i, j] = spec.topology.connects(spec.cells)(i, j)
    J = np.where(mask, J, 0.0)
    program = sdk.compile(sdk.IsingModel(np.zeros(8), J + J.T), spec, mismatch_seed=3)
    ideal = sdk.compile(sdk.IsingModel(np.zeros(8), J + J.T), sdk.DeviceSpec.from_dict(_device()))
    assert np.array_equal(np.sign(program.couplings.toarray()), np.sign(ideal.couplings.toarray()))


def test_device_spec_built_directly_is_checked_too():
    spec = sdk.load_device("gauss8")
    with pytest.raises(sdk.DeviceSpecError, match="mismatch"):
        dataclasses.replace(spec, mismatch=5.0)
    with pytest.raises(sdk.DeviceSpecError, match="noise_temperature"):
        dataclasses.replace(spec, noise_temperature=float("nan"))
    with pytest.raises(sdk.DeviceSpecError, match="components.capacitance"):
        dataclasses.replace(spec, components={**spec.components, "capacitance": -1.0})


def test_device_yaml_nan_and_unreadable_files(tmp_path):
    text = (Path(sdk.__file__).parents[1] / "device_models" / "chips" / "gauss8.yaml").read_text()
    bad = tmp_path / "bad.yaml"
    bad.write_text(re.sub(r"(?m)^noise_temperature:.*$", "noise_temperature: .nan", text))
    with pytest.raises(sdk.DeviceSpecError, match=r"noise_temperature: expected a finite quantity in K, got nan"):
        sdk.DeviceSpec.from_yaml(bad)
    with pytest.raises(sdk.DeviceSpecError, match="cannot read a device file"):
        sdk.DeviceSpec.from_yaml(tmp_path)
    (tmp_path / "bin.yaml").write_bytes(b"name: \xff\xfe")
    with pytest.raises(sdk.DeviceSpecError, match="cannot read a device file"):
        sdk.DeviceSpec.from_yaml(tmp_path / "bin.yaml")
    (tmp_path / "deep.yaml").write_text("[" * 10_000 + "]" * 10_000)
    with pytest.raises(sdk.DeviceSpecError):
        sdk.DeviceSpec.from_yaml(tmp_path / "deep.yaml")
