"""Nonparametric regression of the denoising target E[x0 | x] (Tweedie), and the kNN score.

By Tweedie's formula the score is s(x, sigma) = (E[x0 | x] - x) / sigma^2 with x = x0 + sigma z.
The regression estimators draw, once in ``fit``, ``n_noise`` standard normal vectors z_ij per
training point x_i (assigned by the rank of |x_i - mean(X)| and expressed on the principal axes of
X, so that the estimators are permutation invariant and rotation equivariant); at noise level sigma
the noisy pairs are (x_i + sigma z_ij, x_i), and
E[x0 | x] is estimated by Gaussian-kernel regression with bandwidth h (``bandwidth``) on those
pairs.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from .._validation import RNGLike, as_generator, check_int
from ._base import ScoreEstimator, check_bandwidth
from ._empirical import _principal_axes
from ._engine import gauss_mean
from ._localpoly import _local_poly_kernel, monomial_exponents, n_blocks

RIDGE = 1e-10


class _NoisyPairs(ScoreEstimator):
    def _fit_pairs(self, X):
        self.bandwidth_ = check_bandwidth(self.bandwidth, "bandwidth")
        X = self._fit_points(X)
        n_noise = check_int(self.n_noise, "n_noise", low=1)
        gen = as_generator(self.rng, "rng")
        z = gen.standard_normal((X.shape[0], n_noise, X.shape[1]))
        # noise of point i = z[rank of |x_i - mean|] on the principal axes: permutation invariant
        # and rotation equivariant (see _principal_axes)
        rank = np.argsort(np.argsort(np.linalg.norm(X - X.mean(axis=0), axis=1), kind="stable"))
        self.noise_ = np.ascontiguousarray(z[rank] @ _principal_axes(X).T)
        self.targets_ = np.ascontiguousarray(np.repeat(X, n_noise, axis=0))
        return X

    def _inputs(self, sigma):
        d = self.n_features_in_
        return np.ascontiguousarray((self.X_[:, None, :] + sigma * self.noise_).reshape(-1, d))


class NadarayaWatsonScore(_NoisyPairs):
    """Nadaraya-Watson estimate of the denoiser E[x0 | x] from noisy pairs, then Tweedie.

    m_hat(x) = sum_ij K_h(x - x_i - sigma z_ij) x_i / sum_ij K_h(x - x_i - sigma z_ij) with the
    Gaussian kernel K_h; s(x, sigma) = (m_hat(x) - x) / sigma^2 (Nadaraya 1964, Watson 1964; the
    regression view of denoising score matching, Vincent 2011). As n_noise -> infinity the estimate
    tends to the denoiser of mu_N * N(0, (sigma^2 + h^2) I) weighted at that scale (a smoothed
    empirical score): h is the bias (smoothing) / variance (Monte-Carlo pairs and samples) knob.

    Parameters
    ----------
    bandwidth : float > 0
        Regression bandwidth h.
    n_noise : int >= 1
        Noisy copies per training point.
    rng : numpy Generator, SeedSequence or int seed
        Source of the noise, drawn once in ``fit`` (required; deterministic given a seed).
    """

    def __init__(self, bandwidth: float = 0.1, n_noise: int = 8, *, rng: RNGLike):
        self.bandwidth = bandwidth
        self.n_noise = n_noise
        self.rng = rng

    def fit(self, X) -> NadarayaWatsonScore:
        self._fit_pairs(X)
        return self

    def _score(self, x, sigma):
        m = gauss_mean(self._inputs(sigma), x, self.bandwidth_, values=self.targets_)
        return (m - x) / sigma**2


class LocalPolynomialScore(_NoisyPairs):
    """Local polynomial (degree p) estimate of the denoiser E[x0 | x] from noisy pairs; Tweedie.

    At each query x, weighted least squares of x0 on the monomials of degree <= p of (x_ij - x)/h,
    with Gaussian weights K_h(x_ij - x), x_ij = x_i + sigma z_ij; m_hat(x) is the intercept (Fan and
    Gijbels 1996, ch. 3; p = 1 is local-linear, p = 0 is Nadaraya-Watson). Local-polynomial
    regression reproduces polynomials of degree <= p exactly, which removes the design bias of
    Nadaraya-Watson near the manifold (its boundary-like, anisotropic design) at the cost of a
    larger variance; h is the bias/variance knob. A ridge of 1e-10 times the mean diagonal keeps
    the solve defined when fewer than binom(d + p, p) pairs carry weight.

    Parameters
    ----------
    bandwidth : float > 0
        Regression bandwidth h.
    degree : int >= 0
        Polynomial degree p.
    n_noise : int >= 1
        Noisy copies per training point.
    rng : numpy Generator, SeedSequence or int seed
        Source of the noise, drawn once in ``fit`` (required).
    """

    def __init__(self, bandwidth: float = 0.1, degree: int = 1, n_noise: int = 8, *, rng: RNGLike):
        self.bandwidth = bandwidth
        self.degree = degree
        self.n_noise = n_noise
        self.rng = rng

    def fit(self, X) -> LocalPolynomialScore:
        self.degree_ = check_int(self.degree, "degree", low=0, high=4)
        X = self._fit_pairs(X)
        self.exponents_ = monomial_exponents(X.shape[1], self.degree_)
        return self

    def _score(self, x, sigma):
        inputs = self._inputs(sigma)
        out = np.empty_like(x)
        _local_poly_kernel(
            inputs,
            self.targets_,
            np.zeros(inputs.shape[0]),
            x,
            float(self.bandwidth_),
            self.exponents_,
            RIDGE,
            out,
            n_blocks(x.shape[0]),
        )
        return (out - x) / sigma**2


def local_polynomial_regression(
    inputs, targets, queries, bandwidth: float, degree: int = 1
) -> np.ndarray:
    """Gaussian-weighted local polynomial regression (the core of ``LocalPolynomialScore``).

    At each query, weighted least squares of the targets on the monomials of degree <= ``degree``
    of (input - query) / h with weights exp(-|input - query|^2 / (2 h^2)), h = ``bandwidth``; the
    fitted value is the intercept.

    Parameters
    ----------
    inputs : (n, q) array
        Design points.
    targets : (n, r) array
        Responses, one row per design point.
    queries : (m, q) array
        Where to evaluate the fit.
    bandwidth : float > 0
        Kernel bandwidth h.
    degree : int in [0, 4]
        Polynomial degree (0: Nadaraya-Watson, 1: local linear).

    Returns
    -------
    (m, r) array
        The fitted values at the queries (intercepts of the local fits). Exact for targets that
        are polynomials of degree <= ``degree`` in the inputs (up to the 1e-10 relative ridge).
    """
    from .._validation import as_points

    inputs = as_points(inputs, "inputs")
    targets = as_points(targets, "targets")
    if targets.shape[0] != inputs.shape[0]:
        raise ValueError(
            f"targets must have one row per input row (got {targets.shape[0]} and "
            f"{inputs.shape[0]})"
        )
    queries = as_points(queries, "queries", d=inputs.shape[1])
    h = check_bandwidth(bandwidth, "bandwidth")
    degree = check_int(degree, "degree", low=0, high=4)
    out = np.empty((queries.shape[0], targets.shape[1]))
    _local_poly_kernel(
        inputs,
        targets,
        np.zeros(inputs.shape[0]),
        queries,
        h,
        monomial_exponents(inputs.shape[1], degree),
        RIDGE,
        out,
        n_blocks(queries.shape[0]),
    )
    return out


class KNNScore(ScoreEstimator):
    """Nearest-neighbour score estimator of Niedoba et al. (2024, "Nearest neighbour score
    estimators for diffusion generative models").

    The posterior p(x0 = x_i | x) of the empirical measure is concentrated on the training points
    nearest to x; the estimator keeps the K = ``k_neighbors`` nearest (KD-tree) and self-normalizes
    the Gaussian weights over them:

        s(x, sigma) = (sum_{i in kNN(x)} w_i x_i / sum_{i in kNN(x)} w_i - x) / sigma^2.

    It equals ``EmpiricalScore`` when K >= N and is a low-variance, cheap approximation of it when
    the neighbours carry the posterior mass (small sigma); its truncation bias grows with sigma.

    Parameters
    ----------
    k_neighbors : int >= 1
        Number of neighbours (capped at N).
    """

    def __init__(self, k_neighbors: int = 32):
        self.k_neighbors = k_neighbors

    def fit(self, X) -> KNNScore:
        k = check_int(self.k_neighbors, "k_neighbors", low=1)
        X = self._fit_points(X)
        self.k_neighbors_ = min(k, X.shape[0])
        self.tree_ = cKDTree(X)
        return self

    def _score(self, x, sigma):
        _, idx = self.tree_.query(x, k=self.k_neighbors_)
        idx = np.asarray(idx).reshape(x.shape[0], self.k_neighbors_)
        nb = self.X_[idx]  # (m, K, d)
        d2 = np.sum((nb - x[:, None, :]) ** 2, axis=2)
        logw = -d2 / (2.0 * sigma**2)
        w = np.exp(logw - logw.max(axis=1, keepdims=True))
        mean = np.einsum("mk,mkd->md", w, nb) / w.sum(axis=1)[:, None]
        return (mean - x) / sigma**2
