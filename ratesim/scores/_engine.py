"""Gaussian softmax sums for the score estimators, delegated to the engine ``ratesim.kernels``.

With weights w_i = a_i exp(-|q - y_i|^2 / (2 sigma^2)), a_i = exp(log_weights_i):

``gauss_lse``      log sum_i w_i                                      (m,)
``gauss_mean``     sum_i w_i v_i / sum_i w_i  (v = values, default y)  (m, p)
``gauss_moments``  (lse, weighted mean of y)                          ((m,), (m, d))

These thin wrappers only fix the calling convention used in ``ratesim.scores``; the engine owns
numerical stability (log-sum-exp, truncation with a stated relative tolerance TOL = 1e-12, dense or
KD-tree mode chosen automatically). ``data`` is an (N, d) array or a ``GaussianIndex``.
"""

from __future__ import annotations

import numpy as np

from ..kernels import GaussianIndex, log_sum_exp_gauss, softmax_average, softmax_moments

TOL = 1e-12


def make_index(X: np.ndarray) -> GaussianIndex:
    """The engine's KD-tree index of a fixed data set, built once in ``fit`` (saves hashing the
    data on every call; the wrappers below accept it in place of the array)."""
    return GaussianIndex(X)


def gauss_lse(data, queries, sigma, log_weights=None) -> np.ndarray:
    return np.asarray(log_sum_exp_gauss(data, queries, sigma, log_weights=log_weights, tol=TOL))


def gauss_mean(data, queries, sigma, values=None, log_weights=None) -> np.ndarray:
    return np.asarray(
        softmax_average(data, queries, sigma, values=values, log_weights=log_weights, tol=TOL)
    )


def gauss_moments(data, queries, sigma, log_weights=None) -> tuple[np.ndarray, np.ndarray]:
    mom = softmax_moments(data, queries, sigma, log_weights=log_weights, tol=TOL)
    return np.asarray(mom.lse), np.asarray(mom.mean)
