"""Boltzmann machines with hidden units on the p-bit chip (``sdk.learn``): the data phase sampled
with the visible units clamped against the exact conditionals, resumable training with hidden
units, machine layouts and their errors."""

import numpy as np
import pytest

import sdk
from sdk.learn import BoltzmannMachine, LearningConfig, LearningError, LearningState, conditional_means, fit_ising
from sdk.learn.boltzmann import _data_phase, _with_pattern
from sdk.learn.boltzmann import chip_model

V, H = 6, 5


def _rbm_chip(seed: int = 0) -> tuple[sdk.Program, BoltzmannMachine]:
    """A restricted machine (6 visible, 5 hidden) with random fields and couplings of order 1 on an
    ideal chip (24-bit DAC): the chip holds the model to 1e-6."""
    machine = BoltzmannMachine.layered((V, H))
    r = np.random.default_rng(seed)
    h, J = machine.unpack(np.concatenate([0.5 * r.normal(size=V + H), 0.7 * r.normal(size=len(machine.edges))]))
    raw = sdk.load_device("pbit256").to_dict()
    raw["coupling"]["dac_bits"] = 24
    return sdk.compile(sdk.IsingModel(h, np.triu(J, 1)), sdk.DeviceSpec.from_dict(raw), full_scale=3.0), machine


@pytest.mark.parametrize("backend", ["numpy", "c"])
def test_the_clamped_data_phase_samples_the_exact_hidden_conditionals(backend):
    """Four visible rows, each clamped in 400 reads for 5 sweeps: 2000 hidden samples per row, which
    are independent given the row (a sweep redraws every hidden unit from its conditional).  Each
    hidden mean lies within 4.5 standard errors √((1 − m²)/2000) of the exact
    ``−tanh((h + Jv)/T)``, and the visible–hidden statistics within 4.5 of theirs (20 means and
    120 products: a 4.5σ bound is crossed by chance with probability < 1e-3 in all).  A chip that
    ignored the clamp would draw the hidden units from the joint distribution instead and fail."""
    program, machine = _rbm_chip()
    rows = np.random.default_rng(1).choice([-1, 1], (4, V))
    repeated = np.repeat(rows, 400, axis=0)
    config = LearningConfig(clamped_sweeps=5, backend=backend)
    statistics, states = _data_phase(program, machine, repeated, config, seed=3)
    np.testing.assert_array_equal(states[:, :V], repeated)
    exact = conditional_means(chip_model(program), np.hstack([repeated, np.zeros((len(repeated), H))]),
                              machine.hidden)
    samples = 2000
    run = sdk.run(program, backend, num_reads=len(repeated), steps=5, temperature=1.0, seed=3, record_every=1,
                  burn_in=0, clamp=np.hstack([repeated, np.full((len(repeated), H), np.nan)]))
    for k in range(len(rows)):
        mine = np.isin(run.replica, np.arange(400 * k, 400 * (k + 1)))
        m = exact[400 * k]
        se = np.sqrt((1 - m**2) / samples)
        assert np.all(np.abs(run.samples[mine][:, V:].mean(axis=0) - m) < 4.5 * se), k
    # The packed statistics of the same phase: ⟨h⟩ and ⟨v h⟩ pooled over the rows.
    full = np.hstack([repeated, exact])
    expected = machine.statistics(full)  # products v·⟨h|v⟩ are exact for a clamped v
    spread = np.sqrt(np.maximum(1 - exact**2, 1e-12).mean(axis=0) / (samples * len(rows)))
    hidden_part = expected[V:V + H]
    assert np.all(np.abs(statistics[V:V + H] - hidden_part) < 4.5 * spread)
    products = statistics[V + H:] - expected[V + H:]
    assert np.all(np.abs(products) < 4.5 * spread.max())


def test_conditional_means_refuse_coupled_free_units():
    program, machine = _rbm_chip()
    with pytest.raises(LearningError, match="not coupled"):
        conditional_means(chip_model(program), np.ones((1, V + H)), np.arange(V + H))


def test_the_training_pattern_keeps_one_colouring():
    """The chip reprogrammed with the machine's full coupling pattern keeps its two colour classes
    (bipartite) for every later update instead of colouring each one anew."""
    program, machine = _rbm_chip()
    patterned = _with_pattern(program, machine)
    assert patterned.colors.max() == 1
    later = sdk.reprogram(patterned, sdk.IsingModel(np.zeros(V + H), np.zeros((V + H, V + H))))
    np.testing.assert_array_equal(later.colors, patterned.colors)


def test_hidden_unit_training_resumes_to_the_same_parameters(tmp_path):
    """Three epochs, saved, then resumed to five, equal a straight five-epoch run bit for bit (each
    update draws its own seeds, batches are permuted per epoch), persistent chains and Adam moments
    included."""
    program, machine = _rbm_chip()
    data = np.random.default_rng(2).choice([-1, 1], (60, V))
    config = LearningConfig(epochs=5, learning_rate=0.02, batch_size=20, num_reads=8, sweeps=3, thin=1, burn_in=0,
                            clamped_sweeps=2, init_scale=0.05, average=2, backend="c")
    straight = fit_ising(data, program, config, machine=machine, seed=4)
    path = tmp_path / "state.npz"
    fit_ising(data, program, LearningConfig(**{**config.__dict__, "epochs": 3}), machine=machine, seed=4, path=path)
    state = LearningState.load(path)
    assert state.epoch == 3 and state.updates == 9 and state.machine.same_as(machine)
    resumed = fit_ising(data, program, config, seed=4, state=state, path=path)
    np.testing.assert_array_equal(resumed.state.J, straight.state.J)
    np.testing.assert_array_equal(resumed.state.h, straight.state.h)
    np.testing.assert_array_equal(resumed.model.J.toarray(), straight.model.J.toarray())
    assert [e["epoch"] for e in resumed.state.history] == [1, 2, 3, 4, 5]
    # Couplings off the machine's edges never move: visible–visible and hidden–hidden stay zero.
    J = resumed.state.J
    assert np.all(J[:V, :V] == 0) and np.all(J[V:, V:] == 0) and np.any(J[:V, V:] != 0)


def test_machine_layouts():
    full = BoltzmannMachine.fully_visible(4)
    assert len(full.edges) == 6 and full.hidden.size == 0
    deep = BoltzmannMachine.layered((3, 2, 2))
    assert deep.num_units == 7 and len(deep.edges) == 3 * 2 + 2 * 2
    np.testing.assert_array_equal(deep.hidden, [3, 4, 5, 6])
    theta = np.arange(deep.num_parameters, dtype=float)
    np.testing.assert_array_equal(deep.pack(*deep.unpack(theta)), theta)


def test_bad_machines_and_states_are_refused(tmp_path):
    with pytest.raises(LearningError, match="i < j"):
        BoltzmannMachine(3, np.arange(2), np.array([[1, 0]]))
    with pytest.raises(LearningError, match="visible"):
        BoltzmannMachine(3, np.array([0, 0]), np.zeros((0, 2), np.int64))
    with pytest.raises(LearningError, match="indices"):
        BoltzmannMachine(3, np.arange(2), np.array([[0, 5]]))
    with pytest.raises(LearningError, match="distinct"):
        BoltzmannMachine(3, np.arange(2), np.array([[0, 1], [0, 1]]))
    program, machine = _rbm_chip()
    with pytest.raises(LearningError, match="units"):
        fit_ising(np.ones((4, 3)), program, LearningConfig(epochs=1), machine=BoltzmannMachine.layered((3, 2)))
    with pytest.raises(LearningError, match="another machine"):
        fit_ising(np.ones((4, V)), program, LearningConfig(epochs=1), machine=machine,
                  state=LearningState.start(BoltzmannMachine.layered((V, 2, 3))))
    with pytest.raises(LearningError, match="clamped_burn_in"):
        LearningConfig(clamped_sweeps=2, clamped_burn_in=2)
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not an npz")
    with pytest.raises(LearningError, match="not a SONQ learning state"):
        LearningState.load(bad)
