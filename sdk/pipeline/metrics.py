"""The pipeline's figures of merit, as plain data (the metrics JSON and ``sonq analyze``).

* compression ratio: cells per stored QTT number (> 1 compresses), averaged over replicas;
* reconstruction loss: MSE ``⟨(x − x̂)²⟩`` over replicas and cells;
* effective TT rank: the uniform bond rank holding as many numbers
  (:func:`~sdk.pipeline.compression.effective_rank`);
* energy oscillation amplitude: ``⟨‖x_{t+1} − x_t‖²⟩`` between successive reads (t: update),
  averaged over replicas and the updates after burn-in;
* posterior checks: the sample mean against the sparse direct solve (relative L2 error, and the
  RMS over cells of ``z = (m̂ − μ)/se`` with ``se`` from batch means; ≈ 1 for a correct sampler and
  a projection that does not bias the mean).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from sdk.pipeline.compression import Compressed, compress, effective_rank


def compression_metrics(comp: Compressed, modes: tuple[int, ...]) -> dict:
    """Compression ratio, MSE, effective and largest ranks of one compression of R states."""
    return {"compression_ratio": comp.compression_ratio, "reconstruction_mse": comp.mse,
            "effective_rank": float(np.mean([effective_rank(modes, p) for p in comp.parameters])),
            "largest_rank": int(comp.ranks.max()), "stored_numbers": float(np.mean(comp.parameters)),
            "relative_error": float(np.mean(comp.errors / np.maximum(comp.norms, np.finfo(float).tiny))),
            "bound_holds": bool(np.all(comp.errors <= comp.bounds + 1e-10 * comp.norms))}


def state_metrics(states: np.ndarray, modes: tuple[int, ...], eps: float, max_rank: int) -> dict:
    """:func:`compression_metrics` of ``states`` (R, n) compressed with ``eps`` and ``max_rank``."""
    return compression_metrics(compress(states, modes, eps, max_rank), modes)


def oscillation_amplitude(oscillation: np.ndarray, burn_in: int) -> float:
    """``⟨‖x_{t+1} − x_t‖²⟩`` over the updates after ``burn_in`` (the series is per update)."""
    return float(np.mean(oscillation[burn_in:]))


def summary(result) -> dict:
    """Everything the metrics JSON holds about a :class:`~sdk.pipeline.loop.PipelineResult`."""
    post = result.posterior
    cfg = result.config
    n = post.program.num_nodes
    z = (result.mean - post.exact_mean) / np.maximum(result.standard_error, np.finfo(float).tiny)
    return {
        "config": cfg.to_dict(),
        "device": post.device.name, "rows": post.shape[0], "cols": post.shape[1], "modes": list(post.modes),
        "prior": {"mass": post.prior.mass, "coupling": post.prior.coupling, "noise_sigma": post.prior.noise_sigma},
        "run": {"replicas": result.replicas, "updates": result.updates, "burn_in_updates": result.burn_in,
                "steps": int(result.steps[-1]), "dt_device_units": cfg.network.time_constant,
                "seed": result.seed, "wall_time_s": result.wall_time, "chip_time_s": result.chip_time,
                "time_unit_s": post.program.physics.time_unit, "model_scale": post.program.scale,
                "variables": n},
        "compression": compression_metrics(result.compressed, post.modes),
        "energy_oscillation": oscillation_amplitude(result.oscillation, result.burn_in),
        "energy_oscillation_per_cell": oscillation_amplitude(result.oscillation, result.burn_in) / n,
        "reinjection_jump": float(np.mean(result.injection[result.burn_in:])),
        "tt_bound_holds_every_update": bool(np.all(result.bound_excess <= 1e-10)),
        "posterior": {
            "mean_relative_error": _relative(result.mean, post.exact_mean),
            "mean_rms_z": float(np.sqrt(np.mean(z**2))),
            "median_effective_samples": float(np.median(result.variance / np.maximum(
                result.standard_error**2, np.finfo(float).tiny))),
            "mean_variance": float(np.mean(result.variance)),
            "quantization_mean_shift": _relative(post.exact_mean, _model_mean(post)),
            "denoising_mse_observation": float(np.mean((post.observation - post.field) ** 2)),
            "denoising_mse_posterior_mean": float(np.mean((result.mean.reshape(post.shape) - post.field) ** 2)),
        },
    }


def _model_mean(post) -> np.ndarray:
    """The exact posterior mean of the unquantized model (A⁻¹b of the compiled GaussianModel)."""
    ir = post.program.model
    return spla.spsolve((ir.J + sp.diags(2.0 * ir.poly[:, 0])).tocsc(), -ir.h)


def _relative(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), np.finfo(float).tiny))


def describe(compression: dict, qttn: dict, *, oscillation: float | None = None, cells: int | None = None,
             posterior: dict | None = None) -> str:
    """The metrics as aligned lines for the terminal (``sonq pipeline`` and ``sonq analyze``).

    Args:
        compression: :func:`compression_metrics`; qttn: the config's ``qttn`` section.
        oscillation: ``⟨‖x_{t+1} − x_t‖²⟩`` when a trajectory is known; cells: cells per field.
        posterior: the metrics JSON's ``posterior`` section when known.
    """
    c = compression
    lines = [f"compression ratio          {c['compression_ratio']:.4g}  ({c['stored_numbers']:.0f} stored numbers "
             f"per field; QTT rank ≤ {qttn['rank_truncation']}, tolerance {qttn['svd_tolerance']:g})",
             f"reconstruction loss (MSE)  {c['reconstruction_mse']:.4g}  (relative error {c['relative_error']:.3g}; "
             f"TT-SVD error bound {'holds' if c['bound_holds'] else 'VIOLATED'})",
             f"effective TT rank          {c['effective_rank']:.3g}  (largest bond rank {c['largest_rank']})"]
    if oscillation is not None:
        per_cell = f"  ({oscillation / cells:.4g} per cell)" if cells else ""
        lines.append(f"energy oscillation         ⟨‖x_(t+1) − x_t‖²⟩ = {oscillation:.4g}{per_cell}")
    if posterior is not None:
        lines.append(f"posterior mean             relative error {posterior['mean_relative_error']:.3g} against the "
                     f"sparse direct solve; RMS z {posterior['mean_rms_z']:.3g} (≈ 1 when unbiased)")
        lines.append(f"denoising (MSE to field)   observation {posterior['denoising_mse_observation']:.4g}, "
                     f"posterior mean {posterior['denoising_mse_posterior_mean']:.4g}")
    return "\n".join(lines)
