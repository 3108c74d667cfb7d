"""Memorization and novelty of generated samples.

A model that memorizes returns training points: its samples sit much closer to their nearest
training point than fresh data do, and much closer to their nearest than to their second-nearest
training point. Criteria: the nearest-neighbour distance distribution against held-out data; the
memorized fraction d1/d2 < 1/3 (Yoon et al. 2023, "Diffusion probabilistic models generalize when
they fail to memorize"); and the two-disjoint-training-sets test (Kadkhodaie et al., ICLR 2024):
two models trained on disjoint sets and sampled from the same noise give nearly the same samples
when they generalize and unrelated ones when they memorize.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.spatial import cKDTree
from scipy.stats import ks_2samp

from .._validation import as_points, check_in_range, check_int
from ._common import as_pair


@dataclass(frozen=True)
class MemorizationResult:
    """Nearest-training-point statistics of generated samples Y against training set X.

    Attributes
    ----------
    d1, d2 : ndarray (m,)
        Distances of each sample to its nearest and second-nearest training point.
    memorized_fraction : float
        Fraction of samples with d1 / d2 < ``threshold`` (1/3 by default).
    threshold : float
        The d1 / d2 threshold used.
    heldout_d1 : ndarray or None
        Nearest-training-point distances of held-out data (the reference for novelty).
    novelty_ratio : float or None
        median(d1) / median(heldout_d1): about 1 for a generalizing model, << 1 when it copies.
    ks_pvalue : float or None
        Two-sample Kolmogorov-Smirnov p-value of d1 against heldout_d1.
    heldout_memorized_fraction : float or None
        The same d1/d2 criterion on held-out data: the false-positive baseline.
    """

    d1: np.ndarray
    d2: np.ndarray
    memorized_fraction: float
    threshold: float
    heldout_d1: np.ndarray | None
    novelty_ratio: float | None
    ks_pvalue: float | None
    heldout_memorized_fraction: float | None


@dataclass(frozen=True)
class PairedSimilarity:
    """Similarity of paired samples (Y_a[i], Y_b[i]) drawn from the same noise by two models.

    Attributes
    ----------
    mean_distance : float
        Mean |Y_a[i] - Y_b[i]|.
    baseline_distance : float
        Mean |Y_a[i] - Y_b[pi(i)]| over a derangement pi (unrelated pairs).
    ratio : float
        mean_distance / baseline_distance (about 0: same samples -- generalization; about 1:
        unrelated -- each model reproduces its own training set).
    close_fraction : float
        Fraction of pairs closer than ``tol``.
    tol : float
        The distance defining a "same sample" pair.
    """

    mean_distance: float
    baseline_distance: float
    ratio: float
    close_fraction: float
    tol: float


def nearest_training_distances(
    samples: ArrayLike, training: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    """Distances of each sample to its nearest and second-nearest training point (KD-tree).

    Parameters
    ----------
    samples : (m, d) array
        Generated samples.
    training : (N, d) array
        Training set, N >= 2.

    Returns
    -------
    d1, d2 : (m,) arrays
        Distances to the nearest and second-nearest training point.
    """
    Y, X = as_pair(samples, training, "samples", "training")
    if X.shape[0] < 2:
        raise ValueError(f"training must have at least 2 points for d2 (got {X.shape[0]})")
    d, _ = cKDTree(X).query(Y, k=2)
    return d[:, 0], d[:, 1]


def remove_common_shift(
    samples: ArrayLike, training: ArrayLike, n_iter: int = 5
) -> tuple[np.ndarray, np.ndarray]:
    """The samples minus the one vector c that best aligns them with their nearest training
    points, and c: a model whose samples are training points moved by a common offset (a
    closed-form score whose perturbation nodes have a nonzero mean) passes nearest-neighbour
    novelty tests; after the shift it is read as memorizing.

    c starts at mean(samples) - mean(training) and is refined ``n_iter`` times as the
    coordinate-wise median of (sample - its nearest training point), the samples shifted by the
    current c (a robust alternating fit: a few novel samples do not move it). For samples drawn
    independently of the training set the residuals point every way and c stays near 0.

    Parameters
    ----------
    samples : (m, d) array
    training : (N, d) array
    n_iter : int >= 1

    Returns
    -------
    shifted : (m, d) array
        ``samples - c``.
    shift : (d,) array
        c.
    """
    Y, X = as_pair(samples, training, "samples", "training")
    n_iter = check_int(n_iter, "n_iter", low=1)
    tree = cKDTree(X)
    c = Y.mean(axis=0) - X.mean(axis=0)
    for _ in range(n_iter):
        _, idx = tree.query(Y - c)
        c = np.median(Y - X[idx], axis=0)
    return Y - c, c


def memorization(
    samples: ArrayLike,
    training: ArrayLike,
    heldout: ArrayLike | None = None,
    threshold: float = 1.0 / 3.0,
) -> MemorizationResult:
    """Memorization and novelty of ``samples`` w.r.t. ``training`` (optionally against ``heldout``
    data from the true law, not used in training).

    memorized_fraction = mean(d1 / d2 < threshold). With held-out data also: the novelty ratio
    median(d1) / median(d1_heldout), a KS test between the two d1 distributions, and the held-out
    memorized fraction (the rate at which fresh data pass the criterion by chance).

    Parameters
    ----------
    samples : (m, d) array
        Generated samples.
    training : (N, d) array
        Training set, N >= 2.
    heldout : (n, d) array, optional
        Fresh data from the true law, not used in training.
    threshold : float in (0, 1]
        A sample is memorized when d1 / d2 < threshold.

    Returns
    -------
    MemorizationResult
        d1, d2, the memorized fraction and, with held-out data, the novelty statistics.
    """
    threshold = check_in_range(threshold, "threshold", low=0, high=1, low_open=True)
    d1, d2 = nearest_training_distances(samples, training)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = float(np.mean(np.where(d2 > 0, d1 / d2, 1.0) < threshold))
    if heldout is None:
        return MemorizationResult(d1, d2, frac, threshold, None, None, None, None)
    X = as_points(training, "training")
    H = as_points(heldout, "heldout", d=X.shape[1])
    h1, h2 = nearest_training_distances(H, X)
    with np.errstate(divide="ignore", invalid="ignore"):
        hfrac = float(np.mean(np.where(h2 > 0, h1 / h2, 1.0) < threshold))
    med_h = float(np.median(h1))
    ratio = float(np.median(d1) / med_h) if med_h > 0 else float("inf")
    ks = float(ks_2samp(d1, h1).pvalue)
    return MemorizationResult(d1, d2, frac, threshold, h1, ratio, ks, hfrac)


def paired_similarity(
    samples_a: ArrayLike, samples_b: ArrayLike, tol: float | None = None
) -> PairedSimilarity:
    """Two-disjoint-training-sets similarity (Kadkhodaie et al. 2024): rows i of ``samples_a`` and
    ``samples_b`` were generated from the same noise by models trained on disjoint training sets.

    ``tol`` (default: 0.1 x baseline distance) defines a "same sample" pair. The baseline pairs
    Y_a[i] with Y_b[i + 1 mod m] (a fixed derangement), i.e. unrelated samples of the same models.

    Parameters
    ----------
    samples_a, samples_b : (m, d) arrays
        The paired samples of the two models, m >= 2.
    tol : float > 0, optional
        Distance below which a pair counts as the same sample.

    Returns
    -------
    PairedSimilarity
        Mean paired distance, its baseline, their ratio and the close fraction.
    """
    A, B = as_pair(samples_a, samples_b, "samples_a", "samples_b")
    if A.shape[0] != B.shape[0]:
        raise ValueError(
            "samples_a and samples_b must be paired row by row (got "
            f"{A.shape[0]} and {B.shape[0]} rows)"
        )
    if A.shape[0] < 2:
        raise ValueError(f"paired_similarity needs at least 2 pairs (got {A.shape[0]})")
    dist = np.linalg.norm(A - B, axis=1)
    base = float(np.linalg.norm(A - np.roll(B, 1, axis=0), axis=1).mean())
    if not base > 0:
        raise ValueError("paired_similarity: all samples coincide, the baseline distance is 0")
    tol = 0.1 * base if tol is None else check_in_range(tol, "tol", low=0, low_open=True)
    return PairedSimilarity(
        float(dist.mean()), base, float(dist.mean() / base), float(np.mean(dist < tol)), tol
    )
