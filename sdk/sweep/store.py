"""The sweep's Zarr store: an xarray Dataset written point by point, safe to kill at any moment.

Layout: dimensions ``(*grid keys, "instance", "seed")`` with their coordinates; one float64
variable per measured quantity (:data:`sdk.sweep.point.VARIABLES`, NaN until computed); ``target``
along ``instance``; ``done`` (bool), the point's commit mark.  Every variable is chunked one point
per chunk, so writing a point never rewrites another's bytes.

Crash safety:

* the store is built complete in a temporary directory beside the target and renamed into place,
  so a store that exists is whole;
* a point's values are written first and its ``done`` mark last, and zarr's local store writes
  each chunk to a temporary file and renames it: a point killed half-way has ``done`` false and is
  computed again, its stray values overwritten; a point marked done has all its values;
* the identity of the sweep (device, grid coordinates, instances by the SHA-256 of their models,
  seeds, pinned run settings) is stored as JSON in the attributes: resuming checks it, so a store
  never mixes two sweeps.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from device_models.files import check_output_dir, printable
from sdk.sweep.errors import SweepError, import_extra
from sdk.sweep.point import VARIABLES
from sdk.sweep.spec import SweepSpec, identity_json

DONE = "done"
IDENTITY = "sonq_sweep"
TIME_NOTE = ("chip_time and tts99 are seconds of chip time (the modelled device's own time); wall_time is host "
             "seconds on the worker and differs from run to run: every other variable is reproducible bit for bit")


def open_store(path: str | os.PathLike, spec: SweepSpec, identity: dict):
    """The store's zarr group (read-write), created when ``path`` does not exist.

    Raises:
        SweepError: ``path`` exists and is not a SONQ sweep store, or holds another sweep.
        OutputFileError: ``path`` cannot be created.
    """
    zarr = import_extra("zarr")
    path = check_output_dir(path)
    text = identity_json(identity)
    if not path.exists():
        _create(path, spec, text)
    shown = printable(str(path))
    if not (path / "zarr.json").is_file():
        raise SweepError(f"{shown!r} exists and is not a SONQ sweep store; give a new path")
    group = zarr.open_group(path, mode="r+")
    found = group.attrs.get(IDENTITY)
    if not isinstance(found, str):
        raise SweepError(f"{shown!r} is a Zarr store but not a SONQ sweep store; give a new path")
    if found != text:
        old, new = json.loads(found), json.loads(text)
        differ = sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))
        raise SweepError(f"{shown!r} holds another sweep (it differs in {differ}); give a new path to start "
                         "this one, or the same sweep to resume that one")
    return group


def pending(group, spec: SweepSpec) -> np.ndarray:
    """Flat indices of the points not yet marked done, ascending."""
    done = np.asarray(group[DONE][...], dtype=bool).reshape(spec.num_points)
    return np.flatnonzero(~done)


def write_point(group, spec: SweepSpec, flat: int, values: dict[str, float]) -> None:
    """Write one point's values, then its ``done`` mark."""
    index = np.unravel_index(flat, spec.shape)
    for name in VARIABLES:
        group[name][index] = values[name]
    group[DONE][index] = True


def load(path: str | os.PathLike):
    """The store as an xarray Dataset (lazily read, NaN where points are not done), its variables in
    the order of :data:`VARIABLES` (then ``target``, ``done``), so its dimensions are in sweep order."""
    xr = import_extra("xarray")
    ds = xr.open_dataset(Path(path), engine="zarr", chunks=None, consolidated=False)
    return ds[[*VARIABLES, "target", DONE]]


def _create(path: Path, spec: SweepSpec, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        dataset = _empty(spec, text)
        encoding = {name: {"chunks": (1,) * dataset[name].ndim} for name in (*VARIABLES, DONE)}
        dataset.to_zarr(tmp, mode="w", encoding=encoding, consolidated=False)
        os.rename(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _coordinate(values) -> np.ndarray:
    """Coordinate values as an array; text as objects, which zarr stores as variable-length UTF-8."""
    return np.array(values, dtype=object if isinstance(values[0], str) else None)


def _empty(spec: SweepSpec, text: str):
    """The Dataset of a sweep with no point done."""
    xr = import_extra("xarray")
    dims, shape = spec.dims, spec.shape
    coords = {key: _coordinate(values) for key, values in spec.axes.items()}
    coords["instance"] = _coordinate([i.name for i in spec.instances])
    coords["seed"] = list(spec.seeds)
    variables = {name: (dims, np.full(shape, np.nan), {"units": unit, "long_name": doc})
                 for name, (unit, doc) in VARIABLES.items()}
    variables["target"] = (("instance",), np.array([np.nan if i.target is None else i.target for i in spec.instances]),
                           {"units": "model energy", "long_name": "energy counted as success; NaN: each point's best"})
    variables[DONE] = (dims, np.zeros(shape, dtype=bool), {"long_name": "the point's values are all written"})
    return xr.Dataset(variables, coords=coords, attrs={IDENTITY: text, "time": TIME_NOTE})
