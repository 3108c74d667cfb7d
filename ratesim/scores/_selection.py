"""Data-driven hyper-parameters: the held-out denoising score-matching loss and a grid search."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._validation import RNGLike, as_generator, as_points, check_int, check_positive
from ._base import ScoreEstimator, clone

__all__ = ["dsm_loss", "select_bandwidth", "BandwidthSelection"]


def _noise_draws(X0: np.ndarray, sigmas: np.ndarray, n_noise: int, rng) -> np.ndarray:
    """Standard normal draws, shape (len(sigmas), n_noise, N, d)."""
    return as_generator(rng).standard_normal((sigmas.size, n_noise, *X0.shape))


def _losses(est, X0, sigmas, Z) -> np.ndarray:
    """Per point, the sigma^2-weighted DSM loss averaged over the sigmas and noise draws, (N,)."""
    out = np.zeros(len(X0))
    for i, s in enumerate(sigmas):
        for z in Z[i]:
            r = s * est.score(X0 + s * z, float(s)) + z
            out += np.sum(r * r, axis=1)
    return out / (sigmas.size * Z.shape[1])


def dsm_loss(
    est: ScoreEstimator, X0, sigmas, *, n_noise: int = 1, rng: RNGLike
) -> tuple[float, float]:
    """Held-out denoising score-matching loss of a fitted score estimator (Vincent 2011):

        L = mean over x0 in X0, sigma in ``sigmas``, z ~ N(0, I)
            of ||sigma s(x0 + sigma z, sigma) + z||^2,

    the sigma^2-weighted loss of :class:`ratesim.scores.DSMNetworkScore`. Up to a constant that
    does not depend on the estimator, it is the mean over sigma of sigma^2 E||s - grad log
    p_sigma||^2 under the noised law of the points X0, so on points the estimator was not fitted
    on it ranks estimators by their score error.

    Parameters
    ----------
    est : ScoreEstimator
        A fitted estimator.
    X0 : array_like, shape (n, d)
        Clean points (held out from ``est``'s training set).
    sigmas : array_like, shape (L,)
        Noise levels (> 0).
    n_noise : int
        Noise draws per point and level.
    rng : numpy Generator or int seed

    Returns
    -------
    (float, float)
        The loss and its standard error over the points.
    """
    X0 = as_points(X0, "X0")
    sig = np.array([check_positive(s, "sigmas") for s in np.atleast_1d(sigmas)], dtype=float)
    Z = _noise_draws(X0, sig, check_int(n_noise, "n_noise", low=1), rng)
    per = _losses(est, X0, sig, Z)
    return float(per.mean()), float(per.std(ddof=1) / np.sqrt(per.size)) if per.size > 1 else 0.0


@dataclass(frozen=True)
class BandwidthSelection:
    """The result of :func:`select_bandwidth`.

    Attributes
    ----------
    best : float
        The candidate with the smallest held-out loss.
    grid, losses : ndarray, shape (G,)
        The candidates and their held-out DSM losses.
    se : ndarray, shape (G,)
        Standard error of each candidate's loss difference from the best one (paired over the
        held-out points, which share their noise draws): a candidate within 2 se of the best is
        not distinguished from it.
    param : str
        The hyper-parameter that was tuned.
    estimator : ScoreEstimator
        A clone with ``param = best``, fitted on all the points.
    """

    best: float
    grid: np.ndarray = field(repr=False)
    losses: np.ndarray = field(repr=False)
    se: np.ndarray = field(repr=False)
    param: str = "bandwidth"
    estimator: ScoreEstimator | None = field(default=None, repr=False)


def select_bandwidth(
    estimator: ScoreEstimator,
    X,
    grid,
    *,
    param: str = "bandwidth",
    sigmas=(0.05, 0.1, 0.2, 0.4),
    holdout: float = 0.25,
    n_noise: int = 4,
    rng: RNGLike,
) -> BandwidthSelection:
    """Choose a hyper-parameter (a bandwidth by default) by held-out denoising score matching.

    The points are split once at random: ``estimator`` with each candidate value is fitted on
    the training part and scored by :func:`dsm_loss` on the held-out part, every candidate on the
    same noise draws (common random numbers, so the comparison carries no noise-draw variance);
    the winner is refitted on all the points. The loss measures the score error averaged over
    ``sigmas`` (weighted by sigma^2), so the choice is for those noise levels.

    Parameters
    ----------
    estimator : ScoreEstimator
        Unfitted template (cloned for every candidate).
    X : array_like, shape (N, d)
    grid : array_like, shape (G,)
        Candidate values of ``param``.
    param : str
        The constructor parameter to tune.
    sigmas : array_like
        Noise levels of the loss.
    holdout : float in (0, 1)
        Fraction of the points held out.
    n_noise : int
        Noise draws per held-out point and level.
    rng : numpy Generator or int seed
        Draws the split and the noise.

    Returns
    -------
    BandwidthSelection
    """
    X = as_points(X)
    gen = as_generator(rng)
    if param not in estimator.get_params():
        raise ValueError(
            f"param must be a constructor parameter of {type(estimator).__name__} (got "
            f"{param!r}; allowed: {sorted(estimator.get_params())})"
        )
    cand = np.asarray(grid, dtype=float).ravel()
    if cand.size == 0 or not np.all(np.isfinite(cand)):
        raise ValueError(f"grid must be a non-empty list of finite values (got {grid!r})")
    if not 0 < holdout < 1:
        raise ValueError(f"holdout must be in (0, 1) (got {holdout!r})")
    n_out = int(round(holdout * len(X)))
    if n_out < 2 or len(X) - n_out < 2:
        raise ValueError(
            f"holdout = {holdout} leaves {n_out} held-out and {len(X) - n_out} training points "
            f"of N = {len(X)}; each side needs >= 2"
        )
    sig = np.array([check_positive(s, "sigmas") for s in np.atleast_1d(sigmas)], dtype=float)
    perm = gen.permutation(len(X))
    test, train = X[perm[:n_out]], X[perm[n_out:]]
    Z = _noise_draws(test, sig, check_int(n_noise, "n_noise", low=1), gen)
    per = np.stack(
        [_losses(clone(estimator).set_params(**{param: v}).fit(train), test, sig, Z) for v in cand]
    )  # (G, n_out)
    if not np.all(np.isfinite(per)):
        bad = cand[~np.all(np.isfinite(per), axis=1)]
        raise FloatingPointError(f"non-finite held-out loss at {param} = {bad.tolist()}")
    losses = per.mean(axis=1)
    j = int(np.argmin(losses))
    diff = per - per[j]
    se = diff.std(axis=1, ddof=1) / np.sqrt(n_out)
    best = float(cand[j])
    fitted = clone(estimator).set_params(**{param: best}).fit(X)
    return BandwidthSelection(best, cand, losses, se, param, fitted)
