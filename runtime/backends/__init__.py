"""Backend registry.

Backends are named in :data:`BACKEND_PATHS` and imported on first use, so optional ones (ngspice,
JAX, the C extension) cost nothing until asked for.  ``backend="auto"`` picks the first available
of :data:`AUTO_ORDER`; the environment variable ``SONQ_BACKEND`` overrides that choice.  Under
``"auto"`` a backend with its own generator (C) consumes the driver's seeded NumPy stream
(``rng="tape"``) unless told otherwise, so a seed gives the same samples whichever backend is
installed; ask for ``backend="c"`` (its counter-based Philox generator) for the fastest runs.
"""

from __future__ import annotations

import importlib
import logging
import os

from device_models.cells import AbstractCell, cell_for
from device_models.errors import BackendError
from runtime.backends.base import (AbstractBackend, AbstractEmulator, AbstractKeyedEmulator, Kernel, RunPlan,
                                   Trajectory)

log = logging.getLogger("sonq.runtime")

BACKEND_PATHS: dict[str, str] = {
    "numpy": "runtime.backends.numpy_backend:NumpyBackend",
    "numba": "runtime.backends.numba_backend:NumbaBackend",
    "c": "runtime.backends.c_backend:CBackend",
    "jax": "runtime.backends.jax_backend:JaxBackend",
    "circuit": "runtime.circuit.backend:CircuitBackend",
    "spice": "runtime.spice.backend:SpiceBackend",
}
AUTO_ORDER = ("c", "numba", "numpy")


def register_backend(name: str, path: str) -> None:
    """Make the class at ``"module:Class"`` available as ``backend=name``."""
    BACKEND_PATHS[name] = path


def backend_class(name: str) -> type[AbstractBackend]:
    """Import and return a registered backend class.

    Raises:
        BackendError: unknown name, or its module is not part of this installation.
    """
    if name not in BACKEND_PATHS:
        raise BackendError(f"unknown backend {name!r}; registered: {sorted(BACKEND_PATHS)}")
    module, _, attr = BACKEND_PATHS[name].partition(":")
    try:
        cls = getattr(importlib.import_module(module), attr)
    except ImportError as exc:
        raise BackendError(f"backend {name!r} cannot be loaded: {exc}") from None
    importlib.import_module("runtime.kernels")  # registers the kernels kept apart from the backends
    return cls


def available_backends() -> dict[str, str | None]:
    """Each registered backend with ``None`` (usable here) or the reason it is not."""
    out = {}
    for name in BACKEND_PATHS:
        try:
            out[name] = backend_class(name).unavailable_reason()
        except BackendError as exc:
            out[name] = str(exc)
    return out


def get_backend(name: str, cell: "AbstractCell | str", **options) -> AbstractBackend:
    """Instantiate a backend by name (or ``"auto"``) for a cell (or a cell's name), passing
    ``options`` on.  ``"auto"`` (and ``SONQ_BACKEND`` behind it) asks keyed backends for the
    driver's seeded stream (``rng="tape"``) unless ``options`` say otherwise, so that a seed gives
    the same samples whichever backend it lands on.

    Raises:
        BackendError: unknown name, a backend that cannot run here, or one without this cell type.
    """
    cell = cell_for(cell)
    if name != "auto":
        return _instantiate(name, cell, options)
    portable = {"rng": "tape", **options}
    forced = os.environ.get("SONQ_BACKEND")
    if forced:
        return _instantiate(forced, cell, portable)
    for candidate in AUTO_ORDER:
        try:
            return _instantiate(candidate, cell, portable)
        except BackendError as exc:
            log.info("backend %r skipped: %s (set SONQ_BACKEND to choose one)", candidate, exc)
    raise BackendError(f"no backend can run {cell.name!r} cells here")


def _instantiate(name: str, cell: AbstractCell, options: dict) -> AbstractBackend:
    cls = backend_class(name)
    reason = cls.unavailable_reason()
    if reason:
        raise BackendError(f"backend {name!r} is unavailable: {reason}")
    if cell.name not in cls.cells():
        raise BackendError(f"backend {name!r} does not run {cell.name!r} cells (it runs {sorted(cls.cells())})")
    if "rng" in options and not issubclass(cls, AbstractKeyedEmulator) and options["rng"] == "tape":
        options = {k: v for k, v in options.items() if k != "rng"}  # it consumes the driver's stream anyway
    try:
        return cls(**options)
    except TypeError as exc:
        raise BackendError(f"backend {name!r} does not take the options {sorted(options)}: {exc}") from None


__all__ = ["AbstractBackend", "AbstractEmulator", "Kernel", "RunPlan", "Trajectory", "BACKEND_PATHS",
           "register_backend", "backend_class", "available_backends", "get_backend", "AUTO_ORDER"]
