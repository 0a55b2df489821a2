"""Moment matching on the Gaussian chip (``sdk.learn.gaussian``): the learned precision makes a
mismatched chip reproduce the data's covariance, which programming the data's own precision does
not."""

import numpy as np
import pytest

import sdk
from sdk.learn import LearningError
from sdk.learn.gaussian import MomentConfig, chip_gaussian, fit_gaussian

CONFIG = MomentConfig(epochs=60, rate=0.3, steps=3000, burn_in=300, record_every=20, average=30, backend="numpy")


def _data(n: int = 6, samples: int = 20_000):
    r = np.random.default_rng(0)
    Q, _ = np.linalg.qr(r.normal(size=(n, n)))
    C = Q @ np.diag(np.linspace(0.5, 2.5, n)) @ Q.T
    return r.multivariate_normal(0.5 * r.normal(size=n), C, size=samples)


def _error(program: sdk.Program, C: np.ndarray) -> float:
    """Relative Frobenius distance of the chip's exact covariance T·A⁻¹ (T = 1) from C."""
    A, _ = chip_gaussian(program)
    return float(np.linalg.norm(np.linalg.inv(A) - C) / np.linalg.norm(C))


def test_moment_matching_absorbs_the_chip_s_mismatch():
    """σ = 0.1 mismatch, 8-bit DAC: the data's precision programmed as it is leaves the chip's
    covariance 14% off (measured 0.138); learned from the chip's samples it is within 3% (measured
    0.017: each epoch's covariance estimate is ~6% off, and 30 averaged epochs at rate 0.3 cut that
    to ~1–1.5%)."""
    data = _data()
    C, P = np.cov(data.T), np.linalg.inv(np.cov(data.T))
    raw = sdk.load_device("gauss8").to_dict()
    raw["mismatch"], raw["coupling"]["dac_bits"] = 0.1, 8
    chip = sdk.compile(sdk.GaussianModel(P), sdk.DeviceSpec.from_dict(raw), full_scale=1.5 * np.abs(P).max(),
                       mismatch_seed=3)
    naive = _error(sdk.reprogram(chip, sdk.GaussianModel(P, P @ data.mean(axis=0))), C)
    fit = fit_gaussian(data, chip, CONFIG, seed=1)
    learned = _error(fit.program, C)
    A, b = chip_gaussian(fit.program)
    print(f"covariance error: programmed as is {naive:.4f}, learned {learned:.4f}")
    assert learned < 0.03 and learned < 0.25 * naive
    assert np.abs(np.linalg.solve(A, b) - data.mean(axis=0)).max() < 0.03


def test_bad_data_is_refused():
    chip = sdk.compile(sdk.GaussianModel(np.eye(3)), "gauss8")
    with pytest.raises(LearningError, match="samples"):
        fit_gaussian(np.ones((2, 3)), chip)
    with pytest.raises(LearningError, match="singular"):
        fit_gaussian(np.ones((50, 3)), chip)
