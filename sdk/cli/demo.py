"""``sonq demo``: solve a shipped MaxCut instance on the emulated OIM chip and plot it."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from device_models.files import check_output_dir
from sdk.cli._common import say, si


def register(sub) -> None:
    from sdk import demo as demo_module

    p = sub.add_parser("demo", help="solve a shipped MaxCut instance on the emulated OIM chip")
    p.add_argument("--out", type=Path, default=Path("sonq-demo"), help="directory for the plot "
                   "(default: sonq-demo)")
    p.add_argument("--instance", type=Path, default=demo_module.DEFAULT_INSTANCE,
                   help=f"Gset/rudy file (default: {demo_module.DEFAULT_INSTANCE.name})")
    p.add_argument("--device", "-d", default=demo_module.DEVICE, help=f"OIM device (default {demo_module.DEVICE})")
    p.add_argument("--backend", "-b", default="auto", help="runtime backend (default: auto)")
    p.add_argument("--seed", "-s", type=int, default=1, help="seed (default 1)")
    p.add_argument("--quick", action="store_true",
                   help=f"{demo_module.QUICK_READS} replicas instead of {demo_module.NUM_READS}")
    p.set_defaults(func=demo_command)


def demo_command(args: argparse.Namespace) -> int:
    from sdk import demo as demo_module

    reads = demo_module.QUICK_READS if args.quick else demo_module.NUM_READS
    check_output_dir(args.out)  # before the run
    outcome = demo_module.run_demo(args.instance, device=args.device, backend=args.backend, num_reads=reads,
                            seed=args.seed, out_dir=args.out)
    say(demo_summary(outcome))
    return 0


def demo_summary(outcome) -> str:
    res, program = outcome.result, outcome.program
    info = res.info
    total = res.model_meta["total_weight"]
    source = "optimum by enumeration" if outcome.target_is_optimum else "best cut found in this run"
    never = "∞ (no replica reached the target)"
    tts = si(outcome.tts99, "s") + " of chip time" if math.isfinite(outcome.tts99) else never
    ets = si(outcome.ets99, "J") + " of chip energy" if math.isfinite(outcome.ets99) else never
    lines = [
        f"SONQ demo: MaxCut on {outcome.instance.name} ({program.num_variables} nodes, "
        f"{program.model.J.nnz // 2} edges, total weight {total:g})",
        str(program.report),
        f"ran {len(res)} replicas with backend {info['backend']}: {info['steps']} steps, dt = "
        f"{info['dt']:.3g}/K, {si(info['chip_time'], 's')} chip time and {si(info['chip_energy'], 'J')} chip energy per run, "
        f"wall time {info['wall_time']:.2f} s",
        f"best cut       {outcome.best_cut:g}  (energy {outcome.best_energy:g})",
        f"target cut     {(total - outcome.target_energy) / 2:g}  ({source})",
        f"success        {round(outcome.p_success * len(res))}/{len(res)} = {outcome.p_success:.3f}  "
        f"(95% Wilson interval {outcome.interval[0]:.3f}–{outcome.interval[1]:.3f})",
        f"TTS99          {tts}",
        f"ETS99          {ets}",
    ]
    if info.get("poorly_binarized"):
        lines.append(f"warning        {info['poorly_binarized']} readouts were poorly binarized")
    if outcome.plot is not None:
        lines.append(f"plot           {outcome.plot}")
    return "\n".join(lines)
