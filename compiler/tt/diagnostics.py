"""Chain diagnostics for judging sampled sequences against exact TT marginals.

Samples recorded from R parallel Markov chains are correlated along each chain; the effective
sample count ``n_eff = R·S/τ`` (S records per chain, τ the integrated autocorrelation time in
records) is what a sampling tolerance such as ``sdk.analysis.tv_tolerance`` needs.
"""

from __future__ import annotations

import numpy as np

from device_models.errors import ModelError


def integrated_autocorrelation_time(series, window_factor: float = 5.0) -> float:
    """Integrated autocorrelation time ``τ = 1 + 2 Σ_{t≥1} ρ(t)`` of R parallel chains.

    Args:
        series: (S, R) array, S successive records of R independent chains of one observable.
        window_factor: Sokal's automatic window: the sum stops at the first lag W ≥ factor·τ(W).

    Returns:
        τ in units of records (≥ 1).  The autocovariance is pooled over chains around the grand
        mean.  If the window never closes, τ is returned as S: the chains are too short to
        resolve it, and ``n_eff = R`` (one sample per chain) is the honest count.
    """
    y = np.asarray(series, dtype=np.float64)
    if y.ndim != 2 or y.shape[0] < 2:
        raise ModelError(f"series must have shape (S ≥ 2, R), got {y.shape}")
    y = y - y.mean()
    var = float(np.mean(y * y))
    s = y.shape[0]
    if var == 0:
        return 1.0
    tau = 1.0
    for lag in range(1, s):
        tau += 2 * float(np.mean(y[:-lag] * y[lag:])) / var
        if lag >= window_factor * tau:
            return max(tau, 1.0)
    return float(s)


def indicator_autocorrelation_time(states, num_chains: int, cardinalities) -> float:
    """Largest τ over the indicators ``[z_v = a]`` of decoded chain records.

    Args:
        states: (S·R, N) integer states in record-major order (record t of chain r at row
            ``t·R + r``, as ``sdk.run(..., burn_in=…)`` pools them); −1 marks invalid entries,
            which count as their own outcome.
        num_chains: R.
        cardinalities: (N,) number of states of each variable.
    """
    z = np.asarray(states)
    if z.ndim != 2 or z.shape[0] % num_chains:
        raise ModelError(f"states must have shape (S·{num_chains}, N), got {z.shape}")
    z = z.reshape(-1, num_chains, z.shape[1])
    return max(integrated_autocorrelation_time(z[:, :, v] == a)
               for v, q in enumerate(cardinalities) for a in range(q))
