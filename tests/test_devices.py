"""Device descriptions: shipped chips, schema checks, units, topologies."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

import sdk
from device_models.units import parse_quantity

SHIPPED = {"oim64-kings": ("oim", 64, "kings"), "oim1024": ("oim", 1024, "all_to_all"),
           "gauss8": ("gauss", 8, "all_to_all"), "toroidal_8k": ("gauss", 8192, "torus2d"),
           "pbit256": ("pbit", 256, "all_to_all"), "kpo1024": ("kpo", 1024, "all_to_all"),
           "kpo64-kings": ("kpo", 64, "kings"), "cim1024": ("cim", 1024, "all_to_all"), "cim64": ("cim", 64, "all_to_all")}


def test_shipped_devices_load():
    found = {d.name: (d.cell.name, d.cells, d.topology.kind) for d in sdk.list_devices()}
    assert found == SHIPPED


def test_topology_degrees():
    assert sdk.load_device("oim64-kings").topology.degree(64) == 8
    torus = sdk.load_device("toroidal_8k")
    edges = torus.topology.edges(8192)
    assert len(edges) == 2 * 8192 and torus.topology.degree(8192) == 4
    assert torus.topology.connects(8192)(0, 63)          # wraps around a row of 64


@pytest.mark.parametrize("text, unit, value", [("10 nH", "H", 1e-8), ("1pF", "F", 1e-12),
                                               ("300 K", "K", 300.0), ("0.5 V", "V", 0.5),
                                               ("2.5 uS", "S", 2.5e-6), ("1 GHz", "Hz", 1e9), (42, "K", 42.0)])
def test_quantities_parse(text, unit, value):
    assert parse_quantity(text, unit, field="x") == value


def test_wrong_unit_names_field():
    with pytest.raises(sdk.DeviceSpecError, match="components.capacitance: expected a value in F"):
        _spec(components={"inductance": "1 nH", "capacitance": "1 nH", "amplitude": "1 V"})


def _spec(**override):
    raw = yaml.safe_load((sdk.load_device("oim64-kings").source and open(sdk.load_device("oim64-kings").source).read()))
    raw.update(override)
    return sdk.DeviceSpec.from_dict(raw)


def test_unknown_key_is_rejected():
    with pytest.raises(sdk.DeviceSpecError, match=r"unknown key\(s\) \['colour'\]"):
        _spec(colour="blue")


def test_unknown_component_is_rejected():
    with pytest.raises(sdk.DeviceSpecError, match="unknown component"):
        _spec(components={"inductance": "1 nH", "capacitance": "1 pF", "amplitude": "1 V", "gain": 3})


def test_topology_size_must_match_cells():
    with pytest.raises(sdk.DeviceSpecError, match="8×9 has 72 cells but the device has 64"):
        _spec(topology={"kind": "kings", "rows": 8, "cols": 9})


def test_unsafe_name_is_rejected():
    with pytest.raises(sdk.DeviceSpecError, match="name may hold"):
        _spec(name="chip\n.control")


def test_unknown_device_name():
    with pytest.raises(sdk.UnknownDeviceError, match="unknown device 'oim9000'"):
        sdk.load_device("oim9000")


def test_yaml_file_roundtrip(tmp_path):
    spec = sdk.load_device("gauss8")
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(spec.to_dict()))
    assert sdk.load_device(str(path)) == spec


def test_cell_physics_scales():
    oim = sdk.load_device("oim64-kings")
    ph = oim.physics()
    # K = g_max/(2C) = 100 µS / 2 pF = 5e7 rad/s; ω₀ = 1/√(LC) = 1e10 rad/s
    assert ph.time_unit == pytest.approx(2e-8)
    assert ph.omega0 == pytest.approx(1e10)
    g = sdk.load_device("gauss8")
    # T_dev = kT/(c₀V₀²) = 1.380649e-23·1.8e6 / (1e-14·2.5e-3)
    assert g.physics().thermal_temperature == pytest.approx(1.380649e-23 * 1.8e6 / 2.5e-17)
    assert np.isclose(g.physics().time_unit, 1e-9)
