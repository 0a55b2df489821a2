"""The sdk.plots gallery: every figure drawn from a real run (docs/gallery.md shows them).

Writes into OUT_DIR:

- ``energy_traces.png``: a 16-node MaxCut annealed on ``oim64-kings`` (``plot_energy_traces``);
- ``oim_phases.png``: one replica's oscillator phases on the circle and over time (``plot_phase_circle``);
- ``device_graph.png``: its best spins on the chip's coupling graph (``plot_device_graph``);
- ``kpo_portrait.png``: (x, ẋ) of Kerr parametric oscillators through the bifurcation
  (``quadrature_portrait`` + ``plot_phase_portrait``);
- ``mess3_simplex.png``: Mess3 belief states of sequences sampled on ``pbit256`` beside the exact
  ones (``plot_belief_simplex``).

The Langevin figures (``arrhenius.png``, ``kl_relaxation.png``, ``consolidation.png``) come from
``examples/langevin_learning.py``.

    python examples/plots_gallery.py [OUT_DIR]

``SONQ_EXAMPLE_QUICK=1`` samples fewer Mess3 sequences.
"""

import os
import sys
from pathlib import Path

import numpy as np

import sdk
from compiler.tt import TTDistribution, decode_spins, encode_states, hmm_to_potts, mess3, one_hot_penalty, potts_to_ising
from sdk.plots import plot_energy_traces
from sdk.plots.graph import plot_device_graph
from sdk.plots.mess3 import plot_belief_simplex
from sdk.plots.portraits import plot_phase_circle, plot_phase_portrait, quadrature_portrait

QUICK = os.environ.get("SONQ_EXAMPLE_QUICK") == "1"
MESS3_LENGTH = 5


def kings_maxcut() -> sdk.MaxCutModel:
    """Unit-weight MaxCut on two rows of the 8 × 8 king's graph (variables on cells 0..15)."""
    edges = ([(i, i + 1) for i in range(15) if i % 8 != 7] + [(i, i + 8) for i in range(8)]
             + [(i, i + 9) for i in range(7)] + [(i + 1, i + 8) for i in range(7)])
    return sdk.maxcut(edges)


def oim_figures(out: Path) -> None:
    program = sdk.compile(kings_maxcut(), "oim64-kings")
    result = sdk.run(program, num_reads=32, seed=1, record_every=20)
    print(f"oim64-kings MaxCut: best cut {result.cut_values.max():g}")
    print(plot_energy_traces(result, out / "energy_traces.png", title="16-node king's-graph MaxCut on oim64-kings"))
    print(plot_phase_circle(result, out / "oim_phases.png", replica=result.replica[result.lowest_index]))
    print(plot_device_graph(program, result.best, out / "device_graph.png", label="spin s_i",
                            title="best spins on oim64-kings (red J > 0, blue J < 0)"))


def kpo_figure(out: Path) -> None:
    program = sdk.compile(kings_maxcut(), "kpo64-kings")
    result = sdk.run(program, num_reads=3, seed=2, record_every=1)
    x, v = quadrature_portrait(result, node=3)
    print(plot_phase_portrait(x, v, out / "kpo_portrait.png", xlabel="x (units of V_x)",
                              vlabel="ẋ = y (V_x per τ₀)", title="KPO node 3 through the pump ramp (3 replicas)"))


def mess3_figure(out: Path) -> None:
    """Chains start from exact draws (single-site Gibbs keeps one-hot values for ~10⁴ sweeps at the
    penalty that gives 1% invalid samples; see examples/tt_mess3_on_chip.py) and run 300 sweeps."""
    hmm = mess3()
    potts = hmm_to_potts(hmm, MESS3_LENGTH)
    program = sdk.compile(potts_to_ising(potts, one_hot_penalty(potts, beta=1.0, delta=0.01)), "pbit256")
    replicas = 256 if QUICK else 2048
    init = encode_states(potts, TTDistribution(hmm.joint_tt(MESS3_LENGTH)).sample(replicas, seed=3))
    result = sdk.run(program, num_reads=replicas, steps=300, temperature=1.0, seed=4, init=init.astype(np.float64))
    decoded = decode_spins(potts, result.samples)
    words = decoded.states[decoded.valid][:, 1::2]  # sites alternate h_k, x_k
    print(f"Mess3 on pbit256: {len(words)} valid sequences of {replicas}")
    print(plot_belief_simplex(hmm, words, out / "mess3_simplex.png", source="pbit256 samples"))


if __name__ == "__main__":
    out_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(".")
    out_dir.mkdir(parents=True, exist_ok=True)
    oim_figures(out_dir)
    kpo_figure(out_dir)
    mess3_figure(out_dir)
