"""C engine of the circuit emulator: the Numba engine (:mod:`runtime.circuit.numba_kernel`) in C99,
``csrc/sonq_circuit.c``, part of the optional extension ``runtime.backends._sonq_c``.

The loops over steps, substeps and circuit elements run in C (without the GIL), replicas in
parallel with OpenMP.  Python cuts the run into calls of about :data:`CHUNK_WORK` element updates
(0.05–0.2 s on one core), carrying the state from call to call, so Ctrl-C raises KeyboardInterrupt
within one call; the cut changes no bit of the result (the kernel takes absolute sample indices).  The arithmetic is the Numba engine's, in the
same order, so the three engines agree to rounding.
"""

from __future__ import annotations

import numpy as np

from compiler.netlist import Circuit
from device_models.errors import BackendError
from runtime.backends.c_backend import CBackend
from runtime.circuit.integrate import CircuitWaves, KernelArgs

# sonq_circuit fields in KernelArgs, with their C pointer types (the rest are sizes set below)
_POINTERS = {"indptr": "int64_t", "indices": "int64_t", "data": "double", "la": "int64_t", "lb": "int64_t",
             "L": "double", "Rl": "double", "va": "int64_t", "vb": "int64_t", "g": "double", "gamma": "double",
             "na": "int64_t", "nb": "int64_t", "ns": "int64_t", "dc": "double", "c_diag": "double",
             "c_pump": "double", "c_inv": "double", "depth": "double"}


CHUNK_WORK = 1 << 24  # element updates per C call: samples × substeps × replicas × (nnz + N + nL + nV + S)


def unavailable_reason() -> str | None:
    """Why the C engine cannot run (the extension is not built, as :class:`CBackend` reports), or None."""
    reason = CBackend.unavailable_reason()
    return None if reason is None else f"circuit engine 'c' is unavailable: {reason}"


def simulate_c(circuit: Circuit, noise: np.ndarray, v0: np.ndarray, i0: np.ndarray,
               record: np.ndarray, substeps: int = 1, threads: int = 0) -> CircuitWaves:
    """Same contract as :func:`runtime.circuit.integrate.simulate_numpy`; ``threads``: OpenMP threads
    over replicas (0: ``OMP_NUM_THREADS`` or all cores).  Raises :class:`BackendError` when the C
    extension is not built."""
    reason = unavailable_reason()
    if reason:
        raise BackendError(reason)
    from runtime.backends import _sonq_c

    ffi, lib = _sonq_c.ffi, _sonq_c.lib
    if int(substeps) < 1:
        raise ValueError(f"substeps must be a positive integer, got {substeps!r}")
    args = KernelArgs.of(circuit, noise, v0, i0, record)
    out_v, out_i = args.outputs()
    # from_buffer cdata keep their arrays alive; the struct's pointers do not, so `keep` holds them.
    keep = {name: ffi.from_buffer(f"{ctype}[]", getattr(args, name)) for name, ctype in _POINTERS.items()}
    circ = ffi.new("sonq_circuit *", dict(keep, N=args.q0.shape[1], nL=args.L.size, nV=args.g.size,
                                          S=args.na.size, dense=int(args.dense), P=args.depth.shape[0],
                                          omega=args.omega))
    R = args.q0.shape[0]
    q, cur = args.q0.copy(), args.i0.copy()
    buffers = dict(noise=ffi.from_buffer("double[]", args.noise), q=ffi.from_buffer("double[]", q),
                   i=ffi.from_buffer("double[]", cur), record=ffi.from_buffer("int64_t[]", args.record),
                   out_v=ffi.from_buffer("double[]", out_v), out_i=ffi.from_buffer("double[]", out_i))
    size = args.data.size + args.q0.shape[1] + args.L.size + args.g.size + args.na.size
    per_call = max(1, CHUNK_WORK // max(1, int(substeps) * R * size))
    for j0 in range(0, args.steps, per_call) if args.steps else [0]:
        _run_chunk(lib, circ, R, args, j0, min(j0 + per_call, args.steps), int(substeps), buffers, int(threads))
    return CircuitWaves(args.record, out_v, out_i)


def _run_chunk(lib, circ, R: int, args: KernelArgs, j0: int, j1: int, substeps: int, buffers: dict,
               threads: int) -> None:
    """One C call: samples j0 → j1, the state in ``buffers`` advanced in place."""
    b = buffers
    rc = lib.sonq_circuit_run(circ, R, args.steps, j0, j1, substeps, args.dt, b["noise"], b["q"], b["i"],
                              args.record.size, b["record"], b["out_v"], b["out_i"], threads)
    if rc:
        raise MemoryError("sonq_circuit_run could not allocate its per-thread buffers")
