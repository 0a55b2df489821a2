"""cffi build script of the C kernels (``csrc/``) → extension ``runtime.backends._sonq_c``.

One extension holds every ``csrc/sonq_*.c``: the emulator kernels (``sonq_kernels``,
:mod:`runtime.backends.c_backend`, plus one file per newer cell) and the circuit emulator's engine
(``sonq_circuit``, :mod:`runtime.circuit.c_kernel`).

Run by setuptools at install time (``cffi_modules`` in ``setup.py``), or by hand for a
development tree: ``python runtime/backends/_c_build.py`` (builds in place).  Compiler flags can
be replaced with the environment variables ``SONQ_CFLAGS`` and ``SONQ_LDFLAGS`` (e.g. to drop
``-march=native`` when building for another machine, or ``-fopenmp`` where the compiler lacks
OpenMP).

``-ffast-math`` lets GCC call glibc's vector math library (libmvec) for sin/cos/tanh/log; it is a
compile flag only, so the extension does not link ``crtfastmath.o`` and does not change the
floating-point mode of the Python process.
"""

from __future__ import annotations

import os
import platform
import shlex
from pathlib import Path

from cffi import FFI

CSRC = Path(__file__).resolve().parents[2] / "csrc"
GLIBC_X86 = platform.system() == "Linux" and platform.machine() == "x86_64" and platform.libc_ver()[0] == "glibc"
DEFAULT_CFLAGS = "-O3 -march=native -mprefer-vector-width=512 -std=c99 -ffast-math -fopenmp"
DEFAULT_LDFLAGS = "-fopenmp -lmvec -lm" if GLIBC_X86 else "-fopenmp -lm"


def _flags(variable: str, default: str) -> list[str]:
    return shlex.split(os.environ.get(variable, default))


def _path(path: Path) -> str:
    # setuptools wants paths relative to setup.py; a build by hand (cffi changes directory) absolute ones.
    return str(path) if __name__ == "__main__" else os.path.relpath(path)


# Every csrc/sonq_<name>.c is a source; its sonq_<name>.h, when present, declares what Python calls
# (headers without a source, e.g. sonq_rng.h, are internal).  A new kernel is one new pair of files.
SOURCES = tuple(sorted(p.name for p in CSRC.glob("sonq_*.c")))
HEADERS = tuple(h for h in (s.replace(".c", ".h") for s in SOURCES) if (CSRC / h).is_file())

ffibuilder = FFI()
for header in HEADERS:
    ffibuilder.cdef("\n".join(line for line in (CSRC / header).read_text().splitlines()
                              if not line.lstrip().startswith(("/*", "*"))))
ffibuilder.set_source(
    "runtime.backends._sonq_c",
    "\n".join(f'#include "{header}"' for header in HEADERS),
    sources=[_path(CSRC / source) for source in SOURCES],
    include_dirs=[_path(CSRC)],
    extra_compile_args=_flags("SONQ_CFLAGS", DEFAULT_CFLAGS),
    extra_link_args=_flags("SONQ_LDFLAGS", DEFAULT_LDFLAGS),
)


def build_inplace() -> Path:
    """Compile in a scratch folder and copy the extension next to this file (replacing any other
    build of it, e.g. pip's ``.abi3.so``); returns its path."""
    import shutil
    import tempfile

    here = Path(__file__).resolve().parent
    with tempfile.TemporaryDirectory() as tmp:
        built = Path(ffibuilder.compile(tmpdir=tmp, verbose=False))
        for stale in here.glob("_sonq_c.*"):
            stale.unlink()
        target = here / built.name
        shutil.copy2(built, target)
    return target


if __name__ == "__main__":
    print(build_inplace())
