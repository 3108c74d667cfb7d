"""The baseline contract: estimators of mu_data from N samples that can generate samples.

``fit(X)`` validates and stores, returns self; ``sample(n, rng)`` draws n points in R^d. Parameters
are stored verbatim in ``__init__`` (scikit-learn style); everything derived from the data ends with
an underscore and is set by ``fit``.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod

import numpy as np

from .._validation import NotFittedError, as_points


class Baseline(ABC):
    """Tiny base class: get_params / repr / fitted check / point validation."""

    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p for p in sig.parameters if p != "self"]

    def get_params(self) -> dict:
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
        self._fit_points(X)
        return self

    @abstractmethod
    def sample(self, n: int, rng) -> np.ndarray:
        """n points in R^d from the fitted estimate of mu_data."""
