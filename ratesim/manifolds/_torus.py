"""Tori: the flat torus T^k in R^(2k) and the standard (doughnut) torus in R^3."""

from __future__ import annotations

import numpy as np

from .._validation import check_int, check_positive
from ._base import Manifold

TWO_PI = 2.0 * np.pi


def wrap_angle(x: np.ndarray) -> np.ndarray:
    """Angles reduced to [0, 2 pi)."""
    out = np.mod(x, TWO_PI)
    out[out >= TWO_PI] = 0.0  # np.mod of tiny negatives can round up to 2 pi
    return out


class FlatTorus(Manifold):
    """The flat torus T^k = S^1 x ... x S^1, product of k unit circles in R^(2k).

    Phi(u) = (cos u_1, sin u_1, ..., cos u_k, sin u_k); coordinates are the k angles, the metric is
    the identity (volume element 1), so the volume is (2 pi)^k and the uniform law is uniform in the
    angles. The reach is 1: a point is at distance 1 from M exactly when one of its circle
    components (x_(2i-1), x_(2i)) is zero, and there its nearest point stops being unique. The
    geodesic distance is the flat one, |wrap(u - v)|_2 with each difference wrapped to [-pi, pi].

    Parameters
    ----------
    k : int >= 1
        Intrinsic dimension (number of circle factors).
    d : int or None
        Ambient dimension, >= 2k (None: 2k).
    seed : int or None
        Seed of the random isometry (None: canonical embedding).
    """

    def __init__(self, k: int = 2, d: int | None = None, seed: int | None = 0):
        self.k = check_int(k, "k", low=1)
        self.coord_dim = self.k
        self.native_dim = 2 * self.k
        self._init_embedding(d, seed)

    def _params(self):
        return {"k": self.k, **super()._params()}

    @property
    def volume(self) -> float:
        return float(TWO_PI**self.k)

    @property
    def reach(self) -> float:
        return 1.0

    def _phi(self, u):
        out = np.empty((u.shape[0], 2 * self.k))
        out[:, 0::2] = np.cos(u)
        out[:, 1::2] = np.sin(u)
        return out

    def _jacobian(self, u):
        n, k = u.shape
        J = np.zeros((n, 2 * k, k))
        idx = np.arange(k)
        J[:, 2 * idx, idx] = -np.sin(u)
        J[:, 2 * idx + 1, idx] = np.cos(u)
        return J

    def volume_element(self, u):
        u = self._check_coords(u)
        return np.ones(u.shape[0])

    def _project_native(self, y):
        # on the medial axis (a zero circle component) atan2(0, 0) = 0 is one of the nearest points
        return wrap_angle(np.arctan2(y[:, 1::2], y[:, 0::2]))

    def _sample_uniform(self, n, rng):
        return rng.uniform(0.0, TWO_PI, size=(n, self.k))

    def geodesic_distance(self, u, v) -> np.ndarray:
        """Flat geodesic distance sqrt(sum_i wrap(u_i - v_i)^2), wrap to [-pi, pi].

        Parameters
        ----------
        u, v : (n, k) arrays
            Angle coordinates of the same shape, compared row by row.

        Returns
        -------
        (n,) array
            Distances in [0, pi sqrt(k)].
        """
        u, v = self._check_coords(u), self._check_coords(v)
        if u.shape != v.shape:
            raise ValueError(f"u and v must have the same shape (got {u.shape} and {v.shape})")
        diff = np.abs(np.mod(u - v + np.pi, TWO_PI) - np.pi)
        return np.sqrt(np.sum(diff**2, axis=1))


class StandardTorus(Manifold):
    """The standard torus of revolution in R^3 with tube radius r around a circle of radius R > r.

    Phi(theta, phi) = ((R + r cos phi) cos theta, (R + r cos phi) sin theta, r sin phi): theta runs
    around the z-axis, phi around the tube. Volume element r (R + r cos phi), volume 4 pi^2 R r. The
    Gaussian curvature changes sign (positive outside, negative inside). Reach min(r, R - r): the
    medial axis is the core circle (distance r) and the z-axis (distance R - r). The projection is
    in closed form (azimuth, then the nearest point of the meridian circle). Uniform sampling: theta
    uniform, phi by rejection with acceptance (R + r cos phi) / (R + r), exact.

    Parameters
    ----------
    R, r : float, R > r > 0
        Radius of the core circle and of the tube.
    d : int or None
        Ambient dimension, >= 3 (None: 3).
    seed : int or None
        Seed of the random isometry (None: canonical embedding).
    """

    k = 2
    native_dim = 3
    coord_dim = 2

    def __init__(self, R: float = 2.0, r: float = 1.0, d: int | None = None, seed: int | None = 0):
        self.R = check_positive(R, "R")
        self.r = check_positive(r, "r")
        if not self.r < self.R:
            raise ValueError(
                f"r must be < R = {self.R} for an embedded torus (got r = {self.r}); "
                "allowed: 0 < r < R"
            )
        self._init_embedding(d, seed)

    def _params(self):
        return {"R": self.R, "r": self.r, **super()._params()}

    @property
    def volume(self) -> float:
        return float(4.0 * np.pi**2 * self.R * self.r)

    @property
    def reach(self) -> float:
        return float(min(self.r, self.R - self.r))

    def _phi(self, u):
        th, ph = u[:, 0], u[:, 1]
        rho = self.R + self.r * np.cos(ph)
        return np.stack([rho * np.cos(th), rho * np.sin(th), self.r * np.sin(ph)], axis=1)

    def _jacobian(self, u):
        th, ph = u[:, 0], u[:, 1]
        rho = self.R + self.r * np.cos(ph)
        J = np.zeros((u.shape[0], 3, 2))
        J[:, 0, 0] = -rho * np.sin(th)
        J[:, 1, 0] = rho * np.cos(th)
        J[:, 0, 1] = -self.r * np.sin(ph) * np.cos(th)
        J[:, 1, 1] = -self.r * np.sin(ph) * np.sin(th)
        J[:, 2, 1] = self.r * np.cos(ph)
        return J

    def volume_element(self, u):
        u = self._check_coords(u)
        return self.r * (self.R + self.r * np.cos(u[:, 1]))

    def _project_native(self, y):
        # on the medial axis (z-axis, core circle) atan2(0, 0) = 0 picks one nearest point
        th = np.arctan2(y[:, 1], y[:, 0])
        rho = np.hypot(y[:, 0], y[:, 1])
        ph = np.arctan2(y[:, 2], rho - self.R)
        return wrap_angle(np.stack([th, ph], axis=1))

    def _sample_uniform(self, n, rng):
        out, have = [], 0
        accept = self.R / (self.R + self.r)  # mean acceptance probability
        while have < n:
            m = int(1.1 * (n - have) / accept) + 16
            ph = rng.uniform(0.0, TWO_PI, size=m)
            keep = rng.uniform(size=m) * (self.R + self.r) < self.R + self.r * np.cos(ph)
            out.append(ph[keep])
            have += int(keep.sum())
        ph = np.concatenate(out)[:n]
        th = rng.uniform(0.0, TWO_PI, size=n)
        return np.stack([th, ph], axis=1)
