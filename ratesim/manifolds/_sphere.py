"""Round unit spheres S^k in R^(k+1) (the circle is k = 1)."""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln

from .._validation import as_points, check_int
from ._base import Manifold


class Sphere(Manifold):
    """The unit sphere S^k in R^(k+1), embedded in R^d by a random isometry.

    Coordinates are the unit vectors of R^(k+1) themselves (``coord_dim = k + 1``): they have no
    chart singularity and make the projection y / |y| exact. For the circle (k = 1) the angle is
    ``angle(u)``.

    Volume 2 pi^((k+1)/2) / Gamma((k+1)/2); reach 1 (the centre is the only point with two
    nearest points); geodesic distance arccos <u, v>.

    Parameters
    ----------
    k : int >= 1
        Intrinsic dimension.
    d : int or None
        Ambient dimension, >= k + 1 (None: k + 1).
    seed : int or None
        Seed of the random isometry (None: canonical embedding).
    """

    def __init__(self, k: int = 1, d: int | None = None, seed: int | None = 0):
        self.k = check_int(k, "k", low=1)
        self.native_dim = self.coord_dim = self.k + 1
        self._init_embedding(d, seed)

    def _params(self):
        return {"k": self.k, **super()._params()}

    @property
    def volume(self) -> float:
        m = self.k + 1
        return float(np.exp(np.log(2.0) + 0.5 * m * np.log(np.pi) - gammaln(0.5 * m)))

    @property
    def reach(self) -> float:
        return 1.0

    def _phi(self, u):
        return u / np.linalg.norm(u, axis=1, keepdims=True)

    def _check_coords(self, u):
        u = as_points(u, "u", d=self.coord_dim)
        r = np.linalg.norm(u, axis=1)
        if np.any(np.abs(r - 1.0) > 1e-6):
            raise ValueError(
                "u must be unit vectors of R^(k+1) for Sphere coordinates "
                f"(got norms in [{r.min():.3g}, {r.max():.3g}])"
            )
        return u / r[:, None]

    def _jacobian(self, u):
        # orthonormal tangent frame: complete u to an orthonormal basis, drop u
        n, m = u.shape
        full = np.concatenate([u[:, :, None], np.broadcast_to(np.eye(m), (n, m, m))], axis=2)
        q, _ = np.linalg.qr(full)
        return q[:, :, 1:m]

    def volume_element(self, u):
        u = self._check_coords(u)
        return np.ones(u.shape[0])

    def _project_native(self, y):
        r = np.linalg.norm(y, axis=1, keepdims=True)
        if np.any(r == 0):
            raise ValueError("x has a point at the centre of the sphere, where P_M is undefined")
        return y / r

    def _sample_uniform(self, n, rng):
        g = rng.standard_normal((n, self.k + 1))
        return g / np.linalg.norm(g, axis=1, keepdims=True)

    def angle(self, u):
        """The angle atan2(u_2, u_1) in [0, 2 pi) of the first two coordinates (on the circle, the
        position on S^1).

        Parameters
        ----------
        u : (n, k + 1) array
            Unit vectors.

        Returns
        -------
        (n,) array
            Angles in [0, 2 pi).
        """
        u = self._check_coords(u)
        return np.mod(np.arctan2(u[:, 1], u[:, 0]), 2 * np.pi)

    def geodesic_distance(self, u, v) -> np.ndarray:
        """Great-circle distance arccos <u, v> (computed with atan2 for accuracy).

        Parameters
        ----------
        u, v : (n, k + 1) arrays
            Unit vectors (coordinates), compared row by row.

        Returns
        -------
        (n,) array
            Distances in [0, pi].
        """
        u, v = self._check_coords(u), self._check_coords(v)
        dot = np.sum(u * v, axis=1)
        cross = np.linalg.norm(
            u[:, :, None] * v[:, None, :] - v[:, :, None] * u[:, None, :], axis=(1, 2)
        ) / np.sqrt(2.0)
        return np.arctan2(cross, dot)

    def quadrature(self, n: int):
        """Circle: n equispaced angles. S^2: Gauss-Legendre in cos(theta) (n nodes) times n
        equispaced azimuths. Exact for polynomials of high degree; weights sum to the volume.

        Parameters
        ----------
        n : int
            Nodes per coordinate, >= 4.

        Returns
        -------
        u : (n, 2) or (n^2, 3) array
            Nodes (unit vectors) for k = 1 or k = 2.
        w : (n,) or (n^2,) array
            Weights.

        Raises
        ------
        ValueError
            If k > 2.
        """
        n = check_int(n, "n", low=4)
        t = 2 * np.pi * np.arange(n) / n
        if self.k == 1:
            return np.stack([np.cos(t), np.sin(t)], axis=1), np.full(n, 2 * np.pi / n)
        if self.k == 2:
            z, wz = np.polynomial.legendre.leggauss(n)
            Z, T = np.meshgrid(z, t, indexing="ij")
            s = np.sqrt(1 - Z**2)
            u = np.stack([s * np.cos(T), s * np.sin(T), Z], axis=-1).reshape(-1, 3)
            w = (wz[:, None] * np.full(n, 2 * np.pi / n)[None, :]).ravel()
            return u, w
        raise ValueError(f"quadrature on Sphere needs k <= 2 (got k = {self.k})")
