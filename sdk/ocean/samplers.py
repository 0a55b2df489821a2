"""dimod samplers that compile each binary quadratic model onto a SONQ chip and run it.

:class:`ChipSampler` takes BQMs over any labels on a chip whose cells are all coupled to each other;
:class:`StructuredChipSampler` takes BQMs over the cells and couplers of any chip (a
``dimod.Structured`` sampler), so that ``dwave.system.EmbeddingComposite`` minor-embeds logical
problems on sparse chips.  Both are ``dimod.Initialized``: ``initial_states`` start the chip's
nodes at the given spins (:meth:`~device_models.cells.AbstractSpinCell.encode`).

A call compiles the BQM (:func:`compiler.compile.compile`, on one chip instance: the sampler's
``mismatch_seed``), runs it (:func:`runtime.run.run`; spin cells anneal by their ``"optimize"``
preset unless a ``temperature`` or ``protocol`` says otherwise) and returns a ``dimod.SampleSet``
whose energies dimod computes from the BQM itself, offset included, in the BQM's vartype.
"""

from __future__ import annotations

import itertools
import time
from functools import cached_property
from typing import Any

import dimod
import numpy as np

from compiler.compile import compile
from compiler.passes.mismatch import fresh_seed
from compiler.program import Program
from device_models.errors import TopologyError
from device_models.registry import load_device
from device_models.spec import DeviceSpec
from runtime.backends import BACKEND_PATHS
from runtime.errors import RunError
from runtime.run import run
from sdk.interop import ising_from_dimod

#: keyword arguments of :meth:`AbstractChipSampler.sample` passed on to :func:`runtime.run.run`
#: unchanged, each with the ``properties`` entry that lists its values (dimod's convention)
RUN_PARAMETERS = {"backend": ["backends"], "steps": [], "run_time": [], "dt": [], "temperature": [],
                  "schedules": ["schedules"], "protocol": [], "integrator": ["integrators"],
                  "record_every": [], "burn_in": [], "backend_options": [], "max_memory": []}
#: seeds drawn for unseeded calls lie in 0 .. 2³² − 1, the range Ocean samplers take
SEED_RANGE = 2**32


class AbstractChipSampler(dimod.Sampler, dimod.Initialized):
    """The dimod face of one SONQ chip instance: compile, run, translate back.

    Args:
        device: a shipped device name, a YAML path or a :class:`DeviceSpec`; spin cells only.
        quantize: program couplings on the chip's DAC grid (``False``: ideal conductances).
        mismatch_seed: the chip instance, for devices with a fabrication spread (``mismatch`` σ);
            default a fresh seed drawn once, so every call runs on the same chip
            (``properties["mismatch_seed"]``).

    Raises:
        RunError: a device whose cells hold real variables (dimod models are discrete).
    """

    parameters: dict = None  # set per instance (dimod's abstract properties, as dwave-samplers does)
    """Keyword arguments :meth:`sample` takes, each with the ``properties`` keys listing its values."""
    properties: dict = None
    """The chip: device, cell, cells, topology, coupling range and DAC, mismatch instance, backends."""

    def __init__(self, device: "str | DeviceSpec", *, quantize: bool = True, mismatch_seed: int | None = None):
        spec = load_device(device)
        if spec.cell.domain != "spin":
            raise RunError(f"device {spec.name!r} has {spec.cell.name!r} cells, which hold real variables; dimod "
                           "samplers need a chip of spin cells")
        if spec.mismatch and mismatch_seed is None:
            mismatch_seed = fresh_seed()
        self.device = spec
        self.quantize = bool(quantize)
        self.mismatch_seed = mismatch_seed if spec.mismatch else None
        self.parameters = {"num_reads": [], "seed": [], "initial_states": [], "initial_states_generator": [],
                           **{name: list(values) for name, values in RUN_PARAMETERS.items()}}
        cell, coupling = spec.cell, spec.coupling
        self.properties = {"device": spec.name, "description": spec.description, "cell": cell.name,
                           "num_cells": spec.cells, "topology": spec.topology.kind,
                           "backends": ("auto", *BACKEND_PATHS),
                           "integrators": cell.integrators, "schedules": cell.schedules[1:],
                           "g_max": coupling.g_max, "g_min": coupling.g_min, "dac_bits": coupling.dac_bits,
                           "dac_levels": coupling.levels, "quantize": self.quantize,
                           "mismatch": spec.mismatch, "mismatch_seed": self.mismatch_seed}

    def sample(self, bqm: dimod.BinaryQuadraticModel, *, num_reads: int | None = None, seed: int | None = None,
               initial_states=None, initial_states_generator: str = "random", **run_options: Any) -> dimod.SampleSet:
        """Sample a BQM on the chip.

        Args:
            bqm: a ``dimod.BinaryQuadraticModel`` (SPIN or BINARY, any labels the sampler accepts).
            num_reads: independent runs (replicas); default the number of ``initial_states``, or 1.
            seed: non-negative integer seeding the run (initial states and noise); default one
                drawn from 0..2³²−1 and reported in ``info["seed"]``, so every call is repeatable.
            initial_states: samples-like start states in the BQM's variables (dimod's
                ``Initialized``); default the cell's own (random phases on ``oim``).
            initial_states_generator: ``"random"``, ``"tile"`` or ``"none"``: how dimod fills
                ``initial_states`` up to ``num_reads``.
            **run_options: :func:`runtime.run.run`'s settings: ``backend`` (default ``"auto"``),
                ``steps``, ``run_time``, ``dt``, ``temperature`` (model energy units: samples at it),
                ``schedules``, ``protocol``, ``integrator``, ``record_every``, ``burn_in`` (then
                every recorded state after it is a row), ``backend_options``, ``max_memory``.

        Returns:
            A ``dimod.SampleSet`` in the BQM's vartype, energies from the BQM, data vectors
            ``replica`` and ``step``, and ``info`` with ``timing`` (host nanoseconds:
            ``preprocessing_ns`` compile, ``sampling_ns`` emulation, ``postprocessing_ns``
            readout; ``chip_ns`` the modelled chip time of all reads one after another),
            ``chip_time`` (seconds per read: anneal plus readout), the run's settings (``backend``,
            ``protocol``, ``steps``, ``dt``, ``seed``, ...), ``full_scale`` and ``dac_step`` (model
            energy of a full-scale coupling and of one DAC step) and the ``compile`` report.

        Raises:
            RunError: an unknown keyword, bad run settings or initial states.
            TopologyError: (structured chips) a variable that is not a cell or a coupling between
                cells the chip does not connect.
        """
        start = time.perf_counter_ns()
        unknown = sorted(set(run_options) - set(RUN_PARAMETERS))
        if unknown:
            raise RunError(f"{type(self).__name__}.sample got unknown keyword(s) {unknown}; it takes "
                           f"{sorted(self.parameters)}")
        seed = int(np.random.SeedSequence().generate_state(1)[0]) % SEED_RANGE if seed is None else seed
        variables = list(bqm.variables)
        if initial_states is not None:
            initial_states, num_reads = self._initial_spins(bqm, variables, initial_states,
                                                            initial_states_generator, num_reads, seed)
        num_reads = 1 if num_reads is None else num_reads
        if not variables:
            return self._empty(bqm, num_reads, seed, start)
        program = self.compile(bqm)
        init = None if initial_states is None else self._encode(program, initial_states, seed)
        sampled = time.perf_counter_ns()
        result = run(program, num_reads=num_reads, seed=seed, init=init, **run_options)
        read = time.perf_counter_ns()
        spins = result.samples
        samples = spins if bqm.vartype is dimod.SPIN else (spins + 1) // 2
        sampleset = dimod.SampleSet.from_samples_bqm((samples, variables), bqm, info=self._info(program, result.info),
                                                     replica=result.replica, step=result.step)
        sampleset.info["timing"] = {"preprocessing_ns": sampled - start, "sampling_ns": read - sampled,
                                    "postprocessing_ns": time.perf_counter_ns() - read,
                                    "chip_ns": round(result.info["chip_time"] * num_reads * 1e9)}
        return sampleset

    def compile(self, bqm: dimod.BinaryQuadraticModel) -> Program:
        """The program a BQM of at least one variable runs as on this chip instance: its Ising form
        over ``bqm.variables`` in order (node k is variable k, the oim reference oscillator last)."""
        variables = list(bqm.variables)
        self._check(bqm, variables)
        return compile(ising_from_dimod(bqm, variables), self.device, placement=self._placement(variables),
                       quantize=self.quantize, mismatch_seed=self.mismatch_seed)

    def _check(self, bqm: dimod.BinaryQuadraticModel, variables: list) -> None:
        """Refuse a BQM this sampler cannot place (nothing to refuse by default)."""

    def _placement(self, variables: list):
        """The chip cell of each variable (``None``: variable k on cell k)."""
        return None

    def _initial_spins(self, bqm, variables, initial_states, generator, num_reads, seed):
        """``((num_reads, n) spins in the order of variables, num_reads)`` from dimod's parsing."""
        try:
            parsed = self.parse_initial_states(bqm, initial_states=initial_states, initial_states_generator=generator,
                                               num_reads=num_reads, seed=seed)
        except (ValueError, TypeError) as exc:
            raise RunError(f"initial_states: {exc}") from None
        states = parsed.initial_states
        columns = [states.variables.index(v) for v in variables]
        spins = states.record.sample[:, columns].astype(np.float64)
        return (spins if bqm.vartype is dimod.SPIN else 2 * spins - 1), parsed.num_reads

    @staticmethod
    def _encode(program: Program, spins: np.ndarray, seed: int) -> np.ndarray:
        """Node states that read out as ``spins`` (the cell's :meth:`encode`)."""
        try:
            return program.cell.encode(program, spins, np.random.default_rng(seed))
        except NotImplementedError as exc:
            raise RunError(f"initial_states: {exc}") from None

    def _empty(self, bqm, num_reads: int, seed: int, start: int) -> dimod.SampleSet:
        """A BQM without variables: ``num_reads`` empty samples at the offset, nothing run."""
        if isinstance(num_reads, bool) or not isinstance(num_reads, int) or num_reads < 1:
            raise RunError(f"num_reads must be an integer ≥ 1, got {num_reads!r}")
        info = {"seed": seed, "chip_time": 0.0, "device": self.device.name,
                "timing": {"preprocessing_ns": time.perf_counter_ns() - start, "sampling_ns": 0,
                           "postprocessing_ns": 0, "chip_ns": 0}}
        return dimod.SampleSet.from_samples_bqm((np.zeros((num_reads, 0), dtype=np.int8), []), bqm, info=info)

    def _info(self, program: Program, run_info: dict) -> dict:
        """The run's metadata for ``SampleSet.info`` (JSON-ready values)."""
        info = {k: v for k, v in run_info.items() if k != "wall_time"}
        info["full_scale"] = program.scale
        info["dac_step"] = program.scale / self.device.coupling.levels
        info["compile"] = program.report.to_dict()
        return info


class ChipSampler(AbstractChipSampler):
    """A dimod sampler on a chip whose cells are all coupled (``oim1024``, ``pbit256``, ...):
    variable k of a BQM (in ``bqm.variables`` order) runs on cell k, labels are any hashables.

    Example::

        sampler = ChipSampler("pbit256")
        sampleset = sampler.sample_ising({"a": 1.0}, {("a", "b"): -2.0}, num_reads=16, seed=1)

    Raises:
        TopologyError: a chip with a sparse topology (use :class:`StructuredChipSampler`, through
            ``dwave.system.EmbeddingComposite`` for logical problems).
    """

    def __init__(self, device: "str | DeviceSpec", **options):
        super().__init__(device, **options)
        if self.device.topology.kind != "all_to_all":
            raise TopologyError(f"device {self.device.name!r} couples only {self.device.topology.kind} neighbours: "
                                f"use StructuredChipSampler({self.device.name!r}), wrapped in "
                                "dwave.system.EmbeddingComposite for problems of another shape")


class StructuredChipSampler(AbstractChipSampler, dimod.Structured):
    """A structured dimod sampler: variables are the chip's cells (``nodelist``, ``0..cells−1``),
    interactions its couplers (``edgelist``, from the device topology).  Wrap it in
    ``dwave.system.EmbeddingComposite`` to minor-embed a logical problem (chains unembedded by
    majority vote, ``chain_break_fraction`` per sample); ``docs/ocean.md``.

    Fields on ``oim`` chips ride on the reference oscillator the compiler adds beside the cells
    (``docs/architecture.md``), so linear biases need no coupler.
    """

    @cached_property
    def nodelist(self) -> list[int]:
        return list(range(self.device.cells))

    @cached_property
    def edgelist(self) -> list[tuple[int, int]]:
        cells = self.device.cells
        if self.device.topology.kind == "all_to_all":
            return list(itertools.combinations(range(cells), 2))
        return [(int(i), int(j)) for i, j in self.device.topology.edges(cells)]

    @cached_property
    def _edges(self) -> frozenset:
        return frozenset(self.edgelist)

    def _check(self, bqm, variables):
        cells = self.device.cells
        for v in variables:
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not 0 <= v < cells:
                raise TopologyError(f"variable {v!r} is not a cell of device {self.device.name!r} "
                                    f"(cells 0..{cells - 1}); minor-embed logical problems with "
                                    "dwave.system.EmbeddingComposite")
        if self.device.topology.kind == "all_to_all":
            return
        for u, v in bqm.quadratic:
            if (min(u, v), max(u, v)) not in self._edges:
                raise TopologyError(f"interaction ({u}, {v}) joins cells that device {self.device.name!r} "
                                    f"({self.device.topology.kind}) does not connect")

    def _placement(self, variables):
        return np.array(variables, dtype=np.int64)


__all__ = ["AbstractChipSampler", "ChipSampler", "StructuredChipSampler", "RUN_PARAMETERS"]
