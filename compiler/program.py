"""The compiled artifact: everything a runtime needs, versioned and serializable.

A :class:`Program` holds two views of the same energy:

* ``model`` — the exact :class:`~compiler.ir.EnergyIR` in the model's own units, used to report
  energies;
* ``couplings``/``fields``/``poly`` — what the chip is programmed with, in device units (scaled,
  quantized, mismatched), indexed by *node*.  Nodes are the model's variables in order, plus, for
  ``oim`` programs with fields, one trailing reference oscillator whose couplings carry ``h``.

Saved form: one ``.npz`` file with the arrays and a JSON header (``format``, ``version``), written
atomically (:func:`device_models.files.atomic_write`).

**Validation boundary.**  Constructing a Program (``__post_init__``) and loading one check every
array and header field, so that no file, argument or model can bring out-of-range data to a kernel:

* dtypes: real numbers (bool, integer or float; stored as float64) for coefficient arrays, integers
  (stored as int64) for the index arrays ``placement``, ``colors`` and the CSR ``indices``/``indptr``;
  complex, object, string and structured arrays are refused;
* shapes, with ``m = n + (1 if reference else 0)``: ``fields`` (m,), ``poly`` (m, 3), ``colors`` (m,),
  ``placement`` (n,), ``couplings`` (m, m); model ``h`` (n,), ``J`` (n, n), ``poly`` (n, 3);
* finiteness of every value and of the energy bound (:func:`compiler.ir.check_energy_range`);
* CSR structure: ``indptr`` of length m+1 from 0, non-decreasing, ending at nnz; column indices in
  0..m−1, strictly increasing within each row (sorted, no duplicates);
* couplings symmetric (to 1e-12 relative, as :func:`compiler.ir.symmetric_couplings` allows) with a
  zero diagonal; every conductance-mapped device value within full scale ``1 + 3σ`` (σ the device's
  mismatch);
* ``colors`` in 0..m−1 and a proper colouring (no coupled pair shares a colour); ``placement``
  distinct cells in 0..cells−1, and every coupling between cells the topology connects;
* header consistency: ``device.cell`` an :class:`~device_models.cells.AbstractCell` whose domain
  is the model's; ``reference`` only on cells with ``reference_fields`` and exactly when the model
  has fields (whose device ``fields`` are then zero); distinct plain labels, one per variable;
  ``vartype`` SPIN/BINARY for spin models, REAL for real ones; ``scale`` positive and finite; the
  physics finite (``time_unit`` > 0, the rest ≥ 0); the report's fields of their declared types.

Loading also checks the format name, that ``version`` is the integer :data:`PROGRAM_VERSION`, that
the file holds exactly the expected arrays, and, before any array is allocated, every array's
declared size against its place in the program, the file's real size and :data:`MAX_PROGRAM_BYTES`.
Every failure is a :class:`~device_models.errors.ProgramFormatError` naming the field and the value.
"""

from __future__ import annotations

import dataclasses
import json
import math
import numbers
import reprlib
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from compiler.ir import EnergyIR, REAL_KINDS, check_energy_range, make_labels, real_array, real_scalar
from compiler.report import CompileReport
from device_models.cells import AbstractCell, CellPhysics
from device_models.errors import DeviceSpecError, ModelError, ProgramFormatError
from device_models.files import atomic_write, check_output_path, printable
from device_models.spec import DeviceSpec

PROGRAM_FORMAT = "sonq-program"
PROGRAM_VERSION = 1
#: largest total size of a program's arrays a load allocates (bytes)
MAX_PROGRAM_BYTES = 4 << 30
#: largest JSON header a load reads (bytes)
MAX_HEADER_BYTES = 256 << 20
#: deflate expands at most ~1032:1; a member claiming more than this is lying about its size
DEFLATE_MAX_RATIO = 1100
#: relative asymmetry a coupling matrix may have (as compiler.ir.symmetric_couplings allows)
SYMMETRY_RTOL = 1e-12
#: the compiler's mismatch clip: ξ ∈ [−3, 3] (compiler.passes.mismatch.CLIP)
MISMATCH_CLIP = 3.0
VARTYPES = {"spin": ("SPIN", "BINARY"), "real": ("REAL",)}
INDEX_KINDS = "iu"
HEADER_KEYS = {"format", "version", "device", "scale", "reference", "physics", "report", "model"}
MODEL_KEYS = {"offset", "domain", "labels", "vartype", "kind", "meta"}
CSR_PARTS = ("data", "indices", "indptr", "shape")
ARRAY_NAMES = ("header", "model_h", "model_poly", "fields", "poly", "placement", "colors",
               *(f"model_J_{part}" for part in CSR_PARTS), *(f"couplings_{part}" for part in CSR_PARTS))


@dataclass(frozen=True)
class Program:
    """A model compiled for one device.

    Attributes:
        device: the target device.
        model: exact energy in model units.
        couplings: (m, m) symmetric CSR, device units (full-scale conductance = 1).
        fields: (m,) device units (zero on ``oim``, where fields ride on the reference node).
        poly: (m, 3) x², x³, x⁴ node coefficients, device units (``gauss`` only).
        placement: (n,) cell index of each model variable.
        scale: model energy per device energy unit.
        colors: (m,) colour class of each node; nodes of one colour share no coupling.
        physics: time unit and thermal temperature of the device.
        report: the compile report.
        reference: True when node m−1 is an ``oim`` reference oscillator.

    Raises:
        ProgramFormatError: any field fails the checks of the module docstring.
    """

    device: DeviceSpec
    model: EnergyIR
    couplings: sp.csr_matrix
    fields: np.ndarray
    poly: np.ndarray
    placement: np.ndarray
    scale: float
    colors: np.ndarray
    physics: CellPhysics
    report: CompileReport
    reference: bool = False

    def __post_init__(self):
        for name, value in _validated(self).items():
            object.__setattr__(self, name, value)

    @property
    def cell(self) -> AbstractCell:
        return self.device.cell

    @property
    def num_nodes(self) -> int:
        return int(self.fields.shape[0])

    @property
    def num_variables(self) -> int:
        return self.model.n

    @property
    def default_temperature(self) -> float:
        """The device's own thermal temperature, in model energy units."""
        return self.physics.thermal_temperature * self.scale

    def device_energy(self, x: np.ndarray) -> np.ndarray:
        """Energy of node states (..., m) in device units, as the chip sees it (offset omitted)."""
        x = np.asarray(x, dtype=np.float64)
        flat = x.reshape(-1, self.num_nodes)
        e = flat @ self.fields + 0.5 * np.einsum("ri,ri->r", flat, (self.couplings @ flat.T).T)
        if np.any(self.poly):
            e = e + sum((flat**k) @ self.poly[:, k - 2] for k in (2, 3, 4))
        return e.reshape(x.shape[:-1])

    def save(self, path: str | Path) -> Path:
        """Write the program to ``path`` (``.npz`` appended when missing), atomically: a failure
        leaves any previous file at ``path`` intact.

        Raises:
            OutputFileError: ``path`` is a directory or cannot be written.
            ProgramFormatError: labels or metadata that JSON cannot hold.
        """
        path = _npz_path(path)
        header = {
            "format": PROGRAM_FORMAT, "version": PROGRAM_VERSION,
            "device": self.device.to_dict(), "scale": self.scale, "reference": self.reference,
            "physics": dataclasses.asdict(self.physics), "report": self.report.to_dict(),
            "model": {"offset": self.model.offset, "domain": self.model.domain,
                      "labels": list(self.model.labels), "vartype": self.model.vartype,
                      "kind": self.model.kind, "meta": self.model.meta},
        }
        try:
            text = json.dumps(header, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise ProgramFormatError(f"cannot save: the header must be plain JSON; variable labels must be "
                                     f"JSON-serializable ({exc})") from None
        arrays = dict(
            header=np.array(text),
            model_h=self.model.h, model_poly=self.model.poly, **_csr("model_J", self.model.J),
            fields=self.fields, poly=self.poly, placement=self.placement, colors=self.colors,
            **_csr("couplings", self.couplings),
        )
        return atomic_write(path, lambda f: np.savez_compressed(f, **arrays))

    @classmethod
    def load(cls, path: str | Path) -> "Program":
        """Read a program written by :meth:`save`, checking every field (module docstring).

        Raises:
            ProgramFormatError: not a readable SONQ program file, an unsupported version, or any
                field out of range (the message names it and its value).
        """
        shown = printable(str(path))
        try:
            with zipfile.ZipFile(path) as archive:
                header, arrays = _read_archive(archive)
            return _from_parts(header, arrays)
        except ProgramFormatError as exc:
            raise ProgramFormatError(f"{shown}: {exc}") from None
        except (OSError, EOFError, zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, ValueError, KeyError,
                NotImplementedError, RuntimeError, TypeError, OverflowError) as exc:
            raise ProgramFormatError(f"{shown}: not a SONQ program ({printable(str(exc))})") from None


# --- validation ------------------------------------------------------------------------------

def _fail(field: str, problem: str):
    raise ProgramFormatError(f"{field} {problem}")


def _show(value) -> str:
    return printable(reprlib.repr(value))


def _real(field: str, value, shape: tuple) -> np.ndarray:
    """A real (bool/int/float) array of exactly ``shape`` with finite values, as float64."""
    if sp.issparse(value):
        _fail(field, f"must be a dense array, got a sparse {value.format} matrix")
    try:
        arr = real_array(field, value)
    except ModelError as exc:
        raise ProgramFormatError(str(exc)) from None
    if arr.shape != shape:
        _fail(field, f"must have shape {shape}, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        k = np.argwhere(~np.isfinite(arr))[0]
        where = tuple(int(i) for i in k) if len(k) > 1 else int(k[0])
        _fail(field, f"must be finite; {field}[{where}] = {float(arr[tuple(k)])}")
    return np.ascontiguousarray(arr)


def _index(field: str, value, shape: tuple, low: int, high: int) -> np.ndarray:
    """An integer array of exactly ``shape`` with values in low..high, as int64 (floats, even
    whole ones, and bools are refused rather than truncated)."""
    if sp.issparse(value):
        _fail(field, f"must be a dense integer array, got a sparse {value.format} matrix")
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError) as exc:
        _fail(field, f"is not a rectangular integer array ({exc})")
    if arr.dtype.kind not in INDEX_KINDS:
        _fail(field, f"must hold integers, got an array of dtype {arr.dtype}")
    if arr.shape != shape:
        _fail(field, f"must have shape {shape}, got {arr.shape}")
    if arr.size:
        lo, hi = arr.min(), arr.max()
        if lo < low or hi > high:
            bad = arr[(arr < low) | (arr > high)][0]
            k = int(np.flatnonzero(arr.ravel() == bad)[0])
            _fail(field, f"must hold values in {low}..{high}; {field}[{k}] = {int(bad)}")
    return np.ascontiguousarray(arr, dtype=np.int64)


def _csr_parts(field: str, data, indices, indptr, shape, m: int) -> sp.csr_matrix:
    """A CSR matrix from raw parts after checking its structure (so that no scipy routine or kernel
    ever reads out of bounds): shape (m, m), indptr from 0 to nnz and non-decreasing, column
    indices in 0..m−1 strictly increasing within each row, finite real data."""
    shape = _index(f"{field}.shape", shape, (2,), 0, np.iinfo(np.int64).max)
    if tuple(int(s) for s in shape) != (m, m):
        _fail(f"{field}.shape", f"must be ({m}, {m}), got {tuple(int(s) for s in shape)}")
    if np.ndim(indptr) != 1 or np.shape(indptr)[0] != m + 1:
        _fail(f"{field}.indptr", f"must have shape ({m + 1},), got {np.shape(indptr)}")
    nnz = np.shape(indices)[0] if np.ndim(indices) == 1 else -1
    if nnz < 0:
        _fail(f"{field}.indices", f"must be 1-dimensional, got shape {np.shape(indices)}")
    if nnz > m * m:
        _fail(f"{field}.indices", f"holds {nnz} entries, more than a {m}×{m} matrix can")
    indptr = _index(f"{field}.indptr", indptr, (m + 1,), 0, nnz)
    indices = _index(f"{field}.indices", indices, (nnz,), 0, max(m - 1, 0))
    data = _real(f"{field}.data", data, (nnz,))
    if indptr[0] != 0 or indptr[-1] != nnz:
        _fail(f"{field}.indptr", f"must run from 0 to nnz = {nnz}, got {int(indptr[0])} … {int(indptr[-1])}")
    counts = np.diff(indptr)
    if np.any(counts < 0):
        i = int(np.flatnonzero(counts < 0)[0])
        _fail(f"{field}.indptr", f"must be non-decreasing; indptr[{i}] = {int(indptr[i])} > "
                                 f"indptr[{i + 1}] = {int(indptr[i + 1])}")
    if nnz > 1:
        rows = np.repeat(np.arange(m), counts)
        same_row = rows[1:] == rows[:-1]
        bad = same_row & (np.diff(indices) <= 0)
        if np.any(bad):
            k = int(np.flatnonzero(bad)[0])
            what = "repeats" if indices[k + 1] == indices[k] else "is out of order:"
            _fail(f"{field}.indices", f"must be sorted and distinct within each row; row {int(rows[k])} {what} "
                                      f"column {int(indices[k + 1])} after {int(indices[k])}")
    M = sp.csr_matrix((data, indices, indptr), shape=(m, m))
    M.has_sorted_indices = True
    return M


def _csr_from(field: str, value, m: int) -> sp.csr_matrix:
    """A matrix given to the constructor: a CSR matrix's own parts are checked as a file's are;
    other sparse formats and dense arrays are converted first."""
    if sp.issparse(value) and value.format == "csr":
        if value.dtype.kind not in REAL_KINDS:
            _fail(field, f"must hold real numbers, got a matrix of dtype {value.dtype}")
        return _csr_parts(field, value.data, value.indices, value.indptr, np.array(value.shape), m)
    try:
        if sp.issparse(value):
            if value.dtype.kind not in REAL_KINDS:
                _fail(field, f"must hold real numbers, got a matrix of dtype {value.dtype}")
            M = sp.csr_matrix(value, dtype=np.float64)
        else:
            M = sp.csr_matrix(real_array(field, value, ndim=2))
    except ModelError as exc:
        raise ProgramFormatError(str(exc)) from None
    except (ValueError, TypeError) as exc:
        _fail(field, f"is not a matrix ({exc})")
    M.sum_duplicates()
    M.sort_indices()
    return _csr_parts(field, M.data, M.indices, M.indptr, np.array(M.shape), m)


def _symmetric(field: str, M: sp.csr_matrix) -> None:
    diag = M.diagonal()
    if np.any(diag != 0):
        i = int(np.flatnonzero(diag)[0])
        _fail(field, f"must have a zero diagonal; {field}[{i},{i}] = {float(diag[i])}")
    if M.nnz == 0:
        return
    with np.errstate(over="ignore", invalid="ignore"):
        diff = (M - M.T).tocoo()
        limit = SYMMETRY_RTOL * max(1.0, float(np.max(np.abs(M.data))))
        bad = np.abs(diff.data) > limit
    if np.any(bad):
        k = int(np.argmax(np.where(bad, np.abs(diff.data), -np.inf)))
        i, j = int(diff.row[k]), int(diff.col[k])
        _fail(field, f"must be symmetric; {field}[{i},{j}] = {float(M[i, j])} but {field}[{j},{i}] = {float(M[j, i])}")


def _energy_range(what: str, **terms) -> None:
    try:
        check_energy_range(what, **terms)
    except ModelError as exc:
        raise ProgramFormatError(str(exc)) from None


def _plain_text(field: str, value, *, limit: int = 200) -> str:
    if not isinstance(value, str):
        _fail(field, f"must be a string, got {_show(value)} ({type(value).__name__})")
    if not value or len(value) > limit or printable(value) != value or not value.isprintable():
        _fail(field, f"must be 1..{limit} printable characters, got {_show(value)}")
    return value


def _checked_model(ir, domain: str) -> EnergyIR:
    """The model checked field by field; the same object when nothing needed converting."""
    if not isinstance(ir, EnergyIR):
        _fail("model", f"must be an EnergyIR, got {type(ir).__name__}")
    h = ir.h
    if sp.issparse(h) or np.ndim(h) != 1:
        _fail("model.h", f"must be 1-dimensional, got shape {np.shape(h)}")
    n = int(np.shape(h)[0])
    if n < 1:
        _fail("model.h", "is empty: a program needs at least one variable")
    h = _real("model.h", h, (n,))
    J = _csr_from("model.J", ir.J, n)
    _symmetric("model.J", J)
    poly = _real("model.poly", ir.poly, (n, 3))
    try:
        offset = real_scalar("model.offset", ir.offset)
    except ModelError as exc:
        raise ProgramFormatError(str(exc)) from None
    if not isinstance(ir.domain, str) or ir.domain not in VARTYPES:
        _fail("model.domain", f"must be one of {sorted(VARTYPES)}, got {_show(ir.domain)}")
    if ir.domain != domain:
        _fail("model.domain", f"is {ir.domain!r} but the device's cell holds {domain!r} variables")
    if ir.domain == "spin" and np.any(poly):
        _fail("model.poly", "must be zero for spin variables (x² = 1 folds into the offset)")
    if not isinstance(ir.vartype, str) or ir.vartype not in VARTYPES[ir.domain]:
        _fail("model.vartype", f"must be one of {VARTYPES[ir.domain]} for {ir.domain} variables, got {_show(ir.vartype)}")
    kind = _plain_text("model.kind", ir.kind, limit=64)
    meta = ir.meta
    if not isinstance(meta, dict):
        _fail("model.meta", f"must be a mapping, got {_show(meta)}")
    for key, value in meta.items():
        if not isinstance(key, str):
            _fail("model.meta", f"keys must be strings, got {_show(key)}")
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            _fail(f"model.meta[{_show(key)}]", f"must be a finite number, got {_show(value)}")
    if kind == "maxcut" and "total_weight" not in meta:
        _fail("model.meta", "of a maxcut model must hold its total_weight")
    try:
        labels = make_labels(ir.labels, n)
    except ModelError as exc:
        raise ProgramFormatError(f"model.{printable(str(exc))}") from None
    except (TypeError, RecursionError) as exc:
        _fail("model.labels", f"must be {n} distinct plain labels ({exc})")
    _energy_range("model", h=h, J=J, poly=poly, offset=offset)
    return EnergyIR(h, J, poly, offset, ir.domain, labels, ir.vartype, kind, dict(meta))


def _checked_physics(physics) -> CellPhysics:
    if not isinstance(physics, CellPhysics):
        _fail("physics", f"must be a CellPhysics, got {type(physics).__name__}")
    for f in dataclasses.fields(physics):
        value = getattr(physics, f.name)
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            _fail(f"physics.{f.name}", f"must be a finite number, got {_show(value)}")
        if value < 0 or (f.name == "time_unit" and value <= 0):
            _fail(f"physics.{f.name}", f"must be {'positive' if f.name == 'time_unit' else 'non-negative'}, "
                                       f"got {value!r}")
    return physics


def _type_ok(annotation: str, value) -> bool:
    """Whether a report field's value has the type its (string) annotation declares."""
    def real(v):
        return isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v)

    def integer(v):
        return isinstance(v, numbers.Integral) and not isinstance(v, bool)

    checks = {"str": lambda v: isinstance(v, str), "int": integer, "float": real,
              "bool": lambda v: isinstance(v, (bool, np.bool_)) or (integer(v) and v in (0, 1)), "list": lambda v: isinstance(v, (list, tuple)),
              "dict": lambda v: isinstance(v, dict)}
    if isinstance(annotation, type):
        annotation = annotation.__name__
    options = [part.strip() for part in str(annotation).split("|")]
    for option in options:
        if option == "None" and value is None:
            return True
        if option in checks and checks[option](value):
            return True
    return not any(option in checks or option == "None" for option in options)  # unknown: not checked


def _checked_report(report, device: DeviceSpec, n: int) -> CompileReport:
    if not isinstance(report, CompileReport):
        _fail("report", f"must be a CompileReport, got {type(report).__name__}")
    for f in dataclasses.fields(report):
        value = getattr(report, f.name)
        if not _type_ok(f.type, value):
            _fail(f"report.{f.name}", f"must be of type {f.type}, got {_show(value)}")
    for name in ("clipped", "dropped"):
        for pair in getattr(report, name, ()):
            if (not isinstance(pair, (list, tuple)) or len(pair) != 2
                    or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) and -1 <= v < n for v in pair)):
                _fail(f"report.{name}", f"must hold pairs of variable indices in -1..{n - 1}, got {_show(pair)}")
    for k, warning in enumerate(getattr(report, "warnings", ())):
        if not isinstance(warning, str):
            _fail(f"report.warnings[{k}]", f"must be a string, got {_show(warning)}")
    if getattr(report, "num_variables", n) != n:
        _fail("report.num_variables", f"is {report.num_variables} but the model has {n} variables")
    if getattr(report, "cell", device.cell.name) != device.cell.name:
        _fail("report.cell", f"is {_show(report.cell)} but the device's cell is {device.cell.name!r}")
    return report


def _validated(p: Program) -> dict:
    """Every field of ``p`` checked (module docstring); returns the normalized fields."""
    device = p.device
    if not isinstance(device, DeviceSpec):
        _fail("device", f"must be a DeviceSpec, got {type(device).__name__}")
    cell = device.cell
    if not isinstance(cell, AbstractCell):
        _fail("device.cell", f"must be an AbstractCell, got {_show(cell)}")
    model = _checked_model(p.model, cell.domain)
    n = model.n
    if n > device.cells:
        _fail("model", f"has {n} variables but device {device.name!r} has {device.cells} cells")
    reference = p.reference
    if not isinstance(reference, (bool, np.bool_)):
        _fail("reference", f"must be true or false, got {_show(reference)}")
    reference = bool(reference)
    if reference and not cell.reference_fields:
        _fail("reference", f"is true but {cell.name!r} cells have no reference oscillator")
    if cell.reference_fields and reference != bool(np.any(model.h)):
        _fail("reference", f"is {str(reference).lower()} but the model {'has' if np.any(model.h) else 'has no'} "
                           f"fields (on {cell.name!r} cells fields ride on a reference oscillator exactly when present)")
    m = n + int(reference)
    scale = p.scale
    if isinstance(scale, bool) or not isinstance(scale, numbers.Real) or not (math.isfinite(scale) and scale > 0):
        _fail("scale", f"must be a positive finite number, got {_show(scale)}")
    fields = _real("fields", p.fields, (m,))
    poly = _real("poly", p.poly, (m, 3))
    couplings = _csr_from("couplings", p.couplings, m)
    _symmetric("couplings", couplings)
    if cell.reference_fields and np.any(fields):
        _fail("fields", f"must be zero on {cell.name!r} cells (fields ride on the reference oscillator)")
    # Conductance-mapped values are at most full scale, times the mismatch's largest deviation.
    full = (1 + MISMATCH_CLIP * device.mismatch) * (1 + 1e-9)
    mapped = {"couplings": couplings.data}
    if "fields" in cell.conductance_terms:
        mapped["fields"] = fields
    if "quadratic" in cell.conductance_terms:
        mapped["poly[:, 0] (×2, the conductance to ground)"] = 2 * poly[:, 0]
    for name, values in mapped.items():
        if values.size and float(np.max(np.abs(values))) > full:
            k = int(np.argmax(np.abs(values)))
            _fail(name, f"exceeds full scale: |value| = {abs(float(values[k])):.6g} > {full:.6g} "
                        f"(1 + 3σ, σ = {device.mismatch:g}) at entry {k}")
    _energy_range("programmed chip", fields=fields, couplings=couplings, poly=poly)
    colors = _index("colors", p.colors, (m,), 0, m - 1)
    upper = sp.triu(couplings, k=1).tocoo()
    coupled = upper.data != 0
    rows, cols = upper.row[coupled], upper.col[coupled]
    clash = colors[rows] == colors[cols]
    if np.any(clash):
        k = int(np.flatnonzero(clash)[0])
        i, j = int(rows[k]), int(cols[k])
        _fail("colors", f"must differ on coupled nodes; nodes {i} and {j} are coupled and both have colour {int(colors[i])}")
    placement = _index("placement", p.placement, (n,), 0, device.cells - 1)
    if len(np.unique(placement)) != n:
        values, counts = np.unique(placement, return_counts=True)
        _fail("placement", f"must put each variable on its own cell; cell {int(values[counts > 1][0])} is used twice")
    topology = device.topology
    if topology.kind != "all_to_all":
        real = (rows < n) & (cols < n)  # the reference oscillator sits outside the cell array
        a, b = placement[rows[real]], placement[cols[real]]
        ok = _connected(topology, device.cells, a, b)
        if not np.all(ok):
            k = int(np.flatnonzero(~ok)[0])
            _fail("couplings", f"join cells {int(a[k])} and {int(b[k])}, which the {topology.kind} topology "
                               f"of {device.name!r} does not connect")
    physics = _checked_physics(p.physics)
    report = _checked_report(p.report, device, n)
    return {"model": model, "couplings": couplings, "fields": fields, "poly": poly, "placement": placement,
            "scale": float(scale), "colors": colors, "physics": physics, "report": report, "reference": reference}


def _connected(topology, cells: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Whether the topology connects cells a[k] and b[k], computed from the grid arithmetic (a
    tampered header claiming a huge grid costs nothing) or the explicit edge list."""
    if topology.kind == "edges":
        edges = np.array(topology.edge_list, dtype=np.int64).reshape(-1, 2)
        allowed = np.minimum(edges[:, 0], edges[:, 1]) * cells + np.maximum(edges[:, 0], edges[:, 1])
        return np.isin(np.minimum(a, b) * cells + np.maximum(a, b), allowed)
    rows, cols = topology.rows, topology.cols
    ra, ca, rb, cb = a // cols, a % cols, b // cols, b % cols
    if topology.kind == "kings":
        return (a != b) & (np.maximum(np.abs(ra - rb), np.abs(ca - cb)) == 1)
    if topology.kind == "torus2d":
        dr, dc = (rb - ra) % rows, (cb - ca) % cols
        return (a != b) & (((dc == 0) & ((dr == 1) | (dr == rows - 1))) | ((dr == 0) & ((dc == 1) | (dc == cols - 1))))
    _fail("device.topology", f"has an unknown kind {_show(topology.kind)}")


# --- the file format --------------------------------------------------------------------------

def _npz_path(path: str | Path) -> Path:
    """``path`` with ``.npz`` appended when missing; an existing directory is refused first (so
    ``-o some_dir`` never becomes ``some_dir.npz``)."""
    check_output_path(path)
    path = Path(path)
    return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")


def _csr(name: str, M: sp.csr_matrix) -> dict:
    M = sp.csr_matrix(M)
    return {f"{name}_data": M.data, f"{name}_indices": M.indices, f"{name}_indptr": M.indptr,
            f"{name}_shape": np.array(M.shape)}


def _read_archive(archive: zipfile.ZipFile) -> tuple[dict, dict]:
    """The JSON header and the arrays of a program file, every array's declared size checked
    against its place in the program before it is allocated."""
    infos = {}
    for info in archive.infolist():
        name = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
        if name not in ARRAY_NAMES or info.filename in infos:
            _fail("file", f"holds an unexpected member {_show(info.filename)}")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            _fail(f"array {name!r}", f"uses an unsupported compression method {info.compress_type}")
        if info.file_size > DEFLATE_MAX_RATIO * info.compress_size + 4096:
            _fail(f"array {name!r}", f"claims {info.file_size} bytes from {info.compress_size} compressed bytes")
        infos[name] = info
    missing = [name for name in ARRAY_NAMES if name not in infos]
    if missing:
        _fail("file", f"lacks the array(s) {missing}: not a SONQ program")
    specs = {name: _member_header(archive, info, name) for name, info in infos.items()}
    total = sum(nbytes for _, _, nbytes in specs.values())
    if total > MAX_PROGRAM_BYTES:
        _fail("file", f"declares {total} bytes of arrays, over the limit of {MAX_PROGRAM_BYTES} (compiler.program.MAX_PROGRAM_BYTES)")
    shape, dtype, nbytes = specs["header"]
    if dtype.kind != "U" or shape != () or nbytes > MAX_HEADER_BYTES:
        _fail("header", f"must be one JSON string of at most {MAX_HEADER_BYTES} bytes, got dtype {dtype} shape {shape}")
    header = _parse_header(str(_read_member(archive, infos["header"])))
    device = _device(header)
    # Sizes a program of this device can have, checked before anything big is read.
    n = _dim(specs, "model_h", 0)
    m = _dim(specs, "fields", 0)
    if not 1 <= n <= device.cells:
        _fail("model_h", f"has {n} entries; the device has {device.cells} cells")
    if m not in (n, n + 1):
        _fail("fields", f"has {m} entries for {n} variables (must be {n}, or {n + 1} with a reference node)")
    expected = {"model_h": (n,), "model_poly": (n, 3), "fields": (m,), "poly": (m, 3), "placement": (n,),
                "colors": (m,), "model_J_indptr": (n + 1,), "couplings_indptr": (m + 1,),
                "model_J_shape": (2,), "couplings_shape": (2,)}
    for name, want in expected.items():
        if specs[name][0] != want:
            _fail(name, f"must have shape {want}, got {specs[name][0]}")
    for prefix, size in (("model_J", n), ("couplings", m)):
        nnz = specs[f"{prefix}_data"][0]
        if len(nnz) != 1 or specs[f"{prefix}_indices"][0] != nnz or nnz[0] > size * size:
            _fail(f"{prefix}_data", f"and {prefix}_indices must have one length nnz ≤ {size * size}, got "
                                    f"{nnz} and {specs[f'{prefix}_indices'][0]}")
    arrays = {name: _read_member(archive, infos[name]) for name in ARRAY_NAMES if name != "header"}
    arrays["device"] = device
    return header, arrays


def _member_header(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> tuple[tuple, np.dtype, int]:
    """(shape, dtype, bytes) an ``.npy`` member declares, checked against the member's size."""
    fmt = np.lib.format
    with archive.open(info) as f:
        version = fmt.read_magic(f)
        if version == (1, 0):
            shape, _, dtype = fmt.read_array_header_1_0(f)
        elif version == (2, 0):
            shape, _, dtype = fmt.read_array_header_2_0(f)
        else:
            _fail(f"array {name!r}", f"has an unsupported .npy version {version}")
        offset = f.tell()
    if dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None or dtype.itemsize == 0:
        _fail(f"array {name!r}", f"has dtype {dtype}: programs hold plain numbers")
    if dtype.kind not in "biufcU":
        _fail(f"array {name!r}", f"has dtype {dtype}: programs hold plain numbers")
    if len(shape) > 2 or any(not isinstance(s, int) or s < 0 for s in shape):
        _fail(f"array {name!r}", f"has shape {shape}")
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes != info.file_size - offset:
        _fail(f"array {name!r}", f"declares {nbytes} bytes of data but holds {info.file_size - offset}")
    return tuple(shape), dtype, nbytes


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> np.ndarray:
    with archive.open(info) as f:
        return np.lib.format.read_array(f, allow_pickle=False)


def _dim(specs: dict, name: str, axis: int) -> int:
    shape = specs[name][0]
    if len(shape) <= axis:
        _fail(name, f"must have at least {axis + 1} dimension(s), got shape {shape}")
    return int(shape[axis])


def _parse_header(text: str) -> dict:
    try:
        header = json.loads(text)
    except (ValueError, RecursionError) as exc:
        _fail("header", f"is not valid JSON ({printable(str(exc))})")
    if not isinstance(header, dict):
        _fail("header", f"must be a JSON object, got {type(header).__name__}")
    if header.get("format") != PROGRAM_FORMAT:
        raise ProgramFormatError(f"not a SONQ program (format {_show(header.get('format'))})")
    version = header.get("version")
    if type(version) is not int:
        _fail("header.version", f"must be an integer, got {_show(version)}")
    if version != PROGRAM_VERSION:
        raise ProgramFormatError(f"program version {version} is not supported (this SONQ reads {PROGRAM_VERSION})")
    keys = set(header)
    if keys != HEADER_KEYS:
        extra, missing = sorted(map(str, keys - HEADER_KEYS)), sorted(HEADER_KEYS - keys)
        _fail("header", f"must hold exactly the keys {sorted(HEADER_KEYS)}; unexpected {_show(extra)}, missing {missing}")
    model = header["model"]
    if not isinstance(model, dict) or set(model) != MODEL_KEYS:
        got = sorted(map(str, model)) if isinstance(model, dict) else type(model).__name__
        _fail("header.model", f"must be an object with the keys {sorted(MODEL_KEYS)}, got {_show(got)}")
    return header


def _device(header: dict) -> DeviceSpec:
    try:
        return DeviceSpec.from_dict(header["device"])
    except DeviceSpecError as exc:
        raise ProgramFormatError(f"header.device: {printable(str(exc))}") from None
    except (TypeError, ValueError, KeyError, AttributeError, OverflowError, RecursionError) as exc:
        raise ProgramFormatError(f"header.device is malformed ({printable(str(exc))})") from None


def _from_parts(header: dict, arrays: dict) -> Program:
    m = header["model"]
    labels = m["labels"]
    if not isinstance(labels, list):
        _fail("header.model.labels", f"must be a list, got {_show(labels)}")
    try:
        labels = tuple(_hashable(x) for x in labels)
    except RecursionError:
        _fail("header.model.labels", "nest too deeply")
    n = arrays["model_h"].shape[0]
    fields_m = arrays["fields"].shape[0]
    model = EnergyIR(arrays["model_h"],
                     _csr_parts("model_J", *(arrays[f"model_J_{p}"] for p in CSR_PARTS), n),
                     arrays["model_poly"], m["offset"], m["domain"], labels, m["vartype"], m["kind"], m["meta"])
    physics = header["physics"]
    if not isinstance(physics, dict):
        _fail("header.physics", f"must be an object, got {_show(physics)}")
    try:
        physics = CellPhysics(**physics)
    except TypeError as exc:
        _fail("header.physics", f"must hold the fields of CellPhysics ({exc})")
    report = header["report"]
    if not isinstance(report, dict):
        _fail("header.report", f"must be an object, got {_show(report)}")
    for key in ("clipped", "dropped"):
        if not isinstance(report.get(key, []), list) or not all(isinstance(p, list) for p in report.get(key, [])):
            _fail(f"header.report.{key}", "must be a list of pairs")
    try:
        report = CompileReport.from_dict(report)
    except (TypeError, ValueError) as exc:
        _fail("header.report", f"must hold the fields of CompileReport ({printable(str(exc))})")
    couplings = _csr_parts("couplings", *(arrays[f"couplings_{p}"] for p in CSR_PARTS), fields_m)
    return Program(
        device=arrays["device"], model=model, couplings=couplings, fields=arrays["fields"], poly=arrays["poly"],
        placement=arrays["placement"], scale=header["scale"], colors=arrays["colors"], physics=physics,
        report=report, reference=header["reference"],
    )


def _hashable(x):
    return tuple(_hashable(v) for v in x) if isinstance(x, list) else x
