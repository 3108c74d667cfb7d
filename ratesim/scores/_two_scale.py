"""A score learned from the data at coarse noise levels and geometry-only below a scale sigma_0.

One operational reading of the coarse scores of Shen, Hsieh and He (arXiv 2603.23792,
docs/science.md, P1): the score is estimated from the data (with its density) where the noise is
coarse, sigma >= sigma_0(N), and only the manifold's geometry is kept below, where the data are too
sparse for the density. Under this reading the sampler's target keeps mu_data's density at the
scales above sigma_0; a score that is geometry-only at every level (``adaptive_projection``) keeps
none of it.
"""

from __future__ import annotations

from ._base import ScoreEstimator, check_sigma, clone


class TwoScaleScore(ScoreEstimator):
    """``coarse`` at noise levels sigma >= sigma_0, ``fine`` below.

    s(x, sigma) = s_coarse(x, sigma) if sigma >= sigma_0 else s_fine(x, sigma); likewise the
    denoiser. Both estimators are fitted (as clones) on the same training set.

    Parameters
    ----------
    coarse : ScoreEstimator
        The score at sigma >= sigma_0, e.g. a denoising-score-matching regression that learns the
        density (``nadaraya_watson``, ``local_polynomial``).
    fine : ScoreEstimator
        The score at sigma < sigma_0, e.g. the geometry-only coarse score
        (``adaptive_projection``).
    sigma_0 : float > 0
        The switching noise level.

    Attributes
    ----------
    coarse_, fine_ : ScoreEstimator
        The fitted clones.
    sigma_0_ : float
        The validated ``sigma_0``.

    Examples
    --------
    >>> import numpy as np
    >>> from ratesim.scores import EmpiricalScore, SmoothedScore, TwoScaleScore
    >>> X = np.array([[1.0, 0.0], [-1.0, 0.0]])
    >>> est = TwoScaleScore(SmoothedScore(0.5), EmpiricalScore(), sigma_0=0.3).fit(X)
    >>> bool(np.allclose(est.score(X, 0.1), EmpiricalScore().fit(X).score(X, 0.1)))
    True
    """

    def __init__(self, coarse=None, fine=None, sigma_0: float = 0.1):
        self.coarse = coarse
        self.fine = fine
        self.sigma_0 = sigma_0

    def fit(self, X) -> TwoScaleScore:
        """Fit clones of ``coarse`` and ``fine`` on X.

        Parameters
        ----------
        X : (N, d) array
            Training set.

        Returns
        -------
        TwoScaleScore
            self, fitted.
        """
        for name in ("coarse", "fine"):
            est = getattr(self, name)
            if not isinstance(est, ScoreEstimator):
                raise ValueError(f"{name} must be a ScoreEstimator (got {est!r})")
        try:
            self.sigma_0_ = check_sigma(self.sigma_0)
        except ValueError:
            raise ValueError(
                f"sigma_0 must be a finite number > 0 (got {self.sigma_0!r})"
            ) from None
        self.coarse_ = clone(self.coarse).fit(X)
        self.fine_ = clone(self.fine).fit(X)
        self.n_features_in_ = self.coarse_.n_features_in_
        return self

    def _pick(self, sigma: float) -> ScoreEstimator:
        return self.coarse_ if sigma >= self.sigma_0_ else self.fine_

    def _score(self, x, sigma):
        return self._pick(sigma).score(x, sigma)

    def denoise(self, x, sigma):
        """The denoiser of the estimator in charge at sigma.

        Parameters
        ----------
        x : (m, d) array
            Query points.
        sigma : float > 0
            Noise level.

        Returns
        -------
        (m, d) array
            coarse_.denoise(x, sigma) if sigma >= sigma_0 else fine_.denoise(x, sigma).
        """
        x, sigma = self._check_query(x, sigma)
        return self._pick(sigma).denoise(x, sigma)
