"""The Gaussian Markov random field posterior the chip samples.

Prior: ``x ~ N(0, Q⁻¹)`` with the ``gaussian_lattice`` precision ``Q = mass·I + coupling·L_torus``
(``L`` the torus graph Laplacian, :func:`compiler.tt.gaussian_lattice_mpo`).  Observation: the
input field ``f`` plus white noise, ``y = f + σξ``.  Posterior::

    P = Q + I/σ²,   μ = P⁻¹ y/σ²,   x | y ~ N(μ, P⁻¹),

i.e. the Gaussian energy ``E(x) = ½xᵀPx − (y/σ²)ᵀx`` at temperature 1 (model units), which
:func:`compiler.compile` programs onto the chip.  The chip samples what was *programmed*
(DAC-quantized conductances): ``P_chip = scale·(J + 2 diag c₂)``, ``b_chip = −scale·h`` from the
Program's device-unit couplings ``J``, quadratic node terms ``c₂`` and fields ``h``.  The exact
answer the samples are judged against is ``μ_chip = P_chip⁻¹ b_chip`` by a sparse direct solve.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from compiler import compile
from compiler.models.gaussian import GaussianModel
from compiler.program import Program
from compiler.tt import TTMatrix, gaussian_lattice_mpo
from device_models.registry import load_device
from device_models.spec import DeviceSpec
from sdk.pipeline.errors import PipelineError


@dataclass(frozen=True)
class GMRFPrior:
    """Prior precision ``Q = mass·I + coupling·L_torus`` and observation noise σ (model units).

    Attributes:
        mass: > 0, the precision of every cell alone (sets the prior's variance scale).
        coupling: ≥ 0, neighbour coupling (correlation length ≈ √(coupling/mass) cells).
        noise_sigma: > 0, standard deviation σ of the observation noise.
    """

    mass: float = 0.25
    coupling: float = 1.5
    noise_sigma: float = 0.5

    def __post_init__(self):
        for name, low, strict in (("mass", 0.0, True), ("coupling", 0.0, False), ("noise_sigma", 0.0, True)):
            value = getattr(self, name)
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) and np.isfinite(value) and (
                value > low if strict else value >= low)
            if not ok:
                raise PipelineError(f"{name} must be a finite number {'>' if strict else '≥'} {low:g}, got {value!r}")


@dataclass(frozen=True, eq=False)
class FieldPosterior:
    """A posterior programmed on a chip.

    Attributes:
        device: the chip (``gauss`` cells on a ``torus2d``), rows × cols cells.
        prior: the GMRF prior and noise level.
        field: (rows, cols) input field (noise-free), in [0, 1].
        observation: (rows, cols) ``y = field + σξ``.
        mpo: the prior precision Q as a QTT matrix; its mode sizes are the QTT modes of a field.
        program: the compiled posterior energy.
        precision: (n, n) CSR ``P_chip``, model units, as programmed (quantized).
        linear: (n,) ``b_chip``.
        exact_mean: (n,) ``P_chip⁻¹ b_chip`` (sparse direct solve).
    """

    device: DeviceSpec
    prior: GMRFPrior
    field: np.ndarray
    observation: np.ndarray
    mpo: TTMatrix
    program: Program
    precision: sp.csr_matrix
    linear: np.ndarray
    exact_mean: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return self.field.shape

    @property
    def modes(self) -> tuple[int, ...]:
        """QTT mode sizes of a row-major field: the MPO's digits (rows' digits, then columns')."""
        return tuple(c.shape[1] for c in self.mpo.cores)


def torus_device(device: "str | DeviceSpec") -> DeviceSpec:
    """The chip, checked to be a ``gauss`` chip on a ``torus2d`` (the ``gaussian_lattice`` coupling).

    Raises:
        PipelineError: another cell or topology.
    """
    spec = load_device(device)
    if spec.cell.name != "gauss" or spec.topology.kind != "torus2d":
        raise PipelineError(f"network.topology must be a gauss chip on a torus2d (e.g. toroidal_8k), got "
                            f"{spec.name!r} ({spec.cell.name} cells, {spec.topology.kind} topology)")
    return spec


def build_posterior(device: "str | DeviceSpec", field: np.ndarray, prior: GMRFPrior = GMRFPrior(),
                    rng: np.random.Generator | None = None) -> FieldPosterior:
    """Observe ``field`` with noise σ (drawn from ``rng``), build and compile the posterior.

    Args:
        device: a ``gauss`` torus chip (name, YAML path or spec).
        field: (rows, cols) input in [0, 1] (:mod:`sdk.pipeline.field`), the chip's torus shape.
        prior: prior precision parameters and σ.
        rng: generator of the observation noise (default: seed 0).
    """
    spec = torus_device(device)
    rows, cols = spec.topology.rows, spec.topology.cols
    field = np.asarray(field, dtype=np.float64)
    if field.shape != (rows, cols):
        raise PipelineError(f"the field must have the torus shape ({rows}, {cols}), got {field.shape}")
    rng = np.random.default_rng(0) if rng is None else rng
    observation = field + prior.noise_sigma * rng.standard_normal(field.shape)
    mpo = gaussian_lattice_mpo(rows, cols, mass=prior.mass, coupling=prior.coupling)
    noise_precision = 1.0 / prior.noise_sigma**2
    posterior = (mpo.to_sparse() + noise_precision * sp.identity(rows * cols, format="csr")).tocsr()
    program = compile(GaussianModel(posterior, noise_precision * observation.ravel()), spec)
    precision, linear = programmed_gaussian(program)
    mean = spla.spsolve(precision.tocsc(), linear)
    return FieldPosterior(spec, prior, field, observation, mpo, program, precision, linear, mean)


def programmed_gaussian(program: Program) -> tuple[sp.csr_matrix, np.ndarray]:
    """``(P_chip, b_chip)`` in model units: the Gaussian the chip samples at temperature 1,
    ``E = ½xᵀP_chip x − b_chipᵀx`` with ``P_chip = scale·(J + 2 diag c₂)``, ``b_chip = −scale·h``.

    Raises:
        PipelineError: the program has cubic or quartic node terms, or cells placed off identity.
    """
    if np.any(program.poly[:, 1:]) or not np.array_equal(program.placement, np.arange(program.num_nodes)):
        raise PipelineError("the program is not a Gaussian field placed cell by cell")
    precision = program.scale * (program.couplings + sp.diags(2.0 * program.poly[:, 0]))
    return sp.csr_matrix(precision), -program.scale * np.asarray(program.fields, dtype=np.float64)
