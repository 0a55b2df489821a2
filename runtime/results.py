"""Run results: :class:`SampleSet`, modelled on dimod's (rows of samples with energies)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


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

    def __repr__(self) -> str:
        return (f"SampleSet({len(self)} samples × {len(self.labels)} {self.vartype} variables, "
                f"best energy {self.best_energy:.6g}, backend {self.info.get('backend')!r})")
