"""``sweep(spec, store)``: run every point not yet in the store, serially or on dask.distributed.

The driver is the only writer of the store: workers compute and return a point's values, the
driver writes them as they arrive (:mod:`sdk.sweep.store`).  Points run with the backend pinned
(``"auto"`` resolved once, here, to a named backend with the generator ``"auto"`` gives it) and a
fixed thread count, so where and in which order a point runs changes nothing but its wall time.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Mapping

from tqdm import tqdm

from device_models.errors import SonqError
from device_models.files import printable
from runtime.backends import backend_class, get_backend
from sdk.sweep.errors import SweepError, import_extra
from sdk.sweep.point import PointTask, compute_point
from sdk.sweep.spec import RunSettings, SweepSpec, identity_json
from sdk.sweep.store import load, open_store, pending, write_point

#: points in flight per worker thread: enough to keep workers busy while the driver writes
IN_FLIGHT_PER_THREAD = 2
WORKER_WAIT = 60.0  # seconds to wait for an external cluster's first worker


def sweep(spec: "SweepSpec | str | os.PathLike | Mapping", store: "str | os.PathLike | None" = None, *,
          scheduler: str | None = None, workers: int | None = None, processes: bool = True,
          progress: bool | None = None):
    """Run a sweep into a Zarr store and return its xarray Dataset.

    A store that already holds this sweep is resumed: points marked done are kept and not
    recomputed.  Every variable but ``wall_time`` is reproducible bit for bit, whatever the
    executor, the number of workers or the interruptions.

    Args:
        spec: a :class:`SweepSpec`, a sweep YAML path, or its parsed mapping.
        store: the Zarr store (a directory); default ``spec.store``.
        scheduler: address of a running dask scheduler (``"tcp://host:8786"``); default: none.
        workers: without ``scheduler``: 0 runs the points one by one in this process; a positive
            number starts an embedded ``LocalCluster`` of that many single-threaded workers
            (default: the CPU count).
        processes: the ``LocalCluster``'s workers are processes (else threads of this process).
        progress: show a tqdm bar counting points (default: when stderr is a terminal).

    Returns:
        ``xarray.Dataset`` with dimensions ``(*grid keys, instance, seed)``; see ``docs/sweeps.md``.

    Raises:
        SweepError: an invalid spec, a store holding another sweep, a point that failed (named).
    """
    spec = as_spec(spec)
    store = spec.store if store is None else Path(store)
    if store is None:
        raise SweepError("no store: give store= (a directory for the Zarr store) or 'store:' in the sweep file")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 0):
        raise SweepError(f"workers must be an integer ≥ 0, got {workers!r}")
    if scheduler is not None and workers is not None:
        raise SweepError("give scheduler= (an existing cluster) or workers= (an embedded one), not both")
    run = pinned_run(spec)
    identity = spec.identity(run)
    tag = hashlib.sha256(identity_json(identity).encode()).hexdigest()[:16]
    group = open_store(store, spec, identity)
    todo = pending(group, spec)
    point_run = with_threads(run, spec.threads)
    tasks = (_task(spec, point_run, int(flat)) for flat in todo)
    show = sys.stderr.isatty() if progress is None else bool(progress)
    with tqdm(total=spec.num_points, initial=spec.num_points - len(todo), unit="point", desc="sweep",
              disable=not show) as bar:
        if scheduler is None and workers == 0:
            _write(group, spec, _serial(tasks), bar)
        elif len(todo):  # a finished sweep resumed starts no cluster
            with _client(scheduler, workers, processes) as client:
                _write(group, spec, _distributed(client, tasks, tag), bar)
    return load(store)


def _write(group, spec: SweepSpec, results, bar) -> None:
    for flat, values in _named_failures(spec, results):
        write_point(group, spec, flat, values)
        bar.update()


def as_spec(spec) -> SweepSpec:
    """A :class:`SweepSpec` from a spec, a sweep YAML path or a parsed mapping."""
    if isinstance(spec, SweepSpec):
        return spec
    if isinstance(spec, Mapping):
        return SweepSpec.from_dict(spec)
    if isinstance(spec, (str, os.PathLike)):
        return SweepSpec.from_yaml(spec)
    raise SweepError(f"spec must be a SweepSpec, a sweep YAML path or a mapping, got {type(spec).__name__}")


def pinned_run(spec: SweepSpec) -> RunSettings:
    """The run settings with the backend named and its generator fixed: ``"auto"`` becomes the
    backend it picks here, with the ``rng`` it gives it (the driver's seeded stream)."""
    run = spec.run
    options = dict(run.backend_options)
    try:
        impl = get_backend(run.backend, spec.device.cell, **options)
    except SonqError as exc:
        raise SweepError(f"run.backend: {exc}") from None
    if hasattr(impl, "rng"):
        options.setdefault("rng", impl.rng)
    return replace(run, backend=impl.name, backend_options=options)


def with_threads(run: RunSettings, threads: int) -> RunSettings:
    """``run`` with the backend's own team fixed to ``threads`` where its constructor takes a
    ``threads`` option the settings leave unset (thread counts change no result, so the sweep's
    identity is taken without this)."""
    if "threads" not in inspect.signature(backend_class(run.backend).__init__).parameters:
        return run
    return replace(run, backend_options={"threads": threads, **run.backend_options})


def _task(spec: SweepSpec, run: RunSettings, flat: int) -> PointTask:
    device, instance, seed = spec.point(flat)
    return PointTask(flat, device, instance.model, instance.target, seed, run, spec.quantize, spec.threads)


def _named_failures(spec: SweepSpec, results):
    """``results`` with a failing point's exception re-raised as a SweepError naming the point."""
    try:
        yield from results
    except PointFailure as failure:
        exc = failure.__cause__
        raise SweepError(f"point {spec.describe(failure.flat)} failed: {type(exc).__name__}: {exc}") from exc


class PointFailure(SweepError):
    """A point raised (the cause); carries its flat index.  The driver turns it into a SweepError
    naming the point."""

    def __init__(self, flat: int):
        super().__init__(flat)
        self.flat = flat


def _serial(tasks):
    """``(flat, values)`` of each task, computed here, in order."""
    for task in tasks:
        try:
            yield compute_point(task)
        except Exception as exc:
            raise PointFailure(task.flat) from exc


def _distributed(client, tasks, tag: str):
    """``(flat, values)`` as points finish on the cluster, at most a few points per worker thread in
    flight (the rest are submitted as those finish).  A point's task key is ``tag`` and its index, so
    equal keys mean equal work (``tag`` is derived from the sweep's identity)."""
    distributed = import_extra("distributed")
    window = IN_FLIGHT_PER_THREAD * max(1, sum(client.nthreads().values()))
    flats = {}
    running = distributed.as_completed()

    def submit(task: PointTask) -> None:
        future = client.submit(compute_point, task, key=f"sonq-point-{tag}-{task.flat}")
        flats[future.key] = task.flat
        running.add(future)

    for task in tasks:
        submit(task)
        if running.count() >= window:
            break
    try:
        for future in running:
            try:
                result = future.result()
            except Exception as exc:
                raise PointFailure(flats[future.key]) from exc
            following = next(tasks, None)
            if following is not None:
                submit(following)
            yield result
    finally:
        client.cancel(list(running.futures))


class _client:
    """A dask Client on ``scheduler``, or on an embedded LocalCluster closed on exit."""

    def __init__(self, scheduler: str | None, workers: int | None, processes: bool):
        self.scheduler, self.workers, self.processes = scheduler, workers, processes
        self.cluster = self.client = None

    def __enter__(self):
        distributed = import_extra("distributed")
        if self.scheduler is not None:
            try:
                self.client = distributed.Client(self.scheduler, timeout=WORKER_WAIT)
                self.client.wait_for_workers(1, timeout=WORKER_WAIT)
            except (OSError, TimeoutError) as exc:
                self.__exit__()
                raise SweepError(f"scheduler {printable(self.scheduler)!r}: no scheduler with a worker answered "
                                 f"within {WORKER_WAIT:g} s ({exc})") from None
            return self.client
        n = self.workers if self.workers is not None else (os.cpu_count() or 1)
        self.cluster = distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=self.processes,
                                                dashboard_address=None, silence_logs=logging.ERROR)
        self.client = distributed.Client(self.cluster)
        return self.client

    def __exit__(self, *exc):
        for part in (self.client, self.cluster):
            if part is not None:
                part.close()
        return False
