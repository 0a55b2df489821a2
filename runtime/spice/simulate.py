"""Simulate one :class:`~compiler.netlist.Circuit` in ngspice and return the emulator's
:class:`~runtime.circuit.integrate.CircuitWaves` (one replica)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from compiler.netlist import Circuit, Netlist, SpiceOptions, write_netlist
from runtime.circuit.integrate import CircuitWaves
from runtime.spice.rawfile import resample
from runtime.spice.runner import AbstractRunner


def simulate_spice(circuit: Circuit, noise: np.ndarray | None, record: np.ndarray, *,
                   runner: AbstractRunner, workdir: Path, options: SpiceOptions = SpiceOptions(),
                   prefix: str = "run-", power: bool = False) -> CircuitWaves:
    """Run ``circuit`` once.

    Args:
        circuit: the circuit, with its own initial conditions.
        noise: (steps + 1, S) noise currents in amperes, or ``None`` for a noiseless run.
        record: sorted sample indices (0..steps) to return.
        runner: subprocess or in-process ngspice.
        workdir: the directory under which the run's private directory (``prefix`` and a random
            name; netlist, noise files, raw file and log) is created.
        options: analysis settings.
        prefix: start of the run directory's name.
        power: also measure the energy the dissipating elements take over the run
            (``CircuitWaves.dissipated``, joules): ngspice's own device powers (``@r[p]``; the
            transconductors' ``v·i``) integrated by the trapezoid rule over its internal time points.
    """
    rundir = runner.start(Path(workdir), prefix)
    noise_dir = f"{rundir.resolve()}/" if runner.absolute_paths else ""
    netlist = write_netlist(circuit, noise, noise_dir=noise_dir, options=options, power=power)
    vectors = runner.run_in(netlist, rundir)
    record = np.asarray(record, dtype=np.int64)
    names = netlist.node_vectors + netlist.inductor_vectors
    table = np.zeros((record.size, len(names)))
    late = record > 0
    table[late] = resample(vectors, names, record[late] * circuit.dt)
    table[~late] = np.concatenate([circuit.v0, circuit.i0])
    N = circuit.num_nodes
    dissipated = _dissipated(netlist, vectors) if power else None
    return CircuitWaves(record, table[:, None, :N], table[:, None, N:], dissipated)


def _dissipated(netlist: Netlist, vectors: dict[str, np.ndarray]) -> np.ndarray:
    """(1,) joules: ngspice's device powers integrated over its own time points."""
    t = vectors["time"]
    watts = np.zeros_like(t)
    for name in netlist.power_vectors:
        watts += vectors[name]
    for current, node in zip(netlist.transconductor_vectors, netlist.transconductor_nodes):
        watts += vectors[current] * vectors[node]
    return np.array([np.trapezoid(watts, t)])
