"""Exact W1 on closed curves (k = 1): the arc-length chart.

A closed curve M of length L is isometric, in geodesic distance, to the circle of circumference L
through its arc-length coordinate s(t) = int_0^t |Phi'(u)| du, and the volume (uniform) law of M
is the uniform law of s. The geodesic W1 between a sample on M and the volume law is therefore a
circle W1 against the uniform law, which has a closed form (Rabin, Delon, Gousseau 2011, Thm 1;
:func:`wasserstein_circle_uniform`): no reference sample, no Monte-Carlo floor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from .._validation import as_points, check_int
from ..manifolds._sphere import Sphere
from ._wasserstein import wasserstein_circle, wasserstein_circle_uniform

if TYPE_CHECKING:
    from ..densities import Density
    from ..manifolds import Manifold

__all__ = ["ArcLength", "wasserstein_curve", "wasserstein_curve_uniform"]

TWO_PI = 2.0 * np.pi


class ArcLength:
    """Arc-length reparametrization of a closed curve (k = 1) given by its angle coordinate.

    s(t) = int_0^t |Phi'(u)| du on a periodic grid of ``n`` nodes (trapezoid rule, linear
    interpolation between nodes); calling the object maps angles t to the normalized arc length
    2 pi s(t) / L in [0, 2 pi].

    Parameters
    ----------
    manifold : Manifold with k = 1
        A closed curve with an angle chart (``Sphere(k=1)``, ``FlatTorus(k=1)``,
        ``HolderGraph(k=1)``, ...). On the unit circle the speed is 1 exactly.
    n : int >= 16
        Number of quadrature nodes on [0, 2 pi).

    Attributes
    ----------
    length : float
        Total length L of the curve.
    """

    def __init__(self, manifold: Manifold, n: int = 1 << 16):
        if manifold.k != 1:
            raise ValueError(f"arc length needs a curve (k = 1), got k = {manifold.k}")
        n = check_int(n, "n", low=16)
        t = TWO_PI * np.arange(n + 1) / n
        if isinstance(manifold, Sphere):
            speed = np.ones(n + 1)
        else:
            speed = manifold.volume_element(t[:, None])
        cum = np.concatenate([[0.0], np.cumsum(0.5 * (speed[1:] + speed[:-1]) * np.diff(t))])
        self.t_ = t
        self.cum_ = cum
        self.length = float(cum[-1])

    def __call__(self, theta: ArrayLike) -> np.ndarray:
        """Normalized arc-length positions 2 pi s(theta) / L in [0, 2 pi] of angles ``theta``
        (any shape; read mod 2 pi)."""
        th = np.mod(np.asarray(theta, dtype=np.float64), TWO_PI)
        return np.clip(TWO_PI * np.interp(th, self.t_, self.cum_) / self.length, 0.0, TWO_PI)


def wasserstein_curve_uniform(
    manifold: Manifold, samples: ArrayLike, arc: ArcLength | None = None
) -> float:
    """Exact geodesic W1 between the law of P_M(samples) and the uniform (volume) law on a closed
    curve M (k = 1).

    The arc-length chart maps M isometrically (in geodesic distance) onto the circle of length L,
    and the volume law onto the uniform law, so W1 = (L / 2 pi) W1_circle(2 pi s / L, uniform),
    in closed form by :func:`wasserstein_circle_uniform`. Points off M are counted at their
    projection (for on-manifold samples this is W1 itself).

    Parameters
    ----------
    manifold : Manifold with k = 1
    samples : array (n, d)
        Points in the ambient space R^d of ``manifold``.
    arc : ArcLength, optional
        A precomputed arc-length table of ``manifold`` (reused across calls).

    Returns
    -------
    float
        W1 in the geodesic (arc-length) distance of M.
    """
    if manifold.k != 1:
        raise ValueError(f"wasserstein_curve_uniform needs k = 1 (got k = {manifold.k})")
    X = as_points(samples, "samples", d=manifold.d)
    arc = ArcLength(manifold) if arc is None else arc
    theta = manifold.angle(manifold.project(X).u)
    return arc.length / TWO_PI * wasserstein_circle_uniform(arc(theta))


def wasserstein_curve(
    manifold: Manifold,
    samples: ArrayLike,
    density: Density | None = None,
    arc: ArcLength | None = None,
    n_quad: int = 1 << 16,
    weights: ArrayLike | None = None,
) -> float:
    """Geodesic W1 between the law of P_M(samples) and mu = density x vol_M on a closed curve M
    (k = 1), with no reference sample.

    In the arc-length chart (:class:`ArcLength`) W1 is a circle W1 (Delon, Salomon, Sobolevski
    2010; :func:`ratesim.metrics.wasserstein_circle`), computed exactly between the samples and
    the ``n_quad`` nodes of ``manifold.quadrature`` (equispaced in the angle) carrying the masses
    density x volume weight (normalized): the discretization moves each unit of mass by at most
    half a node's arc, so the value is within max(speed) pi / n_quad of W1 to mu (about 5e-5 on a
    curve of unit speed at the default). The uniform law (``density`` None or ``Uniform``) of
    equally weighted samples takes the closed form of :func:`wasserstein_curve_uniform`.

    Parameters
    ----------
    manifold : Manifold with k = 1
    samples : array (n, d)
        Points in R^d (counted at their projection onto M).
    density : Density or None
        Density of mu w.r.t. arc length (None: uniform).
    arc : ArcLength, optional
        A precomputed arc-length table of ``manifold``.
    n_quad : int >= 16
        Quadrature nodes of mu.
    weights : array (n,), optional
        Non-negative masses of the samples (normalized here; equal when None), e.g. a law
        evaluated on a grid.

    Returns
    -------
    float
        W1 in the geodesic (arc-length) distance of M.
    """
    from ..densities import Uniform

    if manifold.k != 1:
        raise ValueError(f"wasserstein_curve needs k = 1 (got k = {manifold.k})")
    uniform = density is None or isinstance(density, Uniform)
    if uniform and weights is None:
        return wasserstein_curve_uniform(manifold, samples, arc)
    X = as_points(samples, "samples", d=manifold.d)
    if weights is not None:
        weights = np.asarray(weights, dtype=np.float64)
        if weights.shape != (len(X),) or not np.all(np.isfinite(weights)) or np.any(weights < 0):
            raise ValueError(
                f"weights must be {len(X)} finite non-negative masses, one per sample (got shape "
                f"{weights.shape})"
            )
        if weights.sum() <= 0:
            raise ValueError("weights must not all be zero")
        weights = weights / weights.sum()
    if not uniform:
        density.check_manifold(manifold)
    arc = ArcLength(manifold) if arc is None else arc
    uq, wq = manifold.quadrature(check_int(n_quad, "n_quad", low=16))
    mass = wq if uniform else wq * density.pdf(manifold, uq)
    theta = manifold.angle(manifold.project(X).u)
    nodes = arc(manifold.angle(uq))
    return (
        arc.length / TWO_PI * wasserstein_circle(arc(theta), nodes, a=weights, b=mass / mass.sum())
    )
