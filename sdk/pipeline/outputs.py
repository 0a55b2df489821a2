"""The pipeline's files, written atomically (:func:`device_models.files.atomic_write`), paths
checked before the run starts.

In the output directory (default ``outputs/``):

* ``son_state.npy``: (R, rows, cols) the array's final state (the last read, before its
  compression), in the run's precision;
* ``son_state.metrics.json``: :func:`sdk.pipeline.metrics.summary`;
* ``son_state.trajectory.npz``: per update ``steps``, ``oscillation``, ``injection``,
  ``relative_error``, ``bound_excess``, ``ranks`` (U, d+1), ``parameters``; the fields (rows, cols)
  ``field``, ``observation``, ``posterior_mean`` (chip), ``exact_mean``, ``standard_error``,
  ``variance``, ``compressed`` (replica 0's last re-injected state); ``spectra`` (d−1, w) the last
  compression's singular values at each bond, NaN-padded.

The companions are found from the state's path (``<stem>.metrics.json``, ``<stem>.trajectory.npz``),
so ``sonq analyze --input outputs/son_state.npy`` reads all three.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from device_models.files import atomic_write, check_output_dir, check_output_path
from sdk.pipeline.errors import PipelineError
from sdk.pipeline.metrics import summary

STATE_NAME = "son_state.npy"
TRAJECTORY_KEYS = ("steps", "oscillation", "injection", "relative_error", "bound_excess", "ranks", "parameters",
                   "field", "observation", "posterior_mean", "exact_mean", "standard_error", "variance",
                   "compressed", "spectra", "burn_in")


@dataclass(frozen=True)
class OutputPaths:
    """The three files of a run."""

    state: Path
    metrics: Path
    trajectory: Path

    @classmethod
    def beside(cls, state: str | Path) -> "OutputPaths":
        """The companions of a state file (``<stem>.metrics.json``, ``<stem>.trajectory.npz``)."""
        state = Path(state)
        stem = state.name[:-4] if state.name.endswith(".npy") else state.name
        return cls(state, state.with_name(f"{stem}.metrics.json"), state.with_name(f"{stem}.trajectory.npz"))


def prepare_outputs(out_dir: str | Path) -> OutputPaths:
    """Create ``out_dir`` if needed and check its three files can be written (before any work).

    Raises:
        OutputFileError: the directory or a file cannot be written.
    """
    out_dir = check_output_dir(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = OutputPaths.beside(out_dir / STATE_NAME)
    for path in (paths.state, paths.metrics, paths.trajectory):
        check_output_path(path)
    return paths


def write_outputs(result, paths: OutputPaths) -> dict:
    """Write the state, the metrics JSON and the trajectory of ``result``; returns the metrics."""
    post = result.posterior
    shape = post.shape
    dtype = np.float32 if result.config.precision == "float32" else np.float64
    metrics = summary(result)
    spectra = result.compressed.spectra
    padded = np.full((len(spectra), max((len(s) for s in spectra), default=0)), np.nan)
    for k, s in enumerate(spectra):
        padded[k, :len(s)] = s
    arrays = dict(steps=result.steps, oscillation=result.oscillation, injection=result.injection,
                  relative_error=result.relative_error, bound_excess=result.bound_excess, ranks=result.ranks,
                  parameters=result.parameters, field=post.field, observation=post.observation,
                  posterior_mean=result.mean.reshape(shape), exact_mean=post.exact_mean.reshape(shape),
                  standard_error=result.standard_error.reshape(shape), variance=result.variance.reshape(shape),
                  compressed=result.compressed.states[0].reshape(shape), spectra=padded,
                  burn_in=np.array(result.burn_in))
    state = result.final_states.reshape((-1,) + shape).astype(dtype)
    atomic_write(paths.trajectory, lambda f: np.savez_compressed(f, **arrays))
    atomic_write(paths.metrics, lambda f: json.dump(metrics, f, indent=2), text=True)
    atomic_write(paths.state, lambda f: np.save(f, state))
    return metrics


def read_state(path: str | Path) -> np.ndarray:
    """A state file as (R, rows, cols) float64 (a 2-D field is one replica).

    Raises:
        PipelineError: not a readable ``.npy`` of finite reals with 2 or 3 axes.
    """
    try:
        a = np.load(Path(path), allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        raise PipelineError(f"cannot read the state {str(path)!r} as a .npy array: {exc}") from None
    if not isinstance(a, np.ndarray) or a.dtype.kind not in "biuf" or a.ndim not in (2, 3) or 0 in a.shape:
        raise PipelineError(f"the state {str(path)!r} must be a real (rows, cols) or (replicas, rows, cols) "
                            f"array, got {getattr(a, 'dtype', type(a).__name__)} {getattr(a, 'shape', '')}")
    a = a.astype(np.float64).reshape((-1,) + a.shape[-2:])
    if not np.all(np.isfinite(a)):
        raise PipelineError(f"the state {str(path)!r} holds NaN or infinite values")
    return a


def read_metrics(path: str | Path) -> dict | None:
    """The metrics JSON, or None when the file does not exist.

    Raises:
        PipelineError: the file exists but is not a JSON object.
    """
    path = Path(path)
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PipelineError(f"cannot read the metrics {str(path)!r}: {exc}") from None
    if not isinstance(data, dict):
        raise PipelineError(f"the metrics {str(path)!r} must hold a JSON object")
    return data


def read_trajectory(path: str | Path) -> dict | None:
    """The trajectory arrays by name, or None when the file does not exist.

    Raises:
        PipelineError: the file exists but is not a pipeline trajectory.
    """
    path = Path(path)
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = [k for k in TRAJECTORY_KEYS if k not in data.files]
            if missing:
                raise PipelineError(f"{str(path)!r} is not a pipeline trajectory: it lacks {missing}")
            return {k: data[k] for k in TRAJECTORY_KEYS}
    except (OSError, ValueError, EOFError) as exc:
        raise PipelineError(f"cannot read the trajectory {str(path)!r}: {exc}") from None
