"""Langevin learning dynamics on the chip: polynomial losses, runs, observables, exact references.

``dθ = −∇L dt + √(2D dt) ξ`` in model time (``docs/langevin_dynamics.md``)::

    from sdk import dynamics
    loss = dynamics.double_well()
    est = dynamics.mean_first_passage(loss, 0.25, time=2000.0, dt=0.01, backend="c")
    print(est.pooled.mean, dynamics.exact_mfpt(loss.node_polynomial(0), -1, 1, 0.25))
"""

from sdk.dynamics.escape import EscapeEstimate, PassageCounter, Passages, mean_first_passage
from sdk.dynamics.exact import (exact_mfpt, gaussian_kl, heun_ou_moments, kramers_mfpt, ou_moments,
                                stationary_consolidation)
from sdk.dynamics.observables import KLCurve, consolidation_ratio, exponential_rate, kl_curve, ou_consolidation
from sdk.dynamics.losses import PolynomialLoss, double_well, separable_quadratic
from sdk.dynamics.simulate import LangevinPath, compile_loss, langevin_chip, segments, simulate

__all__ = ["PolynomialLoss", "double_well", "separable_quadratic", "langevin_chip", "compile_loss", "simulate",
           "segments", "LangevinPath", "mean_first_passage", "EscapeEstimate", "Passages", "PassageCounter",
           "exact_mfpt", "kramers_mfpt", "ou_moments", "heun_ou_moments", "gaussian_kl",
           "stationary_consolidation", "consolidation_ratio", "ou_consolidation", "kl_curve", "KLCurve",
           "exponential_rate"]
