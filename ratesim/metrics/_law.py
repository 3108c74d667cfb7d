"""The law on M: binned intrinsic marginals (TV, KL with their finite-sample floors), Kuiper and
Kolmogorov-Smirnov uniformity tests on the circle, density-ratio curves with confidence bands.

All of them look at the law of the angle ``manifold.angle(P_M(x))`` of the projected samples (the
first angular coordinate; on the circle the arc-length position). Densities are w.r.t. the
Riemannian volume (docs/measurement.md, trap 5), so population bin probabilities are integrated
with the volume element by ``manifold.quadrature``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import kstest, norm

from .._validation import check_in_range, check_int
from ._common import as_angles, manifold_points

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..densities import Density
    from ..manifolds import Manifold


TWO_PI = 2.0 * np.pi


@dataclass(frozen=True)
class BinnedDivergence:
    """TV and KL(nu || mu) between binned angle marginals, raw and floor-corrected.

    ``tv_floor`` is E TV(hat p, p) when nu = mu, from the binomial bin counts:
    0.5 sum_j sqrt(2 q_j (1 - q_j) v / pi) with v = 1/n (population reference) or 1/n + 1/m
    (reference sample); ``kl_floor`` = (B - 1) v / 2 (the chi^2 bias of the plug-in KL, B bins of
    positive mass). ``*_corrected`` = max(raw - floor, 0).

    Attributes
    ----------
    tv, tv_floor, tv_corrected : float
        Total variation between the binned marginals, its floor and max(tv - floor, 0).
    kl, kl_floor, kl_corrected : float
        KL(nu || mu) (inf when a bin has samples but no reference mass), its floor and
        max(kl - floor, 0).
    bins : int
        Number of bins.
    n : int
        Sample size.
    m : int or None
        Reference sample size (None: exact population bins).
    """

    tv: float
    tv_floor: float
    tv_corrected: float
    kl: float
    kl_floor: float
    kl_corrected: float
    bins: int
    n: int
    m: int | None


@dataclass(frozen=True)
class UniformityTest:
    """Kolmogorov-Smirnov and Kuiper tests of a null law of angles (uniform by default).

    Attributes
    ----------
    ks_stat, ks_pvalue : float
        Kolmogorov-Smirnov statistic and p-value.
    kuiper_stat, kuiper_pvalue : float
        Kuiper's V = D+ + D- and its asymptotic p-value.
    n : int
        Number of angles.
    """

    ks_stat: float
    ks_pvalue: float
    kuiper_stat: float
    kuiper_pvalue: float
    n: int


@dataclass(frozen=True)
class DensityRatioCurve:
    """nu / mu on angle bins: ratio = hat q_j / q_j with Wilson-score bands (simultaneous over
    bins by Bonferroni when ``simultaneous``).

    Attributes
    ----------
    centers : (bins,) array
        Bin centres (angles).
    ratio : (bins,) array
        Sample frequency over population probability of each bin.
    lower, upper : (bins,) array
        The confidence band of ``ratio``.
    level : float
        Confidence level.
    simultaneous : bool
        Whether the band is Bonferroni-corrected over the bins.
    n : int
        Sample size.
    """

    centers: np.ndarray
    ratio: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    level: float
    simultaneous: bool
    n: int


def intrinsic_angles(manifold: Manifold, samples: ArrayLike) -> np.ndarray:
    """Angle of the projection P_M(x) of each sample (``manifold.angle``).

    Parameters
    ----------
    manifold : Manifold
        The manifold M.
    samples : (n, d) array
        Points of R^d.

    Returns
    -------
    (n,) array
        Angles in [0, 2 pi).
    """
    X = manifold_points(manifold, samples)
    return manifold.angle(manifold.project(X).u)


def bin_probabilities(
    manifold: Manifold, density: Density | None = None, bins: int = 64, n_quad: int | None = None
):
    """Population probabilities of ``bins`` equal angle bins of [0, 2 pi) under density x vol_M
    (quadrature with the volume element; k <= 2).

    Parameters
    ----------
    manifold : Manifold
        The manifold M (k <= 2, with a quadrature).
    density : Density or None
        Density w.r.t. volume (None: uniform).
    bins : int >= 1
        Number of equal bins of the first angle.
    n_quad : int, optional
        Quadrature nodes per coordinate (default: 64 per bin for k = 1, max(128, 4 bins) for
        k = 2).

    Returns
    -------
    (bins,) array
        Bin probabilities, summing to 1.
    """
    bins = check_int(bins, "bins", low=1)
    if n_quad is None:
        n_quad = 64 * bins if manifold.k == 1 else max(128, 4 * bins)
    u, w = manifold.quadrature(check_int(n_quad, "n_quad", low=4))
    if density is not None:
        density.check_manifold(manifold)
        w = w * density.pdf(manifold, u)
    # nodes on a bin edge (equispaced quadratures put one on every edge) count half on each side,
    # which is the trapezoid rule restricted to each bin
    pos = manifold.angle(u) / (TWO_PI / bins)
    j = np.floor(pos + 0.5).astype(np.int64)
    on_edge = np.abs(pos - j) < 1e-9
    left = np.where(on_edge, j - 1, np.floor(pos).astype(np.int64)) % bins
    right = np.where(on_edge, j, np.floor(pos).astype(np.int64)) % bins
    h = np.bincount(left, 0.5 * w, bins) + np.bincount(right, 0.5 * w, bins)
    return h / h.sum()


def _hist(theta, bins):
    h, _ = np.histogram(np.mod(theta, TWO_PI), bins=bins, range=(0.0, TWO_PI))
    return h


def binned_divergence(
    manifold: Manifold,
    samples: ArrayLike,
    density: Density | None = None,
    bins: int = 64,
    reference: ArrayLike | None = None,
) -> BinnedDivergence:
    """TV and KL(nu || mu) between the binned angle marginals of ``samples`` and of mu.

    mu is the population density x vol_M (exact bin probabilities, :func:`bin_probabilities`) or,
    if ``reference`` (m points) is given, its empirical bins. KL is +inf when a bin has samples but
    no reference mass. Floors: see :class:`BinnedDivergence`.

    Parameters
    ----------
    manifold : Manifold
        The manifold M.
    samples : (n, d) array
        The sample (read at the angle of its projection).
    density : Density or None
        Density of mu w.r.t. volume (None: uniform); ignored with a ``reference``.
    bins : int >= 2
        Number of angle bins.
    reference : (m, d) array, optional
        A reference sample instead of the exact population bins.

    Returns
    -------
    BinnedDivergence
        Raw, floor and floor-corrected TV and KL.
    """
    bins = check_int(bins, "bins", low=2)
    th = intrinsic_angles(manifold, samples)
    n = th.size
    p = _hist(th, bins) / n
    if reference is None:
        q = bin_probabilities(manifold, density, bins)
        m, v = None, 1.0 / n
    else:
        tr = intrinsic_angles(manifold, reference)
        m = tr.size
        q = _hist(tr, bins) / m
        v = 1.0 / n + 1.0 / m
    tv = 0.5 * float(np.abs(p - q).sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log(p / q), 0.0)
    kl = float(np.sum(terms))
    tv_floor = 0.5 * float(np.sum(np.sqrt(2.0 * q * (1 - q) * v / np.pi)))
    kl_floor = 0.5 * (int(np.count_nonzero(q > 0)) - 1) * v
    return BinnedDivergence(
        tv, tv_floor, max(tv - tv_floor, 0.0), kl, kl_floor, max(kl - kl_floor, 0.0), bins, n, m
    )


def kuiper_pvalue(v: float, n: int) -> float:
    """Asymptotic tail P(V > v) of Kuiper's statistic with Stephens' (1970) finite-n correction:
    lam = (sqrt(n) + 0.155 + 0.24/sqrt(n)) v, Q = 2 sum_j (4 j^2 lam^2 - 1) exp(-2 j^2 lam^2).

    Parameters
    ----------
    v : float
        Kuiper's statistic V = D+ + D-.
    n : int
        Sample size.

    Returns
    -------
    float
        The p-value, in [0, 1].
    """
    sn = np.sqrt(n)
    lam = (sn + 0.155 + 0.24 / sn) * v
    if lam < 0.4:  # the series is 1 to double precision there (and converges slowly)
        return 1.0
    j = np.arange(1, 101)
    q = 2.0 * np.sum((4 * j**2 * lam**2 - 1) * np.exp(-2 * j**2 * lam**2))
    return float(np.clip(q, 0.0, 1.0))


def uniformity_tests(
    theta: ArrayLike, cdf: Callable[[np.ndarray], np.ndarray] | None = None
) -> UniformityTest:
    """KS (``scipy.stats.kstest``) and Kuiper tests that angles ``theta`` (radians) follow the
    law with CDF ``cdf`` on [0, 2 pi) (uniform when None). Kuiper's V = D+ + D- does not depend on
    the origin of the angle, the right test on the circle (Kuiper 1960); scipy has no Kuiper test,
    its p-value here is the asymptotic series with Stephens' correction (:func:`kuiper_pvalue`).

    Parameters
    ----------
    theta : (n,) array
        Angles (radians, read mod 2 pi).
    cdf : callable, optional
        CDF of the null law on [0, 2 pi), vectorized (None: uniform).

    Returns
    -------
    UniformityTest
        Both statistics and p-values.
    """
    t = np.mod(as_angles(theta, "theta"), TWO_PI)
    if cdf is None:
        z = np.sort(t / TWO_PI)
    else:
        if not callable(cdf):
            raise ValueError(f"cdf must be callable on [0, 2 pi) (got {cdf!r})")
        z = np.sort(np.asarray(cdf(t), dtype=float))
        if np.any(~np.isfinite(z)) or z[0] < 0 or z[-1] > 1:
            raise ValueError("cdf must return finite values in [0, 1]")
    n = z.size
    i = np.arange(1, n + 1)
    dplus = float(np.max(i / n - z))
    dminus = float(np.max(z - (i - 1) / n))
    v = dplus + dminus
    ks = kstest(z, "uniform")
    return UniformityTest(float(ks.statistic), float(ks.pvalue), v, kuiper_pvalue(v, n), n)


def density_ratio_curve(
    manifold: Manifold,
    samples: ArrayLike,
    density: Density | None = None,
    bins: int = 32,
    level: float = 0.95,
    simultaneous: bool = True,
) -> DensityRatioCurve:
    """Ratio of the sample's angle-bin frequencies to the population's, with Wilson-score bands
    (Wilson 1927) for each bin probability divided by the exact population bin probability. With
    ``simultaneous`` the level is Bonferroni-corrected over the bins.

    Parameters
    ----------
    manifold : Manifold
        The manifold M (k <= 2).
    samples : (n, d) array
        The sample (read at the angle of its projection).
    density : Density or None
        Density of the population w.r.t. volume (None: uniform).
    bins : int >= 1
        Number of angle bins.
    level : float in (0, 1)
        Confidence level.
    simultaneous : bool
        Bonferroni-correct the level over the bins.

    Returns
    -------
    DensityRatioCurve
        Bin centres, ratios and their band.
    """
    bins = check_int(bins, "bins", low=1)
    level = check_in_range(level, "level", low=0, high=1, low_open=True, high_open=True)
    th = intrinsic_angles(manifold, samples)
    n = th.size
    q = bin_probabilities(manifold, density, bins)
    if np.any(q <= 0):
        raise ValueError("density_ratio_curve needs positive population mass in every bin")
    cnt = _hist(th, bins)
    phat = cnt / n
    alpha = (1 - level) / (bins if simultaneous else 1)
    z = float(norm.ppf(1 - alpha / 2))
    den = 1 + z**2 / n
    centre = (phat + z**2 / (2 * n)) / den
    half = z * np.sqrt(phat * (1 - phat) / n + z**2 / (4 * n**2)) / den
    centers = (np.arange(bins) + 0.5) * TWO_PI / bins
    lo = np.maximum(centre - half, 0.0)
    return DensityRatioCurve(centers, phat / q, lo / q, (centre + half) / q, level, simultaneous, n)
