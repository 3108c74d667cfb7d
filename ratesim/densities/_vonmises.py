"""Smooth densities: von Mises on angle coordinates, von Mises-Fisher on spheres, and the chart
(angle-parameter) von Mises law of the P2 experiments.

All are densities w.r.t. the Riemannian volume (docs/measurement.md, trap 5). ``VonMises`` on the
ellipse is proportional to exp(kappa cos(t - mean)) *per unit arc length*; the paper's experiment
instead puts a von Mises law on the angle parameter t itself, which is ``ChartVonMises`` (its volume
density is the chart density divided by the volume element |Phi'(t)|).
"""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING

import numpy as np
from scipy.special import gammaln, ive

from .._validation import RNGLike, as_generator, check_int, check_positive
from ..manifolds import Sphere
from ._base import Density
from ._quadrature import (
    cached,
    constant_volume_element,
    describe,
    is_angle_manifold,
    log_integral_smooth,
    require_manifold,
    volume_element_range,
)

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from ..manifolds import Manifold


_LOG_2PI = float(np.log(2 * np.pi))


def log_bessel_i(nu: float, z: float) -> float:
    """log I_nu(z) for nu >= 0, z >= 0, without overflow (scaled Bessel ``ive``) or underflow
    (power series for small z)."""
    if z == 0.0:
        return 0.0 if nu == 0 else -np.inf
    val = float(ive(nu, z))
    if z < 1e-6 or val == 0.0 or not np.isfinite(val):
        # I_nu(z) = (z/2)^nu / Gamma(nu+1) * (1 + q/(nu+1) + q^2/(2 (nu+1)(nu+2)) + ...),
        # q = z^2/4; for z < 1e-6 the omitted terms are below 1e-36 relative.
        q = 0.25 * z * z
        series = 1.0 + q / (nu + 1) + q * q / (2 * (nu + 1) * (nu + 2))
        return nu * np.log(0.5 * z) - float(gammaln(nu + 1)) + float(np.log(series))
    return float(np.log(val)) + z


def log_von_mises_constant(kappa: float) -> float:
    """log(2 pi I_0(kappa)), the normalizing constant of exp(kappa cos t) on [0, 2 pi)."""
    return _LOG_2PI + log_bessel_i(0.0, kappa)


def _check_mean(mean, name: str):
    """A finite scalar or a 1-D sequence of finite angles (kept verbatim as float / tuple)."""
    if isinstance(mean, numbers.Real) and not isinstance(mean, bool):
        v = float(mean)
        if not np.isfinite(v):
            raise ValueError(f"{name} must be a finite angle (got {mean!r})")
        return v
    try:
        arr = np.asarray(mean, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} must be an angle or a sequence of angles (got {mean!r})"
        ) from None
    if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)):
        raise ValueError(
            f"{name} must be a finite angle or a 1-D sequence of finite angles (got {mean!r})"
        )
    return tuple(float(a) for a in arr)


def _angles(manifold, u) -> np.ndarray:
    """(n, k) angles: the coordinates of an angle manifold, or the angle of the circle."""
    if isinstance(manifold, Sphere):
        return manifold.angle(u)[:, None]
    return manifold._check_coords(u)


def _mean_vector(mean, k: int) -> np.ndarray:
    return np.full(k, mean) if isinstance(mean, float) else np.asarray(mean, dtype=float)


def _check_angle_family(density, manifold, mean) -> None:
    """Shared manifold check of the von Mises laws on angle coordinates."""
    require_manifold(density, manifold)
    if isinstance(manifold, Sphere):
        if manifold.k != 1:
            raise ValueError(
                f"{describe(density)} is a law of angle coordinates and is not defined on "
                f"{describe(manifold)} (k = {manifold.k}); use VonMisesFisher on spheres of "
                "dimension k >= 2"
            )
    elif not is_angle_manifold(manifold):
        raise ValueError(
            f"{describe(density)} needs a manifold with angle coordinates; "
            f"{describe(manifold)} has coord_dim = {manifold.coord_dim} for k = {manifold.k}"
        )
    if isinstance(mean, tuple) and len(mean) != manifold.k:
        raise ValueError(
            f"mean must have one angle per coordinate, k = {manifold.k} on {describe(manifold)} "
            f"(got {len(mean)} values for {describe(density)})"
        )


class VonMises(Density):
    r"""Product von Mises law of the angle coordinates, w.r.t. the Riemannian volume.

    .. math:: p(u) = \frac{1}{Z} \prod_{j=1}^k \exp(\kappa \cos(u_j - \mu_j)),
              \quad Z = \int \prod_j e^{\kappa \cos(u_j - \mu_j)} J(u)\, du

    with J the volume element. On the circle ``Sphere(k=1)`` (u the angle) and on the flat torus
    (J constant) Z = J (2 pi I_0(kappa))^k in closed form; on curved manifolds with k <= 2 (ellipse,
    standard torus, Holder curves and graphs) Z comes from the manifold's quadrature, relative
    error < 1e-10; k > 2 needs a constant volume element. This is the density of the P2
    experiments (docs/science.md, P2) written w.r.t. volume, *not* their chart law: see
    ``ChartVonMises``.

    Parameters
    ----------
    kappa : float
        Concentration, >= 0 (0 is the uniform volume law).
    mean : float or sequence of float
        Mean angle(s): one value for all k coordinates, or one per coordinate.

    Notes
    -----
    Bounds: p >= exp(-kappa k) / Z (``lower_bound``) and p <= exp(kappa k) / Z. Sampling is exact:
    von Mises angles in the chart (``numpy.random.Generator.vonmises``), accepted with probability
    J(u) / J_max (always accepted when J is constant). On Sphere(k >= 2) use ``VonMisesFisher``.
    """

    def __init__(self, kappa: float = 1.0, mean: float | tuple = 0.0):
        self.kappa = check_positive(kappa, "kappa", allow_zero=True)
        self.mean = _check_mean(mean, "mean")

    def check_manifold(self, manifold: Manifold) -> None:
        _check_angle_family(self, manifold, self.mean)
        if manifold.k > 2 and constant_volume_element(manifold) is None:
            raise ValueError(
                f"{describe(self)} on {describe(manifold)}: the normalizing constant needs a "
                f"k = {manifold.k} > 2 dimensional quadrature (non-constant volume element)"
            )

    def _log_f(self, manifold, theta: np.ndarray) -> np.ndarray:
        mu = _mean_vector(self.mean, theta.shape[1])
        return self.kappa * np.sum(np.cos(theta - mu), axis=1)

    def log_normalizer(self, manifold: Manifold) -> float:
        """log Z = log int_M prod_j exp(kappa cos(u_j - mean_j)) dvol.

        Parameters
        ----------
        manifold : Manifold

        Returns
        -------
        float
        """
        self.check_manifold(manifold)
        key = ("VonMises", self.kappa, self.mean)

        def compute():
            k = manifold.k
            c = 1.0 if isinstance(manifold, Sphere) else constant_volume_element(manifold)
            if c is not None:
                return float(np.log(c)) + k * log_von_mises_constant(self.kappa)
            return log_integral_smooth(manifold, lambda u: self._log_f(manifold, u), describe(self))

        return cached(manifold, key, compute)

    def log_pdf(self, manifold: Manifold, u: ArrayLike) -> np.ndarray:
        log_z = self.log_normalizer(manifold)
        return self._log_f(manifold, _angles(manifold, u)) - log_z

    def log_sup(self, manifold: Manifold) -> float:
        return self.kappa * manifold.k - self.log_normalizer(manifold)

    def log_lower_bound(self, manifold: Manifold) -> float:
        return -self.kappa * manifold.k - self.log_normalizer(manifold)

    def lower_bound(self, manifold: Manifold) -> float:
        return float(np.exp(self.log_lower_bound(manifold)))

    def sample_intrinsic(self, manifold: Manifold, n: int, *, rng: RNGLike) -> np.ndarray:
        self.check_manifold(manifold)
        n = check_int(n, "n", low=1)
        rng = as_generator(rng)
        k = manifold.k
        mu = _mean_vector(self.mean, k)
        if isinstance(manifold, Sphere):
            t = rng.vonmises(mu[0], self.kappa, size=n)
            return np.stack([np.cos(t), np.sin(t)], axis=1)
        if constant_volume_element(manifold) is not None:
            return np.mod(rng.vonmises(mu, self.kappa, size=(n, k)), 2 * np.pi)
        return _chart_rejection(manifold, n, rng, lambda m: rng.vonmises(mu, self.kappa, (m, k)))


def _chart_rejection(manifold, n, rng, propose) -> np.ndarray:
    """Exact sampling of q(u) J(u) du from proposals u ~ q(u) du, accepted w.p. J(u) / J_max.

    J_max is a grid estimate with a 5 % margin; if a proposal ever exceeds it, the bound is raised
    and sampling restarts from scratch, so the output is always an exact rejection sample.
    """
    j_max = volume_element_range(manifold)[1]
    while True:
        out, have, restart = [], 0, False
        while have < n:
            m = max(
                64, int(1.3 * (n - have) * j_max * (2 * np.pi) ** manifold.k / manifold.volume) + 16
            )
            u = np.mod(propose(m), 2 * np.pi)
            J = manifold.volume_element(u)
            if np.any(J > j_max):
                j_max = 1.05 * float(J.max())
                restart = True
                break
            keep = rng.uniform(size=m) * j_max < J
            out.append(u[keep])
            have += int(keep.sum())
        if not restart:
            return np.concatenate(out)[:n]


class ChartVonMises(Density):
    r"""The von Mises law *of the chart angles* (the P2 paper's experiments), as a volume density.

    The coordinates u are i.i.d. von Mises(kappa, mean_j) in the chart, i.e. the chart density is
    q(u) = prod_j exp(kappa cos(u_j - mean_j)) / (2 pi I_0(kappa)); w.r.t. the Riemannian volume
    this law has density

    .. math:: p(u) = q(u) / J(u),

    J the volume element (P2 writes densities w.r.t. Lebesgue measure on the
    chart). It differs from ``VonMises`` exactly when J is not constant: on the ellipse with
    kappa = 0 it is the *chart-uniform* law (uniform in t), not the arc-length-uniform one. On the
    circle and the flat torus the two coincide.

    Normalized in closed form (no quadrature, any k); sampled exactly and directly. Bounds use a
    grid estimate of J with a 5 % margin: lower_bound = exp(-kappa k) / ((2 pi I_0)^k J_max).

    Parameters
    ----------
    kappa : float
        Concentration, >= 0 (0 is the chart-uniform law).
    mean : float or sequence of float
        Mean angle(s): one value for all k coordinates, or one per coordinate.
    """

    def __init__(self, kappa: float = 1.0, mean: float | tuple = 0.0):
        self.kappa = check_positive(kappa, "kappa", allow_zero=True)
        self.mean = _check_mean(mean, "mean")

    def check_manifold(self, manifold: Manifold) -> None:
        _check_angle_family(self, manifold, self.mean)

    def _log_q(self, theta):
        mu = _mean_vector(self.mean, theta.shape[1])
        k = theta.shape[1]
        return self.kappa * np.sum(np.cos(theta - mu), axis=1) - k * log_von_mises_constant(
            self.kappa
        )

    def _j_range(self, manifold: Manifold):
        if isinstance(manifold, Sphere):
            return (1.0, 1.0)
        return volume_element_range(manifold)

    def log_normalizer(self, manifold: Manifold) -> float:
        """log of the constant dividing the unnormalized exp(kappa sum cos) / J: k log(2 pi I_0).

        Parameters
        ----------
        manifold : Manifold

        Returns
        -------
        float
        """
        self.check_manifold(manifold)
        return manifold.k * log_von_mises_constant(self.kappa)

    def log_pdf(self, manifold: Manifold, u: ArrayLike) -> np.ndarray:
        self.check_manifold(manifold)
        theta = _angles(manifold, u)
        if isinstance(manifold, Sphere):
            return self._log_q(theta)
        return self._log_q(theta) - np.log(manifold.volume_element(theta))

    def log_sup(self, manifold: Manifold) -> float:
        self.check_manifold(manifold)
        k = manifold.k
        return (
            self.kappa * k
            - k * log_von_mises_constant(self.kappa)
            - np.log(self._j_range(manifold)[0])
        )

    def log_lower_bound(self, manifold: Manifold) -> float:
        self.check_manifold(manifold)
        k = manifold.k
        return float(
            -self.kappa * k
            - k * log_von_mises_constant(self.kappa)
            - np.log(self._j_range(manifold)[1])
        )

    def lower_bound(self, manifold: Manifold) -> float:
        return float(np.exp(self.log_lower_bound(manifold)))

    def sample_intrinsic(self, manifold: Manifold, n: int, *, rng: RNGLike) -> np.ndarray:
        self.check_manifold(manifold)
        n = check_int(n, "n", low=1)
        rng = as_generator(rng)
        mu = _mean_vector(self.mean, manifold.k)
        if isinstance(manifold, Sphere):
            t = rng.vonmises(mu[0], self.kappa, size=n)
            return np.stack([np.cos(t), np.sin(t)], axis=1)
        return np.mod(rng.vonmises(mu, self.kappa, size=(n, manifold.k)), 2 * np.pi)


class VonMisesFisher(Density):
    r"""Von Mises-Fisher law on the sphere S^k in R^m, m = k + 1, w.r.t. the surface measure.

    .. math:: p(x) = C_m(\kappa) \exp(\kappa \langle \mu, x \rangle),
              \quad C_m(z) = \frac{z^{m/2-1}}{(2\pi)^{m/2} I_{m/2-1}(z)}

    (docs/science.md, exact references), with C_m(0) = 1 / vol(S^k). Bessel functions are evaluated
    scaled (``scipy.special.ive``) so that large kappa does not overflow. On the circle (m = 2) it
    is the von Mises law of the angle.

    Parameters
    ----------
    kappa : float
        Concentration, >= 0.
    mu : sequence of float or None
        Mean direction, a unit vector of R^(k+1) in the sphere's *native* coordinates (the
        coordinates u of ``Sphere``, before the random isometry); ``None`` means e_1.

    Notes
    -----
    Bounds: C_m e^{-kappa} <= p <= C_m e^{kappa}. Exact sampling by Wood's (1994) rejection
    algorithm for <mu, x>, a uniform direction orthogonal to mu, and a Householder reflection
    mapping e_1 to mu.
    """

    def __init__(self, kappa: float = 1.0, mu=None):
        self.kappa = check_positive(kappa, "kappa", allow_zero=True)
        if mu is not None:
            try:
                arr = np.asarray(mu, dtype=float)
            except (TypeError, ValueError):
                raise ValueError(f"mu must be a unit vector (got {mu!r})") from None
            if arr.ndim != 1 or arr.size < 2 or not np.all(np.isfinite(arr)):
                raise ValueError(f"mu must be a finite 1-D unit vector of length >= 2 (got {mu!r})")
            norm = float(np.linalg.norm(arr))
            if abs(norm - 1.0) > 1e-6:
                raise ValueError(f"mu must be a unit vector, |mu| = 1 (got |mu| = {norm:.6g})")
            mu = tuple(float(a) for a in arr / norm)
        self.mu = mu

    def check_manifold(self, manifold: Manifold) -> None:
        require_manifold(self, manifold)
        if not isinstance(manifold, Sphere):
            raise ValueError(
                f"{describe(self)} is defined on spheres only, not on {describe(manifold)}; "
                "use VonMises for manifolds with angle coordinates"
            )
        if self.mu is not None and len(self.mu) != manifold.k + 1:
            raise ValueError(
                f"mu must be a unit vector of R^(k+1) = R^{manifold.k + 1} for "
                f"{describe(manifold)} (got length {len(self.mu)})"
            )

    def _mu_vector(self, m: int) -> np.ndarray:
        if self.mu is None:
            e = np.zeros(m)
            e[0] = 1.0
            return e
        return np.asarray(self.mu)

    def log_normalizer(self, manifold: Manifold) -> float:
        """log Z = -log C_m(kappa), Z = int exp(kappa <mu, x>) dvol.

        Parameters
        ----------
        manifold : Manifold

        Returns
        -------
        float
        """
        self.check_manifold(manifold)
        if self.kappa == 0.0:
            return float(np.log(manifold.volume))
        m = manifold.k + 1
        nu = 0.5 * m - 1
        log_c = nu * np.log(self.kappa) - 0.5 * m * _LOG_2PI - log_bessel_i(nu, self.kappa)
        return float(-log_c)

    def log_pdf(self, manifold: Manifold, u: ArrayLike) -> np.ndarray:
        log_z = self.log_normalizer(manifold)
        u = manifold._check_coords(u)
        return self.kappa * (u @ self._mu_vector(manifold.k + 1)) - log_z

    def log_sup(self, manifold: Manifold) -> float:
        return self.kappa - self.log_normalizer(manifold)

    def log_lower_bound(self, manifold: Manifold) -> float:
        return -self.kappa - self.log_normalizer(manifold)

    def lower_bound(self, manifold: Manifold) -> float:
        return float(np.exp(self.log_lower_bound(manifold)))

    def sample_intrinsic(self, manifold: Manifold, n: int, *, rng: RNGLike) -> np.ndarray:
        self.check_manifold(manifold)
        n = check_int(n, "n", low=1)
        rng = as_generator(rng)
        m = manifold.k + 1
        w = wood_sample_cosine(self.kappa, m, n, rng)
        v = rng.standard_normal((n, m - 1))
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        x = np.concatenate([w[:, None], np.sqrt(np.maximum(1.0 - w * w, 0.0))[:, None] * v], axis=1)
        mu = self._mu_vector(m)
        h = mu.copy()
        h[0] -= 1.0  # Householder vector: reflection e_1 <-> mu
        hn = float(h @ h)
        if hn > 1e-30:
            x = x - (2.0 / hn) * (x @ h)[:, None] * h[None, :]
        return x / np.linalg.norm(x, axis=1, keepdims=True)


def wood_sample_cosine(kappa: float, m: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """n draws of w = <mu, x> for x ~ vMF(kappa) on S^(m-1): Wood (1994), exact rejection.

    Target density of w on [-1, 1]: proportional to exp(kappa w) (1 - w^2)^((m-3)/2).
    """
    b = (m - 1) / (2 * kappa + np.sqrt(4 * kappa * kappa + (m - 1) ** 2))
    x0 = (1 - b) / (1 + b)
    log_1mx0sq = np.log(4 * b) - 2 * np.log1p(b)
    c = kappa * x0 + (m - 1) * log_1mx0sq
    out, have = [], 0
    while have < n:
        size = max(64, int(1.5 * (n - have)) + 16)
        z = rng.beta(0.5 * (m - 1), 0.5 * (m - 1), size=size)
        w = (1 - (1 + b) * z) / (1 - (1 - b) * z)
        lu = np.log(rng.uniform(size=size))
        keep = kappa * w + (m - 1) * np.log1p(-x0 * w) - c >= lu
        out.append(w[keep])
        have += int(keep.sum())
    return np.concatenate(out)[:n]
