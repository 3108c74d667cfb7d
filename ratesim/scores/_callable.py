"""A score model trained elsewhere, as a ratesim score estimator."""

from __future__ import annotations

import numpy as np

from ._base import ScoreEstimator


class CallableScore(ScoreEstimator):
    """Any function ``fn(x, sigma) -> score`` as a score estimator, so that ratesim's samplers,
    metrics and studies run on a model trained elsewhere (a network, a closed form).

    ``fit(X)`` trains nothing: it records the dimension of the training set (and keeps it, as
    ``X_``, for the metrics that compare samples with it) and checks one evaluation of ``fn`` on
    two of its rows. ``score`` calls ``fn`` on validated queries and checks what it returns;
    ``denoise`` is Tweedie's x + sigma^2 score(x, sigma) (docs/science.md).

    Parameters
    ----------
    fn : callable
        ``fn(x, sigma)`` with x a float64 array (m, d) and sigma a float > 0, returning the score
        at the rows of x as an array-like (m, d) (a NumPy array, or anything ``np.asarray``
        converts, such as a JAX array).

    Attributes
    ----------
    X_ : (N, d) array
        The training set given to ``fit``; ``n_samples_``, ``n_features_in_``.

    Examples
    --------
    >>> import numpy as np
    >>> from ratesim.scores import CallableScore
    >>> gaussian = CallableScore(lambda x, sigma: -x / (1.0 + sigma**2))  # N(0, I) data
    >>> est = gaussian.fit(np.zeros((2, 3)))
    >>> est.denoise(np.ones((1, 3)), 1.0)
    array([[0.5, 0.5, 0.5]])
    """

    def __init__(self, fn=None):
        self.fn = fn

    def fit(self, X) -> CallableScore:
        """Record the training set's dimension and check ``fn`` on two of its rows.

        Parameters
        ----------
        X : (N, d) array
            The data the model was trained on (or any sample of its data law).

        Returns
        -------
        CallableScore
            self, fitted.
        """
        if not callable(self.fn):
            raise ValueError(f"fn must be a callable fn(x, sigma) -> score (got {self.fn!r})")
        X = self._fit_points(X)
        self._score(X[:2], 1.0)
        return self

    def _score(self, x: np.ndarray, sigma: float) -> np.ndarray:
        out = np.asarray(self.fn(x, sigma), dtype=np.float64)
        if out.shape != x.shape:
            raise ValueError(
                f"fn(x, sigma) must return an array of the queries' shape {x.shape} (got shape "
                f"{out.shape} at sigma = {sigma:g})"
            )
        if not np.all(np.isfinite(out)):
            raise FloatingPointError(
                f"fn(x, sigma) returned non-finite values at sigma = {sigma:g} (e.g. at the query "
                f"{x[~np.all(np.isfinite(out), axis=1)][0]})"
            )
        return out
