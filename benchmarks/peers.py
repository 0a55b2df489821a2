"""SONQ against the solvers users would otherwise pick, on the same instances and machine.

Every solver runs the same ladder of budgets (``BUDGETS`` sweeps/steps per read), ``REPEATS``
seeded batches of ``READS`` independent reads at each, and returns spins; energies are recomputed
here from the spins with the model's own energy, so the solvers' sign conventions cannot skew the
comparison.  SONQ's cells run their default optimisation presets with only ``steps`` given.  The
target is the best energy any solver found at any budget, relaxed by 0.5% of its magnitude; a read
succeeds when it reaches the target.  TTS99 counts whole batches: ``t_batch · ln(0.01)/ln(1 − P)``,
``P = 1 − (1 − p)^READS`` the chance that a batch holds a success, p pooled over the repeats with a
Wilson interval that gives the TTS99 range; each solver's best budget is marked.  For SONQ's cells
ETS99 is formed the same way from the chip energy of a batch (``READS`` × ``info["chip_energy"]``,
joules per read, from the power models of ``docs/energy.md``): ``sdk.ets99(E_batch, P)``.  Peers are optional benchmark dependencies (the ``bench`` extra), never runtime
ones; a peer that is missing or fails is reported, not hidden.

Extropic's thrml runs the p-bit sampler's algorithm (block Gibbs, one block per colour) on the
same colouring (SONQ's compiler's greedy one; thrml needs a proper colouring supplied by hand) and
the same per-sweep geometric anneal, float32 on the CPU through JAX; its build and JIT times are
reported, not counted.  It runs in a subprocess under ``THRML_BUDGET_S``, because on the dense SK
graph (1024 colours, so 1024 one-spin blocks) it does not compile in any reasonable time.
:func:`distribution` compares both samplers with the exact Boltzmann distribution of a 12-spin model.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

import sdk
from benchmarks import instances
READS, SWEEPS, SEED = 32, 1000, 7
TARGET_GAP = 0.005
BUDGETS = (250, 500, 1000, 2000, 4000, 8000, 16000)  # steps or sweeps per read
REPEATS = 2  # seeded batches per budget, pooled
LADDER_CAP_S = 120.0  # a solver's ladder stops before a budget predicted to take longer than this


@dataclass(frozen=True)
class Outcome:
    """One solver at one budget on one instance: mean wall seconds of a batch of READS reads and the
    energies of all reads of its seeded repeats (None when it failed: ``note`` says why)."""

    instance: str
    solver: str
    budget: int
    seconds: float
    energies: np.ndarray | None
    note: str = ""
    nodes: int = 0
    energy_per_read: float = math.nan  # chip joules per read (SONQ cells only)


def _dense_upper(model: sdk.IsingModel) -> np.ndarray:
    return np.triu(model.J.toarray(), 1)


# --- SONQ: every optimising cell at its default preset ------------------------------------------------

# The shipped all-to-all chip of each optimising cell, resized to the instance.
SONQ_CHIPS = {"OIM": "oim1024", "p-bit": "pbit256", "KPO": "kpo1024", "CIM": "cim1024"}


def sonq_cell(chip: str):
    """SONQ on the C backend (the best available one where C lacks the cell), compiled for ``chip``
    resized to the instance, run at the cell's default optimisation preset over ``sweeps`` steps:
    ``sdk.run(program, num_reads=READS, steps=sweeps, seed=seed)``, nothing tuned."""
    def solve(model, name, sweeps=SWEEPS, seed=SEED):
        spec = sdk.load_device(chip)
        program = sdk.compile(model, instances.resized_device(chip, max(spec.cells, model.h.shape[0])))
        backend = "c" if "c" in _backends_for(program.cell.name) else "auto"
        res = sdk.run(program, backend, num_reads=READS, steps=sweeps, seed=seed)
        poor = res.info.get("poorly_binarized", 0) / res.samples.size
        note = f"{res.info['backend']}, {res.info['integrator']}" + (f", {poor:.1%} cells poorly read" if poor else "")
        return res.samples, res.info["wall_time"], note, res.info["chip_energy"]
    solve.__name__ = f"sonq_{chip}"
    return solve


def _backends_for(cell: str) -> set[str]:
    from runtime.backends import backend_class

    out = set()
    for name, reason in sdk.available_backends().items():
        if reason is None and cell in backend_class(name).cells():
            out.add(name)
    return out


def pbit_program(model) -> sdk.Program:
    return sdk.compile(model, instances.resized_device("pbit256", max(256, model.h.shape[0])))


# --- Extropic thrml: block Gibbs on the same colouring, the same anneal --------------------------------

THRML_BUDGET_S = 60  # per instance: build + JIT + two runs, in a subprocess killed at the limit
ROOT = Path(__file__).resolve().parents[1]


def _thrml_program(model, colors, beta=1.0):
    """An IsingEBM of ``model`` (thrml: E = −β(Σ b s + Σ W s s), so b = −h, W = −J) and its block
    sampling program with one block per colour of ``colors`` (a proper colouring: SONQ's compiler's)."""
    import jax.numpy as jnp
    from thrml import Block, SpinNode
    from thrml.models import IsingEBM, IsingSamplingProgram

    n = len(model.h)
    J = sp.triu(sp.csr_matrix(model.J), 1).tocoo()
    nodes = [SpinNode() for _ in range(n)]
    ebm = IsingEBM(nodes, [(nodes[a], nodes[b]) for a, b in zip(J.row, J.col)],
                   jnp.asarray(-model.h, dtype=jnp.float32), jnp.asarray(-J.data, dtype=jnp.float32),
                   jnp.asarray(beta, dtype=jnp.float32))
    colors = np.asarray(colors)[:n]
    index = [np.flatnonzero(colors == c) for c in np.unique(colors)]
    blocks = [Block([nodes[i] for i in idx]) for idx in index]
    return IsingSamplingProgram(ebm, blocks, []), index


def _to_spins(block_states, index, reads, n) -> np.ndarray:
    spins = np.zeros((reads, n), dtype=np.int8)
    for state, idx in zip(block_states, index):
        spins[:, idx] = 2 * np.asarray(state, dtype=np.int8).reshape(reads, len(idx)) - 1
    return spins


def thrml_anneal(model, colors, temperatures, reads, seed):
    """``reads`` chains of block Gibbs, one sweep (every colour block once) per temperature in
    ``temperatures`` (model units), from random spins.  The program is built at β = 1 and its float
    leaves (β·weights, β·biases) scaled by each sweep's β inside one ``lax.scan``; chains are
    ``vmap``-ed.  Returns spins (reads, n) and the build, first-call (JIT + run) and warm-run seconds."""
    import equinox as eqx
    import jax
    import jax.numpy as jnp
    from thrml import sample_blocks

    start = time.perf_counter()
    program, index = _thrml_program(model, colors)
    build = time.perf_counter() - start

    def at_beta(beta):
        return jax.tree.map(lambda x: x * beta if eqx.is_array(x) and jnp.issubdtype(x.dtype, jnp.floating) else x,
                            program)

    @eqx.filter_jit
    def anneal(key, betas, init):
        def chain(k, state):
            def sweep(carry, inp):
                state, sampler_state = carry
                return sample_blocks(inp[0], state, [], at_beta(inp[1]), sampler_state), None
            carry = (state, [s.init() for s in program.samplers])
            return jax.lax.scan(sweep, carry, (jax.random.split(k, len(betas)), betas))[0][0]
        return jax.vmap(chain)(jax.random.split(key, reads), init)

    key = jax.random.key(seed)
    init = [jax.random.bernoulli(jax.random.fold_in(key, c), 0.5, (reads, len(idx))) for c, idx in enumerate(index)]
    betas = jnp.asarray(1.0 / np.asarray(temperatures), dtype=jnp.float32)
    start = time.perf_counter()
    jax.block_until_ready(anneal(jax.random.fold_in(key, 1_000_001), betas, init))
    first = time.perf_counter() - start
    start = time.perf_counter()
    out = jax.block_until_ready(anneal(jax.random.fold_in(key, 1_000_002), betas, init))
    run = time.perf_counter() - start
    return _to_spins(out, index, reads, len(model.h)), build, first, run


def _thrml_worker(name: str, sweeps: int, seed: int, out: str) -> None:
    """Subprocess entry: anneal INSTANCES[name] with thrml and save spins and timings to ``out``."""
    model = INSTANCES[name]()
    program = pbit_program(model)
    spins, build, first, run = thrml_anneal(model, program.colors, sdk.pbit_anneal(program).sample(sweeps), READS, seed)
    np.savez(out, spins=spins, build=build, first=first, run=run, colours=len(np.unique(program.colors)))


def thrml_gibbs(model, name, sweeps=SWEEPS, seed=SEED):
    """Extropic thrml block Gibbs, same colouring and per-sweep anneal as the SONQ p-bit's; run in a
    subprocess so a compile that does not finish within THRML_BUDGET_S can be stopped and reported."""
    colours = len(np.unique(pbit_program(model).colors))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "thrml.npz"
        try:
            subprocess.run([sys.executable, "-m", "benchmarks.peers", "thrml", name, str(sweeps), str(seed), str(out)],
                           cwd=ROOT,
                           check=True, timeout=THRML_BUDGET_S, capture_output=True, text=True)
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"did not build and JIT-compile within {THRML_BUDGET_S} s: a dense graph needs "
                               f"{colours} one-spin colour blocks") from None
        except subprocess.CalledProcessError as exc:
            raise RuntimeError((exc.stderr.strip().splitlines() or ["failed"])[-1]) from None
        d = np.load(out)
        note = (f"{int(d['colours'])} colour blocks; not counted: build {float(d['build']):.1f} s, "
                f"JIT {float(d['first']) - float(d['run']):.1f} s")
        return d["spins"], float(d["run"]), note


def dwave_sa(model, name, sweeps=SWEEPS, seed=SEED):
    from dwave.samplers import SimulatedAnnealingSampler

    J = _dense_upper(model)
    i, j = np.nonzero(J)
    quad = {(int(a), int(b)): float(J[a, b]) for a, b in zip(i, j)}
    start = time.perf_counter()
    ss = SimulatedAnnealingSampler().sample_ising({k: 0.0 for k in range(len(model.h))}, quad,
                                                 num_reads=READS, num_sweeps=sweeps, seed=seed)
    seconds = time.perf_counter() - start
    return ss.record.sample[:, np.argsort(ss.variables)], seconds


def openjij_sa(model, name, sweeps=SWEEPS, seed=SEED):
    import openjij as oj

    J = _dense_upper(model)
    i, j = np.nonzero(J)
    quad = {(int(a), int(b)): float(J[a, b]) for a, b in zip(i, j)}
    start = time.perf_counter()  # seed=None: a fixed seed makes openjij return identical reads
    ss = oj.SASampler().sample_ising({k: 0.0 for k in range(len(model.h))}, quad, num_reads=READS,
                                     num_sweeps=sweeps, seed=None)
    seconds = time.perf_counter() - start
    return ss.record.sample[:, np.argsort(list(ss.variables))], seconds


def _sb(mode):
    def solve(model, name, sweeps=SWEEPS, seed=SEED):
        import simulated_bifurcation as sb
        import torch

        torch.manual_seed(seed)
        Q = torch.tensor(_dense_upper(model), dtype=torch.float32)
        start = time.perf_counter()
        spins, _ = sb.minimize(Q, domain="spin", agents=READS, max_steps=sweeps, mode=mode, best_only=False,
                               early_stopping=False, verbose=False, device="cpu")
        seconds = time.perf_counter() - start
        return spins.numpy(), seconds
    solve.__name__ = f"{mode}_sb"
    return solve


def _cim(cac: bool):  # AHC (cac=False) is too slow to run here: see cim_ahc_skipped
    def solve(model, name, sweeps=SWEEPS, seed=SEED):
        from cim_optimizer.solve_Ising import Ising

        np.random.seed(seed)  # cim-optimizer draws its initial states and noise from NumPy's global state
        J = model.J.toarray()
        start = time.perf_counter()  # cim-optimizer maximizes ½ sᵀJs: pass −J; no trajectories
        res = Ising(-J).solve(num_runs=READS, num_timesteps_per_run=sweeps, hyperparameters_randomtune=False,
                              return_spin_trajectories_all_runs=False, suppress_statements=True,
                              use_GPU=False, use_CAC=cac)
        seconds = time.perf_counter() - start
        return np.asarray(res.result["spin_config_all_runs"]).reshape(READS, -1), seconds
    solve.__name__ = "cim_cac" if cac else "cim_ahc"
    return solve


def cim_ahc_skipped(model, name, sweeps=SWEEPS, seed=SEED):
    raise RuntimeError("not run: AHC took 68 s for 32 reads of a 64-spin SK here (CAC: 3.4 s)")


SOLVERS = {
    **{f"SONQ {cell}": sonq_cell(chip) for cell, chip in SONQ_CHIPS.items()},
    "dwave-samplers SA": dwave_sa,
    "openjij SA": openjij_sa,
    "thrml block Gibbs (JAX CPU)": thrml_gibbs,
    "SB ballistic (torch CPU)": _sb("ballistic"),
    "SB discrete (torch CPU)": _sb("discrete"),
    "cim-optimizer CAC": _cim(True),
    "cim-optimizer AHC": cim_ahc_skipped,
}
# thrml compiles one program per budget in a subprocess: it runs the common budget only.
FIXED_BUDGETS = {"thrml block Gibbs (JAX CPU)": (SWEEPS,), "cim-optimizer AHC": (SWEEPS,)}
# Each thrml call is a fresh subprocess that builds and compiles before its own timed warm run.
NO_WARMUP = {"thrml block Gibbs (JAX CPU)", "cim-optimizer AHC"}
INSTANCES = {"SK N=1024 ±1": instances.sk, "G1": lambda: instances.gset("G1"),
             "G2": lambda: instances.gset("G2"), "G42": lambda: instances.gset("G42"),
             "3-regular N=2000": instances.regular3, "sparse ±1 N=800": instances.sparse_pm1}


def target_energy(outcomes: list[Outcome]) -> float:
    """Best energy any run of the instance found (any solver, any budget), relaxed by TARGET_GAP of
    its magnitude."""
    best = min(float(o.energies.min()) for o in outcomes if o.energies is not None)
    return best + TARGET_GAP * abs(best)


def run(log=print, solvers=SOLVERS, names=INSTANCES, budgets=BUDGETS, repeats=REPEATS,
        cap: float = LADDER_CAP_S) -> list[Outcome]:
    """Every solver on every instance over the budget ladder (``FIXED_BUDGETS`` for solvers that
    run one budget only), ``repeats`` seeded batches of READS reads per budget, pooled.  A solver's
    ladder stops once a batch holds a target-level read with probability ≥ 0.99 at some budget
    (larger budgets then only cost more) — judged against the best energy so far — or when the
    next budget would take longer than ``cap`` seconds.  One untimed call at the first budget warms
    each solver up (imports, JIT compiles, thread pools)."""
    out = []
    for name, build in names.items():
        model = build()
        group: list[Outcome] = []
        for solver, fn in solvers.items():
            ladder = FIXED_BUDGETS.get(solver, budgets)
            try:  # warm-up, not counted: imports, JIT compiles, thread pools
                if solver not in NO_WARMUP:
                    fn(model, name, ladder[0], SEED)
            except Exception:  # noqa: BLE001 - the timed call below reports it
                pass
            last = 0.0
            for budget in ladder:
                if last and last * budget / prev > cap:
                    log(f"  {name:14s} {solver:26s} stops before {budget}: it would take over {cap:.0f} s")
                    break
                try:
                    batches = [fn(model, name, budget, SEED + k) for k in range(repeats)]
                except Exception as exc:  # noqa: BLE001 - a failing peer is reported in the table
                    group.append(Outcome(name, solver, budget, math.nan, None, f"{type(exc).__name__}: {str(exc)[:110]}",
                                         len(model.h)))
                    log(f"  {name:14s} {solver:26s} {budget:6d} failed: {exc}")
                    break
                energies = np.concatenate([model.energy(np.where(np.asarray(b[0]) > 0, 1, -1)) for b in batches])
                seconds = float(np.mean([b[1] for b in batches]))
                note = batches[0][2] if len(batches[0]) > 2 else ""
                joules = float(np.mean([b[3] for b in batches])) if len(batches[0]) > 3 else math.nan
                group.append(Outcome(name, solver, budget, seconds, energies, note, len(model.h), joules))
                log(f"  {name:14s} {solver:26s} {budget:6d} {seconds:7.2f} s  best {energies.min():.0f}")
                last, prev = seconds, budget
                target = target_energy(group)
                p = float(np.mean(energies <= target + 1e-9))
                if 1 - (1 - p) ** READS >= 0.99:
                    break
        out += group
    return out


def summarize(outcomes: list[Outcome]) -> list[dict]:
    """Per instance, solver and budget: best and mean energy, p(target) with its Wilson interval over
    the pooled reads, TTS99 and its range (from the interval's ends); ``best`` marks each solver's
    lowest TTS99, and ``overlap`` on those rows says whose TTS ranges overlap the fastest solver's."""
    rows = []
    for name in dict.fromkeys(o.instance for o in outcomes):
        group = [o for o in outcomes if o.instance == name]
        target = target_energy(group)
        mine = []
        for o in group:
            if o.energies is None:
                mine.append({"instance": name, "solver": o.solver, "budget": o.budget, "note": o.note,
                             "nodes": o.nodes})
                continue
            hits, n = int(np.sum(o.energies <= target + 1e-9)), len(o.energies)
            lo, hi = sdk.wilson_interval(hits, n)
            batch_p = [1 - (1 - q) ** READS for q in (hits / n, hi, lo)]
            tts = [sdk.tts99(o.seconds, P) if P > 0 else math.inf for P in batch_p]
            ets = (sdk.ets99(READS * o.energy_per_read, batch_p[0]) if batch_p[0] > 0 else math.inf
                   ) if math.isfinite(o.energy_per_read) else math.nan
            mine.append({"instance": name, "solver": o.solver, "budget": o.budget, "seconds": o.seconds,
                         "best": float(o.energies.min()), "mean": float(o.energies.mean()), "target": target,
                         "p": hits / n, "ci": (lo, hi), "tts99": tts[0], "tts_range": (tts[1], tts[2]),
                         "energy_per_read": o.energy_per_read, "ets99": ets, "note": o.note, "nodes": o.nodes, "reads": n})
        _mark_best(mine)
        rows += mine
    return rows


def _mark_best(rows: list[dict]) -> None:
    """Flag each solver's lowest-TTS99 row, and on those rows whose range overlaps the fastest's."""
    best = {}
    for r in rows:
        if "p" in r and math.isfinite(r["tts99"]) and (r["solver"] not in best or r["tts99"] < best[r["solver"]]["tts99"]):
            best[r["solver"]] = r
    for r in best.values():
        r["best_of_solver"] = True
    if not best:
        return
    fastest = min(best.values(), key=lambda r: r["tts99"])
    for r in best.values():
        r["overlaps_fastest"] = r is not fastest and r["tts_range"][0] <= fastest["tts_range"][1]


def table(rows: list[dict]) -> list[str]:
    """Each solver's best budget per instance (the lowest TTS99), fastest first."""
    lines = ["| instance | solver | best budget | wall s (batch) | best energy | p(target) [95% CI] | TTS99 s [range] | "
             "overlaps fastest | J per read | ETS99 J | note |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name in dict.fromkeys(r["instance"] for r in rows):
        group = [r for r in rows if r["instance"] == name]
        best = sorted((r for r in group if r.get("best_of_solver")), key=lambda r: r["tts99"])
        missed = [s for s in dict.fromkeys(r["solver"] for r in group) if s not in {r["solver"] for r in best}]
        for r in best:
            lo, hi = r["ci"]
            t_lo, t_hi = r["tts_range"]
            overlap = "yes" if r.get("overlaps_fastest") else ("fastest" if r is best[0] else "no")
            lines.append(f"| {name} | {r['solver']} | {r['budget']} | {r['seconds']:.3g} | {r['best']:.0f} | "
                         f"{r['p']:.2f} [{lo:.2f}, {hi:.2f}] | {r['tts99']:.3g} [{t_lo:.3g}, {t_hi:.3g}] | {overlap} | "
                         f"{_joules(r['energy_per_read'])} | {_joules(r['ets99'])} | {r['note']} |")
        for solver in missed:
            mine = [r for r in group if r["solver"] == solver]
            reached = [r for r in mine if "p" in r]
            note = mine[-1].get("note", "")
            what = (f"target not reached up to budget {reached[-1]['budget']} (best {min(r['best'] for r in reached):.0f})"
                    if reached else f"failed: {note}")
            lines.append(f"| {name} | {solver} | – | – | – | 0 | ∞ | | – | – | {what} |")
    return lines


def _joules(value: float) -> str:
    """A table cell for joules: "–" where there is no chip energy (peers), ∞ where never solved."""
    return "–" if math.isnan(value) else ("∞" if math.isinf(value) else f"{value:.3g}")


# --- Distribution agreement with an exact reference: a 12-spin model both samplers can enumerate ------

DIST_SHAPE, DIST_T, DIST_CHAINS, DIST_WARMUP, DIST_SAMPLES, DIST_THIN = (3, 4), 1.0, 64, 100, 1000, 10


def thrml_sample(model, colors, temperature, chains, warmup, samples, thin, seed):
    """``chains`` chains of block Gibbs at fixed temperature (model units) with thrml's
    ``sample_states``: ``warmup`` sweeps, then ``samples`` states ``thin`` sweeps apart.  Returns
    spins (chains·samples, n) and the build, first-call and warm-run seconds."""
    import equinox as eqx
    import jax
    from thrml import SamplingSchedule, sample_states

    start = time.perf_counter()
    program, index = _thrml_program(model, colors, beta=1.0 / temperature)
    blocks = program.gibbs_spec.free_blocks
    build = time.perf_counter() - start
    schedule = SamplingSchedule(n_warmup=warmup, n_samples=samples, steps_per_sample=thin)

    @eqx.filter_jit
    def sample(key, init):
        return jax.vmap(lambda k, s: sample_states(k, program, schedule, s, [], blocks))(
            jax.random.split(key, chains), init)

    key = jax.random.key(seed)
    init = [jax.random.bernoulli(jax.random.fold_in(key, c), 0.5, (chains, len(idx))) for c, idx in enumerate(index)]
    start = time.perf_counter()
    jax.block_until_ready(sample(jax.random.fold_in(key, 1_000_001), init))
    first = time.perf_counter() - start
    start = time.perf_counter()
    out = jax.block_until_ready(sample(jax.random.fold_in(key, 1_000_002), init))
    run = time.perf_counter() - start
    out = [np.asarray(o).reshape(-1, len(idx)) for o, idx in zip(out, index)]
    return _to_spins(out, index, chains * samples, len(model.h)), build, first, run


def distribution(log=print) -> tuple[list[dict], float]:
    """TV distance to the exact Boltzmann distribution (and mean energy) of a ±1 spin glass on a 3×4
    king's graph at T = DIST_T, for SONQ's p-bit sampler, thrml and independent exact draws of the
    same count.  Returns the rows and the exact mean energy."""
    model = instances.kings(*DIST_SHAPE)
    states, p = sdk.exact_boltzmann(model, DIST_T)
    mean_energy = float(p @ model.energy(states))
    program = pbit_program(model)
    sweeps = DIST_WARMUP + DIST_SAMPLES * DIST_THIN
    rows = []

    def add(name, spins, seconds, note=""):
        tv = sdk.total_variation(p, sdk.empirical_distribution(spins))
        rows.append({"sampler": name, "samples": len(spins), "seconds": seconds, "tv": tv,
                     "energy": float(model.energy(spins).mean()), "note": note})
        log(f"  {name:30s} TV {tv:.4f}  {seconds:.3g} s")

    res = sdk.run(program, "c", num_reads=DIST_CHAINS, steps=sweeps, temperature=DIST_T, seed=SEED,
                  record_every=DIST_THIN, burn_in=DIST_WARMUP)
    add("SONQ p-bit (c)", res.samples, res.info["wall_time"], f"{DIST_CHAINS} chains × {sweeps} sweeps")
    try:
        spins, build, first, run = thrml_sample(model, program.colors, DIST_T, DIST_CHAINS, DIST_WARMUP,
                                                DIST_SAMPLES, DIST_THIN, SEED)
        add("thrml block Gibbs (JAX CPU)", spins, run,
            f"{DIST_CHAINS} chains × {sweeps} sweeps; not counted: build {build:.1f} s, JIT {first - run:.1f} s")
    except Exception as exc:  # noqa: BLE001 - a failing peer is reported in the table
        rows.append({"sampler": "thrml block Gibbs (JAX CPU)", "note": f"{type(exc).__name__}: {str(exc)[:70]}"})
        log(f"  thrml failed: {exc}")
    draws = np.random.default_rng(SEED).choice(len(p), size=DIST_CHAINS * DIST_SAMPLES, p=p)
    add("independent exact draws", states[draws], math.nan, "the floor: sampling noise alone at this count")
    return rows, mean_energy


def main(argv=None) -> None:
    """``python -m benchmarks.peers [--instances NAME ...] [--solvers NAME ...] [--budgets N ...]
    [--out FILE]``: the time-to-target table alone (``python -m benchmarks.run`` includes it)."""
    import argparse

    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("--instances", nargs="*", default=list(INSTANCES))
    ap.add_argument("--solvers", nargs="*", default=list(SOLVERS))
    ap.add_argument("--budgets", nargs="*", type=int, default=list(BUDGETS))
    ap.add_argument("--repeats", type=int, default=REPEATS)
    ap.add_argument("--cap", type=float, default=LADDER_CAP_S, help="seconds a ladder's next budget may take")
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    unknown = [x for x in args.instances if x not in INSTANCES] + [x for x in args.solvers if x not in SOLVERS]
    if unknown:
        ap.error(f"unknown instance or solver {unknown}; instances {list(INSTANCES)}, solvers {list(SOLVERS)}")
    start = time.perf_counter()
    rows = summarize(run(solvers={k: SOLVERS[k] for k in args.solvers}, names={k: INSTANCES[k] for k in args.instances},
                         budgets=tuple(args.budgets), repeats=args.repeats, cap=args.cap))
    command = " ".join(["python -m benchmarks.peers", *(sys.argv[1:] if argv is None else argv)])
    text = "\n".join([f"Produced by `{command}` in {(time.perf_counter() - start) / 60:.1f} min on "
                      f"{time.strftime('%Y-%m-%d %H:%M')} (load average {os.getloadavg()[0]:.1f} at the end).", "",
                      *table(rows), ""])
    if args.out:
        from device_models.files import atomic_write

        atomic_write(args.out, lambda f: f.write(text), text=True)
    print(text)


if __name__ == "__main__" and len(sys.argv) == 6 and sys.argv[1] == "thrml":
    _thrml_worker(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
elif __name__ == "__main__":
    main()
