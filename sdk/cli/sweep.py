"""``sonq sweep``: run a sweep file into a Zarr store (resuming one that holds the same sweep)."""

from __future__ import annotations

import argparse
from pathlib import Path

from sdk.cli._common import say


def register(sub) -> None:
    p = sub.add_parser("sweep", help="run a sweep over device parameters, instances and seeds (docs/sweeps.md)")
    p.add_argument("sweep_file", type=Path, help="sweep YAML file")
    p.add_argument("-o", "--output", type=Path, default=None,
                   help="Zarr store (a directory; default: the file's 'store:'); an existing one is resumed")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--scheduler", default=None, help="address of a running dask scheduler (tcp://host:port)")
    where.add_argument("--workers", type=int, default=None,
                       help="workers of the embedded LocalCluster (default: the CPU count; 0: run here, one by one)")
    p.add_argument("--threads-only", action="store_true",
                   help="the embedded cluster's workers are threads of this process, not processes")
    bar = p.add_mutually_exclusive_group()
    bar.add_argument("--progress", dest="progress", action="store_true", default=None,
                     help="show the progress bar (default: when stderr is a terminal)")
    bar.add_argument("--no-progress", dest="progress", action="store_false", help="hide the progress bar")
    p.set_defaults(func=run_sweep)


def run_sweep(args: argparse.Namespace) -> int:
    from sdk.sweep.driver import as_spec, sweep
    from sdk.sweep.errors import SweepError

    spec = as_spec(args.sweep_file)
    store = args.output if args.output is not None else spec.store
    if store is None:
        raise SweepError("no store: give -o STORE or 'store:' in the sweep file")
    ds = sweep(spec, store, scheduler=args.scheduler, workers=args.workers, processes=not args.threads_only,
               progress=args.progress)
    done = int(ds["done"].sum())
    say(f"{done}/{spec.num_points} points done in {store} (dimensions {', '.join(spec.dims)})")
    say("chip_time and tts99: seconds of chip time; wall_time: host seconds")
    return 0
