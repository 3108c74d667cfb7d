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

import difflib
import inspect

from ._base import Manifold, Projection
from ._ellipse import Ellipse
from ._holder import REACH_FLOOR, HolderCurve, HolderGraph
from ._regularity import RegularityEstimate, estimate_regularity
from ._sphere import Sphere
from ._torus import FlatTorus, StandardTorus


class Circle(Sphere):
    """The unit circle S^1 in R^2 (``Sphere`` with k = 1), embedded in R^d.

    Parameters
    ----------
    d : int or None
        Ambient dimension, >= 2 (None: 2).
    seed : int or None
        Seed of the random isometry (None: canonical embedding).
    """

    def __init__(self, d: int | None = None, seed: int | None = 0):
        super().__init__(k=1, d=d, seed=seed)

    def _params(self):
        return {"d": self.d, "seed": self.seed}


MANIFOLDS: dict[str, type[Manifold]] = {
    "sphere": Sphere,
    "circle": Circle,
    "flat_torus": FlatTorus,
    "ellipse": Ellipse,
    "standard_torus": StandardTorus,
    "holder_curve": HolderCurve,
    "holder_graph": HolderGraph,
}


def make_manifold(name: str, **params) -> Manifold:
    """Build the manifold registered as ``name`` in ``MANIFOLDS`` with keyword ``params``.

    Raises
    ------
    ValueError
        For an unknown name (with a did-you-mean suggestion) or a parameter the family does not
        take (listing the ones it does).
    """
    if not isinstance(name, str) or name not in MANIFOLDS:
        close = difflib.get_close_matches(str(name), list(MANIFOLDS), n=3)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise ValueError(f"name must be one of {sorted(MANIFOLDS)} (got {name!r}){hint}")
    cls = MANIFOLDS[name]
    allowed = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ValueError(
            f"params {unknown} are not parameters of manifold {name!r}; allowed: {allowed}"
        )
    return cls(**params)


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
