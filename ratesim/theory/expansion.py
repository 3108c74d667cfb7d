"""The small-noise expansion of log p_sigma and of the score (Li, Shen, Hsieh, He 2025, Thm 3.1).

Li, Shen, Hsieh, He, "When scores learn geometry" (arXiv 2509.24912, ICLR 2026), Theorem 3.1 (and
SCIENCE.md, P2 "Expansion"): on a tube T_M(eps) around a compact, boundaryless C^4 manifold M with
a C^2 positive density p,

    log p_sigma(x) = -dist(x, M)^2 / (2 sigma^2) + log p_chart(u0) - ((d - k)/2) log(2 pi sigma^2)
                     - (1/2) log det H(u0, x) + O(sigma^2),
    H_ij(u, x) = <d_i d_j Phi(u), Phi(u) - x> + <d_i Phi(u), d_j Phi(u)>,

with u0 the chart coordinate of P_M(x). Chart and volume densities are related by p_chart(u) =
p_vol(u) sqrt(det g(u)) (SCIENCE.md trap 5), so the Theta(1) part is chart free:
log p_chart(u0) - (1/2) log det H = log p_vol(u0) - (1/2) log det(g^-1 H). In an orthonormal tangent
frame g^-1 H = I - A_{x - P}, A_n the shape operator in the normal direction n, which we evaluate
exactly:

- sphere S^k (radius 1, any ambient d): the second fundamental form is -g P, so H = r g with
  r = |x_native| (the norm of the component of x in the sphere's own R^(k+1)); log det(g^-1 H) =
  k log r;
- ellipse Phi(t) = (a cos t, b sin t): Phi'' = -Phi, so H = |Phi'|^2 + <Phi, y - Phi> with y the
  native (planar) component of x, g = |Phi'|^2.

The exact log p_sigma and score come from :class:`ratesim.scores.OracleScore` (closed form on
spheres with von Mises(-Fisher) densities, periodic-trapezoid quadrature finer than sigma on the
ellipse). The study ``p2_expansion`` measures, as functions of sigma:

- ``remainder_sup``: sup over tube points of |log p_sigma - leading terms| (Thm 3.1: O(sigma^2));
- ``score_rem_sup``: sup || sigma^2 s(x) + (x - P_M x) || (score level: O(sigma^2));
- ``lead_err_sup``: sup | sigma^2 log p_sigma + dist^2 / 2 | (-> 0 uniformly,
  O(sigma^2 log 1/sigma));
- ``geo_typical`` / ``dens_typical``: the geometric part ||x - P_M x|| / sigma^2 and the density
  part || s + (x - P_M x)/sigma^2 || of the score at typical points x ~ p_sigma (Theta(sigma^-1)
  and Theta(1));
- ``remainder_ref``: |remainder| at a fixed point of M (SCIENCE.md check values on the circle).
"""

from __future__ import annotations

import math

import numpy as np

from .._validation import as_generator, as_points, check_int, check_positive
from ..study.tasks import task

__all__ = [
    "half_log_det_ratio",
    "leading_log_density",
    "remainder",
    "score_remainder",
    "tube_points",
    "typical_points",
    "reference_point",
    "make_expansion_setup",
    "expansion_metrics",
]


def _check_supported(manifold) -> None:
    from ..manifolds import Ellipse, Sphere

    if not isinstance(manifold, Sphere | Ellipse):
        raise ValueError(
            "the exact curvature term is implemented for Sphere (incl. Circle) and Ellipse "
            f"(got {manifold!r})"
        )


def half_log_det_ratio(manifold, x, proj=None) -> np.ndarray:
    """(1/2) log det(g(u0)^-1 H(u0, x)): the curvature term of Thm 3.1, chart free.

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
    """The sigma-expansion of Thm 3.1 without its remainder, and its parts.

    Parameters
    ----------
    manifold : Sphere or Ellipse
    density : ratesim.densities.Density
        The data density w.r.t. volume.
    x : array_like, shape (n, d)
    sigma : float > 0

    Returns
    -------
    dict of ndarray (n,)
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
    if oracle is not None:
        return oracle
    from ..scores import OracleScore

    return OracleScore(manifold, density).fit()


def remainder(manifold, density, x, sigma: float, oracle=None) -> np.ndarray:
    """log p_sigma(x) minus the leading terms of Thm 3.1: O(sigma^2) uniformly on the tube.

    ``oracle`` is a fitted :class:`ratesim.scores.OracleScore` of (manifold, density) (built when
    None). SCIENCE.md check: unit circle, von Mises(4, mean pi), the point at angle 0.7 of M:
    5.09e-2, 4.49e-3, 4.98e-4, 4.48e-5 at sigma = 0.1, 0.03, 0.01, 0.003.
    """
    lead = leading_log_density(manifold, density, x, sigma)
    o = _oracle(manifold, density, oracle)
    return o.log_density(as_points(x, "x", d=manifold.d), sigma) - lead["total"]


def score_remainder(manifold, density, x, sigma: float, oracle=None) -> np.ndarray:
    """|| sigma^2 s(x) + (x - P_M x) ||, shape (n,): O(sigma^2) uniformly on the tube (Thm 3.1 at
    score level, SCIENCE.md)."""
    sigma = check_positive(sigma, "sigma")
    x = as_points(x, "x", d=manifold.d)
    o = _oracle(manifold, density, oracle)
    s = o.score(x, sigma)
    foot = manifold.project(x).point
    return np.linalg.norm(sigma**2 * s + (x - foot), axis=1)


def tube_points(manifold, n: int, eps: float, rng) -> np.ndarray:
    """n points of the tube {dist <= eps}: feet uniform (volume) on M, normal direction uniform on
    the unit sphere of the normal space, distance eps * U with U ~ U[0, 1].

    ``eps`` must be below the reach (so that P_M is the foot point); ``rng`` a Generator or seed.
    """
    n = check_int(n, "n", low=1)
    eps = check_positive(eps, "eps")
    if eps >= manifold.reach:
        raise ValueError(f"eps must be < the reach {manifold.reach:g} of {manifold!r} (got {eps})")
    rng = as_generator(rng)
    u = manifold.sample_intrinsic(n, None, rng)
    foot = manifold.embed(u)
    nb = manifold.normal_basis(u)  # (n, d, d - k)
    g = rng.standard_normal((n, nb.shape[2]))
    g /= np.linalg.norm(g, axis=1, keepdims=True)
    rad = eps * rng.uniform(size=n)
    return foot + rad[:, None] * np.einsum("ndj,nj->nd", nb, g)


def typical_points(manifold, density, n: int, sigma: float, rng) -> np.ndarray:
    """n i.i.d. draws of p_sigma = mu * N(0, sigma^2 I): x = x0 + sigma z, x0 ~ p vol_M."""
    n = check_int(n, "n", low=1)
    sigma = check_positive(sigma, "sigma")
    rng = as_generator(rng)
    x0 = manifold.sample(n, density, rng)
    return x0 + sigma * rng.standard_normal(x0.shape)


def reference_point(manifold) -> np.ndarray:
    """The point of M at angle 0.7 (SCIENCE.md check point): (cos .7, sin .7, 0, ...) on spheres,
    Phi(0.7) on the ellipse, shape (1, d)."""
    from ..manifolds import Sphere

    _check_supported(manifold)
    if isinstance(manifold, Sphere):
        u = np.zeros((1, manifold.k + 1))
        u[0, :2] = math.cos(0.7), math.sin(0.7)
        return manifold.embed(u)
    return manifold.embed(np.array([[0.7]]))


_MANIFOLD_CHOICES = ("circle", "ellipse", "sphere")


def make_expansion_setup(params):
    """(manifold, density) of a ``p2_expansion`` cell.

    ``manifold`` in {circle, ellipse, sphere} with ``k``, ``d`` (``manifold__seed`` the isometry
    seed, ``ellipse_a``, ``ellipse_b`` the semi-axes); the density is von Mises(kappa, mean pi) in
    the angle on the circle and the ellipse, von Mises-Fisher(kappa, mu = -e_1) on spheres (the
    analogue of mean angle pi), ``kappa = params["kappa"]``.
    """
    from ..densities import VonMises, VonMisesFisher
    from ..manifolds import Circle, Ellipse, Sphere

    name = params["manifold"]
    k = check_int(params["k"], "k", low=1)
    d = check_int(params["d"], "d", low=k + 1)
    seed = params.get("manifold__seed", 0)
    kappa = check_positive(params.get("kappa", 4.0), "kappa", allow_zero=True)
    if name == "circle":
        if k != 1:
            raise ValueError(f"the circle has k = 1 (got k = {k})")
        return Circle(d=d, seed=seed), VonMises(kappa=kappa, mean=math.pi)
    if name == "ellipse":
        if k != 1:
            raise ValueError(f"the ellipse has k = 1 (got k = {k})")
        M = Ellipse(a=params.get("ellipse_a", 1.0), b=params.get("ellipse_b", 2.0), d=d, seed=seed)
        return M, VonMises(kappa=kappa, mean=math.pi)
    if name == "sphere":
        mu = np.zeros(k + 1)
        mu[0] = -1.0
        return Sphere(k=k, d=d, seed=seed), VonMisesFisher(kappa=kappa, mu=mu)
    raise ValueError(f"manifold must be one of {_MANIFOLD_CHOICES} (got {name!r})")


def expansion_metrics(manifold, density, sigma: float, eps: float, n_points: int, rng) -> dict:
    """The metrics of one ``p2_expansion`` cell (see the module docstring).

    Parameters
    ----------
    manifold, density : see :func:`make_expansion_setup`
    sigma : float > 0
    eps : float
        Tube radius, < reach.
    n_points : int
        Random tube points (for the sups) and typical points (for the score parts).
    rng : Generator or seed
    """
    sigma = check_positive(sigma, "sigma")
    rng = as_generator(rng)
    o = _oracle(manifold, density, None)
    xt = tube_points(manifold, n_points, eps, rng)
    lead = leading_log_density(manifold, density, xt, sigma)
    logp = o.log_density(xt, sigma)
    rem = logp - lead["total"]
    srem = score_remainder(manifold, density, xt, sigma, oracle=o)
    lead_err = np.abs(sigma**2 * logp + lead["dist"] ** 2 / 2)
    xr = reference_point(manifold)
    rref = remainder(manifold, density, xr, sigma, oracle=o)
    xs = typical_points(manifold, density, n_points, sigma, rng)
    s = o.score(xs, sigma)
    normal = xs - manifold.project(xs).point
    geo = np.linalg.norm(normal, axis=1) / sigma**2
    dens = np.linalg.norm(s + normal / sigma**2, axis=1)
    return {
        "remainder_sup": float(np.max(np.abs(rem))),
        "score_rem_sup": float(np.max(srem)),
        "lead_err_sup": float(np.max(lead_err)),
        "remainder_ref": float(abs(rref[0])),
        "geo_typical": float(np.mean(geo)),
        "dens_typical": float(np.mean(dens)),
    }


@task(
    "p2_expansion",
    metrics=(
        "remainder_sup",
        "score_rem_sup",
        "lead_err_sup",
        "remainder_ref",
        "geo_typical",
        "dens_typical",
    ),
    choices={"manifold": _MANIFOLD_CHOICES},
)
def _p2_expansion(params, rng):
    """Thm 3.1 (Li, Shen, Hsieh, He 2025): remainders of the expansion of log p_sigma and s."""
    M, p = make_expansion_setup(params)
    return expansion_metrics(
        M,
        p,
        sigma=params["sigma"],
        eps=params.get("eps", 0.2),
        n_points=params.get("n_points", 64),
        rng=rng,
    )
