"""The exact coarse score of a known manifold: (P_M(x) - x) / sigma^2 with the true projection."""

from __future__ import annotations

import numpy as np

from .._validation import as_points
from ._base import ScoreEstimator

__all__ = ["ExactCoarseScore"]


class ExactCoarseScore(ScoreEstimator):
    """Exact coarse score s(x, sigma) = (P_M(x) - x) / sigma^2, P_M = ``manifold.project``.

    The coarse score keeps only the leading Theta(sigma^-2) term of the true score, which depends
    on the geometry of M and not on the data's density (Shen, Hsieh and He, arXiv 2603.23792;
    docs/science.md). This is its N -> infinity limit: the fitted coarse scores
    (:class:`~ratesim.scores.ProjectionScore`, :class:`~ratesim.scores.AdaptiveProjectionScore`)
    replace P_M by a projection estimated from N samples. A sampler driven by it targets a law on
    M fixed by the geometry and the sampler alone (on the unit circle, the uniform law, for any
    discretization of a reverse diffusion started from an isotropic Gaussian, by rotation
    equivariance of P_M(x) = x / |x|). ``denoise(x, sigma)`` returns P_M(x) exactly at every
    sigma (Tweedie's x + sigma^2 s equals it up to rounding), as the fitted coarse scores do.

    Parameters
    ----------
    manifold : ratesim.manifolds.Manifold
        Any manifold with an exact ``project`` (its result's ``point`` is P_M(x), shape (m, d)).

    Attributes
    ----------
    n_features_in_ : int
        The ambient dimension ``manifold.d``.

    Notes
    -----
    P_M is undefined on the medial axis of M (e.g. the centre of a circle or sphere): there
    ``score`` and ``denoise`` raise the manifold's ValueError instead of choosing a point (a
    reverse diffusion started from a Gaussian meets it with probability zero).

    Examples
    --------
    >>> import numpy as np
    >>> from ratesim.manifolds import MANIFOLDS
    >>> est = ExactCoarseScore(MANIFOLDS["circle"](d=2)).fit()
    >>> x = np.array([[2.0, 0.0], [0.0, -0.5]])
    >>> np.allclose(est.denoise(x, sigma=0.1), [[1.0, 0.0], [0.0, -1.0]])
    True
    >>> np.allclose(est.score(x, sigma=0.5), [[-4.0, 0.0], [0.0, -2.0]])
    True
    """

    def __init__(self, manifold=None):
        self.manifold = manifold

    def fit(self, X=None) -> ExactCoarseScore:
        """Check the manifold (the exact score does not use data).

        Parameters
        ----------
        X : (N, d) array, optional
            Only checked to live in R^d.

        Returns
        -------
        ExactCoarseScore
            self, fitted.
        """
        M = self.manifold
        if M is None or not all(hasattr(M, a) for a in ("d", "project")):
            raise ValueError(
                f"manifold must be a ratesim Manifold with an exact project (got {M!r})"
            )
        if X is not None:
            as_points(X, "X", d=int(M.d))
        self.n_features_in_ = int(M.d)
        return self

    def project(self, x) -> np.ndarray:
        """The exact projection onto M.

        Parameters
        ----------
        x : (m, d) array
            Query points.

        Returns
        -------
        (m, d) array
            P_M(x).
        """
        self._check_fitted()
        x = as_points(x, "x", d=self.n_features_in_)
        return self._project(x)

    def _project(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.manifold.project(x).point)

    def denoise(self, x, sigma) -> np.ndarray:
        """The Tweedie step of the coarse score: P_M(x), for every valid sigma.

        Parameters
        ----------
        x : (m, d) array
            Query points.
        sigma : float > 0
            Noise level.

        Returns
        -------
        (m, d) array
            P_M(x).
        """
        x, sigma = self._check_query(x, sigma)
        return self._project(x)

    def _score(self, x, sigma):
        return (self._project(x) - x) / sigma**2
