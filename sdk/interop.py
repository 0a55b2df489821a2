"""Interoperability: Gset ("rudy") graph files and dimod binary quadratic models."""

from __future__ import annotations

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
    try:
        data = Path(path).read_bytes()
        text = data.decode("utf-8")
    except (OSError, TypeError, UnicodeDecodeError) as error:
        raise ModelError(f"{where}: cannot read a Gset file: {error}") from None
    lines = _gset_lines(text)
    if not lines:
        raise ModelError(f"{where}: empty Gset file (expected a header line 'n m')")
    (header_no, header), edge_lines = lines[0], lines[1:]
    n, m = _gset_header(header, f"{where}: line {header_no}", len(edge_lines))
    edges = np.array([_gset_edge(fields, f"{where}: edge line {number}", n) for number, fields in edge_lines],
                     dtype=np.float64).reshape(m, 3)
    i, j, w = edges[:, 0].astype(np.int64), edges[:, 1].astype(np.int64), edges[:, 2]
    J = sp.coo_matrix((np.r_[w, w], (np.r_[i, j], np.r_[j, i])), shape=(n, n)).tocsr()
    return MaxCutModel(np.zeros(n), J)


def _gset_lines(text: str) -> list[tuple[int, list[str]]]:
    """``(line number, fields)`` of every line that is neither blank nor a ``#`` comment."""
    numbered = enumerate(text.split("\n"), start=1)
    return [(number, line.split()) for number, line in numbered if line.strip() and not line.lstrip().startswith("#")]


def _gset_header(fields: list[str], where: str, edges: int) -> tuple[int, int]:
    """``(n, m)`` from the header fields of a file with ``edges`` edge lines."""
    if len(fields) != 2 or not all(_GSET_INTEGER.fullmatch(f) for f in fields):
        raise ModelError(f"{where}: the header must be two integers 'n m', got {_echo(fields)}")
    n, m = int(fields[0]), int(fields[1])
    if m != edges:
        raise ModelError(f"{where}: header announces {m} edges, found {edges}")
    if not 1 <= n <= 2 * m + GSET_MAX_ISOLATED_NODES:
        raise ModelError(f"{where}: header announces n = {n} nodes; the file's {m} edges touch at most {2 * m} "
                         f"nodes and at most {GSET_MAX_ISOLATED_NODES} more may be isolated")
    return n, m


def _gset_edge(fields: list[str], where: str, n: int) -> tuple[int, int, float]:
    """``(i, j, w)`` (0-based nodes) of one edge line ``i j w``."""
    if len(fields) != 3:
        raise ModelError(f"{where}: expected 'i j w', got {_echo(fields)}")
    nodes = [_gset_node(field, where, n) for field in fields[:2]]
    if nodes[0] == nodes[1]:
        raise ModelError(f"{where}: self-loop on node {nodes[0] + 1} has no meaning in MaxCut")
    if not _GSET_NUMBER.fullmatch(fields[2]) or not math.isfinite(weight := float(fields[2])):
        raise ModelError(f"{where}: weight {_echo(fields[2:])} is not a finite number")
    return nodes[0], nodes[1], weight


def _echo(fields: list[str]) -> str:
    """Fields of a file line quoted for an error message: control characters escaped, shortened."""
    return reprlib.repr(" ".join(fields))


def _gset_node(field: str, where: str, n: int) -> int:
    """A 1-based node index written as an integer in ``1..n``, returned 0-based."""
    if not _GSET_INTEGER.fullmatch(field):
        raise ModelError(f"{where}: node {_echo([field])} is not an integer (of at most 18 digits)")
    node = int(field)
    if not 1 <= node <= n:
        raise ModelError(f"{where}: node {node} is not in 1..{n}")
    return node - 1


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
    index = {v: k for k, v in enumerate(labels)}
    n = len(labels)
    lin = np.array([bqm.get_linear(v) for v in labels], dtype=np.float64)
    rows, cols, vals = [], [], []
    for (u, v), b in bqm.quadratic.items():
        rows.append(index[u])
        cols.append(index[v])
        vals.append(b)
    upper = sp.coo_matrix((vals, (rows, cols)), shape=(n, n)).tocsr()
    if bqm.vartype is dimod.SPIN:
        return IsingModel(lin, upper + upper.T, float(bqm.offset), labels=labels)
    return QUBO(sp.triu(upper + upper.T, k=1) + sp.diags(lin), float(bqm.offset), labels=labels)


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
