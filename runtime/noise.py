"""Random increments for the emulators.

Every emulator draws its randomness through a :class:`NoiseSource`, one block of steps at a
time.  Blocks are drawn in step order and C order, so a source yields the same stream whatever
block sizes a backend asks for: two backends given the same seed consume identical numbers, and a
:class:`NoiseTape` replays pre-drawn increments exactly.
"""

from __future__ import annotations

import abc

import numpy as np

from device_models.errors import BackendError


class AbstractNoiseSource(abc.ABC):
    """Yields standard normals (Langevin and phase noise) or uniforms on [−1, 1) (p-bits)."""

    @abc.abstractmethod
    def normal(self, shape: tuple) -> np.ndarray:
        """Standard normal draws, float64, ``shape = (steps, replicas, nodes)``."""

    @abc.abstractmethod
    def uniform(self, shape: tuple) -> np.ndarray:
        """Uniform draws on [−1, 1), float64, ``shape = (sweeps, replicas, nodes)``."""


class SeededNoise(AbstractNoiseSource):
    """NumPy PCG64 stream from a seed."""

    def __init__(self, seed: int | np.random.SeedSequence | None):
        self.rng = np.random.default_rng(seed)

    def normal(self, shape):
        return self.rng.standard_normal(shape)

    def uniform(self, shape):
        return 2.0 * self.rng.random(shape) - 1.0


class NoiseTape(AbstractNoiseSource):
    """Replays a pre-drawn array of increments (shape (steps, replicas, nodes)) in order.

    The same tape serves normals or uniforms, whichever the cell consumes.
    """

    def __init__(self, tape: np.ndarray):
        self.tape = np.asarray(tape, dtype=np.float64)
        self.position = 0

    def _take(self, shape) -> np.ndarray:
        if tuple(shape[1:]) != self.tape.shape[1:]:
            raise BackendError(f"noise tape has blocks of shape {self.tape.shape[1:]}, the run needs {tuple(shape[1:])}")
        end = self.position + shape[0]
        if end > self.tape.shape[0]:
            raise BackendError(f"noise tape exhausted: {self.tape.shape[0]} steps recorded, the run needs more")
        block = self.tape[self.position:end]
        self.position = end
        return block

    normal = _take
    uniform = _take
