"""The belief-state simplex of a 3-state hidden Markov model (Mess3): sampled sequences beside the
exact distribution of beliefs."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np

from compiler.tt.hmm import HMM
from device_models.files import check_output_path
from sdk.analysis import total_variation, tv_tolerance
from sdk.errors import AnalysisError
from sdk.plots._figure import pyplot, save

MAX_EXACT_LENGTH = 8  # 3⁸ = 6561 words enumerated for the exact panel


def belief_points(hmm: HMM, words: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Beliefs ``P(h | prefix)`` after every prefix of every word, merged over equal prefixes.

    Args:
        hmm: a 3-state model.
        words: (S, L) symbols.
        weights: (S,) weight of each word.

    Returns:
        beliefs (P, 3) and their total weights (P,) (each prefix length carries 1/L of the weight).
    """
    table: dict[tuple, float] = {}
    for word, w in zip(words, weights):
        for k in range(1, len(word) + 1):
            key = tuple(int(s) for s in word[:k])
            table[key] = table.get(key, 0.0) + float(w) / len(word)
    prefixes = list(table)
    return np.array([hmm.belief(p) for p in prefixes]), np.array([table[p] for p in prefixes])


def simplex_xy(beliefs: np.ndarray) -> np.ndarray:
    """Barycentric (…, 3) → the equilateral triangle with corners (0, 0), (1, 0), (½, √3/2) for
    hidden states 0, 1, 2."""
    b = np.asarray(beliefs, dtype=np.float64)
    return np.stack([b[..., 1] + 0.5 * b[..., 2], (np.sqrt(3) / 2) * b[..., 2]], axis=-1)


def plot_belief_simplex(hmm: HMM, words, path: str | Path, *, source: str = "chip samples", title: str = "") -> Path:
    """Mess3 belief states of sampled words beside those of the exact word distribution.

    Left: every word of the sampled length enumerated with its exact probability; right: the
    sampled words.  Each point is the belief ``P(h | x_1..x_k)`` after a prefix (k = 1..L), its
    area ∝ the prefix's probability (exact) or frequency (samples).  The title gives the total
    variation between the sampled and exact distributions of whole words beside
    :func:`sdk.analysis.tv_tolerance`, the bound independent exact draws of the same number meet.

    Args:
        hmm: a 3-state, 3-symbol model (``compiler.tt.mess3()``).
        words: (S, L) symbol sequences, L ≤ :data:`MAX_EXACT_LENGTH`, e.g. the x-sites of
            chip samples of ``hmm_to_potts(hmm, L)``.
        path: image file to write.
        source: what the words are, for the right panel's title.
    """
    words = np.asarray(words)
    if words.ndim != 2 or words.shape[0] == 0 or not 1 <= words.shape[1] <= MAX_EXACT_LENGTH:
        raise AnalysisError(f"words must be (S, L) with S ≥ 1 and 1 ≤ L ≤ {MAX_EXACT_LENGTH}, got shape {words.shape}")
    if hmm.num_states != 3 or hmm.num_symbols != 3:
        raise AnalysisError(f"the simplex plot needs 3 hidden states and 3 symbols, got {hmm.num_states} and "
                            f"{hmm.num_symbols}")
    if words.dtype.kind not in "iu" or words.min() < 0 or words.max() > 2:
        raise AnalysisError("words must hold integer symbols 0, 1, 2")
    length = words.shape[1]
    path = check_output_path(path)
    every = np.array(list(itertools.product(range(3), repeat=length)))
    p_exact = np.array([hmm.word_probability(w) for w in every])
    index = words @ (3 ** np.arange(length - 1, -1, -1))
    observed = np.bincount(index, minlength=every.shape[0]) / words.shape[0]
    tv, tol = total_variation(observed, p_exact), tv_tolerance(p_exact, words.shape[0])
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 5))
    panels = ((every, p_exact, f"exact: all {every.shape[0]} words of length {length}"),
              (every[observed > 0], observed[observed > 0], f"{source}: {words.shape[0]} words"))
    corners = simplex_xy(np.eye(3))
    for ax, (ws, weight, label) in zip(axes, panels):
        beliefs, mass = belief_points(hmm, ws, weight)
        xy = simplex_xy(beliefs)
        ax.fill(corners[:, 0], corners[:, 1], color="whitesmoke", ec="black", lw=0.8)
        ax.scatter(xy[:, 0], xy[:, 1], s=3000 * mass, c=beliefs, alpha=0.7, edgecolors="none")
        for k, (cx, cy) in enumerate(corners):
            ax.annotate(f"h = {k}", (cx, cy), textcoords="offset points", xytext=(0, -12 if cy == 0 else 6),
                        ha="center", fontsize=8)
        ax.set_aspect("equal")
        ax.set_xlabel("P(h = 1 | x₁..x_k) + ½ P(h = 2 | x₁..x_k)")
        ax.set_ylabel("(√3/2) P(h = 2 | x₁..x_k)")
        ax.set_title(label, fontsize=10)
    fig.suptitle(title or f"Mess3 belief states: TV(sampled words, exact) = {tv:.3f}; "
                          f"{words.shape[0]} independent exact draws stay below {tol:.3f}")
    fig.tight_layout()
    return save(fig, path, plt)
