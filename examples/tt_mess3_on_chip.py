"""Sample Mess3 on the p-bit chip and compare with exact tensor-train marginals.

Mess3(0.15, 0.6) over L = 6 steps → Potts over (h_1, x_1, …, h_6, x_6) → one-hot Ising (36
spins) with the planning rule's penalty for a 1% invalid rate → ``pbit256`` (10-bit DAC) →
``sdk.run`` on the numba backend.  Replicas start from exact ancestral TT draws: at this penalty
single-site Gibbs keeps a one-hot variable's value for ~10⁴ sweeps (printed below), too slow to
burn in from random spins, so this checks that the chip leaves the exact distribution invariant.
Prints the invalid fraction, the mixing numbers and each marginal's total-variation distance
next to its tolerance ``sdk.tv_tolerance(p, n_eff)``; writes ``tt_mess3_marginals.png``.

Usage: ``python examples/tt_mess3_on_chip.py [OUT_DIR]`` (default ``$SONQ_EXAMPLE_OUT`` or
``out/``); ``SONQ_EXAMPLE_QUICK=1`` runs 256 replicas × 900 sweeps instead of 1024 × 9000.
"""

import os
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import sdk  # noqa: E402
from compiler.tt import (TTDistribution, decode_spins, encode_states, hmm_to_potts, mess3,  # noqa: E402
                         one_hot_penalty, potts_to_ising)
from sdk.analysis import indicator_autocorrelation_time  # noqa: E402

LENGTH, INVALID_TARGET, RECORD_EVERY = 6, 0.01, 90


def main(out: Path, quick: bool) -> None:
    replicas, sweeps = (256, 900) if quick else (1024, 9000)
    hmm = mess3()
    potts = hmm_to_potts(hmm, LENGTH)
    penalty = one_hot_penalty(potts, beta=1.0, delta=INVALID_TARGET)
    program = sdk.compile(potts_to_ising(potts, penalty), "pbit256", quantize=True)
    print(f"Mess3(0.15, 0.6), L = {LENGTH}: {potts.num_variables} Potts variables, "
          f"{program.num_variables} spins, penalty λ = {penalty:.2f}")
    print(f"DAC quantization: max error {program.report.quantization_max_error:.2e} of full scale "
          f"(= {program.report.quantization_max_error * program.scale:.3g} model energy units)")
    exact = TTDistribution(hmm.joint_tt(LENGTH))
    init = encode_states(potts, exact.sample(replicas, seed=5)).astype(np.float64)
    start = time.perf_counter()
    result = sdk.run(program, backend="numba", num_reads=replicas, steps=sweeps, temperature=1.0, seed=11,
                     record_every=RECORD_EVERY, burn_in=0, init=init)
    elapsed = time.perf_counter() - start
    decoded = decode_spins(potts, result.samples)
    records = sweeps // RECORD_EVERY
    tau = indicator_autocorrelation_time(decoded.states, replicas, potts.cardinalities)
    n_eff = replicas * records / tau
    chains = decoded.states.reshape(records, replicas, -1)
    both = (chains[1:] >= 0) & (chains[:-1] >= 0)
    change_rate = np.count_nonzero((chains[1:] != chains[:-1]) & both) / np.count_nonzero(both) / RECORD_EVERY
    print(f"run: {replicas} replicas × {sweeps} sweeps in {elapsed:.1f} s (numba)")
    print(f"invalid one-hot samples: {decoded.num_invalid} of {len(decoded.valid)} "
          f"({decoded.invalid_fraction:.2e}; target < {INVALID_TARGET})")
    print(f"a variable keeps its value ~{1 / change_rate:.3g} sweeps; indicator τ = {tau:.3g} records "
          f"(window {records}); n_eff = {n_eff:.0f}")

    z = decoded.states[decoded.valid]
    names = [f"{kind}{k}" for k in range(1, LENGTH + 1) for kind in ("h", "x")]
    worst = 0.0
    print("marginal       TV      tolerance")
    for v, p in enumerate(exact.marginals()):
        tv, tol = sdk.total_variation(np.bincount(z[:, v], minlength=3) / len(z), p), sdk.tv_tolerance(p, n_eff)
        worst = max(worst, tv / tol)
        print(f"{names[v]:<12} {tv:.4f}   {tol:.4f}")
    for v in range(2 * LENGTH - 2):
        p = exact.pair_marginal(v, v + 2)
        counts = np.zeros_like(p)
        np.add.at(counts, (z[:, v], z[:, v + 2]), 1)
        tv, tol = sdk.total_variation(counts / len(z), p), sdk.tv_tolerance(p.ravel(), n_eff)
        worst = max(worst, tv / tol)
        print(f"{names[v] + ',' + names[v + 2]:<12} {tv:.4f}   {tol:.4f}")
    print(f"worst TV / tolerance: {worst:.2f}")

    fig, ax = plt.subplots(figsize=(7, 3.5))
    pairs = [exact.pair_marginal(v, v + 2) for v in range(1, 2 * LENGTH - 2, 2)]  # (x_k, x_{k+1})
    emp = []
    for v in range(1, 2 * LENGTH - 2, 2):
        counts = np.zeros((3, 3))
        np.add.at(counts, (z[:, v], z[:, v + 2]), 1)
        emp.append(counts / len(z))
    idx = np.arange(9 * len(pairs))
    ax.bar(idx - 0.2, np.concatenate([p.ravel() for p in pairs]), 0.4, label="exact (TT)")
    ax.bar(idx + 0.2, np.concatenate([e.ravel() for e in emp]), 0.4, label="pbit256 samples")
    ax.set(xlabel="(k, x_k, x_{k+1})", ylabel="probability", title="Mess3 symbol pair marginals")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "tt_mess3_marginals.png", dpi=120)
    print(f"wrote {out / 'tt_mess3_marginals.png'}")


if __name__ == "__main__":
    out_dir = Path(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("SONQ_EXAMPLE_OUT", "out"))
    out_dir.mkdir(parents=True, exist_ok=True)
    main(out_dir, os.environ.get("SONQ_EXAMPLE_QUICK") == "1")
