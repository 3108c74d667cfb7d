"""The ellipse (a cos t, b sin t) in R^2: a closed curve whose curvature varies along M."""

from __future__ import annotations

import numpy as np
from scipy.special import ellipe

from .._validation import check_positive
from ._base import Manifold
from ._kernels import _project_curve
from ._torus import TWO_PI

_EMPTY = np.zeros(0)


class Ellipse(Manifold):
    """Ellipse Phi(t) = (a cos t, b sin t), t in [0, 2 pi), embedded in R^d.

    The coordinate is the parameter angle t (``angle(u) = t``); the volume element is the speed
    |Phi'(t)| = sqrt(a^2 sin^2 t + b^2 cos^2 t), so the uniform (volume) law is uniform in arc
    length, not in t (docs/measurement.md, trap 5). Exact sampling: t uniform, accepted
    with probability |Phi'(t)| / max(a, b).

    Volume: the perimeter 4 A E(1 - (B / A)^2) with A = max(a, b), B = min(a, b) and E the complete
    elliptic integral of the second kind (``scipy.special.ellipe``, parameter m = e^2).

    Reach: B^2 / A, the smallest radius of curvature (at the ends of the major axis). It is also
    the distance from M to its medial axis, the segment of the major axis between the two centres
    of curvature +-(A^2 - B^2) / A; the only bottleneck (the minor axis, half-length B) is larger.

    Projection: the nearest of ``n_grid`` parameter values (spacing in arc length at most reach/4)
    then safeguarded Newton on <Phi(t) - y, Phi'(t)> (numba), accurate to ~1e-15 in t.

    Parameters
    ----------
    a, b : float > 0
        Semi-axes along the first and second native coordinates.
    d : int or None
        Ambient dimension, >= 2 (None: 2).
    seed : int or None
        Seed of the random isometry (None: canonical embedding).
    """

    k = 1
    native_dim = 2
    coord_dim = 1

    def __init__(self, a: float = 1.0, b: float = 2.0, d: int | None = None, seed: int | None = 0):
        self.a = check_positive(a, "a")
        self.b = check_positive(b, "b")
        self._init_embedding(d, seed)
        big, small = max(self.a, self.b), min(self.a, self.b)
        self._volume = float(4.0 * big * ellipe(1.0 - (small / big) ** 2))
        self._reach = small**2 / big
        # grid spacing in arc length <= max speed * 2 pi / n <= reach / 4
        self._n_grid = int(min(max(64, np.ceil(8 * np.pi * big / self._reach)), 1 << 16))

    def _params(self):
        return {"a": self.a, "b": self.b, **super()._params()}

    @property
    def volume(self) -> float:
        return self._volume

    @property
    def reach(self) -> float:
        return self._reach

    def _phi(self, u):
        t = u[:, 0]
        return np.stack([self.a * np.cos(t), self.b * np.sin(t)], axis=1)

    def _jacobian(self, u):
        t = u[:, 0]
        return np.stack([-self.a * np.sin(t), self.b * np.cos(t)], axis=1)[:, :, None]

    def volume_element(self, u):
        t = self._check_coords(u)[:, 0]
        return np.hypot(self.a * np.sin(t), self.b * np.cos(t))

    def _project_native(self, y):
        out = np.empty(y.shape[0])
        _project_curve(
            np.ascontiguousarray(y),
            0,
            self.a,
            self.b,
            0.0,
            _EMPTY,
            _EMPTY,
            _EMPTY,
            False,
            np.pi,
            self._n_grid,
            out,
        )
        return out[:, None]

    def _sample_uniform(self, n, rng):
        big = max(self.a, self.b)
        out, have = [], 0
        accept = self._volume / (TWO_PI * big)
        while have < n:
            m = int(1.1 * (n - have) / accept) + 16
            t = rng.uniform(0.0, TWO_PI, size=m)
            speed = np.hypot(self.a * np.sin(t), self.b * np.cos(t))
            keep = rng.uniform(size=m) * big < speed
            out.append(t[keep])
            have += int(keep.sum())
        return np.concatenate(out)[:n, None]
