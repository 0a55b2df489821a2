"""The ``sonq`` command line: list devices, compile models, run programs, run the demo.

::

    sonq devices
    sonq compile graph.rudy --device oim1024 -o prog.npz      # Gset file → MaxCut
    sonq compile J.npy --device oim1024 -o prog.npz           # dense J → Ising E = ½ sᵀJs
    sonq run prog.npz --backend numba --reads 64 --seed 1 -o result.npz
    sonq run prog.npz --temperature 0.5 --steps 2000 --record-every 10 --burn-in 500
    sonq devices --file my_chip.yaml                          # validate and show a custom chip
    sonq demo --out sonq-demo

Errors SONQ raises on purpose (:class:`SonqError`), and files that cannot be read or written,
print one line to stderr and exit with code 2; Ctrl-C prints one line and exits with code 130.
Output paths are checked before any work starts (``-o some_directory`` is an error), and every
output is written atomically (:func:`device_models.files.atomic_write`): an interrupted or failed
write leaves no partial file and any previous file intact.  Text from files or users is printed
with its control characters escaped.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import zipfile
import zlib
from pathlib import Path

import numpy as np

from compiler.compile import compile
from compiler.models.ising import IsingModel
from compiler.program import DEFLATE_MAX_RATIO, Program
from device_models.errors import ModelError, ProgramFormatError, SonqError
from device_models.files import atomic_write, check_output_dir, check_output_path, one_line, printable
from device_models.registry import list_devices
from device_models.spec import DeviceSpec
from runtime.errors import RunError
from runtime.results import SampleSet
from runtime.run import run
from sdk.analysis import success_probability, tts99
from sdk.interop import read_gset

EXIT_ERROR = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a command Ctrl-C stopped
SI_PREFIXES = ((1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, ""), (1e-3, "m"), (1e-6, "µ"), (1e-9, "n"),
               (1e-12, "p"), (1e-15, "f"))


def main(argv: list[str] | None = None) -> int:
    """Run the ``sonq`` command with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    try:
        parser = _parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # --help, or a usage error argparse has already printed
            return exc.code if isinstance(exc.code, int) else EXIT_ERROR
        return args.func(args)
    except KeyboardInterrupt:
        _error_line("interrupted")
        return EXIT_INTERRUPTED
    except SonqError as exc:
        _error_line(f"error: {exc}")
        return EXIT_ERROR
    except OSError as exc:  # a file SONQ was asked to read (or a terminal it writes to) failed
        _error_line(f"error: {exc}")
        return EXIT_ERROR


def _error_line(text: str) -> None:
    """One line on stderr, control characters escaped (a closed stderr is ignored)."""
    try:
        print(f"sonq: {one_line(text)}", file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


def _say(text) -> None:
    """Print text that may quote files or user input, control characters escaped."""
    print(printable(str(text)))


def _parser() -> argparse.ArgumentParser:
    from sdk import __version__
    from sdk import demo

    parser = argparse.ArgumentParser(prog="sonq", description="Emulate analog oscillator Ising machines "
                                     "and thermodynamic samplers.")
    parser.add_argument("--version", action="version", version=f"sonq {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("devices", help="list the shipped devices and their key figures")
    p.add_argument("--file", type=Path, action="append", default=[],
                   help="also validate and show this chip YAML file (repeatable)")
    p.set_defaults(func=_devices)

    p = sub.add_parser("compile", help="compile a model file for a device")
    p.add_argument("model", type=Path, help="Gset/rudy text file (MaxCut), or .npy/.npz dense J "
                   "(Ising, E = ½ sᵀJs)")
    p.add_argument("--device", "-d", required=True, help="shipped device name or YAML file")
    p.add_argument("-o", "--output", type=Path, required=True, help="program file to write (.npz)")
    p.add_argument("--no-quantize", action="store_true", help="keep ideal couplings (no DAC grid)")
    p.add_argument("--mismatch-seed", type=int, default=None, help="seed of the device's mismatch draw")
    p.set_defaults(func=_compile)

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
    p.set_defaults(func=_run)

    p = sub.add_parser("demo", help="solve a shipped MaxCut instance on the emulated OIM chip")
    p.add_argument("--out", type=Path, default=Path("sonq-demo"), help="directory for the plot "
                   "(default: sonq-demo)")
    p.add_argument("--instance", type=Path, default=demo.DEFAULT_INSTANCE,
                   help=f"Gset/rudy file (default: {demo.DEFAULT_INSTANCE.name})")
    p.add_argument("--device", "-d", default=demo.DEVICE, help=f"OIM device (default {demo.DEVICE})")
    p.add_argument("--backend", "-b", default="auto", help="runtime backend (default: auto)")
    p.add_argument("--seed", "-s", type=int, default=1, help="seed (default 1)")
    p.add_argument("--quick", action="store_true",
                   help=f"{demo.QUICK_READS} replicas instead of {demo.NUM_READS}")
    p.set_defaults(func=_demo)
    return parser


def _devices(args: argparse.Namespace) -> int:
    header = ("name", "cell", "cells", "topology", "coupling g (DAC)", "time unit", "noise T")
    rows = [header] + [_device_row(spec) for spec in [*list_devices(), *map(DeviceSpec.from_yaml, args.file)]]
    widths = [max(len(r[k]) for r in rows) for k in range(len(header))]
    for r in rows:
        _say("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip())
    print("time unit: 1/K for oim (K = g_max/2C), c₀/g_max for gauss, one colour-class update for pbit")
    return 0


def _device_row(spec: DeviceSpec) -> tuple[str, ...]:
    topo = spec.topology
    layout = {"all_to_all": "all-to-all", "kings": f"kings {topo.rows}×{topo.cols}",
              "torus2d": f"torus {topo.rows}×{topo.cols}"}.get(topo.kind, f"{len(topo.edge_list)} edges")
    c = spec.coupling
    coupling = f"{_si(c.g_min, 'S')}–{_si(c.g_max, 'S')} ({c.dac_bits} bit)"
    return (spec.name, spec.cell.name, str(spec.cells), layout, coupling,
            _si(spec.physics().time_unit, "s"), _si(spec.noise_temperature, "K"))


def _compile(args: argparse.Namespace) -> int:
    _output_file(args.output)  # before any work
    model = _read_model(args.model)
    program = compile(model, args.device, quantize=not args.no_quantize, mismatch_seed=args.mismatch_seed)
    _say(program.report)
    _say(f"wrote {program.save(args.output)}")
    return 0


def _output_file(path: Path) -> Path:
    """The ``.npz`` file an ``-o`` path names, checked writable before a command starts: an existing
    directory is refused (never turned into ``DIR.npz``), as are a missing or read-only parent."""
    check_output_path(path)
    path = path if path.suffix == ".npz" else path.with_name(path.name + ".npz")
    return check_output_path(path)


def _read_model(path: Path) -> IsingModel:
    """A Gset/rudy file as MaxCut, or a dense J (``.npy``, or ``.npz`` holding one array or ``J``)
    as ``IsingModel(0, J)``, i.e. ``E(s) = ½ sᵀJs``.  A ``.npy`` file is mapped, not read, until
    its declared shape is known to fit the file; an ``.npz`` member's declared size is checked
    against the archive before it is read."""
    shown = printable(str(path))
    if not path.exists():
        raise ModelError(f"model file {shown!r} does not exist")
    if not path.is_file():
        raise ModelError(f"model file {shown!r} is not a regular file")
    if path.suffix not in (".npy", ".npz"):
        return read_gset(path)
    try:
        if path.suffix == ".npy":
            J = np.load(path, mmap_mode="r", allow_pickle=False)
        else:
            J = _npz_matrix(path, shown)
    except ModelError:
        raise
    except (OSError, ValueError, EOFError, MemoryError, zipfile.BadZipFile, zlib.error, ProgramFormatError) as exc:
        raise ModelError(f"{shown}: cannot read a J matrix ({printable(str(exc))})") from None
    if not isinstance(J, np.ndarray) or J.ndim != 2:
        raise ModelError(f"{shown}: J must be a square matrix, got shape {getattr(J, 'shape', None)}")
    return IsingModel(np.zeros(J.shape[0]), J)


def _npz_matrix(path: Path, shown: str) -> np.ndarray:
    """The one array (or the array ``J``) of an ``.npz`` file, its declared size checked first."""
    from compiler.program import _member_header, _read_member

    with zipfile.ZipFile(path) as archive:
        infos = {info.filename[:-4] if info.filename.endswith(".npy") else info.filename: info
                 for info in archive.infolist()}
        if "J" not in infos and len(infos) != 1:
            raise ModelError(f"{shown}: an .npz model needs one array or an array named 'J', found "
                             f"{printable(str(sorted(infos)))}")
        name = "J" if "J" in infos else next(iter(infos))
        info = infos[name]
        if info.file_size > DEFLATE_MAX_RATIO * info.compress_size + 4096:
            raise ModelError(f"{shown}: array {printable(name)!r} claims {info.file_size} bytes from "
                             f"{info.compress_size} compressed bytes")
        _member_header(archive, info, name)
        return _read_member(archive, info)


def _run(args: argparse.Namespace) -> int:
    output = None if args.output is None else _output_file(args.output)  # before the run
    if args.target is not None and not math.isfinite(args.target):
        raise RunError(f"--target must be a finite energy, got {args.target}")
    program = Program.load(args.program)
    result = run(program, args.backend, num_reads=args.reads, seed=args.seed, steps=args.steps,
                 temperature=args.temperature, protocol=args.protocol, dt=args.dt, integrator=args.integrator,
                 record_every=args.record_every, burn_in=args.burn_in)
    _say(_run_summary(args.program, program, result, args.target))
    if output is not None:
        _say(f"wrote {_save_result(result, output)}")
    return 0


def _run_summary(path: Path, program: Program, result: SampleSet, target: float | None) -> str:
    info = result.info
    lines = [
        f"ran {info['num_reads']} replicas of {path.name} ({len(result)} samples, {program.num_variables} "
        f"variables on {program.device.name}) with backend {info['backend']}: {info['steps']} steps, "
        f"dt {info['dt']:.3g}",
        f"wall time      {info['wall_time']:.3f} s",
        f"chip time      {_si(info['chip_time'], 's')} per run",
    ]
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
        f"TTS99          {_si(tts99(info['chip_time'], p), 's')} of chip time",
    ]
    return "\n".join(lines)


def _save_result(result: SampleSet, path: Path) -> Path:
    """Samples (S, n), energies (S,), replica (S,), cut values for MaxCut, and the run info as JSON."""
    path = _output_file(path)
    extra = {"cut_values": result.cut_values} if result.model_kind == "maxcut" else {}
    arrays = dict(samples=result.samples, energies=result.energies, replica=result.replica,
                  labels=np.array([str(v) for v in result.labels]),
                  info=np.array(json.dumps(result.info, default=float)), **extra)
    return atomic_write(path, lambda f: np.savez_compressed(f, **arrays))


def _demo(args: argparse.Namespace) -> int:
    from sdk import demo

    reads = demo.QUICK_READS if args.quick else demo.NUM_READS
    check_output_dir(args.out)  # before the run
    outcome = demo.run_demo(args.instance, device=args.device, backend=args.backend, num_reads=reads,
                            seed=args.seed, out_dir=args.out)
    _say(_demo_summary(outcome))
    return 0


def _demo_summary(outcome) -> str:
    res, program = outcome.result, outcome.program
    info = res.info
    total = res.model_meta["total_weight"]
    source = "optimum by enumeration" if outcome.target_is_optimum else "best cut found in this run"
    tts = (_si(outcome.tts99, "s") + " of chip time" if math.isfinite(outcome.tts99)
           else "∞ (no replica reached the target)")
    lines = [
        f"SONQ demo: MaxCut on {outcome.instance.name} ({program.num_variables} nodes, "
        f"{program.model.J.nnz // 2} edges, total weight {total:g})",
        str(program.report),
        f"ran {len(res)} replicas with backend {info['backend']}: {info['steps']} steps, dt = "
        f"{info['dt']:.3g}/K, {_si(info['chip_time'], 's')} chip time per run, wall time {info['wall_time']:.2f} s",
        f"best cut       {outcome.best_cut:g}  (energy {outcome.best_energy:g})",
        f"target cut     {(total - outcome.target_energy) / 2:g}  ({source})",
        f"success        {round(outcome.p_success * len(res))}/{len(res)} = {outcome.p_success:.3f}  "
        f"(95% Wilson interval {outcome.interval[0]:.3f}–{outcome.interval[1]:.3f})",
        f"TTS99          {tts}",
    ]
    if info.get("poorly_binarized"):
        lines.append(f"warning        {info['poorly_binarized']} readouts were poorly binarized")
    if outcome.plot is not None:
        lines.append(f"plot           {outcome.plot}")
    return "\n".join(lines)


def _si(value: float, unit: str) -> str:
    """``value`` with an SI prefix, e.g. ``_si(5e-6, "S") == "5 µS"``."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g} {unit}"
    for factor, prefix in SI_PREFIXES:
        if abs(value) >= factor * (1 - 1e-9):
            return f"{value / factor:.3g} {prefix}{unit}"
    return f"{value:.3g} {unit}"


if __name__ == "__main__":
    sys.exit(main())
