"""Exact posterior moments of x0 given x = x0 + sigma z for data on a manifold (the oracle).

For data x0 ~ mu on a manifold M and x = x0 + sigma z, the oracle denoiser is the posterior mean
D_sigma(x) = E[x0 | x] = x + sigma^2 s(x) (Tweedie) and its Jacobian is the posterior covariance
over sigma^2, grad D_sigma(x) = Cov(x0 | x) / sigma^2 (differentiate the posterior mean). This
module computes both without Monte Carlo:

- sphere S^(m-1) (circle m = 2) with a log-linear density log p(u) = log c0 + <a, u> (von
  Mises(-Fisher), uniform): given x with native component y, the posterior of x0 is von
  Mises-Fisher with natural parameter v = y / sigma^2 + a, K = |v|, nu = v / K, so
  E[x0 | x] = A nu and Cov(x0 | x) = (A / K) (I - nu nu^T) + A'(K) nu nu^T with A = I_(m/2)(K) /
  I_(m/2-1)(K) and A' = 1 - A^2 - (m - 1) A / K (Mardia and Jupp 2000, sec. 9.3.2)
  (:func:`vmf_posterior_moments`);
- flat torus T^k with the uniform law: the posterior is the product of k circle posteriors
  (uniform on each factor), so the covariance is block diagonal (:func:`torus_posterior_moments`);
- other manifolds with k <= 2 (Holder graphs): the periodic trapezoid rule on a grid finer than
  sigma / ``grid_ratio`` (``manifold.quadrature``), posterior weights p(u_j) w_j
  N(y; Phi(u_j), sigma^2) in log-sum-exp (:func:`ratesim.kernels.softmax_covariance`)
  (:func:`quadrature_posterior_moments`).

The posterior depends on x only through its native component y (the residual orthogonal to the
native subspace only rescales every weight), and x0 lies in the native subspace: in R^d the
covariance is F Cov_native F^T (F the isometry) and the d - native remaining eigenvalues of
grad D are exactly 0. :func:`oracle_posterior_moments` computes in native coordinates and returns
ambient ones.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ive

from .._validation import as_points, check_positive

__all__ = [
    "vmf_posterior_moments",
    "torus_posterior_moments",
    "quadrature_posterior_moments",
    "oracle_posterior_moments",
    "denoiser_jacobian_eigenvalues",
]


def _bessel_ratio(m: int, K: np.ndarray) -> np.ndarray:
    """A_m(K) = I_(m/2)(K) / I_(m/2-1)(K) with exponentially scaled Bessel functions."""
    return ive(0.5 * m, K) / ive(0.5 * m - 1.0, K)


def vmf_posterior_moments(y, sigma: float, a=None) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of x0 | x for the sphere S^(m-1) with log p(u) = const + <a, u>.

    Parameters
    ----------
    y : array_like, shape (n, m)
        Native coordinates of the queries (``manifold.to_native(x)[0]``).
    sigma : float > 0
        Noise level.
    a : array_like, shape (m,), optional
        Natural parameter kappa mu of the von Mises(-Fisher) law (None: uniform, a = 0).

    Returns
    -------
    mean : ndarray, shape (n, m)
        E[x0 | x] = A(K) nu, with v = y / sigma^2 + a, K = |v|, nu = v / K.
    cov : ndarray, shape (n, m, m)
        Cov = (A / K)(I - nu nu^T) + (1 - A^2 - (m - 1) A / K) nu nu^T (the posterior is
        vMF(K, nu); Mardia and Jupp 2000, sec. 9.3.2).

    Raises
    ------
    ValueError
        If m < 2, sigma <= 0, or y / sigma^2 + a = 0 for some query (the cut locus).
    """
    y = as_points(y, "y")
    sigma = check_positive(sigma, "sigma")
    n, m = y.shape
    if m < 2:
        raise ValueError(f"y must have native dimension m >= 2 (got {m})")
    a = np.zeros(m) if a is None else np.asarray(a, dtype=float).reshape(m)
    v = y / sigma**2 + a
    K = np.linalg.norm(v, axis=1)
    if np.any(K <= 0):
        raise ValueError("the posterior is undefined where y / sigma^2 + a = 0 (the cut locus)")
    nu = v / K[:, None]
    A = _bessel_ratio(m, K)
    var_t = A / K
    var_n = 1.0 - A**2 - (m - 1) * A / K
    mean = A[:, None] * nu
    outer = nu[:, :, None] * nu[:, None, :]
    cov = var_t[:, None, None] * (np.eye(m) - outer) + var_n[:, None, None] * outer
    return mean, cov


def torus_posterior_moments(y, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """Posterior mean and covariance for the flat torus T^k with the uniform law.

    The uniform law on T^k is the product of uniform laws on its k circle factors and the
    Gaussian likelihood factorizes over the pairs (y_(2i), y_(2i+1)), so x0 | x has independent
    circle factors, each from :func:`vmf_posterior_moments` with m = 2, a = 0.

    Parameters
    ----------
    y : array_like, shape (n, 2k)
        Native coordinates of the queries.
    sigma : float > 0

    Returns
    -------
    mean : ndarray, shape (n, 2k)
    cov : ndarray, shape (n, 2k, 2k)
        Block diagonal (2 x 2 blocks).
    """
    y = as_points(y, "y")
    n, m = y.shape
    if m % 2:
        raise ValueError(f"flat torus native coordinates come in pairs (got dimension {m})")
    mean = np.empty((n, m))
    cov = np.zeros((n, m, m))
    for i in range(m // 2):
        sl = slice(2 * i, 2 * i + 2)
        mi, ci = vmf_posterior_moments(y[:, sl], sigma)
        mean[:, sl] = mi
        cov[:, sl, sl] = ci
    return mean, cov


def quadrature_posterior_moments(
    manifold, density, y, sigma: float, grid_ratio: float = 4.0, max_nodes: int = 2_000_000
) -> tuple[np.ndarray, np.ndarray]:
    """Posterior mean and covariance of x0 | x by the periodic trapezoid rule (k <= 2).

    Nodes u_j of ``manifold.quadrature(n)`` (weights w_j include the volume element), log
    weights log w_j + log p(u_j), Gaussian softmax in the native coordinates at scale sigma.
    n is chosen so that the largest distance between neighbouring nodes is <= sigma /
    ``grid_ratio``: the trapezoid rule on a Gaussian of width sigma then errs by about
    exp(-2 pi^2 grid_ratio^2) (~1e-137 for the default 4).

    Parameters
    ----------
    manifold : ratesim.manifolds.Manifold
        With ``quadrature`` (a periodic chart) and intrinsic dimension k <= 2.
    density : ratesim.densities.Density or None
        The data law on M (None: the volume law).
    y : array_like, shape (n, native_dim)
        Native coordinates of the queries.
    sigma : float > 0
    grid_ratio : float
        Node spacing <= sigma / grid_ratio.
    max_nodes : int
        Refuse grids with more nodes (raise sigma or this bound).

    Returns
    -------
    mean : ndarray, shape (n, native_dim)
    cov : ndarray, shape (n, native_dim, native_dim)
    """
    from ..kernels import softmax_covariance

    sigma = check_positive(sigma, "sigma")
    y = as_points(y, "y", d=manifold.native_dim)
    k = manifold.k
    if k > 2:
        raise ValueError(f"quadrature posterior needs k <= 2 (got k = {k})")
    # the largest speed |d Phi / d u_i| bounds the node spacing 2 pi speed / n
    u_probe, _ = manifold.quadrature(256 if k == 1 else 64)
    J = manifold._jacobian(u_probe)
    speed = float(np.sqrt(np.max(np.sum(J**2, axis=1))))
    n = max(16, math.ceil(2 * np.pi * speed * grid_ratio / sigma))
    if n**k > max_nodes:
        raise ValueError(
            f"quadrature needs {n}^{k} nodes at sigma = {sigma} (more than max_nodes = "
            f"{max_nodes}); raise sigma or max_nodes"
        )
    u, w = manifold.quadrature(n)
    logw = np.log(w)
    if density is not None:
        logw = logw + np.asarray(density.log_pdf(manifold, u), dtype=float)
    nodes = np.ascontiguousarray(manifold.embed(u) @ manifold.frame)
    return softmax_covariance(nodes, np.ascontiguousarray(y), sigma, log_weights=logw)


def oracle_posterior_moments(manifold, density, x, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """E[x0 | x] and Cov(x0 | x) of data ``density`` on ``manifold``, in ambient coordinates.

    Closed forms on spheres with a log-linear density and on the flat torus with the uniform
    law; the trapezoid quadrature otherwise (k <= 2). See the module docstring.

    Parameters
    ----------
    manifold : ratesim.manifolds.Manifold
    density : ratesim.densities.Density or None
        None: the uniform (volume) law.
    x : array_like, shape (n, d)
        Queries.
    sigma : float > 0

    Returns
    -------
    mean : ndarray, shape (n, d)
        The oracle denoiser D_sigma(x) = x + sigma^2 s(x).
    cov : ndarray, shape (n, d, d)
        sigma^2 grad D_sigma(x).
    """
    from ..densities import Uniform
    from ..manifolds import FlatTorus, Sphere
    from ..scores import exponential_family_params

    x = as_points(x, "x", d=manifold.d)
    sigma = check_positive(sigma, "sigma")
    y, _ = manifold.to_native(x)
    dens = Uniform() if density is None else density
    ef = exponential_family_params(manifold, dens) if isinstance(manifold, Sphere) else None
    if ef is not None:
        mean, cov = vmf_posterior_moments(y, sigma, ef[0])
    elif isinstance(manifold, FlatTorus) and isinstance(dens, Uniform):
        mean, cov = torus_posterior_moments(y, sigma)
    else:
        mean, cov = quadrature_posterior_moments(manifold, dens, y, sigma)
    F = manifold.frame
    return mean @ F.T, np.einsum("ia,nab,jb->nij", F, cov, F)


def denoiser_jacobian_eigenvalues(cov, sigma: float) -> np.ndarray:
    """Eigenvalues of grad D_sigma = Cov(x0 | x) / sigma^2 (symmetrized), in decreasing order.

    Parameters
    ----------
    cov : array_like, shape (n, d, d)
        Posterior covariances (:func:`oracle_posterior_moments`, or the softmax covariance of an
        empirical measure, :func:`ratesim.kernels.softmax_covariance`).
    sigma : float > 0

    Returns
    -------
    ndarray, shape (n, d)
    """
    cov = np.asarray(cov, dtype=float)
    if cov.ndim != 3 or cov.shape[1] != cov.shape[2]:
        raise ValueError(f"cov must have shape (n, d, d) (got {cov.shape})")
    sigma = check_positive(sigma, "sigma")
    sym = 0.5 * (cov + np.swapaxes(cov, 1, 2))
    return np.linalg.eigvalsh(sym / sigma**2)[:, ::-1]
