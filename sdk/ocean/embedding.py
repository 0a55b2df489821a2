"""What a minor-embedding does to a problem on a chip's coupling DAC.

Ocean embeds (``dwave.embedding.EmbeddedStructure.embed_bqm``: each field spread evenly over its
chain, each logical coupling over the couplers between two chains, chains held by ``−chain_strength``)
and unembeds (majority vote); it does not know that the compiler then divides every coefficient by
the largest one (:func:`compiler.passes.scale.scale`) and rounds it to ``round(|x|·L)/L`` with
``L = 2**dac_bits − 1`` levels (:mod:`compiler.passes.quantize`).  A chain strength above the
problem's largest coefficient becomes the full scale, so every logical term shrinks by
``chain_strength / max|J|`` before rounding, and pieces below half a DAC step are dropped.
:func:`chain_resolution` measures this on the program the chip would run.
"""

from __future__ import annotations

from dataclasses import dataclass

import dimod
import numpy as np

from sdk.ocean.samplers import AbstractChipSampler


@dataclass(frozen=True)
class ChainResolution:
    """How an embedded problem's logical terms land on the DAC (model energy units unless stated).

    Attributes:
        chain_strength: the chain coupling magnitude used (Ocean's rule, or the one given; the
            largest when it is a mapping); ``None`` when every chain is one cell (nothing to hold).
        full_scale: model energy of one full-scale coupling (``program.scale``).
        dac_step: model energy of one DAC step (``full_scale / L``).
        compression: the largest logical term (field or coupling piece on one coupler) as a fraction
            of full scale: 1 when the chains are weaker than the problem, smaller as they grow.
        logical_terms: couplers between chains and fields on chain members that carry the problem.
        dropped: of those, how many the DAC programs as zero (below half a step).
        relative_error: ‖programmed − ideal‖₂ / ‖ideal‖₂ over the logical terms: what rounding
            (and dropping) does to the logical problem.
    """

    chain_strength: float | None
    full_scale: float
    dac_step: float
    compression: float
    logical_terms: int
    dropped: int
    relative_error: float


def chain_resolution(sampler: AbstractChipSampler, bqm: dimod.BinaryQuadraticModel, embedding,
                     chain_strength=None) -> ChainResolution:
    """Embed ``bqm`` as ``EmbeddingComposite`` would (Ocean's ``embed_bqm``, SPIN), compile it for
    ``sampler``'s chip, and compare the programmed logical terms with their ideal values.

    Args:
        sampler: the structured sampler the problem runs on (its chip, DAC and mismatch instance).
        bqm: the logical problem.
        embedding: ``{variable: chain of cells}`` (as ``minorminer.find_embedding`` returns).
        chain_strength: a number, mapping or Ocean rule; default
            ``dwave.embedding.chain_strength.uniform_torque_compensation`` (``EmbeddingComposite``'s).
    """
    from dwave.embedding import EmbeddedStructure

    structure = EmbeddedStructure(sampler.edgelist, embedding)
    embedded = structure.embed_bqm(bqm, chain_strength=chain_strength, smear_vartype=dimod.SPIN)
    program = sampler.compile(embedded)
    node = {v: k for k, v in enumerate(embedded.variables)}
    chain_of = {cell: v for v, chain in embedding.items() for cell in chain}
    n = len(node)
    couplings = program.couplings.tocsr()
    ideal, programmed = [], []
    for (u, v), bias in embedded.quadratic.items():
        if chain_of[u] != chain_of[v]:
            ideal.append(bias)
            programmed.append(couplings[node[u], node[v]])
    for u, bias in embedded.linear.items():
        if bias:
            ideal.append(bias)
            programmed.append(couplings[node[u], n] if program.reference else program.fields[node[u]])
    ideal = np.array(ideal, dtype=np.float64) / program.scale
    programmed = np.array(programmed, dtype=np.float64)
    norm = float(np.linalg.norm(ideal))
    strength = structure.chain_strength
    if isinstance(strength, dict):
        strength = max(strength.values())
    return ChainResolution(
        chain_strength=None if strength is None else float(strength),
        full_scale=program.scale, dac_step=program.scale / sampler.device.coupling.levels,
        compression=float(np.abs(ideal).max()) if ideal.size else 0.0, logical_terms=int(ideal.size),
        dropped=int(np.sum(programmed == 0)),
        relative_error=float(np.linalg.norm(programmed - ideal)) / norm if norm else 0.0)


__all__ = ["ChainResolution", "chain_resolution"]
