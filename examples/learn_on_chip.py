"""Learning on the chip: a Boltzmann machine trained from a mismatched p-bit chip's own samples,
and patterns stored in an oscillator chip and retrieved from corrupted cues.

1. Draws data from a known 10-spin model, trains it on a p-bit chip with 10% conductance mismatch
   and a 6-bit DAC (``sdk.learn.fit_ising``: the chip is reprogrammed every epoch, so the learned
   weights absorb its mismatch), and compares KL(data ‖ chip) with the weights learned on an ideal
   chip and moved onto the mismatched one.
2. Stores random patterns on the 1024-cell OIM with the outer-product rule and prints the retrieval
   success from 10%-corrupted cues against the load P/N (``sdk.learn.hebbian``).

    python examples/learn_on_chip.py

``SONQ_EXAMPLE_QUICK=1`` trains for fewer epochs and scans fewer loads.
"""

import os

import numpy as np

import sdk
from sdk.learn import LearningConfig, chip_model, fit_ising, kl_divergence
from sdk.learn.hebbian import capacity_curve, hebbian

QUICK = os.environ.get("SONQ_EXAMPLE_QUICK") == "1"
n = 10
rng = np.random.default_rng(0)
true = sdk.IsingModel(0.3 * rng.normal(size=n), np.triu(rng.normal(size=(n, n)) * 0.4 / np.sqrt(n), 1))
states, p = sdk.exact_boltzmann(true, 1.0)
index = rng.choice(len(p), size=10_000, p=p)
data, empirical = states[index], np.bincount(index, minlength=len(p)) / len(index)


def chip(sigma: float, bits: int) -> sdk.Program:
    raw = sdk.load_device("pbit256").to_dict()
    raw["mismatch"], raw["coupling"]["dac_bits"] = sigma, bits
    return sdk.compile(sdk.IsingModel(np.zeros(n), np.zeros((n, n))), sdk.DeviceSpec.from_dict(raw),
                       full_scale=1.0, mismatch_seed=5)


config = LearningConfig(epochs=60 if QUICK else 300, learning_rate=0.02, sweeps=60, thin=1, burn_in=10,
                        average=20 if QUICK else 100, backend="numpy")
ideal = fit_ising(data, chip(0.0, 24), config, seed=1)
mismatched = chip(0.1, 6)
in_loop = fit_ising(data, mismatched, config, seed=1)
print("KL(data ‖ chip), nats:")
print(f"  ideal chip, trained on it           {kl_divergence(empirical, chip_model(ideal.program)):.5f}")
print(f"  mismatched chip, trained on it      {kl_divergence(empirical, chip_model(in_loop.program)):.5f}")
print(f"  ideal weights on the mismatched one "
      f"{kl_divergence(empirical, chip_model(sdk.reprogram(mismatched, ideal.model))):.5f}")

loads = (0.05, 0.15, 0.3) if QUICK else (0.04, 0.08, 0.12, 0.16, 0.2, 0.25, 0.3)
print("associative memory on oim1024, N = 100, 10% corrupted cues: P/N → success (chip, Hopfield network)")
for load, success, reference in capacity_curve(100, loads, hebbian, sets=1 if QUICK else 4, seed=0):
    print(f"  {load:.2f} → {success:.2f}, {reference:.2f}")
