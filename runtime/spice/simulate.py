"""Simulate one :class:`~compiler.netlist.Circuit` in ngspice and return the emulator's
:class:`~runtime.circuit.integrate.CircuitWaves` (one replica)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from compiler.netlist import Circuit, SpiceOptions, write_netlist
from runtime.circuit.integrate import CircuitWaves
from runtime.spice.rawfile import resample
from runtime.spice.runner import AbstractRunner


def simulate_spice(circuit: Circuit, noise: np.ndarray | None, record: np.ndarray, *,
                   runner: AbstractRunner, workdir: Path,
                   options: SpiceOptions = SpiceOptions()) -> CircuitWaves:
    """Run ``circuit`` once.

    Args:
        circuit: the circuit, with its own initial conditions.
        noise: (steps + 1, S) noise currents in amperes, or ``None`` for a noiseless run.
        record: sorted sample indices (0..steps) to return.
        runner: subprocess or in-process ngspice.
        workdir: where the netlist, noise files, raw file and log go.
        options: analysis settings.
    """
    workdir = Path(workdir)
    prefix = f"{workdir.resolve()}/" if runner.absolute_paths else ""
    netlist = write_netlist(circuit, noise, noise_dir=prefix, options=options)
    vectors = runner.run(netlist, workdir)
    record = np.asarray(record, dtype=np.int64)
    names = netlist.node_vectors + netlist.inductor_vectors
    table = np.zeros((record.size, len(names)))
    late = record > 0
    table[late] = resample(vectors, names, record[late] * circuit.dt)
    table[~late] = np.concatenate([circuit.v0, circuit.i0])
    N = circuit.num_nodes
    return CircuitWaves(record, table[:, None, :N], table[:, None, N:])
