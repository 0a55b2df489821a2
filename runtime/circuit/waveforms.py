"""Waveforms of a circuit-level run, in volts, amperes and seconds, as a file users can plot.

``sdk.run(program, "circuit" | "spice", backend_options={"waveforms": "run.npz"})`` makes the
backend write every ``waveform_every``-th circuit sample of every replica (``waveform_every`` = 1 by
default) to that file (checked before the run starts, written atomically); :meth:`Waveforms.load`
reads it back.  Both backends write the same layout, so an ngspice run and an emulator run of one
seed compare sample by sample.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from compiler.netlist import Circuit
from device_models.errors import BackendError
from device_models.files import atomic_write, check_output_path
from runtime.circuit.integrate import CircuitWaves

FORMAT = "sonq-waveforms"


@dataclass(frozen=True)
class WaveformRequest:
    """Where and how densely a backend writes its waveforms.

    Attributes:
        path: the ``.npz`` file (checked writable when the request is made).
        every: write every this many circuit samples (≥ 1), plus the last.
    """

    path: Path
    every: int = 1

    @classmethod
    def of(cls, path, every: int) -> "WaveformRequest | None":
        """The request of a backend's ``waveforms``/``waveform_every`` options (None: no waveforms).

        Raises:
            BackendError: ``every`` is not a positive integer.
            OutputFileError: the file cannot be written there.
        """
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise BackendError(f"waveform_every must be a positive integer, got {every!r}")
        return None if path is None else cls(check_output_path(path), every)

    def samples(self, circuit: Circuit, record: np.ndarray) -> np.ndarray:
        """Sorted sample indices to simulate: the run's ``record`` and every ``every``-th sample."""
        extra = np.append(np.arange(0, circuit.steps + 1, self.every), circuit.steps)
        return np.unique(np.concatenate([record, extra]))


@dataclass(frozen=True)
class Waveforms:
    """Recorded waveforms of one run.

    Attributes:
        t: (k,) seconds.
        v: (k, replicas, N) node voltages (volts), node j + 1 of the netlist (``n<j+1>``) at column j.
        i: (k, replicas, nL) inductor currents (amperes) from each inductor's first terminal to its second.
        probes: (cells, 2) node pairs (0 = ground) whose difference over ``probe_scale`` is a cell's state.
        probe_scale: volts per unit of state.
        backend: ``"circuit"`` or ``"spice"``.
        dissipated: (replicas,) joules the dissipating elements took over the run (ngspice's device
            powers; the emulator's when every sample is written), or None.
    """

    t: np.ndarray
    v: np.ndarray
    i: np.ndarray
    probes: np.ndarray
    probe_scale: float
    backend: str
    dissipated: np.ndarray | None = None

    @property
    def cells(self) -> np.ndarray:
        """(k, replicas, cells) differential probe voltages (volts)."""
        padded = np.concatenate([np.zeros((*self.v.shape[:-1], 1)), self.v], axis=-1)
        return padded[..., self.probes[:, 0]] - padded[..., self.probes[:, 1]]

    @classmethod
    def of(cls, circuit: Circuit, waves: CircuitWaves, backend: str) -> "Waveforms":
        return cls(waves.samples * circuit.dt, waves.v, waves.i, np.asarray(circuit.probes), float(circuit.probe_scale),
                   backend, waves.dissipated)

    def save(self, path) -> Path:
        """Write the ``.npz`` file (atomically)."""
        header = json.dumps({"format": FORMAT, "backend": self.backend, "probe_scale": self.probe_scale})
        arrays = dict(header=np.array(header), t=self.t, v=self.v, i=self.i, probes=self.probes,
                      **({} if self.dissipated is None else {"dissipated": self.dissipated}))
        return atomic_write(path, lambda f: np.savez_compressed(f, **arrays))

    @classmethod
    def load(cls, path) -> "Waveforms":
        """Read a file :meth:`save` wrote.

        Raises:
            BackendError: not a SONQ waveform file.
        """
        try:
            with np.load(Path(path), allow_pickle=False) as data:
                header = json.loads(str(data["header"]))
                if header.get("format") != FORMAT:
                    raise BackendError(f"{str(path)!r} is not a SONQ waveform file")
                return cls(data["t"], data["v"], data["i"], data["probes"], float(header["probe_scale"]),
                           str(header["backend"]), data["dissipated"] if "dissipated" in data else None)
        except (OSError, KeyError, ValueError) as error:
            raise BackendError(f"cannot read waveforms from {str(path)!r}: {error}") from None
