"""Circuit-level physics in real ngspice and in the circuit emulator (same tests, both simulators).

Tolerances come from batch means (20 batches, so correlated series count by their effective
sample size): |measured − expected| < 4 standard errors (+ the stated deterministic bias).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest

import sdk
from circuits import A4, GAUSS8L, K_B, OIM8, four_cell_ising, pwl_covariance, rlc_tank
from compiler.netlist import CircuitOptions, SpiceOptions, lower, write_netlist
from device_models.errors import BackendError
from runtime.backends import c_backend
from runtime.circuit.backend import CircuitBackend, default_engine, draw_noise, integrator
from runtime.circuit.c_kernel import simulate_c
from runtime.circuit.integrate import simulate_numpy
from runtime.noise import SeededNoise
from runtime.spice.pyspice_runner import PySpiceRunner
from runtime.spice.runner import SubprocessRunner
from runtime.spice.simulate import simulate_spice

SIMULATORS = ["spice", "circuit"]
RUNNERS = {"subprocess": SubprocessRunner, "pyspice": PySpiceRunner}


def simulate(which: str, circuit, noise, record, substeps: int = 1, spice: SpiceOptions = SpiceOptions(),
             runner: str = "subprocess"):
    """Waveforms (record, N) and inductor currents (record, nL) of one replica (the emulator: its
    default engine)."""
    if which == "spice":
        with tempfile.TemporaryDirectory() as tmp:
            w = simulate_spice(circuit, noise, record, runner=RUNNERS[runner](), workdir=Path(tmp), options=spice)
    else:
        tape = np.zeros((circuit.steps + 1, 1, len(circuit.noise))) if noise is None else noise[:, None, :]
        w = integrator(default_engine())(circuit, tape, circuit.v0[None], circuit.i0[None], record, substeps)
    return w.v[:, 0], w.i[:, 0]


def batch_mean(x: np.ndarray, batches: int = 20) -> tuple[float, float]:
    """Mean and its standard error from batch means."""
    means = np.array([b.mean() for b in np.array_split(x, batches)])
    return float(means.mean()), float(means.std(ddof=1) / np.sqrt(batches))


@pytest.mark.parametrize("which", SIMULATORS)
def test_rlc_tank_equipartition(which):
    """⟨v²⟩ = kT/C and ⟨i_L²⟩ = kT/L for a Q = 2 tank at 10⁷ K over 4000 periods (dt = T₀/64: the
    PWL noise's band-limiting factor sinc⁴(f₀dt) = 0.998 at resonance; integrator bias < 0.3%).
    Standard error ≈ 1.1%, so a 10% error in the noise amplitude fails."""
    C, L, T = 1e-12, 1e-8, 1e7
    g = np.sqrt(C / L) / 2
    T0 = 2 * np.pi * np.sqrt(L * C)
    steps = 64 * 4000
    circuit = rlc_tank(C, L, g, T, T0 / 64, steps)
    noise = circuit.noise_samples(np.random.default_rng(11).standard_normal((steps + 1, 1)))
    v, i = simulate(which, circuit, noise, np.arange(steps // 20, steps + 1))
    band = np.sinc(1 / 64) ** 4
    for x, target in ((v[:, 0] ** 2, K_B * T / C), (i[:, 0] ** 2, K_B * T / L)):
        mean, se = batch_mean(x / target)
        assert abs(mean - band) < 3 * se + 0.003, (which, mean, se)
        assert se < 0.015


def test_injected_noise_arrives_in_ngspice(tmp_path):
    """A resistor with RC = dt/1000 turns the noise current into v = R·w(t): at every one of
    ngspice's own time points v/R must equal the tape interpolated there, and the tape's variance is
    S₂/dt = 4kTg·B (B = 1/(2dt)).  Zero noise (over-long filesource lines) fails both."""
    g, T, dt, steps = 1e-3, 1e6, 1e-9, 4000
    circuit = rlc_tank(1e-15, 1.0, g, T, dt, steps)  # L = 1 H: the inductor carries nothing
    noise = circuit.noise_samples(np.random.default_rng(3).standard_normal((steps + 1, 1)))
    netlist = write_netlist(circuit, noise)
    vectors = SubprocessRunner().run(netlist, tmp_path)
    t, v = vectors["time"], vectors["v(n1)"]
    delivered = np.interp(t, np.arange(steps + 1) * dt, noise[:, 0])
    late = t > 10 * 1e-15 / g
    # trap integration of the stiff node rings slightly at the PWL corners: compare in bulk
    assert np.corrcoef(v[late] * g, delivered[late])[0, 1] > 0.99
    assert abs(np.var(v[late] * g) / np.var(delivered[late]) - 1) < 0.05
    expected = 2 * K_B * T * g / dt
    assert abs(np.var(noise) / expected - 1) < 4 * np.sqrt(2 / steps)


@pytest.fixture(scope="module")
def oim_circuit():
    program = sdk.compile(four_cell_ising(), OIM8)
    steps, dt = 40, 0.1   # 4 time units = 20 periods at 5 periods per time unit
    low = lower(program, steps=steps, dt=dt, schedules={"temperature": np.zeros(steps), "shil": np.full(steps, 0.5)},
                init=np.array([0.1, 1.0, 2.5, -2.0]),
                options=CircuitOptions(steps_per_period=500, periods_per_time_unit=5))
    return low.circuit


@pytest.mark.parametrize("engine", ["numba", "c"])
@pytest.mark.parametrize("case", ["oim", "I", "P", "PL"])
def test_engines_agree(request, case, engine):
    """The NumPy reference and the compiled engines (Numba, C) run the same arithmetic: the oim
    circuit and each gauss design, noise on, give the same waveforms to rounding (measured: ≤ 2e-15
    of the largest value, C and Numba bit for bit equal under GCC; the tolerance leaves room for
    other compilers)."""
    if case == "oim":
        c = request.getfixturevalue("oim_circuit")
    else:
        program = sdk.compile(sdk.GaussianModel(A4, b=[0.5, 0.0, -0.3, 0.2]), GAUSS8L, quantize=False)
        c = lower(program, steps=500, dt=0.1, schedules={"temperature": np.ones(500), "shil": np.zeros(500)}, init=np.ones(4),
                  options=CircuitOptions(gauss_design=case)).circuit
    noise = draw_noise(c, SeededNoise(2), 2) * 30
    v0, i0, record = np.stack([c.v0, -c.v0]), np.stack([c.i0, c.i0]), np.array([0, c.steps // 2, c.steps])
    a, b = (f(c, noise, v0, i0, record) for f in (simulate_numpy, integrator(engine)))
    for x, y in ((a.v, b.v), (a.i, b.i)):
        np.testing.assert_allclose(x, y, rtol=0, atol=1e-9 * np.abs(x).max(initial=0.0))


def test_c_engine_threads(oim_circuit):
    """Replicas are independent in the C engine: one thread or several give the same bits."""
    c = oim_circuit
    noise = draw_noise(c, SeededNoise(4), 3) * 30
    v0, i0, record = np.stack([c.v0, -c.v0, 0.5 * c.v0]), np.stack([c.i0] * 3), np.arange(c.steps + 1)
    one, many = (simulate_c(c, noise, v0, i0, record, threads=t) for t in (1, 3))
    np.testing.assert_array_equal(one.v, many.v)
    np.testing.assert_array_equal(one.i, many.i)
    with pytest.raises(ValueError, match="noise must have shape"):
        simulate_c(c, noise[:, :2], v0, i0, record)


def test_engine_default_and_unbuilt_extension(monkeypatch):
    """The default engine is C when the extension is built; without it the default falls back to
    Numba, and asking for C says why it is unavailable and how to build it."""
    assert CircuitBackend().engine == default_engine() == "c"
    with pytest.raises(BackendError, match="engine must be"):
        CircuitBackend(engine="fortran")
    monkeypatch.setattr(c_backend, "_sonq_c", None)
    monkeypatch.setattr(c_backend, "_IMPORT_ERROR", "No module named 'runtime.backends._sonq_c'", raising=False)
    assert CircuitBackend().engine == default_engine() == "numba"
    unavailable = r"circuit engine 'c' is unavailable: the C extension is not built.*_c_build\.py"
    for call in (lambda: CircuitBackend(engine="c"), lambda: simulate_c(None, None, None, None, None)):
        with pytest.raises(BackendError, match=unavailable):
            call()


@pytest.mark.parametrize("runner", sorted(RUNNERS))
@pytest.mark.parametrize("noisy", [False, True])
def test_deterministic_agreement_oim(oim_circuit, noisy, runner):
    """Same initial conditions (and the same noise tape): the tanks' differential voltages agree
    to 1e-3 of their amplitude over 20 periods (ngspice trap, TMAX = T₀/2000, reltol 1e-7;
    emulator h = T₀/2000; each alone is within ~3e-4 of a 4× finer run), with either runner."""
    c = oim_circuit
    noise = draw_noise(c, SeededNoise(5), 1)[:, 0] * 30 if noisy else None
    record = np.arange(c.steps + 1)
    vs, _ = simulate("spice", c, noise, record, spice=SpiceOptions(reltol=1e-7, max_step_divisor=4), runner=runner)
    ve, _ = simulate("circuit", c, noise, record, substeps=4)
    ds, de = vs[:, 0::2] - vs[:, 1::2], ve[:, 0::2] - ve[:, 1::2]
    assert np.abs(ds - de).max() < 1e-3 * np.abs(ds).max()


@pytest.mark.parametrize("design", ["I", "P", "PL"])
@pytest.mark.parametrize("backend", SIMULATORS)
def test_gauss_covariance(backend, design):
    """Stationary covariance of x = v/V₀ is T·A⁻¹ (kT_eff/c₀·A⁻¹ in volts²) for designs I, P and
    the underdamped PL (Q = 1).  Band-limiting and integrator bias ≤ (7/15)·λ_max·dt ≈ 2.5%;
    statistical error from the spread over replicas."""
    program = sdk.compile(sdk.GaussianModel(A4), GAUSS8L, quantize=False)
    T = program.default_temperature / program.scale
    A_dev = program.couplings.toarray() + np.diag(2 * program.poly[:, 0])
    R = 32
    result = sdk.run(program, backend=backend, num_reads=R, steps=6000, dt=0.05, record_every=1, burn_in=200,
                     seed=7, backend_options={"gauss_design": design})
    x = result.samples.reshape(-1, R, 4)                      # (steps, replicas, n)
    target = T * np.linalg.inv(A_dev)
    per_replica = np.einsum("sri,srj->rij", x, x) / x.shape[0]
    est = per_replica.mean(axis=0)
    se = per_replica.std(axis=0, ddof=1) / np.sqrt(R)
    assert np.all(np.abs(est - target) < 4 * se + 0.025 * np.abs(target).max()), (est, target, se)
    # one scalar with a small error: tr(A Σ)/(nT) = 1, standard error ≈ 1.5%
    scalar = np.einsum("ij,rji->r", A_dev, per_replica) / (4 * T)
    assert abs(scalar.mean() - 1) < 3 * scalar.std(ddof=1) / np.sqrt(R) + 0.025, (scalar.mean(), scalar.std())


@pytest.mark.parametrize("which", SIMULATORS)
def test_gauss_underdamped_equipartition(which):
    """Design PL (series R–L branches, Q = 1) with b ≠ 0: around the mean V₀A⁻¹b the voltages have
    tr(AΣ)/(nT) = 1 (Σ = T·A⁻¹ in x = v/V₀) and every branch current, around g_e·u_e, has
    ⟨δi²⟩ = kT_eff/L_e — each times the piecewise-linear tape's band-limiting factor, computed exactly
    from the circuit's transfer function (0.998 and 0.954 at dt = 0.1/ω₀: an R–L branch's current
    sees its EMF's whole bandwidth, so its factor is first order in γ·dt).  120k samples after a
    burn-in of 10 time units, 20 batch means: standard error ≈ 1.2% per branch, so the tolerance
    (4 se + 0.5% for integrator bias) fails a 5% error in the series noise amplitude."""
    program = sdk.compile(sdk.GaussianModel(A4, b=[0.5, 0.0, -0.3, 0.2]), GAUSS8L, quantize=False)
    T = program.default_temperature / program.scale
    A_dev = program.couplings.toarray() + np.diag(2 * program.poly[:, 0])
    steps, dt = 120_000, 0.1
    c = lower(program, steps=steps, dt=dt, schedules={"temperature": np.full(steps, T), "shil": np.zeros(steps)}, init=np.zeros(4),
              options=CircuitOptions(gauss_design="PL")).circuit
    v, i = simulate(which, c, draw_noise(c, SeededNoise(1), 1)[:, 0], np.arange(100, steps + 1))
    V0, kT = c.probe_scale, T * GAUSS8L.components["capacitance"] * c.probe_scale**2
    mean_v = V0 * np.linalg.solve(A_dev, -program.fields)
    mean_i = (np.append(0.0, mean_v)[c.inductors.a] - np.append(0.0, mean_v)[c.inductors.b]) / c.inductor_r
    band = pwl_covariance(c)
    x = (v - mean_v) / V0
    checks = [(np.einsum("ij,si,sj->s", A_dev, x, x) / (4 * T), np.trace(A_dev @ band[:4, :4]) / V0**2 / (4 * T))]
    checks += [((i[:, k] - mean_i[k]) ** 2 * L / kT, band[4 + k, 4 + k] * L / kT) for k, L in enumerate(c.inductors.value)]
    for k, (ratio, target) in enumerate(checks):
        mean, se = batch_mean(ratio)
        assert abs(mean - target) < 4 * se + 0.005, (which, k, mean, target, se)
        assert se < 0.02
