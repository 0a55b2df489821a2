"""scikit-learn's bundled 8×8 handwritten digits (no download), binarised to spins.

1797 images of the digits 0–9, 8×8 pixels of ink 0–16 (UCI "optical recognition of handwritten
digits", as ``sklearn.datasets.load_digits`` ships it); a pixel is ``+1`` where its ink is at least
``threshold`` and ``−1`` elsewhere.  :func:`load_digits` splits them into a stratified training and
held-out test set with a fixed seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sdk.errors import LearningError

SIDE = 8  # pixels per image side
INK_MAX = 16  # the largest ink value of a pixel


@dataclass(frozen=True)
class Digits:
    """Binarised digits split into training and test sets.

    Attributes:
        train_images: (S, 64) spins ±1, row-major 8×8 images.
        train_labels: (S,) digits 0–9.
        test_images: (S', 64) held-out images.
        test_labels: (S',) their digits.
        threshold: ink level (0–16) from which a pixel is +1.
        seed: the split's seed.
    """

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    threshold: int
    seed: int


def load_digits(*, test_fraction: float = 0.2, threshold: int = 8, seed: int = 0) -> Digits:
    """The 1797 digits binarised at ``threshold`` and split, stratified by digit, into a training
    set and a held-out fraction ``test_fraction`` (``seed`` fixes the split).

    Raises:
        LearningError: a fraction outside (0, 1) or a threshold outside 1–16.
        ImportError: scikit-learn missing (``pip install scikit-learn``).
    """
    if not 0 < test_fraction < 1:
        raise LearningError(f"test_fraction must be in (0, 1), got {test_fraction!r}")
    if isinstance(threshold, bool) or not isinstance(threshold, int) or not 1 <= threshold <= INK_MAX:
        raise LearningError(f"threshold must be an integer ink level in [1, {INK_MAX}], got {threshold!r}")
    try:
        from sklearn.datasets import load_digits as sklearn_digits
        from sklearn.model_selection import train_test_split
    except ImportError:
        raise ImportError("the digits data need scikit-learn: pip install scikit-learn (or sonq[learn])") from None
    ink, labels = sklearn_digits(return_X_y=True)
    images = np.where(ink >= threshold, 1, -1).astype(np.int8)
    x_train, x_test, y_train, y_test = train_test_split(images, labels, test_size=test_fraction,
                                                        random_state=seed, stratify=labels)
    return Digits(x_train, y_train.astype(np.int64), x_test, y_test.astype(np.int64), threshold, seed)
