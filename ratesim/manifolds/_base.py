"""The manifold contract shared by every family.

A manifold is a compact k-dimensional submanifold M of R^d without boundary, given by a
parametrization ``phi`` of intrinsic coordinates ``u`` into its *native* space R^native_dim, and
placed
in R^d (d >= native_dim) by a seeded random isometry: zero-pad to R^d, then rotate by a Haar-random
orthogonal matrix. Only the first ``native_dim`` columns of that rotation matter; they are stored as
``frame`` (d, native_dim) with orthonormal columns, so ``x = y @ frame.T`` and ``y = x @ frame``.

Subclasses implement the native geometry:

``_phi(u)``            (n, c) coordinates -> (n, native_dim) points on M
``_jacobian(u)``       (n, native_dim, k) columns d phi / d u_j (tangent vectors, not orthonormal)
``_project_native(y)`` (n, native_dim) -> coordinates of the nearest point of M
``_sample_uniform(n, rng)``  coordinates i.i.d. from the normalized Riemannian volume
``volume``, ``reach``, ``coord_dim`` (number of coordinate columns c; c = k except for spheres,
whose coordinates are the unit vectors of R^(k+1)), ``quadrature(n)`` where k is small.

Everything public (embedding, projection with the orthogonal residual, bases, sampling with a
density) is done here once.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np
from scipy.stats import special_ortho_group

from .._validation import RNGLike, as_generator, as_points, check_int


@dataclass(frozen=True)
class Projection:
    """Nearest-point projection of points x onto M.

    Attributes
    ----------
    u : (n, c) array
        Intrinsic coordinates of P_M(x).
    point : (n, d) array
        The foot point P_M(x) in R^d.
    dist : (n,) array
        Euclidean distance |x - P_M(x)|.
    """

    u: np.ndarray
    point: np.ndarray
    dist: np.ndarray


def random_frame(d: int, native_dim: int, seed) -> np.ndarray:
    """First ``native_dim`` columns of a Haar-random rotation of R^d (identity when d = native_dim
    and seed is None)."""
    if seed is None:
        return np.eye(d)[:, :native_dim].copy()
    if d == 1:
        return np.ones((1, 1))
    q = special_ortho_group.rvs(d, random_state=np.random.default_rng(seed))
    return np.ascontiguousarray(q[:, :native_dim])


class Manifold(ABC):
    """Base class: see the module docstring for the contract.

    Parameters
    ----------
    d : int or None
        Ambient dimension, at least ``native_dim``; ``None`` means ``native_dim``.
    seed : int or None
        Seed of the random isometry into R^d. ``None`` gives the canonical embedding
        (native coordinates first, zeros after).

    Notes
    -----
    ``seed`` is part of the manifold's definition, not a source of random draws: it fixes, once
    and for all at construction, which isometric copy of M in R^d this is (and, for the Holder
    families, their random coefficients), so two manifolds built with the same arguments are the
    same set. Random draws (``sample``, ``sample_intrinsic``) take the required keyword ``rng``,
    as everywhere in ratesim.
    """

    k: int
    native_dim: int
    coord_dim: int
    beta: float = float("inf")

    def _init_embedding(self, d, seed) -> None:
        nd = self.native_dim
        d = nd if d is None else check_int(d, "d", low=1)
        if d < nd:
            raise ValueError(
                f"d must be >= the native dimension {nd} of {type(self).__name__} (got d = {d})"
            )
        if seed is not None:
            seed = check_int(seed, "seed", low=0)
        self.d = d
        self.seed = seed
        self.frame = random_frame(d, nd, seed)

    # ----- to be provided by each family -------------------------------------------------------
    @abstractmethod
    def _phi(self, u: np.ndarray) -> np.ndarray: ...

    @abstractmethod
    def _jacobian(self, u: np.ndarray) -> np.ndarray: ...

    @abstractmethod
    def _project_native(self, y: np.ndarray) -> np.ndarray: ...

    @abstractmethod
    def _sample_uniform(self, n: int, rng: np.random.Generator) -> np.ndarray: ...

    @property
    @abstractmethod
    def volume(self) -> float:
        """The Riemannian volume (k-dimensional measure) of M, a float > 0."""

    @property
    @abstractmethod
    def reach(self) -> float:
        """The reach of M in R^d (exact, or a certified lower bound where the family says so)."""

    # ----- public API ---------------------------------------------------------------------------
    def embed(self, u) -> np.ndarray:
        """Points Phi(u) of M in R^d.

        Parameters
        ----------
        u : (n, c) array
            Intrinsic coordinates (a single point may be given as a (c,) array).

        Returns
        -------
        (n, d) array
            The points of M.
        """
        u = self._check_coords(u)
        return self._phi(u) @ self.frame.T

    def to_native(self, x) -> tuple[np.ndarray, np.ndarray]:
        """Split x in R^d into its native component and the residual orthogonal to the native space.

        Parameters
        ----------
        x : (n, d) array
            Points of R^d.

        Returns
        -------
        y : (n, native_dim) array
            Native coordinates ``x @ frame``.
        resid : (n, d) array
            ``x - y @ frame.T``, orthogonal to the native space.
        """
        x = as_points(x, "x", d=self.d)
        y = x @ self.frame
        return y, x - y @ self.frame.T

    def project(self, x) -> Projection:
        """Nearest-point projection P_M(x) with intrinsic coordinates, foot point and distance.

        Parameters
        ----------
        x : (n, d) array
            Points of R^d (a single point may be given as a (d,) array).

        Returns
        -------
        Projection
            ``u`` (n, c) coordinates, ``point`` (n, d) foot points, ``dist`` (n,) distances.
        """
        y, resid = self.to_native(x)
        u = self._project_native(y)
        foot = self._phi(u)
        dn = np.sum((y - foot) ** 2, axis=1)
        dist = np.sqrt(dn + np.sum(resid**2, axis=1))
        return Projection(u=u, point=foot @ self.frame.T, dist=dist)

    def distance(self, x) -> np.ndarray:
        """dist(x, M) for each row of x.

        Parameters
        ----------
        x : (n, d) array
            Points of R^d.

        Returns
        -------
        (n,) array
            Euclidean distances to M (``project(x).dist``).
        """
        return self.project(x).dist

    def volume_element(self, u) -> np.ndarray:
        """sqrt(det g(u)), the Riemannian volume element in the coordinates u.

        Parameters
        ----------
        u : (n, c) array
            Intrinsic coordinates.

        Returns
        -------
        (n,) array
            The volume element, > 0.
        """
        u = self._check_coords(u)
        J = self._jacobian(u)
        g = np.einsum("nai,naj->nij", J, J)
        return np.sqrt(np.linalg.det(g))

    def tangent_basis(self, u) -> np.ndarray:
        """Orthonormal basis of T_{Phi(u)} M in R^d.

        Parameters
        ----------
        u : (n, c) array
            Intrinsic coordinates.

        Returns
        -------
        (n, d, k) array
            Column j of ``[i]`` is the j-th basis vector of the tangent space at point i.
        """
        u = self._check_coords(u)
        J = self._jacobian(u)
        q, _ = np.linalg.qr(J)
        return np.einsum("da,nak->ndk", self.frame, q)

    def normal_basis(self, u) -> np.ndarray:
        """Orthonormal basis of the normal space at Phi(u) in R^d.

        Parameters
        ----------
        u : (n, c) array
            Intrinsic coordinates.

        Returns
        -------
        (n, d, d - k) array
            Orthonormal columns, orthogonal to :meth:`tangent_basis`.
        """
        T = self.tangent_basis(u)
        n, d, k = T.shape
        # complete [T | I] by QR; the last d - k columns span the orthogonal complement
        full = np.concatenate([T, np.broadcast_to(np.eye(d), (n, d, d))], axis=2)
        q, _ = np.linalg.qr(full)
        return q[:, :, k:d]

    def sample_intrinsic(self, n, density=None, *, rng: RNGLike) -> np.ndarray:
        """n i.i.d. coordinates from ``density`` x Riemannian volume (uniform when None).

        Parameters
        ----------
        n : int
            Number of draws, >= 1.
        density : Density or None
            Density w.r.t. the Riemannian volume (None: the uniform law).
        rng : Generator, SeedSequence or int
            Source of randomness (required, keyword-only).

        Returns
        -------
        (n, c) array
            Intrinsic coordinates.
        """
        n = check_int(n, "n", low=1)
        rng = as_generator(rng)
        if density is None:
            return self._sample_uniform(n, rng)
        density.check_manifold(self)
        return density.sample_intrinsic(self, n, rng=rng)

    def sample(self, n, density=None, *, rng: RNGLike) -> np.ndarray:
        """n i.i.d. points of M in R^d from ``density`` x Riemannian volume.

        Parameters
        ----------
        n : int
            Number of draws, >= 1.
        density : Density or None
            Density w.r.t. the Riemannian volume (None: the uniform law).
        rng : Generator, SeedSequence or int
            Source of randomness (required, keyword-only).

        Returns
        -------
        (n, d) array
            Points of M.
        """
        return self.embed(self.sample_intrinsic(n, density, rng=rng))

    def angle(self, u) -> np.ndarray:
        """The first angular coordinate of u in [0, 2 pi), on which 1-D densities
        (Holder cusps, piecewise constant) are defined.

        Parameters
        ----------
        u : (n, c) array
            Intrinsic coordinates.

        Returns
        -------
        (n,) array
            Angles in [0, 2 pi).
        """
        u = self._check_coords(u)
        return np.mod(u[:, 0], 2 * np.pi)

    def quadrature(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Nodes u and weights w (volume element included) with sum_i w_i f(u_i) ~ int_M f dvol.

        The default is the periodic trapezoid rule on [0, 2 pi)^k with n nodes per coordinate,
        spectrally accurate for smooth periodic integrands; available for k <= 2.

        Parameters
        ----------
        n : int
            Nodes per coordinate, >= 4.

        Returns
        -------
        u : (n^k, c) array
            Nodes.
        w : (n^k,) array
            Weights, volume element included (their sum approximates ``volume``).

        Raises
        ------
        ValueError
            If k > 2.
        """
        n = check_int(n, "n", low=4)
        if self.k > 2:
            raise ValueError(
                f"quadrature needs k <= 2 on {type(self).__name__} (got k = {self.k}); "
                "use Monte-Carlo with sample()"
            )
        t = 2 * np.pi * np.arange(n) / n
        grids = np.meshgrid(*([t] * self.k), indexing="ij")
        u = np.stack([g.ravel() for g in grids], axis=1)
        w = self.volume_element(u) * (2 * np.pi / n) ** self.k
        return u, w

    def _check_coords(self, u) -> np.ndarray:
        return as_points(u, "u", d=self.coord_dim)

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self._params().items())
        return f"{type(self).__name__}({params})"

    def _params(self) -> dict:
        return {"d": self.d, "seed": self.seed}
