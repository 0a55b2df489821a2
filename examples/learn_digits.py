"""Digits on the p-bit chip: a restricted Boltzmann machine with hidden and label units, trained
with both phases sampled on the chip, classifies held-out digits and draws digits of a chosen class.

scikit-learn's bundled 8×8 digits binarised at ink 8, split 80/20 stratified (seed 0): 1437
training and 360 test images.  Machine: 64 pixels + 2 label units per class (20) visible, 170
hidden units, every visible–hidden pair coupled: 254 of the 256 cells of ``pbit256`` (10-bit DAC,
mismatch off as shipped; ``--mismatch 0.05`` trains a chip with 5% conductance spread instead).
Training (``sdk.learn.fit_ising``): batches of 20 images clamped on the visible units, the hidden
units sampled on the chip; 100 persistent chains × 3 sweeps for the model phase; Adam at 0.001;
the parameters averaged over the last 20 epochs.  Classification: each test image clamped, labels
and hidden units sampled for 100 sweeps on the chip, the class whose label units average highest.

    python examples/learn_digits.py [--epochs 60] [--out DIR] [--state FILE] [--mismatch SIGMA]

``--out`` writes the learning curve and a grid of generated digits; ``--state`` saves the training
state every epoch and resumes from it.  ``SONQ_EXAMPLE_QUICK=1`` trains a small machine briefly.
"""

import argparse
import os
import time
from pathlib import Path

import numpy as np

import sdk
from device_models.files import check_output_dir
from sdk.learn import LearningConfig, LearningState, fit_ising
from sdk.learn.digits import load_digits
from sdk.learn.labelled import LabelledMachine, classify, generate

QUICK = os.environ.get("SONQ_EXAMPLE_QUICK") == "1"
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--epochs", type=int, default=2 if QUICK else 60)
parser.add_argument("--out", type=Path)
parser.add_argument("--state", type=Path)
parser.add_argument("--mismatch", type=float, default=0.0)
parser.add_argument("--backend", default="c")
args = parser.parse_args()
out = check_output_dir(args.out) if args.out is not None else None

digits = load_digits(test_fraction=0.2, threshold=8, seed=0)
layout = LabelledMachine(inputs=64, classes=10, hidden=32 if QUICK else 170, copies=2)
raw = sdk.load_device("pbit256").to_dict()
raw["mismatch"] = args.mismatch
chip = sdk.compile(layout.blank(), sdk.DeviceSpec.from_dict(raw), full_scale=4.0, mismatch_seed=7)
config = LearningConfig(epochs=args.epochs, learning_rate=0.001, batch_size=20, num_reads=100, sweeps=3, thin=1,
                        burn_in=0, average=min(20, args.epochs), init_scale=0.01, backend=args.backend)
test_every = 1 if QUICK else 5


def test_accuracy(state):
    """The test accuracy of the epoch's parameters, every few epochs (for the learning curve)."""
    if state.epoch % test_every == 0:
        program = sdk.reprogram(chip, state.model())
        result = classify(program, layout, digits.test_images, sweeps=40, burn_in=10, backend=args.backend, seed=1)
        return {"accuracy": result.accuracy(digits.test_labels)}
    return None


resume = LearningState.load(args.state) if args.state is not None and args.state.exists() else None
data = layout.encode(digits.train_images, digits.train_labels)
start = time.perf_counter()
fit = fit_ising(data, chip, config, machine=layout.machine, seed=0, state=resume, path=args.state,
                callback=test_accuracy)
wall = time.perf_counter() - start
result = classify(fit.program, layout, digits.test_images, sweeps=100, burn_in=20, backend=args.backend, seed=1)
seconds = [entry["seconds"] for entry in fit.state.history]
print(f"chip: pbit256, {raw['coupling']['dac_bits']}-bit DAC, mismatch σ = {args.mismatch}; "
      f"machine {layout.inputs} pixels + {layout.num_labels} labels + {layout.hidden} hidden")
print(f"{len(digits.train_labels)} training / {len(digits.test_labels)} test images; {args.epochs} epochs, "
      f"{np.median(seconds):.2f} s per epoch (median), {wall:.0f} s in all")
print(f"held-out accuracy (labels sampled with the image clamped, averaged parameters): "
      f"{result.accuracy(digits.test_labels):.3f}")
if out is not None:
    out.mkdir(parents=True, exist_ok=True)
    from sdk.plots.learning import plot_image_grid, plot_learning_curve

    plot_learning_curve(fit.state.history, out / "digits_learning.png", keys=("moment_error", "accuracy"),
                        title="RBM on pbit256: model phase gap and test accuracy")
    classes = np.tile(np.arange(10), 4)
    images = generate(fit.program, layout, classes, sweeps=300, burn_in=100, backend=args.backend, seed=2)
    plot_image_grid(images, out / "digits_generated.png", columns=10, captions=classes,
                    title="digits generated on the chip (label clamped, mean of 200 sweeps)")
    print(f"plots written to {out}")
