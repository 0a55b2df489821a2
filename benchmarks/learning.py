"""Digits: the same restricted Boltzmann machine trained by SONQ on the p-bit chip and by thrml.

``python -m benchmarks.learning [--epochs 60] [--hidden 170]`` trains, in one run, the machine of
``examples/learn_digits.py`` (64 pixels + 2 label units per class visible, ``--hidden`` hidden
units, every visible–hidden pair coupled) on scikit-learn's 8×8 digits binarised at ink 8 (1437
training / 360 test images, stratified split, seed 0) twice with the same algorithm and budget:

* **SONQ**: :func:`sdk.learn.fit_ising` on ``pbit256`` (C backend, 10-bit DAC, no mismatch, full
  scale 4): both phases sampled by the chip, the chip reprogrammed after every update;
* **thrml**: the same updates written with thrml's block-Gibbs engine (``IsingEBM``,
  ``IsingSamplingProgram``, ``sample_states``; the hidden layer and the visible layer as its two
  blocks), one jitted ``lax.scan`` per epoch as in thrml's MNIST test, in float32 on the CPU.

Both: batches of 20 images clamped on the visible units with the hidden units sampled for one
sweep, 100 persistent chains × 3 sweeps (every sweep recorded) for the model phase, Adam at 0.001
(β = 0.9, 0.999), starting fields at the data's log-odds and couplings N(0, 0.01²), parameters
averaged over the last ``--average`` epochs; classification: each test image clamped, label and
hidden units sampled for 100 sweeps, the last 80 averaged, the class whose label units average
highest.  Time per epoch is the median over the epochs (thrml's first epoch, which compiles, is
reported apart).  Prints a markdown table with the command and the load average.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

import sdk
from sdk.learn import LabelledMachine, LearningConfig, LearningState, classify, fit_ising
from sdk.learn.digits import load_digits

BATCH, READS, SWEEPS, CLAMPED_SWEEPS, RATE, INIT_SCALE = 20, 100, 3, 1, 0.001, 0.01
CLASSIFY_SWEEPS, CLASSIFY_BURN_IN = 100, 20
BETA1, BETA2, EPS = 0.9, 0.999, 1e-8


def train_sonq(layout: LabelledMachine, data: np.ndarray, digits, epochs: int, average: int) -> dict:
    chip = sdk.compile(layout.blank(), "pbit256", full_scale=4.0)
    config = LearningConfig(epochs=epochs, learning_rate=RATE, batch_size=BATCH, num_reads=READS, sweeps=SWEEPS,
                            thin=1, burn_in=0, clamped_sweeps=CLAMPED_SWEEPS, average=average,
                            init_scale=INIT_SCALE, backend="c")
    fit = fit_ising(data, chip, config, machine=layout.machine, seed=0, progress=False)
    result = classify(fit.program, layout, digits.test_images, sweeps=CLASSIFY_SWEEPS, burn_in=CLASSIFY_BURN_IN,
                      backend="c", seed=1)
    seconds = [entry["seconds"] for entry in fit.state.history]
    return {"epoch": float(np.median(seconds)), "first": seconds[0], "accuracy": result.accuracy(digits.test_labels)}


def train_thrml(layout: LabelledMachine, data: np.ndarray, digits, epochs: int, average: int) -> dict:
    try:
        import equinox as eqx
        import jax
        import jax.numpy as jnp
        from thrml.block_management import Block
        from thrml.block_sampling import SamplingSchedule, sample_states
        from thrml.models.ising import IsingEBM, IsingSamplingProgram
        from thrml.pgm import SpinNode
    except ImportError:
        raise ImportError("the thrml side needs thrml and jax: pip install thrml") from None
    machine = layout.machine
    nv, n = len(machine.visible), machine.num_units
    nodes = [SpinNode() for _ in range(n)]
    visible, hidden = Block(nodes[:nv]), Block(nodes[nv:])
    edges = [(nodes[i], nodes[j]) for i, j in machine.edges]
    ei, ej = jnp.asarray(machine.edges[:, 0]), jnp.asarray(machine.edges[:, 1])
    # The same start as SONQ's: thrml's E = −β(Σ b s + Σ W s s) is SONQ's with b = −h, W = −J.
    start = LearningState.start(machine, data, init_scale=INIT_SCALE, seed=0)
    params = jnp.asarray(-machine.pack(start.h, start.J), dtype=jnp.float32)
    beta = jnp.array(1.0, dtype=jnp.float32)

    def ebm(theta):
        return IsingEBM(nodes, edges, theta[:n], theta[n:], beta)

    def statistics(spins):  # (S, n) ±1 → packed ⟨s⟩, ⟨s_i s_j⟩ on the edges
        return jnp.concatenate([spins.mean(axis=0), (spins[:, ei] * spins[:, ej]).mean(axis=0)])

    def spins_of(*blocks):
        return jnp.concatenate([2 * b.astype(jnp.float32) - 1 for b in blocks], axis=-1)

    # thrml observes once right after the warm-up, then after every steps_per_sample sweeps: one
    # warm-up sweep makes the samples those after sweeps 1..k, as SONQ records them.
    positive_schedule = SamplingSchedule(1, CLAMPED_SWEEPS, 1)
    negative_schedule = SamplingSchedule(1, SWEEPS, 1)

    def update(carry, batch_and_key):
        theta, first, second, chains_v, chains_h, t = carry
        rows, key = batch_and_key
        model = ebm(theta)
        k_init, k_pos, k_neg = jax.random.split(key, 3)
        positive = IsingSamplingProgram(model, [hidden], [visible])
        init_h = jax.random.bernoulli(k_init, 0.5, (rows.shape[0], n - nv))
        h_samples = jax.vmap(lambda k, i, v: sample_states(k, positive, positive_schedule, [i], [v], [hidden])[0])(
            jax.random.split(k_pos, rows.shape[0]), init_h, rows)  # (B, samples, H)
        v_rep = jnp.broadcast_to(rows[:, None, :], (*h_samples.shape[:2], nv))
        data_stats = statistics(spins_of(v_rep, h_samples).reshape(-1, n))
        negative = IsingSamplingProgram(model, [visible, hidden], [])
        v_s, h_s = jax.vmap(lambda k, a, b: sample_states(k, negative, negative_schedule, [a, b], [], [visible, hidden]))(
            jax.random.split(k_neg, READS), chains_v, chains_h)  # (R, samples, ·)
        model_stats = statistics(spins_of(v_s, h_s).reshape(-1, n))
        # Gradient of −log L in thrml's parameters (b, W) = −(h, J): the negated SONQ gradient.
        gradient = model_stats - data_stats
        t = t + 1
        first = BETA1 * first + (1 - BETA1) * gradient
        second = BETA2 * second + (1 - BETA2) * gradient**2
        step = RATE * (first / (1 - BETA1**t)) / (jnp.sqrt(second / (1 - BETA2**t)) + EPS)
        return (theta - step, first, second, v_s[:, -1], h_s[:, -1], t), None

    @eqx.filter_jit
    def epoch(carry, batches, keys):
        return jax.lax.scan(update, carry, (batches, keys))[0]

    bits = jnp.asarray(data > 0)
    chains_key, key = jax.random.split(jax.random.key(0))
    chains = jax.random.bernoulli(chains_key, 0.5, (READS, n))
    carry = (params, jnp.zeros_like(params), jnp.zeros_like(params), chains[:, :nv], chains[:, nv:],
             jnp.array(0.0, dtype=jnp.float32))
    per_batch = len(data) // BATCH  # the scan needs equal batches: the last partial one is left out
    seconds, trail = [], []
    for e in range(epochs):
        order = np.random.default_rng([0, e]).permutation(len(data))[:per_batch * BATCH]
        key, sub = jax.random.split(key)
        begin = time.perf_counter()
        carry = epoch(carry, bits[order].reshape(per_batch, BATCH, nv), jax.random.split(sub, per_batch))
        jax.block_until_ready(carry[0])
        seconds.append(time.perf_counter() - begin)
        trail = (trail + [carry[0]])[-average:]
    model = ebm(jnp.mean(jnp.stack(trail), axis=0))
    image, labels = Block(nodes[:layout.inputs]), Block(nodes[layout.inputs:nv])
    program = IsingSamplingProgram(model, [labels, hidden], [image])
    schedule = SamplingSchedule(CLASSIFY_BURN_IN + 1, CLASSIFY_SWEEPS - CLASSIFY_BURN_IN, 1)
    images = jnp.asarray(digits.test_images > 0)
    init = jax.random.bernoulli(jax.random.key(1), 0.5, (len(images), n - layout.inputs))
    samples = jax.jit(jax.vmap(lambda k, a, b, x: sample_states(k, program, schedule, [a, b], [x], [labels])[0]))(
        jax.random.split(jax.random.key(2), len(images)), init[:, :layout.num_labels], init[:, layout.num_labels:],
        images)
    scores = (2 * samples.astype(jnp.float32) - 1).mean(axis=1).reshape(len(images), layout.classes, layout.copies)
    predictions = np.asarray(scores.mean(axis=2).argmax(axis=1))
    steady = seconds[1:] or seconds
    return {"epoch": float(np.median(steady)), "first": seconds[0],
            "accuracy": float(np.mean(predictions == digits.test_labels))}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--hidden", type=int, default=170)
    parser.add_argument("--average", type=int, default=20)
    args = parser.parse_args(argv)
    digits = load_digits(test_fraction=0.2, threshold=8, seed=0)
    layout = LabelledMachine(inputs=64, classes=10, hidden=args.hidden, copies=2)
    data = layout.encode(digits.train_images, digits.train_labels)
    average = min(args.average, args.epochs)
    load_before = os.getloadavg()
    rows = {"SONQ, pbit256 (C backend, 10-bit DAC)": train_sonq(layout, data, digits, args.epochs, average),
            "thrml (JAX, CPU, float32)": train_thrml(layout, data, digits, args.epochs, average)}
    load_after = os.getloadavg()
    command = " ".join(["python -m benchmarks.learning", *(sys.argv[1:] if argv is None else argv)])
    print(f"Command: `{command}`; load average {load_before[0]:.2f} before, {load_after[0]:.2f} after "
          f"({os.cpu_count()} cores)\n")
    print(f"RBM {layout.inputs} pixels + {layout.num_labels} labels + {layout.hidden} hidden, {args.epochs} epochs of "
          f"{int(np.ceil(len(data) / BATCH))} updates (thrml: {len(data) // BATCH}), parameters averaged over the last {average}; "
          f"held-out accuracy on {len(digits.test_labels)} test images\n")
    print("| trainer | time per epoch (median) | first epoch | held-out accuracy |")
    print("|---|---|---|---|")
    for name, row in rows.items():
        print(f"| {name} | {row['epoch']:.2f} s | {row['first']:.2f} s | {row['accuracy']:.3f} |")


if __name__ == "__main__":
    main()
