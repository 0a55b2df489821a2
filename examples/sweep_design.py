"""A design sweep from Python: success probability and TTS99 of an oscillator Ising machine as
DAC resolution and fabrication mismatch vary, on an embedded dask cluster, into a Zarr store.

Usage: ``python examples/sweep_design.py [OUTPUT_DIR]`` (``SONQ_EXAMPLE_QUICK=1``: short runs, one
point after another in this process).  Rerunning resumes the store; a different sweep needs a new
store.  TTS99 is chip time: seconds the modelled chip would take, not the host's.
"""

import os
import sys
from pathlib import Path

import sdk
from sdk.sweep import Instance, RunSettings, SweepSpec, sweep


def main(out: Path, quick: bool) -> None:
    model = sdk.read_gset(sdk.datasets.instance_path("mc50_n20_1"))   # ground energy −29 (best cut 62)
    spec = SweepSpec(
        device="oim1024",
        instances=[Instance("mc20", model, target=-29.0)],
        seeds=range(2 if quick else 8),
        grid={"coupling.dac_bits": [3, 8], "mismatch": [0.0, 0.1]},
        run=RunSettings(backend="numpy" if quick else "auto", num_reads=16 if quick else 64,
                        steps=200 if quick else None),
    )
    ds = sweep(spec, out / "sweep_design.zarr", workers=0 if quick else 2)
    summary = ds[["success_probability", "tts99"]].sel(instance="mc20")
    for bits in ds["coupling.dac_bits"].values:
        for sigma in ds["mismatch"].values:
            point = summary.sel({"coupling.dac_bits": bits, "mismatch": sigma})
            print(f"dac_bits {bits}  mismatch {sigma:.2f}:  success {float(point.success_probability.mean()):.3f}, "
                  f"median TTS99 {float(point.tts99.median()) * 1e6:.3g} µs of chip time")


if __name__ == "__main__":  # the embedded cluster's worker processes import this file
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "."), os.environ.get("SONQ_EXAMPLE_QUICK") == "1")
