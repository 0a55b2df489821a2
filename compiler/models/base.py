"""The interface every energy model implements."""

from __future__ import annotations

import abc

import numpy as np

from compiler.ir import EnergyIR


class AbstractEnergyModel(abc.ABC):
    """An energy function over labelled variables that lowers to :class:`EnergyIR`.

    Subclasses validate their inputs on construction and are immutable afterwards.
    """

    @abc.abstractmethod
    def to_ir(self) -> EnergyIR:
        """Lower to the normalized IR consumed by the compiler."""

    @property
    def num_variables(self) -> int:
        return self.to_ir().n

    @property
    def labels(self) -> tuple:
        return self.to_ir().labels

    def energy(self, x) -> np.ndarray:
        """Energy of one state (n,) or a batch (m, n), in the model's own units."""
        return self.to_ir().energy(x)
