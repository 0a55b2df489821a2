"""Moment matching on the Gaussian chip: learn the precision (and the linear term) from data so
that the chip's own samples have the data's mean and covariance.

The chip samples ``N(A⁻¹b, T·A⁻¹)`` for the energy ``½xᵀAx − bᵀx`` it holds (``docs/physics.md``,
gauss).  Each epoch samples the chip, estimates its mean μ̂ and covariance Ĉ, and moves the
programmed parameters in natural coordinates,

    A ← A + ε·T·(C_data⁻¹ − Ĉ⁻¹),      b ← b + ε·A·(μ_data − μ̂),

whose fixed point is the chip reproducing the data's moments — through whatever quantization and
mismatch the chip adds, since Ĉ comes from the chip (for an exact chip, ``T·Ĉ⁻¹ ≈ A`` and the update
relaxes A towards the maximum-likelihood precision ``T·C_data⁻¹`` at rate ε).  A step that would
leave A without positive definiteness is halved until it does not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from compiler.compile import reprogram
from compiler.models.gaussian import GaussianModel
from compiler.program import Program
from runtime.run import run
from sdk.errors import LearningError, check_integers


@dataclass(frozen=True)
class MomentConfig:
    """Settings of :func:`fit_gaussian`.

    Attributes:
        epochs: updates.
        rate: ε, the fraction of the way to the data's moments each update moves.
        num_reads, steps, burn_in, record_every: the chip run of each epoch (steps in the cell's
            accuracy step; samples after ``burn_in`` steps, every ``record_every`` steps, pooled).
        temperature: T, model units.
        average: average the parameters over this many last epochs (0: the last ones).
        backend: the runtime backend.
    """

    epochs: int = 60
    rate: float = 0.3
    num_reads: int = 64
    steps: int = 600
    burn_in: int = 200
    record_every: int = 5
    temperature: float = 1.0
    average: int = 20
    backend: str = "auto"

    def __post_init__(self):
        check_integers(self, ("epochs", "num_reads", "steps", "record_every"), 1)
        check_integers(self, ("burn_in", "average"), 0)
        if not (0 < self.rate <= 1) or not (0 < self.temperature < np.inf):
            raise LearningError(f"need 0 < rate ≤ 1 and a positive finite temperature, got {self.rate}, "
                                f"{self.temperature}")
        if not 0 <= self.burn_in < self.steps or not 0 <= self.average <= self.epochs:
            raise LearningError("need 0 ≤ burn_in < steps and 0 ≤ average ≤ epochs")


@dataclass(frozen=True)
class GaussianFit:
    """What moment matching produced.

    Attributes:
        model: the learned :class:`GaussianModel` (model units).
        program: the chip programmed with it.
        history: (epochs,) relative Frobenius distance between the chip's sample covariance and the
            data's, per epoch.
    """

    model: GaussianModel
    program: Program
    history: np.ndarray


def chip_gaussian(program: Program) -> tuple[np.ndarray, np.ndarray]:
    """The precision A and linear term b (model units) the Gaussian chip really holds:
    ``A = scale·(J + diag 2c₂)`` and ``b = −scale·h`` of the programmed (quantized, mismatched) values."""
    A = (program.couplings.toarray() + np.diag(2 * program.poly[:, 0])) * program.scale
    return A, -program.fields * program.scale


def fit_gaussian(data: np.ndarray, program: Program, config: MomentConfig = MomentConfig(), *,
                 seed: int = 0) -> GaussianFit:
    """Moment-match ``data`` (S, n) on the Gaussian chip of ``program`` (compiled with
    ``full_scale`` leaving room for the precision learning reaches).

    Raises:
        LearningError: data of the wrong shape or non-finite, or a data covariance that is singular.
    """
    x = np.asarray(data)
    n = program.num_variables
    if x.ndim != 2 or x.shape[1] != n or x.shape[0] <= n or x.dtype.kind not in "biuf" or not np.all(np.isfinite(x)):
        raise LearningError(f"data must be (samples > {n}, {n}) finite reals, got shape {x.shape}")
    mu_d, C_d = x.mean(axis=0), np.cov(x.T)
    try:
        P_d = np.linalg.inv(np.linalg.cholesky(C_d))
    except np.linalg.LinAlgError:
        raise LearningError("the data covariance is singular: the data do not span every variable") from None
    P_d = P_d.T @ P_d  # C_data⁻¹
    T = config.temperature
    A, b = T * P_d, T * P_d @ mu_d  # start at the exact chip's answer
    trail, history = [], []
    chip = reprogram(program, GaussianModel(A, b, labels=program.model.labels))
    for epoch in range(config.epochs):
        res = run(chip, config.backend, num_reads=config.num_reads, steps=config.steps, temperature=T,
                  record_every=config.record_every, burn_in=config.burn_in, seed=seed + epoch)
        mu_m, C_m = res.samples.mean(axis=0), np.cov(res.samples.T)
        history.append(np.linalg.norm(C_m - C_d) / np.linalg.norm(C_d))
        step_A = config.rate * T * (P_d - np.linalg.inv(C_m))
        step_b = config.rate * A @ (mu_d - mu_m)
        while not _positive_definite(A + step_A):
            step_A, step_b = step_A / 2, step_b / 2
        A, b = A + step_A, b + step_b
        trail = (trail + [(A, b)])[-config.average:] if config.average else []
        chip = reprogram(program, GaussianModel(A, b, labels=program.model.labels))
    if trail:
        A, b = np.mean([t[0] for t in trail], axis=0), np.mean([t[1] for t in trail], axis=0)
    model = GaussianModel(0.5 * (A + A.T), b, labels=program.model.labels)
    return GaussianFit(model, reprogram(program, model), np.array(history))


def _positive_definite(A: np.ndarray) -> bool:
    try:
        np.linalg.cholesky(0.5 * (A + A.T))
        return True
    except np.linalg.LinAlgError:
        return False
