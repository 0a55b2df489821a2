"""Interoperability: Gset ("rudy") graph files and dimod binary quadratic models."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import scipy.sparse as sp

from compiler.models.base import AbstractEnergyModel
from compiler.models.ising import QUBO, IsingModel, MaxCutModel
from device_models.errors import ModelError


def read_gset(path: str | Path) -> MaxCutModel:
    """Read a Gset / rudy file (first line ``n m``, then ``i j w`` with 1-based nodes) as MaxCut.

    Variables are labelled ``0..n-1``.  Raises :class:`ModelError` naming the line on bad input.
    """
    path = Path(path)
    lines = [ln.split() for ln in path.read_text().splitlines() if ln.strip() and not ln.startswith("#")]
    try:
        n, m = int(lines[0][0]), int(lines[0][1])
        edges = np.array([[float(v) for v in ln[:3]] for ln in lines[1:]], dtype=np.float64).reshape(-1, 3)
    except (IndexError, ValueError):
        raise ModelError(f"{path}: not a rudy/Gset file (expected 'n m' then 'i j w' lines)") from None
    if len(edges) != m:
        raise ModelError(f"{path}: header announces {m} edges, found {len(edges)}")
    i, j = edges[:, 0].astype(np.int64) - 1, edges[:, 1].astype(np.int64) - 1
    bad = (i < 0) | (i >= n) | (j < 0) | (j >= n) | (i == j)
    if np.any(bad):
        k = int(np.argmax(bad))
        raise ModelError(f"{path}: edge line {k + 2} ({i[k] + 1} {j[k] + 1}) is not a pair of distinct nodes in 1..{n}")
    w = edges[:, 2]
    J = sp.coo_matrix((np.r_[w, w], (np.r_[i, j], np.r_[j, i])), shape=(n, n)).tocsr()
    return MaxCutModel(np.zeros(n), J)


def write_gset(model: IsingModel, path: str | Path) -> Path:
    """Write the couplings of a field-free Ising/MaxCut model as a rudy file (1-based nodes)."""
    if np.any(model.h):
        raise ModelError("a Gset file holds only edge weights; this model has fields")
    upper = sp.triu(model.J, k=1).tocoo()
    rows = [f"{model.J.shape[0]} {upper.nnz}"]
    rows += [f"{i + 1} {j + 1} {w:.17g}" for i, j, w in zip(upper.row, upper.col, upper.data)]
    path = Path(path)
    path.write_text("\n".join(rows) + "\n")
    return path


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
