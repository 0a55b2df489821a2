"""The SON–QTTN loop: the chip samples the posterior, its state is QTT-compressed every
``update_frequency`` steps and the reconstruction is loaded back into the array as the next
initial state.

One update is one :func:`runtime.run.run` call of ``update_frequency`` steps of dt =
``time_constant`` (device time units), temperature 1 in model units (the posterior), started from
the re-injected states (``init=``), each with its own seed.  The state read at the end of the call
is a sample; it is then compressed (:func:`sdk.pipeline.compression.compress`) and the
reconstruction x̂ becomes the next call's initial node voltages: re-injection is a reset of every
cell's capacitor to x̂, the same operation as programming an initial state.

What re-injection does to the law: the map x ↦ x̂ is a projection onto fields of QTT rank
≤ ``rank_truncation`` (an orthogonal truncation at every bond, so ‖x̂‖ ≤ ‖x‖).  The combined chain
(f Langevin steps, then projection) is still a Markov chain, but its stationary law is *not* the
posterior: variance removed by the projection is refilled by the dynamics only at each mode's
relaxation rate, so the recorded samples have too little variance in every mode the projection
touches, by an amount that shrinks as ``update_frequency·dt`` grows against the mode's relaxation
time and vanishes when the cap does not bind.  Because truncation is nonlinear, the mean can move
too.  ``docs/pipeline.md`` gives the measured bias against the exact covariance.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass

import numpy as np

from runtime.run import run
from sdk.pipeline.compression import Compressed, compress
from sdk.pipeline.config import PipelineConfig
from sdk.pipeline.errors import PipelineError
from sdk.pipeline.posterior import FieldPosterior

BATCHES = 10  # batch means per replica for the posterior mean's standard error


@dataclass(frozen=True, eq=False)
class PipelineResult:
    """What one pipeline run measured (U updates of R replicas on n = rows·cols cells).

    Attributes:
        config, posterior: the run's configuration and the programmed posterior.
        replicas, updates, burn_in, seed: run settings (``burn_in`` in updates).
        steps: (U,) emulator steps done at each update.
        final_states: (R, n) the states read at the last update (before its compression).
        compressed: the last update's compression.
        oscillation: (U,) ⟨‖x_{t+1} − x_t‖²⟩ over replicas between successive reads (t: update;
            the first entry against the initial state).
        injection: (U,) ⟨‖x − x̂‖²⟩ over replicas: the jump re-injection makes.
        relative_error: (U,) ⟨‖x − x̂‖/‖x‖⟩; bound_excess: (U,) max over replicas of
            (error − TT-SVD bound)/‖x‖ (≤ 0 up to rounding, ~1e-15, when the bound holds).
        ranks: (U, d+1) largest rank per bond over replicas; parameters: (U,) mean stored numbers.
        mean: (n,) sample mean of the reads after burn-in; variance: (n,) their variance.
        standard_error: (n,) the mean's standard error from batch means (BATCHES per replica).
        samples: (U − burn_in, R, n) the reads after burn-in when asked for, else None.
        wall_time: seconds; chip_time: seconds of emulated chip time per replica.
    """

    config: PipelineConfig
    posterior: FieldPosterior
    replicas: int
    updates: int
    burn_in: int
    seed: int
    steps: np.ndarray
    final_states: np.ndarray
    compressed: Compressed
    oscillation: np.ndarray
    injection: np.ndarray
    relative_error: np.ndarray
    bound_excess: np.ndarray
    ranks: np.ndarray
    parameters: np.ndarray
    mean: np.ndarray
    variance: np.ndarray
    standard_error: np.ndarray
    samples: np.ndarray | None
    wall_time: float
    chip_time: float


def run_pipeline(config: PipelineConfig, posterior: FieldPosterior, *, replicas: int = 8, updates: int = 200,
                 burn_in: int = 40, seed: int = 0, keep_samples: bool = False, progress: bool = False,
                 init: np.ndarray | None = None) -> PipelineResult:
    """Sample ``posterior`` on its chip with periodic QTT compression and re-injection.

    Args:
        config: backend, precision, dt (``network.time_constant``) and the QTT settings.
        posterior: from :func:`sdk.pipeline.posterior.build_posterior`.
        replicas: independent chains R ≥ 1.
        updates: compress/re-inject cycles U; the run is ``U·update_frequency`` steps.
        burn_in: updates before reads count as samples (0 ≤ burn_in ≤ U − 2·BATCHES).
        seed: seeds every call (each update its own seed from ``SeedSequence(seed)``).
        keep_samples: return every read after burn-in (memory U·R·n·8 bytes).
        progress: show a progress bar (tqdm, on stderr).
        init: (R, n) initial states (default: the cell's, zeros).

    Raises:
        PipelineError: settings out of range; RunError from the runtime.
    """
    for name, value, low in (("replicas", replicas, 1), ("updates", updates, 1), ("burn_in", burn_in, 0),
                             ("seed", seed, 0)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise PipelineError(f"{name} must be an integer ≥ {low}, got {value!r}")
    if updates - burn_in < 2 * BATCHES:
        raise PipelineError(f"updates − burn_in must be ≥ {2 * BATCHES} (batch means), got {updates} updates "
                            f"and burn_in {burn_in}")
    program, q = posterior.program, config.qttn
    n = program.num_nodes
    state = np.zeros((replicas, n)) if init is None else np.asarray(init, dtype=np.float64)
    seeds = np.random.SeedSequence(seed).generate_state(updates)
    series = {k: np.zeros(updates) for k in ("oscillation", "injection", "relative_error", "bound_excess",
                                             "parameters")}
    ranks = np.zeros((updates, len(posterior.modes) + 1), dtype=np.int64)
    batch_sums = np.zeros((BATCHES, replicas, n))
    batch_counts = np.zeros(BATCHES)
    kept = [] if keep_samples else None
    moments = np.zeros((2, n))
    previous, chip_time, start = state, 0.0, time.perf_counter()
    bar = _progress(updates, progress)
    with _single_threaded_blas():
        for u in range(updates):
            res = run(program, config.backend, num_reads=replicas, steps=q.update_frequency,
                      dt=config.network.time_constant, temperature=1.0, seed=int(seeds[u]), init=state,
                      backend_options=config.backend_options)
            x = res.samples
            chip_time += res.info["chip_time"]
            comp = compress(x, posterior.modes, q.svd_tolerance, q.rank_truncation)
            series["oscillation"][u] = np.mean(np.sum((x - previous) ** 2, axis=1))
            series["injection"][u] = np.mean(comp.errors**2)
            series["relative_error"][u] = np.mean(comp.errors / np.maximum(comp.norms, np.finfo(float).tiny))
            series["bound_excess"][u] = np.max((comp.errors - comp.bounds) / np.maximum(comp.norms, np.finfo(float).tiny))
            series["parameters"][u] = np.mean(comp.parameters)
            ranks[u] = comp.ranks.max(axis=0)
            if u >= burn_in:
                batch = (u - burn_in) * BATCHES // (updates - burn_in)
                batch_sums[batch] += x
                batch_counts[batch] += 1
                moments += (x.sum(axis=0), (x**2).sum(axis=0))
                if kept is not None:
                    kept.append(x.copy())
            previous, state = x, comp.states
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()
    count = (updates - burn_in) * replicas
    mean = moments[0] / count
    batch_means = (batch_sums / batch_counts[:, None, None]).reshape(-1, n)
    standard_error = batch_means.std(axis=0, ddof=1) / np.sqrt(len(batch_means))
    return PipelineResult(
        config, posterior, replicas, updates, burn_in, seed, q.update_frequency * np.arange(1, updates + 1),
        x, comp, series["oscillation"], series["injection"], series["relative_error"], series["bound_excess"],
        ranks, series["parameters"], mean, moments[1] / count - mean**2, standard_error,
        None if kept is None else np.array(kept), time.perf_counter() - start, chip_time)


def _single_threaded_blas():
    """One BLAS thread while the loop runs, when threadpoolctl is installed (it comes with
    scikit-learn): the TT-SVDs are many small SVDs, and two OpenBLAS threads beside the emulator's
    own threads made them 5× slower in CPU time on a 2-core machine (measured: 40 updates of
    toroidal_8k × 8 replicas, 22.9 s CPU against 4.4 s)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _progress(total: int, shown: bool):
    """A tqdm bar over the updates when ``shown`` (tqdm imported only then)."""
    if not shown:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc="SON–QTTN updates", unit="update", leave=False)
