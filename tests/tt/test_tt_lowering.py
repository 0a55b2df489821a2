"""HMM/TT → Potts → one-hot Ising, checked exactly by enumeration."""

import itertools

import numpy as np
import pytest

from compiler.models.ising import IsingModel
from compiler.tt import (HMM, TensorTrain, TTDistribution, decode_spins, encode_states, hmm_to_potts,
                         mess3,
                         one_hot_penalty, potts_to_ising, tt_to_potts)
from device_models.errors import ModelError


def all_states(cards):
    return np.array(list(itertools.product(*[range(q) for q in cards])))


def joint_hmm(hmm, h, x):
    """Brute-force P(h_1..h_L, x_1..x_L) with P(h_1) = initialᵀM."""
    p = (hmm.initial @ hmm.transition)[h[0]] * hmm.emission[h[0], x[0]]
    for k in range(1, len(h)):
        p *= hmm.transition[h[k - 1], h[k]] * hmm.emission[h[k], x[k]]
    return p


def one_hot_bits(potts, states):
    start = np.concatenate([[0], np.cumsum(potts.cardinalities)])
    bits = np.zeros((states.shape[0], start[-1]))
    for v in range(potts.num_variables):
        bits[np.arange(states.shape[0]), start[v] + states[:, v]] = 1
    return bits


@pytest.fixture
def tiny_hmm():
    """2 states, 2 symbols, one forbidden transition (a hard constraint)."""
    return HMM(np.array([[0.7, 0.3], [1.0, 0.0]]), np.array([[0.9, 0.1], [0.2, 0.8]]))


def test_mess3_potts_is_minus_log_joint():
    hmm = mess3(0.05, 0.85)
    potts = hmm_to_potts(hmm, 3)
    assert potts.labels == (("h", 1), ("x", 1), ("h", 2), ("x", 2), ("h", 3), ("x", 3))
    assert all(u.min() == 0 for u in potts.unary)
    assert all(t.min() == 0 for t in potts.pairwise.values())
    z = all_states(potts.cardinalities)
    e = potts.energy(z)
    p = np.array([joint_hmm(hmm, s[0::2], s[1::2]) for s in z])
    np.testing.assert_allclose(np.exp(-e), p, rtol=1e-12)
    assert np.exp(-e).sum() == pytest.approx(1.0, abs=1e-12)
    # marginal over hidden states = word probability
    words = z[:, 1::2]
    dist = hmm.distribution(3)
    for word in ([0, 1, 2], [2, 2, 2]):
        assert np.exp(-e)[(words == word).all(axis=1)].sum() == pytest.approx(dist.probability(word), rel=1e-12)


def test_zero_probabilities_become_hard_penalties(tiny_hmm):
    potts = hmm_to_potts(tiny_hmm, 2, hard_penalty=25.0)
    move = potts.pairwise[(0, 2)]
    assert move[1, 1] == pytest.approx(-np.log(0.3) + 25.0 - 0.0)  # largest finite −log is −log 0.3
    z = all_states(potts.cardinalities)
    e = potts.energy(z)
    p = np.array([joint_hmm(tiny_hmm, s[0::2], s[1::2]) for s in z])
    np.testing.assert_allclose(np.exp(-e[p > 0]), p[p > 0], rtol=1e-12)
    assert np.all(e[p == 0] >= potts.offset + 25.0)


def test_one_hot_ising_energy_equals_potts_and_invalid_costs_penalty(tiny_hmm):
    potts = hmm_to_potts(tiny_hmm, 2)
    lam = 7.5
    ising = potts_to_ising(potts, penalty=lam)
    assert isinstance(ising, IsingModel) and ising.num_variables == 8
    assert ising.labels[:3] == ((("h", 1), 0), (("h", 1), 1), (("x", 1), 0))
    bits = np.array(list(itertools.product([0, 1], repeat=8)), dtype=float)
    e_ising = ising.energy(2 * bits - 1)
    groups = bits.reshape(-1, 4, 2).sum(axis=2)
    violation = ((1 - groups) ** 2).sum(axis=1)
    valid = violation == 0
    states = bits.reshape(-1, 4, 2)[valid].argmax(axis=2)
    np.testing.assert_allclose(e_ising[valid], potts.energy(states), rtol=1e-12, atol=1e-12)
    # every term is ≥ 0, so a state with broken groups costs at least λ per unit of violation
    assert np.all(e_ising[~valid] >= potts.offset + lam * violation[~valid] - 1e-12)
    # emptying one variable saves at most its ε_v^max: E(empty) − E(best repair) ≥ λ − ε_v^max
    eps = potts.max_local_energy()
    for v in range(4):
        for s in all_states(potts.cardinalities):
            b = one_hot_bits(potts, s[None])[0]
            b[2 * v: 2 * v + 2] = 0
            e_empty = ising.energy(2 * b - 1)
            repairs = [potts.energy(np.r_[s[:v], a, s[v + 1:]]) for a in range(2)]
            assert e_empty - min(repairs) >= lam - eps[v] - 1e-12


def test_decode_spins_round_trip_and_invalid_count():
    potts = hmm_to_potts(mess3(), 4)
    rng = np.random.default_rng(0)
    states = rng.integers(0, 3, size=(50, potts.num_variables))
    spins = 2 * one_hot_bits(potts, states) - 1
    spins[[3, 17], 0] *= -1  # flip one bit of h_1 in two samples
    dec = decode_spins(potts, spins)
    assert dec.num_invalid == 2 and dec.invalid_fraction == pytest.approx(0.04)
    ok = np.ones(50, bool)
    ok[[3, 17]] = False
    np.testing.assert_array_equal(dec.valid, ok)
    np.testing.assert_array_equal(dec.states[ok], states[ok])
    assert np.all(dec.states[~ok, 0] == -1)
    sequences = dec.states[dec.valid][:, 1::2]
    np.testing.assert_array_equal(sequences, states[ok][:, 1::2])


def test_tt_to_potts_marginalizes_to_p():
    rng = np.random.default_rng(4)
    cores = (rng.random((1, 2, 2)), rng.random((2, 3, 2)) * (rng.random((2, 3, 2)) > 0.3), rng.random((2, 2, 1)))
    dist = TTDistribution(TensorTrain(cores))
    potts = tt_to_potts(dist)
    assert potts.cardinalities == (4, 6, 2)
    z = all_states(potts.cardinalities)
    w = np.exp(-potts.energy(z))
    symbols = np.stack([z[:, 0] // 2, z[:, 1] // 2, z[:, 2]], axis=1)
    for word in itertools.product(range(2), range(3), range(2)):
        sel = (symbols == word).all(axis=1)
        # hard-penalty entries contribute e^{-20}-sized leakage per zero factor
        assert w[sel].sum() == pytest.approx(dist.probability(word), abs=1e-7)
    assert min(t.min() for t in potts.pairwise.values()) == 0


def test_penalty_rule():
    potts = hmm_to_potts(mess3(0.05, 0.85), 3)
    lam = one_hot_penalty(potts, beta=1.0, delta=0.01)
    assert lam == pytest.approx(potts.max_local_energy().max() + np.log(6 / 0.01))
    with pytest.raises(ModelError, match="delta"):
        one_hot_penalty(potts, beta=1.0, delta=1.5)
    with pytest.raises(ModelError, match="penalty"):
        potts_to_ising(potts, penalty=-1.0)
    with pytest.raises(ModelError, match=r"spins must have shape \(m, 18\)"):
        decode_spins(potts, np.ones((2, 5)))


def test_invalid_one_hot_probability_by_enumeration():
    """Mess3(0.05, 0.85), L = 3: all 2^18 bit states of the one-hot Ising model at β = 1.

    Exact P(some group not one-hot) falls like e^{−λ}; the rule's λ (δ = 0.01) is conservative.
    (The issue's planning check quoted 0.16, 1.2e-3, 8.4e-6 at λ = 5, 10, 15 — about twice these,
    presumably from a differently shifted energy.)
    """
    potts = hmm_to_potts(mess3(0.05, 0.85), 3)
    bits = ((np.arange(2**18)[:, None] >> np.arange(17, -1, -1)) & 1).astype(float)
    valid = (bits.reshape(-1, 6, 3).sum(axis=2) == 1).all(axis=1)

    def p_invalid(lam):
        e = potts_to_ising(potts, penalty=lam).energy(2 * bits - 1)
        w = np.exp(-(e - e.min()))
        return w[~valid].sum() / w.sum()

    measured = {5.0: 0.0875, 10.0: 6.28e-4, 15.0: 4.23e-6}
    for lam, ref in measured.items():
        assert p_invalid(lam) == pytest.approx(ref, rel=1e-2)
    lam = one_hot_penalty(potts, beta=1.0, delta=0.01)  # 14.6
    assert p_invalid(lam) <= 0.01


def test_encode_states_inverts_decode_spins():
    potts = hmm_to_potts(mess3(), 3)
    z = all_states(potts.cardinalities)[::37]
    spins = encode_states(potts, z)
    assert spins.dtype == np.int8 and spins.shape == (len(z), 18)
    decoded = decode_spins(potts, spins)
    assert decoded.valid.all() and np.array_equal(decoded.states, z)
    with pytest.raises(ModelError, match="states must lie"):
        encode_states(potts, np.full(6, 3))
