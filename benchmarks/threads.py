"""The C backend's threads: shared cores, the p-bit loop on both cores, interrupt latency.

``python -m benchmarks.threads`` prints three tables (markdown):

* **Shared cores**: the same p-bit and OIM runs on an idle machine and while a second process
  busy-loops (a bounded ``while`` loop in another interpreter and session, started before and
  killed after each run), medians of interleaved repeats, and their ratio: with SONQ's defaults
  (OpenMP threads wait passively, ``runtime.backends.base.OPENMP_WAIT``, and an adaptive team,
  ``c_backend.team_size``), with a fixed team of two passive threads, with a fixed team of two
  under libgomp's own default (``GOMP_SPINCOUNT=300000``: idle threads spin for ~3 ms before
  sleeping), and with ``--before TREE`` from another checkout too; each mode in its own
  interpreter (libgomp reads its settings when it loads), the modes' runs interleaved.
* **p-bit threads**: SK N=1024 × 32 reads × 1000 sweeps on one and on two threads (two lane
  blocks of 16 against one of 32), interleaved repeats, the ratio of medians.
* **Interrupt latency**: seconds from SIGINT to the exit of a process inside a long C run.

On a machine whose cores other people use, timings vary run to run: every ratio is taken between
runs interleaved in one session, and the tables give the spread.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
HOG = "import time\nend = time.time() + {seconds}\nwhile time.time() < end:\n    pass\n"
SPINNING = {"GOMP_SPINCOUNT": "300000"}  # libgomp's default spin count, with no wait policy set


def _env(extra: dict | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return {**env, **(extra or {})}


CASE_LABELS = ("p-bit SK N=1024, 32 reads × 300 sweeps", "p-bit SK N=1024, 8 reads × 600 sweeps",
               "OIM SK N=1024, 1 replica × 1000 Heun steps", "OIM SK N=1024, 64 replicas × 60 Heun steps")


def _cases():
    """(label, () -> wall seconds of one run) of the shared-core table (CASE_LABELS)."""
    import sdk
    from benchmarks import instances

    sk = instances.sk()
    spec = sdk.load_device("pbit256").to_dict()
    pbit = sdk.compile(sk, sdk.DeviceSpec.from_dict({**spec, "name": "pbit1024", "cells": 1024}))
    oim = sdk.compile(sk, "oim1024")
    anneal = sdk.pbit_anneal(pbit)

    threads = int(os.environ.get("SONQ_BENCH_THREADS", "0"))  # the "fixed team" mode

    def run(program, reads, steps, **kw):
        return lambda: sdk.run(program, "c", num_reads=reads, steps=steps, seed=0, backend_options={"threads": threads},
                               **kw).info["wall_time"]

    runs = (run(pbit, 32, 300, temperature=anneal), run(pbit, 8, 600, temperature=anneal),
            run(oim, 1, 1000, temperature=0.1), run(oim, 64, 60, temperature=0.1))
    return list(zip(CASE_LABELS, runs))


def _serve() -> None:
    """Worker loop: reads case indices from stdin, answers each with the run's wall seconds;
    "probe" answers the idle threads' CPU milliseconds in a 50 ms sleep (NaN where the C backend
    predates the probe)."""
    from runtime.backends import c_backend

    cases = _cases()
    for _, run in cases:
        run()  # warm-up
    print("ready", flush=True)
    for line in sys.stdin:
        if line.strip() == "probe":
            probe = getattr(c_backend, "idle_spin", None)
            print(1e3 * float(np.median([probe(0.05) for _ in range(5)])) if probe else float("nan"), flush=True)
        else:
            print(cases[int(line)][1](), flush=True)


AUTOGROUP_NICE: int | None = None  # --nice: the workers' and busy loops' scheduling-group nice


def _own_group() -> None:
    """preexec_fn of workers and busy loops: their own session, hence their own CFS autogroup (as
    another user's process would have), at AUTOGROUP_NICE when set."""
    if AUTOGROUP_NICE is not None:
        try:
            with open("/proc/self/autogroup", "w") as f:
                f.write(str(AUTOGROUP_NICE))
        except OSError:
            pass


class _Worker:
    """A persistent interpreter serving runs (one per waiting mode or source tree)."""

    def __init__(self, env: dict | None = None, root: Path = ROOT):
        env = {**_env(env), "PYTHONPATH": str(root)}
        self.proc = subprocess.Popen([sys.executable, "-m", "benchmarks.threads", "--worker"], env=env, cwd=root,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     start_new_session=True, preexec_fn=_own_group)
        assert self.proc.stdout.readline().strip() == "ready"

    def ask(self, what) -> float:
        self.proc.stdin.write(f"{what}\n")
        self.proc.stdin.flush()
        return float(self.proc.stdout.readline())

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()


def shared_cores(repeats: int, modes: dict) -> dict:
    """{mode: {case: {"idle": [...], "busy": [...]}, "probe": ms}}: every run of every mode,
    idle and with a busy loop on one core, interleaved repeat by repeat."""
    workers = {mode: _Worker(env, root) for mode, (env, root) in modes.items()}
    labels = CASE_LABELS
    out = {mode: {label: {"idle": [], "busy": []} for label in labels} for mode in modes}
    try:
        for _ in range(repeats):
            for c, label in enumerate(labels):
                for mode, worker in workers.items():
                    out[mode][label]["idle"].append(worker.ask(c))
                    # Its own session, hence its own scheduling group (CFS autogroups), like
                    # another user's process rather than a thread of this benchmark.
                    hog = subprocess.Popen([sys.executable, "-c", HOG.format(seconds=120)], start_new_session=True,
                                           preexec_fn=_own_group)
                    try:
                        time.sleep(0.2)
                        out[mode][label]["busy"].append(worker.ask(c))
                    finally:
                        hog.kill()
                        hog.wait()
        for mode, worker in workers.items():
            out[mode]["probe"] = worker.ask("probe")
    finally:
        for worker in workers.values():
            worker.close()
    return out


def _pbit_worker(repeats: int) -> dict:
    import sdk
    from benchmarks import instances

    spec = sdk.load_device("pbit256").to_dict()
    program = sdk.compile(instances.sk(), sdk.DeviceSpec.from_dict({**spec, "name": "pbit1024", "cells": 1024}))
    anneal = sdk.pbit_anneal(program)
    times, samples = {1: [], 2: []}, {}
    for _ in range(repeats):
        for threads in (1, 2):
            res = sdk.run(program, "c", num_reads=32, steps=1000, seed=0, temperature=anneal,
                          backend_options={"threads": threads})
            times[threads].append(res.info["wall_time"])
            samples[threads] = res.samples
    return {"times": times, "identical": bool(np.array_equal(samples[1], samples[2]))}


LONG_RUN = """
import numpy as np, sdk
J = np.triu(np.random.default_rng(1).choice([-1.0, 1.0], size=(1024, 1024)), 1)
program = sdk.compile(sdk.IsingModel(np.zeros(1024), J), "oim1024")
print("running", flush=True)
sdk.run(program, "c", num_reads=64, steps=10**6, seed=0, temperature=0.5)
"""
PYTHON_SLEEP = 'print("running", flush=True)\nimport numpy, scipy, sdk, time\ntime.sleep(600)\n'


def _interruptible_child() -> None:
    _own_group()
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def interrupt_latency(repeats: int = 5) -> dict:
    """Seconds from SIGINT to exit: inside a long C run (OIM SK N=1024 × 64 replicas), and, for
    the interpreter's own exit cost, in a Python sleep with the same modules loaded."""
    out = {}
    for label, script in (("C run", LONG_RUN), ("Python sleep", PYTHON_SLEEP)):
        lat = []
        for _ in range(repeats):
            # SIGINT at its default in the child: a shell's background job inherits it ignored.
            proc = subprocess.Popen([sys.executable, "-c", script], env=_env(), cwd=ROOT, stdout=subprocess.PIPE,
                                    stderr=subprocess.DEVNULL, text=True, start_new_session=True,
                                    preexec_fn=_interruptible_child)
            proc.stdout.readline()
            time.sleep(1.5)
            sent = time.monotonic()
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=60)
            finally:
                proc.kill()
            lat.append(time.monotonic() - sent)
        out[label] = lat
    return out


def _spread(values) -> str:
    return f"{np.median(values):.3f} ({min(values):.3f}–{max(values):.3f})"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--pbit-worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--only", choices=("shared", "pbit", "interrupt"), action="append")
    ap.add_argument("--before", type=Path, metavar="TREE",
                    help="also run the shared-core cases from another checkout (e.g. the previous commit)")
    ap.add_argument("--nice", type=int, metavar="N",
                    help="run the workers and busy loops in scheduling groups of this nice (Linux autogroups, "
                         "root for N < 0): a measurement on a machine that other people's jobs keep busy")
    args = ap.parse_args(argv)
    global AUTOGROUP_NICE
    AUTOGROUP_NICE = args.nice
    if args.worker:
        return _serve()
    if args.pbit_worker:
        print(json.dumps(_pbit_worker(args.repeats)))
        return
    only = set(args.only or ("shared", "pbit", "interrupt"))
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; medians (min–max) of "
          f"{args.repeats} interleaved repeats, wall seconds"
          + (f"; workers and busy loops at autogroup nice {args.nice}" if args.nice is not None else "") + "\n")
    if "shared" in only:
        modes = {"SONQ default": (None, ROOT), "passive, team of 2": ({"SONQ_BENCH_THREADS": "2"}, ROOT),
                 "libgomp default (spinning), team of 2": ({**SPINNING, "SONQ_BENCH_THREADS": "2"}, ROOT)}
        if args.before:
            modes[f"before ({args.before.name})"] = (None, args.before.resolve())
        res = shared_cores(args.repeats, modes)
        print("| run | waiting | idle s | one core busy s | ratio | idle threads' CPU in a 50 ms sleep |")
        print("|---|---|---|---|---|---|")
        for label in CASE_LABELS:
            for mode, cases in res.items():
                t = cases[label]
                ratio = np.median(t["busy"]) / np.median(t["idle"])
                print(f"| {label} | {mode} | {_spread(t['idle'])} | {_spread(t['busy'])} | {ratio:.2f} | "
                      f"{cases['probe']:.1f} ms |")
        print()
    if "pbit" in only:
        out = subprocess.run([sys.executable, "-m", "benchmarks.threads", "--pbit-worker", "--repeats",
                              str(args.repeats)], env=_env(), cwd=ROOT, capture_output=True, text=True, check=True,
                             start_new_session=True, preexec_fn=_own_group)
        res = json.loads(out.stdout.splitlines()[-1])
        t1, t2 = res["times"]["1"], res["times"]["2"]
        print("| p-bit SK N=1024 × 32 reads × 1000 sweeps | 1 thread s | 2 threads s | speed-up | same samples |")
        print("|---|---|---|---|---|")
        print(f"| C backend | {_spread(t1)} | {_spread(t2)} | {np.median(t1) / np.median(t2):.2f} | {res['identical']} |\n")
    if "interrupt" in only:
        res = interrupt_latency(args.repeats)
        print("| SIGINT to exit | seconds |")
        print("|---|---|")
        for label, lat in res.items():
            print(f"| {label} | {_spread(lat)} |")


if __name__ == "__main__":
    main()
