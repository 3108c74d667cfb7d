"""Exact quadrature of tilted laws p_sigma(x)^a exp(-V(x)) around the unit circle in R^2.

Here p_sigma = mu * N(0, sigma^2 I) is the noised law of von Mises(kappa, mean) data mu on the
unit circle, a > 0 a power and V a smooth potential. Score-based samplers with an imperfect or
rescaled score reach laws of this form (Li, Shen, Hsieh, He, "When scores learn geometry",
arXiv 2509.24912):

- a learned density whose score is s - grad V: p_sigma exp(-V) (a = 1);
- tempered-score Langevin dx = sigma^alpha s dt + sqrt(2) dW: p_sigma^(sigma^alpha);
- posterior Langevin dx = -grad v dt + sigma^alpha (s - sigma^beta grad psi) dt + sqrt(2) dW:
  exp(-v) p_sigma^(sigma^alpha) exp(-sigma^(alpha + beta) psi).

:func:`circle_tilted_law` integrates such a law in polar coordinates (r, theta): for each theta the
radial profile is log-concave and concentrated at the scale w(theta) = (-d^2 f / dr^2)^(-1/2) around
its mode r*(theta) (f = a log p_sigma - V), so it is integrated by composite Gauss-Legendre
(40 panels of width 0.7 w, 4 nodes each, panel breaks also at the tube boundaries 1 +- eps) on
[r* - 14 w, r* + 14 w] (the profile outside is below exp(-98) of its peak for a Gaussian profile);
theta uses the periodic trapezoid rule on a grid refined until the sharpest angular peak spans at
least 6 nodes. log p_sigma is the Bessel closed form
:func:`ratesim.exact.stationary.circle_log_p_sigma` (written without cancellation at small sigma).

The result (:class:`CircleLaw`) gives the angular marginal (probability of each theta node), the
mean squared distance to the circle, and the mass outside the tube {| |x| - 1 | < eps};
:func:`tv_to_density` and :func:`circular_w1_to_point` compare its angular marginal with a law on
the circle.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._validation import check_int, check_positive
from .stationary import circle_log_p_sigma

__all__ = [
    "CircleLaw",
    "CirclePrior",
    "circle_prior",
    "circle_tilted_law",
    "von_mises_angle_logpdf",
    "tv_to_density",
    "circular_w1_to_point",
]

_PANELS = 40
_GL = 4
_HALF_WINDOW = 14.0


@dataclass
class CircleLaw:
    """The quadrature of a tilted law around the unit circle.

    Attributes
    ----------
    theta : ndarray, shape (n,)
        Equispaced angles 2 pi i / n.
    q : ndarray, shape (n,)
        Probability of each angular node (sums to 1): the angular marginal times 2 pi / n.
    r_mode, r_width : ndarray, shape (n,)
        Mode and width of the radial profile at each angle.
    mean_dist2 : float
        E[(|x| - 1)^2] = E[dist(x, M)^2].
    mass_out : float
        P(| |x| - 1 | >= eps).
    log_norm : float
        log of the integral of p_sigma^a exp(-V) over R^2.
    """

    theta: np.ndarray
    q: np.ndarray
    r_mode: np.ndarray
    r_width: np.ndarray
    mean_dist2: float
    mass_out: float
    log_norm: float

    @property
    def density(self) -> np.ndarray:
        """Angular marginal density w.r.t. d theta (arc length on the unit circle), shape (n,)."""
        return self.q * self.theta.size / (2 * np.pi)


@dataclass(frozen=True)
class CirclePrior:
    """Von Mises(kappa, mean) data on the canonical unit circle in R^2 (the data law of p_sigma).

    Attributes
    ----------
    kappa : float
        Concentration (0: uniform).
    mean : float
        Mean angle (radians).
    """

    kappa: float
    mean: float

    def log_density(self, x, sigma: float) -> np.ndarray:
        """log p_sigma(x) of the smoothed data law (:func:`circle_log_p_sigma`).

        Parameters
        ----------
        x : (m, 2) array
            Points of R^2.
        sigma : float > 0
            Noise level.

        Returns
        -------
        (m,) array
            log p_sigma(x).
        """
        return circle_log_p_sigma(x, sigma, self.kappa, self.mean)

    def log_pdf_angle(self, theta) -> np.ndarray:
        """log density of the angle (w.r.t. d theta).

        Parameters
        ----------
        theta : array_like
            Angles (radians), any shape.

        Returns
        -------
        ndarray
            The log density, same shape as ``theta``.
        """
        return von_mises_angle_logpdf(theta, self.kappa, self.mean)


def circle_prior(kappa: float, mean: float = math.pi) -> CirclePrior:
    """The data law von Mises(kappa, mean) on the unit circle, validated.

    Parameters
    ----------
    kappa : float >= 0
        Concentration (0: uniform).
    mean : float
        Mean angle (radians).

    Returns
    -------
    CirclePrior
    """
    kappa = check_positive(kappa, "kappa", allow_zero=True)
    if not math.isfinite(mean):
        raise ValueError(f"mean must be a finite angle (got {mean})")
    return CirclePrior(float(kappa), float(mean))


def von_mises_angle_logpdf(theta, kappa: float, mean: float) -> np.ndarray:
    """log of the von Mises(kappa, mean) density in theta (w.r.t. d theta), via scaled Bessel
    functions (no overflow at large kappa).

    Parameters
    ----------
    theta : array_like
        Angles (radians), any shape.
    kappa : float >= 0
        Concentration.
    mean : float
        Mean angle (radians).

    Returns
    -------
    ndarray
        The log density, same shape as ``theta``.
    """
    from scipy.special import i0e

    theta = np.asarray(theta, dtype=float)
    return kappa * (np.cos(theta - mean) - 1.0) - math.log(2 * math.pi * i0e(kappa))


def _log_f(prior, a, V, sigma, r, th):
    r, th = np.broadcast_arrays(r, th)
    shape = r.shape
    x = np.stack([(r * np.cos(th)).ravel(), (r * np.sin(th)).ravel()], axis=1)
    lp = circle_log_p_sigma(x, sigma, prior.kappa, prior.mean).reshape(shape)
    return a * lp - np.asarray(V(x), dtype=float).reshape(shape)


def _radial_mode(prior, a, V, sigma, th):
    """Mode of r -> f(r, theta) per theta by a grid search and seven zooms; width by a second
    difference (a broad width where the mode sits at r ~ 0)."""
    n = th.size
    grid = np.linspace(1e-3, 3.0, 121)
    f = _log_f(prior, a, V, sigma, grid[None, :], th[:, None])
    best = grid[np.argmax(f, axis=1)]
    step = grid[1] - grid[0]
    for _ in range(7):
        loc = best[:, None] + step * np.linspace(-2.0, 2.0, 21)[None, :]
        loc = np.maximum(loc, 1e-6)
        f = _log_f(prior, a, V, sigma, loc, th[:, None])
        best = loc[np.arange(n), np.argmax(f, axis=1)]
        step /= 5.0
    w = np.full(n, 1e-3)
    for _ in range(2):
        h = np.minimum(0.05 * w, 0.5 * best)
        rr = np.stack([best - h, best, best + h], axis=1)
        f = _log_f(prior, a, V, sigma, rr, th[:, None])
        curv = -(f[:, 0] - 2 * f[:, 1] + f[:, 2]) / h**2
        # a mode at r ~ 0 (rays pointing away from a strong tilt): no curvature there; a broad
        # window [0, r* + 14 w] then covers the (negligible) mass of the ray
        w = np.where(curv > 0, 1.0 / np.sqrt(np.maximum(curv, 1e-300)), np.maximum(best, 0.05))
        w = np.minimum(w, 1.0)
    return best, w


def _gl_panels(lo, hi, extra):
    """Gauss-Legendre nodes and weights (n, P * G) on [lo, hi] split in _PANELS panels and at the
    extra break points (clipped to [lo, hi])."""
    n = lo.size
    t = np.linspace(0.0, 1.0, _PANELS + 1)[None, :]
    br = lo[:, None] + (hi - lo)[:, None] * t
    ex = np.clip(np.stack(extra, axis=1), lo[:, None], hi[:, None])
    br = np.sort(np.concatenate([br, ex], axis=1), axis=1)
    z, wz = np.polynomial.legendre.leggauss(_GL)
    a, b = br[:, :-1], br[:, 1:]
    half = 0.5 * (b - a)
    nodes = (0.5 * (a + b))[:, :, None] + half[:, :, None] * z[None, None, :]
    weights = half[:, :, None] * wz[None, None, :]
    return nodes.reshape(n, -1), weights.reshape(n, -1)


def _integrate(prior, a, V, sigma, th, r_mode, width, eps):
    lo = np.maximum(r_mode - _HALF_WINDOW * width, 0.0)
    hi = r_mode + _HALF_WINDOW * width
    nodes, weights = _gl_panels(lo, hi, [np.full_like(lo, 1 - eps), np.full_like(lo, 1 + eps)])
    f = _log_f(prior, a, V, sigma, nodes, th[:, None])
    fmax = f.max()
    w = weights * nodes * np.exp(f - fmax)  # polar Jacobian r
    mass = w.sum(axis=1)
    d2 = (w * (nodes - 1.0) ** 2).sum(axis=1)
    out = (w * (np.abs(nodes - 1.0) >= eps)).sum(axis=1)
    return mass, d2, out, fmax


def circle_tilted_law(
    prior,
    sigma: float,
    V,
    a: float = 1.0,
    eps: float = 0.25,
    n_theta: int = 4096,
    max_theta: int = 1 << 17,
) -> CircleLaw:
    """Quadrature of the law proportional to p_sigma(x)^a exp(-V(x)) dx on R^2.

    Parameters
    ----------
    prior : CirclePrior
        The circle data law (:func:`circle_prior`), giving log p_sigma in closed form.
    sigma : float > 0
    V : callable, (m, 2) -> (m,)
        The smooth potential; the radial profile r -> a log p_sigma - V must be log-concave (true
        when a (|x| - 1)^2 / (2 sigma^2) dominates the radial curvature of V).
    a : float > 0
        Power of p_sigma (sigma^alpha for tempered laws).
    eps : float in (0, 1)
        Tube half-width for ``mass_out``.
    n_theta, max_theta : int
        Initial and largest number of angular nodes.

    Returns
    -------
    CircleLaw
    """
    sigma = check_positive(sigma, "sigma")
    a = check_positive(a, "a")
    eps = check_positive(eps, "eps")
    if eps >= 1:
        raise ValueError(f"eps must be < 1, the reach of the unit circle (got {eps})")
    n = check_int(n_theta, "n_theta", low=64)
    max_theta = check_int(max_theta, "max_theta", low=n)
    if not callable(V):
        raise ValueError(f"V must be a callable (m, 2) -> (m,) (got {V!r})")
    th = 2 * np.pi * np.arange(n) / n
    r_mode, width = _radial_mode(prior, a, V, sigma, th)
    mass, d2, out, fmax = _integrate(prior, a, V, sigma, th, r_mode, width, eps)
    logm = np.log(np.maximum(mass, 1e-300))
    dth = 2 * np.pi / n
    relevant = logm > logm.max() - 30
    sec = -(np.roll(logm, -1) - 2 * logm + np.roll(logm, 1)) / dth**2
    curv = float(np.max(np.where(relevant, sec, 0.0)))
    if curv > 0:
        w_theta = 1.0 / math.sqrt(curv)
        need = int(math.ceil(2 * np.pi * 6 / w_theta))
        if need > n:
            n_new = min(max_theta, 1 << int(math.ceil(math.log2(need))))
            th_new = 2 * np.pi * np.arange(n_new) / n_new
            per = np.concatenate([th, [2 * np.pi]])
            r_new = np.interp(th_new, per, np.concatenate([r_mode, r_mode[:1]]))
            w_new = np.interp(th_new, per, np.concatenate([width, width[:1]]))
            th, r_mode, width, n = th_new, r_new, w_new, n_new
            mass, d2, out, fmax = _integrate(prior, a, V, sigma, th, r_mode, width, eps)
            dth = 2 * np.pi / n
    total = mass.sum()
    return CircleLaw(
        theta=th,
        q=mass / total,
        r_mode=r_mode,
        r_width=width,
        mean_dist2=float(d2.sum() / total),
        mass_out=float(out.sum() / total),
        log_norm=float(fmax + math.log(total * dth)),
    )


def tv_to_density(law: CircleLaw, log_density) -> float:
    """Total variation between the angular marginal of ``law`` and a density on the circle.

    Parameters
    ----------
    law : CircleLaw
        The tilted law (its angular nodes and probabilities).
    log_density : callable, theta (n,) -> (n,)
        log density w.r.t. d theta (normalized numerically on the same grid, so an unnormalized
        log density is accepted).

    Returns
    -------
    float
        The total variation, in [0, 1].
    """
    lp = np.asarray(log_density(law.theta), dtype=float)
    p = np.exp(lp - lp.max())
    p /= p.sum()
    return float(0.5 * np.abs(law.q - p).sum())


def circular_w1_to_point(law: CircleLaw, theta0: float) -> float:
    """W1 (arc length) between the angular marginal of ``law`` and the point mass at theta0.

    Parameters
    ----------
    law : CircleLaw
        The tilted law.
    theta0 : float
        Angle of the point mass (radians).

    Returns
    -------
    float
        sum_i q_i |theta_i - theta0| (geodesic distance on the unit circle).
    """
    d = np.abs(np.mod(law.theta - theta0 + np.pi, 2 * np.pi) - np.pi)
    return float(np.sum(law.q * d))
