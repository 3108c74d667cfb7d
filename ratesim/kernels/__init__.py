"""The Gaussian softmax engine: stable log-sum-exp and softmax averages, dense and truncated.

Public API (all float64, parallel over queries with numba):

- :func:`log_sum_exp_gauss` -- log sum_i a_i exp(-|q - y_i|^2 / (2 sigma^2))
- :func:`softmax_average` -- sum_i w_i v_i / sum_i w_i
- :func:`softmax_moments` -- lse, posterior mean and mean squared distance in one pass
- :func:`softmax_covariance` -- posterior mean and covariance
- :class:`GaussianIndex` -- a data set with its KD-tree, reusable across calls
- :func:`neighbour_counts` -- how many points the truncated mode visits per query

The private module ``_sobolev`` holds the numba pair sums of ``metrics.sobolev_to_law`` (the
screened H^-1 distance on flat tori).
"""

from ._api import (
    Moments,
    log_sum_exp_gauss,
    neighbour_counts,
    softmax_average,
    softmax_covariance,
    softmax_moments,
)
from ._index import GaussianIndex, clear_index_cache

__all__ = [
    "GaussianIndex",
    "Moments",
    "clear_index_cache",
    "log_sum_exp_gauss",
    "neighbour_counts",
    "softmax_average",
    "softmax_covariance",
    "softmax_moments",
]
