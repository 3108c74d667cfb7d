"""Probability densities on manifolds, w.r.t. the Riemannian volume."""

from ._base import Density, Uniform

__all__ = ["Density", "Uniform"]
