"""``sonq netlist``: export a program's circuit as an ngspice netlist (one replica).

The circuit is the one ``backend="spice"`` simulates for replica 0 of ``sonq run PROGRAM --backend
spice --reads 1`` with the same settings and seed: the run's schedules, step, initial state and
seeded noise.  Noise currents go to XSPICE ``filesource`` files written beside the netlist as
``<netlist file name>.sonq_noise<k>.txt`` (ngspice opens them relative to its working directory:
run it from the netlist's directory); ``--no-noise`` leaves the noise sources out, the resistors' Johnson noise
included.  User text (the title, variable labels) reaches the netlist only in comment lines,
sanitised by :func:`compiler.netlist.sanitize`.
"""

from __future__ import annotations

import argparse
import inspect
import re
from pathlib import Path

from compiler.netlist import CircuitOptions, SpiceOptions, write_netlist
from compiler.program import Program
from device_models.errors import OutputFileError
from device_models.files import atomic_write, check_output_path, printable
from runtime.circuit.backend import draw_noise
from runtime.circuit.readout import CircuitRun
from runtime.errors import RunError
from runtime.run import prepare
from sdk.cli._common import say

#: what ngspice may be given as a noise-file prefix (the netlist writer's own rule)
SAFE_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


def register(sub) -> None:
    p = sub.add_parser("netlist", help="export a program's circuit as an ngspice netlist")
    p.add_argument("program", type=Path, help="program file from 'sonq compile' (an oim or gauss chip)")
    p.add_argument("-o", "--output", type=Path, required=True, help="netlist file to write (.cir)")
    p.add_argument("--seed", "-s", type=int, default=None, help="seed of the initial state and noise")
    p.add_argument("--steps", type=int, default=None, help="plan steps (default: the cell's preset)")
    p.add_argument("--temperature", type=float, default=None,
                   help="constant temperature in model energy units (selects the sample protocol)")
    p.add_argument("--protocol", choices=("optimize", "sample", "recall"), default=None,
                   help="the cell's preset (default: as 'sonq run')")
    p.add_argument("--dt", type=float, default=None, help="plan step in device time units")
    p.add_argument("--no-noise", action="store_true", help="leave the noise sources out")
    p.add_argument("--gauss-design", choices=("I", "P", "PL"), default="I", help="gauss circuit design")
    p.add_argument("--steps-per-period", type=int, default=64, help="oim samples per oscillation period")
    p.set_defaults(func=export_netlist)


def export_netlist(args: argparse.Namespace) -> int:
    output = check_output_path(args.output)  # before any work
    name = output.name
    if not SAFE_NAME.match(name):
        raise OutputFileError(f"netlist name {printable(name)!r}: ngspice reads its noise files by names built "
                              "from it, which may hold letters, digits and '_.-' only")
    if args.seed is not None and args.seed < 0:
        raise RunError(f"--seed must be a non-negative integer, got {args.seed}")
    program = Program.load(args.program)
    plan, noise = run_plan(program, args)
    run = CircuitRun.of(plan, CircuitOptions(steps_per_period=args.steps_per_period, gauss_design=args.gauss_design))
    circuit = run.circuit
    currents = None if args.no_noise or not len(circuit.noise) else draw_noise(circuit, noise, 1)[:, 0]
    netlist = write_netlist(circuit, currents, noise_dir=f"{name}.", options=spice_defaults())
    for file, text in netlist.files.items():
        atomic_write(output.with_name(f"{name}.{file}"), lambda f, text=text: f.write(text), text=True)
    atomic_write(output, lambda f: f.write(netlist.text), text=True)
    say(f"wrote {output}: {circuit.num_nodes} nodes, {circuit.steps} samples of {circuit.dt:.4g} s"
        + (f", noise in {len(netlist.files)} file(s) {name}.sonq_noise*.txt" if netlist.files else ", no noise"))
    return 0


def spice_defaults() -> SpiceOptions:
    """The analysis settings ``backend="spice"`` writes when given none (its constructor's defaults)."""
    from runtime.spice.backend import SpiceBackend

    defaults = inspect.signature(SpiceBackend.__init__).parameters
    return SpiceOptions(**{name: defaults[name].default for name in ("reltol", "max_step_divisor", "method")})


def run_plan(program: Program, args: argparse.Namespace):
    """The RunPlan of one replica and the noise source ``run`` would use with these settings."""
    setup = prepare(program, num_reads=1, steps=args.steps, dt=args.dt, temperature=args.temperature,
                    protocol=args.protocol, seed=args.seed)
    return setup.plan, setup.noise
