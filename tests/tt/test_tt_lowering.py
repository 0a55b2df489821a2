"""HMM/TT → Potts → one-hot / domain-wall Ising, checked exactly by enumeration."""

import itertools

import numpy as np
import pytest

from compiler.models.ising import IsingModel
from compiler.tt import (HMM, PottsModel, TensorTrain, TTDistribution, decode_spins, encode_states,
                         hmm_to_potts, mess3, one_hot_penalty, potts_to_ising, tt_to_potts)
from compiler.tt.lowering import domain_wall_penalty
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


# --- domain-wall encoding -------------------------------------------------------------------

def random_potts(cards, pairs, seed):
    """Random Potts model with every table ≥ 0 and minimum 0 (as the builders make them)."""
    rng = np.random.default_rng(seed)
    unary = tuple(np.r_[0.0, rng.random(q - 1) * 3] for q in cards)
    pairwise = {}
    for u, v in pairs:
        t = rng.random((cards[u], cards[v])) * 2
        pairwise[(u, v)] = t - t.min()
    return PottsModel(tuple(cards), unary, pairwise, 0.7, tuple(range(len(cards))))


def all_bits(n):
    return ((np.arange(2**n)[:, None] >> np.arange(n - 1, -1, -1)) & 1).astype(float)


def test_domain_wall_codewords_and_round_trip():
    potts = random_potts((3, 4, 5, 2), [(0, 1), (1, 2), (2, 3)], seed=0)
    ising = potts_to_ising(potts, 5.0, encoding="domain_wall")
    assert ising.num_variables == 2 + 3 + 4 + 1                         # q − 1 bits per variable
    assert ising.labels[:3] == ((0, 1), (0, 2), (1, 1))                 # (label, k) for b_k
    z = all_states(potts.cardinalities)
    spins = encode_states(potts, z, encoding="domain_wall")
    assert spins.shape == (len(z), 10)
    np.testing.assert_array_equal(spins[:, :2][z[:, 0] == 1], [[1, -1]] * (z[:, 0] == 1).sum())  # b_1 ≥ b_2
    decoded = decode_spins(potts, spins, encoding="domain_wall")
    assert decoded.valid.all() and np.array_equal(decoded.states, z)
    # neighbouring values differ by exactly one bit flip, both codewords valid
    for q in (3, 4, 5):
        one = potts_to_ising(random_potts((q,), [], 1), 1.0, "domain_wall")
        assert one.num_variables == q - 1
        codes = (encode_states(random_potts((q,), [], 1), np.arange(q)[:, None], "domain_wall") > 0)
        assert np.all((codes[1:] != codes[:-1]).sum(axis=1) == 1)
    bad = spins[:4].copy()
    bad[:, 0], bad[:, 1] = -1, 1                                         # b_1 = 0, b_2 = 1: a rise
    dec = decode_spins(potts, bad, encoding="domain_wall")
    assert not dec.valid.any() and np.all(dec.states[:, 0] == -1)
    np.testing.assert_array_equal(dec.states[:, 1:], z[:4, 1:])
    with pytest.raises(ModelError, match="encoding"):
        potts_to_ising(potts, 5.0, encoding="unary")


def test_domain_wall_energy_is_potts_plus_penalty_and_bounded_below():
    """All 2^9 bit states of a random Potts model with q = (3, 4, 5) on a triangle, λ = 4.

    Proved and checked: with y_v = (1, b_v), the indicators ``ι_v[a] = b_a − b_{a+1}`` and
    ``r_v`` = number of rises (0→1) in v's bits,

    (i)   E_Ising(b) = F(ι(b)) + λ Σ_v r_v exactly, F the Potts energy with the tables contracted
          against ι (multilinear) — so valid states (r = 0, ι one-hot) have exactly E_Potts;
    (ii)  E_Ising(b) ≥ E_Potts(z(b)) + Σ_v r_v (λ − κ_v), z_v(b) the length of v's leading run of
          ones and ``κ_v = max U_v + (1 + ⌊(q_v−1)/2⌋) Σ_w max P_vw``;
    (iii) the κ_v correction is needed: some invalid states lie less than λ·r above E_Potts(z(b))
          (indicators of −1 can make F(ι) smaller than every valid state's energy).
    """
    cards, lam = (3, 4, 5), 4.0
    potts = random_potts(cards, [(0, 1), (1, 2), (0, 2)], seed=3)
    ising = potts_to_ising(potts, lam, encoding="domain_wall")
    bits = all_bits(9)
    e = ising.energy(2 * bits - 1)
    groups = np.split(bits, np.cumsum([q - 1 for q in cards])[:-1], axis=1)
    iota, rises, lead = [], [], []
    for g in groups:
        y = np.hstack([np.ones((len(g), 1)), g, np.zeros((len(g), 1))])  # b_0 = 1, b_q = 0
        iota.append(y[:, :-1] - y[:, 1:])
        rises.append(((g[:, 1:] == 1) & (g[:, :-1] == 0)).sum(axis=1))
        lead.append(np.argmin(y, axis=1) - 1)                            # leading ones after b_0
    rises, lead = np.array(rises).T, np.array(lead).T
    f = potts.offset + sum(iota[v] @ potts.unary[v] for v in range(3))
    f = f + sum(np.einsum("na,ab,nb->n", iota[u], t, iota[v]) for (u, v), t in potts.pairwise.items())
    np.testing.assert_allclose(e, f + lam * rises.sum(axis=1), atol=1e-12)          # (i)
    valid = rises.sum(axis=1) == 0
    assert valid.sum() == 3 * 4 * 5
    np.testing.assert_allclose(e[valid], potts.energy(lead[valid]), atol=1e-12)
    dec = decode_spins(potts, 2 * bits - 1, encoding="domain_wall")
    np.testing.assert_array_equal(dec.valid, valid)
    np.testing.assert_array_equal(dec.states[valid], lead[valid])
    q = np.array(cards)
    pair_max = np.zeros(3)
    for (u, v), t in potts.pairwise.items():
        pair_max[[u, v]] += t.max()
    kappa = np.array([u.max() for u in potts.unary]) + (1 + (q - 1) // 2) * pair_max
    bound = potts.energy(lead) + rises @ (lam - kappa)
    assert np.all(e >= bound - 1e-12)                                                 # (ii)
    assert np.any(e < potts.energy(lead) + lam * rises.sum(axis=1) - 0.5)            # (iii)


def test_domain_wall_penalty_rule_bounds_the_invalid_probability():
    """Mess3(0.05, 0.85), L = 3: all 2^12 domain-wall bit states at β = 1."""
    potts = hmm_to_potts(mess3(0.05, 0.85), 3)
    bits = all_bits(12)
    g = bits.reshape(-1, 6, 2)
    valid = (g[:, :, 0] >= g[:, :, 1]).all(axis=1)

    def p_invalid(lam):
        e = potts_to_ising(potts, penalty=lam, encoding="domain_wall").energy(2 * bits - 1)
        w = np.exp(-(e - e.min()))
        return w[~valid].sum() / w.sum()

    lam = domain_wall_penalty(potts, beta=1.0, delta=0.01)
    pair_max = potts.max_local_energy()                     # unary tables are 0 except h_1's
    kappa = max(u.max() + 2 * (pm - u.max()) for u, pm in zip(potts.unary, pair_max))
    assert lam == pytest.approx(kappa + np.log(6 / 0.01))
    assert p_invalid(lam) <= 0.01
    for delta in (0.3, 0.1, 1e-3):
        assert p_invalid(domain_wall_penalty(potts, 1.0, delta)) <= delta
    with pytest.raises(ModelError, match="delta"):
        domain_wall_penalty(potts, beta=1.0, delta=0.0)


def test_clamped_hmm_potts_is_the_exact_posterior():
    """Clamping observed symbols in the Potts model (`PottsModel.condition`) gives, by
    enumeration, the same conditional law as conditioning the joint TT (`TTDistribution.condition`),
    and its energy equals the full energy at the clamped states."""
    hmm, length = mess3(0.05, 0.85), 4
    observed = {1: 2, 5: 0, 6: 1}  # x_1, x_3 and h_4 (interleaved h_1, x_1, h_2, x_2, …)
    potts = hmm_to_potts(hmm, length)
    clamped = potts.condition(observed)
    free = [v for v in range(potts.num_variables) if v not in observed]
    assert clamped.labels == tuple(potts.labels[v] for v in free)
    z = all_states(clamped.cardinalities)
    full = np.empty((len(z), potts.num_variables), dtype=np.int64)
    full[:, free] = z
    for v, s in observed.items():
        full[:, v] = s
    np.testing.assert_allclose(clamped.energy(z), potts.energy(full), rtol=1e-13, atol=1e-12)
    boltzmann = np.exp(-clamped.energy(z))
    exact = TTDistribution(hmm.joint_tt(length)).condition(observed)
    np.testing.assert_allclose(boltzmann / boltzmann.sum(), exact.probability(z), rtol=1e-11)


def test_clamping_rejects_bad_observations():
    potts = hmm_to_potts(mess3(), 2)
    with pytest.raises(ModelError, match="observed variable 9"):
        potts.condition({9: 0})
    with pytest.raises(ModelError, match="observed state 3 of variable 1"):
        potts.condition({1: 3})
    with pytest.raises(ModelError, match="every variable is observed"):
        potts.condition({0: 0, 1: 0, 2: 0, 3: 0})
