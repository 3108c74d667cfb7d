"""Compact k-dimensional submanifolds of R^d with exact projection, sampling and geometry.

Families (``MANIFOLDS`` registry, ``make_manifold(name, **params)``):

========================  ===================================================================
``sphere``                ``Sphere(k, d, seed)``: unit S^k in R^(k+1)
``circle``                ``Circle(d, seed)``: the unit circle, Sphere with k = 1
``flat_torus``            ``FlatTorus(k, d, seed)``: product of k unit circles in R^(2k)
``ellipse``               ``Ellipse(a, b, d, seed)``: (a cos t, b sin t) in R^2
``standard_torus``        ``StandardTorus(R, r, d, seed)``: torus of revolution in R^3
``holder_curve``          ``HolderCurve(beta, eps, d, seed, n_terms)``: C^beta closed curve
``holder_graph``          ``HolderGraph(k, beta, eps, d, seed, n_terms)``: C^beta graph over T^k
========================  ===================================================================

``estimate_regularity(manifold)`` measures beta from the dyadic Littlewood-Paley blocks of the
embedding.
"""

from __future__ import annotations

from ._base import Manifold, Projection
from ._circle import Circle
from ._ellipse import Ellipse
from ._holder import REACH_FLOOR, HolderCurve, HolderGraph
from ._registry import MANIFOLDS, make_manifold
from ._regularity import RegularityEstimate, estimate_regularity
from ._sphere import Sphere
from ._torus import FlatTorus, StandardTorus

__all__ = [
    "MANIFOLDS",
    "REACH_FLOOR",
    "Circle",
    "Ellipse",
    "FlatTorus",
    "HolderCurve",
    "HolderGraph",
    "Manifold",
    "Projection",
    "RegularityEstimate",
    "Sphere",
    "StandardTorus",
    "estimate_regularity",
    "make_manifold",
]
