"""The error a sweep raises on purpose."""

from __future__ import annotations

from device_models.errors import SonqError


class SweepError(SonqError, ValueError):
    """A sweep description is invalid (an unknown key, a wrong type, a grid value the device
    validator refuses: the message names the key and the value), its store holds another sweep, or
    one of its points failed (the message names the point)."""


def import_extra(module: str):
    """Import one of the sweep extra's modules (dask.distributed, xarray, zarr, threadpoolctl).

    Raises:
        SweepError: it is not installed, with the install command.
    """
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise SweepError(f"sweeps need {module} ({exc}): pip install 'sonq[sweep]'") from None
