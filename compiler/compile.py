"""``compile(model, device) → Program`` through explicit passes:

validate → lower to IR → place → scale → quantize → mismatch → emit; and :func:`reprogram`, the
same chip with new couplings (training in the loop).
"""

from __future__ import annotations

import math
import numbers
from pathlib import Path

import networkx as nx
import numpy as np
import scipy.sparse as sp

from compiler.models.base import AbstractEnergyModel
from compiler.passes.mismatch import apply_mismatch, apply_node_mismatch, fresh_seed
from compiler.passes.place import place
from compiler.passes.quantize import Quantized, quantize_couplings, quantize_values
from compiler.passes.scale import scale
from compiler.passes.validate import validate
from compiler.program import Program
from compiler.report import CompileReport
from device_models.errors import CompileError
from device_models.registry import load_device
from device_models.spec import DeviceSpec


def compile(model: AbstractEnergyModel, device: "str | Path | DeviceSpec", *, placement=None,
            quantize: bool = True, mismatch_seed: int | None = None, full_scale: float | None = None) -> Program:
    """Compile an energy model for a device.

    Args:
        model: an :class:`~compiler.models.base.AbstractEnergyModel`.
        device: a :class:`DeviceSpec`, a shipped device name, or a YAML path.
        placement: optional cell per variable (array or ``{label: cell}``); default identity.
        quantize: snap conductances to the device's DAC grid (turn off to study ideal hardware).
        mismatch_seed: the chip instance: seed of its per-conductance fabrication spread (used when
            the device's ``mismatch`` σ is nonzero; :mod:`compiler.passes.mismatch`).  Default: a
            fresh seed, recorded in ``program.report.mismatch_seed`` so the chip can be rebuilt.
        full_scale: the model energy one full-scale conductance stands for (``program.scale``);
            default the model's largest conductance-mapped coefficient.  Give it to leave headroom
            for later :func:`reprogram` calls (training); larger values are clipped to full scale.

    Returns:
        A :class:`Program`; ``program.report`` says what was scaled, quantized, clipped, dropped.
    """
    spec = load_device(device)
    ir = validate(model, spec)
    cells = place(ir, spec, placement)
    if spec.mismatch and mismatch_seed is None:
        mismatch_seed = fresh_seed()
    if full_scale is not None and (isinstance(full_scale, bool) or not isinstance(full_scale, numbers.Real)
                                   or not 0 < full_scale < math.inf):
        raise CompileError(f"full_scale must be a positive finite number, got {full_scale!r}")
    return _emit(spec, ir, cells, scale(ir, spec.cell, unit=full_scale), quantize,
                 mismatch_seed if spec.mismatch else None)


def reprogram(program: Program, model: AbstractEnergyModel) -> Program:
    """The same physical chip programmed with ``model``'s couplings and fields: same device,
    placement, device unit (``program.scale``), DAC setting and mismatch instance, so that a
    training loop can update the couplings every step while the chip stays the one it learns on.
    Values beyond full scale are clipped to it (``report.saturated`` counts them).

    Args:
        program: a compiled program (its chip and placement are kept).
        model: an energy model over the same variables (labels, vartype, domain).

    Raises:
        CompileError: a model over other variables, or couplings the topology cannot hold.
    """
    spec = program.device
    ir = validate(model, spec)
    old = program.model
    if ir.labels != old.labels or ir.vartype != old.vartype:
        raise CompileError("reprogram needs a model over the same variables (labels and vartype) as the program's")
    cells = place(ir, spec, program.placement)
    scaled = scale(ir, spec.cell, unit=program.scale)
    if scaled.reference != program.reference:
        raise CompileError("reprogram cannot add or remove all fields of an oim program (the reference oscillator)")
    return _emit(spec, ir, cells, scaled, program.report.quantized, program.report.mismatch_seed, program)


def _emit(spec: DeviceSpec, ir, cells: np.ndarray, scaled, quantize: bool, seed: int | None,
          previous: Program | None = None) -> Program:
    """Quantize, apply the chip's mismatch, colour and report: the passes after scaling."""
    J, h, poly = scaled.J, scaled.h, scaled.poly
    records: list[tuple[Quantized, np.ndarray]] = []
    if quantize:
        J, qJ, pairs = quantize_couplings(J, spec.coupling)
        records.append((qJ, pairs))
        if "fields" in spec.cell.conductance_terms:
            qh = quantize_values(h, spec.coupling)
            h = qh.values
            records.append((qh, np.stack([np.arange(len(h)), np.full(len(h), -1)], axis=1)))
        if "quadratic" in spec.cell.conductance_terms:
            qd = quantize_values(2 * poly[:, 0], spec.coupling)
            poly = poly.copy()
            poly[:, 0] = qd.values / 2
            records.append((qd, np.stack([np.arange(len(h)), np.arange(len(h))], axis=1)))
    if seed is not None:
        # Node cells: the variables' placement, and one dedicated cell past the last for the
        # reference oscillator.
        node_cells = np.append(cells, spec.cells) if scaled.reference else cells
        J = apply_mismatch(J, node_cells, spec.mismatch, seed)
        if "fields" in spec.cell.conductance_terms:
            h = apply_node_mismatch(h, node_cells, spec.mismatch, seed)
        if "quadratic" in spec.cell.conductance_terms:
            poly = poly.copy()
            poly[:, 0] = apply_node_mismatch(poly[:, 0], node_cells, spec.mismatch, seed)
    same_graph = previous is not None and _same_pattern(previous.couplings, J)
    colors = previous.colors if same_graph else _colors(J)
    loading = _max_loading(J) * spec.coupling.g_max  # siemens per node, padding included
    physics = spec.physics(node_conductance=loading, colours=int(colors.max()) + 1)
    report = CompileReport(
        device=spec.name, cell=spec.cell.name, num_variables=ir.n, cells_used=ir.n, scale=scaled.scale,
        thermal_temperature=physics.thermal_temperature * scaled.scale, time_unit=physics.time_unit,
        quantization_max_error=max((q.max_error for q, _ in records), default=0.0),
        quantization_rms_error=_pooled_rms(records),
        clipped=_pairs(records, "clipped", scaled.reference, ir.n),
        dropped=_pairs(records, "dropped", scaled.reference, ir.n),
        mismatch=spec.mismatch, mismatch_seed=seed, quantized=quantize, saturated=scaled.saturated,
        warnings=spec.cell.warnings(spec.components, loading, physics),
    )
    program = Program(spec, ir, J, h, poly, cells, scaled.scale, colors, physics, report, scaled.reference)
    report.energy_error = _energy_error(program)
    return program


def _same_pattern(A: sp.csr_matrix, B: sp.csr_matrix) -> bool:
    """Whether B's nonzeros lie within A's (then A's colouring is proper for B)."""
    if A.shape != B.shape:
        return False
    Bp = sp.csr_matrix(B != 0)
    return Bp.multiply(sp.csr_matrix(A != 0)).nnz == Bp.nnz


def _energy_error(program: Program, samples: int = 256) -> float:
    """Relative RMS difference between the programmed and the exact energy on random states
    (spins, or standard normals for real variables), seeded so reports are reproducible."""
    ir = program.model
    rng = np.random.default_rng(0)
    x = rng.choice([-1.0, 1.0], (samples, ir.n)) if ir.domain == "spin" else rng.standard_normal((samples, ir.n))
    nodes = np.hstack([x, np.ones((samples, 1))]) if program.reference else x
    exact = ir.energy(x) - ir.offset
    chip = program.scale * program.device_energy(nodes)
    spread = float(np.std(exact))
    return float(np.sqrt(np.mean((chip - exact) ** 2)) / spread) if spread > 0 else 0.0


def _colors(J: sp.csr_matrix) -> np.ndarray:
    """Greedy graph colouring of the coupling graph: nodes of one colour are uncoupled."""
    m = J.shape[0]
    graph = nx.Graph()
    graph.add_nodes_from(range(m))
    upper = sp.triu(J, k=1).tocoo()
    graph.add_edges_from(zip(upper.row.tolist(), upper.col.tolist()))
    coloring = nx.greedy_color(graph, strategy="largest_first")
    return np.array([coloring[i] for i in range(m)], dtype=np.int64)


def _max_loading(J: sp.csr_matrix) -> float:
    """Largest row sum of |J| (device units): padding raises every node to this loading."""
    return float(np.abs(J).sum(axis=1).max()) if J.nnz else 0.0


def _pooled_rms(records) -> float:
    total = sum(len(q.values) * q.rms_error**2 for q, _ in records)
    count = sum(len(q.values) for q, _ in records)
    return float(np.sqrt(total / count)) if count else 0.0


def _pairs(records, what: str, reference: bool, n: int) -> list[tuple[int, int]]:
    """Variable-index pairs (−1 = reference oscillator or ground) of clipped/dropped entries."""
    out = []
    for q, pairs in records:
        for k in getattr(q, what):
            i, j = (int(v) for v in pairs[k])
            if reference and j == n:
                j = -1
            out.append((i, j))
    return out

