"""The plots of sdk.plots.{arrhenius, relaxation, portraits, graph, mess3}: each writes its image file
(atomically, path checked first) from real runs or exact references, with labelled axes."""

import numpy as np
import pytest

import sdk
from compiler.tt import mess3
from device_models.errors import OutputFileError
from sdk import dynamics
from sdk.errors import AnalysisError
from sdk.plots import arrhenius, graph, mess3 as mess3_plot, portraits, relaxation

pytest.importorskip("matplotlib")


@pytest.fixture
def axes_seen(monkeypatch):
    """Records every saved figure's (xlabel, ylabel) per axes (colour bars left out), then saves it."""
    seen = []

    def spy_on(module):
        real = module.save

        def spy(fig, path, plt):
            seen.append([(ax.get_xlabel(), ax.get_ylabel()) for ax in fig.axes if ax.get_label() != "<colorbar>"])
            return real(fig, path, plt)

        monkeypatch.setattr(module, "save", spy)

    for module in (arrhenius, relaxation, portraits, graph, mess3_plot):
        spy_on(module)
    return seen


def _written(path):
    assert path.is_file() and path.stat().st_size > 5_000
    assert not list(path.parent.glob(f".{path.name}*"))  # no temporary file left behind
    return path


def _labelled(seen, panels):
    assert len(seen[-1]) == panels
    assert all(x and y for x, y in seen[-1]), seen[-1]


def test_arrhenius_plot(tmp_path, axes_seen):
    u = dynamics.double_well().node_polynomial(0)
    noise = np.array([0.25, 2 / 7, 1 / 3])
    exact = np.array([dynamics.exact_mfpt(u, -1, 1, d) for d in noise])
    curves = {"exact (double integral)": lambda d: dynamics.exact_mfpt(u, -1, 1, d),
              "Kramers": lambda d: dynamics.kramers_mfpt(1.0, 8.0, -4.0, d)}
    path = arrhenius.plot_arrhenius(noise, exact * 1.01, exact / 80, tmp_path / "arrhenius.png", curves=curves,
                                    barrier=1.0)
    _written(path)
    _labelled(axes_seen, 1)
    with pytest.raises(AnalysisError, match="equal-length"):
        arrhenius.plot_arrhenius(noise, exact[:2], exact[:2], tmp_path / "bad.png")


def test_relaxation_plot_from_a_chip_run(tmp_path, axes_seen):
    loss = dynamics.separable_quadratic(8, 10.0)
    init = 1.0 + 0.1 * np.random.default_rng(0).standard_normal((32, 8))
    path = dynamics.simulate(loss, 0.1, time=1.0, init=init, replicas=32, dt=0.005, record_every=20, seed=1,
                             backend="c")
    kl = dynamics.kl_curve(path, loss, 1.0, 0.01)
    out = relaxation.plot_relaxation({"D = 0.1": (kl.times, kl.measured, kl.exact, kl.standard_error)},
                                     tmp_path / "kl.svg", ylabel="KL(ρ_t ‖ ρ*) (nats)")
    assert out.read_text().lstrip().startswith("<?xml")  # the suffix picks the format
    _labelled(axes_seen, 1)
    with pytest.raises(AnalysisError, match="at least one"):
        relaxation.plot_relaxation({}, tmp_path / "none.png", ylabel="y")


def test_kpo_phase_portrait(tmp_path, axes_seen):
    program = sdk.compile(sdk.maxcut([(0, 1), (1, 2), (2, 3), (3, 4)]), "kpo64-kings")
    result = sdk.run(program, "numpy", num_reads=4, steps=200, seed=2, record_every=2)
    x, v = portraits.quadrature_portrait(result, node=1)
    assert x.shape == v.shape == (100, 4)
    _written(portraits.plot_phase_portrait(x, v, tmp_path / "portrait.png", xlabel="x (V_x)", vlabel="ẋ = y (V_x Δ)"))
    _labelled(axes_seen, 1)
    with pytest.raises(AnalysisError, match="quadrature portraits need a kpo run"):
        portraits.quadrature_portrait(result, node=99)
    with pytest.raises(AnalysisError, match="one shape"):
        portraits.plot_phase_portrait(x, v[:, :2], tmp_path / "bad.png")


def test_oim_phase_circle_and_device_graph(tmp_path, axes_seen):
    # two rows of the 8 × 8 king's graph: variables sit on cells 0..15
    edges = [(i, i + 1) for i in range(15) if i % 8 != 7] + [(i, i + 8) for i in range(8)] + [(i, i + 9) for i in range(7)]
    program = sdk.compile(sdk.maxcut(edges), "oim64-kings")
    result = sdk.run(program, "numpy", num_reads=2, seed=3, record_every=20)
    _written(portraits.plot_phase_circle(result, tmp_path / "phases.png", replica=1))
    _labelled(axes_seen, 2)
    _written(graph.plot_device_graph(program, result.best, tmp_path / "graph.png", label="spin"))
    _labelled(axes_seen, 1)
    pos = graph.device_layout(program)
    cell = int(program.placement[5])
    assert pos[5] == (float(cell % 8), -float(cell // 8))  # the king's-graph cell's grid position
    with pytest.raises(AnalysisError, match="values must have 16"):
        graph.plot_device_graph(program, np.ones(3), tmp_path / "g.png")
    with pytest.raises(AnalysisError, match="phase circles need an oim run"):
        portraits.plot_phase_circle(sdk.run(sdk.compile(sdk.maxcut(edges), "pbit256"), num_reads=1, seed=0,
                                            record_every=10), tmp_path / "p.png")


def test_mess3_belief_simplex(tmp_path, axes_seen):
    hmm = mess3()
    words = hmm.distribution(5).sample(400, seed=4)
    beliefs, mass = mess3_plot.belief_points(hmm, words, np.full(len(words), 1 / len(words)))
    assert mass.sum() == pytest.approx(1.0) and np.allclose(beliefs.sum(axis=1), 1.0)
    assert np.allclose(mess3_plot.simplex_xy(np.eye(3)), [[0, 0], [1, 0], [0.5, np.sqrt(3) / 2]])
    _written(mess3_plot.plot_belief_simplex(hmm, words, tmp_path / "simplex.png", source="exact draws"))
    _labelled(axes_seen, 2)
    with pytest.raises(AnalysisError, match="symbols 0, 1, 2"):
        mess3_plot.plot_belief_simplex(hmm, words + 3, tmp_path / "bad.png")


def test_output_path_is_checked_before_drawing(tmp_path):
    (tmp_path / "dir.png").mkdir()
    with pytest.raises(OutputFileError):
        arrhenius.plot_arrhenius([0.3], [20.0], [1.0], tmp_path / "dir.png")
