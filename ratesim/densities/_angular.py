"""Irregular densities of the first angle theta = manifold.angle(u): Holder cusps and jumps.

They are the densities for which P1 predicts that only the support's smoothness matters
(docs/science.md, P1: "favourable when the density is irregular"). Both are functions of theta only,
defined on every manifold (on spheres theta is the azimuth in the (u_0, u_1)-plane), normalized
w.r.t. the Riemannian volume by Z = int f(theta) m(theta) d theta with m the angular marginal of the
volume (see ``_quadrature``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.special import gammaln

from .._validation import check_in_range
from ._base import Density
from ._quadrature import (
    angular_fourier_integral,
    cached,
    describe,
    marginal_is_constant,
    require_manifold,
)

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from ..manifolds import Manifold


def _check_finite(value, name: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real number (got {value!r})") from None
    if not np.isfinite(v):
        raise ValueError(f"{name} must be finite (got {value!r})")
    return v


def _check_theta_manifold(density, manifold) -> None:
    require_manifold(density, manifold)
    if manifold.k > 2 and not marginal_is_constant(manifold):
        raise ValueError(
            f"{describe(density)} on {describe(manifold)}: the normalizing constant needs a "
            f"{manifold.k - 1}-dimensional quadrature of the volume element (k = {manifold.k} > 2, "
            "non-constant volume element); use it on k <= 2, on spheres or on the flat torus"
        )


def abs_sin_power_coefficients(s: float, lmax: int) -> np.ndarray:
    """a_l, l = 0..lmax: |sin phi|^s = sum_l a_l e^{2 i l phi} (a_{-l} = a_l).

    a_0 = Gamma(s+1) / (2^s Gamma(1 + s/2)^2) = B / (2 pi) and a_{l+1} = a_l (l - s/2) /
    (l + 1 + s/2), from int_0^pi sin^s(phi) cos(2 l phi) d phi = pi (-1)^l Gamma(s+1) /
    (2^s Gamma(1 + s/2 + l) Gamma(1 + s/2 - l)) (Gradshteyn-Ryzhik 3.631.12). They decay like
    l^-(1+s): the cusp.
    """
    log_a0 = gammaln(s + 1) - s * np.log(2.0) - 2 * gammaln(1 + 0.5 * s)
    l = np.arange(lmax, dtype=float)
    ratios = (l - 0.5 * s) / (l + 1 + 0.5 * s)
    return np.exp(log_a0) * np.concatenate([[1.0], np.cumprod(ratios)])


class HolderDensity(Density):
    r"""Holder-s cusps: p(u) proportional to 1 + c |sin(theta - theta0)|^s, theta = angle(u).

    The density is C^s but not smoother at theta0 and theta0 + pi (for s < 1 it is not even
    Lipschitz there). W.r.t. the Riemannian volume:

    .. math:: p = \frac{1 + c |\sin(\theta - \theta_0)|^s}{Z}, \quad
              Z = \mathrm{vol}(M) + c \int_0^{2\pi} |\sin(\theta - \theta_0)|^s m(\theta) d\theta

    with m the angular marginal of the volume. When m is constant (circle, spheres, flat torus)
    Z = vol(M) (1 + c B / (2 pi)) with B = int_0^{2 pi} |sin|^s = 2 sqrt(pi) Gamma((s+1)/2) /
    Gamma(s/2 + 1). Otherwise Z = 2 pi sum_xi c_xi(f) c_-xi(m) (Parseval) with the Fourier
    coefficients of the cusp in closed form (``abs_sin_power_coefficients``) and those of the
    smooth m by FFT: this converges as fast as the coefficients of m decay, whereas a quadrature
    applied to the cusp itself converges only like N^-(1+s). Relative error < 1e-10.

    Parameters
    ----------
    s : float
        Holder exponent in (0, 2).
    c : float
        Cusp amplitude, c > -1 (c < 0 makes the cusps maxima).
    theta0 : float
        Location of the first cusp.

    Notes
    -----
    Bounds: min(1, 1 + c) / Z <= p <= max(1, 1 + c) / Z. Sampled exactly by rejection from the
    uniform volume law (acceptance >= min(1, 1+c) / max(1, 1+c)).
    """

    def __init__(self, s: float = 0.5, c: float = 1.0, theta0: float = 0.0):
        self.s = check_in_range(s, "s", low=0.0, high=2.0, low_open=True, high_open=True)
        c = _check_finite(c, "c")
        self.c = check_in_range(c, "c", low=-1.0, low_open=True)
        self.theta0 = _check_finite(theta0, "theta0")

    def check_manifold(self, manifold: Manifold) -> None:
        _check_theta_manifold(self, manifold)

    def log_normalizer(self, manifold: Manifold) -> float:
        """log Z, Z = int_M (1 + c |sin(theta - theta0)|^s) dvol.

        Parameters
        ----------
        manifold : Manifold

        Returns
        -------
        float
        """
        self.check_manifold(manifold)
        s, c, t0 = self.s, self.c, self.theta0

        def coefficients(xi):
            out = np.zeros(xi.size, dtype=complex)
            a = abs_sin_power_coefficients(s, int(xi.max()) // 2)
            even = xi % 2 == 0
            l = xi[even] // 2
            out[even] = c * a[l] * np.exp(-2j * l * t0)
            out[xi == 0] += 1.0
            return out

        def compute():
            return float(np.log(angular_fourier_integral(manifold, coefficients, describe(self))))

        return cached(manifold, ("HolderDensity", s, c, t0), compute)

    def log_pdf(self, manifold: Manifold, u: ArrayLike) -> np.ndarray:
        log_z = self.log_normalizer(manifold)
        theta = manifold.angle(u)
        return np.log1p(self.c * np.abs(np.sin(theta - self.theta0)) ** self.s) - log_z

    def log_sup(self, manifold: Manifold) -> float:
        return float(np.log(max(1.0, 1.0 + self.c))) - self.log_normalizer(manifold)

    def log_lower_bound(self, manifold: Manifold) -> float:
        return float(np.log(min(1.0, 1.0 + self.c))) - self.log_normalizer(manifold)

    def lower_bound(self, manifold: Manifold) -> float:
        return float(np.exp(self.log_lower_bound(manifold)))


class PiecewiseConstant(Density):
    r"""A density of theta = angle(u) with jumps: level_i on the arc [breaks_i, breaks_{i+1}).

    The last arc wraps around: [breaks_{L-1}, breaks_0 + 2 pi). W.r.t. the Riemannian volume,

    .. math:: p = \mathrm{level}_i / Z \ \text{on arc } i, \quad
              Z = \sum_i \mathrm{level}_i \int_{\mathrm{arc}_i} m(\theta) d\theta,

    m the angular marginal of the volume: Z = m sum_i level_i |arc_i| when m is constant (circle,
    spheres, flat torus), else Z = 2 pi sum_xi c_xi(f) c_-xi(m) with the Fourier coefficients of
    the step function in closed form and those of m by FFT (relative error < 1e-10). Levels are
    relative (only their ratios matter).

    Parameters
    ----------
    levels : sequence of float
        Positive, finite levels, one per arc, e.g. (1, 3).
    breaks : sequence of float or None
        Strictly increasing arc starts in [0, 2 pi), one per level; ``None`` gives equal arcs
        starting at 0.

    Notes
    -----
    Bounds: min(levels) / Z <= p <= max(levels) / Z. Sampled exactly by rejection from the uniform
    volume law (acceptance mean / max level).
    """

    def __init__(self, levels=(1.0, 3.0), breaks=None):
        try:
            lv = np.asarray(levels, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(f"levels must be a sequence of numbers (got {levels!r})") from None
        if lv.ndim != 1 or lv.size == 0:
            raise ValueError(f"levels must be a non-empty 1-D sequence (got {levels!r})")
        if not np.all(np.isfinite(lv)) or np.any(lv <= 0):
            raise ValueError(
                f"levels must be finite and > 0, the density is bounded below (got {levels!r})"
            )
        L = lv.size
        if breaks is None:
            br = 2 * np.pi * np.arange(L) / L
        else:
            try:
                br = np.asarray(breaks, dtype=float)
            except (TypeError, ValueError):
                raise ValueError(f"breaks must be a sequence of angles (got {breaks!r})") from None
            if br.ndim != 1 or br.size != L:
                raise ValueError(f"breaks must have one angle per level, {L} (got {breaks!r})")
            if (
                not np.all(np.isfinite(br))
                or np.any(br < 0)
                or np.any(br >= 2 * np.pi)
                or np.any(np.diff(br) <= 0)
            ):
                raise ValueError(
                    f"breaks must be strictly increasing angles in [0, 2 pi) (got {breaks!r})"
                )
        self.levels = tuple(float(v) for v in lv)
        self.breaks = tuple(float(b) for b in br)

    def _arcs(self):
        br = list(self.breaks) + [self.breaks[0] + 2 * np.pi]
        return [(br[i], br[i + 1], lvl) for i, lvl in enumerate(self.levels)]

    def check_manifold(self, manifold: Manifold) -> None:
        _check_theta_manifold(self, manifold)

    def log_normalizer(self, manifold: Manifold) -> float:
        """log Z, Z = sum_i level_i vol(arc_i).

        Parameters
        ----------
        manifold : Manifold

        Returns
        -------
        float
        """
        self.check_manifold(manifold)

        arcs = self._arcs()

        def coefficients(xi):
            out = np.zeros(xi.size, dtype=complex)
            nz = xi != 0
            x = xi[nz].astype(float)
            for a, b, lvl in arcs:
                out[~nz] += lvl * (b - a) / (2 * np.pi)
                out[nz] += lvl * (np.exp(-1j * x * a) - np.exp(-1j * x * b)) / (2j * np.pi * x)
            return out

        def compute():
            return float(np.log(angular_fourier_integral(manifold, coefficients, describe(self))))

        return cached(manifold, ("PiecewiseConstant", self.levels, self.breaks), compute)

    def level_index(self, theta: np.ndarray) -> np.ndarray:
        """Index of the arc containing each angle theta (taken mod 2 pi).

        Parameters
        ----------
        theta : (n,) array
            Angles.

        Returns
        -------
        (n,) int array
            i such that theta mod 2 pi is in [breaks_i, breaks_{i+1}) (cyclically).
        """
        th = np.mod(np.asarray(theta, dtype=float), 2 * np.pi)
        idx = np.searchsorted(np.asarray(self.breaks), th, side="right") - 1
        return np.where(idx < 0, len(self.levels) - 1, idx)

    def log_pdf(self, manifold: Manifold, u: ArrayLike) -> np.ndarray:
        log_z = self.log_normalizer(manifold)
        idx = self.level_index(manifold.angle(u))
        return np.log(np.asarray(self.levels))[idx] - log_z

    def log_sup(self, manifold: Manifold) -> float:
        return float(np.log(max(self.levels))) - self.log_normalizer(manifold)

    def log_lower_bound(self, manifold: Manifold) -> float:
        return float(np.log(min(self.levels))) - self.log_normalizer(manifold)

    def lower_bound(self, manifold: Manifold) -> float:
        return float(np.exp(self.log_lower_bound(manifold)))


class JumpDensity(PiecewiseConstant):
    """One jump by a factor ``ratio`` in theta = angle(u): level 1 on [0, pi), ``ratio`` on
    [pi, 2 pi), i.e. ``PiecewiseConstant((1, ratio), (0, pi))``, with max/min density ``ratio``
    (or its inverse); the scalar form a study grid can vary (docs/science.md, P1: irregular
    densities).

    Parameters
    ----------
    ratio : float > 0
        The level of the second half over the first's.
    """

    def __init__(self, ratio: float = 3.0):
        ratio = check_in_range(_check_finite(ratio, "ratio"), "ratio", low=0.0, low_open=True)
        super().__init__((1.0, ratio), (0.0, np.pi))
        self.ratio = ratio

    def __repr__(self) -> str:
        return f"JumpDensity(ratio={self.ratio!r})"
