"""The small-noise expansion of log p_sigma and of the score near a manifold.

Li, Shen, Hsieh, He, "When scores learn geometry" (arXiv 2509.24912): on a tube T_M(eps) around a
compact, boundaryless C^4 manifold M of dimension k in R^d with a C^2 positive density p,

    log p_sigma(x) = -dist(x, M)^2 / (2 sigma^2) + log p_chart(u0) - ((d - k)/2) log(2 pi sigma^2)
                     - (1/2) log det H(u0, x) + O(sigma^2),
    H_ij(u, x) = <d_i d_j Phi(u), Phi(u) - x> + <d_i Phi(u), d_j Phi(u)>,

with u0 the chart coordinate of P_M(x), and at score level sigma^2 s(x) = -(x - P_M x) + O(sigma^2).
Chart and volume densities differ by the volume element, p_chart(u) = p_vol(u) sqrt(det g(u))
(docs/measurement.md, trap 5), so the Theta(1) part is chart free: log p_chart(u0) - (1/2) log det H
= log p_vol(u0) - (1/2) log det(g^-1 H). In an orthonormal tangent frame g^-1 H = I - A_{x - P}, A_n
the shape operator in the normal direction n, which is evaluated exactly here:

- sphere S^k (radius 1, any ambient d): the second fundamental form is -g P, so H = r g with
  r = |x_native| (the norm of the component of x in the sphere's own R^(k+1)); log det(g^-1 H) =
  k log r;
- ellipse Phi(t) = (a cos t, b sin t): Phi'' = -Phi, so H = |Phi'|^2 + <Phi, y - Phi> with y the
  native (planar) component of x, g = |Phi'|^2.

The exact log p_sigma and score the expansion is compared with come from
:class:`ratesim.scores.OracleScore` (closed form on spheres with von Mises(-Fisher) densities,
periodic-trapezoid quadrature finer than sigma on the ellipse).
"""

from __future__ import annotations

import math

import numpy as np

from .._validation import RNGLike, as_generator, as_points, check_int, check_positive

__all__ = [
    "half_log_det_ratio",
    "leading_log_density",
    "log_density_remainder",
    "score_remainder",
    "tube_points",
]


def _check_supported(manifold) -> None:
    from ..manifolds import Ellipse, Sphere

    if not isinstance(manifold, Sphere | Ellipse):
        raise ValueError(
            "the exact curvature term is implemented for Sphere (incl. Circle) and Ellipse "
            f"(got {manifold!r})"
        )


def half_log_det_ratio(manifold, x, proj=None) -> np.ndarray:
    """(1/2) log det(g(u0)^-1 H(u0, x)): the curvature term of the expansion, chart free.

    Parameters
    ----------
    manifold : Sphere or Ellipse
    x : array_like, shape (n, d)
        Points of the tube (closer to M than its reach).
    proj : Projection, optional
        ``manifold.project(x)`` if already computed.

    Returns
    -------
    ndarray, shape (n,)
        k/2 log |x_native| on the sphere; (1/2) log(1 + <Phi, y - Phi> / |Phi'|^2) on the ellipse.
        Zero on M (where H = g).

    Raises
    ------
    ValueError
        Unsupported manifold, or a point where det H <= 0 (beyond the focal set).
    """
    from ..manifolds import Sphere

    _check_supported(manifold)
    x = as_points(x, "x", d=manifold.d)
    y, _ = manifold.to_native(x)
    if isinstance(manifold, Sphere):
        r = np.linalg.norm(y, axis=1)
        if np.any(r <= 0):
            raise ValueError("x has a point at the centre of the sphere: H is singular there")
        return 0.5 * manifold.k * np.log(r)
    proj = manifold.project(x) if proj is None else proj
    t = proj.u[:, 0]
    phi = np.stack([manifold.a * np.cos(t), manifold.b * np.sin(t)], axis=1)
    g = (manifold.a * np.sin(t)) ** 2 + (manifold.b * np.cos(t)) ** 2
    ratio = 1.0 + np.sum(phi * (y - phi), axis=1) / g
    if np.any(ratio <= 0):
        raise ValueError("det H <= 0: a point lies beyond the focal set of the ellipse")
    return 0.5 * np.log(ratio)


def leading_log_density(manifold, density, x, sigma: float):
    """The small-sigma expansion of log p_sigma without its O(sigma^2) remainder, and its parts.

    Parameters
    ----------
    manifold : Sphere or Ellipse
    density : ratesim.densities.Density
        The data density w.r.t. volume.
    x : array_like, shape (n, d)
    sigma : float > 0

    Returns
    -------
    dict of ndarray, shape (n,)
        ``total`` = ``geometric`` (-dist^2 / (2 sigma^2)) + ``density`` (log p_vol(u0)) +
        ``normal`` (-((d - k)/2) log(2 pi sigma^2)) + ``curvature`` (-(1/2) log det(g^-1 H)),
        and ``dist``.
    """
    _check_supported(manifold)
    sigma = check_positive(sigma, "sigma")
    x = as_points(x, "x", d=manifold.d)
    proj = manifold.project(x)
    geo = -(proj.dist**2) / (2 * sigma**2)
    dens = np.asarray(density.log_pdf(manifold, proj.u), dtype=float)
    normal = np.full(
        x.shape[0], -0.5 * (manifold.d - manifold.k) * math.log(2 * math.pi * sigma**2)
    )
    curv = -half_log_det_ratio(manifold, x, proj)
    return {
        "total": geo + dens + normal + curv,
        "geometric": geo,
        "density": dens,
        "normal": normal,
        "curvature": curv,
        "dist": proj.dist,
    }


def _oracle(manifold, density, oracle):
    """``oracle``, else an exact one of (manifold, density): closed form or quadrature, never the
    Monte-Carlo reference sample (so nothing random happens here)."""
    if oracle is not None:
        return oracle
    from ..densities import Uniform
    from ..scores import OracleScore, exponential_family_params

    law = Uniform() if density is None else density
    if exponential_family_params(manifold, law) is not None:
        method = "closed_form"
    elif manifold.k <= 2:
        method = "quadrature"
    else:
        raise ValueError(
            f"no exact oracle for {manifold!r} with {law!r} (closed form on spheres with a von "
            "Mises(-Fisher) or uniform density, quadrature for k <= 2); pass oracle=, a fitted "
            "ratesim.scores.OracleScore"
        )
    # rng is never drawn from: the closed-form and quadrature oracles are deterministic
    return OracleScore(manifold, density, method=method, rng=0).fit()


def log_density_remainder(manifold, density, x, sigma: float, oracle=None) -> np.ndarray:
    """log p_sigma(x) minus the leading terms (:func:`leading_log_density`): O(sigma^2)
    uniformly on the tube, shape (n,).

    Parameters
    ----------
    manifold : Sphere or Ellipse
    density : ratesim.densities.Density
    x : array_like, shape (n, d)
    sigma : float > 0
    oracle : OracleScore, optional
        A fitted :class:`ratesim.scores.OracleScore` of (manifold, density). When None, an exact
        one is built (closed form, or quadrature for k <= 2; otherwise a ValueError).

    Returns
    -------
    (n,) array
        log p_sigma(x) - ``leading_log_density(...)["total"]``.

    Notes
    -----
    Check values (docs/science.md; unit circle in R^2, von Mises(4, mean pi), the point at angle
    0.7 of M): 5.09e-2, 4.49e-3, 4.98e-4, 4.48e-5 at sigma = 0.1, 0.03, 0.01, 0.003.
    """
    lead = leading_log_density(manifold, density, x, sigma)
    o = _oracle(manifold, density, oracle)
    return o.log_density(as_points(x, "x", d=manifold.d), sigma) - lead["total"]


def score_remainder(manifold, density, x, sigma: float, oracle=None) -> np.ndarray:
    """|| sigma^2 s(x) + (x - P_M x) ||: O(sigma^2) uniformly on the tube (the expansion at score
    level).

    Parameters
    ----------
    manifold : Sphere or Ellipse
        The manifold M.
    density : ratesim.densities.Density
        The data density w.r.t. volume.
    x : (n, d) array
        Points of the tube.
    sigma : float > 0
        Noise level.
    oracle : OracleScore, optional
        As in :func:`log_density_remainder`.

    Returns
    -------
    (n,) array
        The norms || sigma^2 s(x) + (x - P_M x) ||.
    """
    sigma = check_positive(sigma, "sigma")
    x = as_points(x, "x", d=manifold.d)
    o = _oracle(manifold, density, oracle)
    s = o.score(x, sigma)
    foot = manifold.project(x).point
    return np.linalg.norm(sigma**2 * s + (x - foot), axis=1)


def tube_points(manifold, n: int, eps: float, *, rng: RNGLike) -> np.ndarray:
    """n points of the tube {dist <= eps} around ``manifold``, shape (n, d): feet uniform (volume)
    on M, normal direction uniform on the unit sphere of the normal space, distance eps * U with
    U ~ U[0, 1].

    Parameters
    ----------
    manifold : Manifold
        The manifold M (with ``normal_basis`` and ``reach``).
    n : int >= 1
        Number of points.
    eps : float
        Tube radius, below the reach (so that P_M is the foot point).
    rng : numpy Generator, SeedSequence or int seed
        Source of the points (required).

    Returns
    -------
    (n, d) array
        Points within distance eps of M.
    """
    n = check_int(n, "n", low=1)
    eps = check_positive(eps, "eps")
    if eps >= manifold.reach:
        raise ValueError(f"eps must be < the reach {manifold.reach:g} of {manifold!r} (got {eps})")
    rng = as_generator(rng)
    u = manifold.sample_intrinsic(n, None, rng=rng)
    foot = manifold.embed(u)
    nb = manifold.normal_basis(u)  # (n, d, d - k)
    g = rng.standard_normal((n, nb.shape[2]))
    g /= np.linalg.norm(g, axis=1, keepdims=True)
    rad = eps * rng.uniform(size=n)
    return foot + rad[:, None] * np.einsum("ndj,nj->nd", nb, g)
