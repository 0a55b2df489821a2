"""Kernels of cells that keep them apart from the backend modules: one module per cell, holding
that cell's kernel factory for every emulator (``@NumpyBackend.register(KpoCell)``, ...).

:func:`runtime.backends.backend_class` imports this package once, which registers them.  A new
cell's kernels are one module here plus its import below (and, for the C backend, a
``csrc/sonq_<cell>.c``/``.h`` pair, which the build picks up by name).
"""

from runtime.kernels import kpo  # noqa: F401
from runtime.kernels import cim  # noqa: F401
