"""The shipped JSON Schema of chip files (``device_models/schema/device.schema.json``): it is the
schema generated from the cells' tables now (a cell change without regenerating it fails here),
it agrees with ``DeviceSpec.from_dict`` on the shipped chips and on mutations of them, its known
gaps are exactly the validator-only rules it lists, and ``docs/device_yaml.md`` names every key."""

import copy
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from device_models.cells import CELLS
from device_models.errors import DeviceSpecError
from device_models.registry import CHIPS_DIR
from device_models.schema import SCHEMA_FILE, device_schema, schema_text, shipped_schema
from device_models.schema.__main__ import main as schema_main
from device_models.spec import COUPLING_KEYS, TOP_KEYS, DeviceSpec

DOC = Path(__file__).resolve().parents[1] / "docs" / "device_yaml.md"
CHIPS = {path.stem: yaml.safe_load(path.read_text()) for path in sorted(CHIPS_DIR.glob("*.yaml"))}
VALIDATOR = jsonschema.Draft202012Validator(shipped_schema())


def test_the_shipped_schema_is_the_generated_one():
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text(device_schema()), \
        "stale schema: run python -m device_models.schema (and update docs/device_yaml.md)"
    assert schema_main(["--check"]) == 0
    jsonschema.Draft202012Validator.check_schema(shipped_schema())


def test_the_schema_names_every_key_the_validator_knows():
    schema = shipped_schema()
    assert set(schema["properties"]) == TOP_KEYS
    assert set(schema["properties"]["coupling"]["properties"]) == {*COUPLING_KEYS, "dac_bits"}
    rules = {rule["if"]["properties"]["cell"]["const"]: rule["then"]["properties"]["components"]
             for rule in schema["allOf"]}
    assert set(rules) == set(CELLS)
    for name, cell in CELLS.items():
        assert set(rules[name]["properties"]) == set(cell.components)
        assert set(rules[name]["required"]) == {k for k, c in cell.components.items() if c.required}
        for key, component in cell.components.items():
            assert rules[name]["properties"][key]["x-unit"] == component.unit


def accepts(raw) -> tuple[bool, bool]:
    """(the validator accepts, the schema accepts)."""
    try:
        DeviceSpec.from_dict(copy.deepcopy(raw))
        ok = True
    except DeviceSpecError:
        ok = False
    return ok, VALIDATOR.is_valid(raw)


def mutations(raw: dict):
    """(label, mutated chip) pairs, each changing one key (valid and invalid changes)."""
    def changed(path, value):
        out = copy.deepcopy(raw)
        *parents, leaf = path
        target = out
        for key in parents:
            target = target[key]
        if value is DELETE:
            target.pop(leaf, None)
        else:
            target[leaf] = value
        return ".".join(map(str, path)) + f"={value!r}", out

    DELETE = object()
    topology_is_grid = isinstance(raw["topology"], dict) and raw["topology"].get("kind") in ("kings", "torus2d")
    yield changed(("colour",), "red")
    for key in sorted(TOP_KEYS - {"topology"}):
        yield changed((key,), DELETE)
    yield changed(("name",), "bad name!")
    yield changed(("name",), "chip_2.b-c")
    yield changed(("description",), 5)
    yield changed(("description",), ["a"])
    yield changed(("cell",), "qubit")
    for cells in (0, 1.5, True, "8", 2**31):
        yield changed(("cells",), cells)
    if not topology_is_grid:
        yield changed(("cells",), 2)
        yield changed(("topology",), {"kind": "edges", "edges": [[0, 1]]})
        yield changed(("topology",), {"kind": "edges", "edges": [[0, -1]]})
        yield changed(("topology",), {"kind": "edges", "edges": [[0, 1, 2]]})
    yield changed(("topology",), "kings")
    yield changed(("topology",), {"kind": "ring"})
    yield changed(("topology",), {"kind": "torus2d"})
    yield changed(("topology",), {"kind": "all_to_all", "size": 3})
    yield changed(("topology",), {"kind": "all_to_all", "rows": 1.5})
    for value in (-0.1, 0.31, 0.3, True, "0.1"):
        yield changed(("mismatch",), value)
    for value in ("300 K", "300K", "4 mK", -5, 0, "300 F", "-3 K", True, 77):
        yield changed(("noise_temperature",), value)
    yield changed(("precision",), "float16")
    for value in (0, 25, 1, 24, 8.5, True):
        yield changed(("coupling", "dac_bits"), value)
    yield changed(("coupling", "dac_bits"), DELETE)
    yield changed(("coupling", "g_max"), DELETE)
    yield changed(("coupling", "g_max"), "5 uF")
    yield changed(("coupling", "g_max"), "2 mS")
    yield changed(("coupling", "g_min"), -1)
    yield changed(("coupling", "g_min"), DELETE)
    yield changed(("coupling", "gain"), 2)
    cell = CELLS[raw["cell"]]
    yield changed(("components", "resistance"), "1 kΩ")
    yield changed(("components",), "none")
    for key, component in cell.components.items():
        if component.required:
            yield changed(("components", key), DELETE)
        yield changed(("components", key), -1.0)
        yield changed(("components", key), [1])
        yield changed(("components", key), 0.5)
        if component.unit != "1":
            yield changed(("components", key), f"3 k{component.unit}")
            yield changed(("components", key), f"3 k{'V' if component.unit != 'V' else 'A'}")
        else:
            yield changed(("components", key), "0.5")


CASES = [(chip, label, raw) for chip, base in CHIPS.items() for label, raw in mutations(base)]


@pytest.mark.parametrize("chip", sorted(CHIPS))
def test_schema_and_validator_accept_the_shipped_chips(chip):
    assert accepts(CHIPS[chip]) == (True, True)


def test_schema_and_validator_agree_on_mutated_chips():
    disagree = [(chip, label, accepts(raw)) for chip, label, raw in CASES if len(set(accepts(raw))) > 1]
    assert not disagree
    outcomes = {accepts(raw)[0] for _, _, raw in CASES}
    assert outcomes == {True, False} and len(CASES) > 400  # both outcomes exercised, on every chip


@pytest.mark.parametrize("change", [
    lambda r: r["coupling"].update(g_min=r["coupling"]["g_max"]),          # g_min < g_max
    lambda r: r.update(topology={"kind": "kings", "rows": 3, "cols": 3}),   # rows × cols = cells
    lambda r: r.update(topology={"kind": "edges", "edges": [[0, 0]]}),     # distinct ends
    lambda r: r.update(topology={"kind": "edges", "edges": [[0, 10**6]]}),  # ends below cells
    lambda r: r.update(noise_temperature="0 K"),                            # text quantities non-zero
    lambda r: r.update(noise_temperature=float("inf")),                     # numbers finite
    lambda r: r["coupling"].update(dac_bits=8.0),                           # integers without a point
])
def test_the_schema_leaves_exactly_the_listed_cross_key_rules_to_the_validator(change):
    raw = copy.deepcopy(CHIPS["oim1024"])
    change(raw)
    assert accepts(raw) == (False, True)


def test_cim_round_trip_loss_below_one_is_validator_only():
    raw = copy.deepcopy(CHIPS["cim64"])
    raw["components"]["round_trip_loss"] = 1.5
    assert accepts(raw) == (False, True)


def test_the_page_lists_every_key_of_the_schema():
    text = DOC.read_text(encoding="utf-8")
    schema = shipped_schema()
    topology = schema["properties"]["topology"]["anyOf"][1]["properties"]
    for key in [*schema["properties"], *topology, *schema["properties"]["coupling"]["properties"]]:
        assert f"| `{key}` |" in text, key
    sections = dict(re.findall(r"^### `(\w+)`\n(.*?)(?=^### |^## |\Z)", text, flags=re.M | re.S))
    for rule in schema["allOf"]:
        cell = rule["if"]["properties"]["cell"]["const"]
        components = rule["then"]["properties"]["components"]
        assert cell in sections, f"docs/device_yaml.md has no section for cell {cell!r}"
        for key, entry in components["properties"].items():
            row = next((line for line in sections[cell].splitlines() if line.startswith(f"| `{key}` |")), None)
            assert row is not None, f"{cell}.{key} is missing from docs/device_yaml.md"
            required = "yes" if key in components["required"] else "no"
            assert row.split("|")[2].strip() == required and row.split("|")[3].strip() == entry["x-unit"], row
