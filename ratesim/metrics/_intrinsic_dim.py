"""Intrinsic dimension from scores.

FLIPD (Kamkari et al., NeurIPS 2024): FLIPD(x, sigma) = d + sigma^2 (tr grad s(x) + |s(x)|^2) for
the score s of p_sigma = mu * N(0, sigma^2 I). For the empirical measure s(x) = (m(x) - x) / sigma^2
with m(x) the softmax mean, grad s = (Cov_w / sigma^2 - I) / sigma^2, so FLIPD = sum_i w_i
|x - x_i|^2 / sigma^2 (docs/science.md, anchors): near 0 at training points when sigma is below the
spacing, a plateau at k above it, decaying like sigma^-2 once sigma exceeds the diameter.

Normal-space SVD (Stanczuk, Batzolis, Deveney & Schonlieb, ICML 2024): at small sigma the scores
around a point x0 of M point along the normal space; stacking s(x0 + sigma z_j) for j = 1..K and
taking singular values, the d - k normal directions dominate and the spectral gap gives k.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from .._validation import RNGLike, as_generator, as_points, check_int, check_positive

if TYPE_CHECKING:
    from ._common import ScoreLike


@dataclass(frozen=True)
class FlipdResult:
    """FLIPD curve over sigmas (median over queries) and the dimension read on its plateau.

    Attributes
    ----------
    dimension : float
        Mean of the curve over the plateau window.
    plateau : (float, float)
        (sigma_low, sigma_high) of that window, the one with the smallest mean
        |d log FLIPD / d log sigma| among windows of ``window`` consecutive sigmas.
    sigmas : (J,) array
        The sigma grid, ascending.
    curve : (J,) array
        The median FLIPD at each sigma.
    """

    dimension: float
    plateau: tuple[float, float]
    sigmas: np.ndarray
    curve: np.ndarray


@dataclass(frozen=True)
class SvdDimension:
    """Normal-space SVD estimate of the intrinsic dimension at each point.

    Attributes
    ----------
    dimension : (m,) int array
        The estimated k at each point.
    singular_values : (m, d) array
        Singular values of the stacked scores, decreasing.
    gap : (m,) array
        The log-ratio of the two singular values around the gap.
    """

    dimension: np.ndarray
    singular_values: np.ndarray
    gap: np.ndarray


def _score_fn(score):
    if hasattr(score, "score") and callable(score.score):
        return score.score
    if callable(score):
        return score
    raise ValueError(
        "score must be a fitted score estimator (with .score(x, sigma)) or a callable "
        f"score(x, sigma) -> (m, d) array (got {score!r})"
    )


def _eval(fn, x, sigma):
    s = np.asarray(fn(x, sigma), dtype=np.float64)
    if s.shape != x.shape:
        raise ValueError(f"score returned shape {s.shape}, expected {x.shape}")
    if not np.all(np.isfinite(s)):
        raise ValueError(f"score returned non-finite values at sigma = {sigma}")
    return s


def flipd(score: ScoreLike, x: ArrayLike, sigma: float, fd_step: float | None = None) -> np.ndarray:
    """FLIPD(x, sigma) = d + sigma^2 (tr grad s + |s|^2) for any score (Kamkari et al. 2024).

    The trace is taken by central differences in each of the d coordinates, step h = ``fd_step``
    (default 1e-3 sigma: truncation error O((h / sigma)^2) ~ 1e-6 relative, rounding ~1e-13), i.e.
    2 d + 1 score evaluations of m points each. For the empirical measure use
    :func:`flipd_empirical`.

    Parameters
    ----------
    score : score estimator or callable
        An estimator with ``.score(x, sigma)`` or a callable ``score(x, sigma) -> (m, d)``.
    x : (m, d) array
        Query points.
    sigma : float > 0
        Noise level.
    fd_step : float > 0, optional
        Finite-difference step h, in the units of x (default 1e-3 sigma).

    Returns
    -------
    (m,) array
        FLIPD at each query.
    """
    fn = _score_fn(score)
    x = as_points(x, "x")
    sigma = check_positive(sigma, "sigma")
    h = 1e-3 * sigma if fd_step is None else check_positive(fd_step, "fd_step")
    m, d = x.shape
    s = _eval(fn, x, sigma)
    tr = np.zeros(m)
    for j in range(d):
        e = np.zeros(d)
        e[j] = h
        tr += (_eval(fn, x + e, sigma)[:, j] - _eval(fn, x - e, sigma)[:, j]) / (2 * h)
    return d + sigma**2 * (tr + np.sum(s**2, axis=1))


def flipd_empirical(X: ArrayLike, x: ArrayLike, sigma: float, mode: str = "auto") -> np.ndarray:
    """Closed-form FLIPD of the empirical measure of ``X``: sum_i w_i |x - x_i|^2 / sigma^2 with
    w = softmax(-|x - x_i|^2 / (2 sigma^2)) (``ratesim.kernels.softmax_moments``, log-sum-exp).

    Parameters
    ----------
    X : (N, d) array
        Training set.
    x : (m, d) array
        Query points.
    sigma : float > 0
        Noise level.
    mode : {"auto", "dense", "truncated"}
        Kernel-engine mode of ``ratesim.kernels.softmax_moments``.

    Returns
    -------
    (m,) array
        FLIPD of the empirical measure at each query.
    """
    from ..kernels import softmax_moments

    X = as_points(X, "X")
    x = as_points(x, "x", d=X.shape[1])
    sigma = check_positive(sigma, "sigma")
    return softmax_moments(X, x, sigma, mode=mode).msd / sigma**2


def flipd_dimension(
    X: ArrayLike, queries: ArrayLike, sigmas: ArrayLike, window: int = 5, score: ScoreLike = None
) -> FlipdResult:
    """Dimension read on the sigma-plateau of the median FLIPD curve at ``queries``.

    FLIPD of the empirical measure of ``X`` (closed form) unless ``score`` is given (then
    :func:`flipd` with that score; ``X`` is ignored and may be None). The plateau is the window of
    ``window`` consecutive sigmas (ascending) with the smallest mean |slope| of log FLIPD against
    log sigma: this excludes the small-sigma memorization regime and the large-sigma sigma^-2
    decay, where |slope| -> 2. Use held-out queries, not training points (at a training point the
    small-sigma FLIPD is ~0).

    Parameters
    ----------
    X : (N, d) array or None
        Training set (ignored, and may be None, when ``score`` is given).
    queries : (m, d) array
        Query points.
    sigmas : (J,) array
        Noise levels, J >= 2 (sorted here).
    window : int in [2, J]
        Plateau window, in consecutive sigmas.
    score : score estimator or callable, optional
        Use :func:`flipd` with this score instead of the closed form.

    Returns
    -------
    FlipdResult
        The dimension, its plateau and the curve.
    """
    sig = np.sort(np.asarray(sigmas, dtype=float))
    if sig.ndim != 1 or sig.size < 2 or np.any(~np.isfinite(sig)) or sig[0] <= 0:
        raise ValueError(f"sigmas must be >= 2 finite values > 0 (got {sigmas!r})")
    window = check_int(window, "window", low=2, high=sig.size)
    if score is None:
        Xa = as_points(X, "X")
        q = as_points(queries, "queries", d=Xa.shape[1])
        curve = np.array([np.median(flipd_empirical(Xa, q, s)) for s in sig])
    else:
        q = as_points(queries, "queries")
        curve = np.array([np.median(flipd(score, q, s)) for s in sig])
    lc = np.log(np.maximum(curve, 1e-300))
    slopes = np.abs(np.diff(lc) / np.diff(np.log(sig)))
    w = window - 1
    means = np.convolve(slopes, np.ones(w) / w, mode="valid")
    i = int(np.argmin(means))
    return FlipdResult(
        float(curve[i : i + window].mean()), (float(sig[i]), float(sig[i + w])), sig, curve
    )


def svd_dimension(
    score: ScoreLike, x0: ArrayLike, sigma: float, n_perturb: int | None = None, *, rng: RNGLike
) -> SvdDimension:
    """Normal-space SVD intrinsic dimension at each point of ``x0`` (Stanczuk et al. 2024).

    For each x0: K = ``n_perturb`` (default 4 d) points x0 + sigma z_j, z_j ~ N(0, I_d); the scores
    s(x_j, sigma) stacked into a (K, d) matrix; singular values s_1 >= ... >= s_d. The normal
    dimension is the index i maximizing log(s_i / s_(i+1)) (the spectral gap), and k = d - i.

    Parameters
    ----------
    score : score estimator or callable
        An estimator with ``.score(x, sigma)`` or a callable ``score(x, sigma) -> (m, d)``.
    x0 : (m, d) array
        Points of (or near) M, d >= 2.
    sigma : float > 0
        Noise level of the perturbations and of the scores.
    n_perturb : int >= d, optional
        Perturbations K per point (default 4 d).
    rng : numpy Generator, SeedSequence or int seed
        Source of the perturbations (required).

    Returns
    -------
    SvdDimension
        The dimension, the singular values and the gap at each point.
    """
    fn = _score_fn(score)
    x0 = as_points(x0, "x0")
    sigma = check_positive(sigma, "sigma")
    m, d = x0.shape
    if d < 2:
        raise ValueError(f"svd_dimension needs d >= 2 to have a gap (got d = {d})")
    K = 4 * d if n_perturb is None else check_int(n_perturb, "n_perturb", low=d)
    rng = as_generator(rng)
    sv = np.empty((m, d))
    for i in range(m):
        pts = x0[i] + sigma * rng.standard_normal((K, d))
        S = _eval(fn, pts, sigma)
        sv[i] = np.linalg.svd(S, compute_uv=False)
    with np.errstate(divide="ignore"):
        lg = np.log(sv[:, :-1]) - np.log(np.maximum(sv[:, 1:], 1e-300))
    idx = np.argmax(lg, axis=1)
    return SvdDimension(d - (idx + 1), sv, lg[np.arange(m), idx])
