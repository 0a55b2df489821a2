"""Boltzmann learning in the loop with the p-bit chip (``sdk.learn``): inverse Ising against
the exact maximum-likelihood fit, learning that absorbs the chip's mismatch, resumable state."""

import numpy as np
import pytest
import scipy.optimize as so

import sdk
from sdk.learn import LearningConfig, LearningError, LearningState, chip_model, fit_ising, kl_divergence

N_SPINS, N_DATA = 12, 20_000
CONFIG = LearningConfig(epochs=300, learning_rate=0.02, num_reads=64, sweeps=60, thin=1, burn_in=10, average=100,
                        backend="numpy")


@pytest.fixture(scope="module")
def problem():
    """A known 12-spin model with fields, 20,000 exact draws from it, their empirical distribution,
    the sufficient statistics φ(s) = (s, s_i s_j) of all 4096 states, and the exact maximum-
    likelihood fit to the draws (convex: L-BFGS on the enumerated log-likelihood)."""
    r = np.random.default_rng(3)
    h = 0.3 * r.normal(size=N_SPINS)
    J = np.triu(r.normal(size=(N_SPINS, N_SPINS)) * 0.4 / np.sqrt(N_SPINS), 1)
    true = sdk.IsingModel(h, J)
    states, p = sdk.exact_boltzmann(true, 1.0)
    index = r.choice(len(p), size=N_DATA, p=p)
    empirical = np.bincount(index, minlength=len(p)) / N_DATA
    iu = np.triu_indices(N_SPINS, 1)
    phi = np.hstack([states, states[:, iu[0]] * states[:, iu[1]]]).astype(float)

    def nll(theta):
        e = phi @ theta
        w = np.exp(-(e - e.min()))
        q = w / w.sum()
        return float(empirical @ e - e.min() + np.log(w.sum())), empirical @ phi - q @ phi

    mle = so.minimize(nll, np.zeros(phi.shape[1]), jac=True, method="L-BFGS-B",
                      options={"gtol": 1e-10, "maxiter": 5000}).x
    # Standard errors of a 20,000-draw estimate: the inverse Fisher information (the covariance of
    # φ under the model) over N.
    se = np.sqrt(np.diag(np.linalg.inv(np.cov(phi.T, aweights=p))) / N_DATA)
    theta_true = np.concatenate([h, (J + J.T)[iu]])
    return {"data": states[index], "empirical": empirical, "mle": mle, "se": se, "true": theta_true, "iu": iu}


def _chip(sigma: float = 0.0, bits: int = 24) -> sdk.Program:
    raw = sdk.load_device("pbit256").to_dict()
    raw["mismatch"] = sigma
    raw["coupling"]["dac_bits"] = bits
    zero = sdk.IsingModel(np.zeros(N_SPINS), np.zeros((N_SPINS, N_SPINS)))
    return sdk.compile(zero, sdk.DeviceSpec.from_dict(raw), full_scale=1.0, mismatch_seed=5)


def _theta(model: sdk.IsingModel, iu) -> np.ndarray:
    return np.concatenate([model.h, model.J.toarray()[iu]])


def _floor(problem) -> float:
    h, iu = problem["mle"][:N_SPINS], problem["iu"]
    J = np.zeros((N_SPINS, N_SPINS))
    J[iu] = problem["mle"][N_SPINS:]
    return kl_divergence(problem["empirical"], sdk.IsingModel(h, J))


@pytest.fixture(scope="module")
def ideal(problem):
    return fit_ising(problem["data"], _chip(), CONFIG, seed=1)


def test_inverse_ising_recovers_the_maximum_likelihood_fit(problem, ideal):
    """Learned on an ideal chip from its own samples: every parameter within 2 data standard errors
    of the exact maximum-likelihood fit (the chip's sampling noise, averaged over the last 100
    epochs, measured 0.84 at most), the fit itself within 5 of the true model (78 parameters), and
    KL(data ‖ model) within 0.002 nats of its floor, the KL of the exact fit."""
    theta = _theta(ideal.model, problem["iu"])
    assert np.abs((theta - problem["mle"]) / problem["se"]).max() < 2
    assert np.abs((problem["mle"] - problem["true"]) / problem["se"]).max() < 5
    kl = kl_divergence(problem["empirical"], chip_model(ideal.program))
    assert kl - _floor(problem) < 0.002, f"KL {kl:.5f}, floor {_floor(problem):.5f}"


def test_learning_on_the_mismatched_chip_absorbs_its_mismatch(problem, ideal):
    """A chip with σ = 0.1 mismatch and a 6-bit DAC: trained in the loop it ends within 10% of the
    ideal chip's KL, while the ideal chip's weights programmed onto it leave several times more
    excess KL over the floor."""
    chip = _chip(sigma=0.1, bits=6)
    in_loop = fit_ising(problem["data"], chip, CONFIG, seed=1)
    empirical, floor = problem["empirical"], _floor(problem)
    kl_ideal = kl_divergence(empirical, chip_model(ideal.program))
    kl_loop = kl_divergence(empirical, chip_model(in_loop.program))
    kl_moved = kl_divergence(empirical, chip_model(sdk.reprogram(chip, ideal.model)))
    print(f"KL floor {floor:.5f}, ideal {kl_ideal:.5f}, in the loop {kl_loop:.5f}, ideal weights moved {kl_moved:.5f}")
    assert kl_loop < 1.1 * kl_ideal
    assert kl_loop - floor < 0.25 * (kl_moved - floor)


def test_training_resumes_from_its_saved_state(problem, tmp_path):
    config = LearningConfig(epochs=6, learning_rate=0.02, num_reads=16, sweeps=20, thin=2, burn_in=4, backend="numpy")
    data, chip = problem["data"][:500], _chip()
    straight = fit_ising(data, chip, config, seed=2)
    path = tmp_path / "state.npz"
    fit_ising(data, chip, LearningConfig(**{**config.__dict__, "epochs": 3}), seed=2, path=path)
    resumed = fit_ising(data, chip, config, seed=2, state=LearningState.load(path), path=path)
    np.testing.assert_array_equal(resumed.state.J, straight.state.J)
    np.testing.assert_array_equal(resumed.state.h, straight.state.h)
    assert [e["epoch"] for e in resumed.state.history] == list(range(1, 7))


def test_bad_training_inputs_are_refused(problem):
    with pytest.raises(LearningError, match="spins"):
        fit_ising(np.zeros((4, N_SPINS)), _chip(), CONFIG)
    with pytest.raises(LearningError, match="shape"):
        fit_ising(np.ones((4, 3)), _chip(), CONFIG)
    with pytest.raises(LearningError, match="burn_in"):
        LearningConfig(sweeps=10, burn_in=10)
    with pytest.raises(LearningError, match="optimizer"):
        LearningConfig(optimizer="rmsprop")
