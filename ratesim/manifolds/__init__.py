"""Compact k-dimensional submanifolds of R^d with exact projection, sampling and geometry."""

from ._base import Manifold, Projection
from ._sphere import Sphere

__all__ = ["Manifold", "Projection", "Sphere"]
