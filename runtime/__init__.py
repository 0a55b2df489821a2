"""SONQ runtime: backends, integrators, noise, schedules, results."""

from runtime.backends import (BACKEND_PATHS, AbstractBackend, AbstractEmulator, RunPlan, Trajectory,
                              available_backends, get_backend, register_backend)
from runtime.noise import AbstractNoiseSource, NoiseTape, SeededNoise
from runtime.results import SampleSet, TrajectoryRecord
from device_models.cells import pbit_anneal
from device_models.schedules import Schedule
from runtime.errors import DivergenceError, MemoryBudgetError, ResultFileError, RunError
from runtime.run import RunSetup, prepare, run, stable_dt

__all__ = ["run", "prepare", "RunSetup", "stable_dt", "pbit_anneal", "RunError", "DivergenceError", "MemoryBudgetError", "ResultFileError",
           "Schedule", "SampleSet", "TrajectoryRecord", "AbstractBackend",
           "AbstractEmulator", "RunPlan", "Trajectory", "BACKEND_PATHS", "available_backends", "get_backend",
           "register_backend",
           "AbstractNoiseSource", "NoiseTape", "SeededNoise"]
