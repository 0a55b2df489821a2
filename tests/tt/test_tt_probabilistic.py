"""HMMs and nonnegative TTs as sequence distributions, checked against brute force and sampling."""

import itertools

import numpy as np
import pytest

from compiler.tt import HMM, TensorTrain, TTDistribution, mess3
from device_models.errors import ModelError

MESS3_PARAMS = [(0.15, 0.6), (0.05, 0.85)]


def issue_mess3_matrices(x, a):
    """The Mess3 symbol matrices exactly as written in issue 5."""
    b, y = (1 - a) / 2, 1 - 2 * x
    return np.array([
        [[a * y, b * x, b * x], [a * x, b * y, b * x], [a * x, b * x, b * y]],
        [[b * y, a * x, b * x], [b * x, a * y, b * x], [b * x, a * x, b * y]],
        [[b * y, b * x, a * x], [b * x, b * y, a * x], [b * x, b * x, a * y]],
    ])


def forward_reference(hmm, word):
    """Textbook forward algorithm with h_1 ~ π emitting x_1 (valid since π is stationary)."""
    s = hmm.num_states
    alpha = [hmm.initial[j] * hmm.emission[j, word[0]] for j in range(s)]
    for x in word[1:]:
        alpha = [sum(alpha[i] * hmm.transition[i, j] for i in range(s)) * hmm.emission[j, x] for j in range(s)]
    return np.array(alpha)


def random_nonnegative_tt(shape, rank, seed):
    rng = np.random.default_rng(seed)
    ranks = [1] + [rank] * (len(shape) - 1) + [1]
    return TensorTrain(tuple(rng.random((ranks[k], n, ranks[k + 1])) ** 2 for k, n in enumerate(shape)))


@pytest.mark.parametrize("x,a", MESS3_PARAMS)
def test_mess3_matrices_match_issue_and_factor_as_M_diag_E(x, a):
    hmm = mess3(x, a)
    t = issue_mess3_matrices(x, a)
    np.testing.assert_allclose(hmm.symbol_matrices, t, rtol=0, atol=1e-15)
    for s in range(3):
        np.testing.assert_allclose(t[s], hmm.transition @ np.diag(hmm.emission[:, s]), atol=1e-15)
        assert not np.allclose(t[s], np.diag(hmm.emission[:, s]) @ hmm.transition)  # not "emit, then move"
    np.testing.assert_allclose(hmm.initial, np.full(3, 1 / 3), atol=1e-14)
    np.testing.assert_allclose(t.sum(axis=(0, 2)), 1.0, atol=1e-15)


def test_mess3_defaults():
    np.testing.assert_allclose(mess3().symbol_matrices, issue_mess3_matrices(0.15, 0.6), atol=1e-15)


@pytest.mark.parametrize("x,a", MESS3_PARAMS)
def test_word_probabilities_tt_vs_forward_up_to_length_6(x, a):
    hmm = mess3(x, a)
    for length in range(1, 7):
        dist = hmm.distribution(length)
        words = np.array(list(itertools.product(range(3), repeat=length)))
        p_tt = dist.probability(words)
        p_fwd = np.array([forward_reference(hmm, w).sum() for w in words])
        assert p_tt.sum() == pytest.approx(1.0, abs=1e-13)
        np.testing.assert_allclose(p_tt, p_fwd, rtol=1e-12)
        np.testing.assert_allclose([hmm.word_probability(w) for w in words[:50]], p_fwd[:50], rtol=1e-12)
        assert dist.partition_function == pytest.approx(1.0, abs=1e-13)


def test_belief_reference_value():
    """Mess3(0.05, 0.85), word 00122 filtered from the stationary prior: P(h_5 | x_1..5)."""
    b = mess3(0.05, 0.85).belief([0, 0, 1, 2, 2])
    np.testing.assert_allclose(b, [0.048, 0.040, 0.912], atol=1e-3)  # measured 0.04798, 0.04028, 0.91174


@pytest.mark.parametrize("x,a", MESS3_PARAMS)
def test_beliefs_match_forward_filtering_and_tt_conditionals(x, a):
    hmm = mess3(x, a)
    rng = np.random.default_rng(1)
    length = 8
    dist = hmm.distribution(length)
    for word in rng.integers(0, 3, size=(20, length)):
        b = hmm.initial
        for k in range(1, length):
            b = hmm.update(b, word[k - 1])
            fwd = forward_reference(hmm, word[:k])
            np.testing.assert_allclose(b, fwd / fwd.sum(), rtol=1e-12)
            # next-symbol predictive from the belief equals the TT conditional
            np.testing.assert_allclose(dist.conditional(word[:k]), b @ hmm.transition @ hmm.emission, rtol=1e-12)
        np.testing.assert_allclose(hmm.belief(word[:length - 1]), b, rtol=1e-12)


def test_marginals_random_nonnegative_tt_vs_dense():
    tt = random_nonnegative_tt((3, 2, 4, 3, 2), rank=3, seed=2)
    dist = TTDistribution(tt)
    full = tt.full()
    z = full.sum()
    assert dist.partition_function == pytest.approx(z, rel=1e-12)
    p = full / z
    for k, m in enumerate(dist.marginals()):
        other = tuple(j for j in range(5) if j != k)
        np.testing.assert_allclose(m, p.sum(axis=other), rtol=1e-12)
    for k, m in enumerate(dist.pair_marginals()):
        other = tuple(j for j in range(5) if j not in (k, k + 1))
        np.testing.assert_allclose(m, p.sum(axis=other), rtol=1e-12)
    words = np.array(list(itertools.product(*[range(n) for n in tt.shape])))
    np.testing.assert_allclose(dist.probability(words), p.reshape(-1), rtol=1e-12)
    np.testing.assert_allclose(dist.conditional([2, 1]), p[2, 1].sum(axis=(1, 2)) / p[2, 1].sum(), rtol=1e-12)


def test_mess3_marginals_are_stationary_and_pairs_exact():
    hmm = mess3(0.05, 0.85)
    dist = hmm.distribution(6)
    for m in dist.marginals():
        np.testing.assert_allclose(m, np.full(3, 1 / 3), atol=1e-14)
    t = hmm.symbol_matrices
    ref = np.array([[hmm.initial @ t[x] @ t[y] @ np.ones(3) for y in range(3)] for x in range(3)])
    for m in dist.pair_marginals():
        np.testing.assert_allclose(m, ref, rtol=1e-12)


def tv_bound(num_outcomes, num_samples):
    """3 × the mean-TV bound ½√(K/n) of an n-sample empirical distribution over K outcomes."""
    return 3 * 0.5 * np.sqrt(num_outcomes / num_samples)


def empirical(samples, shape):
    idx = np.ravel_multi_index(samples.T, shape)
    return np.bincount(idx, minlength=int(np.prod(shape))) / samples.shape[0]


def test_ancestral_sampling_mess3_total_variation():
    hmm = mess3(0.05, 0.85)
    dist = hmm.distribution(5)
    n = 200_000
    samples = dist.sample(n, seed=0)
    words = np.array(list(itertools.product(range(3), repeat=5)))
    exact = dist.probability(words)
    tv = 0.5 * np.abs(empirical(samples, (3,) * 5) - exact).sum()
    assert tv <= tv_bound(243, n)  # bound 0.052; measured 0.011


def test_ancestral_sampling_draws_p_not_p_squared():
    tt = random_nonnegative_tt((3, 3, 3, 3), rank=3, seed=3)
    dist = TTDistribution(tt)
    n = 100_000
    emp = empirical(dist.sample(n, seed=1), (3,) * 4)
    p = tt.full().reshape(-1)
    p2 = p**2
    bound = tv_bound(81, n)  # 0.043; measured 0.011 to p, 0.18 to p²
    assert 0.5 * np.abs(emp - p / p.sum()).sum() <= bound
    assert 0.5 * np.abs(emp - p2 / p2.sum()).sum() > 2 * bound


def test_long_chains_stay_finite():
    hmm = mess3()
    dist = hmm.distribution(3000)
    assert abs(dist.log_partition_function) < 1e-10
    assert np.isfinite(dist.log_probability(np.zeros(3000, dtype=int)))
    big = TensorTrain(tuple(np.full((1 if k == 0 else 2, 2, 1 if k == 399 else 2), 7.0) for k in range(400)))
    d = TTDistribution(big)
    assert d.log_partition_function == pytest.approx(np.log(7.0) * 400 + np.log(2) * 400 + np.log(2) * 399)
    np.testing.assert_allclose(d.marginals()[200], [0.5, 0.5])


def test_errors():
    with pytest.raises(ModelError, match="negative entry"):
        TTDistribution(TensorTrain((-np.ones((1, 2, 1)),)))
    with pytest.raises(ModelError, match="sum to 1"):
        HMM(np.array([[0.5, 0.4], [0.5, 0.5]]), np.eye(2))
    with pytest.raises(ModelError, match="unique stationary"):
        HMM(np.eye(2), np.eye(2))
    with pytest.raises(ModelError, match=r"word\[1\] = 3"):
        mess3().word_probability([0, 3])
    with pytest.raises(ModelError, match="probability zero"):
        HMM(np.array([[0.0, 1.0], [1.0, 0.0]]), np.eye(2), initial=[1.0, 0.0]).update([1.0, 0.0], 0)


def test_pair_marginal_any_distance_vs_dense():
    tt = random_nonnegative_tt((3, 2, 4, 3, 2), rank=3, seed=4)
    dist = TTDistribution(tt)
    p = tt.full() / tt.full().sum()
    for i, j in itertools.combinations(range(5), 2):
        other = tuple(k for k in range(5) if k not in (i, j))
        np.testing.assert_allclose(dist.pair_marginal(i, j), p.sum(axis=other), rtol=1e-12)
    with pytest.raises(ModelError, match="sites"):
        dist.pair_marginal(3, 3)


def test_joint_tt_is_the_hidden_and_observed_joint():
    """Summing the hidden sites of the interleaved joint gives the word distribution."""
    hmm = mess3(0.05, 0.85)
    joint = TTDistribution(hmm.joint_tt(4))
    assert joint.tt.shape == (3,) * 8 and joint.partition_function == pytest.approx(1.0, abs=1e-13)
    full = joint.tt.full()
    words = full.sum(axis=(0, 2, 4, 6))
    np.testing.assert_allclose(words, hmm.distribution(4).tt.full(), rtol=1e-12)
    # h_1 is stationary and (h_k, h_{k+1}) follows M
    pi = hmm.initial
    np.testing.assert_allclose(joint.pair_marginal(0, 2), pi[:, None] * hmm.transition, rtol=1e-12)
    np.testing.assert_allclose(joint.pair_marginal(2, 3), pi[:, None] * hmm.emission, rtol=1e-12)


@pytest.mark.parametrize("observed", [{0: 2}, {2: 1, 3: 0}, {0: 1, 5: 2}, {1: 0, 2: 2, 4: 1}])
def test_condition_equals_bayes_by_enumeration(observed):
    """p(free | observed) from `condition` equals p(word)/p(observed) over every completion."""
    dist = mess3(0.05, 0.85).distribution(6)
    cond = dist.condition(observed)
    free = [k for k in range(6) if k not in observed]
    assert cond.length == len(free)
    completions = np.array(list(itertools.product(range(3), repeat=len(free))))
    words = np.empty((len(completions), 6), dtype=np.int64)
    words[:, free] = completions
    for site, symbol in observed.items():
        words[:, site] = symbol
    joint = dist.probability(words)
    np.testing.assert_allclose(cond.probability(completions), joint / joint.sum(), rtol=1e-12)


def test_condition_survives_long_observed_runs():
    """600 observed symbols before and after one free site: no underflow, and the free site's
    law matches the 1-site marginal computed by the (rescaled) environments."""
    hmm = mess3(0.05, 0.85)
    dist = hmm.distribution(1201)
    word = dist.sample(1, seed=4)[0]
    observed = {k: int(s) for k, s in enumerate(word) if k != 600}
    cond = dist.condition(observed)
    trial = np.repeat(word[None], 3, axis=0)
    trial[:, 600] = np.arange(3)
    logp = dist.log_probability(trial)
    np.testing.assert_allclose(cond.marginals()[0], np.exp(logp - np.logaddexp.reduce(logp)), rtol=1e-10)


def test_condition_rejects_bad_observations():
    tt = TensorTrain((np.array([[[1.0], [0.0]]]), np.array([[[1.0], [1.0]]])))
    dist = TTDistribution(tt)
    with pytest.raises(ModelError, match="probability zero"):
        dist.condition({0: 1})
    with pytest.raises(ModelError, match="outside 0..1"):
        dist.condition({2: 0})
    with pytest.raises(ModelError, match="symbol 5 at site 1"):
        dist.condition({1: 5})
    with pytest.raises(ModelError, match="every site is observed"):
        dist.condition({0: 0, 1: 1})
