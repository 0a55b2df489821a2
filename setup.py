"""Build hook for the optional C extension (everything else is in pyproject.toml).

``pip install .`` (and ``pip install -e .``) compiles ``csrc/`` with cffi into
``runtime.backends._sonq_c``.  When that fails (no C compiler, no OpenMP, ...), the install
still succeeds without it: ``backend="c"`` then reports why it is unavailable and the other
backends keep working.
"""

from setuptools import setup
from setuptools.command.build_ext import build_ext


class OptionalBuildExt(build_ext):
    """``build_ext`` that turns a failed compile into a warning."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # noqa: BLE001 - any compiler failure must leave a working install
            self._skip(exc)

    def build_extension(self, ext) -> None:
        try:
            super().build_extension(ext)
        except Exception as exc:  # noqa: BLE001
            self._skip(exc)

    @staticmethod
    def _skip(exc: Exception) -> None:
        print(f"WARNING: SONQ's C extension was not built ({exc}); backend='c' will be unavailable, "
              "the NumPy and Numba backends are unaffected.")


setup(cffi_modules=["runtime/backends/_c_build.py:ffibuilder"], cmdclass={"build_ext": OptionalBuildExt})
