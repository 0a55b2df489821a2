"""Kernels of the coherent Ising machine cell (``cim``, :mod:`device_models.cells.cim`) for every
emulator: NumPy (the reference), Numba, JAX and C (``csrc/sonq_cim.c``).

State (R, 3m): amplitudes x at columns 0..m−1, error variables e at m..2m−1, the register of the
best configuration seen (±1) at 2m..3m−1.  Step k (``docs/cim.md``; s = sign x with 0 → −1,
H = ½ sᵀJs, ξ_k the block's draws for step k)::

    x' = x + dt·x·(r − 1 − x²) − dt·ε·e·(Jx) + √(2T dt)·ξ
    ahc: a = a₀ − ε·(sᵀJs)/m;  e' = min(e − dt·β·(x'² − a)·e, E_MAX)
    cac: e' = min(e − dt·β_r·(x'² − a_r)·e, E_MAX);  β_r += γ·dt;
         a_r = α + ρ·tanh(δ·(H − H_opt,r));  reset β_r = 0, t_c,r = k when k − t_c,r > τ/dt
    both: H < H_opt,r → H_opt,r = H, t_c,r = k, register = s

The per-replica values (a, β, H_opt, t_c) live in the kernel object, carried across the driver's
blocks (which always come in order), initialised from the run's initial state (H_opt: the initial
register's energy).  Every
emulator takes the same operations in the same order, so a noise tape gives the reference's
trajectory to rounding.  A clamped node (``plan.clamp``) keeps its amplitude, error variable and
register bit (the register is not rewritten at an improvement).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from device_models.cells.cim import E_MAX, CimCell
from runtime.backends.base import CounterKey, Kernel, RunPlan
from runtime.backends.jax_backend import JaxBackend
from runtime.backends.numba_backend import NumbaBackend, clamp_mask
from runtime.backends.numpy_backend import NumpyBackend, held
from runtime.backends.c_backend import CBackend
from runtime.backends import c_backend

AHC, CAC = 0, 1
RULES = {"ahc": AHC, "cac": CAC}
PARAMS = ("pump", "ahc_epsilon", "ahc_beta", "ahc_target", "cac_epsilon", "cac_alpha", "cac_gamma", "cac_rho",
          "cac_delta", "cac_tau")  # the schedules the step rules read besides temperature, in this order


def _energies(J, x: np.ndarray) -> np.ndarray:
    """H = ½ sᵀJs of s = sign x (0 → −1), one per replica (rows of x)."""
    s = np.where(x > 0, 1.0, -1.0)
    return 0.5 * np.einsum("ri,ri->r", s, (J @ s.T).T)


class _CacState:
    """The per-replica values: CAC's target a and error rate β, the best energy H_opt (both rules)
    and CAC's clock t_c (step of the last improvement or reset), from the run's initial state."""

    def __init__(self, plan: RunPlan):
        m = plan.program.num_nodes
        R = plan.replicas
        self.a = np.full(R, float(plan.window(0, 1)["cac_alpha"][0]))
        self.beta = np.zeros(R)
        self.h_opt = _energies(plan.program.couplings, np.asarray(plan.init, dtype=np.float64)[:, 2 * m:])
        self.t_c = np.zeros(R)

    def arrays(self) -> tuple[np.ndarray, ...]:
        return self.a, self.beta, self.h_opt, self.t_c


def _schedules(plan: RunPlan, k0: int, k1: int) -> dict[str, np.ndarray]:
    """The block's (k1−k0,) values of temperature and PARAMS, contiguous float64."""
    w = plan.window(k0, k1)
    return {name: np.ascontiguousarray(w[name], dtype=np.float64) for name in ("temperature", *PARAMS)}


@NumpyBackend.register(CimCell)
def _numpy(backend: NumpyBackend, plan: RunPlan) -> Kernel:
    J = plan.program.couplings.tocsr()
    m, dt, rule = plan.program.num_nodes, plan.dt, RULES[plan.integrator]
    aux = _CacState(plan)
    hold = held(plan.clamp)
    free = None if plan.clamp is None else ~plan.clamp

    def cim(state, k0, k1, draws):
        x, e, best = state[:, :m], state[:, m:2 * m], state[:, 2 * m:]
        block = _schedules(plan, k0, k1)
        for k in range(k0, k1):
            sc = {name: values[k - k0] for name, values in block.items()}
            s = np.where(x > 0, 1.0, -1.0)
            Js = (J @ s.T).T
            H = 0.5 * np.einsum("ri,ri->r", s, Js)
            Jx = (J @ x.T).T
            eps = sc["ahc_epsilon"] if rule == AHC else sc["cac_epsilon"]
            xn = x + dt * (x * ((sc["pump"] - 1) - x * x))
            xn = xn - dt * eps * (Jx * e)
            xn = xn + math.sqrt(2 * sc["temperature"] * dt) * draws[k - k0]
            x2 = xn * xn
            if rule == AHC:
                a = sc["ahc_target"] - eps * np.einsum("ri,ri->r", s, Js) / m
                en = e + dt * (-sc["ahc_beta"] * (x2 - a[:, None]) * e)
            else:
                en = e + (-aux.beta[:, None] * (x2 - aux.a[:, None]) * e) * dt
                aux.beta += sc["cac_gamma"] * dt
                aux.a = sc["cac_alpha"] + sc["cac_rho"] * np.tanh(sc["cac_delta"] * (H - aux.h_opt))
                reset = aux.t_c < k - sc["cac_tau"] / dt
                aux.beta[reset] = 0.0
                aux.t_c[reset] = k
            better = H < aux.h_opt
            aux.t_c[better] = k
            best[...] = np.where(better[:, None] if free is None else better[:, None] & free, s, best)
            aux.h_opt = np.minimum(aux.h_opt, H)
            x[...] = hold(xn, x)
            e[...] = hold(np.minimum(en, E_MAX), e)
    return cim


def _block(rule, state, k0, k1, draws, indptr, indices, data, dense, use_dense, temperature, params, aux, dt, fixed):
    """Steps k0..k1−1 of every replica (rows of state), the NumPy reference's operations in its
    order; couplings CSR, or the dense (m, m) copy when ``use_dense``; params (10, k1−k0) holds the
    block's schedules of PARAMS (temperature likewise, step k's at k − k0), aux (4, R) the replicas' a, β, H_opt, t_c; fixed (m,) 1 for held nodes."""
    R, width = state.shape
    m = width // 3
    for r in prange(R):
        x = state[r, :m]
        e = state[r, m:2 * m]
        best = state[r, 2 * m:]
        s = np.empty(m)
        xn = np.empty(m)
        for k in range(k0, k1):
            for i in range(m):
                s[i] = 1.0 if x[i] > 0 else -1.0
            sjs = 0.0
            pump, eps = params[0, k - k0], params[1, k - k0] if rule == AHC else params[4, k - k0]
            amp = math.sqrt(2.0 * temperature[k - k0] * dt)
            for i in range(m):
                js = 0.0
                jx = 0.0
                if use_dense:
                    for j in range(m):
                        js += dense[i, j] * s[j]
                        jx += dense[i, j] * x[j]
                else:
                    for p in range(indptr[i], indptr[i + 1]):
                        js += data[p] * s[indices[p]]
                        jx += data[p] * x[indices[p]]
                sjs += s[i] * js
                xi = x[i]
                v = xi + dt * (xi * ((pump - 1) - xi * xi))
                v = v - dt * eps * (jx * e[i])
                xn[i] = v + amp * draws[k - k0, r, i]
            if rule == AHC:
                a = params[3, k - k0] - eps * sjs / m
                beta = params[2, k - k0]
                for i in range(m):
                    if fixed[i]:
                        continue
                    x2 = xn[i] * xn[i]
                    en = e[i] + dt * (-beta * (x2 - a) * e[i])
                    e[i] = en if en < E_MAX else E_MAX
            else:
                a = aux[0, r]
                beta = aux[1, r]
                for i in range(m):
                    if fixed[i]:
                        continue
                    x2 = xn[i] * xn[i]
                    en = e[i] + (-beta * (x2 - a) * e[i]) * dt
                    e[i] = en if en < E_MAX else E_MAX
                aux[1, r] = beta + params[6, k - k0] * dt
                aux[0, r] = params[5, k - k0] + params[7, k - k0] * math.tanh(params[8, k - k0] * (0.5 * sjs - aux[2, r]))
                if aux[3, r] < k - params[9, k - k0] / dt:
                    aux[1, r] = 0.0
                    aux[3, r] = k
            H = 0.5 * sjs
            if H < aux[2, r]:
                aux[3, r] = k
                aux[2, r] = H
                for i in range(m):
                    if not fixed[i]:
                        best[i] = s[i]
            for i in range(m):
                if not fixed[i]:
                    x[i] = xn[i]


try:
    import numba
    from numba import njit, prange
except ImportError:  # pragma: no cover - numba is a core dependency
    numba = None
    prange = range

if numba is not None:
    # Reassociation lets the coupling sums vectorize (their rounding then differs from the reference at
    # the 1e-16 level); no flags that assume finite values, so a diverging run still shows as one.
    FAST = {"reassoc", "contract"}
    BLOCK = {False: njit(cache=True, fastmath=FAST)(_block),
             True: njit(cache=True, parallel=True, fastmath=FAST)(_block)}

PARALLEL_WORK = 200_000  # replica-steps × (nnz + m) per block before Numba's threads are used


def _params(plan: RunPlan, k0: int, k1: int) -> tuple[np.ndarray, np.ndarray]:
    """The block's temperature (k1−k0,) and PARAMS (10, k1−k0)."""
    sc = _schedules(plan, k0, k1)
    return sc["temperature"], np.ascontiguousarray(np.stack([sc[name] for name in PARAMS]))


@NumbaBackend.register(CimCell)
def _numba(backend: NumbaBackend, plan: RunPlan) -> Kernel:
    J = plan.program.couplings.tocsr()
    csr = (J.indptr.astype(np.int64), J.indices.astype(np.int64), J.data.astype(np.float64))
    m = J.shape[0]
    use_dense = 4 * J.nnz >= m * m  # all-to-all: contiguous rows, which the sums vectorize over
    dense = J.toarray() if use_dense else np.zeros((1, 1))
    aux = np.ascontiguousarray(np.stack(_CacState(plan).arrays()))
    rule, per_step = RULES[plan.integrator], plan.replicas * (J.nnz + J.shape[0])
    fixed = clamp_mask(plan)

    def cim(state, k0, k1, draws):
        threaded = (k1 - k0) * per_step >= PARALLEL_WORK and plan.replicas > 1
        BLOCK[threaded](rule, state, k0, k1, np.ascontiguousarray(draws, dtype=np.float64), *csr, dense, use_dense,
                        *_params(plan, k0, k1), aux, plan.dt, fixed)
    return cim


@JaxBackend.register(CimCell)
def _jax(backend: JaxBackend, plan: RunPlan) -> Kernel:
    """A jitted ``lax.scan`` over the block's steps on node-major arrays (m × replicas: one coupling
    product serves every replica, and the spins' product rides along with the amplitudes');
    couplings dense, or gathered from padded neighbour lists.  CAC's per-replica values are the
    scan's carry too, and come back to the kernel after every block."""
    import jax
    import jax.numpy as jnp

    from runtime.backends.jax_backend import coupling_arrays, held_columns, store

    x64 = (backend.precision or plan.program.device.precision) == "float64"
    dtype = np.float64 if x64 else np.float32
    p = plan.program
    J = p.couplings.tocsr()
    aux = np.stack(_CacState(plan).arrays())
    with jax.enable_x64(x64):
        as_j = lambda a: jnp.asarray(np.asarray(a), dtype=dtype)  # noqa: E731
        arrays = {"dt": as_j(plan.dt), **coupling_arrays(J, backend.layout, as_j)}
        if plan.clamp is not None:
            arrays["fixed"] = jnp.asarray(plan.clamp)[:, None]
    block = _jax_block()
    config = (RULES[plan.integrator], np.dtype(dtype).name)
    keep = held_columns(plan)

    def cim(state, k0, k1, draws):
        with jax.enable_x64(x64):
            key = jax.random.key(draws.key) if isinstance(draws, CounterKey) else None
            tape = None if key is not None else jnp.asarray(np.swapaxes(draws, 1, 2), dtype=dtype)
            temperature, params = _params(plan, k0, k1)
            sched = (jnp.asarray(temperature, dtype=dtype), jnp.asarray(params.T, dtype=dtype))
            out, carried = block(arrays, jnp.asarray(state.T, dtype=dtype), jnp.asarray(aux, dtype=dtype), k0, key,
                                 tape, sched, config=config, length=k1 - k0)
            store(state, np.asarray(out).T, keep)
            aux[...] = np.asarray(carried, dtype=np.float64)
    return cim


@functools.cache
def _jax_block():
    """``block(arrays, s, aux, k0, key, tape, sched, *, config, length) → (s, aux)``: steps
    k0..k0+length−1 of the node-major state s (3m × replicas) and CAC's values aux (4 × replicas),
    ``sched`` the block's temperature (length,) and PARAMS (length, 10), jitted once per (config,
    length, shapes)."""
    import jax
    import jax.numpy as jnp

    dot = functools.partial(jnp.matmul, precision=jax.lax.Precision.HIGHEST)

    def couplings(arrays, f):
        if "J" in arrays:
            return dot(arrays["J"], f)
        return jnp.sum(arrays["w"][..., None] * f[arrays["idx"]], axis=1)

    def block(arrays, s, aux, k0, key, tape, sched, *, config, length):
        rule, dtype = config[0], jnp.dtype(config[1])
        m, R = s.shape[0] // 3, s.shape[1]
        dt = arrays["dt"]
        hold = (lambda new, old: jnp.where(arrays["fixed"], old, new)) if "fixed" in arrays else (lambda new, old: new)

        def body(carry, inputs):
            x, e, best, (a, beta, h_opt, t_c) = carry
            k, xi, T, P = inputs  # P: the step's PARAMS
            if tape is None:
                xi = jax.random.normal(jax.random.fold_in(key, k), x.shape, dtype)
            sp = jnp.where(x > 0, 1.0, -1.0).astype(dtype)
            both = couplings(arrays, jnp.concatenate([x, sp], axis=1))
            Jx, Js = both[:, :R], both[:, R:]
            sjs = jnp.sum(sp * Js, axis=0)
            eps = P[1] if rule == AHC else P[4]
            xn = x + dt * (x * ((P[0] - 1) - x * x))
            xn = xn - dt * eps * (Jx * e)
            xn = xn + jnp.sqrt(2 * T * dt) * xi
            x2 = xn * xn
            if rule == AHC:
                target = P[3] - eps * sjs / m
                en = e + dt * (-P[2] * (x2 - target) * e)
            else:
                en = e + (-beta * (x2 - a) * e) * dt
                beta = beta + P[6] * dt
                a = P[5] + P[7] * jnp.tanh(P[8] * (0.5 * sjs - h_opt))
                reset = t_c < k - P[9] / dt
                beta = jnp.where(reset, 0.0, beta)
                t_c = jnp.where(reset, k.astype(dtype), t_c)
            H = 0.5 * sjs
            better = H < h_opt
            t_c = jnp.where(better, k.astype(dtype), t_c)
            best = hold(jnp.where(better[None, :], sp, best), best)
            h_opt = jnp.minimum(h_opt, H)
            return (hold(xn, x), hold(jnp.minimum(en, E_MAX), e), best, (a, beta, h_opt, t_c)), None

        xs = (k0 + jnp.arange(length), jnp.zeros((length, 0), dtype) if tape is None else tape, *sched)
        x, e, best, carried = jax.lax.scan(body, (s[:m], s[m:2 * m], s[2 * m:], tuple(aux)), xs)[0]
        return jnp.concatenate([x, e, best], axis=0), jnp.stack(carried)

    return jax.jit(block, static_argnames=("config", "length"))


@CBackend.register(CimCell)
def _c(backend: CBackend, plan: RunPlan) -> Kernel:
    """``sonq_cim`` (``csrc/sonq_cim.c``): threads over groups of four replicas, or over the
    coupling products' rows when there are fewer groups than threads; all-to-all couplings
    (nnz ≥ m²/4) as a dense row-major copy; float32 on a chip whose ``precision`` is float32,
    float64 otherwise."""
    lib, ffi = c_backend._sonq_c.lib, c_backend._sonq_c.ffi
    J = plan.program.couplings.tocsr()
    m = plan.program.num_nodes
    keep = {}  # arrays the C buffers point into, alive as long as the kernel

    def buf(ctype, arr, dtype):
        arr = np.ascontiguousarray(arr, dtype=dtype)
        keep[len(keep)] = arr
        return ffi.from_buffer(f"{ctype}[]", arr)

    csr = (buf("int64_t", J.indptr, np.int64), buf("int32_t", J.indices, np.int32), buf("double", J.data, np.float64))
    dense = buf("double", J.toarray(), np.float64) if 4 * J.nnz >= m * m else ffi.NULL
    aux = np.ascontiguousarray(np.stack(_CacState(plan).arrays()))
    aux_buf = ffi.from_buffer("double[]", aux)
    rule = RULES[plan.integrator]
    single = int(plan.program.device.precision == "float32")
    clamp = ffi.NULL if plan.clamp is None else buf("uint8_t", plan.clamp, np.uint8)

    def cim(state, k0, k1, draws):
        if isinstance(draws, CounterKey):
            noise, key = ffi.NULL, draws.key
        else:
            tape = np.ascontiguousarray(draws, dtype=np.float64)
            noise, key = ffi.from_buffer("double[]", tape), 0
        temperature, params = _params(plan, k0, k1)  # the block's rows: sonq_cim's `steps` is k1 − k0
        lib.sonq_cim(rule, single, plan.replicas, m, k0, k1, k1 - k0, ffi.from_buffer("double[]", state), noise, key,
                     dense, *csr, ffi.from_buffer("double[]", temperature), ffi.from_buffer("double[]", params),
                     aux_buf, plan.dt, clamp, backend.threads)
    return cim
