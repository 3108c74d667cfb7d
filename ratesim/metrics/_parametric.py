"""Parametric-rate controls: sliced Wasserstein, MMD and the Sinkhorn divergence.

**These converge like N^(-1/2) in every dimension** (docs/measurement.md, trap 1): between
the empirical measure and its population they decay parametrically, so they cannot show an
N^(-1/k) rate.
They are provided as *controls* -- a rate measured in one of them that differs from N^(-1/2) says
something about the estimator, a rate equal to N^(-1/2) says nothing about k. Use
:func:`ratesim.metrics.wasserstein` (exact OT) for rate claims.

References: Bonneel et al. (2015) sliced W; Gretton et al. (JMLR 2012) MMD and its unbiased
U-statistic; Genevay, Peyre & Cuturi (2018) and Feydy et al. (2019) Sinkhorn divergence.
"""

from __future__ import annotations

import numpy as np
import ot
from numpy.typing import ArrayLike
from scipy.spatial.distance import cdist

from .._validation import RNGLike, as_generator, as_points, check_int, check_positive
from ._common import as_pair, as_weights, check_p

_BLOCK = 2048


def sliced_wasserstein(
    X: ArrayLike,
    Y: ArrayLike,
    p: float = 2,
    n_projections: int = 200,
    *,
    rng: RNGLike,
    a: ArrayLike | None = None,
    b: ArrayLike | None = None,
) -> float:
    """Monte-Carlo sliced W_p (``ot.sliced_wasserstein_distance``): the p-mean over random
    directions theta of W_p of the 1-D projections. A parametric (N^(-1/2)) control.

    Parameters
    ----------
    X : (n, d) array
        Atoms of the first measure.
    Y : (m, d) array
        Atoms of the second measure.
    p : float >= 1
        Order.
    n_projections : int >= 1
        Number of random directions.
    rng : numpy Generator, SeedSequence or int seed
        Source of the directions (required).
    a, b : (n,) and (m,) arrays, optional
        Non-negative weights (normalized here); uniform when None.

    Returns
    -------
    float
        The Monte-Carlo sliced W_p.
    """
    X, Y = as_pair(X, Y)
    p = check_p(p)
    n_projections = check_int(n_projections, "n_projections", low=1)
    rng = as_generator(rng)
    a = as_weights(a, X.shape[0], "a")
    b = as_weights(b, Y.shape[0], "b")
    proj = rng.standard_normal((X.shape[1], n_projections))
    proj /= np.linalg.norm(proj, axis=0, keepdims=True)
    return float(ot.sliced_wasserstein_distance(X, Y, a, b, p=p, projections=proj))


def median_bandwidth(X: ArrayLike, Y: ArrayLike | None = None) -> float:
    """Median heuristic for the bandwidth h of the kernel exp(-|x - y|^2 / (2 h^2)).

    Parameters
    ----------
    X : (n, d) array
        First sample (its first 2000 points when alone, 1000 when pooled with ``Y``).
    Y : (m, d) array, optional
        Second sample (its first 1000 points are pooled with those of ``X``).

    Returns
    -------
    float
        The median pairwise distance of the pooled points, > 0.
    """
    if Y is None:
        Z = as_points(X, "X")[:2000]
    else:
        X, Y = as_pair(X, Y)
        Z = np.concatenate([X[:1000], Y[:1000]])
    D = cdist(Z, Z)
    h = float(np.median(D[np.triu_indices_from(D, k=1)])) if Z.shape[0] > 1 else 0.0
    if not h > 0:
        raise ValueError("median_bandwidth needs at least two distinct points (got all equal)")
    return h


def _kernel_sum(A, B, h, skip_diag=False) -> float:
    total = 0.0
    inv = -0.5 / h**2
    for i in range(0, A.shape[0], _BLOCK):
        K = np.exp(inv * cdist(A[i : i + _BLOCK], B, "sqeuclidean"))
        total += float(K.sum())
    if skip_diag:
        total -= A.shape[0]  # k(x, x) = 1
    return total


def mmd2(
    X: ArrayLike, Y: ArrayLike, bandwidth: float | str = "median", unbiased: bool = True
) -> float:
    """Squared MMD with the Gaussian kernel k(x, y) = exp(-|x - y|^2 / (2 h^2)).

    ``unbiased=True`` is the unbiased U-statistic MMD^2_u of Gretton et al. (2012): zero in
    expectation when X and Y have the same law (it can be negative). ``unbiased=False`` is the
    V-statistic, i.e. the exact MMD^2 between the two empirical measures (always >= 0). A
    parametric control: its square root decays like N^(-1/2) whatever k and d.

    Parameters
    ----------
    X : (n, d) array
        First sample (n >= 2 for the unbiased form).
    Y : (m, d) array
        Second sample (m >= 2 for the unbiased form).
    bandwidth : float > 0 or "median"
        Kernel bandwidth h, or the median heuristic (:func:`median_bandwidth`).
    unbiased : bool
        U-statistic (True) or V-statistic (False).

    Returns
    -------
    float
        MMD^2 (the U-statistic can be negative).
    """
    X, Y = as_pair(X, Y)
    if isinstance(bandwidth, str):
        if bandwidth != "median":
            raise ValueError(f"bandwidth must be a positive float or 'median' (got {bandwidth!r})")
        h = median_bandwidth(X, Y)
    else:
        h = check_positive(bandwidth, "bandwidth")
    n, m = X.shape[0], Y.shape[0]
    if unbiased:
        if n < 2 or m < 2:
            raise ValueError(f"unbiased MMD^2 needs >= 2 points in X and Y (got n = {n}, m = {m})")
        kxx = _kernel_sum(X, X, h, skip_diag=True) / (n * (n - 1))
        kyy = _kernel_sum(Y, Y, h, skip_diag=True) / (m * (m - 1))
    else:
        kxx = _kernel_sum(X, X, h) / n**2
        kyy = _kernel_sum(Y, Y, h) / m**2
    kxy = _kernel_sum(X, Y, h) / (n * m)
    return float(kxx + kyy - 2 * kxy)


def sinkhorn_divergence(
    X: ArrayLike,
    Y: ArrayLike,
    reg: float = 0.05,
    p: float = 2,
    a: ArrayLike | None = None,
    b: ArrayLike | None = None,
    num_iter_max: int = 5000,
) -> float:
    """Debiased Sinkhorn divergence S = OT_eps(a, b) - (OT_eps(a, a) + OT_eps(b, b)) / 2 with cost
    |x - y|^p and eps = ``reg`` (absolute units of the cost), each term the transport cost of POT's
    log-stabilized Sinkhorn plan (``ot.sinkhorn2(method="sinkhorn_stabilized")``, Schmitzer
    2019). At fixed eps a parametric
    control (Genevay et al. 2019: N^(-1/2) with constants exploding as eps -> 0).

    Parameters
    ----------
    X : (n, d) array
        Atoms of the first measure.
    Y : (m, d) array
        Atoms of the second measure.
    reg : float > 0
        Entropic regularization eps, in units of the cost.
    p : float >= 1
        Exponent of the cost |x - y|^p.
    a, b : (n,) and (m,) arrays, optional
        Non-negative weights (normalized here); uniform when None.
    num_iter_max : int >= 1
        Sinkhorn iteration cap.

    Returns
    -------
    float
        The Sinkhorn divergence S.
    """
    X, Y = as_pair(X, Y)
    p = check_p(p)
    reg = check_positive(reg, "reg")
    num_iter_max = check_int(num_iter_max, "num_iter_max", low=1)
    a = as_weights(a, X.shape[0], "a")
    b = as_weights(b, Y.shape[0], "b")

    def ot_eps(A, B, wa, wb):
        C = cdist(A, B) ** p
        v = ot.sinkhorn2(wa, wb, C, reg, method="sinkhorn_stabilized", numItermax=num_iter_max)
        return float(v)

    s = ot_eps(X, Y, a, b) - 0.5 * (ot_eps(X, X, a, a) + ot_eps(Y, Y, b, b))
    if not np.isfinite(s):
        raise RuntimeError(f"Sinkhorn did not converge to a finite value (reg = {reg})")
    return s
