"""C emulator: the macromodels as C99 kernels (``csrc/``, built by cffi at install time).

Python enters C once per block of steps (the shared driver's blocks end at recording points);
the loops over steps, replicas (lane blocks of 32, 8 and 1, node-major inside a block) and
couplings run in C, with OpenMP, in float64 whatever the device's ``precision``.  Each drift of
a step is one fused pass over node tiles: noise, coupling sums, integrator update and (OIM)
cos/sin of the result, so a Heun step reads and writes the node arrays twice.  Couplings are
read as CSR rows, or, when the matrix is dense (nnz ≥ m²/4, e.g. all-to-all SK), packed once per
run into row panels and multiplied with a register-blocked GEMM micro-kernel.

Noise, ``CBackend(rng=...)`` (``run(..., backend_options={"rng": ...})``):

* ``"internal"`` (default): a counter-based generator keyed by 64 bits drawn from the run's seed
  (``csrc/sonq_rng.h``): Philox4x32-10 of the counter (node pair, step, replica, stream) gives
  two 53-bit integers, turned into a node pair's two Box–Muller normals (or two uniforms), in
  SIMD batches.  Each number is a function of (key, replica, step, node) only, so runs are
  reproducible whatever the thread count or lane blocking, replicas are independent, and no
  noise array is drawn in Python;
* ``"tape"``: consumes the driver's draws exactly as the NumPy reference does, so trajectories
  agree with it to rounding.  Used automatically for any noise source other than the run's
  seeded one (e.g. a :class:`~runtime.noise.NoiseTape`).
"""

from __future__ import annotations

import numpy as np

from device_models.errors import BackendError
from runtime.backends.base import AbstractKeyedEmulator, CounterKey, RunPlan

try:
    from runtime.backends import _sonq_c
except ImportError as exc:  # the extension was not built (no C compiler at install time)
    _sonq_c = None
    _IMPORT_ERROR = str(exc)

CELL_CODES = {"oim": 0, "gauss": 1}


def generator_normals(key: int, n: int, *, step: int = 0, replica: int = 0, threads: int = 0,
                      out: np.ndarray | None = None) -> np.ndarray:
    """The internal generator's standard normals for nodes 0..n−1 of one replica and step under
    ``key`` (the draws the kernels scale by √(2T dt) into kicks), computed in C on ``threads``
    OpenMP threads (0: all), into ``out`` (a contiguous float64 array of n) when given.  Raises
    BackendError when the extension is not built."""
    reason = CBackend.unavailable_reason()
    if reason:
        raise BackendError(reason)
    out = np.empty(int(n)) if out is None else out
    if out.shape != (n,) or out.dtype != np.float64 or not out.flags.c_contiguous:
        raise BackendError(f"out must be a contiguous float64 array of shape ({n},)")
    _sonq_c.lib.sonq_normals_fill(int(key), int(step), int(replica), out.size,
                                  _sonq_c.ffi.from_buffer("double[]", out), int(threads))
    return out


class CBackend(AbstractKeyedEmulator):
    """C kernels (float64), OpenMP over replica blocks.

    Args:
        rng: ``"internal"`` (own per-replica streams) or ``"tape"`` (the driver's draws).
        threads: OpenMP threads (0: ``OMP_NUM_THREADS`` or all cores).
    """

    name = "c"

    def __init__(self, rng: str = "internal", threads: int = 0):
        super().__init__(rng)
        if not isinstance(threads, int) or threads < 0:
            raise BackendError(f"threads must be a non-negative integer, got {threads!r}")
        self.threads = threads

    @classmethod
    def unavailable_reason(cls) -> str | None:
        if _sonq_c is None:
            return ("the C extension is not built (" + _IMPORT_ERROR + "); reinstall SONQ with a C "
                    "compiler present (pip install .), or build it in place with "
                    "`python runtime/backends/_c_build.py`")
        return None

    def prepare(self, plan: RunPlan):
        reason = self.unavailable_reason()
        if reason:
            raise BackendError(reason)
        ffi, lib = _sonq_c.ffi, _sonq_c.lib
        p = plan.program
        J = p.couplings.tocsr()
        R, m = plan.replicas, p.num_nodes

        def buf(ctype: str, arr, dtype) -> object:
            # from_buffer keeps a reference to the array, so it lives as long as the kernel.
            return ffi.from_buffer(f"{ctype}[]", np.ascontiguousarray(arr, dtype=dtype))

        csr = (buf("int64_t", J.indptr, np.int64), buf("int32_t", J.indices, np.int32),
               buf("double", J.data, np.float64))
        h = buf("double", p.fields, np.float64)
        temperature = buf("double", plan.temperature, np.float64)

        def noise_args(draws) -> tuple:
            if isinstance(draws, CounterKey):
                return ffi.NULL, draws.key
            return buf("double", draws, np.float64), 0

        def state_ptr(state: np.ndarray) -> object:
            return ffi.from_buffer("double[]", state)  # the driver's array: advanced in place

        if p.cell == "pbit":
            order = buf("int64_t", np.argsort(p.colors, kind="stable"), np.int64)

            def pbit(state, k0, k1, draws):
                lib.sonq_pbit(R, m, k0, k1, state_ptr(state), *noise_args(draws), *csr, h, order,
                              temperature, self.threads)
            return pbit

        poly = buf("double", p.poly, np.float64)
        # Dense couplings (e.g. all-to-all): packed once per run into the row panels of the
        # kernels' register-blocked product; NULL keeps the CSR path.
        dense_size = lib.sonq_dense_size(m, J.nnz)
        dense = ffi.NULL
        if dense_size:
            dense = ffi.from_buffer("double[]", np.empty(dense_size))
            lib.sonq_pack_dense(m, *csr, dense)
        shil = buf("double", plan.shil, np.float64)
        cell, heun = CELL_CODES[p.cell], int(plan.integrator == "heun")

        def sde(state, k0, k1, draws):
            lib.sonq_sde(cell, heun, R, m, k0, k1, state_ptr(state), *noise_args(draws), *csr, dense, h, poly,
                         temperature, shil, plan.dt, self.threads)
        return sde
