"""Interoperability: model files (Gset/rudy graphs, qbsolv QUBOs, dimod BQMs as JSON or COO) and
dimod binary quadratic models."""

from __future__ import annotations

import json
import math
import re
import reprlib
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from compiler.models.base import AbstractEnergyModel
from compiler.models.ising import QUBO, IsingModel, MaxCutModel
from device_models.errors import ModelError


#: nodes a Gset header may announce beyond the 2 per edge line that the file's edges can touch
GSET_MAX_ISOLATED_NODES = 10**6
#: an integer as Gset files write them (18 digits at most: every such value fits an int64)
_GSET_INTEGER = re.compile(r"[+-]?[0-9]{1,18}")
#: the largest node label the readers take (every 18-digit integer fits an int64)
_INTEGER_MAX = 10**18 - 1
_GSET_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def read_gset(path: str | Path) -> MaxCutModel:
    """Read a Gset / rudy file (first line ``n m``, then ``i j w`` with 1-based nodes) as MaxCut.

    Variables are labelled ``0..n-1``; lines starting with ``#`` are comments; duplicate edges add
    up.  The header is checked against the file before anything of its size is allocated: ``m``
    must be the number of edge lines (each takes ≥ 6 bytes), and ``n`` at most ``2m`` plus
    :data:`GSET_MAX_ISOLATED_NODES` (an 18-byte file cannot announce 10¹² nodes).

    Raises:
        ModelError: unreadable file, malformed header or edge line, node outside ``1..n`` or not an
            integer, self-loop, non-finite weight, wrong edge count; the message gives the line
            number in the file (comments and blank lines count).
    """
    where = repr(str(path))
    lines = _data_lines(_read_text(path, "Gset"), "#")
    if not lines:
        raise ModelError(f"{where}: empty Gset file (expected a header line 'n m')")
    (header_no, header), edge_lines = lines[0], lines[1:]
    n, m = _counts(header, 2, "two integers 'n m'", f"{where}: line {header_no}")
    _check_count(m, len(edge_lines), "edges", f"{where}: line {header_no}")
    _check_nodes(n, 1, 2 * m, f"{where}: line {header_no}", f"the file's {m} edges")
    i, j, w = _entries(edge_lines, f"{where}: edge line", 1, n)
    _refuse(i == j, edge_lines, f"{where}: edge line", lambda f: f"self-loop on node {f[0]} has no meaning in MaxCut")
    i, j = i - 1, j - 1
    J = sp.coo_matrix((np.r_[w, w], (np.r_[i, j], np.r_[j, i])), shape=(n, n)).tocsr()
    return MaxCutModel(np.zeros(n), J)


def read_qubo(path: str | Path) -> QUBO:
    """Read a qbsolv ``.qubo`` file as a :class:`QUBO` ``E(x) = Σ_{i≤j} Q_ij x_i x_j``.

    The format: lines starting with ``c`` are comments; the program line
    ``p qubo <topology> <maxNodes> <nNodes> <nCouplers>`` comes first, then ``nNodes`` diagonal
    entries ``i i Q_ii`` and ``nCouplers`` couplers ``i j Q_ij`` with ``i < j``, 0-based nodes in
    ``0..maxNodes−1`` (variables are labelled so).  Repeated entries add up.  ``maxNodes`` is
    checked against the file before anything of its size is allocated: at most the nodes the
    entries can touch plus :data:`GSET_MAX_ISOLATED_NODES`.

    Raises:
        ModelError: unreadable file, a missing or malformed program line, counts that disagree
            with the entries, a node out of range, a coupler with ``i > j``, a non-finite value;
            the message names the file and the line.
    """
    where = repr(str(path))
    lines = _data_lines(_read_text(path, "qbsolv QUBO"), ("c", "C"))
    if not lines or lines[0][1][:2] != ["p", "qubo"]:
        shown = _echo(lines[0][1]) if lines else "nothing"
        raise ModelError(f"{where}: {'line ' + str(lines[0][0]) if lines else 'file'}: expected the program line "
                         f"'p qubo topology maxNodes nNodes nCouplers', got {shown}")
    (header_no, header), entries = lines[0], lines[1:]
    at = f"{where}: line {header_no}"
    _, max_nodes, nodes, couplers = _counts(header[2:], 4, "four integers after 'p qubo' (topology maxNodes "
                                            "nNodes nCouplers)", at)
    _check_count(nodes + couplers, len(entries), "entries (nNodes + nCouplers)", at)
    _check_nodes(max_nodes, 0, nodes + 2 * couplers, at, f"the file's {len(entries)} entries")
    i, j, w = _entries(entries, f"{where}: line", 0, max_nodes - 1)
    _refuse(i > j, entries, f"{where}: line", lambda f: f"coupler {f[0]} {f[1]}: a coupler 'i j value' needs i < j")
    _check_count(nodes, int(np.sum(i == j)), "diagonal entries 'i i value' (nNodes)", at)
    Q = sp.coo_matrix((w, (i, j)), shape=(max_nodes, max_nodes)).tocsr()
    return QUBO(Q)


def read_bqm(path: str | Path, vartype: str | None = None) -> IsingModel | QUBO:
    """Read a dimod binary quadratic model file: JSON as ``BinaryQuadraticModel.to_serializable()``
    writes it (schema 3, ``use_bytes=False``), or dimod's COO text (``dimod.serialization.coo``:
    ``i j bias`` lines, ``i == j`` a linear bias, ``#`` comments, a ``# vartype=SPIN`` header).
    JSON files are recognised by the ``.json`` suffix or a leading ``{``.

    Args:
        path: the file.
        vartype: ``"SPIN"`` or ``"BINARY"``, for COO files without a vartype header (a header
            that disagrees is refused).

    Returns:
        An :class:`IsingModel` (SPIN) or :class:`QUBO` (BINARY) with the file's labels (COO: the
        integers as written; repeated entries add up) and offset.

    Raises:
        ModelError: unreadable or malformed file, naming the file and the line (JSON syntax) or the
            key (JSON content); lengths that disagree with ``num_variables``/``num_interactions``,
            indices out of range, non-finite values, a missing vartype.
    """
    text = _read_text(path, "BQM")
    if detect_format(path, text) == "json":
        return _bqm_from_json(text, repr(str(path)))
    return _bqm_from_coo(text, repr(str(path)), vartype)


def detect_format(path: str | Path, text: str | None = None) -> str:
    """The model format of a file: ``"npy"``, ``"npz"``, ``"json"``, ``"coo"``, ``"qubo"`` or
    ``"gset"``, by its suffix, else by its first lines (``text``, or the file's first 64 kB): a
    leading ``{`` is JSON, a first ``p`` line after ``c`` comments qbsolv, a ``# vartype=`` line COO,
    anything else Gset."""
    suffix = Path(path).suffix.lower()
    if suffix in (".npy", ".npz", ".json", ".coo", ".qubo"):
        return suffix[1:]
    if text is None:
        try:
            with open(path, "rb") as f:
                text = f.read(65536).decode("utf-8", errors="replace")
        except OSError:
            return "gset"  # the reader reports the file
    if text.lstrip().startswith("{"):
        return "json"
    qbsolv = _data_lines(text, ("c", "C"))
    if qbsolv and qbsolv[0][1][:1] == ["p"]:
        return "qubo"
    return "coo" if _COO_VARTYPE.search(text) else "gset"


#: the vartype header of a COO file, as dimod writes it (``# vartype=SPIN``)
_COO_VARTYPE = re.compile(r"^[ \t\f]*#.*?vartype[:=][ \t]*([-_.a-zA-Z0-9]+)", re.MULTILINE)
_VARTYPES = ("SPIN", "BINARY")


def _bqm_from_coo(text: str, where: str, vartype: str | None) -> IsingModel | QUBO:
    """A BQM from dimod's COO text (see :func:`read_bqm`)."""
    headers = [(text.count("\n", 0, m.start()) + 1, m.group(1)) for m in _COO_VARTYPE.finditer(text)]
    given = [(f"line {number}", name) for number, name in headers] + ([("vartype=", vartype)] if vartype else [])
    for source, name in given:
        if name not in _VARTYPES:
            raise ModelError(f"{where}: {source}: vartype {reprlib.repr(name)} is not one of {_VARTYPES}")
    if len({name for _, name in given}) > 1:
        raise ModelError(f"{where}: vartypes disagree: {', '.join(f'{s} says {n}' for s, n in given)}")
    if not given:
        raise ModelError(f"{where}: a COO file needs a '# vartype=SPIN' or '# vartype=BINARY' line (or give vartype)")
    lines = _data_lines(text, "#")
    i, j, w = _entries(lines, f"{where}: line", 0, _INTEGER_MAX)
    labels, index = np.unique(np.r_[i, j], return_inverse=True)
    a, b = index[:len(i)], index[len(i):]
    return _bqm_model(given[0][1], a, b, w, len(labels), 0.0, labels.tolist())


def _bqm_from_json(text: str, where: str) -> IsingModel | QUBO:
    """A BQM from the JSON of ``BinaryQuadraticModel.to_serializable()`` (see :func:`read_bqm`)."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelError(f"{where}: line {exc.lineno}, column {exc.colno}: not JSON ({exc.msg})") from None
    except (RecursionError, ValueError) as exc:  # nesting beyond the parser's depth; integers too long
        raise ModelError(f"{where}: unreadable JSON ({type(exc).__name__}: {reprlib.repr(str(exc))})") from None
    if not isinstance(doc, dict) or doc.get("type") != "BinaryQuadraticModel":
        raise ModelError(f"{where}: not a dimod BQM: the JSON needs \"type\": \"BinaryQuadraticModel\"")
    schema = doc.get("version", {}).get("bqm_schema") if isinstance(doc.get("version"), dict) else None
    if not isinstance(schema, str) or not schema.startswith("3."):
        raise ModelError(f"{where}: key 'version': bqm_schema {reprlib.repr(schema)} is not supported (this SONQ "
                         "reads schema 3, dimod ≥ 0.10)")
    if doc.get("use_bytes") is not False:
        raise ModelError(f"{where}: key 'use_bytes': a JSON file holds lists (to_serializable(use_bytes=False))")
    vartype = doc.get("variable_type")
    if vartype not in _VARTYPES:
        raise ModelError(f"{where}: key 'variable_type': {reprlib.repr(vartype)} is not one of {_VARTYPES}")
    n = _json_count(doc, "num_variables", where)
    k = _json_count(doc, "num_interactions", where)
    labels = _json_list(doc, "variable_labels", n, where)
    linear = _json_numbers(doc, "linear_biases", n, where)
    quadratic = _json_numbers(doc, "quadratic_biases", k, where)
    head, tail = (_json_indices(doc, key, k, n, where) for key in ("quadratic_head", "quadratic_tail"))
    if np.any(head == tail):
        raise ModelError(f"{where}: key 'quadratic_head': interaction {int(np.argmax(head == tail))} joins a "
                         "variable to itself")
    offset = _json_number(doc.get("offset"), f"{where}: key 'offset'")
    a = np.r_[head, np.arange(n)]
    b = np.r_[tail, np.arange(n)]
    return _bqm_model(vartype, a, b, np.r_[quadratic, linear], n, offset, [_json_label(v) for v in labels])


def _bqm_model(vartype: str, i: np.ndarray, j: np.ndarray, w: np.ndarray, n: int, offset: float,
               labels: list) -> IsingModel | QUBO:
    """The model of entries ``(i, j, w)`` over ``n`` variables (``i == j``: a linear bias; repeats
    add up): an :class:`IsingModel` for SPIN, a :class:`QUBO` for BINARY."""
    diagonal = i == j
    linear = np.bincount(i[diagonal], weights=w[diagonal], minlength=n).astype(np.float64)
    lo, hi = np.minimum(i, j)[~diagonal], np.maximum(i, j)[~diagonal]
    upper = sp.coo_matrix((w[~diagonal], (lo, hi)), shape=(n, n)).tocsr()
    if vartype == "SPIN":
        return IsingModel(linear, upper + upper.T, offset, labels=labels)
    return QUBO(upper + sp.diags(linear), offset, labels=labels)


def _json_count(doc: dict, key: str, where: str) -> int:
    value = doc.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ModelError(f"{where}: key {key!r}: expected a non-negative integer, got {reprlib.repr(value)}")
    return value


def _json_list(doc: dict, key: str, length: int, where: str) -> list:
    value = doc.get(key)
    if not isinstance(value, list) or len(value) != length:
        got = f"{len(value)} entries" if isinstance(value, list) else reprlib.repr(value)
        raise ModelError(f"{where}: key {key!r}: expected a list of {length} entries, got {got}")
    return value


def _json_numbers(doc: dict, key: str, length: int, where: str) -> np.ndarray:
    """A list of finite JSON numbers as a float array."""
    values = _json_list(doc, key, length, where)
    for position, value in enumerate(values):
        _json_number(value, f"{where}: key {key!r}[{position}]")
    return np.array(values, dtype=np.float64).reshape(length)


def _json_number(value, where: str) -> float:
    """A finite JSON number (not a boolean)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ModelError(f"{where}: {reprlib.repr(value)} is not a finite number")
    return float(value)


def _json_indices(doc: dict, key: str, length: int, n: int, where: str) -> np.ndarray:
    """A list of variable indices in ``0..n−1`` as an int array."""
    values = _json_list(doc, key, length, where)
    for position, value in enumerate(values):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < n:
            raise ModelError(f"{where}: key {key!r}[{position}]: {reprlib.repr(value)} is not a variable index "
                             f"in 0..{n - 1}")
    return np.array(values, dtype=np.int64).reshape(length)


def _json_label(value):
    """A label as dimod serialises it, lists standing for tuples."""
    return tuple(_json_label(v) for v in value) if isinstance(value, list) else value


def _read_text(path: str | Path, kind: str) -> str:
    """The UTF-8 text of a model file."""
    try:
        return Path(path).read_bytes().decode("utf-8")
    except (OSError, TypeError, UnicodeDecodeError) as error:
        raise ModelError(f"{str(path)!r}: cannot read a {kind} file: {error}") from None


def _data_lines(text: str, comment) -> list[tuple[int, list[str]]]:
    """``(line number, fields)`` of every line that is neither blank nor a comment (a line starting
    with ``comment``, a prefix or a tuple of them)."""
    numbered = enumerate(text.split("\n"), start=1)
    return [(number, line.split()) for number, line in numbered if line.strip() and not line.lstrip().startswith(comment)]


def _counts(fields: list[str], count: int, form: str, where: str) -> tuple[int, ...]:
    """The ``count`` non-negative integers of a header line (``form`` describes it)."""
    if len(fields) != count or not all(_GSET_INTEGER.fullmatch(f) and int(f) >= 0 for f in fields):
        raise ModelError(f"{where}: the header must be {form}, got {_echo(fields)}")
    return tuple(int(f) for f in fields)


def _check_count(announced: int, found: int, what: str, where: str) -> None:
    if announced != found:
        raise ModelError(f"{where}: header announces {announced} {what}, found {found}")


def _check_nodes(n: int, least: int, touched: int, where: str, entries: str) -> None:
    """A header's node count: at least ``least``, at most the ``touched`` nodes the entries can
    reach plus :data:`GSET_MAX_ISOLATED_NODES` (checked before anything of size n is allocated)."""
    if not least <= n <= touched + GSET_MAX_ISOLATED_NODES:
        raise ModelError(f"{where}: header announces n = {n} nodes; {entries} touch at most {touched} nodes and "
                         f"at most {GSET_MAX_ISOLATED_NODES} more may be isolated")


def _entries(lines: list[tuple[int, list[str]]], where: str, lo: int, hi: int
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(i, j, w)`` arrays of ``i j w`` lines, ``i`` and ``j`` integers in ``lo..hi``, w finite;
    ``where`` is followed by each line's number in messages."""
    parsed = [_entry(fields, f"{where} {number}", lo, hi) for number, fields in lines]
    nodes = np.array([entry[:2] for entry in parsed], dtype=np.int64).reshape(len(lines), 2)  # exact past 2⁵³
    return nodes[:, 0], nodes[:, 1], np.array([entry[2] for entry in parsed], dtype=np.float64)


def _entry(fields: list[str], where: str, lo: int, hi: int) -> tuple[int, int, float]:
    if len(fields) != 3:
        raise ModelError(f"{where}: expected 'i j w', got {_echo(fields)}")
    i, j = (_node(field, where, lo, hi) for field in fields[:2])
    if not _GSET_NUMBER.fullmatch(fields[2]) or not math.isfinite(weight := float(fields[2])):
        raise ModelError(f"{where}: weight {_echo(fields[2:])} is not a finite number")
    return i, j, weight


def _refuse(bad: np.ndarray, lines: list[tuple[int, list[str]]], where: str, why) -> None:
    """Raise for the first entry flagged in ``bad`` (one flag per line of ``lines``); ``why(fields)``
    says what is wrong with it (its fields, already parsed as numbers, are safe to print)."""
    if np.any(bad):
        number, fields = lines[int(np.argmax(bad))]
        raise ModelError(f"{where} {number}: {why(fields)}")


def _echo(fields: list[str]) -> str:
    """Fields of a file line quoted for an error message: control characters escaped, shortened."""
    return reprlib.repr(" ".join(fields))


def _node(field: str, where: str, lo: int, hi: int) -> int:
    """A node index written as an integer in ``lo..hi``."""
    if not _GSET_INTEGER.fullmatch(field):
        raise ModelError(f"{where}: node {_echo([field])} is not an integer (of at most 18 digits)")
    node = int(field)
    if not lo <= node <= hi:
        raise ModelError(f"{where}: node {node} is not in {lo}..{hi}")
    return node


def write_gset(model: IsingModel, path: str | Path) -> Path:
    """Write the couplings of a field-free Ising/MaxCut model as a rudy file (1-based nodes),
    atomically (:func:`device_models.files.atomic_write`: a failure leaves any previous file intact).

    Raises:
        ModelError: the model has fields.
        OutputFileError: ``path`` is a directory or cannot be written.
    """
    if np.any(model.h):
        raise ModelError("a Gset file holds only edge weights; this model has fields")
    upper = sp.triu(model.J, k=1).tocoo()
    rows = [f"{model.J.shape[0]} {upper.nnz}"]
    rows += [f"{i + 1} {j + 1} {w:.17g}" for i, j, w in zip(upper.row, upper.col, upper.data)]
    from device_models.files import atomic_write

    text = "\n".join(rows) + "\n"
    return atomic_write(path, lambda f: f.write(text), text=True)


def from_dimod(bqm) -> IsingModel | QUBO:
    """An :class:`IsingModel` (SPIN) or :class:`QUBO` (BINARY) equal to a dimod BQM, labels kept."""
    import dimod

    labels = list(bqm.variables)
    linear, upper, offset = _bqm_arrays(bqm, labels)
    if bqm.vartype is dimod.SPIN:
        return IsingModel(linear, upper + upper.T, offset, labels=labels)
    return QUBO(sp.triu(upper + upper.T, k=1) + sp.diags(linear), offset, labels=labels)


def ising_from_dimod(bqm, variables: list) -> IsingModel:
    """The Ising model of a dimod BQM of either vartype (BINARY through ``x = (1 + s)/2``, exact with
    the constant), its variables ordered as ``variables`` and labelled ``0..n-1``: a chip runs it
    whatever labels dimod allows (any hashable), and the caller maps the columns back."""
    linear, upper, offset = _bqm_arrays(bqm.spin, variables)
    return IsingModel(linear, upper + upper.T, offset)


def _bqm_arrays(bqm, variables: list) -> tuple[np.ndarray, sp.csr_matrix, float]:
    """``(linear (n,), couplings (n, n) CSR, one triangle per pair, offset)`` of a BQM with its
    variables in the order ``variables``."""
    n = len(variables)
    linear, (row, col, quadratic), offset = bqm.to_numpy_vectors(variable_order=variables)
    upper = sp.coo_matrix((np.asarray(quadratic, dtype=np.float64), (row, col)), shape=(n, n)).tocsr()
    return np.asarray(linear, dtype=np.float64), upper, float(offset)


def to_dimod(model: AbstractEnergyModel):
    """A dimod ``BinaryQuadraticModel`` equal to a discrete model (SPIN or BINARY)."""
    try:
        import dimod
    except ImportError:
        raise ImportError("to_dimod needs dimod: pip install 'sonq[dimod]'") from None
    if isinstance(model, QUBO):
        upper = model.quadratic.tocoo()
        quad = {(model.labels[i], model.labels[j]): w for i, j, w in zip(upper.row, upper.col, upper.data)}
        return dimod.BinaryQuadraticModel(dict(zip(model.labels, model.linear)), quad, model.offset, dimod.BINARY)
    ir = model.to_ir()
    if ir.domain != "spin":
        raise TypeError(f"dimod models are discrete; {type(model).__name__} is real-valued")
    upper = sp.triu(ir.J, k=1).tocoo()
    quad = {(ir.labels[i], ir.labels[j]): w for i, j, w in zip(upper.row, upper.col, upper.data)}
    return dimod.BinaryQuadraticModel(dict(zip(ir.labels, ir.h)), quad, ir.offset, dimod.SPIN)
