"""SONQ chips as Ocean (dimod) samplers, and a logical problem minor-embedded on a sparse chip.

1. ``ChipSampler("pbit256")``: a BQM with string labels on the all-to-all p-bit chip, the sample
   set's timing (host nanoseconds) and modelled chip time.
2. ``EmbeddingComposite(StructuredChipSampler("oim64-kings"))``: MaxCut of the Petersen graph
   (10 nodes, 15 edges, maximum cut 12), which is not a subgraph of the king's graph, minor-embedded
   by minorminer, chains unembedded by majority vote; the chain-break fraction, and what the chain
   strength does to the logical couplings on the chip's 6-bit DAC (``chain_resolution``).

    python examples/ocean_sampler.py

``SONQ_EXAMPLE_QUICK=1`` takes 8 reads instead of 64.
"""

import os
from functools import partial

import dimod
import networkx as nx
from dwave.embedding.chain_strength import uniform_torque_compensation
from dwave.system import EmbeddingComposite

from sdk.ocean import ChipSampler, StructuredChipSampler, chain_resolution

READS = 8 if os.environ.get("SONQ_EXAMPLE_QUICK") == "1" else 64

# 1. any labels on an all-to-all chip; energies are the BQM's own, offset included
bqm = dimod.BinaryQuadraticModel({"a": 0.5, "b": -1.0}, {("a", "b"): -1.0, ("b", "c"): 2.0}, 0.25, "SPIN")
sampleset = ChipSampler("pbit256").sample(bqm, num_reads=READS, seed=1)
timing = sampleset.info["timing"]
print(f"pbit256: best {({v: int(s) for v, s in sampleset.first.sample.items()})} energy {sampleset.first.energy:g} "
      f"(exact {dimod.ExactSolver().sample(bqm).first.energy:g}); host: compile "
      f"{timing['preprocessing_ns'] / 1e6:.2f} ms, emulation {timing['sampling_ns'] / 1e6:.2f} ms; "
      f"chip {sampleset.info['chip_time'] * 1e9:.0f} ns per read")

# 2. MaxCut of the Petersen graph on the king's-graph OIM: E = Σ s_i s_j, cut = (15 − E)/2
graph = nx.petersen_graph()
maxcut = dimod.BinaryQuadraticModel({}, {edge: 1.0 for edge in graph.edges}, 0.0, "SPIN")
chip = StructuredChipSampler("oim64-kings")
sampleset = EmbeddingComposite(chip).sample(maxcut, num_reads=READS, seed=2, return_embedding=True,
                                            embedding_parameters={"random_seed": 3})
embedding = sampleset.info["embedding_context"]["embedding"]
cuts = (graph.number_of_edges() - sampleset.record.energy) / 2
print(f"oim64-kings: Petersen MaxCut best cut {cuts.max():g} (maximum 12), {int((cuts == 12).sum())}/{len(cuts)} "
      f"reads; chains of {sorted(len(c) for c in embedding.values())} cells, chain strength "
      f"{sampleset.info['embedding_context']['chain_strength']:.3g}, mean chain-break fraction "
      f"{sampleset.record.chain_break_fraction.mean():.3f}")
for prefactor in (1.414, 4.0):
    report = chain_resolution(chip, maxcut, embedding, partial(uniform_torque_compensation, prefactor=prefactor))
    print(f"  chain strength {report.chain_strength:.3g}: logical terms use {report.compression:.0%} of full scale, "
          f"one DAC step = {report.dac_step:.3g}, {report.dropped}/{report.logical_terms} dropped, "
          f"rounding error {report.relative_error:.1%}")
