"""C backend under threads, interrupts and bad arguments: results do not depend on the thread
count (p-bit lane and colour-class splitting), on how the driver cuts a run into kernel calls, or
on waiting policy; Ctrl-C stops a long run; the kernels refuse arrays of the wrong size or a
tampered CSR with a BackendError instead of reading out of bounds."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

import sdk
from interrupts import sigint_latency
from runtime.backends import base

pytestmark = pytest.mark.skipif(bool(sdk.available_backends()["c"]), reason="the C extension is not built")
ROOT = Path(__file__).resolve().parents[2]


def _sk_pbit(n: int) -> sdk.Program:
    """Dense couplings: every node its own colour class."""
    J = np.triu(np.random.default_rng(5).choice([-1.0, 1.0], size=(n, n)), 1)
    return sdk.compile(sdk.IsingModel(np.zeros(n), J), "pbit256")


def _torus_pbit(side: int = 64) -> sdk.Program:
    """A ±1 spin glass on a side × side torus: few, large colour classes."""
    n = side * side
    idx = np.arange(n).reshape(side, side)
    i = np.r_[idx.ravel(), idx.ravel()]
    j = np.r_[np.roll(idx, -1, 1).ravel(), np.roll(idx, -1, 0).ravel()]
    w = np.random.default_rng(3).choice([-1.0, 1.0], size=i.size)
    J = sp.coo_matrix((w, (np.minimum(i, j), np.maximum(i, j))), shape=(n, n)).tocsr()
    spec = sdk.load_device("pbit256").to_dict()
    spec.update(name="pbit-torus", cells=n)
    return sdk.compile(sdk.IsingModel(0.1 * np.random.default_rng(4).normal(size=n), J), sdk.DeviceSpec.from_dict(spec))


def _raw(program, replicas, threads, **kw) -> np.ndarray:
    return sdk.run(program, "c", num_reads=replicas, steps=kw.pop("steps", 30), seed=kw.pop("seed", 2),
                   temperature=kw.pop("temperature", sdk.Schedule.linear(3.0, 0.3)), record_every=10,
                   backend_options={"threads": threads}, **kw).trajectory.raw


@pytest.fixture
def split_classes():
    """Every colour class split across the team, however small (the kernels' default wants 2^20
    lane·couplings per class, more than these test graphs have)."""
    from runtime.backends import c_backend

    previous = c_backend._sonq_c.lib.sonq_pbit_min_segment(0)
    yield
    c_backend._sonq_c.lib.sonq_pbit_min_segment(previous)


@pytest.mark.parametrize("split", [False, True])
@pytest.mark.parametrize("replicas", [32, 41, 8, 1])
@pytest.mark.parametrize("graph", ["dense", "torus"])
def test_pbit_results_do_not_depend_on_threads(request, graph, replicas, split):
    """32 reads on two threads run as two 16-lane blocks, on three as four of 8; 8 reads and one
    read keep one thread per block or, split, share each block's colour classes across the team
    (the torus's two classes, or the dense graph's one-node classes)."""
    if split:
        request.getfixturevalue("split_classes")
    program = _sk_pbit(200) if graph == "dense" else _torus_pbit()
    one = _raw(program, replicas, 1)
    for threads in (2, 3):
        np.testing.assert_array_equal(_raw(program, replicas, threads), one)


def test_pbit_colour_split_follows_the_tape(split_classes):
    """The team-split sweep (8 reads, one 8-lane block, two threads) consumes a noise tape as the
    NumPy reference does."""
    program = _torus_pbit()
    tape = np.random.default_rng(1).uniform(-1, 1, (20, 8, program.num_nodes))
    ref, out = (sdk.run(program, backend, num_reads=8, steps=20, temperature=1.0, noise=sdk.NoiseTape(tape),
                        record_every=5, seed=0, backend_options=options).trajectory.raw
                for backend, options in (("numpy", None), ("c", {"threads": 2})))
    np.testing.assert_array_equal(out, ref)


@pytest.mark.parametrize("device", ["oim1024", "gauss8", "pbit256"])
def test_kernel_calls_capped_without_changing_results(monkeypatch, device):
    """A tiny MAX_BLOCK_WORK cuts the run into one-step calls; the trajectory stays identical."""
    from runtime.backends.c_backend import CBackend

    r = np.random.default_rng(0)
    J = np.triu(r.normal(size=(8, 8)), 1)
    model = (sdk.LangevinModel(quartic=0.25, quadratic=0.5, J=0.2 * (J + J.T), n=8) if device == "gauss8"
             else sdk.IsingModel(r.normal(size=8), J))
    program = sdk.compile(model, device)
    run = dict(num_reads=9, steps=60, seed=4, temperature=0.5, record_every=20, backend_options={"threads": 2})
    default = sdk.run(program, "c", **run).trajectory.raw
    calls, prepare = [], CBackend.prepare

    def counting(self, plan):
        kernel = prepare(self, plan)
        return lambda state, k0, k1, draws: (calls.append((k0, k1)), kernel(state, k0, k1, draws))

    monkeypatch.setattr(CBackend, "prepare", counting)
    monkeypatch.setattr(base, "MAX_BLOCK_WORK", 1)
    capped = sdk.run(program, "c", **run).trajectory.raw
    assert calls == [(k, k + 1) for k in range(60)]
    np.testing.assert_array_equal(capped, default)


def test_default_cap_keeps_calls_short():
    """The documented bounds (base.MAX_BLOCK_WORK): SK N=1024, 64 OIM replicas, 30 steps a call;
    toroidal_8k, one replica, 3744; at least one step whatever the size."""
    assert base.block_steps(64, 1024, 1024 * 1023) == 30
    assert base.block_steps(1, 8192, 4 * 8192) == 3744
    assert base.block_steps(10**6, 10**6, 10**9) == 1


LONG_RUN = textwrap.dedent("""
    import sys
    import numpy as np
    import sdk
    n = 1024
    J = np.triu(np.random.default_rng(1).choice([-1.0, 1.0], size=(n, n)), 1)
    program = sdk.compile(sdk.IsingModel(np.zeros(n), J), sys.argv[1])
    print("running", flush=True)
    sdk.run(program, "c", num_reads=32, steps=10**6, seed=0, temperature=0.5)  # about an hour
    print("finished", flush=True)
""")


@pytest.mark.parametrize("device", ["oim1024", "pbit256"])
def test_sigint_stops_a_long_c_run(device):
    if device == "pbit256":  # the chip has 256 cells: resize it for the 1024-node instance
        script = LONG_RUN.replace('sys.argv[1])', 'sdk.DeviceSpec.from_dict({**sdk.load_device("pbit256")'
                                  '.to_dict(), "name": "pbit1024", "cells": 1024}))')
    else:
        script = LONG_RUN
    latency, stderr = sigint_latency(script, device, settle=1.0, wait=10)  # settle: inside the C calls
    assert "KeyboardInterrupt" in stderr, stderr[-2000:]
    assert latency < 2.0, f"the run took {latency:.2f} s to stop after SIGINT"


def test_openmp_threads_wait_passively():
    """SONQ starts libgomp with OMP_WAIT_POLICY=PASSIVE (unless the user set a policy), even when
    Numba's OpenMP layer runs first: idle threads burn no CPU after a parallel region.  The probe
    sees spinning under OMP_WAIT_POLICY=active."""
    script = textwrap.dedent("""
        import sdk
        import numpy as np
        from runtime.backends import c_backend
        program = sdk.compile(sdk.IsingModel(np.zeros(64), np.triu(np.ones((64, 64)), 1)), "oim1024")
        sdk.run(program, "numba", num_reads=64, steps=50, seed=0)
        sdk.run(program, "c", num_reads=64, steps=50, seed=0, backend_options={"threads": 2})
        spins = [c_backend.idle_spin(0.05) for _ in range(3)]
        print(min(spins), max(spins))
    """)
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    def spins(extra: dict) -> list[float]:
        out = subprocess.run([sys.executable, "-c", script], env={**env, **extra}, cwd=ROOT, capture_output=True,
                             text=True, check=True)
        return [float(x) for x in out.stdout.split()[-2:]]

    passive, active = spins({}), spins({"OMP_WAIT_POLICY": "active"})
    assert passive[0] < 0.001, f"idle OpenMP threads used {passive[0] * 1e3:.1f} ms of CPU in a 50 ms sleep"
    assert active[1] > 0.002, "the probe did not see spinning threads under OMP_WAIT_POLICY=active"


# ---- the kernels' own argument checks, called through the cffi wrappers with hand-built arrays


def _csr(m: int = 6, seed: int = 0):
    J = np.triu(np.random.default_rng(seed).normal(size=(m, m)), 1)
    J = sp.csr_matrix(J + J.T)
    return J.indptr.astype(np.int64), J.indices.astype(np.int32), J.data.astype(np.float64)


def _pbit_args(m: int = 6, R: int = 3, steps: int = 4):
    indptr, indices, data = _csr(m)
    return dict(R=R, m=m, k0=0, k1=steps, state=np.ones(R * m), draws=base.CounterKey(7), indptr=indptr,
                indices=indices, data=data, h=np.zeros(m), order=np.arange(m, dtype=np.int64),
                temperature=np.ones(steps), threads=2)


def _sde_args(m: int = 6, R: int = 3, steps: int = 4):
    indptr, indices, data = _csr(m)
    return dict(cell=0, heun=True, R=R, m=m, k0=0, k1=steps, state=np.zeros(R * m), draws=base.CounterKey(7),
                indptr=indptr, indices=indices, data=data, dense=None, h=np.zeros(m), poly=np.zeros((m, 3)),
                temperature=np.ones(steps), shil=np.zeros(steps), dt=0.01, threads=2)


def _tampered(args: dict, key: str, value) -> dict:
    out = dict(args)
    out[key] = value
    return out


def _bad_csr(args):
    """(case name, tampered arguments, what the error names) for a CSR of args' m nodes."""
    indptr, indices, m = args["indptr"], args["indices"], args["m"]
    decreasing = indptr.copy()
    decreasing[2] = decreasing[3] + 1
    yield "index too large", _tampered(args, "indices", np.where(np.arange(indices.size) == 3, m, indices)), "indices"
    yield "negative index", _tampered(args, "indices", np.where(np.arange(indices.size) == 0, -1, indices)), "indices"
    yield "huge index", _tampered(args, "indices", np.full(indices.size, 2**31 - 1, np.int32)), "indices"
    yield "indptr decreasing", _tampered(args, "indptr", decreasing), "indptr decreases"
    yield "indptr too short", _tampered(args, "indptr", indptr[:-1]), "indptr"
    yield "indptr past nnz", _tampered(args, "indptr", np.r_[indptr[:-1], indptr[-1] + 5]), "indices"
    yield "indptr not from 0", _tampered(args, "indptr", indptr + 1), r"indptr\[0\]"
    yield "data short", _tampered(args, "data", args["data"][:-1]), "data"
    yield "h short", _tampered(args, "h", args["h"][:-1]), "h has"
    yield "state long", _tampered(args, "state", np.zeros(args["state"].size + 1)), "state"
    yield "temperature short", _tampered(args, "temperature", args["temperature"][:-1]), "temperature"
    yield "draws short", _tampered(args, "draws", np.zeros((args["k1"], args["R"], m - 1))), "draws"
    yield "steps backwards", _tampered(args, "k0", args["k1"] + 1), "step range"
    yield "negative replicas", _tampered(args, "R", -1), "negative"


def _cases():
    from runtime.backends import c_backend

    for name, args, match in _bad_csr(_pbit_args()):
        yield pytest.param(c_backend.pbit_sweeps, args, match, id=f"pbit-{name}")
    pbit = _pbit_args()
    yield pytest.param(c_backend.pbit_sweeps, _tampered(pbit, "order", np.r_[pbit["order"][:-1], 6]), "order",
                       id="pbit-order out of range")
    yield pytest.param(c_backend.pbit_sweeps, _tampered(pbit, "order", np.r_[pbit["order"][:-1], 0]), "twice",
                       id="pbit-order repeats a node")
    yield pytest.param(c_backend.pbit_sweeps, _tampered(pbit, "order", pbit["order"][:-1]), "order has",
                       id="pbit-order short")
    for name, args, match in _bad_csr(_sde_args()):
        yield pytest.param(c_backend.sde_steps, args, match, id=f"sde-{name}")
    sde = _sde_args()
    yield pytest.param(c_backend.sde_steps, _tampered(sde, "shil", sde["shil"][:-1]), "shil", id="sde-shil short")
    yield pytest.param(c_backend.sde_steps, _tampered(sde, "poly", np.zeros(5)), "poly", id="sde-poly short")
    yield pytest.param(c_backend.sde_steps, _tampered(sde, "cell", 7), "cell", id="sde-unknown cell")
    yield pytest.param(c_backend.sde_steps, _tampered(sde, "dense", np.zeros(10)), "dense", id="sde-dense wrong size")


@pytest.mark.parametrize("kernel, args, match", list(_cases()) if not sdk.available_backends()["c"] else [])
def test_kernels_refuse_bad_arrays(kernel, args, match):
    state = args["state"].copy()
    with pytest.raises(sdk.BackendError, match=match):
        kernel(**args)
    np.testing.assert_array_equal(args["state"], state)  # refused before anything was written


def test_kernels_accept_the_untampered_arrays():
    from runtime.backends import c_backend

    pbit, sde = _pbit_args(), _sde_args()
    c_backend.pbit_sweeps(**pbit)
    c_backend.sde_steps(**sde)
    assert set(np.unique(pbit["state"])) <= {-1.0, 1.0} and np.all(np.isfinite(sde["state"]))


def test_pack_dense_refuses_a_tampered_csr():
    from runtime.backends import c_backend

    indptr, indices, data = _csr(8)
    assert c_backend.pack_dense(8, indptr, indices, data).shape == (c_backend._sonq_c.lib.sonq_dense_size(8, 56),)
    with pytest.raises(sdk.BackendError, match="indices"):
        c_backend.pack_dense(8, indptr, np.where(indices == 7, 8, indices), data)
    with pytest.raises(sdk.BackendError, match="indptr"):
        c_backend.pack_dense(8, indptr[::-1].copy(), indices, data)


def test_state_must_be_the_callers_float64_array():
    from runtime.backends import c_backend

    args = _pbit_args()
    with pytest.raises(sdk.BackendError, match="state"):
        c_backend.pbit_sweeps(**_tampered(args, "state", args["state"].astype(np.float32)))


def test_adaptive_team_leaves_busy_cores_out():
    """threads=0: the OpenMP default capped at the cores no other runnable thread holds."""
    from runtime.backends import c_backend

    assert c_backend.team_size(3) == 3
    free = c_backend.free_cores()
    assert 1 <= free <= (os.cpu_count() or 1)
    assert 1 <= c_backend.team_size(0) <= min(free, c_backend._sonq_c.lib.sonq_openmp_threads())
    program = _sk_pbit(100)
    np.testing.assert_array_equal(_raw(program, 32, 0), _raw(program, 32, 1))
