"""Probability densities on manifolds, w.r.t. the Riemannian volume.

Every density is normalized exactly (closed form or converged quadrature), bounded below by a stated
positive ``lower_bound(manifold)``, sampled exactly (``manifold.sample(n, density, rng)``) and has a
log-density ``log_pdf(manifold, u)`` on the manifold's coordinates u. ``ChartVonMises`` is the one
law given in the chart (the P2 paper's von Mises in the ellipse's angle), converted to volume.
"""

from ._angular import HolderDensity, PiecewiseConstant
from ._base import Density, Uniform
from ._mixture import Mixture
from ._registry import DENSITIES, make_density
from ._vonmises import ChartVonMises, VonMises, VonMisesFisher

__all__ = [
    "DENSITIES",
    "ChartVonMises",
    "Density",
    "HolderDensity",
    "Mixture",
    "PiecewiseConstant",
    "Uniform",
    "VonMises",
    "VonMisesFisher",
    "make_density",
]
