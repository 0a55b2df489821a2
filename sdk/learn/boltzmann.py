"""Boltzmann learning in the loop with the chip: the model phase is sampled on the chip itself.

A fully visible Boltzmann machine over spins ``s ∈ {−1, +1}ⁿ`` with SONQ's energy convention
``E(s) = Σ h_i s_i + Σ_{i<j} J_ij s_i s_j`` (dimod's: J > 0 antiferromagnetic) and ``p ∝ exp(−E/T)``
has the log-likelihood gradient

    ∂ log L/∂h_i = (⟨s_i⟩_model − ⟨s_i⟩_data)/T,    ∂ log L/∂J_ij = (⟨s_i s_j⟩_model − ⟨s_i s_j⟩_data)/T,

so ascent moves ``h`` and ``J`` by the learning rate times the model-minus-data moments: the rule
``ΔJ = ε(⟨ss⟩_data − ⟨ss⟩_model)`` of texts that write ``E = −Σ J s s``, with our sign.  The model moments
come from the chip: every epoch :func:`compiler.compile.reprogram` puts the current parameters on
the same physical chip (its DAC, full scale and mismatch), and the chip's own samples give the
moments.  What the chip really programs — quantized, clipped and mismatched — is therefore what the
gradient corrects, and the learned parameters absorb the chip's variations.

Chains are persistent by default (each epoch continues from the last one's states); with
``persistent=False`` each epoch starts its chains from data rows and runs ``sweeps`` sweeps (CD-k).
The state of a training run (parameters, optimizer moments, epoch, history) is saved atomically
after every epoch when a path is given, and a run resumes from it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from compiler.compile import reprogram
from compiler.models.ising import IsingModel
from compiler.program import Program
from device_models.files import atomic_write
from runtime.run import run
from sdk.analysis import exact_boltzmann
from sdk.errors import LearningError, check_integers

OPTIMIZERS = ("adam", "sgd")
STATE_FORMAT = "sonq-learning-state"


@dataclass(frozen=True)
class LearningConfig:
    """How to train.

    Attributes:
        epochs: parameter updates.
        learning_rate: step ε (model energy units per unit moment difference).
        optimizer: ``"adam"`` or ``"sgd"`` (with ``momentum``).
        momentum: SGD momentum, or Adam's β₁.
        num_reads: chains sampled on the chip per epoch.
        sweeps: sweeps (steps) of each chain per epoch.
        thin: record a sample every this many sweeps; samples after ``burn_in`` sweeps are pooled.
        burn_in: sweeps discarded at the start of each epoch's chains.
        temperature: the temperature T of the Boltzmann machine, model units.
        persistent: continue the chains across epochs (PCD); False: restart them from data (CD-k).
        average: report the mean of the parameters over this many last epochs (Polyak averaging:
            it cancels the epoch-to-epoch sampling noise of the gradient); 0 = the last parameters.
        backend: the runtime backend.
    """

    epochs: int = 200
    learning_rate: float = 0.05
    optimizer: str = "adam"
    momentum: float = 0.9
    num_reads: int = 64
    sweeps: int = 100
    thin: int = 2
    burn_in: int = 10
    temperature: float = 1.0
    persistent: bool = True
    average: int = 0
    backend: str = "auto"

    def __post_init__(self):
        check_integers(self, ("epochs", "num_reads", "sweeps", "thin"), 1)
        check_integers(self, ("burn_in", "average"), 0)
        if self.burn_in >= self.sweeps:
            raise LearningError(f"burn_in ({self.burn_in}) must be below sweeps ({self.sweeps})")
        for name in ("learning_rate", "temperature"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and 0 < value < math.inf):
                raise LearningError(f"{name} must be a positive finite number, got {value!r}")
        if not 0 <= self.momentum < 1:
            raise LearningError(f"momentum must be in [0, 1), got {self.momentum!r}")
        if self.optimizer not in OPTIMIZERS:
            raise LearningError(f"optimizer must be one of {OPTIMIZERS}, got {self.optimizer!r}")


@dataclass
class LearningState:
    """A training run's state, enough to resume it.

    Attributes:
        h: (n,) fields, model units.
        J: (n, n) symmetric couplings with zero diagonal, model units.
        first, second: the optimizer's moment estimates of the gradient, flattened as
            :func:`_pack` lays out (h, upper triangle of J); ``second`` unused by SGD.
        epoch: epochs done.
        history: one dict per epoch (``epoch``, ``moment_error``: the largest |data − model|
            moment difference that epoch).
        chains: (num_reads, n) the persistent chains' last states (spins), or None.
        trail: parameters of the last ``average`` epochs (flattened), for Polyak averaging.
    """

    h: np.ndarray
    J: np.ndarray
    first: np.ndarray
    second: np.ndarray
    epoch: int = 0
    history: list = field(default_factory=list)
    chains: np.ndarray | None = None
    trail: list = field(default_factory=list)

    @classmethod
    def start(cls, n: int) -> "LearningState":
        size = n + n * (n - 1) // 2
        return cls(np.zeros(n), np.zeros((n, n)), np.zeros(size), np.zeros(size))

    def model(self, average: bool = False) -> IsingModel:
        """The learned Ising model (the Polyak average of the trail when ``average``)."""
        if average and self.trail:
            h, J = _unpack(np.mean(self.trail, axis=0), len(self.h))
            return IsingModel(h, np.triu(J, 1))
        return IsingModel(self.h, np.triu(self.J, 1))

    def save(self, path: str | Path) -> Path:
        """Write the state to ``path`` atomically (an ``.npz``; the previous file survives a failure)."""
        header = json.dumps({"format": STATE_FORMAT, "epoch": self.epoch, "history": self.history})
        arrays = {"h": self.h, "J": self.J, "first": self.first, "second": self.second,
                  "trail": np.asarray(self.trail, dtype=np.float64).reshape(len(self.trail), self.first.size)}
        if self.chains is not None:
            arrays["chains"] = self.chains
        return atomic_write(path, lambda f: np.savez(f, header=np.array(header), **arrays))

    @classmethod
    def load(cls, path: str | Path) -> "LearningState":
        try:
            with np.load(path, allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
            header = json.loads(str(arrays["header"]))
        except (OSError, ValueError, KeyError) as exc:
            raise LearningError(f"{path}: not a SONQ learning state ({exc})") from None
        if header.get("format") != STATE_FORMAT:
            raise LearningError(f"{path}: not a SONQ learning state")
        h, J = np.asarray(arrays["h"], float), np.asarray(arrays["J"], float)
        n = h.shape[0] if h.ndim == 1 else -1
        size = n + n * (n - 1) // 2
        if (J.shape != (n, n) or arrays["first"].shape != (size,) or arrays["second"].shape != (size,)
                or not all(np.all(np.isfinite(a)) for a in (h, J, arrays["first"], arrays["second"]))):
            raise LearningError(f"{path}: inconsistent learning state arrays")
        chains = arrays.get("chains")
        return cls(h, J, arrays["first"], arrays["second"], int(header["epoch"]), list(header["history"]),
                   None if chains is None else np.asarray(chains, float), list(arrays["trail"]))


@dataclass(frozen=True)
class LearningResult:
    """What training produced.

    Attributes:
        model: the learned Ising model (model units; Polyak-averaged when the config asks).
        program: the chip programmed with it (:func:`~compiler.compile.reprogram`).
        state: the final :class:`LearningState`.
    """

    model: IsingModel
    program: Program
    state: LearningState


def moments(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and second moments ``⟨s_i⟩`` (n,) and ``⟨s_i s_j⟩`` (n, n) of spin rows (S, n)."""
    s = np.asarray(samples, dtype=np.float64)
    return s.mean(axis=0), s.T @ s / len(s)


def fit_ising(data: np.ndarray, program: Program, config: LearningConfig = LearningConfig(), *,
              seed: int = 0, state: LearningState | None = None, path: str | Path | None = None,
              callback=None) -> LearningResult:
    """Train a fully visible Boltzmann machine on ``data`` with the chip of ``program``.

    Args:
        data: (S, n) spins ±1, one row per observation.
        program: a compiled spin program over n variables: the chip (device, placement, full scale
            ``program.scale``, DAC, mismatch) that samples the model phase.  Compile it with
            ``full_scale`` set to leave room for the parameters learning will reach.
        config: optimisation and sampling settings.
        seed: seeds the chip's runs (epoch e uses ``seed + e``).
        state: a saved state to resume from (:meth:`LearningState.load`).
        path: where to save the state after every epoch (atomically).
        callback: called as ``callback(state)`` after every epoch.

    Raises:
        LearningError: data that are not ±1 rows of the program's width; a state of another size.
    """
    data = _spins(data, program.num_variables)
    n = data.shape[1]
    state = LearningState.start(n) if state is None else state
    if state.h.shape != (n,):
        raise LearningError(f"the state has {state.h.shape[0]} variables, the data {n}")
    mean_d, second_d = moments(data)
    target = _pack(mean_d, second_d)
    rng = np.random.default_rng(seed)
    chip = reprogram(program, state.model())
    for epoch in range(state.epoch, config.epochs):
        init = state.chains if config.persistent and state.chains is not None else \
            data[rng.integers(0, len(data), config.num_reads)].astype(np.float64)
        res = run(chip, config.backend, num_reads=config.num_reads, steps=config.sweeps,
                  temperature=config.temperature, seed=seed + epoch, record_every=config.thin,
                  burn_in=config.burn_in, init=_nodes(chip, init))
        gradient = (target - _pack(*moments(res.samples))) / config.temperature  # of −log L
        step = _step(state, gradient, config, epoch + 1)
        h, J = _unpack(_pack(state.h, state.J) + step, n)
        last = res.step == res.step.max()  # the chains' final states, in replica order
        state = replace(state, h=h, J=J, epoch=epoch + 1, chains=res.samples[last].astype(np.float64),
                        history=state.history + [{"epoch": epoch + 1, "moment_error": float(np.abs(gradient).max())}],
                        trail=(state.trail + [_pack(h, J)])[-config.average:] if config.average else [])
        chip = reprogram(program, state.model())
        if path is not None:
            state.save(path)
        if callback is not None:
            callback(state)
    model = state.model(average=config.average > 0)
    return LearningResult(model, reprogram(program, model), state)


def chip_model(program: Program) -> IsingModel:
    """The Ising model the chip really holds (programmed, quantized, mismatched values in model
    units): what its samples follow."""
    J = program.couplings.toarray() * program.scale
    n = program.num_variables
    if program.reference:
        h = J[:n, n].copy()
        J = J[:n, :n]
    else:
        h = program.fields * program.scale
    return IsingModel(h, np.triu(J, 1))


def kl_divergence(p: np.ndarray, model: IsingModel, temperature: float = 1.0) -> float:
    """``KL(p ‖ q)`` in nats, q the Boltzmann distribution of ``model`` at ``temperature`` and p a
    distribution over the same 2ⁿ states (the order of :func:`sdk.exact_boltzmann`)."""
    _, q = exact_boltzmann(model, temperature)
    keep = p > 0
    return float(np.sum(p[keep] * (np.log(p[keep]) - np.log(q[keep]))))


def _step(state: LearningState, gradient: np.ndarray, config: LearningConfig, t: int) -> np.ndarray:
    """The parameter change of one epoch; updates the optimizer moments in ``state`` in place."""
    beta1 = config.momentum
    if config.optimizer == "sgd":
        state.first[:] = beta1 * state.first + gradient
        return -config.learning_rate * state.first
    beta2, eps = 0.999, 1e-8
    state.first[:] = beta1 * state.first + (1 - beta1) * gradient
    state.second[:] = beta2 * state.second + (1 - beta2) * gradient**2
    m_hat = state.first / (1 - beta1**t)
    v_hat = state.second / (1 - beta2**t)
    return -config.learning_rate * m_hat / (np.sqrt(v_hat) + eps)


def _pack(h: np.ndarray, J: np.ndarray) -> np.ndarray:
    """(h, upper triangle of J) as one vector."""
    return np.concatenate([h, J[np.triu_indices(len(h), 1)]])


def _unpack(theta: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    J = np.zeros((n, n))
    J[np.triu_indices(n, 1)] = theta[n:]
    return theta[:n].copy(), J + J.T


def _spins(data, n: int) -> np.ndarray:
    arr = np.asarray(data)
    if arr.ndim != 2 or arr.shape[1] != n or arr.shape[0] < 1:
        raise LearningError(f"data must be (samples, {n}) spins, got shape {arr.shape}")
    if arr.dtype.kind not in "biuf" or not np.all(np.isin(arr, (-1, 1))):
        raise LearningError("data must hold spins −1 and +1 only")
    return arr.astype(np.int8)


def _nodes(program: Program, spins: np.ndarray) -> np.ndarray:
    """Chain states as node states of ``program``'s cell (its ``encode``)."""
    try:
        return program.cell.encode(program, spins, np.random.default_rng(0))
    except NotImplementedError as exc:
        raise LearningError(str(exc)) from None
