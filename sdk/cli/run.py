"""``sonq run``: simulate a program file and summarise (and optionally save) the samples."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np

from compiler.program import Program
from device_models.files import atomic_write
from runtime.errors import RunError
from runtime.results import SampleSet
from runtime.run import run
from sdk.analysis import ets99, success_probability, tts99
from sdk.cli._common import output_file, say, si


def register(sub) -> None:
    p = sub.add_parser("run", help="simulate a compiled program")
    p.add_argument("program", type=Path, help="program file from 'sonq compile'")
    p.add_argument("--backend", "-b", default="auto", help="runtime backend (default: auto)")
    p.add_argument("--reads", "-r", type=int, default=64, help="independent replicas (default 64)")
    p.add_argument("--seed", "-s", type=int, default=None, help="seed of initial states and noise")
    p.add_argument("--steps", type=int, default=None, help="integration steps (default: cell protocol)")
    p.add_argument("--temperature", type=float, default=None,
                   help="constant temperature in model energy units (selects the sample protocol)")
    p.add_argument("--protocol", choices=("optimize", "sample", "recall"), default=None,
                   help="the cell's preset (default: optimize for spin cells, sample with --temperature)")
    p.add_argument("--dt", type=float, default=None, help="step in device time units (default: the preset's)")
    p.add_argument("--integrator", default=None, help="step rule, one of the cell's (default: the preset's)")
    p.add_argument("--record-every", type=int, default=0, help="record states every this many steps")
    p.add_argument("--burn-in", type=int, default=None,
                   help="with --record-every: pool recorded states after this many steps as samples")
    p.add_argument("--target", type=float, default=None,
                   help="energy counted as success (default: the best energy found)")
    p.add_argument("-o", "--output", type=Path, default=None, help="write samples and energies (.npz)")
    p.set_defaults(func=run_program)


def run_program(args: argparse.Namespace) -> int:
    output = None if args.output is None else output_file(args.output)  # before the run
    if args.target is not None and not math.isfinite(args.target):
        raise RunError(f"--target must be a finite energy, got {args.target}")
    program = Program.load(args.program)
    result = run(program, args.backend, num_reads=args.reads, seed=args.seed, steps=args.steps,
                 temperature=args.temperature, protocol=args.protocol, dt=args.dt, integrator=args.integrator,
                 record_every=args.record_every, burn_in=args.burn_in)
    say(run_summary(args.program, program, result, args.target))
    if output is not None:
        say(f"wrote {save_result(result, output)}")
    return 0


def run_summary(path: Path, program: Program, result: SampleSet, target: float | None) -> str:
    info = result.info
    lines = [
        f"ran {info['num_reads']} replicas of {path.name} ({len(result)} samples, {program.num_variables} "
        f"variables on {program.device.name}) with backend {info['backend']}: {info['steps']} steps, "
        f"dt {info['dt']:.3g}",
        f"wall time      {info['wall_time']:.3f} s",
        f"chip time      {si(info['chip_time'], 's')} per run",
    ]
    if "chip_energy" in info:
        lines.append(f"chip energy    {si(info['chip_energy'], 'J')} per read ({si(info['chip_power'], 'W')} mean power)")
    if result.vartype == "REAL":
        lines.append(f"mean energy    {float(np.mean(result.energies)):.6g}")
        return "\n".join(lines)
    lines.append(f"best energy    {result.best_energy:.6g}")
    if result.model_kind == "maxcut":
        lines.append(f"best cut       {float(result.cut_values.max()):g}")
    goal = result.best_energy if target is None else target
    p, (lo, hi) = success_probability(result, goal)
    what = "best found" if target is None else "target"
    lines += [
        f"success        {round(p * len(result))}/{len(result)} reads at energy ≤ {goal:.6g} ({what}): "
        f"p = {p:.3f}, 95% Wilson interval {lo:.3f}–{hi:.3f}",
        f"TTS99          {si(tts99(info['chip_time'], p), 's')} of chip time",
    ]
    if "chip_energy" in info:
        lines.append(f"ETS99          {si(ets99(info['chip_energy'], p), 'J')} of chip energy")
    return "\n".join(lines)


def save_result(result: SampleSet, path: Path) -> Path:
    """Samples (S, n), energies (S,), replica (S,), cut values for MaxCut, and the run info as JSON."""
    path = output_file(path)
    extra = {"cut_values": result.cut_values} if result.model_kind == "maxcut" else {}
    arrays = dict(samples=result.samples, energies=result.energies, replica=result.replica,
                  labels=np.array([str(v) for v in result.labels]),
                  info=np.array(json.dumps(result.info, default=float)), **extra)
    return atomic_write(path, lambda f: np.savez_compressed(f, **arrays))
