"""Learning on the chip: training runs whose phases are sampled by the chip itself.

* :mod:`sdk.learn.boltzmann` — Boltzmann machine learning in the loop with a spin chip:
  :func:`fit_ising` over a :class:`BoltzmannMachine` (fully visible, or with hidden units whose
  data phase is sampled with the data clamped), persistent or CD-k chains, SGD with momentum or
  Adam, batches, resumable state, a progress bar.
* :mod:`sdk.learn.labelled` — a restricted machine with label units: classification (labels
  sampled with the input clamped) and generation (inputs sampled with a label clamped).
* :mod:`sdk.learn.digits` — scikit-learn's bundled 8×8 digits, binarised and split.
* :mod:`sdk.learn.hebbian` — associative memory on the OIM: outer-product, Storkey and
  decay-and-reinforce (Quantum Flux) rules, retrieval from corrupted cues by the chip's dynamics.
* :mod:`sdk.learn.gaussian` — moment matching on the Gaussian chip: the precision that makes the
  chip's own samples reproduce the data's mean and covariance.

Results and measurements: ``docs/learning.md``.
"""

from sdk.errors import LearningError
from sdk.learn import digits, gaussian, hebbian, labelled
from sdk.learn.boltzmann import (BoltzmannMachine, LearningConfig, LearningResult, LearningState, chip_model,
                                 conditional_means, fit_ising, kl_divergence, moments)
from sdk.learn.labelled import Classification, LabelledMachine, classify, generate

__all__ = ["hebbian", "gaussian", "digits", "labelled", "fit_ising", "BoltzmannMachine", "LearningConfig",
           "LearningState", "LearningResult", "LearningError", "chip_model", "conditional_means", "kl_divergence",
           "moments", "LabelledMachine", "Classification", "classify", "generate"]
