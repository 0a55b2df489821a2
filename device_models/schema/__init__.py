"""The chip YAML format as a JSON Schema (draft 2020-12), generated from the validator's own tables.

:func:`device_schema` builds the schema from :mod:`device_models.spec` (keys, required keys, ranges)
and from every registered cell's ``components`` table (unit, required, doc), so it changes when a
cell does; ``device.schema.json`` beside this module is the shipped copy, written by
``python -m device_models.schema`` (a test checks the two are equal).  Editors and other tools can
check chip files against the shipped file; SONQ itself validates with
:meth:`~device_models.spec.DeviceSpec.from_dict`, which the schema follows key by key.

What the schema cannot say, and only the validator checks (listed in the schema's ``$comment``):
relations between keys (``g_min < g_max``; ``rows × cols = cells``; edge ends below ``cells``
and distinct), that quantities written as text are non-zero and finite (numbers finite), that
integers are written without a decimal point (JSON Schema's ``integer`` takes ``8.0``), and the
physics a cell derives from its components (finite scales; for ``cim`` a ``round_trip_loss``
below 1).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from device_models.cells import CELLS, AbstractCell
from device_models.spec import COUPLING_KEYS, DAC_BITS_MAX, DAC_BITS_MIN, MAX_CELLS, MISMATCH_MAX, REQUIRED
from device_models.topology import KINDS
from device_models.units import PREFIX_EXPONENTS

SCHEMA_FILE = Path(__file__).with_name("device.schema.json")
DIALECT = "https://json-schema.org/draft/2020-12/schema"
VALIDATOR_ONLY = ("checked by DeviceSpec.from_dict only: g_min < g_max; rows × cols = cells; edge ends in "
                  "0..cells-1 and distinct; quantities written as text non-zero and finite, numbers finite; "
                  "integers written without a decimal point (JSON's integer type takes 8.0); finite physics "
                  "scales from the components; cim: round_trip_loss < 1")
#: a name is letters (any alphabet), digits, '-', '_' and '.' (Python's \w is letters, digits and '_')
NAME_PATTERN = r"^[\w.-]+$"


def device_schema() -> dict:
    """The JSON Schema of a chip YAML file, from the validator's tables and the registered cells."""
    properties = {
        "name": {"type": ["string", "number", "boolean", "null"], "pattern": NAME_PATTERN,
                 "description": "chip name: letters, digits, '-', '_' and '.'"},
        "description": {"type": ["string", "number", "null"], "default": "", "description": "free text"},
        "cell": {"enum": sorted(CELLS), "description": "the cell type (device_models/cells)"},
        "cells": {"type": "integer", "minimum": 1, "maximum": MAX_CELLS, "description": "number of cells"},
        "topology": _topology(),
        "components": {"type": "object", "description": "component values of the cell type (see the cell's "
                       "entry below)"},
        "coupling": _coupling(),
        "mismatch": {"type": "number", "minimum": 0, "maximum": MISMATCH_MAX, "default": 0.0,
                     "description": "relative σ of every programmed conductance (1 + σξ, ξ clipped to ±3)"},
        "noise_temperature": {**quantity("K"), "default": 300.0, "description": "noise temperature, kelvin"},
        "precision": {"enum": ["float32", "float64"], "default": "float64",
                      "description": "the emulators' working precision"},
    }
    return {
        "$schema": DIALECT,
        "$id": "https://sonq.dev/schema/device.schema.json",
        "title": "SONQ chip description",
        "$comment": VALIDATOR_ONLY,
        "type": "object",
        "properties": properties,
        "required": sorted(REQUIRED),
        "additionalProperties": False,
        "allOf": [_cell_rule(cell) for _, cell in sorted(CELLS.items())],
    }


def quantity(unit: str, *, minimum_zero: bool = False) -> dict:
    """A value in ``unit``: a number (SI) or text ``"<number> [prefix]<unit>"`` as
    :func:`device_models.units.parse_quantity` reads it; positive (``≥ 0`` with ``minimum_zero``).
    A dimensionless unit (``"1"``) takes numbers only."""
    bound = {"minimum": 0} if minimum_zero else {"exclusiveMinimum": 0}
    number = {"type": "number", **bound}
    if not re.fullmatch(r"[A-Za-zΩ]+", unit):
        return {**number, "x-unit": unit}
    prefixes = "".join(p for p in PREFIX_EXPONENTS if p)
    text = {"type": "string", "pattern": rf"^\s*\+?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*[{prefixes}]?{unit}\s*$"}
    return {"anyOf": [number, text], "x-unit": unit}


def component_schema(cell: AbstractCell) -> dict:
    """The ``components`` mapping of ``cell``: each component's unit, doc and whether it is required."""
    properties = {key: {**quantity(c.unit), "description": f"{c.doc} ({c.unit})"} for key, c in cell.components.items()}
    required = sorted(key for key, c in cell.components.items() if c.required)
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


def shipped_schema() -> dict:
    """The shipped ``device.schema.json``."""
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def schema_text(schema: dict) -> str:
    """The schema as the shipped file holds it (indented, keys in order, UTF-8 text, newline at the end)."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def _cell_rule(cell: AbstractCell) -> dict:
    return {"if": {"properties": {"cell": {"const": cell.name}}, "required": ["cell"]},
            "then": {"properties": {"components": component_schema(cell)}}}


def _topology() -> dict:
    index = {"type": "integer", "minimum": 0}
    grid = {"type": "integer", "minimum": 1}
    mapping = {
        "type": "object",
        "properties": {"kind": {"enum": list(KINDS)}, "rows": grid, "cols": grid,
                       "edges": {"type": "array", "items": {"type": "array", "items": index, "minItems": 2,
                                                            "maxItems": 2}}},
        "required": ["kind"],
        "additionalProperties": False,
        "allOf": [{"if": {"properties": {"kind": {"enum": ["kings", "torus2d"]}}},
                   "then": {"required": ["rows", "cols"]}},
                  {"if": {"properties": {"kind": {"const": "edges"}}}, "then": {"required": ["edges"]}}],
    }
    return {"description": "which cell pairs can couple: all_to_all, kings / torus2d (rows × cols, row-major) "
                           "or an explicit edge list", "anyOf": [{"const": "all_to_all"}, mapping]}


def _coupling() -> dict:
    properties = {key: {**quantity(unit, minimum_zero=key == "g_min"),
                        "description": f"{'largest' if key == 'g_max' else 'smallest nonzero'} coupling "
                                       f"conductance ({unit})"}
                  for key, unit in COUPLING_KEYS.items()}
    properties["g_min"]["default"] = 0.0
    properties["dac_bits"] = {"type": "integer", "minimum": DAC_BITS_MIN, "maximum": DAC_BITS_MAX,
                              "description": "DAC resolution: 2^bits − 1 levels from 0 to g_max"}
    return {"type": "object", "properties": properties, "required": ["dac_bits", "g_max"],
            "additionalProperties": False, "description": "programmable coupling conductances"}


__all__ = ["SCHEMA_FILE", "device_schema", "shipped_schema", "schema_text", "quantity", "component_schema"]
