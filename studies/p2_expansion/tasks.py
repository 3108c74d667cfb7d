"""Task of ``p2_expansion``: the remainders of the small-sigma expansion of log p_sigma and of the
score (Li, Shen, Hsieh, He 2025, Thm 3.1), by exact evaluation.

The leading terms and the exact curvature term are :func:`ratesim.exact.leading_log_density`; the
exact log p_sigma and score come from :class:`ratesim.scores.OracleScore`. Per cell
(:func:`expansion_metrics`), as functions of sigma:

- ``remainder_sup``: sup over tube points of |log p_sigma - leading terms| (Thm 3.1: O(sigma^2));
- ``score_rem_sup``: sup || sigma^2 s(x) + (x - P_M x) || (score level: O(sigma^2));
- ``lead_err_sup``: sup | sigma^2 log p_sigma + dist^2 / 2 | (-> 0 uniformly,
  O(sigma^2 log 1/sigma));
- ``geo_typical`` / ``dens_typical``: the geometric part ||x - P_M x|| / sigma^2 and the density
  part || s + (x - P_M x)/sigma^2 || of the score at typical points x ~ p_sigma (Theta(sigma^-1)
  and Theta(1));
- ``remainder_ref``: |remainder| at a fixed point of M (:func:`reference_point`, where check values
  on the circle are known).
"""

from __future__ import annotations

import math

import numpy as np

from ratesim._validation import as_generator, check_int, check_positive
from ratesim.exact import (
    leading_log_density,
    log_density_remainder,
    score_remainder,
    tube_points,
)
from ratesim.study import build, task

MANIFOLD_CHOICES = ("circle", "ellipse", "sphere")


def typical_points(manifold, density, n: int, sigma: float, rng) -> np.ndarray:
    """n i.i.d. draws of p_sigma = mu * N(0, sigma^2 I): x = x0 + sigma z, x0 ~ p vol_M."""
    n = check_int(n, "n", low=1)
    sigma = check_positive(sigma, "sigma")
    rng = as_generator(rng)
    x0 = manifold.sample(n, density, rng=rng)
    return x0 + sigma * rng.standard_normal(x0.shape)


def reference_point(manifold) -> np.ndarray:
    """The point of M at angle 0.7 (the check point): (cos .7, sin .7, 0, ...) on spheres,
    Phi(0.7) on the ellipse, shape (1, d)."""
    from ratesim.manifolds import Ellipse, Sphere

    if isinstance(manifold, Sphere):
        u = np.zeros((1, manifold.k + 1))
        u[0, :2] = math.cos(0.7), math.sin(0.7)
        return manifold.embed(u)
    if isinstance(manifold, Ellipse):
        return manifold.embed(np.array([[0.7]]))
    raise ValueError(f"the reference point is defined on Sphere and Ellipse (got {manifold!r})")


def expansion_setup(manifold: str, k: int, d: int, kappa: float = 4.0, components=None):
    """(manifold, density) of a ``p2_expansion`` cell.

    ``manifold`` in {circle, ellipse, sphere} with ``k``, ``d`` and the component options of
    ``components`` (``manifold__seed`` the isometry seed, 0 by default; ``manifold__a``,
    ``manifold__b`` the semi-axes of the ellipse, 1 and 2 by default); the density is von
    Mises(kappa, mean pi) in the angle on the circle and the ellipse, von Mises-Fisher(kappa,
    mu = -e_1) on spheres (the analogue of mean angle pi).
    """
    from ratesim.densities import VonMises, VonMisesFisher

    k = check_int(k, "k", low=1)
    d = check_int(d, "d", low=k + 1)
    kappa = check_positive(kappa, "kappa", allow_zero=True)
    if manifold not in MANIFOLD_CHOICES:
        raise ValueError(f"manifold must be one of {MANIFOLD_CHOICES} (got {manifold!r})")
    if manifold in ("circle", "ellipse") and k != 1:
        raise ValueError(f"the {manifold} has k = 1 (got k = {k})")
    M = build("manifold", manifold, components or {}, k=k, d=d)
    if manifold == "sphere":
        mu = np.zeros(k + 1)
        mu[0] = -1.0
        return M, VonMisesFisher(kappa=kappa, mu=mu)
    return M, VonMises(kappa=kappa, mean=math.pi)


def expansion_metrics(manifold, density, sigma: float, eps: float, n_points: int, rng) -> dict:
    """The metrics of one ``p2_expansion`` cell (see the module docstring).

    Parameters
    ----------
    manifold, density : see :func:`expansion_setup`
    sigma : float > 0
    eps : float
        Tube radius, < reach.
    n_points : int
        Random tube points (for the sups) and typical points (for the score parts).
    rng : Generator or seed
    """
    from ratesim.scores import OracleScore

    sigma = check_positive(sigma, "sigma")
    rng = as_generator(rng)
    o = OracleScore(manifold, density, rng=rng).fit()  # closed form or quadrature: no draw
    xt = tube_points(manifold, n_points, eps, rng=rng)
    lead = leading_log_density(manifold, density, xt, sigma)
    logp = o.log_density(xt, sigma)
    rem = logp - lead["total"]
    srem = score_remainder(manifold, density, xt, sigma, oracle=o)
    lead_err = np.abs(sigma**2 * logp + lead["dist"] ** 2 / 2)
    xr = reference_point(manifold)
    rref = log_density_remainder(manifold, density, xr, sigma, oracle=o)
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
    metrics=(
        "remainder_sup",
        "score_rem_sup",
        "lead_err_sup",
        "remainder_ref",
        "geo_typical",
        "dens_typical",
    ),
    choices={"manifold": MANIFOLD_CHOICES},
)
def expansion_remainders(
    *,
    manifold: str,
    k: int,
    d: int,
    sigma: float,
    rng: np.random.Generator,
    kappa: float = 4.0,
    eps: float = 0.2,
    n_points: int = 64,
    **components,
) -> dict[str, float]:
    """Remainders of the small-sigma expansion of log p_sigma and of the score, and the parts of
    the score at typical points (:func:`expansion_metrics`); ``manifold__<arg>`` options go to
    the manifold."""
    M, p = expansion_setup(manifold, k, d, kappa, components)
    return expansion_metrics(M, p, sigma=sigma, eps=eps, n_points=n_points, rng=rng)
