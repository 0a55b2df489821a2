"""SONQ — emulate analog oscillator Ising machines and thermodynamic samplers.

Typical use::

    import sdk
    model = sdk.maxcut(graph)
    program = sdk.compile(model, "oim64-kings")
    result = sdk.run(program, num_reads=64, seed=1)
    print(result.best_energy, result.cut_values.max())
"""

from compiler import (QUBO, AbstractEnergyModel, CompileReport, EnergyIR, GaussianModel, IsingModel,
                      LangevinModel, MaxCutModel, Program, compile, maxcut, reprogram)
from device_models.errors import (AsymmetricCouplingError, BackendError, CapacityError, CompileError,
                                  DeviceSpecError, ModelError, NonFiniteError, NotPositiveDefiniteError,
                                  OutputFileError, ProgramFormatError, SonqError, SpiceError, TopologyError,
                                  UnknownDeviceError)
from device_models.registry import list_devices, load_device
from device_models.cells import CellPower
from device_models.spec import DeviceSpec
from device_models.schedules import ScheduleError
from runtime import (DivergenceError, MemoryBudgetError, NoiseTape, ResultFileError, RunError, SampleSet, Schedule,
                     available_backends, pbit_anneal, run, stable_dt)
from runtime.circuit.waveforms import Waveforms
from runtime.moments import Moments
from runtime.tempering import ReplicaExchange, at_temperature
from sdk.analysis import (covariance_error, effective_sample_size, empirical_distribution, exact_boltzmann,
                          ground_state_bruteforce, indicator_autocorrelation_time,
                          integrated_autocorrelation_time, success_probability, ets99,
                          total_variation, tts99, tv_tolerance, wilson_interval)
from sdk import datasets, dynamics, learn
from sdk.errors import AnalysisError, LearningError
from sdk.pipeline.errors import PipelineError
from sdk.sweep import Instance, RunSettings, SweepError, SweepSpec, sweep
from sdk.sweep.driver import PointFailure
from sdk.interop import detect_format, from_dimod, read_bqm, read_gset, read_qubo, to_dimod, write_gset

__version__ = "0.1.0"

__all__ = [
    "compile", "reprogram", "run", "learn", "dynamics", "pbit_anneal", "datasets", "Program", "CompileReport", "SampleSet", "Schedule", "NoiseTape", "EnergyIR",
    "AbstractEnergyModel", "IsingModel", "QUBO", "MaxCutModel", "maxcut", "GaussianModel", "LangevinModel",
    "DeviceSpec", "list_devices", "load_device", "available_backends",
    "success_probability", "wilson_interval", "tts99", "exact_boltzmann", "empirical_distribution",
    "total_variation", "tv_tolerance", "covariance_error", "ground_state_bruteforce",
    "effective_sample_size", "integrated_autocorrelation_time", "indicator_autocorrelation_time",
    "read_gset", "write_gset", "read_qubo", "read_bqm", "detect_format", "from_dimod", "to_dimod",
    "ChipSampler", "StructuredChipSampler", "chain_resolution", "ChainResolution",
    "LearningError", "AnalysisError", "SonqError", "ModelError", "NonFiniteError", "AsymmetricCouplingError", "NotPositiveDefiniteError",
    "DeviceSpecError", "UnknownDeviceError", "CompileError", "CapacityError", "TopologyError",
    "ProgramFormatError", "OutputFileError", "BackendError", "SpiceError", "RunError", "DivergenceError",
    "MemoryBudgetError", "ResultFileError",
    "ScheduleError", "stable_dt",
    "ets99", "CellPower", "Waveforms", "Moments", "ReplicaExchange", "at_temperature",
    "sweep", "SweepSpec", "RunSettings", "Instance", "SweepError", "PointFailure", "PipelineError",
]

# The Ocean samplers need dimod: imported on first use (``sdk.ChipSampler``), not with ``import sdk``.
_OCEAN = ("ChipSampler", "StructuredChipSampler", "chain_resolution", "ChainResolution")


def __getattr__(name: str):
    if name in _OCEAN:
        from sdk import ocean

        return getattr(ocean, name)
    raise AttributeError(f"module 'sdk' has no attribute {name!r}")
