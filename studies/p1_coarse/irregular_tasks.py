r"""P1, irregular densities: coarse-score coverage is regularity-blind, density estimation is not.

P1's "favourable when the density is irregular" (Shen, Hsieh, He, arXiv 2603.23792;
docs/science.md). Two independent experiments per study cell, on three data densities with the
same amplitude ratio p_max / p_min = R (default R = 2) and different regularity:

- ``smooth``: von Mises, kappa = log(R) / 2 (C^infinity; ratio e^(2 kappa) = R);
- ``holder``: :class:`ratesim.densities.HolderDensity`, p ~ 1 + a |sin(theta - theta0)|^s with
  a = R - 1, s = 1/2 (C^s cusps at theta0 and theta0 + pi, not Lipschitz);
- ``jump``: :class:`ratesim.densities.PiecewiseConstant`, levels (1, R) on two half circles (two
  jumps).

(a) Coarse-score coverage (P1). The coarse score (P_hat(x) - x) / sigma^2 of
:class:`ratesim.scores.AdaptiveProjectionScore` is geometry-only: the density enters only
through where the N training points fall. Its N -> infinity law nu_inf is therefore a fixed law on
M (close to the arc-length law), not mu_data, and P1's statement is coverage *up to the constant
c*: c^-1 <= nu(B(y, delta)) / mu(B(y, delta)) <= c. For every density with p_max / p_min = R the
small-ball ratio nu_inf(B) / mu(B) -> q(y) / p(y) stays in [1 / R, R] when nu_inf has density q
between p_min and p_max (normalized densities with ratio R lie in [1 / R, R] relative to each
other); we take c = 2 R (= 4): the geometry-only law is then comparable to every one of the three
mu_data with a margin of 2 for the sampling fluctuations, whatever the regularity. Support: the
closed Holder curve beta = 4.5, eps = 0.1 (as p1_coarse_coverage); coverage balls are those of
:func:`ratesim.metrics.coverage_scale` on that curve; the Monte-Carlo floor of m fresh draws from
mu_data (the two-sample floor of docs/measurement.md) is returned next to delta*. As in
p1_coarse_coverage, delta* meets that floor
after the first N_cov level (the coarse law is comparable to every mu_data at every scale m
resolves), so it cannot carry a rate; the floor-free part of the coverage is the precision
(largest distance of a generated sample to M, exact per sample): the coverage of ambient
neighbourhoods of M is bounded by max(delta*, precision) (:mod:`.coverage_tasks`).
Prediction: the density enters the moving-least-squares projection only through the local design
(where the N_cov points fall), whose density ratio is bounded by R, so the MLS error keeps its
order h^min(beta, p + 1) with a constant changed by a bounded factor: precision_holder /
precision_smooth and precision_jump / precision_smooth ~ N^0 (same exponent), and every
precision_t decays at least as fast as P1's scales N^(-beta/(4k)), N^(-(beta-1)/(4k)) and the
empirical measure's N^(-1/k) (upper bounds, as in p1_coarse_coverage).

(b) Density estimation degrades. The intrinsic KDE (:class:`ratesim.baselines.IntrinsicKDE`, the
von Mises kernel with kappa = 1 / h^2 on the unit circle, h = N^(-1/5): the minimax bandwidth for
C^2 densities, what a practitioner uses for smooth data) is compared with the exact density by
L1 = int |p_hat - p| d theta, computed by quadrature against the exact density (no histogram:
docs/measurement.md): Gauss-Legendre panels that break at the singular points of p and are graded
geometrically toward the cusps, p_hat and K_h * p evaluated from their Fourier series (exact up to
the 1e-17 truncation of the kernel's coefficients I_xi(kappa) / I_0(kappa)).

Derivation of the L1 exponents (k = 1, kernel K_h with second moment h^2, h = N^(-1/5)). Split
p_hat - p = (p_hat - K_h * p) + (K_h * p - p), stochastic plus bias.

- Stochastic part: Var p_hat(x) = p(x) R(K) / (N h) (1 + O(h)), R(K) = int K^2 = 1 / (2 sqrt(pi))
  for the Gaussian shape, and p_hat(x) is asymptotically normal, so E int |p_hat - K_h * p| =
  sqrt(2 / pi) int sqrt(p R(K) / (N h)) (1 + o(1)) ~ (N h)^(-1/2) = N^(-2/5), the same exponent
  for every bounded density (regularity does not enter).
- Bias of a C^2 density: K_h * p - p = (h^2 / 2) p'' + O(h^4), so int |bias| ~ h^2 = N^(-2/5).
  Total for ``smooth``: E L1 ~ N^(-2/5) (pointwise E|b + sigma Z| is homogeneous of degree one
  in (b, sigma) and both are N^(-2/5)).
- Bias at a jump of size J at x_j: (K_h * p - p)(x) = -J sign(x - x_j) Phibar(|x - x_j| / h) + O(h)
  smooth terms (here 0: the density is constant between jumps), Phibar the Gaussian tail, so
  int |bias| = J h int Phibar(|t|) dt = sqrt(2 / pi) J h per jump. Total for ``jump``:
  E L1 = sqrt(2 / pi) h sum |J_i| + O((N h)^(-1/2)) ~ A N^(-1/5) + C N^(-2/5): exponent -1/5.
- Bias at a cusp p = A + a' |x - x_c|^s (a' = a / Z) : (K_h * p - p)(x) = a' h^s g_s((x - x_c) / h)
  with g_s(t) = E|t + Z|^s - |t|^s = 2^(s/2) Gamma((s+1)/2) / sqrt(pi) 1F1(-s/2; 1/2; -t^2 / 2)
  - |t|^s. For |t| >> 1, g_s(t) = s (s - 1) |t|^(s-2) / 2 + O(|t|^(s-4)), integrable because
  s - 2 < -1, so int |bias| over a neighbourhood of the cusp = a' h^(1+s) G_s with
  G_s = int |g_s(t)| dt (not h^2 |p''|: p'' ~ |x|^(s-2) is not integrable at the cusp). Away from
  the two cusps the density is smooth and contributes (h^2 / 2) int |p''| over |x - x_c| > delta,
  which is O(h^2) (its delta -> 0 divergence is exactly the tail of g_s, already counted). Hence
  int |bias| = 2 a' G_s h^(1+s) + O(h^2) and E L1 ~ A N^(-(1+s)/5) + C N^(-2/5): exponent
  -(1+s)/5 = -0.3 for s = 1/2. Only two points of the circle are irregular, which is why the loss
  is h^(1+s) and not the sup-norm rate h^s. For this family the O(h^2) coefficient in fact
  vanishes: |sin|^s is concave between its cusps, so int |p''| = -int p'' reduces to the boundary
  values of p', whose divergent part is the tail of g_s already counted (its finite part is 0 by
  symmetry), and the first correction to the leading cusp term is a relative O(h^2) (the report's
  table of measured over derived bias shows it).

So with the smooth-density bandwidth the L1 exponent degrades from -2/5 to -(1+s)/5 (cusps) and
-1/5 (jumps): the claims on ``l1_*`` fit A N^b + C N^(-2/5) (``two_term``, the stochastic part
absorbed by the known subleading N^(-2/5)) and compare b with the derived value and with the
smooth-density value -2/5 (competing predictions). The bias and stochastic parts are returned
separately (``l1_bias_*``: deterministic given N; ``l1_stoch_*`` ~ N^(-2/5) for every density).

Minimax reference: the empirical measure's exact W1 on the circle (arc-length cost,
:func:`ratesim.metrics.wasserstein_to_population`), E W1(mu_N, mu) ~ N^(-1/2) for every density
bounded above and below at k = 1 (docs/science.md): regularity is irrelevant for W1 as well.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import gamma, hyp1f1, ive

from ratesim import metrics
from ratesim._validation import as_generator, check_int, check_positive
from ratesim.baselines import IntrinsicKDE
from ratesim.densities import HolderDensity, PiecewiseConstant, Uniform, VonMises
from ratesim.densities._angular import abs_sin_power_coefficients
from ratesim.manifolds import Circle
from ratesim.samplers import draw_coarse
from ratesim.scores import AdaptiveProjectionScore
from ratesim.study import build, task

__all__ = [
    "DENSITY_TAGS",
    "IRREGULAR_METRICS",
    "irregular_densities",
    "singular_points",
    "density_fourier",
    "kernel_fourier",
    "l1_nodes",
    "kde_l1",
    "cusp_profile",
    "cusp_constant",
    "jump_bias_l1",
    "cusp_bias_l1",
    "predicted_l1_exponent",
    "irregular_density",
]

DENSITY_TAGS = ("smooth", "holder", "jump")

IRREGULAR_METRICS = tuple(
    f"{name}_{tag}"
    for name in ("delta_star", "delta_floor", "precision", "l1", "l1_bias", "l1_stoch", "w1emp")
    for tag in DENSITY_TAGS
) + ("precision_ratio_holder", "precision_ratio_jump")

TWO_PI = 2.0 * np.pi


def irregular_densities(ratio: float = 2.0, s: float = 0.5, theta0: float = 0.0, mean=np.pi):
    """The three densities of the study, all with p_max / p_min = ``ratio``.

    Parameters
    ----------
    ratio : float > 1
        Amplitude ratio R = p_max / p_min shared by the three densities.
    s : float in (0, 1)
        Holder exponent of the cusps.
    theta0 : float
        Angle of the first cusp (the second is at theta0 + pi).
    mean : float
        Mean angle of the smooth control.

    Returns
    -------
    dict tag -> Density
        ``smooth``: ``VonMises(kappa=log(R) / 2, mean)``; ``holder``: ``HolderDensity(s,
        c=R - 1, theta0)``; ``jump``: ``PiecewiseConstant(levels=(1, R))`` (jumps at 0 and pi).
    """
    ratio = float(ratio)
    if not (math.isfinite(ratio) and ratio > 1.0):
        raise ValueError(f"ratio must be a finite number > 1 (got {ratio!r})")
    s = float(s)
    if not (0.0 < s < 1.0):
        raise ValueError(f"s must be in (0, 1): a non-differentiable density (got {s!r})")
    return {
        "smooth": VonMises(kappa=0.5 * math.log(ratio), mean=float(mean)),
        "holder": HolderDensity(s=s, c=ratio - 1.0, theta0=float(theta0)),
        "jump": PiecewiseConstant(levels=(1.0, ratio)),
    }


def singular_points(density) -> tuple[np.ndarray, np.ndarray]:
    """(cusps, jumps): angles in [0, 2 pi) where ``density`` is not smooth (on the unit circle)."""
    none = np.zeros(0)
    if isinstance(density, HolderDensity):
        t0 = density.theta0
        return np.sort(np.mod([t0, t0 + np.pi], TWO_PI)), none
    if isinstance(density, PiecewiseConstant):
        return none, np.asarray(density.breaks, dtype=float)
    return none, none


def density_fourier(density, xi) -> np.ndarray:
    """Fourier coefficients c_xi = (1 / 2 pi) int_0^2pi p(theta) e^(-i xi theta) d theta of a
    density on the unit circle (w.r.t. arc length = angle), in closed form.

    VonMises(kappa, mean): I_xi(kappa) / I_0(kappa) e^(-i xi mean) / (2 pi). HolderDensity(s, c,
    theta0): (delta_xi0 + c a_|l| e^(-2 i l theta0)) / Z at xi = 2 l (0 at odd xi), a_l the
    coefficients of |sin|^s (``ratesim.densities._angular.abs_sin_power_coefficients``), Z =
    2 pi (1 + c a_0). PiecewiseConstant: sum_i level_i (e^(-i xi a_i) - e^(-i xi b_i)) /
    (2 pi i xi Z) over its arcs [a_i, b_i). Uniform: delta_xi0 / (2 pi).

    Parameters
    ----------
    density : VonMises, HolderDensity, PiecewiseConstant or Uniform
    xi : array of int
        Frequencies (any sign).
    """
    xi = np.asarray(xi)
    if xi.ndim != 1 or not np.issubdtype(xi.dtype, np.integer):
        raise ValueError(f"xi must be a 1-D array of integers (got {xi!r})")
    out = np.zeros(xi.size, dtype=complex)
    if isinstance(density, VonMises):
        mean = float(np.atleast_1d(density.mean)[0])
        kap = float(density.kappa)
        out[:] = ive(np.abs(xi), kap) / ive(0, kap) * np.exp(-1j * xi * mean) / TWO_PI
        return out
    if isinstance(density, HolderDensity):
        a = abs_sin_power_coefficients(density.s, int(np.abs(xi).max()) // 2 + 1)
        z = TWO_PI * (1.0 + density.c * a[0])
        even = xi % 2 == 0
        l = xi[even] // 2
        out[even] = density.c * a[np.abs(l)] * np.exp(-2j * l * density.theta0)
        out[xi == 0] += 1.0
        return out / z
    if isinstance(density, PiecewiseConstant):
        arcs = density._arcs()
        z = sum(lvl * (b - a) for a, b, lvl in arcs)
        nz = xi != 0
        x = xi[nz].astype(float)
        for a, b, lvl in arcs:
            out[~nz] += lvl * (b - a) / TWO_PI
            out[nz] += lvl * (np.exp(-1j * x * a) - np.exp(-1j * x * b)) / (2j * np.pi * x)
        return out / z
    if isinstance(density, Uniform):
        out[xi == 0] = 1.0 / TWO_PI
        return out
    raise ValueError(
        "density_fourier knows VonMises, HolderDensity, PiecewiseConstant, Uniform "
        f"(got {density!r})"
    )


def kernel_fourier(kernel: str, h: float, xi) -> np.ndarray:
    """Fourier multipliers k_xi of a circular smoothing kernel of bandwidth h: (K_h * f)_xi =
    k_xi f_xi.

    ``"vmf"`` (the von Mises kernel e^(kappa cos) / (2 pi I_0(kappa)), kappa = 1 / h^2, which
    :class:`ratesim.baselines.IntrinsicKDE` uses on the circle): I_|xi|(kappa) / I_0(kappa);
    ``"wrapped-gaussian"``: exp(-h^2 xi^2 / 2).
    """
    h = check_positive(h, "h")
    xi = np.abs(np.asarray(xi, dtype=float))
    if kernel == "vmf":
        kap = 1.0 / h**2
        return ive(xi, kap) / ive(0, kap)
    if kernel == "wrapped-gaussian":
        return np.exp(-0.5 * h**2 * xi**2)
    raise ValueError(f"kernel must be 'vmf' or 'wrapped-gaussian' (got {kernel!r})")


def _xi_max(kernel: str, h: float, tol: float = 1e-17) -> int:
    """Smallest xi with k_xi < tol (the truncation of every series here)."""
    xi = int(math.ceil(math.sqrt(2.0 * math.log(1.0 / tol)) / h)) + 2
    while kernel_fourier(kernel, h, [xi])[0] > tol:
        xi = int(1.5 * xi) + 1
    return xi


def l1_nodes(
    cusps=(), jumps=(), n_panels: int = 2048, n_gauss: int = 8, grading: float = 0.15
) -> tuple[np.ndarray, np.ndarray]:
    """Quadrature nodes and weights on [0, 2 pi) for integrands that are smooth except at known
    points: composite ``n_gauss``-point Gauss-Legendre on about ``n_panels`` panels whose
    boundaries include every cusp and jump; the two panels next to a cusp are refined
    geometrically (ratio ``grading``, down to width 1e-12), so that |x - x_c|^s singularities are
    integrated to ~1e-10 (an hp-quadrature). Jumps only need a panel boundary.
    """
    n_panels = check_int(n_panels, "n_panels", low=4)
    n_gauss = check_int(n_gauss, "n_gauss", low=1)
    cusps = np.mod(np.asarray(cusps, dtype=float).ravel(), TWO_PI)
    jumps = np.mod(np.asarray(jumps, dtype=float).ravel(), TWO_PI)
    edges = np.concatenate([np.linspace(0.0, TWO_PI, n_panels + 1), cusps, jumps])
    w0 = TWO_PI / n_panels
    for c in cusps:
        k = np.arange(1, int(math.log(1e-12 / w0) / math.log(grading)) + 1)
        d = w0 * grading**k
        edges = np.concatenate([edges, np.mod(c + d, TWO_PI), np.mod(c - d, TWO_PI)])
    edges = np.unique(np.mod(edges, TWO_PI))
    edges = np.concatenate([edges, [edges[0] + TWO_PI]])
    edges = edges[np.concatenate([[True], np.diff(edges) > 1e-14])]
    g, gw = np.polynomial.legendre.leggauss(n_gauss)
    a, b = edges[:-1], edges[1:]
    half = 0.5 * (b - a)
    nodes = (0.5 * (a + b))[:, None] + half[:, None] * g[None, :]
    weights = half[:, None] * gw[None, :]
    return np.mod(nodes.ravel(), TWO_PI), weights.ravel()


def _series(coef: np.ndarray, xi: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Real function sum_xi coef_xi e^(i xi theta) over xi = 0..X (coef of -xi = conj)."""
    out = np.full(theta.size, coef[0].real)
    z = np.exp(1j * theta)
    zk = np.ones_like(z)
    for j in range(1, xi.size):
        zk *= z
        out += 2.0 * (coef[j] * zk).real
    return out


def _empirical_fourier(theta: np.ndarray, xmax: int, chunk: int = 200_000) -> np.ndarray:
    """(1 / N) sum_j e^(-i xi theta_j), xi = 0..xmax (power recurrence, chunked)."""
    out = np.zeros(xmax + 1, dtype=complex)
    for i in range(0, theta.size, chunk):
        z = np.exp(-1j * theta[i : i + chunk])
        zk = np.ones_like(z)
        out[0] += z.size
        for x in range(1, xmax + 1):
            zk *= z
            out[x] += zk.sum()
    return out / theta.size


def kde_l1(theta, density, h: float, kernel: str = "vmf", n_panels: int = 2048) -> dict:
    """L1 distances of the circular KDE of the angles ``theta`` to the exact density.

    p_hat = (1 / N) sum_j K_h(. - theta_j) on the unit circle. Returns ``l1`` = int |p_hat - p|,
    ``l1_bias`` = int |K_h * p - p| and ``l1_stoch`` = int |p_hat - K_h * p|, all by the
    quadrature of :func:`l1_nodes` (panels breaking at the singular points of p), p evaluated
    exactly (``density.pdf``), p_hat and K_h * p by their Fourier series truncated where
    k_xi < 1e-17 (:func:`kernel_fourier`, :func:`density_fourier`).

    Parameters
    ----------
    theta : array (N,)
        Sample angles (radians, any range).
    density : a density of :func:`density_fourier`
    h : float > 0
        Bandwidth.
    kernel : {"vmf", "wrapped-gaussian"}
    """
    theta = np.mod(np.asarray(theta, dtype=float).ravel(), TWO_PI)
    if theta.size < 1 or not np.all(np.isfinite(theta)):
        raise ValueError("theta must be a non-empty array of finite angles")
    h = check_positive(h, "h")
    xmax = _xi_max(kernel, h)
    xi = np.arange(xmax + 1)
    k = kernel_fourier(kernel, h, xi)
    c_hat = k * _empirical_fourier(theta, xmax) / TWO_PI
    c_smooth = k * density_fourier(density, xi)
    cusps, jumps = singular_points(density)
    t, w = l1_nodes(cusps, jumps, n_panels=n_panels)
    M = Circle(d=2)
    p = density.pdf(M, np.stack([np.cos(t), np.sin(t)], axis=1))
    p_hat = _series(c_hat, xi, t)
    p_smooth = _series(c_smooth, xi, t)
    return {
        "l1": float(np.sum(w * np.abs(p_hat - p))),
        "l1_bias": float(np.sum(w * np.abs(p_smooth - p))),
        "l1_stoch": float(np.sum(w * np.abs(p_hat - p_smooth))),
    }


def cusp_profile(t, s: float) -> np.ndarray:
    """g_s(t) = E|t + Z|^s - |t|^s, Z standard normal: the bias profile of a Gaussian-kernel
    smoother at a |x|^s cusp, in units of h^s (E|t + Z|^s = 2^(s/2) Gamma((s+1)/2) / sqrt(pi)
    1F1(-s/2; 1/2; -t^2 / 2), the absolute moment of a non-central normal)."""
    t = np.asarray(t, dtype=float)
    m = 2 ** (s / 2) * gamma((s + 1) / 2) / math.sqrt(math.pi) * hyp1f1(-s / 2, 0.5, -0.5 * t**2)
    return m - np.abs(t) ** s


def cusp_constant(s: float) -> float:
    """G_s = int_R |g_s(t)| dt (:func:`cusp_profile`): int |K_h * p - p| near one cusp
    a |x|^s is a G_s h^(1+s). Quadrature on [0, 40] (graded) plus the tail
    int_40^inf s (1 - s) t^(s-2) / 2 = s (1 - s) 40^(s-1) / (2 (1 - s))."""
    from scipy.integrate import quad

    s = float(s)
    if not (0.0 < s < 1.0):
        raise ValueError(f"s must be in (0, 1) (got {s!r})")
    edges = [0.0, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 40.0]
    body = sum(
        quad(lambda t: abs(float(cusp_profile(t, s))), a, b, limit=200, epsabs=1e-13)[0]
        for a, b in zip(edges[:-1], edges[1:], strict=True)
    )
    tail = s * 40.0 ** (s - 1) / 2.0  # s (1-s)/2 * int_40^inf t^(s-2) dt
    return 2.0 * (body + tail)


def jump_bias_l1(density, h: float) -> float:
    """Leading L1 bias of a Gaussian-type smoother of a piecewise-constant density:
    sqrt(2 / pi) h sum_i |J_i| (J_i the jumps of the normalized density)."""
    lv = np.asarray(density.levels, dtype=float)
    z = sum(lvl * (b - a) for a, b, lvl in density._arcs())
    jumps = np.abs(lv - np.roll(lv, 1)) / z
    return float(math.sqrt(2 / math.pi) * check_positive(h, "h") * jumps.sum())


def cusp_bias_l1(density, h: float) -> float:
    """Leading L1 bias at the two cusps of ``HolderDensity(s, c)``: 2 (c / Z) G_s h^(1+s),
    Z = 2 pi (1 + c a_0) (the normalizer on the unit circle)."""
    a0 = abs_sin_power_coefficients(density.s, 1)[0]
    z = TWO_PI * (1.0 + density.c * a0)
    return float(
        2.0
        * abs(density.c)
        / z
        * cusp_constant(density.s)
        * check_positive(h, "h") ** (1 + density.s)
    )


def predicted_l1_exponent(kind: str, s: float | None = None, k: int = 1) -> float:
    """Exponent b of E int |p_hat - p| ~ N^b for a KDE with the smooth-density bandwidth
    h = N^(-1/(k+4)) (module docstring): smooth -2/(k+4); cusp of order s (at finitely many
    points, k = 1) -(1+s)/(k+4); jump -1/(k+4)."""
    k = check_int(k, "k", low=1)
    if kind == "smooth":
        return -2.0 / (k + 4)
    if kind == "holder":
        if s is None or not (0.0 < float(s) < 1.0):
            raise ValueError(f"the cusp exponent needs s in (0, 1) (got {s!r})")
        if k != 1:
            raise ValueError(
                "the cusp bias h^(1+s) is derived for isolated cusps on a curve (k = 1)"
            )
        return -(1.0 + float(s)) / (k + 4)
    if kind == "jump":
        if k != 1:
            raise ValueError("the jump bias h is derived for isolated jumps on a curve (k = 1)")
        return -1.0 / (k + 4)
    raise ValueError(f"kind must be 'smooth', 'holder' or 'jump' (got {kind!r})")


@task(metrics=IRREGULAR_METRICS, choices={"manifold": ("holder_curve",)})
def irregular_density(
    *,
    N: int,
    N_cov: int,
    m: int,
    c: float,
    ratio: float,
    s: float,
    manifold: str,
    d: int,
    h_a: float,
    sigma_max: float,
    sigma_ratio: float,
    steps: int,
    rng: np.random.Generator,
    k: int = 1,
    n_grid: int = 512,
    n_quad: int = 2**16,
    **components,
) -> dict[str, float]:
    """Coarse-score coverage (at N_cov) and KDE / empirical-measure accuracy (at N) for three
    densities with the same amplitude ratio and different regularity.

    Parameters
    ----------
    N : int >= 2
        Density-estimation sample size (unit circle).
    N_cov : int >= 3
        Coarse-sampler training size, on ``manifold`` = holder_curve (options ``manifold__*``; the
        MLS degree follows ``manifold__beta``, default inf).
    m : int >= 10
        Generated samples.
    c : float
        Coverage constant.
    ratio, s : float
        Amplitude ratio p_max / p_min and cusp exponent of :func:`irregular_densities`.
    h_a : float
        MLS bandwidth h = h_a (log N_cov / N_cov)^(1/k).
    sigma_max, sigma_ratio, steps
        Reverse-SDE schedule sigma_max -> sigma_ratio * h in ``steps`` steps.
    n_grid, n_quad : int
        Coverage grid and quadrature sizes of :func:`ratesim.metrics.coverage_scale`.

    Returns
    -------
    dict
        Per density tag t in (smooth, holder, jump): ``delta_star_t`` (coverage scale of m
        reverse-SDE samples of the coarse score fitted on N_cov draws from p_t, relative to p_t),
        ``delta_floor_t`` (m fresh draws from p_t: the Monte-Carlo floor), ``precision_t``
        (largest distance of the m samples to M, no floor), ``l1_t``, ``l1_bias_t``,
        ``l1_stoch_t`` (intrinsic KDE, h = N^(-1/5), :func:`kde_l1`), ``w1emp_t`` (exact W1 of
        the empirical measure of the N draws on the circle); and the paired ratios
        ``precision_ratio_holder`` = precision_holder / precision_smooth,
        ``precision_ratio_jump``.
    """
    rng = as_generator(rng)
    n = check_int(N, "N", low=2)
    n_cov = check_int(N_cov, "N_cov", low=3)
    k = check_int(k, "k", low=1)
    m = check_int(m, "m", low=10)
    c = float(c)
    n_grid = check_int(n_grid, "n_grid", low=16)
    n_quad = check_int(n_quad, "n_quad", low=16)
    dens = irregular_densities(ratio=float(ratio), s=float(s))
    M = build("manifold", manifold, components, k=k, d=d)
    beta = float(components.get("manifold__beta", "inf"))
    h_cov = float(h_a) * (math.log(n_cov) / n_cov) ** (1.0 / k)
    grid_seed = int(rng.integers(2**31))  # the same coverage grid for the three densities
    C = Circle(d=2)
    out = {}
    for tag, p in dens.items():
        # (a) coarse-score coverage on the Holder curve
        X = M.sample(n_cov, p, rng=rng)
        est = AdaptiveProjectionScore(bandwidth=h_cov, k=k, beta=beta).fit(X)
        Y, _ = draw_coarse(
            est,
            "reverse_sde",
            m,
            sigma_max=float(sigma_max),
            sigma_min=float(sigma_ratio) * h_cov,
            steps=int(steps),
            rng=rng,
        )
        if not np.all(np.isfinite(Y)):
            raise FloatingPointError("the coarse sampler returned non-finite samples")
        ref = M.sample(m, p, rng=rng)
        cov = dict(c=c, n_grid=n_grid, n_quad=n_quad, n_boot=0, rng=grid_seed)
        out[f"delta_star_{tag}"] = float(metrics.coverage_scale(M, Y, p, **cov).delta)
        out[f"delta_floor_{tag}"] = float(metrics.coverage_scale(M, ref, p, **cov).delta)
        out[f"precision_{tag}"] = metrics.distance_to_manifold(M, Y, quantiles=()).max
        # (b) density estimation on the unit circle
        Z = C.sample(n, p, rng=rng)
        kde = IntrinsicKDE(C).fit(Z)
        res = kde_l1(C.angle(kde.u_), p, kde.bandwidth_, kernel=kde.kernel_)
        for key, val in res.items():
            out[f"{key}_{tag}"] = val
        out[f"w1emp_{tag}"] = float(metrics.wasserstein_to_population(C, Z, p, p=1).value)
    for tag in ("holder", "jump"):
        out[f"precision_ratio_{tag}"] = out[f"precision_{tag}"] / out["precision_smooth"]
    return out
