"""TT models on the chips: the 8k torus from its MPO, and Mess3 sampled on the p-bit cell.

Mess3 test design (measured numbers in docs/tensor_trains.md).  At the penalty the planning rule
gives for a 1% invalid rate (λ = 11.27 for Mess3(0.15, 0.6), L = 6), single-site Gibbs moves a
one-hot variable only by passing through an invalid state, at ~e^{−λ}: a variable keeps its
value for ~10⁴ sweeps, so random-start chains cannot burn in within a test budget.  The test is
therefore a stationarity test: 1024 replicas start from exact ancestral TT draws (one-hot
encoded) and run 9000 sweeps.  If the chip's Boltzmann distribution is p, the pooled samples are
exact draws (worst TV/tolerance 0.46); if it is not, the chains drift: a chip with swapped
emission rows fails at 1.49× the tolerance (at 3000 sweeps it still passed, 0.90×).  Each replica is independent and stationary, so its window average has variance
at most that of one draw: ``n_eff = R·S/τ`` with τ (records) from the indicator autocorrelation,
which never drops below R when τ exceeds the window.

The domain-wall encoding (q − 1 bits, b_1 ≥ b_2, value = number of ones) removes that barrier:
neighbouring values differ by one bit flip through no invalid state, so single-site Gibbs mixes
in ~10 sweeps (τ ≈ 1.3 records of 10 sweeps) even at the rigorous penalty λ = 15.45
(exact P(invalid) 1.4e-6).  Its test starts from random spins on the C backend: 256 replicas,
500 sweeps burn-in (~50 τ), 2000 recorded (every 10), n_eff = 3.9e4, worst TV/tolerance 0.44
(0.29–0.44 over seeds) in ~2 s; chips with swapped transition / emission rows fail at 20.6× / 15.7×.
"""

import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp

import sdk
from compiler.tt import (HMM, TTDistribution, decode_spins, encode_states, gaussian_lattice_mpo,
                         gaussian_model_from_mpo, hmm_to_potts, mess3, one_hot_penalty, potts_to_ising)
from compiler.tt.lowering import PottsModel, domain_wall_penalty
from sdk.analysis import indicator_autocorrelation_time

LENGTH = 6
REPLICAS, SWEEPS, RECORD_EVERY = 1024, 9000, 90
INVALID_TARGET = 0.01
DW_REPLICAS, DW_BURN_IN, DW_SWEEPS, DW_RECORD_EVERY = 256, 500, 2000, 10


def torus_precision_direct(rows, cols, mass, coupling):
    """``mass·I + coupling·(D − Adj)`` from the device's own torus edge list (sparse)."""
    n = rows * cols
    edges = sdk.load_device("toroidal_8k").topology.edges(n)
    adj = sp.coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n))
    adj = (adj + adj.T).tocsr()
    degree = np.asarray(adj.sum(axis=1)).ravel()
    return (sp.diags(mass + coupling * degree) - coupling * adj).tocsr()


def test_toroidal_8k_compiles_from_its_mpo_to_the_same_program():
    mass, coupling = 0.25, 1.5
    tracemalloc.start()
    from_mpo = sdk.compile(gaussian_model_from_mpo(gaussian_lattice_mpo(128, 64, mass, coupling)), "toroidal_8k")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    direct = sdk.compile(sdk.GaussianModel(torus_precision_direct(128, 64, mass, coupling)), "toroidal_8k")
    a, b = from_mpo.couplings, direct.couplings
    assert a.shape == b.shape == (8192, 8192) and a.nnz == b.nnz == 4 * 8192
    assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
    assert np.array_equal(a.data, b.data)
    assert np.array_equal(from_mpo.fields, direct.fields) and np.array_equal(from_mpo.poly, direct.poly)
    assert from_mpo.scale == direct.scale and np.array_equal(from_mpo.colors, direct.colors)
    assert from_mpo.report.to_dict() == direct.report.to_dict()
    assert peak < 256 * 2**20         # measured ≈ 121 MiB; a dense 8192² float64 matrix alone is 512 MiB


def sample_mess3_on_chip(chip_hmm: HMM, exact_hmm: HMM):
    """Compile ``chip_hmm`` (L = 6, rule penalty) onto pbit256, start from exact draws of
    ``exact_hmm`` and return (invalid fraction, n_eff, worst TV/tolerance over all checks)."""
    potts = hmm_to_potts(exact_hmm, LENGTH)
    penalty = one_hot_penalty(potts, beta=1.0, delta=INVALID_TARGET)
    # quantize=True: 10-bit DAC, max error 3.7e-4 of full scale; the programmed Boltzmann
    # distribution differs from the exact one by TV 0.006 on the valid states (enumerated).
    program = sdk.compile(potts_to_ising(hmm_to_potts(chip_hmm, LENGTH), penalty), "pbit256", quantize=True)
    exact = TTDistribution(exact_hmm.joint_tt(LENGTH))
    init = encode_states(potts, exact.sample(REPLICAS, seed=5)).astype(np.float64)
    result = sdk.run(program, backend="numba", num_reads=REPLICAS, steps=SWEEPS, temperature=1.0, seed=11,
                     record_every=RECORD_EVERY, burn_in=0, init=init)
    decoded = decode_spins(potts, result.samples)
    tau = indicator_autocorrelation_time(decoded.states, REPLICAS, potts.cardinalities)
    n_eff = REPLICAS * (SWEEPS // RECORD_EVERY) / tau
    return decoded.invalid_fraction, n_eff, worst_marginal_ratio(decoded, exact, n_eff)


def worst_marginal_ratio(decoded, exact: TTDistribution, n_eff: float) -> float:
    """Worst TV/tolerance over the single-site marginals and the pair marginals of sites 1 and 2
    apart of the valid decoded samples (for the interleaved Mess3 chain h_1, x_1, h_2, …: 12 single
    sites, 11 (h_k, x_k), (x_k, h_{k+1}) pairs and 10 (h_k, h_{k+1}), (x_k, x_{k+1}) pairs)."""
    z = decoded.states[decoded.valid]
    d = exact.length
    ratios = []
    for v, p in enumerate(exact.marginals()):
        ratios.append(sdk.total_variation(np.bincount(z[:, v], minlength=3) / len(z), p) / sdk.tv_tolerance(p, n_eff))
    for v, w in [(v, v + 1) for v in range(d - 1)] + [(v, v + 2) for v in range(d - 2)]:
        p = exact.pair_marginal(v, w)
        counts = np.zeros_like(p)
        np.add.at(counts, (z[:, v], z[:, w]), 1)
        ratios.append(sdk.total_variation(counts / len(z), p) / sdk.tv_tolerance(p.ravel(), n_eff))
    return max(ratios)


def broken_mess3(swap: str) -> HMM:
    hmm = mess3()
    m, e = hmm.transition, hmm.emission
    return HMM(m[[1, 0, 2]], e) if swap == "transition" else HMM(m, e[[1, 0, 2]])


def sample_domain_wall(chip: PottsModel, potts: PottsModel, exact: TTDistribution):
    """Domain-wall encoding of ``chip`` (penalty by the rigorous rule for ``potts``) on pbit256,
    random start, C backend, checked against ``exact``; returns (invalid fraction, τ in records,
    n_eff, worst TV/tolerance)."""
    penalty = domain_wall_penalty(potts, beta=1.0, delta=INVALID_TARGET)
    ising = potts_to_ising(chip, penalty, encoding="domain_wall")
    program = sdk.compile(ising, "pbit256", quantize=True)
    result = sdk.run(program, backend="c", num_reads=DW_REPLICAS, steps=DW_BURN_IN + DW_SWEEPS,
                     temperature=1.0, seed=11, record_every=DW_RECORD_EVERY, burn_in=DW_BURN_IN)
    decoded = decode_spins(potts, result.samples, encoding="domain_wall")
    tau = indicator_autocorrelation_time(decoded.states, DW_REPLICAS, potts.cardinalities)
    n_eff = DW_REPLICAS * (DW_SWEEPS // DW_RECORD_EVERY) / tau
    return decoded.invalid_fraction, tau, n_eff, worst_marginal_ratio(decoded, exact, n_eff)


def sample_mess3_domain_wall(chip_hmm: HMM, exact_hmm: HMM):
    """Mess3 (L = 6, rigorous penalty 15.45) through :func:`sample_domain_wall`.  10-bit DAC: max
    error 4.8e-4 of full scale; programmed vs exact Boltzmann TV 0.0038 over all 3^12 valid
    states (one-hot: 0.0056) — the domain-wall couplings span a smaller range."""
    return sample_domain_wall(hmm_to_potts(chip_hmm, LENGTH), hmm_to_potts(exact_hmm, LENGTH),
                              TTDistribution(exact_hmm.joint_tt(LENGTH)))


def test_mess3_on_pbit256_matches_exact_tt_marginals():
    hmm = mess3()
    invalid, n_eff, worst = sample_mess3_on_chip(hmm, hmm)
    assert invalid < INVALID_TARGET
    assert n_eff >= REPLICAS
    assert worst <= 1.0


@pytest.mark.parametrize("swap", ["transition", "emission"])
def test_mess3_check_fails_for_a_wrong_chip_model(swap):
    """Swapping rows 0 and 1 of the transition matrix keeps the uniform single-site marginals but
    changes the pair marginals; swapping those of the emission matrix leaves the symbol
    distribution unchanged (a relabelling of hidden states) but not the (h_k, x_k) pairs.  A chip
    programmed with either must fail the check."""
    hmm = mess3()
    _, _, worst = sample_mess3_on_chip(broken_mess3(swap), hmm)
    assert worst > 1.0


def test_mess3_domain_wall_from_random_start_matches_exact_tt_marginals():
    hmm = mess3()
    invalid, tau, n_eff, worst = sample_mess3_domain_wall(hmm, hmm)
    assert invalid < INVALID_TARGET
    assert tau < (DW_SWEEPS // DW_RECORD_EVERY) / 20  # the window closes: chains decorrelate
    assert n_eff > 20 * DW_REPLICAS
    assert worst <= 1.0


@pytest.mark.parametrize("swap", ["transition", "emission"])
def test_mess3_domain_wall_check_fails_for_a_wrong_chip_model(swap):
    _, _, _, worst = sample_mess3_domain_wall(broken_mess3(swap), mess3())
    assert worst > 1.0


OBSERVED = {1: 0, 5: 2, 11: 1}  # x_1 = 0, x_3 = 2, x_6 = 1


def sample_clamped_mess3(chip_observed: dict):
    """Mess3 with ``chip_observed`` symbols clamped in the chip's Potts model, checked against the
    exact posterior given OBSERVED (the conditioned joint TT)."""
    hmm = mess3()
    potts = hmm_to_potts(hmm, LENGTH)
    exact = TTDistribution(hmm.joint_tt(LENGTH)).condition(OBSERVED)
    return sample_domain_wall(potts.condition(chip_observed), potts.condition(OBSERVED), exact)


def test_mess3_clamped_on_observed_symbols_matches_exact_posterior():
    """Clamping x_1, x_3, x_6 leaves 9 free variables; the chip samples their posterior."""
    invalid, tau, n_eff, worst = sample_clamped_mess3(OBSERVED)
    assert invalid < INVALID_TARGET
    assert tau < (DW_SWEEPS // DW_RECORD_EVERY) / 20
    assert worst <= 1.0


def test_mess3_clamped_check_fails_for_other_observations():
    _, _, _, worst = sample_clamped_mess3({**OBSERVED, 1: 1})
    assert worst > 1.0
