"""Analysis helpers: success probability and TTS, exact references, distribution distances."""

from __future__ import annotations

import itertools
import math
import numbers

import numpy as np

from compiler.models.base import AbstractEnergyModel
from sdk.errors import AnalysisError

MAX_ENUMERATION = 24  # 2^24 states is the most exact_boltzmann will enumerate


def wilson_interval(successes: int, trials: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion (95% for z = 1.96)."""
    if trials == 0:
        return (0.0, 1.0)
    p = successes / trials
    denom = 1 + z**2 / trials
    centre = (p + z**2 / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z**2 / (4 * trials**2)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def success_probability(result, target: float, rtol: float = 1e-9, atol: float = 1e-9) -> tuple[float, tuple[float, float]]:
    """Fraction of samples with energy ≤ ``target`` (within tolerance) and its Wilson interval.

    Raises:
        AnalysisError: a target that is not a finite number, or no energies.
    """
    _finite("target", target)
    energies = np.asarray(result.energies if hasattr(result, "energies") else result)
    if energies.ndim != 1 or energies.size == 0 or energies.dtype.kind not in "iuf":
        raise AnalysisError(f"need a non-empty 1-D array of energies, got shape {energies.shape}")
    hits = int(np.sum(energies <= target + atol + rtol * abs(target)))
    return hits / len(energies), wilson_interval(hits, len(energies))


def tts99(run_time: float, p_success: float, target: float = 0.99) -> float:
    """Time to solution at confidence ``target``: ``t·ln(1−0.99)/ln(1−p)`` (``t`` once p ≥ 0.99;
    infinite when p = 0).  Count annealing and readout time in ``run_time``.

    Raises:
        AnalysisError: ``p_success`` or ``target`` outside [0, 1] (target in (0, 1)), or a run
            time that is not a non-negative finite number.
    """
    return _to_solution("run_time", run_time, p_success, target)


def ets99(run_energy: float, p_success: float, target: float = 0.99) -> float:
    """Energy to solution at confidence ``target``: ``E_run·ln(1−0.99)/ln(1−p)`` (``E_run`` once
    p ≥ 0.99; infinite when p = 0), with ``E_run`` the joules of one run, readout included
    (``SampleSet.info["chip_energy"]``, per read).

    Raises:
        AnalysisError: ``p_success`` or ``target`` outside [0, 1] (target in (0, 1)), or an
            energy that is not a non-negative finite number.
    """
    return _to_solution("run_energy", run_energy, p_success, target)


def _to_solution(name: str, cost: float, p_success: float, target: float) -> float:
    """``cost·ln(1−target)/ln(1−p)``: the cost of enough independent runs to succeed once with
    probability ``target`` (``cost`` once p ≥ target, infinite at p = 0)."""
    _finite(name, cost)
    _finite("p_success", p_success)
    _finite("target", target)
    if cost < 0 or not 0 <= p_success <= 1 or not 0 < target < 1:
        raise AnalysisError(f"need {name} ≥ 0, 0 ≤ p_success ≤ 1 and 0 < target < 1; got {cost!r}, "
                            f"{p_success!r}, {target!r}")
    if p_success <= 0:
        return math.inf
    if p_success >= target:
        return cost
    return cost * math.log(1 - target) / math.log(1 - p_success)


def _finite(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise AnalysisError(f"{name} must be a finite number, got {value!r}")


def _all_states(n: int, vartype: str) -> np.ndarray:
    if n > MAX_ENUMERATION:
        raise AnalysisError(f"enumerating 2^{n} states is too many (limit 2^{MAX_ENUMERATION})")
    states = np.array(list(itertools.product((-1, 1), repeat=n)), dtype=np.int8)
    return ((states + 1) // 2).astype(np.int8) if vartype == "BINARY" else states


def ground_state_bruteforce(model: AbstractEnergyModel) -> tuple[np.ndarray, float]:
    """Exact ground state and energy of a discrete model by enumeration (n ≤ 24)."""
    ir = model.to_ir()
    states = _all_states(ir.n, ir.vartype)
    energies = model.energy(states)
    k = int(np.argmin(energies))
    return states[k], float(energies[k])


def exact_boltzmann(model: AbstractEnergyModel, temperature: float) -> tuple[np.ndarray, np.ndarray]:
    """All states (2^n, n) in lexicographic order (−1 < +1) and their Boltzmann probabilities
    ``exp(−E/T)/Z`` at temperature T (model energy units)."""
    ir = model.to_ir()
    states = _all_states(ir.n, ir.vartype)
    e = model.energy(states)
    w = np.exp(-(e - e.min()) / temperature)
    return states, w / w.sum()


def empirical_distribution(samples: np.ndarray, vartype: str = "SPIN") -> np.ndarray:
    """Frequencies of all 2^n states of discrete samples (m, n), in :func:`exact_boltzmann` order."""
    samples = np.asarray(samples)
    bits = samples > 0 if vartype == "SPIN" else samples.astype(bool)
    n = bits.shape[1]
    index = bits.astype(np.int64) @ (1 << np.arange(n - 1, -1, -1))
    return np.bincount(index, minlength=2**n) / len(index)


def total_variation(p: np.ndarray, q: np.ndarray) -> float:
    """Total-variation distance ½ Σ |p − q| between two distributions on the same support."""
    return 0.5 * float(np.abs(np.asarray(p) - np.asarray(q)).sum())


def tv_tolerance(p: np.ndarray, num_samples: float, sigmas: float = 4.0) -> float:
    """A bound on the total-variation distance between ``p`` and an empirical distribution of
    ``num_samples`` independent draws from it: the mean ``½ Σ √(p(1−p)/n)`` (Jensen's bound
    on E|p̂ − p|) plus ``sigmas`` times the TV's standard deviation, which is at most ``½√(1/n)``
    by the bounded-differences (McDiarmid) inequality.  Use the *effective* sample count for
    correlated chains."""
    p = np.asarray(p, dtype=np.float64)
    mean = 0.5 * float(np.sum(np.sqrt(p * (1 - p) / num_samples)))
    return mean + sigmas * 0.5 / math.sqrt(num_samples)


def covariance_error(samples: np.ndarray, expected: np.ndarray) -> float:
    """Relative Frobenius error ‖Σ̂ − Σ‖/‖Σ‖ of the sample covariance of (m, n) samples."""
    cov = np.cov(np.asarray(samples, dtype=np.float64), rowvar=False)
    return float(np.linalg.norm(cov - expected) / np.linalg.norm(expected))


def integrated_autocorrelation_time(series: np.ndarray, window_factor: float = 5.0) -> float:
    """Integrated autocorrelation time ``τ = 1 + 2 Σ_{t≥1} ρ(t)`` of R parallel chains.

    Args:
        series: (S,) or (S, R) array, S successive records of R independent chains of one
            observable.
        window_factor: Sokal's automatic window: the sum stops at the first lag W ≥ factor·τ(W).

    Returns:
        τ in records (≥ 1).  The autocovariance is pooled over chains around the grand mean, so
        chains stuck in different states count as correlated.  If the window never closes, τ is
        returned as S: the chains are too short to resolve it, and ``n_eff = R`` (one sample per
        chain) is the honest count.
    """
    y = np.asarray(series, dtype=np.float64)
    y = y.reshape(len(y), -1)
    if y.shape[0] < 2:
        raise ValueError(f"series needs at least 2 records, got shape {y.shape}")
    y = y - y.mean()
    S = y.shape[0]
    f = np.fft.rfft(y, n=2 * S, axis=0)
    acov = np.fft.irfft(f * np.conj(f), axis=0)[:S].sum(axis=1) / (S - np.arange(S)) / y.shape[1]
    if acov[0] <= 0:
        return 1.0
    tau = 2 * np.cumsum(acov / acov[0]) - 1
    closed = np.arange(S) >= window_factor * tau
    closed[0] = False
    return float(max(tau[np.argmax(closed)], 1.0)) if closed.any() else float(S)


def indicator_autocorrelation_time(states: np.ndarray, num_chains: int, cardinalities) -> float:
    """Largest τ over the indicators ``[z_v = a]`` of discrete chain records.

    Args:
        states: (S·R, N) integer states in record-major order (record t of chain r at row
            ``t·R + r``, as ``run(..., burn_in=…)`` pools them); −1 marks invalid entries, which
            count as their own outcome.
        num_chains: R.
        cardinalities: (N,) number of states of each variable.
    """
    z = np.asarray(states)
    if z.ndim != 2 or z.shape[0] % num_chains:
        raise ValueError(f"states must have shape (S·{num_chains}, N), got {z.shape}")
    z = z.reshape(-1, num_chains, z.shape[1])
    return max(integrated_autocorrelation_time(z[:, :, v] == a)
               for v, q in enumerate(cardinalities) for a in range(q))


def effective_sample_size(series: np.ndarray) -> float:
    """Independent-sample equivalent of a (S, R) series: ``S·R/τ``."""
    x = np.asarray(series)
    return x.size / integrated_autocorrelation_time(x)
