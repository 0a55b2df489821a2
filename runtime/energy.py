"""What a run costs the chip in energy (``docs/energy.md``).

The cell's power model (:meth:`device_models.cells.AbstractCell.power`: watts by part, from the
device's components, the programmed couplings and the state) is evaluated at every state a run
knows: the initial state (step 0), each recorded state (``record_every``) and the final state.  The
run's energy is the trapezoid rule over those points in chip time, plus the readout at the final
state's power.  A run that records nothing therefore has two points, start and end: give
``record_every`` to follow a power that changes during the run (an anneal's couplings settling).
Of many records, :data:`MAX_POINTS` evenly spread ones are used (the first and last included), so
the estimate costs at most that many evaluations of the model whatever the recording.

:func:`run_energy` gives a run's info entries: ``chip_energy`` (joules per read, the run and its
readout, a plain number a sweep can record), ``chip_power`` (the run's mean power, watts),
``chip_energy_parts`` (joules per read by part) and, where the cell splits the supply,
``chip_energy_supplied`` (joules per read by supplying element).  Per read means the mean over
the run's replicas: each replica is one run of the chip.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from compiler.program import Program
from device_models.errors import DeviceSpecError
from runtime.backends.base import RunPlan, Trajectory

MAX_POINTS = 129  # power-model evaluations per run at most (states evenly spread over the records)


@dataclass(frozen=True)
class PowerProfile:
    """The chip's power at the states a run knows.

    Attributes:
        times: (k,) seconds of chip time, ascending, from 0 to the end of the run (readout excluded).
        parts: part name → (k, replicas) watts.
        supplied: supplying element → (k, replicas) watts (empty when the cell does not split it).
        readout_time: seconds the readout adds at the last point's power.
    """

    times: np.ndarray
    parts: Mapping[str, np.ndarray]
    supplied: Mapping[str, np.ndarray]
    readout_time: float

    @property
    def total(self) -> np.ndarray:
        """(k, replicas) watts."""
        return sum(self.parts.values())

    def energy(self, watts: np.ndarray | None = None) -> np.ndarray:
        """(replicas,) joules of ``watts`` (k, replicas; default :attr:`total`) over the run, by the
        trapezoid rule, plus the readout at the last point."""
        watts = self.total if watts is None else watts
        if len(self.times) < 2:
            return watts[-1] * self.readout_time
        return np.trapezoid(watts, self.times, axis=0) + watts[-1] * self.readout_time


def power_profile(program: Program, plan: RunPlan, traj: Trajectory,
                  max_points: int | None = MAX_POINTS) -> PowerProfile:
    """Evaluate the cell's power model at step 0 (``plan.init``), at the records of ``traj`` (at most
    ``max_points`` points in all, evenly spread; None: every record) and at its final state; the schedules at a state after step k are those of step k − 1 (step 0's at the
    start).

    Raises:
        DeviceSpecError: the cell has no power model.
    """
    cell = program.cell
    steps = [0] + [int(s) for s in traj.steps if 0 < s < plan.steps] + [plan.steps]
    states = [plan.init] + [x for s, x in zip(traj.steps, traj.states) if 0 < s < plan.steps] + [traj.final]
    points = len(steps) if max_points is None else max(2, min(len(steps), max_points))
    keep = np.unique(np.linspace(0, len(steps) - 1, points).round().astype(int))
    steps, states = [steps[k] for k in keep], [states[k] for k in keep]
    parts: dict[str, list] = {}
    supplied: dict[str, list] = {}
    for k, state in zip(steps, states):
        index = max(k - 1, 0)
        values = {name: float(v[0]) for name, v in plan.window(index, index + 1).items()}
        power = cell.power(program, np.asarray(state), values)
        for store, source in ((parts, power.parts), (supplied, power.supplied)):
            for name, watts in source.items():
                store.setdefault(name, []).append(np.asarray(watts, dtype=np.float64))
    times = np.array([cell.chip_time(k, plan.dt, program.physics) for k in steps])
    return PowerProfile(times, {n: np.stack(v) for n, v in parts.items()},
                        {n: np.stack(v) for n, v in supplied.items()}, program.physics.readout_time)


def run_energy(program: Program, plan: RunPlan, traj: Trajectory) -> dict:
    """The run's energy entries for ``SampleSet.info`` (module docstring); empty for a cell without
    a power model."""
    try:
        profile = power_profile(program, plan, traj)
    except DeviceSpecError:
        return {}
    energy = profile.energy()
    duration = float(profile.times[-1])
    run_only = energy - profile.total[-1] * profile.readout_time
    info = {"chip_energy": float(energy.mean()),
            "chip_power": float(run_only.mean() / duration) if duration > 0 else float(profile.total[-1].mean()),
            "chip_energy_parts": {n: float(profile.energy(w).mean()) for n, w in profile.parts.items()}}
    if profile.supplied:
        info["chip_energy_supplied"] = {n: float(profile.energy(w).mean()) for n, w in profile.supplied.items()}
    return info


__all__ = ["PowerProfile", "power_profile", "run_energy"]
