"""SONQ runtime: backends, integrators, noise, schedules, results."""

from runtime.backends import (BACKEND_PATHS, AbstractBackend, AbstractEmulator, RunPlan, Trajectory,
                              available_backends, get_backend, register_backend)
from runtime.noise import AbstractNoiseSource, NoiseTape, SeededNoise
from runtime.results import SampleSet, TrajectoryRecord
from runtime.run import RunError, pbit_anneal, run
from runtime.schedules import Schedule

__all__ = ["run", "pbit_anneal", "RunError", "Schedule", "SampleSet", "TrajectoryRecord", "AbstractBackend",
           "AbstractEmulator", "RunPlan", "Trajectory", "BACKEND_PATHS", "available_backends", "get_backend",
           "register_backend",
           "AbstractNoiseSource", "NoiseTape", "SeededNoise"]
