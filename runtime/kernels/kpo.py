"""Kernels of the ``kpo`` cell (Kerr parametric oscillators / simulated bifurcation) for every
emulator: the NumPy reference, Numba, JAX and C (``csrc/sonq_kpo.c``).

Step k of each rule (device units, ``device_models/cells/kpo.py``; ξ the draw of (k, replica, node);
f(x) = x, or sign(x) for ``discrete``)::

    y += (a_k − a₀)·dt·x;  y += √(2T_k dt)·ξ;  x += a₀dt·y;
    y += −c₀dt·(J f(x) + h);  adiabatic: y += −dt·x³;  ballistic, discrete: walls at |x| = 1

The state (replicas, 2m) holds x in columns 0..m−1 and y in m..2m−1.  Every backend takes the
kicks in this order, so given the same noise tape they follow the reference to rounding.  A
clamped node (``plan.clamp``) holds its x with y = 0 throughout (its draws are consumed unused).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from device_models.cells.kpo import A0, KpoCell, coupling_gain
from device_models.errors import BackendError
from runtime.backends.base import CounterKey, Kernel, RunPlan
from runtime.backends.c_backend import CBackend
from runtime.backends.jax_backend import JaxBackend
from runtime.backends.numba_backend import NumbaBackend, clamp_mask
from runtime.backends.numpy_backend import NumpyBackend

RULES = {"ballistic": 0, "discrete": 1, "adiabatic": 2}
PARALLEL_WORK = 200_000  # Numba: node-updates × (couplings per node + 1) per block before threads are used


@dataclass(frozen=True)
class _Coefficients:
    """A plan's constants a₀dt, −c₀dt, dt and rule; :meth:`block` gives a block's per-step ones."""

    plan: RunPlan
    drift: float
    gain: float
    dt: float
    rule: int

    def block(self, k0: int, k1: int) -> tuple[np.ndarray, np.ndarray]:
        """(k1−k0,) contiguous (a_k − a₀)·dt and √(2T_k dt) of steps k0..k1−1."""
        w = self.plan.window(k0, k1)
        return (np.ascontiguousarray((w["pump"] - A0) * self.dt),
                np.ascontiguousarray(np.sqrt(2 * w["temperature"] * self.dt)))


def _coefficients(plan: RunPlan) -> _Coefficients:
    dt = plan.dt
    return _Coefficients(plan, A0 * dt, -coupling_gain(plan.program) * dt, dt, RULES[plan.integrator])


# --------------------------------------------------------------------------------------------- NumPy

@NumpyBackend.register(KpoCell)
def _numpy(backend: NumpyBackend, plan: RunPlan) -> Kernel:
    p = plan.program
    m = p.num_nodes
    J, h = p.couplings.tocsr(), np.asarray(p.fields, dtype=np.float64)
    c = _coefficients(plan)
    fixed = np.zeros(m, dtype=bool) if plan.clamp is None else plan.clamp

    def kpo(state, k0, k1, draws):
        x, y = state[:, :m], state[:, m:]  # views: updated in place
        y[:, fixed] = 0.0
        detune, amp = c.block(k0, k1)
        for k in range(k0, k1):
            y += detune[k - k0] * x
            y += amp[k - k0] * draws[k - k0]
            y[:, fixed] = 0.0
            x += c.drift * y
            f = np.sign(x) if c.rule == RULES["discrete"] else x
            y += c.gain * ((J @ f.T).T + h)
            if c.rule == RULES["adiabatic"]:
                y += -c.dt * (x * x * x)
            else:
                wall = np.abs(x) > 1.0
                y[wall] = 0.0
                np.clip(x, -1.0, 1.0, out=x)
            y[:, fixed] = 0.0
    return kpo


# --------------------------------------------------------------------------------------------- Numba

@functools.cache
def _numba_blocks():
    """The compiled block, serial and parallel over replicas (compiled on first use)."""
    from numba import njit, prange

    def block(state, k0, k1, draws, indptr, indices, data, h, detune, amp, drift, gain, dt, rule, fixed):
        R = state.shape[0]
        m = h.shape[0]
        for r in prange(R):
            x = state[r, :m]
            y = state[r, m:]
            f = np.empty(m)
            for k in range(k0, k1):
                c1, a = detune[k - k0], amp[k - k0]
                for i in range(m):
                    if fixed[i]:
                        y[i] = 0.0
                    else:
                        yi = y[i] + c1 * x[i]
                        yi = yi + a * draws[k - k0, r, i]
                        y[i] = yi
                        x[i] = x[i] + drift * yi
                    if rule == 1:
                        f[i] = (x[i] > 0.0) - (x[i] < 0.0)
                    else:
                        f[i] = x[i]
                for i in range(m):
                    if fixed[i]:
                        continue
                    acc = 0.0
                    for q in range(indptr[i], indptr[i + 1]):
                        acc += data[q] * f[indices[q]]
                    yi = y[i] + gain * (acc + h[i])
                    xi = x[i]
                    if rule == 2:
                        yi = yi + (-dt) * (xi * xi * xi)
                    elif xi > 1.0 or xi < -1.0:
                        yi = 0.0
                        x[i] = 1.0 if xi > 1.0 else -1.0
                    y[i] = yi

    return {False: njit(cache=True)(block), True: njit(cache=True, parallel=True)(block)}


@NumbaBackend.register(KpoCell)
def _numba(backend: NumbaBackend, plan: RunPlan) -> Kernel:
    p = plan.program
    J = p.couplings.tocsr()
    csr = (J.indptr.astype(np.int64), J.indices.astype(np.int64), J.data.astype(np.float64))
    h = np.ascontiguousarray(p.fields, dtype=np.float64)
    c = _coefficients(plan)
    per_step = plan.replicas * (J.nnz + J.shape[0])
    blocks = _numba_blocks()
    fixed = clamp_mask(plan)

    def kpo(state, k0, k1, draws):
        threaded = (k1 - k0) * per_step >= PARALLEL_WORK and plan.replicas > 1
        blocks[threaded](state, k0, k1, np.ascontiguousarray(draws, dtype=np.float64), *csr, h, *c.block(k0, k1),
                         c.drift, c.gain, c.dt, c.rule, fixed)
    return kpo


# ----------------------------------------------------------------------------------------------- JAX

@JaxBackend.register(KpoCell)
def _jax(backend: JaxBackend, plan: RunPlan) -> Kernel:
    """A jitted ``lax.scan`` over the block's steps on node-major arrays (m × replicas: one coupling
    product serves every replica); couplings dense, or gathered from padded neighbour lists."""
    import jax
    import jax.numpy as jnp

    from runtime.backends.jax_backend import coupling_arrays, held_columns, store

    x64 = (backend.precision or plan.program.device.precision) == "float64"
    dtype = np.float64 if x64 else np.float32
    p = plan.program
    J = p.couplings.tocsr()
    c = _coefficients(plan)
    with jax.enable_x64(x64):
        as_j = lambda a: jnp.asarray(np.asarray(a), dtype=dtype)  # noqa: E731
        params = {"h": as_j(p.fields), "drift": as_j(c.drift),
                  "gain": as_j(c.gain), "dt": as_j(c.dt), **coupling_arrays(J, backend.layout, as_j)}
        if plan.clamp is not None:
            params["fixed"] = jnp.asarray(plan.clamp)[:, None]
    block = _jax_block()
    config = (c.rule, np.dtype(dtype).name)
    keep = held_columns(plan, variables=1)  # held x; their y comes back as the kernel's exact 0

    def kpo(state, k0, k1, draws):
        with jax.enable_x64(x64):
            key = jax.random.key(draws.key) if isinstance(draws, CounterKey) else None
            tape = None if key is not None else jnp.asarray(np.swapaxes(draws, 1, 2), dtype=dtype)
            ramp = tuple(jnp.asarray(a, dtype=dtype) for a in c.block(k0, k1))
            out = block(params, jnp.asarray(state.T, dtype=dtype), k0, key, tape, ramp, config=config, length=k1 - k0)
            store(state, np.asarray(out).T, keep)
    return kpo


@functools.cache
def _jax_block():
    """``block(params, s, k0, key, tape, ramp, *, config, length) → s``: steps k0..k0+length−1 of
    the node-major state s (2m × replicas), ``ramp`` the block's (detune, amp) arrays (length,),
    jitted once per (config, length, shapes)."""
    import jax
    import jax.numpy as jnp

    dot = functools.partial(jnp.matmul, precision=jax.lax.Precision.HIGHEST)

    def couplings(params, f):
        if "J" in params:
            return dot(params["J"], f)
        return jnp.sum(params["w"][..., None] * f[params["idx"]], axis=1)

    def block(params, s, k0, key, tape, ramp, *, config, length):
        rule, dtype = config[0], jnp.dtype(config[1])
        m = s.shape[0] // 2
        # Clamped nodes: y held at 0, so x never moves (the walls and clip leave |x| ≤ 1 alone).
        hold = (lambda y: jnp.where(params["fixed"], jnp.zeros_like(y), y)) if "fixed" in params else (lambda y: y)

        def body(carry, inputs):
            x, y = carry
            k, xi, c1, a = inputs
            if tape is None:
                xi = jax.random.normal(jax.random.fold_in(key, k), x.shape, dtype)
            y = y + c1 * x
            y = y + a * xi
            y = hold(y)
            x = x + params["drift"] * y
            f = jnp.sign(x) if rule == RULES["discrete"] else x
            y = y + params["gain"] * (couplings(params, f) + params["h"][:, None])
            if rule == RULES["adiabatic"]:
                y = y + (-params["dt"]) * (x * x * x)
            else:
                y = jnp.where(jnp.abs(x) > 1.0, jnp.zeros_like(y), y)
                x = jnp.clip(x, -1.0, 1.0)
            return (x, hold(y)), None

        xs = (k0 + jnp.arange(length), jnp.zeros((length, 0), dtype) if tape is None else tape, *ramp)
        x, y = jax.lax.scan(body, (s[:m], s[m:]), xs)[0]
        return jnp.concatenate([x, y], axis=0)

    return jax.jit(block, static_argnames=("config", "length"))


# ------------------------------------------------------------------------------------------------- C

@CBackend.register(KpoCell)
def _c(backend: CBackend, plan: RunPlan) -> Kernel:
    """``sonq_kpo`` (csrc/sonq_kpo.c) in the device's precision: dense couplings (nnz ≥ m²/4, e.g.
    all-to-all SK) packed once per run for its register-blocked product over replicas, CSR rows
    otherwise."""
    from runtime.backends import c_backend

    ffi, lib = c_backend._sonq_c.ffi, c_backend._sonq_c.lib
    if not hasattr(lib, "sonq_kpo"):
        raise BackendError("the C extension predates the kpo kernel (csrc/sonq_kpo.c): rebuild it with "
                           "`python runtime/backends/_c_build.py` or reinstall SONQ")
    p = plan.program
    m, R = p.num_nodes, plan.replicas
    J = p.couplings.tocsr()
    c = _coefficients(plan)
    single = int(p.device.precision == "float32")
    keep = []  # arrays the C buffers point into

    def buf(ctype, arr, dtype):
        arr = np.ascontiguousarray(arr, dtype=dtype)
        keep.append(arr)
        return ffi.from_buffer(f"{ctype}[]", arr)

    csr = (buf("int64_t", J.indptr, np.int64), buf("int32_t", J.indices, np.int32), buf("double", J.data, np.float64))
    dense = ffi.NULL
    size = lib.sonq_kpo_dense_size(m, J.nnz)
    if size:
        packed = np.empty(size, dtype=np.float32 if single else np.float64)
        keep.append(packed)
        dense = ffi.from_buffer("char[]", packed)
        lib.sonq_kpo_pack_dense(m, *csr, single, dense)
    h = buf("double", p.fields, np.float64)
    clamp = ffi.NULL if plan.clamp is None else buf("uint8_t", plan.clamp, np.uint8)

    def kpo(state, k0, k1, draws):
        if isinstance(draws, CounterKey):
            tape, key = ffi.NULL, draws.key
        else:
            tape, key = ffi.from_buffer("double[]", np.ascontiguousarray(draws, dtype=np.float64)), 0
        detune, amp = c.block(k0, k1)
        lib.sonq_kpo(c.rule, single, R, m, k0, k1, ffi.from_buffer("double[]", state), tape, key, *csr, dense, h,
                     ffi.from_buffer("double[]", detune), ffi.from_buffer("double[]", amp), c.drift, c.gain, c.dt,
                     clamp, backend.threads)
    kpo.keep = keep
    return kpo
