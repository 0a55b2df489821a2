"""Solving ``A x = b`` (1000×1000 SPD) by sampling: SONQ's Gaussian sampler, thermox and numpy.linalg.

Both samplers draw from the same distribution, ``N(A⁻¹b, T·A⁻¹)`` with ``T = ½`` — the stationary
law of thermox.linalg.solve's Ornstein–Uhlenbeck process ``dx = −A(x − μ)dt + dW`` — and estimate
``x = A⁻¹b`` by the sample mean; the target is a relative error ``‖x̂ − x‖/‖x‖ ≤ EPS``.
``numpy.linalg.solve`` (LAPACK LU, float64) is the exact baseline.

* ``A = Q diag(λ) Qᵀ`` with Q a seeded random orthogonal matrix and λ log-spaced on ``[1, KAPPA]``
  (condition number KAPPA); ``b = A x*`` with ``x* ~ N(0, I)``.
* SONQ: ``GaussianModel(A, b)`` compiled onto a 1000-cell all-to-all gauss device (gauss8's spec,
  ``cells = 1000``), ideal conductances (``quantize=False``; the 12-bit DAC row says why), C
  backend, ``REPLICAS`` replicas from x = 0, Heun at ``λ_max·dt = 1`` (the mean of a linear SDE
  is exact at any stable step; the covariance would not be), states recorded every
  ``RECORD_EVERY`` steps and pooled over replicas after ``BURN_IN`` steps.  Time to ε is the run's
  wall time pro rata to the first record from which the running mean stays within ε (the C loop's
  cost is linear in steps).
* thermox: ``thermox.linalg.solve(A, b, num_samples, dt=1, burnin=10, associative_scan=False)``;
  ``num_samples`` doubled from 250 until the error is ≤ ε, then that call is timed again warm
  (same key, so the same answer, without JIT compilation).  The associative scan is off: on
  this CPU it took 18 s at 2000 samples against 2 s for the sequential scan.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

import sdk
from benchmarks.instances import resized_device
from runtime.run import STABILITY, stable_dt

N, KAPPA, SEED = 1000, 100.0, 3
EPS = 1e-2
TEMPERATURE = 0.5
REPLICAS, STEPS, RECORD_EVERY, BURN_IN = 32, 6000, 25, 500


@dataclass(frozen=True)
class Row:
    method: str
    seconds: float  # wall seconds to reach EPS (nan: not reached / not run)
    error: float  # relative error of the answer the time refers to
    work: str
    chip_time: float | None = None
    note: str = ""


def system(n: int = N, kappa: float = KAPPA, seed: int = SEED) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Seeded SPD ``A`` with condition number ``kappa``, ``b = A x*`` and the reference ``x*``."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    A = (Q * np.logspace(0.0, np.log10(kappa), n)) @ Q.T
    A = 0.5 * (A + A.T)
    x = rng.standard_normal(n)
    return A, A @ x, x


def _rel(xh, x) -> float:
    return float(np.linalg.norm(np.asarray(xh, dtype=np.float64) - x) / np.linalg.norm(x))


def numpy_solve(A, b, x) -> Row:
    times = []
    for _ in range(5):
        start = time.perf_counter()
        xh = np.linalg.solve(A, b)
        times.append(time.perf_counter() - start)
    return Row("numpy.linalg.solve", min(times), _rel(xh, x), "LU, float64 (best of 5)", note="exact baseline")


def sonq_dac(A, b, x) -> Row:
    """What the 12-bit DAC of gauss8 does to the system: the programmed system's exact solution."""
    program = sdk.compile(sdk.GaussianModel(A, b), resized_device("gauss8", len(b)))
    Ap = (program.couplings.toarray() + np.diag(2 * program.poly[:, 0])) * program.scale
    bp = -program.fields * program.scale
    bias = _rel(np.linalg.solve(Ap, bp), x)
    r = program.report
    return Row("SONQ gauss, 12-bit DAC (gauss8 as specified)", float("nan"), bias, "not sampled",
               note=f"the programmed system's own solution is {bias:.1%} off ({len(r.clipped)} couplings "
                    f"clipped to g_min, {len(r.dropped)} dropped): ε = {EPS:g} is out of reach")


def sonq_gauss(A, b, x) -> Row:
    start = time.perf_counter()
    program = sdk.compile(sdk.GaussianModel(A, b), resized_device("gauss8", len(b)), quantize=False)
    dt = stable_dt(program) / STABILITY["gauss"]  # λ_max·dt = 1
    setup = time.perf_counter() - start
    res = sdk.run(program, "c", num_reads=REPLICAS, steps=STEPS, dt=dt, temperature=TEMPERATURE, seed=SEED,
                  record_every=RECORD_EVERY)
    traj = res.trajectory
    keep = traj.steps > BURN_IN
    states = traj.states[keep]  # (records, replicas, n)
    running = np.cumsum(states.sum(axis=1), axis=0) / (np.arange(1, len(states) + 1)[:, None] * REPLICAS)
    err = np.linalg.norm(running - x, axis=1) / np.linalg.norm(x)
    wall = res.info["wall_time"]
    above = np.flatnonzero(err > EPS)
    work = f"{REPLICAS} replicas, burn-in {BURN_IN} steps"
    if len(above) == len(err):
        return Row("SONQ gauss (c), ideal conductances", float("nan"), float(err[-1]), work + f", {STEPS} steps",
                   res.info["chip_time"], f"ε not reached in {STEPS} steps ({wall:.1f} s)")
    k = int(above[-1]) + 1 if len(above) else 0
    step = int(traj.steps[keep][k])
    return Row("SONQ gauss (c), ideal conductances", wall * step / res.info["steps"], float(err[k]),
               work + f", {step} steps", float(traj.times[keep][k]) + program.physics.readout_time,
               f"run went on to {STEPS} steps ({wall:.1f} s, final error {err[-1]:.2g}); compile {setup:.1f} s "
               f"not counted")


def thermox_solve(A, b, x) -> Row:
    import jax
    import jax.numpy as jnp
    import thermox

    Aj, bj = jnp.asarray(A), jnp.asarray(b)
    key = jax.random.PRNGKey(SEED)

    def solve(num_samples):
        return np.asarray(thermox.linalg.solve(Aj, bj, num_samples=num_samples, dt=1.0, burnin=10, key=key,
                                               associative_scan=False))

    num_samples, tried = 250, []
    while True:
        error = _rel(solve(num_samples), x)
        tried.append(f"{num_samples}: {error:.2g}")
        if error <= EPS or num_samples >= 64000:
            break
        num_samples *= 2
    start = time.perf_counter()
    xh = solve(num_samples)
    seconds = time.perf_counter() - start
    return Row("thermox.linalg.solve", seconds if error <= EPS else float("nan"), _rel(xh, x),
               f"{num_samples} samples, dt = 1, {Aj.dtype}",
               note="exact OU transitions via A's eigendecomposition (it calls jnp.linalg.solve for the mean "
                    f"itself); error by samples {', '.join(tried)}")


def run(log=print) -> list[Row]:
    A, b, x = system()
    rows = []
    for fn in (numpy_solve, thermox_solve, sonq_gauss, sonq_dac):
        try:
            row = fn(A, b, x)
        except Exception as exc:  # noqa: BLE001 - a failing peer is reported in the table
            row = Row(fn.__name__, float("nan"), float("nan"), "–", note=f"{type(exc).__name__}: {str(exc)[:80]}")
        rows.append(row)
        log(f"  {row.method:44s} {row.seconds:8.3g} s  error {row.error:.2g}  {row.work}")
    return rows


def table(rows: list[Row]) -> list[str]:
    lines = ["| method | wall s to ε | relative error | work | chip time | note |", "|---|---|---|---|---|---|"]
    for r in rows:
        secs = "–" if np.isnan(r.seconds) else f"{r.seconds:.3g}"
        chip = "–" if r.chip_time is None else f"{r.chip_time * 1e6:.2f} µs"
        err = "–" if np.isnan(r.error) else f"{r.error:.2g}"
        lines.append(f"| {r.method} | {secs} | {err} | {r.work} | {chip} | {r.note} |")
    return lines
