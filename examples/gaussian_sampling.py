"""Sample a Gaussian N(A⁻¹b, T·A⁻¹) on the emulated 8-cell sampler chip ``gauss8``.

``GaussianModel(A, b)`` has energy ``E(x) = ½xᵀAx − bᵀx``; its Boltzmann distribution at
temperature T (model energy units) is Gaussian with mean A⁻¹b and covariance T·A⁻¹.  The chip
relaxes its node voltages under injected noise; states recorded after a burn-in are the samples.

    python examples/gaussian_sampling.py

``SONQ_EXAMPLE_QUICK=1`` uses fewer replicas and steps.
"""

import os

import numpy as np

import sdk

QUICK = os.environ.get("SONQ_EXAMPLE_QUICK") == "1"
TEMPERATURE = 0.5  # model energy units

rng = np.random.default_rng(0)
X = rng.normal(size=(8, 8))
A = X @ X.T / 8 + np.eye(8)  # symmetric positive definite, condition number ≈ 20
b = rng.normal(size=8)
model = sdk.GaussianModel(A, b)
program = sdk.compile(model, "gauss8")
print(program.report)

result = sdk.run(program, num_reads=16 if QUICK else 64, steps=2000 if QUICK else 8000,
                 temperature=TEMPERATURE, seed=1, record_every=10, burn_in=1000)
samples = result.samples
mean_error = np.linalg.norm(samples.mean(axis=0) - model.mean()) / np.linalg.norm(model.mean())
cov_error = sdk.covariance_error(samples, model.covariance(TEMPERATURE))
print(f"{len(samples)} samples (recorded every 10 steps after 1000, pooled over replicas), "
      f"backend {result.info['backend']}, wall {result.info['wall_time']:.2f} s")
print(f"mean:       relative error ‖x̄ − A⁻¹b‖/‖A⁻¹b‖ = {mean_error:.3f}")
print(f"covariance: relative Frobenius error ‖Σ̂ − T·A⁻¹‖/‖T·A⁻¹‖ = {cov_error:.3f}")
