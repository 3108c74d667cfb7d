"""The unit circle, the k = 1 sphere under its own registry name."""

from __future__ import annotations

from ._sphere import Sphere


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
