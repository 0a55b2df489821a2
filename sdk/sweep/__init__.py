"""Sweeps over chip designs: a grid of device parameters × instances × seeds, on dask.distributed,
into a resumable Zarr store (``docs/sweeps.md``).

::

    from sdk.sweep import SweepSpec, RunSettings, sweep
    spec = SweepSpec(device="oim64-kings", instances={"g": model}, seeds=range(4),
                     grid={"mismatch": [0.0, 0.02], "coupling.dac_bits": [4, 6]},
                     run=RunSettings(backend="numpy", num_reads=16, steps=300))
    ds = sweep(spec, "design.zarr", workers=2)        # xarray Dataset; rerun to resume

dask, xarray, zarr and threadpoolctl are the ``sweep`` extra (``pip install 'sonq[sweep]'``),
imported only when a sweep runs.
"""

from sdk.sweep.driver import sweep
from sdk.sweep.errors import SweepError
from sdk.sweep.point import VARIABLES
from sdk.sweep.spec import Instance, RunSettings, SweepSpec
from sdk.sweep.store import load

__all__ = ["sweep", "SweepSpec", "RunSettings", "Instance", "SweepError", "VARIABLES", "load"]
