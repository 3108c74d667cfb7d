"""Probability densities on manifolds, w.r.t. the Riemannian volume.

Every density is normalized exactly (closed form or converged quadrature), bounded below by a stated
positive ``lower_bound(manifold)``, sampled exactly (``manifold.sample(n, density, rng=rng)``) and
has a log-density ``log_pdf(manifold, u)`` on the manifold's coordinates u. ``ChartVonMises`` is
the one law given in the chart (the P2 paper's von Mises in the ellipse's angle), converted to
volume.

Registry (``DENSITIES``, ``make_density(name, **params)``):

======================  ==========================================================================
``uniform``             ``Uniform()``: 1 / vol(M), every manifold
``von_mises``           ``VonMises(kappa, mean)``: prod_j exp(kappa cos(u_j - mean_j)) per volume;
                        angle manifolds and the circle (k > 2 only with a constant volume element)
``von_mises_fisher``    ``VonMisesFisher(kappa, mu)``: exp(kappa <mu, x>) on spheres
``chart_von_mises``     ``ChartVonMises(kappa, mean)``: von Mises law *of the chart angles*, density
                        q(u) / J(u) per volume (the P2 experiments); angle manifolds, any k
``holder``              ``HolderDensity(s, c, theta0)``: 1 + c |sin(theta - theta0)|^s, s in (0, 2)
``piecewise_constant``  ``PiecewiseConstant(levels, breaks)``: jumps in theta = angle(u)
``jump``                ``JumpDensity(ratio)``: ``PiecewiseConstant((1, ratio), (0, pi))``
``mixture``             ``Mixture(components, weights)``
======================  ==========================================================================

Every density has ``log_pdf``, ``pdf``, ``log_normalizer``, ``lower_bound`` / ``log_lower_bound``,
``log_sup``, ``check_manifold`` and ``sample_intrinsic``; sample with ``manifold.sample(n, density,
rng=rng)``.
"""

from ._angular import HolderDensity, JumpDensity, PiecewiseConstant
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
    "JumpDensity",
    "PiecewiseConstant",
    "Uniform",
    "VonMises",
    "VonMisesFisher",
    "make_density",
]
