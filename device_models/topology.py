"""Cell-connection graphs of a chip.  Cells are numbered ``0..n-1``; 2-D layouts are row-major
(``cell = row * cols + col``)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from device_models.errors import DeviceSpecError

KINDS = ("all_to_all", "kings", "torus2d", "edges")


@dataclass(frozen=True)
class Topology:
    """Which cell pairs can be coupled.

    Attributes:
        kind: ``all_to_all``, ``kings`` (8-neighbour grid, open boundary), ``torus2d``
            (4-neighbour periodic grid) or ``edges`` (explicit list).
        rows, cols: grid shape for ``kings`` and ``torus2d``.
        edge_list: explicit (i, j) pairs for ``edges``.
    """

    kind: str
    rows: int = 0
    cols: int = 0
    edge_list: tuple = field(default=())

    def edges(self, n_cells: int) -> np.ndarray:
        """Undirected edges as an (m, 2) int array with i < j (empty for all-to-all)."""
        if self.kind == "all_to_all":
            return np.zeros((0, 2), dtype=np.int64)
        if self.kind == "edges":
            e = np.array(self.edge_list, dtype=np.int64).reshape(-1, 2)
        else:
            offsets = [(0, 1), (1, 0)] + ([(1, 1), (1, -1)] if self.kind == "kings" else [])
            periodic = self.kind == "torus2d"
            pairs = []
            for r in range(self.rows):
                for c in range(self.cols):
                    for dr, dc in offsets:
                        rr, cc = r + dr, c + dc
                        if periodic:
                            rr, cc = rr % self.rows, cc % self.cols
                        elif not (0 <= rr < self.rows and 0 <= cc < self.cols):
                            continue
                        a, b = r * self.cols + c, rr * self.cols + cc
                        if a != b:
                            pairs.append((min(a, b), max(a, b)))
            e = np.array(sorted(set(pairs)), dtype=np.int64).reshape(-1, 2)
        return e

    def connects(self, n_cells: int):
        """A predicate ``(i, j) -> bool`` for coupling availability."""
        if self.kind == "all_to_all":
            return lambda i, j: i != j
        allowed = {tuple(p) for p in self.edges(n_cells).tolist()}
        return lambda i, j: (min(i, j), max(i, j)) in allowed

    def degree(self, n_cells: int) -> int:
        """Largest number of neighbours of any cell."""
        if self.kind == "all_to_all":
            return n_cells - 1
        e = self.edges(n_cells)
        return int(np.bincount(e.ravel(), minlength=n_cells).max()) if len(e) else 0


def parse_topology(raw, n_cells: int) -> Topology:
    """Build a :class:`Topology` from its YAML form (a kind string or a mapping)."""
    if isinstance(raw, str):
        raw = {"kind": raw}
    if not isinstance(raw, dict):
        raise DeviceSpecError(f"topology: expected a mapping or a kind name, got {raw!r}")
    allowed = {"kind", "rows", "cols", "edges"}
    unknown = set(raw) - allowed
    if unknown:
        raise DeviceSpecError(f"topology: unknown key(s) {sorted(unknown)}; allowed {sorted(allowed)}")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise DeviceSpecError(f"topology.kind must be one of {KINDS}, got {kind!r}")
    if kind in ("kings", "torus2d"):
        rows, cols = raw.get("rows"), raw.get("cols")
        if not (isinstance(rows, int) and isinstance(cols, int) and rows > 0 and cols > 0):
            raise DeviceSpecError(f"topology {kind} needs positive integer rows and cols, got {rows!r}, {cols!r}")
        if rows * cols != n_cells:
            raise DeviceSpecError(f"topology {rows}×{cols} has {rows * cols} cells but the device has {n_cells}")
        return Topology(kind, rows, cols)
    if kind == "edges":
        edges = raw.get("edges")
        try:
            pairs = tuple((int(a), int(b)) for a, b in edges)
        except (TypeError, ValueError):
            raise DeviceSpecError(f"topology.edges must be a list of [i, j] pairs, got {edges!r}") from None
        for a, b in pairs:
            if not (0 <= a < n_cells and 0 <= b < n_cells) or a == b:
                raise DeviceSpecError(f"topology edge ({a}, {b}) is not a pair of distinct cells in 0..{n_cells - 1}")
        return Topology(kind, edge_list=pairs)
    return Topology(kind)
