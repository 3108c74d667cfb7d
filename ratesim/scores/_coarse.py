"""The coarse, geometry-only score with a noise-adaptive bandwidth and a safeguard, and the
bandwidth rule of its moving-least-squares projection.

The coarse score keeps only the leading Theta(sigma^-2) term of the true score,
s(x, sigma) = (P_hat(x) - x) / sigma^2, with P_hat a moving-least-squares (MLS) projection onto
the manifold estimated from the data (:class:`~ratesim.scores.ProjectionScore`; Levin 1998,
Aamari and Levrard 2019). Samplers driven by it ignore the density of the data: they spread along
the estimated manifold (Shen, Hsieh and He, arXiv 2603.23792; docs/science.md).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.spatial import cKDTree

from .._validation import check_int, check_positive
from ._base import ScoreEstimator
from ._projection import ProjectionScore

__all__ = ["AdaptiveProjectionScore", "coarse_bandwidth", "gaussian_ess"]


class AdaptiveProjectionScore(ScoreEstimator):
    """Coarse score s(x, sigma) = (P_hat_b(x) - x) / sigma^2 with bandwidth b = max(h, scale *
    sigma) (h = ``bandwidth``), safeguarded where the moving-least-squares projection is
    undefined.

    P_hat_b is :class:`ratesim.scores.ProjectionScore` (MLS of degree ceil(beta) - 1, clipped to
    [1, 4]; one fitted instance per distinct bandwidth, kept in ``estimators_``). ``scale = 0``
    (the default) is the plain coarse score (b = h at every noise level); ``scale > 0`` mimics a
    score learned by denoising score matching at noise sigma, which averages the data over a
    neighbourhood ~ sigma. ``denoise(x, sigma)`` returns P_hat_b(x) exactly (Tweedie's
    x + sigma^2 s equals it up to rounding).

    Safeguard. Near the medial axis of M (e.g. the centre of a closed curve, where the reverse SDE
    starts many chains at sigma ~ diam M) every data point is about equally far from the query, the
    weighted local PCA is degenerate and the MLS fit can return non-finite values (or raise inside
    the numba kernel). Such rows are recomputed in halves down to single rows, and a row that still
    fails is projected to its nearest training point (the projection is discontinuous there
    anyway). ``n_fallback_`` counts those rows over the estimator's lifetime, ``n_queries_`` all
    projected rows.

    Parameters
    ----------
    bandwidth : float > 0
        Bandwidth h of the local fits at small noise (:func:`coarse_bandwidth`).
    k : int >= 1
        Intrinsic dimension of M (required, k < d).
    beta : float > 1 or None
        Regularity of M: the degree of the local fits is ceil(beta) - 1 clipped to [1, 4]
        (None: degree 2, as :class:`~ratesim.scores.ProjectionScore`).
    scale : float >= 0
        b(sigma) = max(h, scale * sigma).
    n_iter : int >= 1
        Re-centring passes of the MLS projection.

    Attributes
    ----------
    X_ : ndarray of shape (N, d)
        Training set.
    n_samples_, n_features_in_ : int
    bandwidth_, scale_ : float
        Validated ``bandwidth`` and ``scale``.
    tree_ : scipy.spatial.cKDTree
        KD-tree of ``X_`` (nearest-point fallback).
    estimators_ : dict of float -> ProjectionScore
        The fitted projections, by bandwidth.
    n_fallback_, n_queries_ : int
        Rows that fell back to a training point, and all projected rows.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.linspace(0, 2 * np.pi, 400, endpoint=False)
    >>> X = np.c_[np.cos(t), np.sin(t)]
    >>> est = AdaptiveProjectionScore(bandwidth=coarse_bandwidth(400, 1), k=1, beta=np.inf).fit(X)
    >>> np.round(est.denoise([[1.05, 0.0]], sigma=0.1), 6)
    array([[1., 0.]])
    """

    def __init__(self, bandwidth: float = 0.2, k: int | None = None, beta=None,
                 scale: float = 0.0, n_iter: int = 2):  # fmt: skip
        self.bandwidth = bandwidth
        self.k = k
        self.beta = beta
        self.scale = scale
        self.n_iter = n_iter

    def fit(self, X) -> AdaptiveProjectionScore:
        """Validate the training set and fit the projection at bandwidth h.

        Parameters
        ----------
        X : (N, d) array
            Training set.

        Returns
        -------
        AdaptiveProjectionScore
            self, fitted.
        """
        self.bandwidth_ = check_positive(self.bandwidth, "bandwidth")
        self.scale_ = check_positive(self.scale, "scale", allow_zero=True)
        base = ProjectionScore(
            bandwidth=self.bandwidth_, k=self.k, beta=self.beta, n_iter=self.n_iter
        ).fit(X)
        self.X_ = base.X_
        self.n_samples_, self.n_features_in_ = self.X_.shape
        self.tree_ = cKDTree(self.X_)
        self.estimators_ = {self.bandwidth_: base}
        self.n_fallback_ = 0
        self.n_queries_ = 0
        return self

    def bandwidth_at(self, sigma) -> float:
        """The bandwidth used at noise level sigma.

        Parameters
        ----------
        sigma : float > 0
            Noise level.

        Returns
        -------
        float
            b(sigma) = max(h, scale * sigma), rounded to 3 significant digits (bounds the number
            of fitted projections).
        """
        self._check_fitted()
        b = max(self.bandwidth_, self.scale_ * float(sigma))
        return self.bandwidth_ if b == self.bandwidth_ else float(f"{b:.3g}")

    def _estimator(self, sigma) -> ProjectionScore:
        b = self.bandwidth_at(sigma)
        if b not in self.estimators_:
            self.estimators_[b] = ProjectionScore(
                bandwidth=b, k=self.k, beta=self.beta, n_iter=self.n_iter
            ).fit(self.X_)
        return self.estimators_[b]

    def _safe(self, est, x):
        try:
            with np.errstate(all="ignore"):
                out = est.project(x)
            bad = ~np.all(np.isfinite(out), axis=1)
        except (SystemError, ZeroDivisionError, FloatingPointError, np.linalg.LinAlgError):
            if x.shape[0] == 1:
                out, bad = np.full_like(x, np.nan), np.ones(1, dtype=bool)
            else:
                half = x.shape[0] // 2
                return np.concatenate([self._safe(est, x[:half]), self._safe(est, x[half:])])
        if bad.any():
            _, j = self.tree_.query(x[bad])
            out[bad] = self.X_[j]
            self.n_fallback_ += int(bad.sum())
        return out

    def _project(self, x, sigma) -> np.ndarray:
        self.n_queries_ += x.shape[0]
        return self._safe(self._estimator(sigma), x)

    def project(self, x, sigma) -> np.ndarray:
        """The safeguarded MLS projection at bandwidth b(sigma).

        Parameters
        ----------
        x : (m, d) array
            Query points.
        sigma : float > 0
            Noise level (sets the bandwidth b(sigma)).

        Returns
        -------
        (m, d) array
            P_hat_b(x).
        """
        x, sigma = self._check_query(x, sigma)
        return self._project(x, sigma)

    def denoise(self, x, sigma) -> np.ndarray:
        """The Tweedie step of the coarse score: P_hat_b(x).

        Parameters
        ----------
        x : (m, d) array
            Query points.
        sigma : float > 0
            Noise level.

        Returns
        -------
        (m, d) array
            ``project(x, sigma)``.
        """
        return self.project(x, sigma)

    def _score(self, x, sigma):
        return (self._project(x, sigma) - x) / sigma**2


def coarse_bandwidth(n: int, k: int, a: float = 6.0) -> float:
    """Bandwidth h_N = a (log N / N)^(1/k) of the moving-least-squares projection.

    The rate (log N / N)^(1/k) is the bandwidth at which local polynomial fits of degree
    ceil(beta) - 1 reach the minimax Hausdorff rate (log N / N)^(beta/k) for a C^beta manifold
    (Aamari and Levrard 2019, Thm 2); a = 6 puts log N data spacings (k = 1, curve length 2 pi)
    or about sqrt(log N) spacings (k = 2, area 4 pi^2) in one bandwidth, enough points for the
    degree-4 fit. At k = 2, :func:`gaussian_ess` gives the constant a that keeps a fit of a given
    degree admissible.

    Parameters
    ----------
    n : int >= 3
        Sample size N.
    k : int >= 1
        Intrinsic dimension.
    a : float > 0
        Constant.

    Returns
    -------
    float
    """
    n = check_int(n, "N", low=3)
    k = check_int(k, "k", low=1)
    a = check_positive(a, "a")
    return float(a * (math.log(n) / n) ** (1.0 / k))


def gaussian_ess(n: int, bandwidth: float, k: int, volume: float) -> float:
    """Effective sample size (sum w)^2 / sum w^2 of Gaussian weights exp(-|x - X_j|^2 / (2 h^2))
    of n uniform points on a flat k-manifold of volume ``volume``, in the small-h limit:
    n (4 pi h^2)^(k/2) / volume (the squared integral (2 pi h^2)^k over the integral
    (pi h^2)^(k/2), times the density n / volume).

    The MLS kernel lowers the degree of its local fit when this falls below 1.5 times the number
    of monomials (``ratesim.scores._localpoly``), which fixes the smallest admissible bandwidth.

    Parameters
    ----------
    n : int >= 1
        Number of points.
    bandwidth : float > 0
        Bandwidth h of the weights.
    k : int >= 1
        Intrinsic dimension.
    volume : float > 0
        Volume of the manifold.

    Returns
    -------
    float
        The effective sample size n (4 pi h^2)^(k/2) / volume.
    """
    n = check_int(n, "n", low=1)
    h = check_positive(bandwidth, "bandwidth")
    k = check_int(k, "k", low=1)
    volume = check_positive(volume, "volume")
    return float(n * (4.0 * math.pi * h * h) ** (k / 2) / volume)
