"""C emulator: the macromodels as C99 kernels (``csrc/``, built by cffi at install time).

Python enters C once per block of steps (the shared driver's blocks end at recording points and
are capped at :data:`~runtime.backends.base.MAX_BLOCK_WORK`, a fraction of a second, so Ctrl-C
stops a run between calls); the loops over steps, replicas (lane blocks of 32, 16, 8 and 1,
node-major inside a block) and couplings run in C, with OpenMP, in float64 whatever the device's
``precision``.  OpenMP threads wait passively (:func:`runtime.backends.base._passive_openmp`), and
by default a call's team leaves out the cores other processes hold (:func:`team_size`), so runs
stay fast on shared cores; ``threads`` fixes the team size.  A p-bit block of 32 replicas on two
threads runs as two blocks of 16; with fewer replicas than that, colour classes of at least 2^20
lane·couplings (very large sparse graphs) are split between the threads.

Every call passes each array with its real length; the kernels check lengths, the CSR structure
and every index before touching memory, and a problem comes back as a BackendError naming it
(:func:`pbit_sweeps`, :func:`sde_steps`, :func:`pack_dense`).  Each drift of
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

import os
import time

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
LANES = 32  # the widest lane block of the kernels (SONQ_LANES)


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
    """C kernels (float64), OpenMP over replica blocks (and a block's nodes).

    Args:
        rng: ``"internal"`` (own per-replica streams) or ``"tape"`` (the driver's draws).
        threads: OpenMP threads per kernel call; 0 (default): adaptive, ``OMP_NUM_THREADS`` or
            all cores, less the cores other processes' runnable threads hold at the time
            (:func:`team_size`).
    """

    name = "c"
    interruptible = True  # one C call holds the interpreter: cap it (base.MAX_BLOCK_WORK)
    tempering = frozenset({PbitCell, GaussCell})
    moments = frozenset({PbitCell})

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


FREE_CORES_EVERY = 0.05  # seconds between samples of /proc/stat (one costs ≈ 50 µs)
_free = [-1.0, 0]  # time of the last sample, its answer


def free_cores() -> int:
    """Cores that other runnable threads leave free now: the CPU count less /proc/stat's
    ``procs_running`` (which counts the calling thread, but not this process's OpenMP threads,
    asleep between calls), at least 1; 0 where /proc/stat cannot be read.  Sampled at most every
    FREE_CORES_EVERY seconds."""
    now = time.monotonic()
    if now - _free[0] > FREE_CORES_EVERY:
        free = 0
        try:
            with open("/proc/stat", "rb") as f:
                for line in f:
                    if line.startswith(b"procs_running"):
                        free = max(1, (os.cpu_count() or 1) - (int(line.split()[1]) - 1))
                        break
        except (OSError, ValueError):
            pass
        _free[:] = now, free
    return _free[1]


def team_size(threads: int) -> int:
    """The OpenMP team of a p-bit call, or of an SDE call of under two lane blocks: ``threads``
    when set; for 0, the OpenMP default capped at :func:`free_cores`.  Such a team splits its work
    evenly (two 16-lane blocks for 32 p-bit reads, or each step's nodes) and waits for its slowest
    thread, so a thread sharing a core with another process slows the whole call: on two cores
    with other sessions busy, SK p-bit × 32 reads took 1.49 s on two threads and 0.81 s on one.
    Results do not depend on it."""
    if threads:
        return threads
    free, default = free_cores(), _sonq_c.lib.sonq_openmp_threads()
    return min(default, free) if free and default > 0 else 0


def _array(arr, dtype) -> np.ndarray:
    return np.ascontiguousarray(arr, dtype=dtype)


def _ptr(ctype: str, arr: np.ndarray | None):
    """(pointer, entries) of a contiguous array (``ffi.from_buffer`` keeps it alive as long as the
    pointer), or (NULL, 0)."""
    if arr is None:
        return _sonq_c.ffi.NULL, 0
    return _sonq_c.ffi.from_buffer(f"{ctype}[]", arr), int(arr.size)


def _state(state: np.ndarray):
    """The driver's state, advanced in place: it must be the caller's own float64 C array."""
    if not (isinstance(state, np.ndarray) and state.dtype == np.float64 and state.flags.c_contiguous
            and state.flags.writeable):
        raise BackendError("state must be a writeable C-contiguous float64 array")
    return _ptr("double", state)


def _noise(draws) -> tuple:
    """(draws pointer, entries, key): the driver's numbers, or NULL and the generator key."""
    if isinstance(draws, CounterKey):
        return _sonq_c.ffi.NULL, 0, int(draws.key)
    return (*_ptr("double", _array(draws, np.float64)), 0)


def _call(name: str, *args) -> None:
    """Calls kernel ``name`` with ``args`` and an error buffer; a nonzero return becomes a
    BackendError carrying the kernel's sentence."""
    err = _sonq_c.ffi.new("char[]", _sonq_c.lib.SONQ_ERR_LEN)
    code = getattr(_sonq_c.lib, name)(*args, err)
    if code == _sonq_c.lib.SONQ_ENOMEM:
        raise BackendError(f"C kernel {name}: out of memory")
    if code != _sonq_c.lib.SONQ_OK:
        raise BackendError(f"C kernel {name} refused its arguments: {_sonq_c.ffi.string(err).decode()}")


def _clamp(clamp) -> tuple:
    """(pointer, entries) of the (m,) held-node mask as uint8, or (NULL, 0) for none."""
    return _ptr("uint8_t", None if clamp is None else _array(clamp, np.uint8))


def _moments(moments) -> tuple:
    """sonq_pbit's moment arguments: (nodes, len, edges, len, first, len, second, len, burn_in)."""
    if moments is None:
        return (*_ptr("int64_t", None), *_ptr("int64_t", None), *_ptr("double", None), *_ptr("double", None), 0)
    for name in ("first", "second"):
        arr = getattr(moments, name)
        if not (arr.dtype == np.float64 and arr.flags.c_contiguous and arr.flags.writeable):
            raise BackendError(f"moments.{name} must be a writeable C-contiguous float64 array")
    return (*_ptr("int64_t", _array(moments.nodes, np.int64)), *_ptr("int64_t", _array(moments.edges, np.int64)),
            *_ptr("double", moments.first), *_ptr("double", moments.second), int(moments.burn_in))


def pbit_sweeps(R: int, m: int, k0: int, k1: int, state: np.ndarray, draws, indptr, indices, data, h, order,
                temperature, threads: int = 0, clamp: np.ndarray | None = None,
                tscale: np.ndarray | None = None, moments=None) -> None:
    """Gibbs sweeps k0..k1−1 of ``state`` (R·m float64, in place) through ``sonq_pbit``; ``draws``:
    (k1−k0, R, m) uniforms or a :class:`CounterKey`; ``temperature``: the block's (k1−k0,) values;
    ``clamp``: (m,) bool, the nodes never updated; ``tscale``: (R,) the replicas' temperature
    multipliers (replica exchange) or None; ``moments``: a :class:`~runtime.moments.MomentSums`
    whose sums the sweeps add to in place, or None.
    Every array is passed with its real length, and the kernel checks lengths, CSR structure and
    index ranges first: bad ones raise BackendError."""
    _call("sonq_pbit", R, m, k0, k1, *_state(state), *_noise(draws),
          *_ptr("int64_t", _array(indptr, np.int64)), *_ptr("int32_t", _array(indices, np.int32)),
          *_ptr("double", _array(data, np.float64)), *_ptr("double", _array(h, np.float64)),
          *_ptr("int64_t", _array(order, np.int64)), *_ptr("double", _array(temperature, np.float64)),
          *_clamp(clamp), *_ptr("double", tscale), *_moments(moments), int(threads))


def sde_steps(cell: int, heun: bool, R: int, m: int, k0: int, k1: int, state: np.ndarray, draws, indptr, indices,
              data, dense, h, poly, temperature, shil, dt: float, threads: int = 0,
              clamp: np.ndarray | None = None, tscale: np.ndarray | None = None) -> None:
    """SDE steps k0..k1−1 through ``sonq_sde`` (``cell``: :data:`CELL_CODES`; ``dense``: the
    :func:`pack_dense` couplings or None; ``clamp``: (m,) bool, the nodes given neither drift nor
    kick), with the same checks as :func:`pbit_sweeps`."""
    _call("sonq_sde", int(cell), int(bool(heun)), R, m, k0, k1, *_state(state), *_noise(draws),
          *_ptr("int64_t", _array(indptr, np.int64)), *_ptr("int32_t", _array(indices, np.int32)),
          *_ptr("double", _array(data, np.float64)),
          *_ptr("double", None if dense is None else _array(dense, np.float64)),
          *_ptr("double", _array(h, np.float64)), *_ptr("double", _array(poly, np.float64)),
          *_ptr("double", _array(temperature, np.float64)), *_ptr("double", _array(shil, np.float64)),
          float(dt), *_clamp(clamp), *_ptr("double", tscale), int(threads))


def pack_dense(m: int, indptr, indices, data) -> np.ndarray | None:
    """The packed dense form of CSR couplings for :func:`sde_steps`, or None when they are too
    sparse for the dense path (``sonq_dense_size``); a bad CSR raises BackendError."""
    indices = _array(indices, np.int32)
    size = _sonq_c.lib.sonq_dense_size(m, indices.size)  # the kernel checks indptr against it
    if not size:
        return None
    dense = np.empty(size)
    _call("sonq_pack_dense", m, *_ptr("int64_t", _array(indptr, np.int64)), *_ptr("int32_t", indices),
          *_ptr("double", _array(data, np.float64)), *_ptr("double", dense))
    return dense


def idle_spin(seconds: float = 0.02) -> float:
    """CPU seconds the process burns during a ``seconds`` sleep right after a two-thread parallel
    region of the extension's OpenMP runtime: ≈ 0 when idle threads wait passively (the default
    SONQ sets, :data:`runtime.backends.base.OPENMP_WAIT`), up to ``seconds`` when they spin."""
    reason = CBackend.unavailable_reason()
    if reason:
        raise BackendError(reason)
    return float(_sonq_c.lib.sonq_idle_spin(float(seconds)))


class _Args:
    """One plan's arrays, contiguous and of the kernels' dtypes, shared by every kernel factory."""

    def __init__(self, plan: RunPlan):
        p = plan.program
        J = p.couplings.tocsr()
        self.R, self.m = plan.replicas, p.num_nodes
        self.csr = (_array(J.indptr, np.int64), _array(J.indices, np.int32), _array(J.data, np.float64))
        self.h = _array(p.fields, np.float64)
        self.clamp = None if plan.clamp is None else _array(plan.clamp, np.uint8)
        # Read at every call: replica exchange permutes it in place between calls.
        self.tscale = plan.replica_temperature


@CBackend.register(PbitCell)
def _pbit(backend: CBackend, plan: RunPlan) -> Kernel:
    a = _Args(plan)
    order = _array(np.argsort(plan.program.colors, kind="stable"), np.int64)

    def pbit(state, k0, k1, draws):
        pbit_sweeps(a.R, a.m, k0, k1, state, draws, *a.csr, a.h, order, plan.window(k0, k1)["temperature"],
                    team_size(backend.threads), a.clamp, a.tscale, plan.moments)
    return pbit


@CBackend.register(OimCell, GaussCell)
def _sde(backend: CBackend, plan: RunPlan) -> Kernel:
    a = _Args(plan)
    poly = _array(plan.program.poly, np.float64)
    # Dense couplings (e.g. all-to-all): packed once per run into the row panels of the
    # kernels' register-blocked product; None keeps the CSR path.
    dense = pack_dense(a.m, *a.csr)
    cell, heun = CELL_CODES[type(plan.cell)], plan.integrator == "heun"

    # Under two full lane blocks a team splits each block's nodes, with barriers at every step:
    # adaptive team (team_size).  From two blocks on, each thread takes whole blocks and no thread
    # waits for another inside a call, and a second thread helps even on a shared core.
    adaptive = a.R < 2 * LANES

    def sde(state, k0, k1, draws):
        window = plan.window(k0, k1)
        sde_steps(cell, heun, a.R, a.m, k0, k1, state, draws, *a.csr, dense, a.h, poly, window["temperature"],
                  window.get("shil", np.zeros(k1 - k0)), plan.dt,
                  team_size(backend.threads) if adaptive else backend.threads, a.clamp, a.tscale)
    return sde
