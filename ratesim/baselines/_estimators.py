"""Minimax baselines for estimating mu_data from N samples (docs/science.md, anchors).

- :class:`EmpiricalMeasure`: mu_N itself; E W_1(mu_N, mu) ~ N^(-1/k) (k >= 3; Weed & Bach 2019).
- :class:`GaussianKDE`: ambient Gaussian kernel density estimate mu_N * N(0, h^2 I_d).
- :class:`IntrinsicKDE`: kernel density estimate on M in intrinsic coordinates (Divol 2022-type):
  von Mises-Fisher kernel on spheres, wrapped Gaussian in angle coordinates otherwise.
- :class:`InertialDiffusion`: Lyu et al. (2025): sample exactly from mu_N * N(0, h^2 I) (the law of
  the exact empirical-score reverse diffusion stopped at level h), then one Tweedie step
  x + h^2 s_N(x, h) with the empirical score; h = N^(-1/(k+4)) gives W_1 = O(N^(-2/(k+4))).
"""

from __future__ import annotations

import numpy as np

from .._validation import RNGLike, as_generator, as_points, check_int, check_positive
from ..manifolds._sphere import Sphere
from ._base import Baseline

TWO_PI = 2.0 * np.pi
_RULES = ("scott", "silverman", "cv")


def _check_k(k, d):
    if k is None:
        return d
    k = check_int(k, "k", low=1)
    if k > d:
        raise ValueError(f"k must be <= the ambient dimension d = {d} (got k = {k})")
    return k


class EmpiricalMeasure(Baseline):
    """The empirical measure mu_N = (1/N) sum_i delta_{X_i}: sampling draws training points
    uniformly with replacement. The minimax rate for Lipschitz-test W_1 without smoothness.

    Attributes
    ----------
    X_ : (N, d) array
        Training set; ``n_samples_``, ``n_features_in_``.
    """

    def __init__(self):
        pass

    def sample(self, n: int, *, rng: RNGLike) -> np.ndarray:
        """Draw from the fitted estimate.

        Parameters
        ----------
        n : int >= 1
            Number of draws.
        rng : numpy Generator, SeedSequence or int seed
            Source of the draws (required).

        Returns
        -------
        (n, d) array
            Training points drawn uniformly with replacement.
        """
        self._check_fitted()
        n = check_int(n, "n", low=1)
        rng = as_generator(rng)
        return self.X_[rng.integers(0, self.n_samples_, size=n)]


class GaussianKDE(Baseline):
    """Ambient Gaussian KDE mu_N * N(0, h^2 I_d).

    Parameters
    ----------
    bandwidth : float, "scott", "silverman" or "cv"
        h > 0 directly, or a rule with the *intrinsic* dimension k in place of d:
        scott h = s N^(-1/(k+4)), silverman h = (4/(k+2))^(1/(k+4)) s N^(-1/(k+4)), with the spread
        s = sqrt(tr Cov(X) / k) (the data spread per intrinsic direction; per-coordinate standard
        deviations would shrink with the ambient d after a random rotation). "cv" maximizes the
        leave-one-out log-likelihood over 25 log-spaced multiples (0.05 to 3) of the Scott value.
    k : int or None
        Intrinsic dimension used by the rules (None: the ambient d, the classical rules).

    Attributes
    ----------
    bandwidth_ : float
        The bandwidth h used.
    k_ : int
        The dimension used by the rules.
    X_ : (N, d) array
        Training set; ``n_samples_``, ``n_features_in_``.
    """

    def __init__(self, bandwidth: float | str = "scott", k: int | None = None):
        self.bandwidth = bandwidth
        self.k = k

    def fit(self, X) -> GaussianKDE:
        """Store the training set and set the bandwidth (by its rule, if one is given).

        Parameters
        ----------
        X : (N, d) array
            Training samples.

        Returns
        -------
        GaussianKDE
            self, fitted.
        """
        X = self._fit_points(X)
        n, d = X.shape
        k = _check_k(self.k, d)
        if isinstance(self.bandwidth, str):
            if self.bandwidth not in _RULES:
                raise ValueError(
                    f"bandwidth must be a float > 0 or one of {_RULES} (got {self.bandwidth!r})"
                )
            if n < 2:
                raise ValueError(f"bandwidth rules need >= 2 samples (got {n})")
            spread = float(np.sqrt(np.trace(np.atleast_2d(np.cov(X.T))) / k))
            if not spread > 0:
                raise ValueError("bandwidth rules need samples that are not all equal")
            scott = spread * n ** (-1.0 / (k + 4))
            if self.bandwidth == "scott":
                h = scott
            elif self.bandwidth == "silverman":
                h = (4.0 / (k + 2)) ** (1.0 / (k + 4)) * scott
            else:
                grid = scott * np.geomspace(0.05, 3.0, 25)
                h = float(grid[int(np.argmax([self._loo_loglik(X, g) for g in grid]))])
        else:
            h = check_positive(self.bandwidth, "bandwidth")
        self.k_ = k
        self.bandwidth_ = float(h)
        return self

    @staticmethod
    def _loo_loglik(X, h) -> float:
        from ..kernels import log_sum_exp_gauss

        n, d = X.shape
        lse = log_sum_exp_gauss(X, X, h)
        with np.errstate(divide="ignore", invalid="ignore"):
            loo = lse + np.log1p(-np.exp(-lse))  # remove the self term exp(0) = 1
        ll = loo - np.log(n - 1) - 0.5 * d * np.log(2 * np.pi * h**2)
        return float(np.mean(ll)) if np.all(np.isfinite(ll)) else -np.inf

    def log_density(self, x) -> np.ndarray:
        """log of the KDE density (w.r.t. Lebesgue on R^d).

        Parameters
        ----------
        x : (m, d) array
            Query points.

        Returns
        -------
        (m,) array
            log (1/N) sum_i N(x; X_i, h^2 I).
        """
        from ..kernels import log_sum_exp_gauss

        self._check_fitted()
        x = as_points(x, "x", d=self.n_features_in_)
        h, n, d = self.bandwidth_, self.n_samples_, self.n_features_in_
        return log_sum_exp_gauss(self.X_, x, h) - np.log(n) - 0.5 * d * np.log(2 * np.pi * h**2)

    def sample(self, n: int, *, rng: RNGLike) -> np.ndarray:
        """Draw from the fitted estimate.

        Parameters
        ----------
        n : int >= 1
            Number of draws.
        rng : numpy Generator, SeedSequence or int seed
            Source of the draws (required).

        Returns
        -------
        (n, d) array
            X_I + h z, I uniform, z ~ N(0, I_d).
        """
        self._check_fitted()
        n = check_int(n, "n", low=1)
        rng = as_generator(rng)
        idx = rng.integers(0, self.n_samples_, size=n)
        return self.X_[idx] + self.bandwidth_ * rng.standard_normal((n, self.n_features_in_))


def sample_vmf(mu: np.ndarray, kappa: float, *, rng: RNGLike) -> np.ndarray:
    """One von Mises-Fisher draw around each unit row of ``mu`` (Wood 1994 rejection sampler for
    the cosine w, uniform tangent direction).

    Parameters
    ----------
    mu : (n, m) array
        Mean directions, unit rows in R^m (m >= 2).
    kappa : float > 0
        Concentration.
    rng : numpy Generator, SeedSequence or int seed
        Source of the draws (required).

    Returns
    -------
    (n, m) array
        Unit vectors, row i from vMF(mu_i, kappa).
    """
    rng = as_generator(rng)
    n, m = mu.shape
    b = (m - 1) / (2 * kappa + np.sqrt(4 * kappa**2 + (m - 1) ** 2))
    x0 = (1 - b) / (1 + b)
    c = kappa * x0 + (m - 1) * np.log(1 - x0**2)
    w = np.empty(n)
    todo = np.arange(n)
    while todo.size:
        z = rng.beta((m - 1) / 2, (m - 1) / 2, size=todo.size)
        ww = (1 - (1 + b) * z) / (1 - (1 - b) * z)
        u = rng.uniform(size=todo.size)
        ok = kappa * ww + (m - 1) * np.log(1 - x0 * ww) - c >= np.log(u)
        w[todo[ok]] = ww[ok]
        todo = todo[~ok]
    v = rng.standard_normal((n, m))
    v -= np.sum(v * mu, axis=1, keepdims=True) * mu
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return w[:, None] * mu + np.sqrt(np.maximum(1 - w**2, 0.0))[:, None] * v


class IntrinsicKDE(Baseline):
    """Kernel density estimate on M in intrinsic coordinates (Divol 2022-type minimax estimator for
    smooth densities): the training points are projected onto M and smoothed *along* M.

    Kernels: on a ``Sphere`` the von Mises-Fisher kernel with kappa = 1 / h^2 (geodesic bandwidth
    about h); on manifolds whose coordinates are k angles (``coord_dim == k``: flat torus, curves
    parametrized by an angle) the wrapped Gaussian u + h z mod 2 pi in the coordinates (smoothing
    w.r.t. the chart metric, as in Divol's local-chart construction).

    Parameters
    ----------
    manifold : Manifold
    bandwidth : float or "rate"
        h > 0, or "rate": h = N^(-1/(k+4)) (the minimax choice for C^2 densities on a unit-scale
        manifold; Divol 2022).

    Attributes
    ----------
    bandwidth_ : float
        The bandwidth h used.
    kernel_ : str
        ``"vmf"`` or ``"wrapped-gaussian"``.
    u_ : (N, c) array
        Intrinsic coordinates of the projected training points.
    """

    def __init__(self, manifold, bandwidth: float | str = "rate"):
        self.manifold = manifold
        self.bandwidth = bandwidth

    def fit(self, X) -> IntrinsicKDE:
        """Project the training set onto M and set the kernel and the bandwidth.

        Parameters
        ----------
        X : (N, d) array
            Training samples.

        Returns
        -------
        IntrinsicKDE
            self, fitted.
        """
        M = self.manifold
        if not hasattr(M, "project") or not hasattr(M, "embed"):
            raise ValueError(f"manifold must be a ratesim Manifold (got {M!r})")
        X = as_points(X, "X", d=M.d)
        self._fit_points(X)
        if isinstance(M, Sphere):
            self.kernel_ = "vmf"
        elif M.coord_dim == M.k:
            self.kernel_ = "wrapped-gaussian"
        else:
            raise ValueError(
                f"IntrinsicKDE supports spheres and angle-coordinate manifolds (got {M!r})"
            )
        if isinstance(self.bandwidth, str):
            if self.bandwidth != "rate":
                raise ValueError(
                    f"bandwidth must be a float > 0 or 'rate' (got {self.bandwidth!r})"
                )
            h = self.n_samples_ ** (-1.0 / (M.k + 4))
        else:
            h = check_positive(self.bandwidth, "bandwidth")
        self.bandwidth_ = float(h)
        self.u_ = M.project(X).u
        return self

    def sample(self, n: int, *, rng: RNGLike) -> np.ndarray:
        """Draw from the fitted estimate.

        Parameters
        ----------
        n : int >= 1
            Number of draws.
        rng : numpy Generator, SeedSequence or int seed
            Source of the draws (required).

        Returns
        -------
        (n, d) array
            Points of M: a kernel draw around a uniformly chosen projected training point.
        """
        self._check_fitted()
        n = check_int(n, "n", low=1)
        rng = as_generator(rng)
        centres = self.u_[rng.integers(0, self.n_samples_, size=n)]
        if self.kernel_ == "vmf":
            u = sample_vmf(centres, 1.0 / self.bandwidth_**2, rng=rng)
        else:
            u = np.mod(centres + self.bandwidth_ * rng.standard_normal(centres.shape), TWO_PI)
        return self.manifold.embed(u)


class InertialDiffusion(Baseline):
    """Inertial diffusion (Lyu et al. 2025): x = X_I + h z (an exact draw from mu_N * N(0, h^2 I),
    the law of the exact empirical-score reverse diffusion stopped at the noise level h), then one
    Tweedie step x + h^2 s_N(x, h) = sum_i w_i X_i, w = softmax(-|x - X_i|^2 / (2 h^2))
    (``ratesim.kernels.softmax_average``). The stopping level h is the bandwidth of the estimator.

    Parameters
    ----------
    k : int or None
        Intrinsic dimension for the default bandwidth h = N^(-1/(k+4)) (None: the ambient d).
    bandwidth : float > 0 or None
        Explicit stopping level h (overrides the rule).

    Attributes
    ----------
    bandwidth_ : float
        The stopping level h used.
    k_ : int
        The dimension used by the rule.
    X_ : (N, d) array
        Training set; ``n_samples_``, ``n_features_in_``.
    """

    def __init__(self, k: int | None = None, bandwidth: float | None = None):
        self.k = k
        self.bandwidth = bandwidth

    def fit(self, X) -> InertialDiffusion:
        """Store the training set and set the stopping level h.

        Parameters
        ----------
        X : (N, d) array
            Training samples.

        Returns
        -------
        InertialDiffusion
            self, fitted.
        """
        X = self._fit_points(X)
        self.k_ = _check_k(self.k, X.shape[1])
        if self.bandwidth is None:
            self.bandwidth_ = float(self.n_samples_ ** (-1.0 / (self.k_ + 4)))
        else:
            self.bandwidth_ = check_positive(self.bandwidth, "bandwidth")
        return self

    def sample(self, n: int, *, rng: RNGLike) -> np.ndarray:
        """Draw from the fitted estimate.

        Parameters
        ----------
        n : int >= 1
            Number of draws.
        rng : numpy Generator, SeedSequence or int seed
            Source of the draws (required).

        Returns
        -------
        (n, d) array
            Tweedie-denoised draws of mu_N * N(0, h^2 I).
        """
        from ..kernels import softmax_average

        self._check_fitted()
        n = check_int(n, "n", low=1)
        rng = as_generator(rng)
        idx = rng.integers(0, self.n_samples_, size=n)
        x = self.X_[idx] + self.bandwidth_ * rng.standard_normal((n, self.n_features_in_))
        return softmax_average(self.X_, x, self.bandwidth_)
