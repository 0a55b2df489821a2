"""``sonq pipeline``: Gaussian field inference on the chip with QTT compression and re-injection."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sdk.cli._common import say


def register(sub) -> None:
    from sdk.pipeline import DEFAULT_CONFIG, GMRFPrior

    prior = GMRFPrior()
    p = sub.add_parser("pipeline", help="GMRF field inference on the chip with QTT compression of its state")
    p.add_argument("--config", "-c", type=Path, default=DEFAULT_CONFIG,
                   help="pipeline YAML (default: the repository's configs/default.yaml)")
    p.add_argument("--field", default="digits",
                   help="input field: 'digits' (scikit-learn's bundled 8×8 digits) or a 2-D .npy file")
    p.add_argument("--digit", type=int, default=0, help="first digit image of the digits field (default 0)")
    p.add_argument("--out", "-o", type=Path, default=Path("outputs"), help="output directory (default: outputs)")
    p.add_argument("--replicas", "-r", type=int, default=8, help="independent chains (default 8)")
    p.add_argument("--updates", type=int, default=200, help="compress/re-inject cycles (default 200)")
    p.add_argument("--burn-in", type=int, default=40, help="updates before samples count (default 40)")
    p.add_argument("--seed", "-s", type=int, default=0, help="seed of the observation noise and the chip")
    p.add_argument("--noise-sigma", type=float, default=prior.noise_sigma,
                   help=f"observation noise σ (default {prior.noise_sigma})")
    p.add_argument("--prior-mass", type=float, default=prior.mass, help=f"prior mass (default {prior.mass})")
    p.add_argument("--prior-coupling", type=float, default=prior.coupling,
                   help=f"prior neighbour coupling (default {prior.coupling})")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=pipeline_command)


def pipeline_command(args: argparse.Namespace) -> int:
    import numpy as np

    from sdk.pipeline import (GMRFPrior, build_posterior, digits_field, load_config, load_field, prepare_outputs,
                              run_pipeline, write_outputs)
    from sdk.pipeline.metrics import describe
    from sdk.pipeline.posterior import torus_device

    config = load_config(args.config)
    paths = prepare_outputs(args.out)  # before any work
    prior = GMRFPrior(args.prior_mass, args.prior_coupling, args.noise_sigma)
    device = torus_device(config.network.topology)
    rows, cols = device.topology.rows, device.topology.cols
    field = (digits_field(rows, cols, args.digit) if args.field == "digits"
             else load_field(args.field, rows, cols))
    observation_seed, chip_seed = np.random.SeedSequence(args.seed).generate_state(2)
    posterior = build_posterior(device, field, prior, np.random.default_rng(observation_seed))
    result = run_pipeline(config, posterior, replicas=args.replicas, updates=args.updates, burn_in=args.burn_in,
                          seed=int(chip_seed), progress=not args.no_progress and sys.stderr.isatty())
    metrics = write_outputs(result, paths)
    run = metrics["run"]
    say(f"SON–QTTN pipeline on {device.name} ({rows} × {cols} cells, backend {config.backend}, "
        f"{config.precision}): {run['replicas']} replicas × {run['updates']} updates of "
        f"{config.qttn.update_frequency} steps (dt {config.network.time_constant:g} τ₀; {run['steps']} steps, "
        f"{run['burn_in_updates']} updates burn-in) in {run['wall_time_s']:.1f} s")
    say(describe(metrics["compression"], metrics["config"]["qttn"], oscillation=metrics["energy_oscillation"],
                 cells=rows * cols, posterior=metrics["posterior"]))
    say(f"wrote {paths.state}, {paths.metrics}, {paths.trajectory}")
    return 0
