"""What a sweep is: a device, a grid of its parameters, problem instances, seeds and run settings.

A :class:`SweepSpec` is built in Python or read from a sweep YAML file (:meth:`SweepSpec.from_yaml`,
``docs/sweeps.md``).  Every device variant of the grid is built up front by writing the varied
values into the base device's YAML form and validating it with
:meth:`~device_models.spec.DeviceSpec.from_dict`, exactly as a chip file is validated, so a grid
value the device validator refuses stops the sweep before any work starts, with the validator's
message.

Points are indexed row-major over the dimensions ``(*grid keys, "instance", "seed")``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import numbers
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np

from compiler.models.base import AbstractEnergyModel
from device_models.cells import MODES
from device_models.errors import DeviceSpecError, SonqError
from device_models.files import printable, read_yaml
from device_models.registry import load_device
from device_models.spec import DeviceSpec
from sdk.sweep.errors import SweepError

#: top-level device keys a grid may vary
GRID_KEYS = ("cells", "mismatch", "noise_temperature", "precision")
#: device sections whose entries a grid may vary as ``<section>.<key>``
GRID_SECTIONS = ("components", "coupling", "topology")
SPEC_KEYS = ("device", "grid", "instances", "seeds", "run", "compile", "threads", "store")
INSTANCE_KEYS = ("file", "target")
COMPILE_KEYS = ("quantize",)
#: a target that asks for the exact ground energy by enumeration (models of at most 24 variables)
EXACT = "exact"


@dataclass(frozen=True)
class RunSettings:
    """Keyword arguments of :func:`runtime.run.run` every point uses (its ``seed`` is the point's).

    Attributes:
        backend: a registered backend name or ``"auto"`` (the sweep pins ``"auto"`` to the backend
            it resolves to, with the same generator, before any point runs).
        num_reads: replicas per point, ≥ 1.
        steps: integration steps (sweeps on ``pbit``); None: the cell's preset.
        protocol: ``"optimize"``, ``"sample"`` or ``"recall"``; None: the cell's default.
        temperature: model energy units; None: the preset's schedule.
        dt: step in device time units; None: the preset's.
        integrator: the step rule; None: the preset's.
        backend_options: keyword arguments of the backend's constructor.
    """

    backend: str = "auto"
    num_reads: int = 16
    steps: int | None = None
    protocol: str | None = None
    temperature: float | None = None
    dt: float | None = None
    integrator: str | None = None
    backend_options: Mapping = field(default_factory=dict)

    def __post_init__(self):
        _check_text("run.backend", self.backend)
        _check_int("run.num_reads", self.num_reads, 1)
        if self.steps is not None:
            _check_int("run.steps", self.steps, 1)
        if self.protocol is not None and self.protocol not in MODES:
            raise SweepError(f"run.protocol must be one of {MODES}, got {self.protocol!r}")
        if self.temperature is not None and not _finite_number(self.temperature, minimum=0.0):
            raise SweepError(f"run.temperature must be a finite number ≥ 0, got {self.temperature!r}")
        if self.dt is not None and not (_finite_number(self.dt, minimum=0.0) and self.dt > 0):
            raise SweepError(f"run.dt must be a positive finite number, got {self.dt!r}")
        if self.integrator is not None:
            _check_text("run.integrator", self.integrator)
        options = self.backend_options
        if not isinstance(options, Mapping) or not all(isinstance(k, str) for k in options):
            raise SweepError(f"run.backend_options must be a mapping of option names to values, got {options!r}")
        for key, value in options.items():
            if not isinstance(value, (str, int, float, bool)) and value is not None:
                raise SweepError(f"run.backend_options.{key} must be a number, text or a boolean, got {value!r}")
        object.__setattr__(self, "backend_options", dict(options))

    def kwargs(self) -> dict:
        """The arguments of :func:`runtime.run.run` (all but ``program`` and ``seed``)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class Instance:
    """One problem of the sweep.

    Attributes:
        name: the ``instance`` coordinate.
        model: an Ising, QUBO or MaxCut model (spin variables).
        target: model energy counted as success (a read at energy ≤ target succeeds); ``"exact"``
            for the ground energy by enumeration (≤ 24 variables); None: each point's own best
            energy.
    """

    name: str
    model: AbstractEnergyModel
    target: float | str | None = None

    def __post_init__(self):
        _check_text("instance name", self.name)
        if not isinstance(self.model, AbstractEnergyModel):
            raise SweepError(f"instance {self.name!r}: model must be an energy model (sdk.IsingModel, sdk.QUBO, "
                             f"sdk.maxcut(...)), got {type(self.model).__name__}")
        if self.model.to_ir().domain != "spin":
            raise SweepError(f"instance {self.name!r}: sweeps measure success and TTS99, so the model must have "
                             f"spin variables (Ising, QUBO, MaxCut), got a {self.model.to_ir().kind} model")
        target = self.target
        if target == EXACT:
            from sdk.analysis import ground_state_bruteforce

            try:
                target = float(ground_state_bruteforce(self.model)[1])
            except SonqError as exc:
                raise SweepError(f"instance {self.name!r}: target 'exact': {exc}") from None
        elif target is not None:
            if isinstance(target, bool) or not isinstance(target, numbers.Real) or not math.isfinite(target):
                raise SweepError(f"instance {self.name!r}: target must be a finite energy, 'exact' or absent, "
                                 f"got {target!r}")
            target = float(target)
        object.__setattr__(self, "target", target)

    def digest(self) -> str:
        """SHA-256 of the model's normalised energy (fields, couplings, node terms, offset, kind)."""
        ir = self.model.to_ir()
        J = ir.J.tocsr().sorted_indices()
        h = hashlib.sha256()
        for array in (ir.h, J.indptr, J.indices, J.data, ir.poly, np.float64(ir.offset)):
            h.update(np.ascontiguousarray(array).tobytes())
        h.update(f"{ir.vartype}/{ir.kind}/{ir.n}".encode())
        return h.hexdigest()


@dataclass(frozen=True)
class SweepSpec:
    """A sweep: every combination of the grid's device values × every instance × every seed.

    Attributes:
        device: the base chip: a :class:`DeviceSpec`, a shipped name or a chip YAML path.
        instances: problems: a mapping ``name → model`` (or ``name → Instance``) or Instances.
        seeds: non-negative integers; a point's seed is both its chip instance (the compile's
            ``mismatch_seed``) and its run seed.
        grid: device keys (``mismatch``, ``noise_temperature``, ``cells``, ``precision``,
            ``coupling.<key>``, ``components.<key>``, ``topology.<key>``) → the values to take, each
            written as in a chip file (``"300 K"`` or 300.0).
        run: the run settings every point uses.
        quantize: compile onto the DAC grid.
        threads: threads each point may use (BLAS, OpenMP, the backend's own team).
        store: the Zarr store results go to (the caller may give another).

    Derived (not arguments): ``axes`` (key → the coordinate values, read back from the validated
    variants, so ``"300 K"`` becomes 300.0) and ``variants`` (grid index tuple → DeviceSpec).
    """

    device: DeviceSpec | str | Path
    instances: Mapping | Iterable
    seeds: Iterable[int]
    grid: Mapping = field(default_factory=dict)
    run: RunSettings = field(default_factory=RunSettings)
    quantize: bool = True
    threads: int = 1
    store: Path | None = None
    axes: dict = field(init=False, repr=False, compare=False)
    variants: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731  (frozen)
        try:
            set_("device", load_device(self.device))
        except SonqError as exc:
            raise SweepError(f"device: {exc}") from None
        set_("instances", _instances(self.instances))
        set_("seeds", _seeds(self.seeds))
        if not isinstance(self.run, RunSettings):
            raise SweepError(f"run must be RunSettings, got {type(self.run).__name__}")
        if not isinstance(self.quantize, bool):
            raise SweepError(f"compile.quantize must be true or false, got {self.quantize!r}")
        _check_int("threads", self.threads, 1)
        if self.store is not None:
            set_("store", Path(self.store))
        grid = _grid(self.grid)
        set_("grid", grid)
        variants = {index: _variant(self.device, grid, index) for index in
                    itertools.product(*(range(len(v)) for v in grid.values()))}
        axes = {key: tuple(_read(variants[_unit(len(grid), k, i)].to_dict(), key) for i in range(len(values)))
                for k, (key, values) in enumerate(grid.items())}
        for key, coords in axes.items():
            if len(set(coords)) != len(coords):
                raise SweepError(f"grid.{key}: the values {list(grid[key])!r} repeat a value ({list(coords)!r} "
                                 "once read as the device holds them)")
        set_("axes", axes)
        set_("variants", variants)

    @classmethod
    def from_yaml(cls, path: str | Path) -> "SweepSpec":
        """Read a sweep file; device, instance and store paths in it are relative to its directory.

        Raises:
            SweepError: an unreadable file, invalid YAML, an unknown key or a wrong type (named).
        """
        path = Path(path)
        shown = printable(str(path))
        raw = read_yaml(path, shown, "a sweep file", SweepError)
        try:
            return cls.from_dict(raw, base=path.parent)
        except SweepError as exc:
            raise SweepError(f"{shown}: {exc}") from None

    @classmethod
    def from_dict(cls, raw, *, base: Path = Path(".")) -> "SweepSpec":
        """Validate a parsed sweep mapping (the YAML form, ``docs/sweeps.md``) and build the spec."""
        section = _mapping("sweep", raw, SPEC_KEYS, required=("device", "instances", "seeds"))
        device = section["device"]
        if isinstance(device, str):
            device = _local(device, base) if device.endswith((".yaml", ".yml")) else device
        elif not isinstance(device, Mapping):
            raise SweepError(f"device must be a shipped name, a chip YAML path or a chip mapping, got {device!r}")
        else:
            try:
                device = DeviceSpec.from_dict(dict(device), source="the sweep's device")
            except DeviceSpecError as exc:
                raise SweepError(f"device: {exc}") from None
        run = _mapping("run", section.get("run", {}), tuple(f.name for f in fields(RunSettings)))
        compiled = _mapping("compile", section.get("compile", {}), COMPILE_KEYS)
        store = section.get("store")
        if store is not None:
            _check_text("store", store)
        return cls(device=device, instances=_yaml_instances(section["instances"], base),
                   seeds=_yaml_seeds(section["seeds"]), grid=section.get("grid", {}), run=RunSettings(**run),
                   quantize=compiled.get("quantize", True), threads=section.get("threads", 1),
                   store=None if store is None else _local(store, base))

    @property
    def dims(self) -> tuple[str, ...]:
        """Dimension names: the grid keys in order, then ``instance`` and ``seed``."""
        return (*self.axes, "instance", "seed")

    @property
    def shape(self) -> tuple[int, ...]:
        return (*(len(v) for v in self.axes.values()), len(self.instances), len(self.seeds))

    @property
    def num_points(self) -> int:
        return math.prod(self.shape)

    def point(self, flat: int) -> tuple[DeviceSpec, Instance, int]:
        """The device variant, instance and seed of point ``flat`` (row-major over :attr:`dims`)."""
        index = np.unravel_index(flat, self.shape)
        grid, i, s = tuple(int(k) for k in index[:-2]), int(index[-2]), int(index[-1])
        return self.variants[grid], self.instances[i], self.seeds[s]

    def describe(self, flat: int) -> str:
        """Point ``flat`` as ``key=value`` pairs, for messages."""
        index = np.unravel_index(flat, self.shape)
        coords = [*(self.axes[k][int(i)] for k, i in zip(self.axes, index)), self.instances[int(index[-2])].name,
                  self.seeds[int(index[-1])]]
        return ", ".join(f"{d}={c!r}" for d, c in zip(self.dims, coords))

    def identity(self, run: RunSettings) -> dict:
        """What fixes the results (plain JSON data): a store made for one identity refuses another.
        ``run`` is the run settings as pinned by the sweep (backend resolved); ``threads`` and the
        store's path do not change results and are left out."""
        return {"device": self.device.to_dict(), "grid": [[k, list(v)] for k, v in self.axes.items()],
                "instances": [{"name": i.name, "model_sha256": i.digest(), "target": i.target}
                              for i in self.instances],
                "seeds": list(self.seeds), "run": run.kwargs(), "quantize": self.quantize}


def identity_json(identity: dict) -> str:
    """Canonical JSON text of a sweep identity (sorted keys, no spaces)."""
    return json.dumps(identity, sort_keys=True, separators=(",", ":"), allow_nan=False)


def _variant(base: DeviceSpec, grid: Mapping[str, tuple], index: tuple[int, ...]) -> DeviceSpec:
    """The base device with the grid values at ``index`` written into its YAML form, validated as a
    chip file is."""
    raw = base.to_dict()
    values = {key: grid[key][i] for key, i in zip(grid, index)}
    for key, value in values.items():
        section, _, leaf = key.rpartition(".")
        (raw[section] if section else raw)[leaf] = value
    try:
        return DeviceSpec.from_dict(raw, source=base.source)
    except DeviceSpecError as exc:
        shown = ", ".join(f"{k}={v!r}" for k, v in values.items())
        raise SweepError(f"grid point {shown}: {exc}") from None


def _unit(n: int, k: int, i: int) -> tuple[int, ...]:
    """The grid index with axis ``k`` at ``i`` and every other axis at 0."""
    return tuple(i if j == k else 0 for j in range(n))


def _read(raw: dict, key: str):
    section, _, leaf = key.rpartition(".")
    return (raw[section] if section else raw)[leaf]


def _grid(grid) -> dict[str, tuple]:
    if not isinstance(grid, Mapping):
        raise SweepError(f"grid must be a mapping of device keys to lists of values, got {grid!r}")
    out = {}
    for key, values in grid.items():
        section, _, leaf = str(key).rpartition(".")
        if not isinstance(key, str) or not (key in GRID_KEYS or (section in GRID_SECTIONS and leaf)):
            raise SweepError(f"unknown grid key {key!r}; a grid varies {', '.join(GRID_KEYS)} or "
                             f"<section>.<key> for a section in {GRID_SECTIONS}")
        if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
            raise SweepError(f"grid.{key} must be a list of values, got {values!r}")
        values = tuple(values)
        if not values:
            raise SweepError(f"grid.{key} is an empty list")
        out[key] = values
    return out


def _instances(raw) -> tuple[Instance, ...]:
    if isinstance(raw, Mapping):
        items = [v if isinstance(v, Instance) else Instance(str(k), v) for k, v in raw.items()]
    elif isinstance(raw, Iterable) and not isinstance(raw, (str, bytes)):
        items = list(raw)
    else:
        raise SweepError(f"instances must be a mapping of names to models, or Instances, got {raw!r}")
    for item in items:
        if not isinstance(item, Instance):
            raise SweepError(f"instances must be models or sdk.sweep.Instance, got {type(item).__name__}")
    names = [i.name for i in items]
    if not items or len(set(names)) != len(names):
        raise SweepError(f"instances need at least one entry and distinct names, got {names!r}")
    return tuple(items)


def _seeds(raw) -> tuple[int, ...]:
    if isinstance(raw, (str, bytes)) or not isinstance(raw, Iterable):
        raise SweepError(f"seeds must be a list of non-negative integers, got {raw!r}")
    seeds = tuple(raw)
    for s in seeds:
        _check_int("seeds[...]", s, 0)
    if not seeds or len(set(seeds)) != len(seeds):
        raise SweepError(f"seeds must hold at least one seed and no seed twice, got {list(seeds)!r}")
    return tuple(int(s) for s in seeds)


def _yaml_seeds(raw) -> range | list:
    """``seeds: [0, 1, 2]`` or ``seeds: {start: 0, count: 8}``."""
    if isinstance(raw, Mapping):
        spec = _mapping("seeds", raw, ("start", "count"), required=("count",))
        start, count = spec.get("start", 0), spec["count"]
        _check_int("seeds.start", start, 0)
        _check_int("seeds.count", count, 1)
        return range(start, start + count)
    if not isinstance(raw, list):
        raise SweepError(f"seeds must be a list of integers or {{start: S, count: N}}, got {raw!r}")
    return raw


def _yaml_instances(raw, base: Path) -> list[Instance]:
    """``name: file`` or ``name: {file: F, target: T}``; a file is a Gset/rudy path (relative to the
    sweep file) or the name of a shipped instance (``sdk.datasets``)."""
    from sdk import datasets
    from sdk.interop import read_gset

    if not isinstance(raw, Mapping) or not raw:
        raise SweepError(f"instances must be a non-empty mapping of names to files, got {raw!r}")
    out = []
    for name, entry in raw.items():
        entry = {"file": entry} if isinstance(entry, str) else _mapping(f"instances.{name}", entry, INSTANCE_KEYS,
                                                                        required=("file",))
        _check_text(f"instances.{name}.file", entry["file"])
        text = entry["file"]
        path = _local(text, base)
        try:
            source = path if path.is_file() or "/" in text or text.endswith(".rudy") else datasets.instance_path(text)
            model = read_gset(source)
        except SonqError as exc:
            raise SweepError(f"instances.{name}: {exc}") from None
        out.append(Instance(str(name), model, entry.get("target")))
    return out


def _mapping(where: str, raw, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> dict:
    """``raw`` as a dict after checking it is a mapping with string keys among ``allowed``."""
    if not isinstance(raw, Mapping):
        raise SweepError(f"{where} must be a mapping, got {raw!r}")
    unknown = [k for k in raw if k not in allowed]
    if unknown:
        raise SweepError(f"unknown key(s) {unknown!r} in {where}; allowed: {list(allowed)}")
    missing = [k for k in required if k not in raw]
    if missing:
        raise SweepError(f"{where} needs the key(s) {missing}")
    return dict(raw)


def _local(text: str, base: Path) -> Path:
    path = Path(text).expanduser()
    return path if path.is_absolute() else base / path


def _check_int(name: str, value, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise SweepError(f"{name} must be an integer ≥ {minimum}, got {value!r}")


def _check_text(name: str, value) -> None:
    if not isinstance(value, str) or not value:
        raise SweepError(f"{name} must be non-empty text, got {value!r}")


def _finite_number(value, *, minimum: float) -> bool:
    return (not isinstance(value, bool) and isinstance(value, numbers.Real) and math.isfinite(value)
            and value >= minimum)
