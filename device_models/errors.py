"""Error types shared by every SONQ layer.

The base lives in ``device_models`` because it is the bottom layer: ``compiler`` and ``runtime``
both depend on it, and neither depends on the other for its errors.  Each error names the offending
argument and shows the value that broke it.
"""

from __future__ import annotations


class SonqError(Exception):
    """Base class of every error SONQ raises on purpose."""


class DeviceSpecError(SonqError, ValueError):
    """A device description is malformed: unknown key, missing key, wrong unit or value."""


class UnknownDeviceError(SonqError, KeyError):
    """No shipped device has the requested name."""

    def __str__(self) -> str:  # KeyError quotes its message; show it plainly instead
        return str(self.args[0]) if self.args else ""


class ModelError(SonqError, ValueError):
    """An energy model is invalid (generic)."""


class NonFiniteError(ModelError):
    """A coefficient is NaN or infinite."""


class AsymmetricCouplingError(ModelError):
    """A coupling matrix is not symmetric."""


class NotPositiveDefiniteError(ModelError):
    """A Gaussian precision matrix is not symmetric positive definite."""


class CompileError(SonqError, ValueError):
    """A model cannot be mapped onto the chosen device."""


class CapacityError(CompileError):
    """The model needs more cells than the device has."""


class TopologyError(CompileError):
    """A coupling joins two cells that the device topology does not connect."""


class ProgramFormatError(SonqError, ValueError):
    """A Program (built or loaded from a file) is malformed: a wrong dtype, shape, index, value or
    header field (the message names the field and the value), an unreadable file, or an unsupported
    version."""


class OutputFileError(SonqError, OSError):
    """An output file cannot be written: the path is a directory or another non-regular file, its
    directory is missing or not writable, or writing failed (disk full).  The previous file, if any,
    is left intact (``device_models.files.atomic_write``)."""


class BackendError(SonqError, RuntimeError):
    """A runtime backend is unavailable or failed while running."""


class SpiceError(BackendError):
    """ngspice rejected or failed to simulate a netlist.

    Attributes:
        message: ngspice's own error text.
        line: the offending netlist line, when ngspice names one.
    """

    def __init__(self, message: str, line: str | None = None):
        self.message = message
        self.line = line
        text = message if line is None else f"{message}\n  netlist line: {line}"
        super().__init__(text)
