"""JAX emulator: the macromodels as a jitted ``lax.scan`` over steps, on whatever device JAX runs
on (a GPU when one is present).  The SDE cells step all replicas at once as node-major arrays
(nodes × replicas: one coupling product or gather serves every replica, reading contiguous rows);
the p-bit sweep is ``vmap``-ped over replicas.  ``jax`` is an optional extra, imported only when
this backend is used.  Throughput on an H200: ``BENCHMARKS_GPU.md``.

Precision: the device spec's ``precision`` (``float32`` or ``float64``) unless overridden; float64
is enabled only around this backend's own tracing and calls (``jax.enable_x64``), never globally.

Noise, ``JaxBackend(rng=...)``:

* ``"internal"`` (default): ``jax.random`` with a key drawn from the run's seed, folded with the
  absolute step index, so results do not depend on how the driver splits the run into blocks;
* ``"tape"``: consumes the driver's draws as the NumPy reference does (used automatically for any
  noise source other than the run's seeded one, e.g. a :class:`~runtime.noise.NoiseTape`).

Kernel calls are capped (``interruptible``, ``work_cost``: base.MAX_BLOCK_WORK/4 work units a
call), so Ctrl-C stops a keyed run between scans.
"""

from __future__ import annotations

import functools
import importlib.util
from dataclasses import dataclass

import numpy as np

from device_models.errors import BackendError
from device_models.cells import AbstractCell, GaussCell, OimCell, PbitCell
from runtime.backends.base import AbstractKeyedEmulator, CounterKey, Kernel, RunPlan

# A dense matmul beats gathering neighbours above this coupling density, or for any density up
# to DENSE_NODES nodes (XLA's CPU gather costs more than a small dense product: king's graph 64
# ran 5× faster dense at 1 replica and 3× at 64; at 1024 nodes of degree 8 gathering still won
# at 1 replica).
DENSE_FILL = 0.25
DENSE_NODES = 512
PRECISIONS = ("float32", "float64")
LAYOUTS = ("auto", "dense", "neighbours")


def coupling_arrays(J, layout: str, as_j) -> dict:
    """CSR couplings as JAX arrays in ``layout`` (see :class:`JaxBackend`): ``{"J": dense}`` or
    padded neighbour lists ``{"idx", "w"}``; ``as_j`` converts float arrays to the run's dtype."""
    import jax.numpy as jnp

    m = J.shape[0]
    if layout == "dense" or (layout == "auto" and (J.nnz > DENSE_FILL * m * m or m <= DENSE_NODES)):
        return {"J": as_j(J.toarray())}
    idx, w = _neighbours(J, m)
    return {"idx": jnp.asarray(idx), "w": as_j(w)}


def held_columns(plan: RunPlan, variables: int | None = None) -> np.ndarray | None:
    """(width·m,) bool: the state columns of the plan's held nodes (of their first ``variables``
    state variables; default all), which a kernel's write-back leaves alone, since a float32 round
    trip would round them; None when nothing is clamped."""
    if plan.clamp is None:
        return None
    width = plan.cell.width
    return np.concatenate([plan.clamp if v < (width if variables is None else variables) else
                           np.zeros_like(plan.clamp) for v in range(width)])


def store(state: np.ndarray, out, keep: np.ndarray | None) -> None:
    """``state[...] = out`` (as float64), except the ``keep`` columns (:func:`held_columns`)."""
    out = np.asarray(out, dtype=np.float64)
    if keep is None:
        state[...] = out
    else:
        state[:, ~keep] = out[:, ~keep]


def _neighbours(J, m: int) -> tuple[np.ndarray, np.ndarray]:
    """CSR couplings → padded neighbour lists (m, D) of indices and weights (padding: weight 0)."""
    deg = np.diff(J.indptr)
    D = max(int(deg.max()) if m else 0, 1)
    idx = np.zeros((m, D), dtype=np.int32)
    w = np.zeros((m, D))
    rows = np.repeat(np.arange(m), deg)
    cols = np.arange(J.nnz) - np.repeat(J.indptr[:-1], deg)
    idx[rows, cols] = J.indices
    w[rows, cols] = J.data
    return idx, w


class JaxBackend(AbstractKeyedEmulator):
    """JAX emulator (jit, ``lax.scan`` over steps, replicas batched).

    Args:
        rng: ``"internal"`` (``jax.random``) or ``"tape"`` (the driver's draws).
        precision: ``"float32"`` or ``"float64"``; default: the device spec's.
        layout: couplings as a ``"dense"`` matrix or padded ``"neighbours"`` lists (gathers);
            ``"auto"``: dense above DENSE_FILL density or up to DENSE_NODES nodes (tuned on a
            CPU; on a GPU dense often pays at larger sizes too).
    """

    name = "jax"
    # One jitted scan holds the interpreter like a C call: capped too, so Ctrl-C ends a run
    # within about a second.  On a CPU a work unit of these kernels took 1.3–2.9× the C loops'
    # time (SK N=512 × 32 reads: p-bit 1.5×, OIM 1.7–2.9× at load average 7–10), so a call holds
    # a quarter of the C cap; the driver cuts each record interval into near-equal calls, so a
    # run compiles at most a few scan lengths.
    interruptible = True
    work_cost = 4.0

    def __init__(self, rng: str = "internal", precision: str | None = None, layout: str = "auto"):
        super().__init__(rng)
        if precision not in (None, *PRECISIONS):
            raise BackendError(f"precision must be one of {PRECISIONS}, got {precision!r}")
        if layout not in LAYOUTS:
            raise BackendError(f"layout must be one of {LAYOUTS}, got {layout!r}")
        self.precision = precision
        self.layout = layout

    @classmethod
    def unavailable_reason(cls) -> str | None:
        if importlib.util.find_spec("jax") is None:
            return "jax is not installed: pip install 'sonq[jax]'"
        return None

    def prepare(self, plan: RunPlan) -> Kernel:
        reason = self.unavailable_reason()
        if reason:
            raise BackendError(reason)
        return super().prepare(plan)


@JaxBackend.register(OimCell, GaussCell, PbitCell)
def _kernel(backend: JaxBackend, plan: RunPlan) -> Kernel:
    """One jitted scan per block; the cell's step rule is chosen at trace time from
    :func:`_jitted_block`'s table."""
    import jax

    x64 = (backend.precision or plan.program.device.precision) == "float64"
    with jax.enable_x64(x64):
        config, params = _lower(plan, np.float64 if x64 else np.float32, backend.layout)
    block = _jitted_block()
    keep = held_columns(plan)

    def kernel(state, k0, k1, draws):
        with jax.enable_x64(x64):
            if isinstance(draws, CounterKey):
                key, draws = jax.random.key(draws.key), None
            else:
                key = None
            store(state, block(params, plan.window(k0, k1), state, k0, key, draws, config=config, length=k1 - k0),
                  keep)
    return kernel


@dataclass(frozen=True)
class _Config:
    """Static (trace-time) description of a run; equal configs share one compiled function."""

    cell: AbstractCell
    heun: bool
    dense: bool
    replicas: int
    dtype: str


def _lower(plan: RunPlan, dtype, layout: str) -> tuple[_Config, dict]:
    """The run as a static config and a dict of device arrays (dtype ``dtype``), couplings in
    ``layout`` (see :class:`JaxBackend`)."""
    import jax.numpy as jnp

    p = plan.program
    m = p.num_nodes
    J = p.couplings.tocsr()
    as_j = lambda a: jnp.asarray(np.asarray(a), dtype=dtype)  # noqa: E731
    params = {"h": as_j(p.fields), "poly": as_j(p.poly), "dt": as_j(plan.dt), **coupling_arrays(J, layout, as_j)}
    if plan.clamp is not None:
        params["fixed"] = jnp.asarray(plan.clamp)  # (m,) held nodes
    dense = "J" in params
    # Colour classes, the p-bit sweep's update order.
    order = np.argsort(p.colors, kind="stable")
    classes = [order[p.colors[order] == c] for c in range(int(p.colors.max()) + 1)]
    width = max(len(c) for c in classes)
    # (colours, width) node indices padded with m: the scatter drops them, gathers clamp them.
    params["classes"] = jnp.asarray(np.stack([np.pad(c, (0, width - len(c)), constant_values=m)
                                              for c in classes]))
    config = _Config(p.cell, plan.integrator == "heun", dense, plan.replicas, np.dtype(dtype).name)
    return config, params


@functools.cache
def _jitted_block():
    """``block(params, sched, state, k0, key, draws, *, config, length) → state`` after steps
    k0..k0+length−1 (``sched``: the block's schedule values, name → (length,)), jitted once per
    (config, length, shapes) for the whole process."""
    import jax
    import jax.numpy as jnp

    # Full-precision products: on GPUs XLA's default float32 matmul may round its inputs to
    # TF32 (10-bit mantissa), a 1e-3 error in every coupling sum.
    dot = functools.partial(jnp.matmul, precision=jax.lax.Precision.HIGHEST)

    def couplings(params, V):
        """Σ_j J_ij V_jc for every column c of the node-major block V (m × columns)."""
        if "J" in params:
            return dot(params["J"], V)
        return jnp.sum(params["w"][..., None] * V[params["idx"]], axis=1)

    def oim_drift(params, x, sk):
        """OIM drift of node-major phases x (m × replicas); sk: the step's schedule values."""
        c, s = jnp.cos(x), jnp.sin(x)
        sums = couplings(params, jnp.concatenate([c, s], axis=1))  # one product for both sums
        return s * sums[:, : x.shape[1]] - c * sums[:, x.shape[1]:] - sk["shil"] * jnp.sin(2 * x)

    def langevin_drift(params, x, sk):
        """Langevin drift of node-major states x (m × replicas)."""
        c2, c3, c4 = params["poly"].T[..., None]
        return -(params["h"][:, None] + couplings(params, x) + 2 * c2 * x + 3 * c3 * x**2 + 4 * c4 * x**3)

    def hold(params, new, old):
        """``new`` with the held nodes (rows of node-major arrays) taken from ``old``."""
        return jnp.where(params["fixed"][:, None], old, new) if "fixed" in params else new

    def sde_step(drift):
        def step(params, config, x, sk, xi):
            dt = params["dt"]
            kick = jnp.sqrt(2 * sk["temperature"] * dt) * xi
            f0 = drift(params, x, sk)
            if not config.heun:
                return hold(params, x + f0 * dt + kick, x)
            f1 = drift(params, hold(params, x + f0 * dt + kick, x), sk)
            return hold(params, x + 0.5 * (f0 + f1) * dt + kick, x)
        return step

    def sweep(params, s, T, u):
        m = s.shape[0]

        def colour(s, nodes):
            rows = jnp.minimum(nodes, m - 1)
            if "J" in params:
                field = dot(params["J"][rows], s)
            else:
                field = jnp.sum(params["w"][rows] * s[params["idx"][rows]], axis=-1)
            I = -(params["h"][rows] + field)
            a = jnp.where(T > 0, jnp.tanh(I / jnp.where(T > 0, T, 1)), jnp.sign(I))
            new = jnp.where(a > u[rows], 1.0, -1.0).astype(s.dtype)
            if "fixed" in params:
                new = jnp.where(params["fixed"][rows], s[rows], new)
            return s.at[nodes].set(new, mode="drop"), None

        return jax.lax.scan(colour, s, params["classes"])[0]

    def pbit_step(params, config, x, sk, u):
        T = sk["temperature"]
        return jax.vmap(lambda s, v: sweep(params, s, T, v))(x, u)

    # Each cell's step rule and whether it steps node-major arrays (m × replicas: the gathers and
    # products then read contiguous rows of replicas, and one product serves all of them) or maps
    # over replicas (the p-bit sweep).
    rules = {OimCell: (sde_step(oim_drift), True), GaussCell: (sde_step(langevin_drift), True),
             PbitCell: (pbit_step, False)}

    def block(params, sched, state, k0, key, draws, *, config, length):
        dtype = jnp.dtype(config.dtype)
        step, node_major = rules[type(config.cell)]
        uniform = config.cell.noise == "uniform"
        if node_major:
            state = jnp.asarray(state).T
            draws = None if draws is None else jnp.swapaxes(jnp.asarray(draws), 1, 2)
        shape = state.shape

        def body(x, inputs):
            k, xi, sk = inputs
            if draws is None:
                sub = jax.random.fold_in(key, k)
                xi = (jax.random.uniform(sub, shape, dtype, -1.0, 1.0) if uniform
                      else jax.random.normal(sub, shape, dtype))
            return step(params, config, x, sk, xi), None

        xs = (k0 + jnp.arange(length), jnp.zeros((length, 0), dtype) if draws is None else jnp.asarray(draws, dtype),
              {name: jnp.asarray(values, dtype) for name, values in sched.items()})
        out = jax.lax.scan(body, jnp.asarray(state, dtype), xs)[0]
        return out.T if node_major else out

    return jax.jit(block, static_argnames=("config", "length"))
