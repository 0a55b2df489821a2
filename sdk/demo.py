"""The ``sonq demo`` job: MaxCut on a shipped Gset file, solved on the emulated OIM chip.

Compile the instance for ``oim1024``, anneal 64 replicas with the OIM's default optimisation
protocol (``docs/protocols.md``: SHIL ramped up, noise ramped down, Euler at λ_max·dt = 1), and report the best cut, its energy, the success probability with its Wilson
interval, the time to solution TTS99 in chip time and the energy to solution ETS99 in chip energy
(``docs/energy.md``).  Energy traces go to a PNG.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from compiler.compile import compile
from compiler.program import Program
from runtime.results import SampleSet
from runtime.run import run
from sdk.analysis import ets99, ground_state_bruteforce, success_probability, tts99
from sdk.datasets import instance_path
from sdk.interop import read_gset

SMALL_INSTANCE = instance_path("mc50_n20_1")     # 20 nodes: optimum checked by enumeration
DEFAULT_INSTANCE = instance_path("random_n100")  # 100 nodes, G(n=100, p=0.1)
DEVICE = "oim1024"
NUM_READS = 64
QUICK_READS = 16       # --quick: fewer replicas
TRACE_POINTS = 200     # recorded energies per replica for the plot
EXACT_LIMIT = 20       # instances up to this size get their optimum by enumeration
PLOT_NAME = "energy_traces.png"


@dataclass(frozen=True)
class DemoOutcome:
    """What one demo run found.

    Attributes:
        instance: the Gset file solved.
        program: the compiled program.
        result: the run's samples, with energy trajectories.
        target_energy: the energy a replica must reach to count as a success (model units).
        target_is_optimum: True when ``target_energy`` is the exact ground energy (enumeration);
            otherwise it is the best energy found in this run.
        p_success: fraction of replicas reaching ``target_energy``.
        interval: 95% Wilson interval of ``p_success``.
        tts99: time to solution at 99% confidence, seconds of chip time.
        ets99: energy to solution at 99% confidence, joules of chip energy.
        plot: the energy-trace image, or None when no output directory was given.
    """

    instance: Path
    program: Program
    result: SampleSet
    target_energy: float
    target_is_optimum: bool
    p_success: float
    interval: tuple[float, float]
    tts99: float
    ets99: float
    plot: Path | None

    @property
    def best_cut(self) -> float:
        return float(self.result.cut_values.max())

    @property
    def best_energy(self) -> float:
        return self.result.best_energy


def run_demo(instance: str | Path = DEFAULT_INSTANCE, *, device: str = DEVICE, backend: str = "auto",
             num_reads: int = NUM_READS, seed: int | None = 1,
             out_dir: str | Path | None = None) -> DemoOutcome:
    """Solve a Gset MaxCut instance on an emulated OIM chip.

    Args:
        instance: Gset / rudy file.
        device: an ``oim`` device name or YAML path.
        backend: runtime backend (``"auto"``: C, then Numba, then NumPy).
        num_reads: replicas annealed.
        seed: seeds the initial phases and the noise.
        out_dir: directory for the energy-trace PNG (created if missing); None: no plot.
    """
    instance = Path(instance)
    model = read_gset(instance)
    program = compile(model, device)
    steps = program.cell.presets(program)["optimize"].steps
    result = run(program, backend, num_reads=num_reads, seed=seed,
                 record_every=max(1, steps // TRACE_POINTS))
    exact = model.J.shape[0] <= EXACT_LIMIT
    target = ground_state_bruteforce(model)[1] if exact else result.best_energy
    p, interval = success_probability(result, target)
    plot = None
    if out_dir is not None:
        from sdk.plots import plot_energy_traces

        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        plot = plot_energy_traces(result, out_dir / PLOT_NAME, target=target,
                                  title=f"OIM MaxCut on {instance.name}, {device}")
    return DemoOutcome(instance, program, result, target, exact, p, interval,
                       tts99(result.info["chip_time"], p), ets99(result.info["chip_energy"], p), plot)
