"""Classification and generation with a labelled Boltzmann machine on the chip.

A :class:`LabelledMachine` is a restricted Boltzmann machine whose visible layer holds the inputs
(pixels) and ``copies`` spins per class (``+1`` for the example's class, ``−1`` for the others:
copies weigh the label against the inputs, as thrml's MNIST example does), coupled to a hidden
layer; it is trained generatively on (input, label) rows with :func:`sdk.learn.fit_ising`.
The chip then answers both ways by clamping (``run(..., clamp=)``):

* :func:`classify` holds an image on the input units and samples the label and hidden units; the
  predicted class is the one whose label units have the largest mean spin over the recorded sweeps;
* :func:`generate` holds a class's one-hot label and samples the inputs: images of that class.

Variables are numbered inputs first, then labels (class by class, its copies together), then
hidden units.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from compiler.models.ising import IsingModel
from compiler.program import Program
from runtime.run import run
from sdk.errors import LearningError, check_integers
from sdk.learn.boltzmann import BoltzmannMachine


@dataclass(frozen=True)
class LabelledMachine:
    """Inputs and one-hot labels visible, a hidden layer coupled to both.

    Attributes:
        inputs: input units (64 pixels for 8×8 digits).
        classes: classes.
        hidden: hidden units.
        copies: label units per class.
    """

    inputs: int
    classes: int
    hidden: int
    copies: int = 1

    def __post_init__(self):
        check_integers(self, ("inputs", "hidden", "copies"), 1)
        check_integers(self, ("classes",), 2)

    @property
    def num_labels(self) -> int:
        """Label units: classes × copies."""
        return self.classes * self.copies

    @property
    def num_units(self) -> int:
        return self.inputs + self.num_labels + self.hidden

    @property
    def machine(self) -> BoltzmannMachine:
        """The restricted machine: inputs and labels visible, every visible–hidden pair coupled."""
        return BoltzmannMachine.layered((self.inputs + self.num_labels, self.hidden))

    @property
    def labels(self) -> np.ndarray:
        """(classes × copies,) variable indices of the label units, class by class."""
        return np.arange(self.inputs, self.inputs + self.num_labels)

    def blank(self) -> IsingModel:
        """A model with every parameter zero over the machine's variables (what to compile first)."""
        n = self.num_units
        return IsingModel(np.zeros(n), np.zeros((n, n)))

    def one_hot(self, labels) -> np.ndarray:
        """(S, classes × copies) label spins: +1 on each row's class's copies, −1 elsewhere."""
        y = np.asarray(labels)
        if y.ndim != 1 or y.dtype.kind not in "iu" or (y.size and (y.min() < 0 or y.max() >= self.classes)):
            raise LearningError(f"labels must be a 1-D array of classes in [0, {self.classes}), got {y!r}")
        out = -np.ones((len(y), self.classes), dtype=np.int8)
        out[np.arange(len(y)), y] = 1
        return np.repeat(out, self.copies, axis=1)

    def encode(self, inputs, labels) -> np.ndarray:
        """(S, inputs + classes × copies) visible rows: the input spins, then the one-hot labels."""
        x = self.check_inputs(inputs)
        y = self.one_hot(labels)
        if len(y) != len(x):
            raise LearningError(f"{len(x)} inputs but {len(y)} labels")
        return np.hstack([x, y])

    def check_inputs(self, inputs) -> np.ndarray:
        """``inputs`` as (S, inputs) int8 spins, or a LearningError naming the problem."""
        x = np.asarray(inputs)
        if x.ndim != 2 or x.shape[1] != self.inputs or x.dtype.kind not in "biuf" or not np.all(np.isin(x, (-1, 1))):
            raise LearningError(f"inputs must be (S, {self.inputs}) spins ±1, got shape {x.shape}")
        return x.astype(np.int8)


@dataclass(frozen=True)
class Classification:
    """Labels sampled with the inputs clamped.

    Attributes:
        scores: (S, classes) mean spin of each class's label units over the recorded sweeps, in [−1, 1].
        predictions: (S,) the class with the largest score.
    """

    scores: np.ndarray
    predictions: np.ndarray

    def accuracy(self, labels) -> float:
        """The fraction of predictions equal to ``labels`` (S,)."""
        return float(np.mean(self.predictions == np.asarray(labels)))


def classify(program: Program, layout: LabelledMachine, inputs, *, sweeps: int = 40, burn_in: int = 10,
             temperature: float = 1.0, backend: str = "auto", seed: int = 0) -> Classification:
    """Classify each row of ``inputs`` (S, layout.inputs) on the chip: the row clamped on the input
    units, the label and hidden units sampled for ``sweeps`` sweeps (one read per row), label spins
    averaged over the sweeps after ``burn_in``."""
    x = layout.check_inputs(inputs)
    clamp = np.full((len(x), layout.num_units), np.nan)
    clamp[:, :layout.inputs] = x
    means = _clamped_means(program, layout, clamp, sweeps, burn_in, temperature, backend, seed)
    scores = means[:, layout.labels].reshape(len(x), layout.classes, layout.copies).mean(axis=2)
    return Classification(scores, np.argmax(scores, axis=1))


def generate(program: Program, layout: LabelledMachine, labels, *, sweeps: int = 200, burn_in: int = 100,
             temperature: float = 1.0, backend: str = "auto", seed: int = 0) -> np.ndarray:
    """Images of the given classes (S,): each read holds one class's one-hot label clamped and
    samples the inputs and hidden units for ``sweeps`` sweeps.  Returns (S, layout.inputs) mean
    input spins over the sweeps after ``burn_in`` (grey levels in [−1, 1])."""
    y = layout.one_hot(labels)
    clamp = np.full((len(y), layout.num_units), np.nan)
    clamp[:, layout.labels] = y
    return _clamped_means(program, layout, clamp, sweeps, burn_in, temperature, backend, seed)[:, :layout.inputs]


def _clamped_means(program: Program, layout: LabelledMachine, clamp: np.ndarray, sweeps: int, burn_in: int,
                   temperature: float, backend: str, seed: int) -> np.ndarray:
    """(S, n) mean spins per read of a clamped chip run, recorded every sweep after ``burn_in``."""
    if program.num_variables != layout.num_units:
        raise LearningError(f"the program has {program.num_variables} variables, the layout {layout.num_units}")
    if isinstance(sweeps, bool) or not isinstance(sweeps, int) or not 0 <= burn_in < sweeps:
        raise LearningError(f"need integers 0 ≤ burn_in < sweeps, got burn_in={burn_in!r}, sweeps={sweeps!r}")
    if len(clamp) < 1:
        raise LearningError("nothing to sample: no rows given")
    res = run(program, backend, num_reads=len(clamp), steps=sweeps, temperature=temperature, seed=seed,
              record_every=1, burn_in=burn_in, clamp=clamp)
    sums = np.zeros(clamp.shape)
    np.add.at(sums, res.replica, res.samples)
    return sums / (sweeps - burn_in)
