"""The empirical score and its smoothed (coarse) versions.

All four estimators are built on the Gaussian softmax of the training points (docs/science.md,
exact references): with w_i(x) = softmax_i(-|x - x_i|^2 / (2 sigma^2)),

    s_N(x, sigma) = (sum_i w_i x_i - x) / sigma^2,
    log p_sigma^N(x) = log (1/N) sum_i N(x; x_i, sigma^2 I).
"""

from __future__ import annotations

from abc import abstractmethod

import numpy as np

from .._validation import RNGLike, as_generator, check_int
from ._base import ScoreEstimator, check_bandwidth
from ._engine import gauss_lse, gauss_mean, make_index


def _empirical_score(data, x: np.ndarray, tau: float) -> np.ndarray:
    """(softmax mean of the data - x) / tau^2; ``data`` an array or a GaussianIndex."""
    return (gauss_mean(data, x, tau) - x) / tau**2


def _empirical_log_density(data, n: int, x: np.ndarray, tau: float) -> np.ndarray:
    """log (1/n) sum_i N(x; x_i, tau^2 I) for the n points of ``data``."""
    d = x.shape[1]
    return gauss_lse(data, x, tau) - np.log(n) - 0.5 * d * np.log(2.0 * np.pi * tau**2)


def _principal_axes(X: np.ndarray) -> np.ndarray:
    """Orthonormal principal axes (columns) of the training set, used to place perturbation and
    noise nodes so that estimators are rotation equivariant and permutation invariant.

    Each axis a is signed so that sum_i <x_i - mean, a>^3 > 0 (a rotation-equivariant rule). Axes
    where that third moment vanishes (symmetric directions, or the null space of data lying in a
    subspace) get the sign of their largest component, except the last one, which makes the frame
    right-handed (det = +1). Hence exact rotation equivariance whenever at most one axis is
    undetermined (e.g. a curve in R^3); otherwise equivariance holds in distribution only.
    Identity when the centred data are zero (e.g. N = 1).
    """
    Xc = X - X.mean(axis=0)
    d = X.shape[1]
    if not np.any(Xc):
        return np.eye(d)
    _, sv, vt = np.linalg.svd(Xc, full_matrices=True)
    sv = np.concatenate([sv, np.zeros(d - sv.size)])
    axes = vt.T.copy()
    proj = Xc @ axes
    skew = np.sum(proj**3, axis=0)
    scale = np.sum(np.abs(proj) ** 3, axis=0)
    free = []
    for j in range(d):
        if sv[j] > 1e-9 * sv[0] and abs(skew[j]) > 1e-8 * scale[j]:
            axes[:, j] *= np.sign(skew[j])
        else:
            free.append(j)
    if free:  # orient the frame (det = +1): fixes the last undetermined sign under rotations
        for j in free[:-1]:
            axes[:, j] *= np.sign(axes[np.argmax(np.abs(axes[:, j])), j])
        if np.linalg.det(axes) < 0:
            axes[:, free[-1]] *= -1.0
    return np.ascontiguousarray(axes)


class EmpiricalScore(ScoreEstimator):
    """Exact score of the smoothed empirical measure mu_N * N(0, sigma^2 I).

    s_N(x) = (sum_i w_i x_i - x) / sigma^2 with weights w_i = softmax(-|x - x_i|^2/(2 sigma^2))
    (the score of the equal-weight Gaussian mixture). It is the global minimizer
    of denoising score matching on the training set, and it memorizes: as sigma -> 0 its denoiser
    returns the nearest training point (reverse diffusion reproduces the training set; Biroli et
    al. 2024; the control of P1). ``log_density`` is exact.

    Attributes
    ----------
    X_ : (N, d) array
        Training set; ``n_samples_``, ``n_features_in_``.
    index_ : GaussianIndex or (N, d) array
        The kernel index of ``X_``.
    """

    def __init__(self):
        pass

    def fit(self, X) -> EmpiricalScore:
        """Store the training set and its kernel index.

        Parameters
        ----------
        X : (N, d) array
            Training set.

        Returns
        -------
        EmpiricalScore
            self, fitted.
        """
        self.index_ = make_index(self._fit_points(X))
        return self

    def _score(self, x, sigma):
        return _empirical_score(self.index_, x, sigma)

    def log_density(self, x, sigma) -> np.ndarray:
        """The exact log-density of mu_N * N(0, sigma^2 I) (log-sum-exp).

        Parameters
        ----------
        x : (m, d) array
            Query points.
        sigma : float > 0
            Noise level.

        Returns
        -------
        (m,) array
            log p_sigma^N(x) = log (1/N) sum_i N(x; x_i, sigma^2 I).
        """
        x, sigma = self._check_query(x, sigma)
        return _empirical_log_density(self.index_, self.n_samples_, x, sigma)


class SmoothedScore(ScoreEstimator):
    """Coarse empirical score with an extra isotropic bandwidth h (``bandwidth``).

    The score of mu_N * N(0, (sigma^2 + h^2) I), used at noise level sigma:
    s(x, sigma) = (sum_i w_i x_i - x) / tau^2 with tau^2 = sigma^2 + h^2 and weights at scale tau.
    ``denoise`` keeps Tweedie's form x + sigma^2 s, so as sigma -> 0 the drift tends to the
    h-smoothed score instead of the nearest training point.

    Bias/variance: h is the bandwidth of a Gaussian kernel density estimate of mu_data (the score is
    exactly that of the KDE mu_N * N(0, h^2 I) diffused to sigma). Larger h lowers the variance
    (the score no longer resolves individual samples: no memorization below h) at the price of a
    smoothing bias of order h^2 in the density and of a normal spread h around M (the KDE puts mass
    off the manifold). h = 0 is ``EmpiricalScore``.

    Parameters
    ----------
    bandwidth : float >= 0
        The extra bandwidth h.

    Attributes
    ----------
    bandwidth_ : float
        The validated ``bandwidth``.
    X_ : (N, d) array
        Training set; ``n_samples_``, ``n_features_in_``.
    """

    def __init__(self, bandwidth: float = 0.1):
        self.bandwidth = bandwidth

    def fit(self, X) -> SmoothedScore:
        """Validate the bandwidth, store the training set and its kernel index.

        Parameters
        ----------
        X : (N, d) array
            Training set.

        Returns
        -------
        SmoothedScore
            self, fitted.
        """
        self.bandwidth_ = check_bandwidth(self.bandwidth, "bandwidth", allow_zero=True)
        self.index_ = make_index(self._fit_points(X))
        return self

    def _tau(self, sigma):
        return float(np.sqrt(sigma**2 + self.bandwidth_**2))

    def _score(self, x, sigma):
        return _empirical_score(self.index_, x, self._tau(sigma))

    def log_density(self, x, sigma) -> np.ndarray:
        """The log-density of mu_N * N(0, (sigma^2 + h^2) I).

        Parameters
        ----------
        x : (m, d) array
            Query points.
        sigma : float > 0
            Noise level.

        Returns
        -------
        (m,) array
            log (1/N) sum_i N(x; x_i, (sigma^2 + h^2) I).
        """
        x, sigma = self._check_query(x, sigma)
        return _empirical_log_density(self.index_, self.n_samples_, x, self._tau(sigma))


class _PerturbationAverage(ScoreEstimator):
    """Shared machinery: s(x) = sum_j c_j s_N(x + e_j, sigma) over fixed perturbation nodes e_j."""

    @abstractmethod
    def _nodes(self, X) -> tuple[np.ndarray, np.ndarray]:
        """Perturbation nodes (n_nodes, d) and their weights (n_nodes,), summing to 1."""

    def fit(self, X):
        """Validate the hyper-parameters, store the training set and fix the perturbation nodes.

        Parameters
        ----------
        X : (N, d) array
            Training set.

        Returns
        -------
        self
            Fitted (``bandwidth_``, ``X_``, ``axes_``, ``perturbations_``, ``node_weights_``).
        """
        self.bandwidth_ = check_bandwidth(self.bandwidth, "bandwidth", allow_zero=True)
        X = self._fit_points(X)
        self.index_ = make_index(X)
        self.axes_ = _principal_axes(X)
        self.perturbations_, self.node_weights_ = self._nodes(X)
        return self

    def _score(self, x, sigma):
        # stack the shifted queries in blocks of at most ~4e6 numbers (memory stays bounded)
        m, d = x.shape
        E, c = self.perturbations_, self.node_weights_
        per_block = max(1, int(4e6 // max(1, m * d)))
        out = np.zeros_like(x)
        for start in range(0, E.shape[0], per_block):
            Eb, cb = E[start : start + per_block], c[start : start + per_block]
            q = (x[None, :, :] + Eb[:, None, :]).reshape(-1, d)
            s = _empirical_score(self.index_, q, sigma).reshape(Eb.shape[0], m, d)
            out += np.einsum("j,jmd->md", cb, s)
        return out


class ClosedFormScore(_PerturbationAverage):
    """Smoothed closed-form score of Scarvelis, Borde and Solomon (2023, "Closed-form diffusion
    models", the smoothed CFDM): the empirical score averaged over Gaussian perturbations of the
    query,

        s(x, sigma) = (1/J) sum_j s_N(x + h z_j, sigma),   z_j ~ N(0, I_d) i.i.d.,

    a Monte-Carlo estimate of (K_h * s_N)(x) with the Gaussian kernel K_h. The J = ``n_perturb``
    directions are drawn once in ``fit`` from ``rng`` (and expressed in the principal axes of the
    training set, which makes the estimator rotation equivariant), so the score is a deterministic,
    smooth function of x given the seed.

    Bias/variance: h trades the memorizing variance of s_N (which resolves every training point)
    for a smoothing bias of order h^2 |Delta s| and lets reverse diffusion generate novel points on
    barycentres of nearby samples; the frozen Monte-Carlo nodes add an O(h / sqrt(J)) error.

    Parameters
    ----------
    bandwidth : float >= 0
        Perturbation scale h.
    n_perturb : int >= 1
        Number J of perturbations.
    rng : numpy Generator, SeedSequence or int seed
        Source of the perturbations, drawn in ``fit`` (required; an int seed makes every ``fit``
        draw the same nodes).

    Attributes
    ----------
    bandwidth_ : float
        The validated ``bandwidth``.
    perturbations_ : (J, d) array
        The frozen perturbations h z_j (on the principal axes ``axes_`` of the training set).
    node_weights_ : (J,) array
        Their weights, 1/J.
    X_ : (N, d) array
        Training set; ``n_samples_``, ``n_features_in_``.
    """

    def __init__(self, bandwidth: float = 0.1, n_perturb: int = 32, *, rng: RNGLike):
        self.bandwidth = bandwidth
        self.n_perturb = n_perturb
        self.rng = rng

    def _nodes(self, X):
        n = check_int(self.n_perturb, "n_perturb", low=1)
        gen = as_generator(self.rng, "rng")
        z = gen.standard_normal((n, X.shape[1]))
        return np.ascontiguousarray(self.bandwidth_ * z @ self.axes_.T), np.full(n, 1.0 / n)


class KernelSmoothedScore(_PerturbationAverage):
    """Kernel-smoothed empirical score of Gabriel, Ged, Han Veiga and Schertzer (2025,
    "Kernel-smoothed scores for denoising diffusion: a bias-variance study"): the empirical score
    convolved in space with a Gaussian kernel of width h,

        s(x, sigma) = (K_h * s_N(., sigma))(x) = E_z[s_N(x + h z, sigma)],   z ~ N(0, I_d),

    the gradient of the log of their LED-KDE (log-exponential double-kernel density estimator).
    The expectation is computed deterministically with the symmetric degree-3 cubature rule for
    N(0, I_d): 2d nodes +- sqrt(d) h a_i on the principal axes a_i of the training set, equal
    weights 1/(2d) (exact for polynomials of degree <= 3, so the rule error is O(h^4) where s_N is
    smooth at scale h; no randomness, rotation equivariant).

    Bias/variance: Gabriel et al. show that the smoothing kernel reduces the variance of the
    empirical score like an increase of the sample size, at a bias of order h^2 |Delta s|; the
    first (ambient) Gaussian kernel spreads mass isotropically, the score-space kernel spreads it
    along the data manifold.

    Parameters
    ----------
    bandwidth : float >= 0
        Kernel width h.

    Attributes
    ----------
    bandwidth_ : float
        The validated ``bandwidth``.
    perturbations_ : (2 d, d) array
        The cubature nodes +- sqrt(d) h a_i.
    node_weights_ : (2 d,) array
        Their weights, 1/(2 d).
    X_ : (N, d) array
        Training set; ``n_samples_``, ``n_features_in_``.
    """

    def __init__(self, bandwidth: float = 0.1):
        self.bandwidth = bandwidth

    def _nodes(self, X):
        d = X.shape[1]
        a = np.sqrt(d) * self.bandwidth_ * self.axes_.T  # (d, d) rows = scaled axes
        return np.ascontiguousarray(np.concatenate([a, -a])), np.full(2 * d, 1.0 / (2 * d))
