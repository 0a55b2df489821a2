"""Polynomial losses that the Langevin (``gauss``) chip implements as its energy.

A loss over parameters θ ∈ ℝᵈ has the energy form of ``docs/physics.md#conventions``::

    L(θ) = offset + hᵀθ + ½θᵀJθ + Σ_i (c₂ᵢθ_i² + c₃ᵢθ_i³ + c₄ᵢθ_i⁴),    J symmetric, zero diagonal

which is a :class:`~compiler.models.LangevinModel` (``quartic = c₄``, ``quadratic = −c₂``,
``cubic = c₃``, ``b = −h``) plus a constant.  The chip integrates ``dθ = −∇L dt + √(2D dt) ξ`` with
D the temperature in the loss's units and t model time (``docs/physics.md#conventions``).
"""

from __future__ import annotations

from dataclasses import dataclass
import numpy as np

from compiler.models.langevin import LangevinModel
from device_models.errors import ModelError


@dataclass(frozen=True, eq=False)
class PolynomialLoss:
    """A loss the chip implements: its model (the θ-dependent part) and a constant.

    Attributes:
        model: the energy without its constant (model units); its coefficients are checked
            there (a density ``exp(−L/D)`` must be normalizable).
        offset: constant added to the model's energy (shifts L, not the dynamics).
        name: label for plots and tables.
    """

    model: LangevinModel
    offset: float = 0.0
    name: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.model, LangevinModel):
            raise ModelError(f"model must be a LangevinModel, got {type(self.model).__name__}")
        if not np.isfinite(self.offset):
            raise ModelError(f"offset must be finite, got {self.offset!r}")

    @property
    def dim(self) -> int:
        """Number of parameters d."""
        return self.model.num_variables

    @property
    def _terms(self):
        ir = self.model.to_ir()
        return ir.h, ir.J, ir.poly[:, 0], ir.poly[:, 1], ir.poly[:, 2]

    def value(self, theta: np.ndarray) -> np.ndarray:
        """L(θ) for θ of shape (..., d); returns shape (...)."""
        return self.model.energy(self._check(theta)) + self.offset

    def gradient(self, theta: np.ndarray) -> np.ndarray:
        """∇L = h + Jθ + 2c₂θ + 3c₃θ² + 4c₄θ³, shape (..., d) like θ."""
        theta = self._check(theta)
        h, J, c2, c3, c4 = self._terms
        coupled = (J @ theta.reshape(-1, self.dim).T).T.reshape(theta.shape)
        return h + coupled + 2 * c2 * theta + 3 * c3 * theta**2 + 4 * c4 * theta**3

    def laplacian(self, theta: np.ndarray) -> np.ndarray:
        """ΔL = Σ_i (2c₂ᵢ + 6c₃ᵢθ_i + 12c₄ᵢθ_i²) (J has a zero diagonal), shape (...)."""
        theta = self._check(theta)
        _, _, c2, c3, c4 = self._terms
        return np.sum(2 * c2 + 6 * c3 * theta + 12 * c4 * theta**2, axis=-1)

    def node_polynomial(self, i: int) -> np.polynomial.Polynomial:
        """The one-variable loss ``U_i(x) = h_i x + c₂ᵢx² + c₃ᵢx³ + c₄ᵢx⁴`` of an uncoupled parameter
        (its marginal dynamics are then one-dimensional), as a callable polynomial.

        Raises:
            ModelError: ``i`` out of range, or parameter i coupled to another.
        """
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or not 0 <= i < self.dim:
            raise ModelError(f"parameter index must be an integer in 0..{self.dim - 1}, got {i!r}")
        h, J, c2, c3, c4 = self._terms
        if J.indptr[i + 1] > J.indptr[i]:
            raise ModelError(f"parameter {i} is coupled to others: its dynamics are not one-dimensional")
        return np.polynomial.Polynomial([0.0, h[i], c2[i], c3[i], c4[i]])

    def marginal(self, i: int) -> "PolynomialLoss":
        """The one-parameter loss of an uncoupled parameter i: ``U_i`` of :meth:`node_polynomial` (the
        other parameters' terms are constants for θ_i's dynamics)."""
        u = self.node_polynomial(i).coef
        model = LangevinModel(quartic=u[4], quadratic=-u[2], cubic=u[3], b=-u[1], n=1)
        return PolynomialLoss(model, name=f"{self.name} (θ{i + 1} alone)" if self.name else "")

    def curvatures(self) -> np.ndarray:
        """(d,) Hessian eigenvalues ``λ_i = 2c₂ᵢ`` of a separable quadratic loss.

        Raises:
            ModelError: the loss has couplings or cubic/quartic terms.
        """
        _, J, c2, c3, c4 = self._terms
        if J.nnz or np.any(c3) or np.any(c4):
            raise ModelError("curvatures are defined here for separable quadratic losses "
                             "(no couplings, no cubic or quartic terms)")
        return 2 * c2

    def minimum(self) -> np.ndarray:
        """(d,) the minimiser ``−h/λ`` of a separable quadratic loss (see :meth:`curvatures`)."""
        return -self._terms[0] / self.curvatures()

    def _check(self, theta) -> np.ndarray:
        theta = np.asarray(theta, dtype=np.float64)
        if theta.ndim < 1 or theta.shape[-1] != self.dim:
            raise ModelError(f"θ must have shape (..., {self.dim}), got {theta.shape}")
        return theta


def double_well() -> PolynomialLoss:
    """``L(θ) = (θ₁² − 1)² + θ₂²``: minima at (±1, 0), saddle at the origin, barrier ΔL = 1;
    curvatures ∂²L/∂θ₁² = 8 at the minima and −4 at the saddle, ∂²L/∂θ₂² = 2."""
    return PolynomialLoss(LangevinModel(quartic=[1.0, 0.0], quadratic=[2.0, -1.0]), offset=1.0,
                          name="(θ₁² − 1)² + θ₂²")


def separable_quadratic(dim: int = 50, condition: float = 100.0) -> PolynomialLoss:
    """``L(θ) = ½ Σ_i λ_i θ_i²`` with ``λ_i = condition^{i/(d−1)}``: curvatures log-spaced from 1 to
    ``condition`` (the Hessian's condition number), minimum at 0.

    Raises:
        ModelError: ``dim`` not an integer ≥ 1, or ``condition`` not a finite number ≥ 1.
    """
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim < 1:
        raise ModelError(f"dim must be an integer ≥ 1, got {dim!r}")
    if isinstance(condition, bool) or not isinstance(condition, (int, float)) or not (
            np.isfinite(condition) and condition >= 1):
        raise ModelError(f"condition must be a finite number ≥ 1, got {condition!r}")
    lam = condition ** (np.arange(dim) / max(dim - 1, 1)) if dim > 1 else np.ones(1)
    return PolynomialLoss(LangevinModel(quartic=0.0, quadratic=-lam / 2), name=f"quadratic d = {dim}, κ = {condition:g}")
