"""QTT compression of chip states: each replica's field reshaped to the MPO's digit modes and
decomposed by TT-SVD (:func:`compiler.tt.tt_svd`) with a rank cap and a relative tolerance.

The error bound checked on every compression (Oseledets 2011, Theorem 2.2): sequential TT-SVD
makes orthogonal truncations, so ``‖x − x̂‖² ≤ Σ_k ‖s_k[r_k:]‖²`` with ``s_k`` the singular values
computed at bond k (``TensorTrain.spectra``) and ``r_k`` the kept rank — whether the tolerance
(``≤ eps‖x‖`` in total) or the rank cap decided ``r_k``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from compiler.tt import laplacian_2d_mpo, tt_svd


@dataclass(frozen=True, eq=False)
class Compressed:
    """The QTT compression of R states of n cells.

    Attributes:
        states: (R, n) reconstructions x̂.
        ranks: (R, d+1) bond ranks ``(1, r_1, …, r_{d−1}, 1)`` of each replica's train.
        parameters: (R,) stored numbers of each train.
        errors: (R,) ``‖x − x̂‖₂``.
        bounds: (R,) ``√(Σ_k ‖s_k[r_k:]‖²)``, the TT-SVD bound on ``errors``.
        norms: (R,) ``‖x‖₂``.
        spectra: replica 0's singular values at each of the d−1 bonds.
    """

    states: np.ndarray
    ranks: np.ndarray
    parameters: np.ndarray
    errors: np.ndarray
    bounds: np.ndarray
    norms: np.ndarray
    spectra: tuple[np.ndarray, ...]

    @property
    def compression_ratio(self) -> float:
        """Cells per stored number, averaged over replicas (> 1: the trains are smaller)."""
        return float(np.mean(self.states.shape[1] / self.parameters))

    @property
    def mse(self) -> float:
        """Reconstruction loss: mean over replicas and cells of ``(x − x̂)²``."""
        return float(np.sum(self.errors**2) / self.states.size)


def qtt_modes(rows: int, cols: int) -> tuple[int, ...]:
    """QTT mode sizes of a row-major rows × cols field: the digits of the torus's own MPO
    (:func:`compiler.tt.laplacian_2d_mpo`; 13 twos for 128 × 64), so a field's train and the
    coupling MPO share modes.

    Raises:
        ModelError: rows or cols below 3.
    """
    return tuple(c.shape[1] for c in laplacian_2d_mpo(rows, cols).cores)


def compress(states: np.ndarray, modes: tuple[int, ...], eps: float, max_rank: int) -> Compressed:
    """Compress every row of ``states`` (R, n = Πmodes) as a QTT of mode sizes ``modes``.

    Args:
        states: (R, n) fields, each row-major over the torus.
        modes: the QTT mode sizes (e.g. 13 twos for 128 × 64).
        eps: TT-SVD relative tolerance; max_rank: bond rank cap.
    """
    states = np.asarray(states, dtype=np.float64)
    out, ranks, params, errors, bounds, spectra = [], [], [], [], [], ()
    for r, x in enumerate(states):
        tt = tt_svd(x.reshape(modes), eps=eps, max_rank=max_rank)
        x_hat = tt.full().ravel()
        out.append(x_hat)
        ranks.append(tt.ranks)
        params.append(tt.num_parameters)
        errors.append(np.linalg.norm(x - x_hat))
        bounds.append(np.sqrt(sum(float(np.sum(s[k:] ** 2)) for s, k in zip(tt.spectra, tt.ranks[1:-1]))))
        if r == 0:
            spectra = tt.spectra
    return Compressed(np.array(out), np.array(ranks), np.array(params), np.array(errors), np.array(bounds),
                      np.linalg.norm(states, axis=1), spectra)


def effective_rank(modes: tuple[int, ...], parameters: float) -> float:
    """The uniform bond rank r of a train with ``modes`` holding ``parameters`` numbers:
    the root of ``(n_1 + n_d)·r + (Σ_{1<k<d} n_k)·r² = parameters`` (``parameters/n_1`` for d = 1)."""
    if len(modes) == 1:
        return float(parameters) / modes[0]
    a, b = float(sum(modes[1:-1])), float(modes[0] + modes[-1])
    if a == 0:
        return float(parameters) / b
    return float((-b + np.sqrt(b * b + 4 * a * parameters)) / (2 * a))
