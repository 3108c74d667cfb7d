"""How a learned score or denoiser sits relative to the manifold.

- :func:`normal_tangent_errors`: the error of a score split at the foot P_M(x) into its normal and
  tangent parts. At small sigma the exact score is dominated by its normal part
  -(x - P_M x) / sigma^2 (the pull onto M) while its tangent part carries the density on M, so the
  two parts of an error measure different things: the geometry and the law.
- :func:`finite_difference_jacobian`, :func:`jacobian_singular_values`, :func:`soft_rank`: the
  linearization of a denoiser D_sigma(x) = x + sigma^2 s(x). Its rank reads what D_sigma collapses
  onto: k (the tangent space of a k-dimensional M), 0 (a fixed training point: memorization) or d
  (no collapse, D close to the identity). For exact posterior covariances use
  :func:`ratesim.exact.denoiser_jacobian_eigenvalues` instead of finite differences.
"""

from __future__ import annotations

import numpy as np

from .._validation import as_points, check_positive

__all__ = [
    "normal_tangent_errors",
    "finite_difference_jacobian",
    "jacobian_singular_values",
    "soft_rank",
]


def normal_tangent_errors(manifold, s_hat, s_true, x, basis=None) -> dict[str, float]:
    """Relative squared errors of a score in the normal and tangent spaces at the foot P_M(x).

    Parameters
    ----------
    manifold : ratesim.manifolds.Manifold
        Provides ``project`` and ``tangent_basis``.
    s_hat, s_true : array_like, shape (m, d)
        Learned and exact scores at x.
    x : array_like, shape (m, d)
        Query points (near M: the foot must be unique).
    basis : array_like, shape (m, d, k), optional
        Orthonormal frames to split along instead of the tangent spaces at P_M(x) (for a
        control: random frames mix the normal and tangent parts).

    Returns
    -------
    dict
        ``normal`` = sum |P_N e|^2 / sum |P_N s|^2, ``tangent`` = sum |P_T e|^2 / sum |P_T s|^2
        with e = s_hat - s_true, and the raw sums (``normal_ss``, ``tangent_ss``, ``normal_ref``,
        ``tangent_ref``).

    Raises
    ------
    ValueError
        Arrays of different lengths, or an exact score with no normal or no tangent part.
    """
    x = as_points(x)
    s_hat = as_points(s_hat, "s_hat", d=x.shape[1])
    s_true = as_points(s_true, "s_true", d=x.shape[1])
    if not len(s_hat) == len(s_true) == len(x):
        raise ValueError("s_hat, s_true and x must have the same number of rows")
    if basis is None:
        T = manifold.tangent_basis(manifold.project(x).u)  # (m, d, k)
    else:
        T = np.asarray(basis, dtype=np.float64)
        if T.ndim != 3 or T.shape[:2] != x.shape:
            raise ValueError(f"basis must have shape ({len(x)}, {x.shape[1]}, k) (got {T.shape})")
    e = s_hat - s_true

    def split(v):
        c = np.einsum("mdk,md->mk", T, v)
        vt = np.einsum("mdk,mk->md", T, c)
        return np.sum((v - vt) ** 2), np.sum(c**2)

    en, et = split(e)
    sn, st = split(s_true)
    if sn <= 0 or st <= 0:
        raise ValueError("the exact score has no normal or no tangent part at these points")
    return {
        "normal": en / sn,
        "tangent": et / st,
        "normal_ss": en,
        "tangent_ss": et,
        "normal_ref": sn,
        "tangent_ref": st,
    }


def finite_difference_jacobian(
    denoise, x, sigma: float, fd_step: float | None = None
) -> np.ndarray:
    """grad D(x) by central differences, J[n, i, j] = d D_i / d x_j.

    Parameters
    ----------
    denoise : callable
        ``denoise(x, sigma) -> (n, d)`` (e.g. a fitted score estimator's ``denoise``).
    x : (n, d) array
        Where to differentiate.
    sigma : float > 0
        Noise level passed to ``denoise``.
    fd_step : float > 0, optional
        Finite-difference step h, in the units of x (default 1e-3 x sigma: truncation error
        O((h / scale)^2) relative for a denoiser varying on the scale sigma or larger). 2 d
        calls of ``denoise``.

    Returns
    -------
    (n, d, d) array
        J[n, i, j] = d D_i / d x_j at each point.
    """
    x = as_points(x, "x")
    sigma = check_positive(sigma, "sigma")
    h = 1e-3 * sigma if fd_step is None else check_positive(fd_step, "fd_step")
    n, d = x.shape
    J = np.empty((n, d, d))
    for j in range(d):
        e = np.zeros(d)
        e[j] = h
        J[:, :, j] = (np.asarray(denoise(x + e, sigma)) - np.asarray(denoise(x - e, sigma))) / (
            2 * h
        )
    return J


def jacobian_singular_values(J) -> np.ndarray:
    """Singular values (decreasing) of each Jacobian.

    Parameters
    ----------
    J : array_like, shape (n, d, d)

    Returns
    -------
    ndarray, shape (n, d)
    """
    return np.linalg.svd(np.asarray(J, dtype=float), compute_uv=False)


def soft_rank(values, threshold: float = 0.5) -> np.ndarray:
    """Number of eigen- or singular values above ``threshold`` in each row.

    The rank of a denoiser's linearization: k where it collapses onto a k-dimensional M, 0 where
    it returns a fixed training point, d where it is close to the identity.

    Parameters
    ----------
    values : array_like, shape (..., d)
    threshold : float

    Returns
    -------
    ndarray, shape (...), float
    """
    return np.sum(np.asarray(values) > threshold, axis=-1).astype(float)
