"""Plain, obviously-right twins of ratesim.densities: loops and scipy.integrate.quad.

Nothing here shares code with the package: normalizing constants come from adaptive quadrature
(QUADPACK) with explicit break points at cusps and jumps, densities from per-point loops.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import integrate, special

TWO_PI = 2 * math.pi


# ----- unnormalized densities of one angle (per point) ----------------------------------------
def holder_f(theta: float, s: float, c: float, theta0: float) -> float:
    return 1.0 + c * abs(math.sin(theta - theta0)) ** s


def piecewise_f(theta: float, levels, breaks) -> float:
    t = theta % TWO_PI
    L = len(levels)
    for i in range(L):
        a = breaks[i]
        b = breaks[i + 1] if i + 1 < L else breaks[0] + TWO_PI
        if a <= t < b or a <= t + TWO_PI < b:
            return float(levels[i])
    raise AssertionError(f"angle {theta} in no arc")


def von_mises_f(angles, kappa: float, mean) -> float:
    out = 0.0
    for j, a in enumerate(angles):
        m = mean if np.isscalar(mean) else mean[j]
        out += kappa * math.cos(a - m)
    return math.exp(out)


# ----- normalizing constants by QUADPACK ------------------------------------------------------
def quad_circle(fun, points=(), epsrel=1e-13) -> float:
    """int_0^{2 pi} fun(t) dt, split at the given break points (taken mod 2 pi)."""
    pts = sorted({0.0, TWO_PI, *[p % TWO_PI for p in points]})
    total = 0.0
    for a, b in zip(pts[:-1], pts[1:], strict=True):
        if b - a > 0:
            val, _ = integrate.quad(fun, a, b, epsabs=0.0, epsrel=epsrel, limit=500)
            total += val
    return total


def holder_normalizer_curve(J, s, c, theta0) -> float:
    """Z = int (1 + c |sin(t - t0)|^s) J(t) dt on a curve with volume element J(t)."""
    return quad_circle(
        lambda t: holder_f(t, s, c, theta0) * J(t), points=(theta0, theta0 + math.pi)
    )


def piecewise_normalizer_curve(J, levels, breaks) -> float:
    return quad_circle(lambda t: piecewise_f(t, levels, breaks) * J(t), points=breaks)


def von_mises_normalizer_curve(J, kappa, mean) -> float:
    return quad_circle(lambda t: von_mises_f([t], kappa, mean) * J(t))


def vmf_normalizer(kappa: float, m: int) -> float:
    """int_{S^(m-1)} exp(kappa <mu, x>) dx
    = |S^(m-2)| int_{-1}^1 e^{kappa w} (1-w^2)^((m-3)/2) dw."""
    area_sub = 2 * math.pi ** ((m - 1) / 2) / math.gamma((m - 1) / 2)
    a = (m - 3) / 2
    val, _ = integrate.quad(
        lambda w: math.exp(kappa * w), -1, 1, weight="alg", wvar=(a, a), epsabs=0, epsrel=1e-13
    )
    return area_sub * val


def vmf_cosine_cdf(kappa: float, m: int):
    """CDF of w = <mu, x> for x ~ vMF(kappa) on S^(m-1), from a fine cumulative rule."""
    w = np.linspace(-1, 1, 200001)
    dens = np.exp(kappa * (w - 1)) * np.clip(1 - w * w, 0, None) ** ((m - 3) / 2)
    cdf = np.concatenate([[0.0], np.cumsum(0.5 * (dens[1:] + dens[:-1]) * np.diff(w))])
    cdf /= cdf[-1]
    return lambda x: np.interp(x, w, cdf)


def bessel_vmf_normalizer(kappa: float, m: int) -> float:
    """1 / C_m(kappa) with unscaled Bessel functions (moderate kappa only)."""
    nu = m / 2 - 1
    return (2 * math.pi) ** (m / 2) * special.iv(nu, kappa) / kappa**nu


# ----- CDF of an angle law on [0, 2 pi) -------------------------------------------------------
def angle_cdf(weight, n: int = 2**18):
    """CDF of the law with (unnormalized) density weight(t) on [0, 2 pi), vectorized weight.

    Midpoint rule on n cells: for the cusps |t|^s the CDF error is O(n^-(1+s)), far below the
    KS resolution 1/sqrt(n_samples) of the tests.
    """
    t = (np.arange(n) + 0.5) * TWO_PI / n
    mass = weight(t) * TWO_PI / n
    cdf = np.concatenate([[0.0], np.cumsum(mass)])
    cdf /= cdf[-1]
    grid = np.linspace(0, TWO_PI, n + 1)
    return lambda x: np.interp(np.mod(x, TWO_PI), grid, cdf)


# ----- densities per point --------------------------------------------------------------------
def log_pdf_loop(f, theta_rows, log_z) -> np.ndarray:
    """log(f(row)) - log Z for each row, one at a time."""
    return np.array([math.log(f(row)) - log_z for row in theta_rows])


def mixture_pdf_loop(pdfs, weights) -> np.ndarray:
    out = np.zeros_like(pdfs[0])
    for w, p in zip(weights, pdfs, strict=True):
        for i in range(p.size):
            out[i] += w * p[i]
    return out
