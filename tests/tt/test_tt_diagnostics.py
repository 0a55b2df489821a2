"""Autocorrelation times against AR(1) closed forms, and the MPO → GaussianModel helper."""

import numpy as np
import pytest

from compiler.tt import (TTMatrix, gaussian_lattice_mpo, gaussian_model_from_mpo,
                         indicator_autocorrelation_time, integrated_autocorrelation_time)
from device_models.errors import ModelError


@pytest.mark.parametrize("phi", [0.0, 0.5, 0.8])
def test_ar1_integrated_autocorrelation_time(phi):
    """AR(1) with coefficient φ has τ = (1 + φ)/(1 − φ); 64 chains × 4000 steps resolve it to ~5%."""
    rng = np.random.default_rng(0)
    x = np.zeros((4000, 64))
    noise = rng.normal(size=x.shape)
    x[0] = noise[0] / np.sqrt(1 - phi**2)
    for t in range(1, len(x)):
        x[t] = phi * x[t - 1] + noise[t]
    assert integrated_autocorrelation_time(x) == pytest.approx((1 + phi) / (1 - phi), rel=0.07)


def test_unresolved_tau_is_the_window_and_indicators_use_pooled_layout():
    frozen = np.repeat(np.arange(8)[None, :] % 2, 50, axis=0)  # chains never move
    assert integrated_autocorrelation_time(frozen) == 50
    states = np.stack([frozen.ravel(), np.zeros(400, dtype=int)], axis=1)  # (S·R, N), record-major
    assert indicator_autocorrelation_time(states, 8, (2, 1)) == 50
    with pytest.raises(ModelError, match="S·3"):
        indicator_autocorrelation_time(states, 3, (2, 1))


def test_gaussian_model_from_mpo():
    mpo = gaussian_lattice_mpo(8, 4, mass=0.5, coupling=1.0)
    model = gaussian_model_from_mpo(mpo, b=np.ones(32))
    assert (model.A != mpo.to_sparse()).nnz == 0 and model.smallest_eigenvalue == pytest.approx(0.5)
    np.testing.assert_allclose(model.mean(), np.full(32, 2.0))  # A·1 = mass·1
    with pytest.raises(ModelError, match="square"):
        gaussian_model_from_mpo(TTMatrix((np.ones((1, 2, 3, 1)),)))
