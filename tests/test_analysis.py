"""Analysis helpers: autocorrelation times against AR(1) closed forms, TTS, Wilson intervals."""

import math

import numpy as np
import pytest

import sdk
from sdk.analysis import indicator_autocorrelation_time, integrated_autocorrelation_time


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
    with pytest.raises(ValueError, match="S·3"):
        indicator_autocorrelation_time(states, 3, (2, 1))


def test_tts99_and_wilson():
    assert sdk.tts99(1.0, 0.5) == pytest.approx(math.log(0.01) / math.log(0.5))
    assert sdk.tts99(2.0, 0.995) == 2.0 and sdk.tts99(1.0, 0.0) == math.inf
    lo, hi = sdk.wilson_interval(5, 10)
    assert lo == pytest.approx(0.2366, abs=1e-4) and hi == pytest.approx(0.7634, abs=1e-4)


def test_tv_tolerance_covers_sampling_noise():
    """Across 200 seeded experiments the empirical TV of 2000 draws stays under the bound."""
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(32))
    bound = sdk.tv_tolerance(p, 2000)
    tvs = [sdk.total_variation(np.bincount(rng.choice(32, 2000, p=p), minlength=32) / 2000, p)
           for _ in range(200)]
    assert max(tvs) < bound < 3 * np.mean(tvs)
