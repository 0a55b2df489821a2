"""JAX keyed runs are cut into capped kernel calls (base.MAX_BLOCK_WORK / JaxBackend.work_cost) of a
few uniform lengths, without changing results, so Ctrl-C stops them within about a second."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

import sdk
from backend_params import HAVE_JAX
from interrupts import sigint_latency
from runtime.backends import base

pytestmark = pytest.mark.skipif(not HAVE_JAX, reason="jax is not installed")


@pytest.mark.parametrize("device", ["oim1024", "pbit256"])
def test_keyed_jax_calls_capped_and_uniform(monkeypatch, device):
    """With a cap of 7 steps, 100-step record intervals (and the last 50 steps) run as calls of 7 or
    6 steps; the samples equal the uncapped run's (the generator is folded
    with absolute steps)."""
    from runtime.backends.jax_backend import JaxBackend

    r = np.random.default_rng(0)
    program = sdk.compile(sdk.IsingModel(r.normal(size=8), np.triu(r.normal(size=(8, 8)), 1)), device)
    run = dict(num_reads=4, steps=250, seed=4, temperature=0.5, record_every=100,
               backend_options={"precision": "float64"})
    monkeypatch.setattr(base, "MAX_BLOCK_WORK", 1 << 62)
    whole = sdk.run(program, "jax", **run).trajectory.raw
    calls, prepare = [], JaxBackend.prepare

    def counting(self, plan):
        kernel = prepare(self, plan)
        return lambda state, k0, k1, draws: (calls.append((k0, k1)), kernel(state, k0, k1, draws))

    monkeypatch.setattr(JaxBackend, "prepare", counting)
    cap = 7
    per_step = 4 * (program.couplings.nnz + base.NODE_WORK * program.num_nodes) + base.STEP_WORK
    monkeypatch.setattr(base, "MAX_BLOCK_WORK", int(cap * per_step * JaxBackend.work_cost))
    capped = sdk.run(program, "jax", **run).trajectory.raw
    lengths = [k1 - k0 for k0, k1 in calls]
    assert max(lengths) == cap and sum(lengths) == 250
    assert [k0 for k0, _ in calls] == [0, *np.cumsum(lengths)[:-1]]
    assert set(lengths) == {7, 6}  # 100 = 2·7 + 14·6 and the last 50 = 2·7 + 6·6: two scan lengths
    np.testing.assert_array_equal(capped, whole)


LONG_RUN = textwrap.dedent("""
    import math
    import numpy as np
    import sdk
    from runtime.backends import base
    from runtime.backends.jax_backend import JaxBackend
    n, R, steps = 512, 16, 10**7
    J = np.triu(np.random.default_rng(1).choice([-1.0, 1.0], size=(n, n)), 1)
    program = sdk.compile(sdk.IsingModel(np.zeros(n), J), "oim1024")
    cap = base.block_steps(R, program.num_nodes, program.couplings.nnz, JaxBackend.work_cost)
    length = -(-steps // -(-steps // cap))  # the calls' length (base.even_piece)
    sdk.run(program, "jax", num_reads=R, steps=length, seed=0, temperature=0.5)  # compiles that scan
    print("running", flush=True)
    sdk.run(program, "jax", num_reads=R, steps=steps, seed=0, temperature=0.5)  # hours
    print("finished", flush=True)
""")


def test_sigint_stops_a_long_jax_run():
    latency, stderr = sigint_latency(LONG_RUN, settle=1.5, wait=20)  # settle: inside the long run's scans
    assert "KeyboardInterrupt" in stderr, stderr[-2000:]
    assert latency < 2.0, f"the run took {latency:.2f} s to stop after SIGINT"
