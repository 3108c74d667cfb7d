"""Plain NumPy twins of the kernel engine (obviously right, float64, scipy logsumexp)."""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp


def exponents(data, queries, sigma, log_weights=None):
    """e[q, i] = l_i - |q - y_i|^2 / (2 sigma^2), direct differences."""
    data = np.asarray(data, dtype=np.float64)
    queries = np.asarray(queries, dtype=np.float64)
    diff = queries[:, None, :] - data[None, :, :]
    d2 = np.sum(diff * diff, axis=2)
    e = -d2 / (2.0 * sigma**2)
    if log_weights is not None:
        e = e + np.asarray(log_weights, dtype=np.float64)[None, :]
    return e, d2


def log_sum_exp_gauss(data, queries, sigma, log_weights=None):
    e, _ = exponents(data, queries, sigma, log_weights)
    return logsumexp(e, axis=1)


def weights(data, queries, sigma, log_weights=None):
    e, d2 = exponents(data, queries, sigma, log_weights)
    w = np.exp(e - logsumexp(e, axis=1, keepdims=True))
    return w / w.sum(axis=1, keepdims=True), d2


def softmax_average(data, queries, sigma, values=None, log_weights=None):
    w, _ = weights(data, queries, sigma, log_weights)
    v = np.asarray(data if values is None else values, dtype=np.float64)
    return w @ v


def softmax_moments(data, queries, sigma, log_weights=None):
    w, d2 = weights(data, queries, sigma, log_weights)
    lse = log_sum_exp_gauss(data, queries, sigma, log_weights)
    mean = w @ np.asarray(data, dtype=np.float64)
    msd = np.sum(w * d2, axis=1)
    return lse, mean, msd


def softmax_covariance(data, queries, sigma, log_weights=None):
    data = np.asarray(data, dtype=np.float64)
    w, _ = weights(data, queries, sigma, log_weights)
    mean = w @ data
    cov = np.empty((len(queries), data.shape[1], data.shape[1]))
    for q in range(len(queries)):
        z = data - mean[q]
        cov[q] = (w[q][:, None] * z).T @ z
    return mean, cov


def exp_reference(x):
    return np.exp(x)


def tree_node_boxes(points_in_tree_order, start, end, log_weights_in_tree_order):
    """Bounding boxes and max log-weight of every node, one node at a time."""
    n_nodes = len(start)
    d = points_in_tree_order.shape[1]
    lo = np.empty((n_nodes, d))
    hi = np.empty((n_nodes, d))
    lwmax = np.empty(n_nodes)
    for k in range(n_nodes):
        block = points_in_tree_order[start[k] : end[k]]
        lo[k] = block.min(axis=0)
        hi[k] = block.max(axis=0)
        lwmax[k] = log_weights_in_tree_order[start[k] : end[k]].max()
    return lo, hi, lwmax
