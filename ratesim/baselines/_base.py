"""The baseline contract: estimators of mu_data from N samples that can generate samples.

``fit(X)`` validates and stores, returns self; ``sample(n, rng=rng)`` draws n points in R^d
(``rng`` is required). Parameters are stored verbatim in ``__init__`` (scikit-learn style);
everything derived from the data ends with an underscore and is set by ``fit``.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod

import numpy as np

from .._validation import NotFittedError, RNGLike, as_points


class Baseline(ABC):
    """Tiny base class: get_params / repr / fitted check / point validation.

    Subclasses store their hyper-parameters verbatim in ``__init__`` and implement
    :meth:`sample` (and :meth:`fit` when they derive more than the training set).
    """

    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p for p in sig.parameters if p != "self"]

    def get_params(self) -> dict:
        """The hyper-parameters as given to the constructor.

        Returns
        -------
        dict
            Parameter name -> value.
        """
        return {name: getattr(self, name) for name in self._param_names()}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def _check_fitted(self) -> None:
        if not hasattr(self, "X_"):
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet. Call 'fit' with the "
                "training samples first."
            )

    def _fit_points(self, X) -> np.ndarray:
        X = as_points(X, "X")
        self.X_ = X
        self.n_samples_, self.n_features_in_ = X.shape
        return X

    def fit(self, X) -> Baseline:
        """Validate and store the training set.

        Parameters
        ----------
        X : (N, d) array
            Training samples.

        Returns
        -------
        Baseline
            self, fitted (``X_``, ``n_samples_``, ``n_features_in_``).
        """
        self._fit_points(X)
        return self

    @abstractmethod
    def sample(self, n: int, *, rng: RNGLike) -> np.ndarray:
        """Draw from the fitted estimate of mu_data.

        Parameters
        ----------
        n : int >= 1
            Number of draws.
        rng : numpy Generator, SeedSequence or int seed
            Source of the draws (required).

        Returns
        -------
        (n, d) array
            Points in R^d.
        """
