"""``sonq analyze``: the metrics of a pipeline state file (compression recomputed from the state)."""

from __future__ import annotations

import argparse
from pathlib import Path

from sdk.cli._common import say


def register(sub) -> None:
    p = sub.add_parser("analyze", help="metrics of a SON–QTTN state file (from 'sonq pipeline')")
    p.add_argument("--input", "-i", type=Path, required=True, help="state file, e.g. outputs/son_state.npy")
    p.add_argument("--config", "-c", type=Path, default=None,
                   help="pipeline YAML for the QTT settings (default: the run's, from <stem>.metrics.json)")
    p.set_defaults(func=analyze_command)


def analyze_command(args: argparse.Namespace) -> int:
    from sdk.pipeline.metrics import describe, oscillation_amplitude

    state, qttn, metrics, trajectory = load_run(args.input, args.config)
    modes, comp = compressed_view(state, qttn)
    oscillation = None if trajectory is None else oscillation_amplitude(trajectory["oscillation"],
                                                                       int(trajectory["burn_in"]))
    say(f"SON state {args.input}: {state.shape[0]} replica(s) of a {state.shape[1]} × {state.shape[2]} field, "
        f"QTT modes {'×'.join(map(str, modes))}")
    say(describe(comp, qttn, oscillation=oscillation, cells=state.shape[1] * state.shape[2],
                 posterior=None if metrics is None else metrics.get("posterior")))
    return 0


def load_run(path: Path, config: Path | None):
    """(state (R, rows, cols), qttn settings, metrics JSON or None, trajectory or None) of a state file.

    Raises:
        PipelineError: unreadable files, or no QTT settings (no metrics JSON and no ``--config``).
    """
    from sdk.pipeline import OutputPaths, PipelineError, load_config, read_metrics, read_state, read_trajectory

    paths = OutputPaths.beside(path)
    state = read_state(paths.state)
    metrics = read_metrics(paths.metrics)
    if config is not None:
        qttn = load_config(config).to_dict()["qttn"]
    elif metrics is not None and isinstance(metrics.get("config"), dict) and "qttn" in metrics["config"]:
        from sdk.pipeline import parse_config

        qttn = parse_config(metrics["config"], source=str(paths.metrics)).to_dict()["qttn"]
    else:
        raise PipelineError(f"no QTT settings for {str(path)!r}: {str(paths.metrics)!r} is missing; give --config")
    return state, qttn, metrics, read_trajectory(paths.trajectory)


def compressed_view(state, qttn: dict):
    """(QTT modes, compression metrics) of every replica of ``state`` (R, rows, cols)."""
    from sdk.pipeline.compression import qtt_modes
    from sdk.pipeline.metrics import state_metrics

    modes = qtt_modes(*state.shape[1:])
    return modes, state_metrics(state.reshape(len(state), -1), modes, qttn["svd_tolerance"], qttn["rank_truncation"])
