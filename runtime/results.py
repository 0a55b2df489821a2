"""Run results: :class:`SampleSet`, modelled on dimod's (rows of samples with energies)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from device_models.files import atomic_write
from runtime.errors import ResultFileError

RESULT_FORMAT = "sonq-samples"
RESULT_VERSION = 1
VARTYPES = ("SPIN", "BINARY", "REAL")


@dataclass(frozen=True)
class TrajectoryRecord:
    """States recorded every ``record_every`` steps.

    Attributes:
        steps: (k,) step after which each record was taken.
        times: (k,) the same in seconds of chip time.
        energies: (k, replicas) energies in model units.
        states: (k, replicas, n) decoded variables (spins, bits or reals).
        raw: (k, replicas, m) node states as the emulator holds them (phases for ``oim``).
    """

    steps: np.ndarray
    times: np.ndarray
    energies: np.ndarray
    states: np.ndarray
    raw: np.ndarray


@dataclass(frozen=True)
class SampleSet:
    """Samples with their energies in the model's own units.

    Attributes:
        samples: (S, n) one row per sample: spins (int8 ±1), bits (int8 0/1) or reals.
        energies: (S,) energies, model units.
        labels: variable label of each column.
        vartype: ``"SPIN"``, ``"BINARY"`` or ``"REAL"``.
        replica: (S,) replica that produced each sample.
        step: (S,) step after which each sample was taken.
        trajectory: recorded states and energies when ``record_every`` was set.
        info: run metadata: backend, steps, dt, seed, wall_time, chip_time, temperature, ...
        model_kind: the model family (``"maxcut"``, ``"gaussian"``, ...).
        model_meta: family-specific scalars (``total_weight`` for MaxCut).
    """

    samples: np.ndarray
    energies: np.ndarray
    labels: tuple
    vartype: str
    replica: np.ndarray
    step: np.ndarray
    trajectory: TrajectoryRecord | None = None
    info: dict = field(default_factory=dict)
    model_kind: str = ""
    model_meta: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.samples.shape[0])

    @property
    def lowest_index(self) -> int:
        return int(np.argmin(self.energies))

    @property
    def best(self) -> np.ndarray:
        """The lowest-energy sample (n,)."""
        return self.samples[self.lowest_index]

    @property
    def best_energy(self) -> float:
        return float(self.energies[self.lowest_index])

    @property
    def cut_values(self) -> np.ndarray:
        """Cut weight of every sample (MaxCut models only): ``(W − E)/2``."""
        if self.model_kind != "maxcut":
            raise AttributeError(f"cut values exist for MaxCut models, this is a {self.model_kind!r} model")
        return (self.model_meta["total_weight"] - self.energies) / 2

    def to_dimod(self):
        """A ``dimod.SampleSet`` of the discrete samples (needs the ``dimod`` extra)."""
        if self.vartype == "REAL":
            raise TypeError("dimod sample sets hold discrete variables; this one is real-valued")
        try:
            import dimod
        except ImportError:
            raise ImportError("to_dimod needs dimod: pip install 'sonq[dimod]'") from None
        return dimod.SampleSet.from_samples((self.samples, list(self.labels)), self.vartype,
                                            energy=self.energies, replica=self.replica)

    def save(self, path: str | Path) -> Path:
        """Write the samples, energies, trajectory and metadata to ``path`` (an ``.npz`` with a
        JSON header), atomically: a failed write leaves any previous file intact.

        Raises:
            ResultFileError: labels or info that JSON cannot hold.
            OutputFileError: the path cannot be written.
        """
        header = {"format": RESULT_FORMAT, "version": RESULT_VERSION, "labels": list(self.labels),
                  "vartype": self.vartype, "info": self.info, "model_kind": self.model_kind,
                  "model_meta": self.model_meta}
        try:
            text = json.dumps(header, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise ResultFileError(f"cannot save: labels and info must be JSON data ({exc})") from None
        arrays = {"samples": self.samples, "energies": self.energies, "replica": self.replica, "step": self.step}
        if self.trajectory is not None:
            t = self.trajectory
            arrays.update(t_steps=t.steps, t_times=t.times, t_energies=t.energies, t_states=t.states, t_raw=t.raw)
        return atomic_write(path, lambda f: np.savez_compressed(f, header=np.array(text), **arrays))

    @classmethod
    def load(cls, path: str | Path) -> "SampleSet":
        """Read a file written by :meth:`save`, checking its header and the arrays' shapes.

        Raises:
            ResultFileError: not a SONQ sample file, another version, or inconsistent arrays.
        """
        try:
            with np.load(path, allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
            header = json.loads(str(arrays.pop("header")))
        except (OSError, ValueError, KeyError) as exc:
            raise ResultFileError(f"{path}: not a SONQ sample file ({exc})") from None
        if not isinstance(header, dict) or header.get("format") != RESULT_FORMAT:
            raise ResultFileError(f"{path}: not a SONQ sample file")
        if header.get("version") != RESULT_VERSION:
            raise ResultFileError(f"{path}: sample file version {header.get('version')!r} is not supported "
                                  f"(this SONQ reads {RESULT_VERSION})")
        try:
            labels = tuple(tuple(x) if isinstance(x, list) else x for x in header["labels"])
            samples, energies = arrays["samples"], arrays["energies"]
            replica, step = arrays["replica"], arrays["step"]
            S = len(energies)
            if (header["vartype"] not in VARTYPES or samples.shape != (S, len(labels)) or energies.shape != (S,)
                    or replica.shape != (S,) or step.shape != (S,)):
                raise ValueError("array shapes or vartype do not agree")
            trajectory = None
            if "t_steps" in arrays:
                trajectory = TrajectoryRecord(arrays["t_steps"], arrays["t_times"], arrays["t_energies"],
                                              arrays["t_states"], arrays["t_raw"])
                k = len(trajectory.steps)
                if (trajectory.times.shape != (k,) or trajectory.energies.shape[0] != k
                        or trajectory.states.shape[:2] != trajectory.energies.shape
                        or trajectory.raw.shape[:2] != trajectory.energies.shape):
                    raise ValueError("trajectory shapes do not agree")
            return cls(samples, energies, labels, header["vartype"], replica, step, trajectory,
                       dict(header["info"]), str(header["model_kind"]), dict(header["model_meta"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ResultFileError(f"{path}: inconsistent sample file ({exc})") from None

    def __repr__(self) -> str:
        return (f"SampleSet({len(self)} samples × {len(self.labels)} {self.vartype} variables, "
                f"best energy {self.best_energy:.6g}, backend {self.info.get('backend')!r})")
