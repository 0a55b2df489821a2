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
from device_models.cells import GaussCell, OimCell, PbitCell
from runtime.backends.base import AbstractKeyedEmulator, CounterKey, Kernel, RunPlan

try:
    from runtime.backends import _sonq_c
except ImportError as exc:  # the extension was not built (no C compiler at install time)
    _sonq_c = None
    _IMPORT_ERROR = str(exc)

CELL_CODES = {OimCell: 0, GaussCell: 1}  # the drift sonq_sde takes per cell (csrc/sonq_kernels.c)


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

    def prepare(self, plan: RunPlan) -> Kernel:
        reason = self.unavailable_reason()
        if reason:
            raise BackendError(reason)
        return super().prepare(plan)


class _Args:
    """One plan's arrays as C buffers (``ffi.from_buffer`` keeps each array alive as long as the
    buffer), shared by every kernel factory."""

    def __init__(self, plan: RunPlan):
        self.ffi, self.lib = _sonq_c.ffi, _sonq_c.lib
        p = plan.program
        self.J = p.couplings.tocsr()
        self.R, self.m = plan.replicas, p.num_nodes
        self.csr = (self.buf("int64_t", self.J.indptr, np.int64), self.buf("int32_t", self.J.indices, np.int32),
                    self.buf("double", self.J.data, np.float64))
        self.h = self.buf("double", p.fields, np.float64)
        self.temperature = self.buf("double", plan.temperature, np.float64)

    def buf(self, ctype: str, arr, dtype) -> object:
        return self.ffi.from_buffer(f"{ctype}[]", np.ascontiguousarray(arr, dtype=dtype))

    def noise(self, draws) -> tuple:
        """(draws pointer, key): the driver's numbers, or NULL and the generator key."""
        if isinstance(draws, CounterKey):
            return self.ffi.NULL, draws.key
        return self.buf("double", draws, np.float64), 0

    def state(self, state: np.ndarray) -> object:
        return self.ffi.from_buffer("double[]", state)  # the driver's array: advanced in place


@CBackend.register(PbitCell)
def _pbit(backend: CBackend, plan: RunPlan) -> Kernel:
    a = _Args(plan)
    order = a.buf("int64_t", np.argsort(plan.program.colors, kind="stable"), np.int64)

    def pbit(state, k0, k1, draws):
        a.lib.sonq_pbit(a.R, a.m, k0, k1, a.state(state), *a.noise(draws), *a.csr, a.h, order,
                        a.temperature, backend.threads)
    return pbit


@CBackend.register(OimCell, GaussCell)
def _sde(backend: CBackend, plan: RunPlan) -> Kernel:
    a = _Args(plan)
    poly = a.buf("double", plan.program.poly, np.float64)
    # Dense couplings (e.g. all-to-all): packed once per run into the row panels of the
    # kernels' register-blocked product; NULL keeps the CSR path.
    dense_size = a.lib.sonq_dense_size(a.m, a.J.nnz)
    dense = a.ffi.NULL
    if dense_size:
        dense = a.ffi.from_buffer("double[]", np.empty(dense_size))
        a.lib.sonq_pack_dense(a.m, *a.csr, dense)
    shil = a.buf("double", plan.schedules.get("shil", np.zeros(plan.steps)), np.float64)
    cell, heun = CELL_CODES[type(plan.cell)], int(plan.integrator == "heun")

    def sde(state, k0, k1, draws):
        a.lib.sonq_sde(cell, heun, a.R, a.m, k0, k1, a.state(state), *a.noise(draws), *a.csr, dense, a.h, poly,
                       a.temperature, shil, plan.dt, backend.threads)
    return sde
