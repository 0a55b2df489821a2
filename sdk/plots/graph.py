"""Node states drawn on the device graph (networkx): the programmed couplings of a chip."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from compiler.program import Program
from device_models.files import check_output_path
from sdk.errors import AnalysisError
from sdk.plots._figure import pyplot, save


def _networkx():
    try:
        import networkx
    except ImportError:
        raise ImportError("device-graph plots need networkx: pip install networkx") from None
    return networkx


def device_layout(program: Program) -> dict[int, tuple[float, float]]:
    """Node → (x, y): the chip's grid position (row-major cells, ``kings``/``torus2d``) of each
    node's cell; nodes on a circle for other topologies."""
    topo = program.device.topology
    m = program.num_nodes
    cells = np.arange(m)
    cells[:program.placement.size] = program.placement  # a reference node keeps its own index
    if topo.kind in ("kings", "torus2d"):
        return {i: (float(c % topo.cols), -float(c // topo.cols)) for i, c in enumerate(cells)}
    angle = 2 * np.pi * np.arange(m) / max(m, 1)
    return {i: (float(np.cos(a)), float(np.sin(a))) for i, a in enumerate(angle)}


def plot_device_graph(program: Program, values, path: str | Path, *, label: str = "node state",
                      title: str = "") -> Path:
    """The programmed coupling graph with each node coloured by ``values``.

    Edges are the nonzero couplings J_ij (device units): red for J > 0 (antiferromagnetic in
    dimod's sign), blue for J < 0, width ∝ |J|.  Nodes sit at their cells' grid positions.

    Args:
        program: a compiled program (its couplings and placement are drawn).
        values: (n,) or (m,) one value per variable (spins, bits, reals) or per node.
        path: image file to write.
        label: colour-bar label (say the units).
        title: figure title.
    """
    nx = _networkx()
    m = program.num_nodes
    vals = np.asarray(values, dtype=np.float64).ravel()
    if vals.size not in (program.num_variables, m):
        raise AnalysisError(f"values must have {program.num_variables} (variables) or {m} (nodes) entries, "
                            f"got {vals.size}")
    if vals.size < m:
        vals = np.concatenate([vals, np.ones(m - vals.size)])  # the reference node reads +1
    path = check_output_path(path)
    coo = program.couplings.tocoo()
    graph = nx.Graph()
    graph.add_nodes_from(range(m))
    graph.add_weighted_edges_from((int(i), int(j), float(w)) for i, j, w in zip(coo.row, coo.col, coo.data) if i < j)
    weights = np.array([graph.edges[e]["weight"] for e in graph.edges]) if graph.number_of_edges() else np.zeros(0)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    pos = device_layout(program)
    width = 0.5 + 2.5 * np.abs(weights) / (np.abs(weights).max() if weights.size else 1.0)
    nx.draw_networkx_edges(graph, pos, ax=ax, width=width, alpha=0.6,
                           edge_color=["tab:red" if w > 0 else "tab:blue" for w in weights])
    limit = float(np.max(np.abs(vals))) or 1.0
    nodes = nx.draw_networkx_nodes(graph, pos, ax=ax, node_color=vals, cmap="coolwarm", vmin=-limit, vmax=limit,
                                   node_size=max(40, 4000 // max(m, 1)), edgecolors="black", linewidths=0.5)
    fig.colorbar(nodes, ax=ax, label=label)
    ax.set_aspect("equal")
    ax.margins(0.08)
    ax.set_xlabel("chip column")
    ax.set_ylabel("chip row (down)")
    ax.tick_params(left=True, bottom=True, labelleft=False, labelbottom=False)
    ax.set_title(title or f"{program.device.name}: {m} nodes, {graph.number_of_edges()} couplings "
                          "(red J > 0, blue J < 0)")
    fig.tight_layout()
    return save(fig, path, plt)
