"""JAX emulator: the macromodels as a jitted ``lax.scan`` over steps, ``vmap`` over replicas, on
whatever device JAX runs on (a GPU when one is present).  ``jax`` is an optional extra, imported
only when this backend is used.

Precision: the device spec's ``precision`` (``float32`` or ``float64``) unless overridden; float64
is enabled only around this backend's own tracing and calls (``jax.enable_x64``), never globally.

Noise, ``JaxBackend(rng=...)``:

* ``"internal"`` (default): ``jax.random`` with a key drawn from the run's seed, folded with the
  absolute step index, so results do not depend on how the driver splits the run into blocks;
* ``"tape"``: consumes the driver's draws as the NumPy reference does (used automatically for any
  noise source other than the run's seeded one, e.g. a :class:`~runtime.noise.NoiseTape`).
"""

from __future__ import annotations

import importlib.util

import numpy as np

from device_models.errors import BackendError
from runtime.backends.base import AbstractEmulator, RunPlan, Trajectory
from runtime.backends.c_backend import RNG_MODES, CounterKey
from runtime.noise import AbstractNoiseSource, SeededNoise

DENSE_FILL = 0.25  # coupling density above which a dense matmul beats gathering neighbours
PRECISIONS = ("float32", "float64")


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


class JaxBackend(AbstractEmulator):
    """JAX emulator (jit, ``lax.scan`` over steps, ``vmap`` over replicas).

    Args:
        rng: ``"internal"`` (``jax.random``) or ``"tape"`` (the driver's draws).
        precision: ``"float32"`` or ``"float64"``; default: the device spec's.
    """

    name = "jax"

    def __init__(self, rng: str = "internal", precision: str | None = None):
        if rng not in RNG_MODES:
            raise BackendError(f"rng must be one of {RNG_MODES}, got {rng!r}")
        if precision not in (None, *PRECISIONS):
            raise BackendError(f"precision must be one of {PRECISIONS}, got {precision!r}")
        self.rng = rng
        self.precision = precision

    @classmethod
    def unavailable_reason(cls) -> str | None:
        if importlib.util.find_spec("jax") is None:
            return "jax is not installed: pip install 'sonq[jax]'"
        return None

    def simulate(self, plan: RunPlan, noise: AbstractNoiseSource) -> Trajectory:
        if self.rng == "internal" and isinstance(noise, SeededNoise):
            noise = CounterKey(noise.rng)
        return super().simulate(plan, noise)

    def prepare(self, plan: RunPlan):
        reason = self.unavailable_reason()
        if reason:
            raise BackendError(reason)
        import jax

        x64 = (self.precision or plan.program.device.precision) == "float64"
        with jax.enable_x64(x64):
            block = _block_function(plan, np.float64 if x64 else np.float32)

        def kernel(state, k0, k1, draws):
            with jax.enable_x64(x64):
                if draws.dtype == np.uint64:  # CounterKey: the generator's key, not draws
                    out = block(state, k0, k1, jax.random.key(int(draws[0]) % 2**63), None)
                else:
                    out = block(state, k0, k1, None, draws)
                state[...] = np.asarray(out, dtype=np.float64)
        return kernel


def _block_function(plan: RunPlan, dtype):
    """``block(state, k0, k1, key, draws) → state`` for steps k0..k1−1, jitted per block length."""
    import jax
    import jax.numpy as jnp

    p = plan.program
    m, R = p.num_nodes, plan.replicas
    J = p.couplings.tocsr()
    as_j = lambda a: jnp.asarray(np.asarray(a), dtype=dtype)  # noqa: E731
    h, temperature, shil = as_j(p.fields), as_j(plan.temperature), as_j(plan.shil)
    dense = J.nnz > DENSE_FILL * m * m
    if dense:
        Jd = as_j(J.toarray())
        matvec = lambda v: Jd @ v  # noqa: E731
    else:
        idx, w = _neighbours(J, m)
        idx, w = jnp.asarray(idx), as_j(w)
        matvec = lambda v: jnp.sum(w * v[idx], axis=-1)  # noqa: E731
    pbit = p.cell == "pbit"

    def noise(key, k):
        shape = (R, m)
        if pbit:
            return jax.random.uniform(jax.random.fold_in(key, k), shape, dtype, -1.0, 1.0)
        return jax.random.normal(jax.random.fold_in(key, k), shape, dtype)

    if pbit:
        order = np.argsort(p.colors, kind="stable")
        classes = [order[p.colors[order] == c] for c in range(int(p.colors.max()) + 1)]
        width = max(len(c) for c in classes)
        # (colours, width) node indices padded with m, an index the scatter drops.
        cls = jnp.asarray(np.stack([np.pad(c, (0, width - len(c)), constant_values=m) for c in classes]))
        Jpad = np.zeros((m + 1, m)) if dense else None
        if dense:
            Jpad[:m] = J.toarray()
            Jrows = as_j(Jpad)
        else:
            idx_p = jnp.concatenate([idx, jnp.zeros((1, idx.shape[1]), idx.dtype)])
            w_p = jnp.concatenate([w, jnp.zeros((1, w.shape[1]), dtype)])
        h_p = jnp.concatenate([h, jnp.zeros(1, dtype)])

        def sweep(s, T, u):
            def colour(s, nodes):
                field = Jrows[nodes] @ s if dense else jnp.sum(w_p[nodes] * s[idx_p[nodes]], axis=-1)
                I = -(h_p[nodes] + field)
                a = jnp.where(T > 0, jnp.tanh(I / jnp.where(T > 0, T, 1)), jnp.sign(I))
                new = jnp.where(a > u[jnp.minimum(nodes, m - 1)], 1.0, -1.0).astype(dtype)
                return s.at[nodes].set(new, mode="drop"), None
            return jax.lax.scan(colour, s, cls)[0]

        def step(x, T, sh, xi):
            return jax.vmap(sweep, in_axes=(0, None, 0))(x, T, xi)
    else:
        heun = plan.integrator == "heun"
        dt = dtype(plan.dt)
        if p.cell == "oim":
            def drift(x, sh):
                c, s = jnp.cos(x), jnp.sin(x)
                return s * matvec(c) - c * matvec(s) - sh * jnp.sin(2 * x)
        else:
            c2, c3, c4 = (as_j(p.poly[:, j]) for j in range(3))

            def drift(x, sh):
                return -(h + matvec(x) + 2 * c2 * x + 3 * c3 * x**2 + 4 * c4 * x**3)
        drift_r = jax.vmap(drift, in_axes=(0, None))

        def step(x, T, sh, xi):
            kick = jnp.sqrt(2 * T * dt) * xi
            f0 = drift_r(x, sh)
            if not heun:
                return x + f0 * dt + kick
            f1 = drift_r(x + f0 * dt + kick, sh)
            return x + 0.5 * (f0 + f1) * dt + kick

    def run_block(state, k0, k1, key, draws):
        ks = jnp.arange(k0, k1)

        def body(x, inputs):
            k, xi = inputs
            xi = noise(key, k) if draws is None else xi
            return step(x, temperature[k], shil[k], xi), None

        xs = (ks, jnp.zeros((k1 - k0, 0), dtype) if draws is None else jnp.asarray(draws, dtype))
        return jax.lax.scan(body, jnp.asarray(state, dtype), xs)[0]

    return jax.jit(run_block, static_argnums=(1, 2))
