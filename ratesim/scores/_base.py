"""The score-estimator contract (scikit-learn style).

Every estimator stores its hyper-parameters verbatim in ``__init__``, validates them and the
training set in ``fit(X)`` (which returns ``self``), and exposes, for the variance-exploding family
p_sigma = mu * N(0, sigma^2 I):

``score(x, sigma)``        grad log p_sigma(x), shape (m, d)
``denoise(x, sigma)``      x + sigma^2 score(x, sigma) (Tweedie: E[x0 | x] for an exact score)
``log_density(x, sigma)``  log p_sigma(x), shape (m,), only where a normalized density exists

Fitted attributes end in ``_``. Calling a method before ``fit`` raises ``NotFittedError``. We do not
subclass scikit-learn's ``BaseEstimator``: ``score`` means something else there.
"""

from __future__ import annotations

import copy
import inspect
from abc import ABC, abstractmethod

import numpy as np

from .._registry import did_you_mean
from .._validation import NotFittedError, as_points, check_positive


def check_sigma(sigma) -> float:
    """Validate a noise level.

    Parameters
    ----------
    sigma : float
        Noise level of p_sigma = mu * N(0, sigma^2 I).

    Returns
    -------
    float
        ``sigma`` as a finite float > 0.

    Raises
    ------
    ValueError
        Saying why, for anything else (one noise level per call, never an array).
    """
    try:
        v = float(sigma)
    except (TypeError, ValueError):
        raise ValueError(
            f"sigma must be a real number > 0 (got {sigma!r}): one noise level per call"
        ) from None
    if not np.isfinite(v) or v <= 0:
        raise ValueError(
            f"sigma must be finite and > 0 (got {sigma!r}): the smoothed law p_sigma = "
            "mu * N(0, sigma^2 I) is undefined at sigma <= 0"
        )
    return v


def check_bandwidth(bandwidth, name: str = "bandwidth", allow_zero: bool = False) -> float:
    """Return a bandwidth as a finite float > 0 (or >= 0)."""
    return check_positive(bandwidth, name, allow_zero=allow_zero)


class ScoreEstimator(ABC):
    """Tiny local base class: parameters, repr, cloning, validation and Tweedie's denoiser.

    Subclasses implement ``fit(X)`` (which must call ``self._fit_points(X)`` or set
    ``n_features_in_``) and ``_score(x, sigma)`` on validated inputs.
    """

    # ----- parameters --------------------------------------------------------------------------
    @classmethod
    def _get_param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [
            p.name
            for p in sig.parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]

    def get_params(self, deep: bool = True) -> dict:
        """Hyper-parameters as given to the constructor.

        Parameters
        ----------
        deep : bool
            Also return the parameters of nested estimators as ``base__param`` entries (as in
            scikit-learn).

        Returns
        -------
        dict
            Parameter name -> value.
        """
        out = {}
        for name in self._get_param_names():
            value = getattr(self, name)
            out[name] = value
            if deep and isinstance(value, ScoreEstimator):
                for sub, subval in value.get_params(deep=True).items():
                    out[f"{name}__{sub}"] = subval
        return out

    def set_params(self, **params) -> ScoreEstimator:
        """Set hyper-parameters.

        Parameters
        ----------
        **params
            New values by name; ``base__bandwidth=...`` reaches the parameter of a nested
            estimator.

        Returns
        -------
        ScoreEstimator
            self.

        Raises
        ------
        ValueError
            For a name the estimator does not take (with a did-you-mean).
        """
        valid = self._get_param_names()
        nested: dict[str, dict] = {}
        for key, value in params.items():
            name, _, sub = key.partition("__")
            if name not in valid:
                raise ValueError(
                    f"{type(self).__name__} takes no parameter {name!r}" + did_you_mean(name, valid)
                )
            if sub:
                nested.setdefault(name, {})[sub] = value
            else:
                setattr(self, name, value)
        for name, sub_params in nested.items():
            getattr(self, name).set_params(**sub_params)
        return self

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params(deep=False).items())
        return f"{type(self).__name__}({params})"

    # ----- validation --------------------------------------------------------------------------
    def _is_fitted(self) -> bool:
        return hasattr(self, "n_features_in_")

    def _check_fitted(self) -> None:
        if not self._is_fitted():
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet. Call 'fit' with a "
                "training set before using score, denoise or log_density."
            )

    def _fit_points(self, X) -> np.ndarray:
        """Validate the training set and set ``X_``, ``n_samples_``, ``n_features_in_``."""
        X = as_points(X, "X")
        self.X_ = X
        self.n_samples_, self.n_features_in_ = X.shape
        return X

    def _check_query(self, x, sigma) -> tuple[np.ndarray, float]:
        self._check_fitted()
        sigma = check_sigma(sigma)
        x = as_points(x, "x", d=self.n_features_in_)
        return x, sigma

    # ----- public API --------------------------------------------------------------------------
    @abstractmethod
    def fit(self, X) -> ScoreEstimator:
        """Validate the training set and store what the estimator needs.

        Parameters
        ----------
        X : (N, d) array
            Training set.

        Returns
        -------
        ScoreEstimator
            self, fitted.
        """

    def score(self, x, sigma) -> np.ndarray:
        """The score grad log p_sigma.

        Parameters
        ----------
        x : (m, d) array
            Query points.
        sigma : float > 0
            Noise level.

        Returns
        -------
        (m, d) array
            The (estimated) score at the rows of ``x``.
        """
        x, sigma = self._check_query(x, sigma)
        return self._score(x, sigma)

    def denoise(self, x, sigma) -> np.ndarray:
        """Tweedie's denoiser x + sigma^2 score(x, sigma) (E[x0 | x] for an exact score).

        Parameters
        ----------
        x : (m, d) array
            Query points.
        sigma : float > 0
            Noise level.

        Returns
        -------
        (m, d) array
            The denoised points.
        """
        x, sigma = self._check_query(x, sigma)
        return x + sigma**2 * self._score(x, sigma)

    @abstractmethod
    def _score(self, x: np.ndarray, sigma: float) -> np.ndarray:
        """The score on validated queries x (m, d) and a validated sigma."""


def clone(estimator: ScoreEstimator) -> ScoreEstimator:
    """A new unfitted estimator with the same hyper-parameters (nested estimators cloned too).

    Parameters
    ----------
    estimator : ScoreEstimator
        Fitted or not.

    Returns
    -------
    ScoreEstimator
        An unfitted copy (``rng`` and the other hyper-parameters deep-copied).
    """
    if not isinstance(estimator, ScoreEstimator):
        raise ValueError(f"estimator must be a ScoreEstimator (got {type(estimator).__name__})")
    params = {}
    for name, value in estimator.get_params(deep=False).items():
        params[name] = clone(value) if isinstance(value, ScoreEstimator) else copy.deepcopy(value)
    return type(estimator)(**params)
