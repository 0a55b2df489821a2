"""Learning on the chip: training runs whose model phase is sampled by the chip itself.

* :mod:`sdk.learn.boltzmann` — Boltzmann machine learning (inverse Ising) in the loop with a spin
  chip: :func:`fit_ising`, persistent or CD-k chains, SGD with momentum or Adam, resumable state.
* :mod:`sdk.learn.hebbian` — associative memory on the OIM: outer-product, Storkey and
  decay-and-reinforce (Quantum Flux) rules, retrieval from corrupted cues by the chip's dynamics.
* :mod:`sdk.learn.gaussian` — moment matching on the Gaussian chip: the precision that makes the
  chip's own samples reproduce the data's mean and covariance.

Results and measurements: ``docs/learning.md``.
"""

from sdk.learn import gaussian, hebbian
from sdk.errors import LearningError
from sdk.learn.boltzmann import (LearningConfig, LearningResult, LearningState, chip_model, fit_ising, kl_divergence,
                                 moments)

__all__ = ["hebbian", "gaussian", "fit_ising", "LearningConfig", "LearningState", "LearningResult", "LearningError", "chip_model",
           "kl_divergence", "moments"]
