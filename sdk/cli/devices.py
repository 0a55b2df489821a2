"""``sonq devices``: the shipped chips (and custom YAML files) with their key figures."""

from __future__ import annotations

import argparse
from pathlib import Path

from device_models.registry import list_devices
from device_models.spec import DeviceSpec
from sdk.cli._common import say, si


def register(sub) -> None:
    p = sub.add_parser("devices", help="list the shipped devices and their key figures")
    p.add_argument("--file", type=Path, action="append", default=[],
                   help="also validate and show this chip YAML file (repeatable)")
    p.set_defaults(func=devices)


def devices(args: argparse.Namespace) -> int:
    header = ("name", "cell", "cells", "topology", "coupling g (DAC)", "time unit", "noise T")
    rows = [header] + [device_row(spec) for spec in [*list_devices(), *map(DeviceSpec.from_yaml, args.file)]]
    widths = [max(len(r[k]) for r in rows) for k in range(len(header))]
    for r in rows:
        say("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip())
    print("time unit: 1/K for oim (K = g_max/2C), c₀/g_max for gauss, one colour-class update for pbit")
    return 0


def device_row(spec: DeviceSpec) -> tuple[str, ...]:
    topo = spec.topology
    layout = {"all_to_all": "all-to-all", "kings": f"kings {topo.rows}×{topo.cols}",
              "torus2d": f"torus {topo.rows}×{topo.cols}"}.get(topo.kind, f"{len(topo.edge_list)} edges")
    c = spec.coupling
    coupling = f"{si(c.g_min, 'S')}–{si(c.g_max, 'S')} ({c.dac_bits} bit)"
    return (spec.name, spec.cell.name, str(spec.cells), layout, coupling,
            si(spec.physics().time_unit, "s"), si(spec.noise_temperature, "K"))
