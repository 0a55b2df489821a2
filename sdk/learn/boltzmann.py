"""Boltzmann learning in the loop with the chip: both phases are sampled on the chip itself.

A Boltzmann machine over spins ``s ∈ {−1, +1}ⁿ`` with SONQ's energy convention
``E(s) = Σ h_i s_i + Σ_{(i,j)} J_ij s_i s_j`` (dimod's: J > 0 antiferromagnetic), ``p ∝ exp(−E/T)``,
the sum running over the machine's learnable couplings (:class:`BoltzmannMachine`: all pairs for a
fully visible machine, visible–hidden pairs for a restricted one), has the log-likelihood gradient

    ∂ log L/∂h_i = (⟨s_i⟩_model − ⟨s_i⟩_data)/T,    ∂ log L/∂J_ij = (⟨s_i s_j⟩_model − ⟨s_i s_j⟩_data)/T,

so ascent moves ``h`` and ``J`` by the learning rate times the model-minus-data moments: the rule
``ΔJ = ε(⟨ss⟩_data − ⟨ss⟩_model)`` of texts that write ``E = −Σ J s s``, with our sign.  Both moments
come from the chip.  The data phase holds a batch of observations on the visible units
(``run(..., clamp=)``: the clamped p-bits are never updated) and samples the hidden units; with no
hidden units it needs no sampling and the data's own moments are used.  The model phase runs the
chip freely: persistent chains by default, each update continuing from the last one's states, or,
with ``persistent=False``, chains restarted from the data phase's states for ``sweeps`` sweeps
(CD-k).  Every update :func:`compiler.compile.reprogram` puts the current parameters on the same
physical chip (its DAC, full scale and mismatch), so what the chip really programs — quantized,
clipped and mismatched — is what the gradient corrects, and the learned parameters absorb the
chip's variations.

The state of a training run (parameters, optimizer moments, chains, epoch, history) is saved
atomically after every epoch when a path is given, and a run resumes from it to the same
parameters as an uninterrupted one.
"""

from __future__ import annotations

import json
import math
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from compiler.compile import reprogram
from compiler.models.ising import IsingModel
from compiler.program import Program
from device_models.files import atomic_write, check_output_path
from runtime.run import run
from sdk.analysis import exact_boltzmann
from sdk.errors import LearningError, check_integers

OPTIMIZERS = ("adam", "sgd")
STATE_FORMAT = "sonq-learning-state"
FIELD_START_LIMIT = 0.95  # starting fields reproduce data means clipped to ±this (constant units stay finite)


@dataclass(frozen=True, eq=False)
class BoltzmannMachine:
    """Which of a program's variables are visible and which couplings learn.

    Attributes:
        num_units: n, the program's variables (visible and hidden).
        visible: (k,) indices of the variables the data columns are clamped to, in column order;
            the other variables are hidden.
        edges: (E, 2) variable pairs ``i < j`` whose couplings learn, sorted; every other coupling
            stays zero, so the chip's topology must hold these pairs.
    """

    num_units: int
    visible: np.ndarray
    edges: np.ndarray

    def __post_init__(self):
        n = self.num_units
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise LearningError(f"num_units must be an integer ≥ 1, got {n!r}")
        visible = np.asarray(self.visible)
        edges = np.asarray(self.edges).reshape(-1, 2) if np.size(self.edges) else np.zeros((0, 2), np.int64)
        for name, arr in (("visible", visible), ("edges", edges)):
            if arr.dtype.kind not in "iu" or (arr.size and (arr.min() < 0 or arr.max() >= n)):
                raise LearningError(f"{name} must hold variable indices in [0, {n}), got {arr!r}")
        if visible.ndim != 1 or visible.size < 1 or len(np.unique(visible)) != visible.size:
            raise LearningError(f"visible must be distinct variable indices, at least one; got {visible!r}")
        if np.any(edges[:, 0] >= edges[:, 1]):
            raise LearningError("edges must be pairs (i, j) with i < j")
        order = np.lexsort((edges[:, 1], edges[:, 0]))
        edges = edges[order]
        if len(edges) > 1 and np.any(np.all(edges[1:] == edges[:-1], axis=1)):
            raise LearningError("edges must be distinct")
        object.__setattr__(self, "num_units", int(n))
        object.__setattr__(self, "visible", visible.astype(np.int64))
        object.__setattr__(self, "edges", edges.astype(np.int64))

    @classmethod
    def fully_visible(cls, n: int) -> "BoltzmannMachine":
        """Every variable visible, every pair coupled (inverse Ising)."""
        return cls(n, np.arange(n), np.array(np.triu_indices(n, 1)).T)

    @classmethod
    def layered(cls, sizes, visible_layers: int = 1) -> "BoltzmannMachine":
        """Layers of ``sizes`` units numbered one after the other, each unit coupled to every unit
        of the next layer and to nothing else; the first ``visible_layers`` layers are visible.
        ``layered((v, h))`` is a restricted Boltzmann machine (bipartite: two colour classes on the
        chip, so one sweep redraws every hidden unit given the visible ones)."""
        sizes = [int(s) for s in sizes]
        if len(sizes) < 1 or min(sizes) < 1 or not 1 <= visible_layers <= len(sizes):
            raise LearningError(f"need layer sizes ≥ 1 and 1 ≤ visible_layers ≤ {len(sizes)}, got {sizes}, "
                                f"{visible_layers}")
        starts = np.concatenate([[0], np.cumsum(sizes)])
        edges = [np.array(np.meshgrid(np.arange(starts[k], starts[k + 1]), np.arange(starts[k + 1], starts[k + 2]),
                                      indexing="ij")).reshape(2, -1).T for k in range(len(sizes) - 1)]
        return cls(int(starts[-1]), np.arange(starts[visible_layers]),
                   np.concatenate(edges) if edges else np.zeros((0, 2), np.int64))

    @property
    def hidden(self) -> np.ndarray:
        """(n − k,) indices of the hidden variables."""
        return np.setdiff1d(np.arange(self.num_units), self.visible)

    @property
    def num_parameters(self) -> int:
        """Fields plus learnable couplings: the length of the packed parameter vector."""
        return self.num_units + len(self.edges)

    def pack(self, h: np.ndarray, J: np.ndarray) -> np.ndarray:
        """(h, J on the edges) as one vector of ``num_parameters``."""
        return np.concatenate([h, J[self.edges[:, 0], self.edges[:, 1]]])

    def unpack(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Fields (n,) and symmetric couplings (n, n) from a packed vector."""
        n = self.num_units
        J = np.zeros((n, n))
        J[self.edges[:, 0], self.edges[:, 1]] = theta[n:]
        return theta[:n].copy(), J + J.T

    def statistics(self, samples: np.ndarray) -> np.ndarray:
        """The packed sufficient statistics ``(⟨s_i⟩, ⟨s_i s_j⟩ on the edges)`` of spin rows (S, n)."""
        mean, second = moments(samples)
        return np.concatenate([mean, second[self.edges[:, 0], self.edges[:, 1]]])

    def same_as(self, other: "BoltzmannMachine") -> bool:
        return (self.num_units == other.num_units and np.array_equal(self.visible, other.visible)
                and np.array_equal(self.edges, other.edges))


@dataclass(frozen=True)
class LearningConfig:
    """How to train.

    Attributes:
        epochs: passes over the data.
        learning_rate: step ε (model energy units per unit moment difference).
        optimizer: ``"adam"`` or ``"sgd"`` (with ``momentum``).
        momentum: SGD momentum, or Adam's β₁.
        batch_size: data rows per update (0: all of them, one update per epoch).
        num_reads: model-phase chains sampled on the chip per update.
        sweeps: sweeps of each model-phase chain per update.
        thin: record a model-phase sample every this many sweeps; samples after ``burn_in`` sweeps
            are pooled.
        burn_in: sweeps discarded at the start of each update's model-phase chains.
        clamped_sweeps: sweeps of the data phase (hidden units sampled with the batch clamped on
            the visible ones), every one recorded after ``clamped_burn_in``; unused without hidden
            units.  One suffices for a restricted machine: a sweep redraws each hidden unit from
            its exact conditional.
        clamped_burn_in: data-phase sweeps discarded (machines with hidden–hidden couplings).
        temperature: the temperature T of the Boltzmann machine, model units.
        persistent: continue the model-phase chains across updates (PCD); False: restart them from
            the data phase's states (CD-k).
        average: report the mean of the parameters over this many last epochs (Polyak averaging:
            it cancels the epoch-to-epoch sampling noise of the gradient); 0 = the last parameters.
        init_scale: standard deviation of the starting couplings (breaks the symmetry between
            hidden units; 0 starts them at zero).
        backend: the runtime backend.
    """

    epochs: int = 200
    learning_rate: float = 0.05
    optimizer: str = "adam"
    momentum: float = 0.9
    batch_size: int = 0
    num_reads: int = 64
    sweeps: int = 100
    thin: int = 2
    burn_in: int = 10
    clamped_sweeps: int = 1
    clamped_burn_in: int = 0
    temperature: float = 1.0
    persistent: bool = True
    average: int = 0
    init_scale: float = 0.0
    backend: str = "auto"

    def __post_init__(self):
        check_integers(self, ("epochs", "num_reads", "sweeps", "thin", "clamped_sweeps"), 1)
        check_integers(self, ("burn_in", "average", "batch_size", "clamped_burn_in"), 0)
        if self.burn_in >= self.sweeps:
            raise LearningError(f"burn_in ({self.burn_in}) must be below sweeps ({self.sweeps})")
        if self.clamped_burn_in >= self.clamped_sweeps:
            raise LearningError(f"clamped_burn_in ({self.clamped_burn_in}) must be below clamped_sweeps "
                                f"({self.clamped_sweeps})")
        for name in ("learning_rate", "temperature"):
            value = getattr(self, name)
            if isinstance(value, bool) or not (isinstance(value, (int, float)) and 0 < value < math.inf):
                raise LearningError(f"{name} must be a positive finite number, got {value!r}")
        if isinstance(self.init_scale, bool) or not (isinstance(self.init_scale, (int, float))
                                                     and 0 <= self.init_scale < math.inf):
            raise LearningError(f"init_scale must be a non-negative finite number, got {self.init_scale!r}")
        if not 0 <= self.momentum < 1:
            raise LearningError(f"momentum must be in [0, 1), got {self.momentum!r}")
        if self.optimizer not in OPTIMIZERS:
            raise LearningError(f"optimizer must be one of {OPTIMIZERS}, got {self.optimizer!r}")


@dataclass
class LearningState:
    """A training run's state, enough to resume it.

    Attributes:
        machine: the :class:`BoltzmannMachine` trained.
        h: (n,) fields, model units.
        J: (n, n) symmetric couplings with zero diagonal, model units (zero off the machine's edges).
        first, second: the optimizer's moment estimates of the gradient, packed as
            :meth:`BoltzmannMachine.pack` lays out; ``second`` unused by SGD.
        epoch: epochs done.
        updates: parameter updates done (Adam's step count).
        history: one dict per epoch (``epoch``; ``moment_error``: the largest |data − model| moment
            difference over T in the epoch's last update; ``seconds``: the epoch's wall time; and
            whatever the callback returned).
        chains: (num_reads, n) the persistent chains' last states (spins), or None.
        trail: packed parameters of the last ``average`` epochs, for Polyak averaging.
    """

    machine: BoltzmannMachine
    h: np.ndarray
    J: np.ndarray
    first: np.ndarray
    second: np.ndarray
    epoch: int = 0
    updates: int = 0
    history: list = field(default_factory=list)
    chains: np.ndarray | None = None
    trail: list = field(default_factory=list)

    @classmethod
    def start(cls, machine: BoltzmannMachine, data: np.ndarray | None = None, *, temperature: float = 1.0,
              init_scale: float = 0.0, seed: int = 0) -> "LearningState":
        """Fresh parameters: visible fields that reproduce the data's means on their own
        (``h = −T·artanh⟨s⟩``, means clipped to ±0.95) when ``data`` (S, k) is given, zero hidden
        fields, couplings ``N(0, init_scale²)`` on the machine's edges."""
        n, size = machine.num_units, machine.num_parameters
        h = np.zeros(n)
        if data is not None:
            mean = np.clip(np.asarray(data, dtype=np.float64).mean(axis=0), -FIELD_START_LIMIT, FIELD_START_LIMIT)
            h[machine.visible] = -temperature * np.arctanh(mean)
        weights = init_scale * np.random.default_rng(seed).standard_normal(len(machine.edges))
        h, J = machine.unpack(np.concatenate([h, weights]))
        return cls(machine, h, J, np.zeros(size), np.zeros(size))

    def model(self, average: bool = False) -> IsingModel:
        """The learned Ising model (the Polyak average of the trail when ``average``)."""
        h, J = self.machine.unpack(np.mean(self.trail, axis=0)) if average and self.trail else (self.h, self.J)
        return IsingModel(h, np.triu(J, 1))

    def save(self, path: str | Path) -> Path:
        """Write the state to ``path`` atomically (an ``.npz``; the previous file survives a failure)."""
        header = json.dumps({"format": STATE_FORMAT, "epoch": self.epoch, "updates": self.updates,
                             "history": self.history})
        size = self.machine.num_parameters
        arrays = {"h": self.h, "J": self.J, "first": self.first, "second": self.second,
                  "visible": self.machine.visible, "edges": self.machine.edges,
                  "trail": np.asarray(self.trail, dtype=np.float64).reshape(len(self.trail), size)}
        if self.chains is not None:
            arrays["chains"] = self.chains
        return atomic_write(path, lambda f: np.savez(f, header=np.array(header), **arrays))

    @classmethod
    def load(cls, path: str | Path) -> "LearningState":
        try:
            with np.load(path, allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
            header = json.loads(str(arrays["header"]))
            if header.get("format") != STATE_FORMAT:
                raise ValueError("no SONQ learning-state header")
            h, J = np.asarray(arrays["h"], float), np.asarray(arrays["J"], float)
            machine = BoltzmannMachine(h.shape[0] if h.ndim == 1 else 0, arrays["visible"], arrays["edges"])
            epoch, updates, history = int(header["epoch"]), int(header["updates"]), list(header["history"])
        except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
            raise LearningError(f"{path}: not a SONQ learning state ({exc})") from None
        n, size = machine.num_units, machine.num_parameters
        chains = arrays.get("chains")
        if (J.shape != (n, n) or arrays["first"].shape != (size,) or arrays["second"].shape != (size,)
                or arrays["trail"].ndim != 2 or arrays["trail"].shape[1] != size
                or (chains is not None and (chains.ndim != 2 or chains.shape[1] != n))
                or not all(np.all(np.isfinite(a)) for a in (h, J, arrays["first"], arrays["second"]))):
            raise LearningError(f"{path}: inconsistent learning state arrays")
        return cls(machine, h, J, arrays["first"], arrays["second"], epoch, updates, history,
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
              machine: BoltzmannMachine | None = None, seed: int = 0, state: LearningState | None = None,
              path: str | Path | None = None, callback=None, progress: bool | None = None) -> LearningResult:
    """Train a Boltzmann machine on ``data`` with the chip of ``program`` sampling both phases.

    Args:
        data: (S, k) spins ±1, one row per observation of the k visible units.
        program: a compiled spin program over the machine's n variables: the chip (device,
            placement, full scale ``program.scale``, DAC, mismatch) that samples.  Compile it with
            ``full_scale`` set to leave room for the parameters learning will reach.
        config: optimisation and sampling settings.
        machine: visible units and learnable couplings; default the state's, else fully visible
            over the program's variables.
        seed: seeds the batches, the chains and the chip's runs (each update its own stream).
        state: a saved state to resume from (:meth:`LearningState.load`).
        path: where to save the state after every epoch (atomically; checked before training).
        callback: called as ``callback(state)`` after every epoch; a dict it returns is added to
            the epoch's history entry (e.g. a test accuracy for the learning curve).
        progress: a tqdm bar over the epochs; default on when stderr is a terminal.

    Raises:
        LearningError: data that are not ±1 rows of the visible width; a state of another machine;
            a machine over other variables than the program's.
    """
    if machine is None:
        machine = state.machine if state is not None else BoltzmannMachine.fully_visible(program.num_variables)
    n, visible, hidden = machine.num_units, machine.visible, machine.hidden
    if n != program.num_variables:
        raise LearningError(f"the machine has {n} units, the program {program.num_variables} variables")
    data = _spins(data, len(visible))
    if state is None:
        state = LearningState.start(machine, data, temperature=config.temperature, init_scale=config.init_scale,
                                    seed=seed)
    elif not state.machine.same_as(machine):
        raise LearningError("the state was trained for another machine (units, visible units or edges differ)")
    if path is not None:
        path = check_output_path(path)
    batch = config.batch_size or len(data)
    program = _with_pattern(program, machine)
    chip = reprogram(program, state.model())
    bar = _progress_bar(progress, state.epoch, config.epochs)
    for epoch in range(state.epoch, config.epochs):
        start = time.perf_counter()
        order = np.random.default_rng([seed, epoch]).permutation(len(data))
        for first in range(0, len(data), batch):
            rows = data[order[first:first + batch]]
            t = state.updates + 1
            positive, clamped = _data_phase(chip, machine, rows, config, _seed(seed, t, 0))
            init = state.chains if config.persistent and state.chains is not None else \
                clamped[np.arange(config.num_reads) % len(clamped)]
            res = run(chip, config.backend, num_reads=config.num_reads, steps=config.sweeps,
                      temperature=config.temperature, seed=_seed(seed, t, 1), record_every=config.thin,
                      burn_in=config.burn_in, init=_nodes(chip, init))
            gradient = (positive - machine.statistics(res.samples)) / config.temperature  # of −log L
            theta = machine.pack(state.h, state.J) + _step(state, gradient, config, t)
            h, J = machine.unpack(theta)
            last = res.step == res.step.max()  # the chains' final states, in replica order
            state = replace(state, h=h, J=J, updates=t, chains=res.samples[last].astype(np.float64))
            chip = reprogram(program, state.model())
        entry = {"epoch": epoch + 1, "moment_error": float(np.abs(gradient).max()),
                 "seconds": time.perf_counter() - start}
        state = replace(state, epoch=epoch + 1,
                        trail=(state.trail + [theta])[-config.average:] if config.average else [])
        extra = callback(state) if callback is not None else None
        state.history = state.history + [{**entry, **(extra or {})}]
        if path is not None:
            state.save(path)
        if bar is not None:
            bar.update(1)
            bar.set_postfix({k: v for k, v in state.history[-1].items() if k != "epoch"}, refresh=False)
    if bar is not None:
        bar.close()
    model = state.model(average=config.average > 0)
    return LearningResult(model, reprogram(program, model), state)


def conditional_means(model: IsingModel, clamped: np.ndarray, free: np.ndarray,
                      temperature: float = 1.0) -> np.ndarray:
    """Exact ``⟨s_f⟩`` of the free units given the clamped ones, for free units not coupled to each
    other (a restricted machine's hidden layer given the visible one):
    ``⟨s_f⟩ = −tanh((h_f + Σ_c J_fc s_c)/T)``.

    Args:
        model: the Ising model (model units).
        clamped: (S, n) spins, one row per condition; the free columns are ignored.
        free: (f,) indices of the free units.
        temperature: T, model units.

    Returns:
        (S, f) conditional means.

    Raises:
        LearningError: free units coupled to each other (no product form).
    """
    J = np.triu(model.J.toarray(), 1)  # each pair once, however the model stores it
    J = J + J.T
    free = np.asarray(free, dtype=np.int64)
    if np.any(J[np.ix_(free, free)] != 0):
        raise LearningError("conditional_means needs free units that are not coupled to each other")
    s = np.asarray(clamped, dtype=np.float64).copy()
    s[:, free] = 0.0
    return -np.tanh((model.h[free] + s @ J[:, free]) / temperature)


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


def _data_phase(chip: Program, machine: BoltzmannMachine, rows: np.ndarray, config: LearningConfig,
                seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The data phase of one update: the packed statistics with ``rows`` (B, k) on the visible
    units, and (B, n) chain states that hold them (the CD-k starting points).  Hidden units are
    sampled on the chip with the rows clamped; a fully visible machine needs no sampling."""
    n, B = machine.num_units, len(rows)
    states = np.full((B, n), np.nan)
    states[:, machine.visible] = rows
    if not machine.hidden.size:
        return machine.statistics(states), states
    res = run(chip, config.backend, num_reads=B, steps=config.clamped_sweeps, temperature=config.temperature,
              seed=seed, record_every=1, burn_in=config.clamped_burn_in, clamp=states)
    last = res.step == res.step.max()
    return machine.statistics(res.samples), res.samples[last].astype(np.float64)


def _with_pattern(program: Program, machine: BoltzmannMachine) -> Program:
    """``program``'s chip programmed with every learnable coupling at full scale: its colouring
    is proper for every model the training programs, so :func:`reprogram` reuses it instead of
    colouring each update's couplings anew."""
    h, J = machine.unpack(np.concatenate([np.zeros(machine.num_units), np.full(len(machine.edges), program.scale)]))
    return reprogram(program, IsingModel(h, np.triu(J, 1)))


def _seed(seed: int, update: int, phase: int) -> int:
    """The chip-run seed of one phase of one update: an independent stream for each."""
    return int(np.random.SeedSequence([seed, update, phase]).generate_state(1)[0])


def _step(state: LearningState, gradient: np.ndarray, config: LearningConfig, t: int) -> np.ndarray:
    """The parameter change of update t; updates the optimizer moments in ``state`` in place."""
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


def _progress_bar(progress: bool | None, done: int, total: int):
    """A tqdm bar over the epochs (lazy import), or None when not asked for (default: stderr is a
    terminal)."""
    if progress is None:
        progress = sys.stderr.isatty()
    if not progress:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        raise ImportError("progress bars need tqdm: pip install tqdm (or pass progress=False)") from None
    return tqdm(total=total, initial=done, desc="epochs", unit="epoch")


def _spins(data, k: int) -> np.ndarray:
    arr = np.asarray(data)
    if arr.ndim != 2 or arr.shape[1] != k or arr.shape[0] < 1:
        raise LearningError(f"data must be (samples, {k}) spins, got shape {arr.shape}")
    if arr.dtype.kind not in "biuf" or not np.all(np.isin(arr, (-1, 1))):
        raise LearningError("data must hold spins −1 and +1 only")
    return arr.astype(np.int8)


def _nodes(program: Program, spins: np.ndarray) -> np.ndarray:
    """Chain states as node states of ``program``'s cell (its ``encode``)."""
    try:
        return program.cell.encode(program, spins, np.random.default_rng(0))
    except NotImplementedError as exc:
        raise LearningError(str(exc)) from None
