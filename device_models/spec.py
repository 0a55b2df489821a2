"""Chip descriptions: :class:`DeviceSpec` and its YAML schema.

A device file looks like::

    name: oim64-kings
    description: 64-cell king's-graph oscillator Ising machine
    cell: oim                 # a registered cell: oim | pbit | gauss | ...
    cells: 64
    topology: {kind: kings, rows: 8, cols: 8}
    components: {inductance: 10 nH, capacitance: 1 pF, amplitude: 0.5 V, loss_conductance: 20 uS}
    coupling: {g_max: 100 uS, g_min: 1 uS, dac_bits: 6}
    mismatch: 0.0             # relative σ of every programmed conductance, 0 ≤ σ ≤ MISMATCH_MAX
    noise_temperature: 300 K  # > 0
    precision: float64        # float32 | float64, the emulators' working precision

Every key is checked: unknown keys, missing keys, wrong units and values outside their physical
range raise :class:`~device_models.errors.DeviceSpecError` naming the key, the value and the allowed
range.  Ranges:

* ``components``: every value positive and finite (in the unit the cell's schema gives);
* ``coupling``: ``0 ≤ g_min < g_max``, both finite; ``dac_bits`` an integer in
  ``DAC_BITS_MIN..DAC_BITS_MAX`` (1..24);
* ``mismatch``: a finite number in ``[0, MISMATCH_MAX]`` (0.3).  The compiler multiplies each
  programmed conductance by ``1 + σ·ξ`` with ξ a standard normal clipped to ±3
  (``compiler.passes.mismatch``), so ``1 − 3σ ≥ 0.1``: no conductance can flip its sign;
* ``noise_temperature``: positive and finite (kelvin);
* ``cells``: a positive integer, at most ``MAX_CELLS``.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass, field
from pathlib import Path

from device_models.cells import AbstractCell, CellPhysics, cell_for
from device_models.errors import DeviceSpecError
from device_models.files import read_yaml
from device_models.topology import Topology, parse_topology
from device_models.units import parse_quantity

COUPLING_KEYS = {"g_max": "S", "g_min": "S"}
#: largest relative mismatch σ: with ξ clipped to ±3, 1 − 3σ ≥ 0.1 keeps every conductance's sign
MISMATCH_MAX = 0.3
DAC_BITS_MIN, DAC_BITS_MAX = 1, 24
#: most cells a chip may declare (node indices must fit the C kernels' 32-bit column indices)
MAX_CELLS = 2**31 - 2
TOP_KEYS = {"name", "description", "cell", "cells", "topology", "components", "coupling",
            "mismatch", "noise_temperature", "precision"}
REQUIRED = {"name", "cell", "cells", "topology", "components", "coupling"}


@dataclass(frozen=True)
class CouplingSpec:
    """Programmable coupling conductances: magnitudes in ``[g_min, g_max]`` siemens on a grid of
    ``2**dac_bits − 1`` equal steps from 0 to g_max (sign set by routing)."""

    g_max: float
    g_min: float
    dac_bits: int

    @property
    def levels(self) -> int:
        return 2**self.dac_bits - 1


@dataclass(frozen=True)
class DeviceSpec:
    """A chip: cell type, cell count, topology, component values (SI units), coupling DAC,
    mismatch σ (relative) and noise temperature (kelvin)."""

    name: str
    cell: AbstractCell
    cells: int
    topology: Topology
    components: dict
    coupling: CouplingSpec
    description: str = ""
    mismatch: float = 0.0
    noise_temperature: float = 300.0
    precision: str = "float64"
    source: str = field(default="", compare=False)

    def __post_init__(self):
        # The physical values, whichever way the spec was built (from_dict, dataclasses.replace).
        cells = self.cells
        if isinstance(cells, bool) or not isinstance(cells, numbers.Integral) or not 1 <= cells <= MAX_CELLS:
            raise DeviceSpecError(f"cells must be an integer in 1..{MAX_CELLS}, got {cells!r}")
        if not isinstance(self.cell, AbstractCell):
            raise DeviceSpecError(f"cell must be a registered cell, got {self.cell!r}")
        for key, value in dict(self.components).items():
            _positive(f"components.{key}", value, value)
        _mismatch(self.mismatch)
        _positive("noise_temperature", self.noise_temperature, self.noise_temperature, unit=" K")

    @classmethod
    def from_dict(cls, raw: dict, *, source: str = "") -> "DeviceSpec":
        """Validate a parsed YAML mapping and build the spec."""
        where = f" in {source}" if source else ""
        if not isinstance(raw, dict):
            raise DeviceSpecError(f"device description{where} must be a mapping, got {type(raw).__name__}")
        unknown = set(raw) - TOP_KEYS
        if unknown:
            raise DeviceSpecError(f"unknown key(s) {sorted(unknown, key=repr)}{where}; allowed: {sorted(TOP_KEYS)}")
        missing = REQUIRED - set(raw)
        if missing:
            raise DeviceSpecError(f"missing key(s) {sorted(missing, key=repr)}{where}")
        try:
            cell = cell_for(raw["cell"])
        except DeviceSpecError as exc:
            raise DeviceSpecError(f"{exc}{where}") from None
        cells = raw["cells"]
        if not isinstance(cells, int) or isinstance(cells, bool) or not 1 <= cells <= MAX_CELLS:
            raise DeviceSpecError(f"cells must be an integer in 1..{MAX_CELLS}, got {cells!r}{where}")
        try:
            noise = raw.get("noise_temperature", 300.0)
            spec = cls(
                name=_name(raw["name"]),
                cell=cell,
                cells=cells,
                topology=_topology(raw["topology"], cells),
                components=_components(cell, raw["components"]),
                coupling=_coupling(raw["coupling"]),
                description=_description(raw.get("description", "")),
                mismatch=_mismatch(raw.get("mismatch", 0.0)),
                noise_temperature=_positive("noise_temperature",
                                            parse_quantity(noise, "K", field="noise_temperature"), noise),
                precision=_precision(raw.get("precision", "float64")),
                source=source,
            )
            spec.physics()  # the scales the components give must be finite too
            return spec
        except DeviceSpecError as exc:
            if not where:
                raise
            raise DeviceSpecError(f"{exc}{where}") from None

    @classmethod
    def from_yaml(cls, path: str | Path) -> "DeviceSpec":
        path = Path(path)
        return cls.from_dict(read_yaml(path, str(path), "a device file", DeviceSpecError), source=str(path))

    def to_dict(self) -> dict:
        """Plain-data form (SI floats), the inverse of :meth:`from_dict`."""
        topo: dict = {"kind": self.topology.kind}
        if self.topology.kind in ("kings", "torus2d"):
            topo.update(rows=self.topology.rows, cols=self.topology.cols)
        if self.topology.kind == "edges":
            topo["edges"] = [list(e) for e in self.topology.edge_list]
        return {
            "name": self.name, "description": self.description, "cell": self.cell.name, "cells": self.cells,
            "topology": topo, "components": dict(self.components),
            "coupling": {"g_max": self.coupling.g_max, "g_min": self.coupling.g_min,
                         "dac_bits": self.coupling.dac_bits},
            "mismatch": self.mismatch, "noise_temperature": self.noise_temperature,
            "precision": self.precision,
        }

    def physics(self, *, node_conductance: float = 0.0, colours: int = 1) -> CellPhysics:
        """The cell's scales on this chip (see :meth:`AbstractCell.physics`).

        Raises:
            DeviceSpecError: the component values, each finite, combine into a scale that is not
                (an overflow, an underflow to zero in a divisor).
        """
        try:
            physics = self.cell.physics(self.components, g_max=self.coupling.g_max,
                                        noise_temperature=self.noise_temperature,
                                        node_conductance=node_conductance, colours=colours)
        except (ArithmeticError, ValueError) as exc:
            raise DeviceSpecError(f"the component values of {self.name!r} give no finite physics ({exc}): "
                                  f"components {self.components}, g_max {self.coupling.g_max:g} S") from None
        for f in dataclasses.fields(physics):
            value = getattr(physics, f.name)
            if not math.isfinite(value):
                raise DeviceSpecError(f"the component values of {self.name!r} give a non-finite {f.name} "
                                      f"({value}): components {self.components}, g_max {self.coupling.g_max:g} S")
        return physics


def _topology(raw, cells: int) -> Topology:
    """:func:`parse_topology`, with any malformed value (e.g. an infinite or non-numeric edge end)
    reported as a DeviceSpecError."""
    if isinstance(raw, dict):
        # Whole numbers only: parse_topology's int() would truncate 1.5 to 1 and read True as 1.
        for key in ("rows", "cols"):
            if key in raw and not _is_int(raw[key]):
                raise DeviceSpecError(f"topology.{key} must be a positive integer, got {raw[key]!r}")
        edges = raw.get("edges")
        if isinstance(edges, (list, tuple)):
            for k, pair in enumerate(edges):
                if not (isinstance(pair, (list, tuple)) and len(pair) == 2 and all(_is_int(v) for v in pair)):
                    raise DeviceSpecError(f"topology.edges[{k}] must be a pair of cell indices [i, j], got {pair!r}")
    try:
        return parse_topology(raw, cells)
    except DeviceSpecError:
        raise
    except (TypeError, ValueError, OverflowError) as exc:
        raise DeviceSpecError(f"topology is malformed ({exc}): got {raw!r}") from None


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _name(value) -> str:
    # Names travel into reports and netlist comments; keep them to a plain identifier alphabet.
    text = str(value)
    if not text or not all(ch.isalnum() or ch in "-_." for ch in text):
        raise DeviceSpecError(f"name may hold letters, digits, '-', '_' and '.', got {value!r}")
    return text


def _components(cell: AbstractCell, raw) -> dict:
    schema = cell.components
    if not isinstance(raw, dict):
        raise DeviceSpecError(f"components must be a mapping, got {raw!r}")
    unknown = set(raw) - set(schema)
    if unknown:
        raise DeviceSpecError(f"unknown component(s) {sorted(unknown, key=repr)} for cell {cell.name!r}; allowed {sorted(schema)}")
    out = {}
    for key, component in schema.items():
        if key not in raw:
            if component.required:
                raise DeviceSpecError(f"components.{key} is required for cell {cell.name!r}")
            continue
        value = parse_quantity(raw[key], component.unit, field=f"components.{key}")
        out[key] = _positive(f"components.{key}", value, raw[key], unit=f" {component.unit}")
    return out


def _coupling(raw) -> CouplingSpec:
    if not isinstance(raw, dict):
        raise DeviceSpecError(f"coupling must be a mapping, got {raw!r}")
    allowed = set(COUPLING_KEYS) | {"dac_bits"}
    unknown = set(raw) - allowed
    if unknown:
        raise DeviceSpecError(f"unknown coupling key(s) {sorted(unknown, key=repr)}; allowed {sorted(allowed)}")
    if "g_max" not in raw or "dac_bits" not in raw:
        raise DeviceSpecError("coupling needs g_max and dac_bits")
    g_max = parse_quantity(raw["g_max"], "S", field="coupling.g_max")
    g_min = parse_quantity(raw.get("g_min", 0.0), "S", field="coupling.g_min")
    bits = raw["dac_bits"]
    if not isinstance(bits, int) or isinstance(bits, bool) or not DAC_BITS_MIN <= bits <= DAC_BITS_MAX:
        raise DeviceSpecError(f"coupling.dac_bits must be an integer in {DAC_BITS_MIN}..{DAC_BITS_MAX}, "
                              f"got {bits!r}")
    _positive("coupling.g_max", g_max, raw["g_max"], unit=" S")
    if not 0 <= g_min < g_max:
        raise DeviceSpecError(f"coupling.g_min must be in [0, g_max) = [0, {g_max:g}) S, got "
                              f"{raw.get('g_min')!r} (g_min={g_min:g} S, g_max={g_max:g} S)")
    return CouplingSpec(g_max, g_min, bits)


def _positive(key: str, value, shown, *, unit: str = "") -> float:
    """``value`` (a real number) as a float, when it is positive and finite."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise DeviceSpecError(f"{key} must be a positive finite number{unit}, got {shown!r}")
    result = float(value)
    if not (math.isfinite(result) and result > 0):
        raise DeviceSpecError(f"{key} must be a positive finite number (0 < {key} < ∞){unit}, got {shown!r}")
    return result


def _mismatch(value) -> float:
    """The relative mismatch σ, a finite number in [0, MISMATCH_MAX]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise DeviceSpecError(f"mismatch must be a number in [0, {MISMATCH_MAX}], got {value!r}")
    sigma = float(value)
    if not (0 <= sigma <= MISMATCH_MAX):  # NaN fails too
        raise DeviceSpecError(
            f"mismatch must be in [0, {MISMATCH_MAX}], got {value!r}: the compiler scales each conductance by "
            f"1 + σ·ξ with |ξ| ≤ 3, so a larger σ could flip a conductance's sign")
    return sigma


def _description(value) -> str:
    if value is None:
        return ""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise DeviceSpecError(f"description must be text, got {type(value).__name__}")
    return str(value)


def _precision(value) -> str:
    if value not in ("float32", "float64"):
        raise DeviceSpecError(f"precision must be float32 or float64, got {value!r}")
    return value
