"""``sonq visualize``: singular-spectrum plot and field images of a pipeline state file."""

from __future__ import annotations

import argparse
from pathlib import Path

from sdk.cli._common import say


def register(sub) -> None:
    p = sub.add_parser("visualize", help="plots of a SON–QTTN state file (from 'sonq pipeline')")
    p.add_argument("--model", "-m", choices=("qttn",), required=True, help="what to draw: qttn (the QTT view)")
    p.add_argument("--input", "-i", type=Path, required=True, help="state file, e.g. outputs/son_state.npy")
    p.add_argument("--config", "-c", type=Path, default=None,
                   help="pipeline YAML for the QTT settings (default: the run's, from <stem>.metrics.json)")
    p.add_argument("--out", "-o", type=Path, default=None, help="directory for the images (default: the input's)")
    p.set_defaults(func=visualize_command)


def visualize_command(args: argparse.Namespace) -> int:
    from device_models.files import check_output_dir, check_output_path
    from sdk.cli.analyze import load_run
    from sdk.pipeline import compress, qtt_modes
    from sdk.plots.fields import plot_fields, plot_singular_spectrum

    out = check_output_dir(args.input.parent if args.out is None else args.out)
    stem = args.input.name[:-4] if args.input.name.endswith(".npy") else args.input.name
    spectrum_path, fields_path = out / f"{stem}.spectrum.png", out / f"{stem}.fields.png"
    state, qttn, _, trajectory = load_run(args.input, args.config)
    out.mkdir(parents=True, exist_ok=True)
    for path in (spectrum_path, fields_path):
        check_output_path(path)  # before any drawing
    rows, cols = state.shape[1:]
    comp = compress(state[:1].reshape(1, -1), qtt_modes(rows, cols), qttn["svd_tolerance"], qttn["rank_truncation"])
    plot_singular_spectrum(comp.spectra, spectrum_path, max_rank=qttn["rank_truncation"],
                           title=f"QTT singular spectra of {args.input.name} (replica 0)")
    panels = {}
    if trajectory is not None:
        panels.update({"input field": trajectory["field"], "observation": trajectory["observation"],
                       "posterior mean (chip)": trajectory["posterior_mean"]})
    panels.update({"state (replica 0)": state[0], f"QTT reconstruction (rank ≤ {qttn['rank_truncation']})":
                   comp.states[0].reshape(rows, cols)})
    plot_fields(panels, fields_path, title=f"{args.input.name}: {rows} × {cols} cells")
    say(f"wrote {spectrum_path}")
    say(f"wrote {fields_path}")
    return 0
