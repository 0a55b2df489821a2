"""Conformance checks a new SONQ backend must pass (like ``dimod.testing``).

Each check raises ``AssertionError`` with the measured numbers when the backend disagrees with
physics or with the NumPy reference.  Use them in a backend's own test suite::

    from sdk.testing import check_backend
    check_backend("mybackend")
"""

from __future__ import annotations

import numpy as np

from compiler import GaussianModel, IsingModel, LangevinModel, compile
from device_models.cells import CELLS
from device_models.registry import list_devices
from runtime.backends import backend_class
from runtime import NoiseTape, SeededNoise, run
from sdk.analysis import effective_sample_size, empirical_distribution, exact_boltzmann, total_variation, tv_tolerance


def _small_models() -> dict:
    """A 6-variable model per registered cell, on that cell's smallest all-to-all shipped chip: a
    random ±1 Ising model with fields for spin cells, a coupled double-well Langevin model for
    real ones."""
    r = np.random.default_rng(7)
    J = np.triu(r.choice([-1.0, 1.0], (6, 6)), 1)
    J = J + J.T
    chips = sorted((d for d in list_devices() if d.topology.kind == "all_to_all"), key=lambda d: d.cells)
    out = {}
    for name, cell in CELLS.items():
        device = next((d.name for d in chips if d.cell == cell), None)
        if device is not None:
            out[name] = ((IsingModel(np.linspace(-1, 1, 6), 0.5 * J) if cell.domain == "spin"
                          else LangevinModel(1.0, 2.0, J=0.3 * J, b=0.2)), device)
    return out


def check_noise_tape(backend: str, reference: str = "numpy", cells=None, integrators=None, rtol: float = 1e-9,
                     **backend_options) -> None:
    """Given the same pre-drawn increments, ``backend`` follows the reference trajectory to
    ``rtol`` (float64) for every cell type (or those named in ``cells``) and each of its step
    rules (or those in ``integrators``) that ``backend`` runs."""
    runs_here = backend_class(backend).cells()
    for cell, (model, device) in _small_models().items():
        if (cells is not None and cell not in cells) or cell not in runs_here:
            continue
        prog = compile(model, device)
        steps, R, m = 120, 3, prog.num_nodes
        tape = getattr(SeededNoise(1), prog.cell.noise)((steps, R, m))
        for integrator in prog.cell.integrators if integrators is None else \
                [i for i in prog.cell.integrators if i in integrators]:
            runs = [run(prog, name, num_reads=R, steps=steps, seed=2, temperature=0.5, integrator=integrator,
                        record_every=40, noise=NoiseTape(tape), backend_options=opts)
                    for name, opts in ((reference, None), (backend, backend_options))]
            a, b = (x.trajectory.raw for x in runs)
            err = np.max(np.abs(a - b) / (np.abs(a) + 1e-12))
            assert np.allclose(a, b, rtol=rtol, atol=1e-12), \
                f"{backend} departs from {reference} on {cell}/{integrator}: max relative difference {err:.3g}"


def check_equipartition(backend: str, **backend_options) -> None:
    """A single overdamped cell ``E = ½ a x²`` at temperature T has ⟨x²⟩ = T/a: the measured value
    must lie within 4σ of it (σ from the effective sample size) plus Heun's bias (λh)²/4."""
    a, T = 2.0, 1.0
    prog = compile(GaussianModel(np.array([[a]])), "gauss8")
    res = run(prog, backend, num_reads=256, steps=8000, temperature=T, seed=3, record_every=10,
              burn_in=200, backend_options=backend_options)
    x2 = res.samples[:, 0].astype(np.float64) ** 2
    x2 = x2.reshape(-1, 256)
    rel = x2.mean() * a / T - 1
    sigma = np.sqrt(2 / effective_sample_size(x2))
    bias = (a / prog.scale * res.info["dt"]) ** 2 / 4
    assert abs(rel) < 4 * sigma + bias, f"{backend}: ⟨x²⟩a/T − 1 = {rel:+.4f}, σ = {sigma:.4f}"


def check_boltzmann(backend: str, **backend_options) -> None:
    """The p-bit cell samples exp(−E/T) on a 6-spin model: total variation within the bound
    implied by the effective sample size."""
    model, device = _small_models()["pbit"]
    T = 1.0
    res = run(compile(model, device, quantize=False), backend, num_reads=64, steps=2000, temperature=T,
              seed=4, record_every=2, burn_in=40, backend_options=backend_options)
    _, exact = exact_boltzmann(model, T)
    n_eff = effective_sample_size(res.trajectory.energies[res.trajectory.steps > 40])
    tv = total_variation(empirical_distribution(res.samples), exact)
    bound = tv_tolerance(exact, n_eff)
    assert tv < bound, f"{backend}: TV {tv:.4f} ≥ bound {bound:.4f} (n_eff {n_eff:.0f})"


def check_backend(backend: str, **backend_options) -> None:
    """Every conformance check."""
    check_noise_tape(backend, **backend_options)
    check_equipartition(backend, **backend_options)
    check_boltzmann(backend, **backend_options)
