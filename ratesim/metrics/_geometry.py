"""Geometry of a generated sample relative to the known manifold M.

Distance to M (fidelity), Hausdorff precision / recall (Aamari & Levrard 2019 measure manifold
estimation in this distance), and the coverage scale delta*(c) of P1 (docs/science.md): the
smallest delta with c^-1 <= nu(B_M(y, delta)) / mu_data(B_M(y, delta)) <= c for every y of an
intrinsic grid.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike
from scipy.spatial import cKDTree
from scipy.special import betainc

from .._validation import RNGLike, as_generator, check_in_range, check_int
from ..densities._base import Uniform
from ..manifolds._sphere import Sphere
from ..manifolds._torus import FlatTorus
from ._common import manifold_points

if TYPE_CHECKING:
    from ..densities import Density
    from ..manifolds import Manifold


_BLOCK = 256


@dataclass(frozen=True)
class DistanceSummary:
    """dist(x, M) = |x - P_M(x)| over a sample.

    Attributes
    ----------
    mean : float
        Mean distance.
    quantiles : dict of float -> float
        The requested quantiles, by level.
    max : float
        Largest distance.
    n : int
        Sample size.
    """

    mean: float
    quantiles: dict[float, float]
    max: float
    n: int


@dataclass(frozen=True)
class HausdorffResult:
    """Hausdorff distance between a sample S and M, split in its two halves.

    Attributes
    ----------
    precision : float
        max_{x in S} dist(x, M) (exact, by projection).
    recall : float
        max_{y in grid} dist(y, S) over an intrinsic grid of M (it misses at most
        ``grid_resolution``).
    hausdorff : float
        max(precision, recall).
    grid : str
        ``"quadrature"`` or ``"uniform-sample"``.
    grid_size : int
        Number of grid points.
    grid_resolution : float
        Largest nearest-neighbour spacing of the grid.
    """

    precision: float
    recall: float
    hausdorff: float
    grid: str
    grid_size: int
    grid_resolution: float


@dataclass(frozen=True)
class CoverageResult:
    """Coverage scale delta*(c) (docs/science.md, P1) of a sample nu relative to mu_data.

    Attributes
    ----------
    delta : float
        Smallest delta of the grid ``deltas`` from which on (for it and every larger delta of the
        grid) c^-1 <= nu(B(y, delta)) / mu(B(y, delta)) <= c at every grid point y.
    se : float
        Bootstrap standard error of ``delta`` (resampling the sample, ``n_boot`` replicates).
    c : float
    ball : str
        ``"geodesic"`` or ``"chordal"`` balls.
    mu_method : str
        How mu(B) was computed: ``"closed-form"``, ``"quadrature"`` or ``"monte-carlo"``.
    deltas : ndarray
        The delta grid.
    worst : ndarray
        max_y |log(nu(B)/mu(B))| at each delta (inf where some ball is empty of nu).
    n, grid_size, n_boot : int
    """

    delta: float
    se: float
    c: float
    ball: str
    mu_method: str
    deltas: np.ndarray
    worst: np.ndarray
    n: int
    grid_size: int
    n_boot: int


def distance_to_manifold(
    manifold: Manifold, samples: ArrayLike, quantiles: ArrayLike = (0.5, 0.9, 0.99)
) -> DistanceSummary:
    """Distances of samples to M by exact projection (``manifold.project``).

    Parameters
    ----------
    manifold : Manifold
        The manifold M.
    samples : (n, d) array
        Points of R^d.
    quantiles : sequence of float in [0, 1]
        Quantile levels to report.

    Returns
    -------
    DistanceSummary
        Mean, quantiles, max and n of dist(x, M).
    """
    X = manifold_points(manifold, samples)
    qs = np.atleast_1d(np.asarray(quantiles, dtype=float))
    if qs.ndim != 1 or np.any(~np.isfinite(qs)) or np.any((qs < 0) | (qs > 1)):
        raise ValueError(f"quantiles must be numbers in [0, 1] (got {quantiles!r})")
    d = manifold.project(X).dist
    qv = np.quantile(d, qs)
    return DistanceSummary(
        float(d.mean()),
        {float(q): float(v) for q, v in zip(qs, qv, strict=True)},
        float(d.max()),
        X.shape[0],
    )


def _grid(manifold, n_grid: int, rng):
    """Intrinsic grid on M: quadrature nodes (about n_grid of them) when k <= 2, else a uniform
    sample of n_grid points."""
    if manifold.k <= 2:
        per = max(4, int(np.ceil(n_grid ** (1.0 / manifold.k))))
        try:
            u, _ = manifold.quadrature(per)
            return u, "quadrature"
        except ValueError:
            pass
    return manifold.sample_intrinsic(n_grid, None, rng=as_generator(rng)), "uniform-sample"


def hausdorff(
    manifold: Manifold, samples: ArrayLike, n_grid: int = 4096, *, rng: RNGLike
) -> HausdorffResult:
    """Hausdorff precision (samples -> M, exact projection) and recall (M -> samples on an
    intrinsic grid of about ``n_grid`` points; quadrature nodes when k <= 2, a uniform sample
    otherwise, drawn with ``rng``).

    Parameters
    ----------
    manifold : Manifold
        The manifold M.
    samples : (n, d) array
        The sample S.
    n_grid : int >= 4
        Approximate size of the intrinsic grid.
    rng : numpy Generator, SeedSequence or int seed
        Source of the uniform grid when M has no quadrature (required; unused otherwise).

    Returns
    -------
    HausdorffResult
        Precision, recall, their max and the grid used.
    """
    X = manifold_points(manifold, samples)
    n_grid = check_int(n_grid, "n_grid", low=4)
    precision = float(manifold.project(X).dist.max())
    u, kind = _grid(manifold, n_grid, rng)
    Yg = manifold.embed(u)
    recall = float(cKDTree(X).query(Yg)[0].max())
    res = float(cKDTree(Yg).query(Yg, k=2)[0][:, 1].max())
    return HausdorffResult(precision, recall, max(precision, recall), kind, Yg.shape[0], res)


# ----------------------------------------------------------------------------------------------
# coverage scale
# ----------------------------------------------------------------------------------------------
def _ball_kind(manifold) -> str:
    if isinstance(manifold, Sphere) or hasattr(manifold, "geodesic_distance"):
        return "geodesic"
    return "chordal"


def _pairwise_ball_distance(manifold, ua, ub, kind):
    """(len(ua), len(ub)) distances on M between intrinsic points: geodesic or chordal."""
    A, B = manifold.embed(ua), manifold.embed(ub)
    sq = np.maximum(np.sum(A**2, 1)[:, None] + np.sum(B**2, 1)[None, :] - 2 * A @ B.T, 0.0)
    chord = np.sqrt(sq)
    if kind == "chordal":
        return chord
    if isinstance(manifold, Sphere):
        # unit sphere: geodesic = 2 arcsin(chord / 2), exact and stable for small angles
        return 2 * np.arcsin(np.minimum(chord / 2, 1.0))
    if isinstance(manifold, FlatTorus):
        # flat metric: |wrap(u - v)| with each angle difference wrapped to [-pi, pi]
        diff = np.abs(ua[:, None, :] - ub[None, :, :]) % (2 * np.pi)
        diff = np.minimum(diff, 2 * np.pi - diff)
        return np.sqrt(np.sum(diff**2, axis=2))
    na, nb = ua.shape[0], ub.shape[0]
    g = manifold.geodesic_distance(np.repeat(ua, nb, axis=0), np.tile(ub, (na, 1)))
    return np.asarray(g, dtype=float).reshape(na, nb)


def cap_fraction(k: int, delta: ArrayLike) -> np.ndarray:
    """Normalized volume mu(B(y, delta)) of a geodesic ball (cap) of radius delta on the unit
    sphere S^k under the uniform law.

    (1/2) I_(sin^2 delta)(k/2, 1/2) for delta <= pi/2 and 1 - (1/2) I_(sin^2 delta)(k/2, 1/2)
    above (regularized incomplete beta); k = 1: delta / pi, k = 2: (1 - cos delta) / 2.

    Parameters
    ----------
    k : int >= 1
        Dimension of the sphere.
    delta : array_like
        Geodesic radii (any shape; clipped to [0, pi]).

    Returns
    -------
    ndarray
        The cap fractions, same shape as ``delta``.
    """
    k = check_int(k, "k", low=1)
    return _cap_fraction(k, np.asarray(delta, dtype=np.float64))


def _cap_fraction(k: int, delta: np.ndarray) -> np.ndarray:
    """:func:`cap_fraction` without input checks (delta a float array)."""
    d = np.clip(delta, 0, np.pi)
    half = 0.5 * betainc(k / 2.0, 0.5, np.sin(np.minimum(d, np.pi / 2)) ** 2)
    other = 1.0 - 0.5 * betainc(k / 2.0, 0.5, np.sin(d) ** 2)
    return np.where(d <= np.pi / 2, half, other)


def _cum_bins(B: np.ndarray, weights, J: int) -> np.ndarray:
    """(b, J) masses sum_i w_i [B[r, i] <= j] (w = 1 when None) by one flat bincount."""
    b, n = B.shape
    flat = (np.arange(b)[:, None] * (J + 1) + B).ravel()
    w = None if weights is None else np.tile(weights, b)
    c = np.bincount(flat, weights=w, minlength=b * (J + 1)).reshape(b, J + 1)
    return np.cumsum(c, axis=1)[:, :J]


_CURVE_CACHE: dict = {}  # (repr(manifold), repr(density), n) -> (t, S, F); a few entries


def _curve_cdfs(manifold, density, n_quad):
    """Arc length S and mu-CDF F at the quadrature nodes t_i = 2 pi i / n of a closed curve,
    with S(2 pi) = L appended (cumulative trapezoid on the periodic nodes). Cached by the reprs
    of the manifold and the density (their parameters), so repeated calls in a sweep cell reuse
    the 2^16-2^20-node quadrature."""
    uniform = density is None or isinstance(density, Uniform)
    n = (2**16 if uniform else 2**20) if n_quad is None else check_int(n_quad, "n_quad", low=16)
    key = (repr(manifold), None if uniform else repr(density), n)
    if key not in _CURVE_CACHE:
        if len(_CURVE_CACHE) >= 4:
            _CURVE_CACHE.pop(next(iter(_CURVE_CACHE)))
        _CURVE_CACHE[key] = _curve_cdfs_uncached(manifold, None if uniform else density, n)
    return _CURVE_CACHE[key]


def _curve_cdfs_uncached(manifold, density, n):
    uq, wq = manifold.quadrature(n)
    t = manifold.angle(uq)
    if not np.all(np.diff(t) > 0):
        raise ValueError(
            f"{type(manifold).__name__}.quadrature must return nodes in increasing angle for the "
            "arc-length coverage path"
        )
    pq = wq if density is None else wq * density.pdf(manifold, uq)

    def cumulative(w):
        mid = 0.5 * (w + np.roll(w, -1))  # trapezoid on [t_i, t_i+1], periodic
        return np.concatenate([[0.0], np.cumsum(mid)])

    tt = np.concatenate([t, [t[0] + 2 * np.pi]])
    S, F = cumulative(wq), cumulative(pq)
    return tt, S, F / F[-1]


def _coverage_scale_curve(manifold, X, density, c, deltas, n_quad, n_boot, rng):
    """Exact-sup coverage scale on a closed curve (k = 1): see :func:`coverage_scale`."""
    tt, S, F = _curve_cdfs(manifold, density, n_quad)
    L = float(S[-1])
    theta = manifold.angle(manifold.project(X).u)
    theta = np.where(theta < tt[0], theta + 2 * np.pi, theta)  # nodes may start above 0
    s = np.sort(np.interp(theta, tt, S))
    n = s.size
    if deltas is None:
        deltas = np.geomspace(1e-4 * L / 2, L / 2, 300)
    deltas = np.sort(np.asarray(deltas, dtype=float).ravel())
    if deltas.size == 0 or np.any(~np.isfinite(deltas)) or deltas[0] <= 0:
        raise ValueError(f"deltas must be a non-empty array of finite values > 0 (got {deltas})")

    def mu_arc(a, b):  # mu of the arc [a, b] in arc length, b - a < L, a in [-L, 2L)
        def cdf(x):
            q = np.floor(x / L)
            return np.interp(x - q * L, S, F) + q

        return cdf(b) - cdf(a)

    ext = np.concatenate([s - L, s, s + L])
    uniform = density is None or isinstance(density, Uniform)
    events = {}

    def event(j):  # event positions of radius deltas[j] (cached across bootstrap replicates)
        if j not in events:
            dl = deltas[j]
            a_left, a_right = s, s - 2 * dl  # an atom at the left / right end of the arc
            idx = {
                key: np.searchsorted(ext, x, side=side)
                for key, x, side in (
                    ("l_lo", a_left, "left"),
                    ("l_lo_open", a_left, "right"),
                    ("l_hi", a_left + 2 * dl, "right"),
                    ("r_lo", a_right, "left"),
                    ("r_hi", a_right + 2 * dl, "right"),
                    ("r_hi_open", a_right + 2 * dl, "left"),
                )
            }
            if uniform:  # F = S / L exactly
                mus = 2 * dl / L, 2 * dl / L
            else:
                mus = mu_arc(a_left, a_left + 2 * dl), mu_arc(a_right, a_right + 2 * dl)
            events[j] = idx, *mus
        return events[j]

    def delta_star(weights):
        # from the largest delta down to the first failing one (delta* needs no more)
        cw = np.concatenate([[0.0], np.cumsum(np.tile(weights, 3))])
        worst = np.full(deltas.size, np.nan)
        for j in range(deltas.size - 1, -1, -1):
            if 2 * deltas[j] >= L:
                worst[j] = 0.0  # the ball is the whole curve: nu(B) = mu(B) = 1
                continue
            idx, mu_l, mu_r = event(j)
            hi = np.concatenate(
                [
                    (cw[idx["l_hi"]] - cw[idx["l_lo"]]) / mu_l,  # closed [s_i, s_i + 2 delta]
                    (cw[idx["r_hi"]] - cw[idx["r_lo"]]) / mu_r,  # closed [s_i - 2 delta, s_i]
                ]
            )
            lo = np.concatenate(
                [
                    (cw[idx["l_hi"]] - cw[idx["l_lo_open"]]) / mu_l,  # (s_i, s_i + 2 delta]
                    (cw[idx["r_hi_open"]] - cw[idx["r_lo"]]) / mu_r,  # [s_i - 2 delta, s_i)
                ]
            )
            with np.errstate(divide="ignore"):
                worst[j] = max(np.log(hi.max()), -np.log(lo.min()))
            if worst[j] > np.log(c) + 1e-12:
                if j == deltas.size - 1:
                    return float("inf"), worst
                return float(deltas[j + 1]), worst
        return float(deltas[0]), worst

    w0 = np.full(n, 1.0 / n)
    d0, worst = delta_star(w0)
    boots = np.asarray([delta_star(rng.multinomial(n, w0) / n)[0] for _ in range(n_boot)])
    se = float(np.std(boots, ddof=1)) if n_boot > 1 and np.all(np.isfinite(boots)) else float("nan")
    return CoverageResult(d0, se, c, "geodesic", "arc-length quadrature", deltas, worst, n, 2 * n,
                          n_boot)  # fmt: skip


def coverage_scale(
    manifold: Manifold,
    samples: ArrayLike,
    density: Density | None = None,
    c: float = 2.0,
    *,
    deltas: ArrayLike | None = None,
    n_grid: int = 2048,
    n_quad: int | None = None,
    n_mc: int = 200_000,
    n_boot: int = 20,
    rng: RNGLike,
) -> CoverageResult:
    """Coverage scale delta*(c) of the law of ``samples`` relative to mu = density x vol_M.

    docs/science.md, P1: nu has delta-coverage if
    c^-1 <= nu(B_M(y, delta)) / mu(B_M(y, delta)) <= c for all y in M; delta* is the smallest such
    delta. Here y runs over an intrinsic grid of about
    ``n_grid`` points (quadrature nodes for k <= 2, a uniform sample otherwise; for the
    (log N / N)^(1/k) law the grid must resolve delta, so take n_grid of the order of n), and
    delta over ``deltas`` (default: 300 log-spaced values from 1e-4 to the diameter of the grid).
    Samples off M are counted at their projection P_M(x) (the coverage of the projected law).

    Closed curves (k = 1: circle, ellipse, Holder curves) take an exact path: balls are geodesic
    arcs in arc length s (cumulative trapezoid rule on ``n_quad`` nodes: default 2^16 for the
    uniform law, 2^20 otherwise, so that a density jump misplaces < 1e-5 of mass), and the
    supremum over *every* centre y replaces the grid (``n_grid`` is ignored): the count of an arc
    [a, a + 2 delta] changes only when an end crosses a sample, so its largest and smallest values
    are attained at the 2 m event positions a = s_i and a = s_i - 2 delta (closed and half-open
    arcs); mu(arc) = F(a + 2 delta) - F(a) with F the arc-length CDF of mu (same quadrature).
    This is exact when mu is uniform in arc length; otherwise mu(arc) is read at the events,
    which moves the ratio by at most (p_max - p_min) g / mu(arc), g the gap between events (about
    L / m, i.e. a relative error of order 1 / (m delta / L): a few per cent at the Monte-Carlo
    floor, negligible above it). Cost O(m log m) per delta, so m = 1e5-1e6 is cheap.
    ``grid_size`` is then 2 m (the event positions), and ``worst`` is evaluated from the largest
    delta down to the first failing one (NaN below it: delta* does not need those).

    Otherwise, balls are geodesic where the manifold knows its geodesic distance (spheres:
    2 arcsin(chord/2); any manifold with a ``geodesic_distance(u, v)`` method), chordal
    otherwise; ``ball`` says which.
    mu(B) is exact for the uniform law on a sphere (normalized cap volume, regularized incomplete
    beta), by quadrature (``manifold.quadrature(n_quad)``, default 4096 nodes for k = 1, 128^2 for
    k = 2) when k <= 2, else by a Monte-Carlo sample of ``n_mc`` points.

    The standard error is a nonparametric bootstrap: ``n_boot`` multinomial reweightings of the
    sample, delta* recomputed each time (the balls are fixed, only their nu-masses change); it is
    NaN when n_boot < 2 or some replicate never covers. ``delta`` is inf when the condition fails
    at the largest delta of the grid (pass larger ``deltas``).

    Parameters
    ----------
    manifold : Manifold
        The manifold M.
    samples : (n, d) array
        The sample of nu (projected onto M).
    density : Density or None
        Density of mu w.r.t. volume (None: uniform).
    c : float > 1
        Coverage constant.
    deltas : array, optional
        The radius grid (default above).
    n_grid : int >= 4
        Approximate number of centres (ignored on closed curves).
    n_quad : int, optional
        Quadrature nodes for mu (defaults above).
    n_mc : int >= 100
        Monte-Carlo size for mu when k > 2 and mu has no closed form.
    n_boot : int >= 0
        Bootstrap replicates of the standard error.
    rng : numpy Generator, SeedSequence or int seed
        Source of the bootstrap, of a uniform grid of centres and of the Monte-Carlo sample of mu
        where they are used (required).

    Returns
    -------
    CoverageResult
        delta*, its bootstrap standard error and the per-radius worst log-ratios.
    """
    X = manifold_points(manifold, samples)
    c = check_in_range(c, "c", low=1.0, low_open=True)
    n_grid = check_int(n_grid, "n_grid", low=4)
    n_mc = check_int(n_mc, "n_mc", low=100)
    n_boot = check_int(n_boot, "n_boot", low=0)
    rng = as_generator(rng)
    if density is not None:
        density.check_manifold(manifold)
    if manifold.k == 1:
        return _coverage_scale_curve(manifold, X, density, c, deltas, n_quad, n_boot, rng)
    n = X.shape[0]
    kind = _ball_kind(manifold)
    us = manifold.project(X).u
    ug, _ = _grid(manifold, n_grid, rng)
    G = ug.shape[0]

    # nu-side: the closed ball B(y, delta) = {x : dist(y, P_M x) <= delta} on the delta grid
    if deltas is None:
        D0 = _pairwise_ball_distance(manifold, ug[: min(G, _BLOCK)], ug, kind)
        far = float(D0.max())
        deltas = np.geomspace(1e-4 * far, far * (1 + 1e-9), 300)
    deltas = np.sort(np.asarray(deltas, dtype=float).ravel())
    if deltas.size == 0 or np.any(~np.isfinite(deltas)) or deltas[0] <= 0:
        raise ValueError(f"deltas must be a non-empty array of finite values > 0 (got {deltas})")
    J = deltas.size
    # bin of each distance: D <= deltas[j] iff bin <= j; ball masses are cumulative bin counts
    idx_type = np.int16 if J < np.iinfo(np.int16).max else np.int32
    bins = np.empty((G, n), dtype=idx_type) if n_boot > 0 else None
    counts = np.empty((G, J))
    for i in range(0, G, _BLOCK):
        D = _pairwise_ball_distance(manifold, ug[i : i + _BLOCK], us, kind)
        B = np.searchsorted(deltas, D, side="left")
        counts[i : i + _BLOCK] = _cum_bins(B, None, J)
        if bins is not None:
            bins[i : i + _BLOCK] = B

    # mu-side
    uniform = density is None or isinstance(density, Uniform)
    if isinstance(manifold, Sphere) and kind == "geodesic" and uniform:
        mu = np.broadcast_to(_cap_fraction(manifold.k, deltas), (G, deltas.size)).copy()
        mu_method = "closed-form"
    else:
        if manifold.k <= 2:
            per = (4096 if manifold.k == 1 else 128) if n_quad is None else n_quad
            uq, wq = manifold.quadrature(check_int(per, "n_quad", low=4))
            if density is not None:
                wq = wq * density.pdf(manifold, uq)
            mu_method = "quadrature"
        else:
            uq = manifold.sample_intrinsic(n_mc, density, rng=rng)
            wq = np.ones(n_mc)
            mu_method = "monte-carlo"
        wq = wq / wq.sum()
        mu = np.empty((G, J))
        for i in range(0, G, _BLOCK):
            D = _pairwise_ball_distance(manifold, ug[i : i + _BLOCK], uq, kind)
            mu[i : i + _BLOCK] = _cum_bins(np.searchsorted(deltas, D, side="left"), wq, J)

    def delta_star(weights):
        if weights is None:
            nu = counts / n
        else:
            nu = np.concatenate(
                [_cum_bins(bins[i : i + _BLOCK], weights, J) for i in range(0, G, _BLOCK)]
            )
        with np.errstate(divide="ignore", invalid="ignore"):
            lr = np.abs(np.log(nu) - np.log(mu))
        lr = np.where(mu > 0, lr, np.where(nu > 0, np.inf, 0.0))
        worst = lr.max(axis=0)
        bad = worst > np.log(c) + 1e-12
        if not bad.any():
            return float(deltas[0]), worst
        last_bad = int(np.nonzero(bad)[0].max())
        if last_bad == deltas.size - 1:
            return float("inf"), worst
        return float(deltas[last_bad + 1]), worst

    d0, worst = delta_star(None)
    w0 = np.full(n, 1.0 / n)
    boots = []
    for _ in range(n_boot):
        boots.append(delta_star(rng.multinomial(n, w0) / n)[0])
    boots = np.asarray(boots)
    se = float(np.std(boots, ddof=1)) if n_boot > 1 and np.all(np.isfinite(boots)) else float("nan")
    return CoverageResult(d0, se, c, kind, mu_method, deltas, worst, n, G, n_boot)


@dataclass(frozen=True)
class ComparabilityResult:
    """A generated law against the training set, P1's comparison (docs/science.md, P1).

    Attributes
    ----------
    delta, delta_floor, delta_train : float
        Coverage scales delta*(c) (:func:`coverage_scale`) of the generated samples, of fresh
        draws from mu_data (the Monte-Carlo floor of a sample of that size) and of the training
        points (the empirical measure's, about (log N / N)^(1/k)).
    log_c, log_c_floor : dict of float -> float
        Per fixed radius r: the log of the smallest comparability constant of the generated law
        at r, max over centres y of |log nu(B(y, r)) / mu(B(y, r))|, and the same for the fresh
        draws. A ball that holds no sample has ratio 0 (log c infinite); it is censored at
        log n (n the sample's size: the largest value a ball holding one sample can give, since
        mu(B) <= 1) and counted in ``empty_balls``.
    empty_balls : int
        The number of censored (sample, radius) pairs, generated and fresh.
    c : float
        The constant of the coverage scales.
    """

    delta: float
    delta_floor: float
    delta_train: float
    log_c: dict
    log_c_floor: dict
    empty_balls: int
    c: float

    @property
    def ratio(self) -> float:
        """delta / delta_train: below 1 where the generated law is comparable with mu_data at
        finer scales than the training set itself."""
        return self.delta / self.delta_train

    @property
    def ratio_floor(self) -> float:
        """delta_floor / delta_train: what fresh draws of the same size show."""
        return self.delta_floor / self.delta_train


def comparability(
    manifold: Manifold,
    samples: ArrayLike,
    training: ArrayLike,
    reference: ArrayLike,
    density: Density | None = None,
    c: float = 2.0,
    radii: ArrayLike = (0.1, 0.3),
    n_grid: int = 1024,
    *,
    rng: int,
) -> ComparabilityResult:
    """P1's comparison of a generated law with the training set, at a constant c stated before.

    The coverage scale of the generated samples against the training points' (P1: the generated
    law is comparable with mu_data on neighbourhoods finer than the empirical measure's
    (log N / N)^(1/k)), with fresh draws as the floor, and the comparability constant at fixed
    radii (docs/science.md, P1: coverage). Every call to :func:`coverage_scale` gets the same
    seed ``rng`` (no bootstrap).

    Parameters
    ----------
    manifold : Manifold
    samples : (m, d) array
        The generated samples (counted at their projection onto M).
    training : (N, d) array
        The training points.
    reference : (m', d) array
        Fresh draws from mu_data, the floor (usually m' = m).
    density : Density or None
        mu_data's density w.r.t. volume (None: uniform).
    c : float > 1
        Constant of the coverage scales.
    radii : sequence of float > 0
        Fixed radii of the comparability constant.
    n_grid : int >= 16
        Centres of the coverage scale (ignored on closed curves: exact supremum).
    rng : int
        Seed of every :func:`coverage_scale` call.

    Returns
    -------
    ComparabilityResult
    """
    c = check_in_range(c, "c", low=1.0, low_open=True)
    n_grid = check_int(n_grid, "n_grid", low=16)
    r = np.sort(np.asarray(radii, dtype=float).ravel())
    if r.size == 0 or not np.all(np.isfinite(r)) or r[0] <= 0:
        raise ValueError(f"radii must be a non-empty sequence of finite values > 0 (got {radii!r})")
    Y = manifold_points(manifold, samples)
    ref = manifold_points(manifold, reference)
    cov = dict(c=c, n_grid=n_grid, n_boot=0, rng=rng)
    delta = float(coverage_scale(manifold, Y, density, **cov).delta)
    floor = float(coverage_scale(manifold, ref, density, **cov).delta)
    train = float(coverage_scale(manifold, training, density, **cov).delta)
    # one radius per call: coverage_scale stops at the first radius whose ratio exceeds c, and an
    # empty ball (log ratio inf) exceeds any c, which would leave the smaller radii unjudged
    const = dict(c=1e300, n_boot=0, rng=rng)
    worst = np.array(
        [coverage_scale(manifold, Z, density, deltas=[x], **const).worst[0]
         for Z in (Y, ref) for x in r]
    ).reshape(2, r.size)  # fmt: skip
    empty = int(np.sum(np.isposinf(worst)))
    log_c = np.minimum(worst[0], np.log(Y.shape[0]))
    log_c_floor = np.minimum(worst[1], np.log(ref.shape[0]))
    return ComparabilityResult(
        delta,
        floor,
        train,
        dict(zip(r.tolist(), log_c.tolist(), strict=True)),
        dict(zip(r.tolist(), log_c_floor.tolist(), strict=True)),
        empty,
        c,
    )


def coverage_from_ratios(lo_ratio: ArrayLike, hi_ratio: ArrayLike, deltas: ArrayLike, c: float):
    """Coverage scale delta*(c) from the extreme ratios nu(B) / mu(B) over the centres, per
    radius of a sorted grid.

    delta* is the smallest grid radius from which on (for it and every larger grid radius) every
    ball satisfies c^-1 <= nu(B) / mu(B) <= c: the grid value just above the largest failing
    radius (the rule of :func:`coverage_scale`).

    Parameters
    ----------
    lo_ratio, hi_ratio : array_like, shape (J,)
        Smallest and largest nu(B(y, delta_j)) / mu(B(y, delta_j)) over the centres y.
    deltas : array_like, shape (J,)
        The radii, increasing.
    c : float > 1

    Returns
    -------
    float
        delta*; ``deltas[0]`` if no radius fails, ``inf`` if the largest one fails.
    """
    lo = np.asarray(lo_ratio, dtype=float)
    hi = np.asarray(hi_ratio, dtype=float)
    deltas = np.asarray(deltas, dtype=float)
    bad = (lo < 1.0 / c) | (hi > c)
    if not bad.any():
        return float(deltas[0])
    last = int(np.nonzero(bad)[0].max())
    if last == deltas.size - 1:
        return float("inf")
    return float(deltas[last + 1])


def coverage_scale_circle(theta: ArrayLike, c: float = 2.0, deltas: ArrayLike | None = None):
    """Exact coverage scale delta*(c) of the empirical law of angles ``theta`` relative to the
    uniform law on the unit circle (geodesic balls: arcs [y - delta, y + delta], mu(B) =
    delta / pi).

    The supremum over every centre y is exact: as y moves, the count of an arc of length
    2 delta changes only when an end crosses an atom, so the largest count is attained by an arc
    starting at an atom, max_i #[theta_i, theta_i + 2 delta], and the smallest by an arc starting
    just after one, min_i #(theta_i, theta_i + 2 delta] (atoms distinct). Cost O(N log N) per
    radius, no quadrature: the uniform-law special case of the curve path of
    :func:`coverage_scale`, on angles rather than points.

    Parameters
    ----------
    theta : array_like, shape (N,)
        Angles (read mod 2 pi).
    c : float > 1
    deltas : array_like, shape (J,), optional
        Radii in (0, pi/2] (sorted here; default 400 log-spaced values from 1e-7 to pi/2).

    Returns
    -------
    float
        delta* (see :func:`coverage_from_ratios`).
    """
    th = np.sort(np.mod(np.asarray(theta, dtype=np.float64).ravel(), 2 * np.pi))
    n = th.size
    if n < 1 or not np.all(np.isfinite(th)):
        raise ValueError("theta must be a non-empty finite array")
    c = check_in_range(c, "c", low=1.0, low_open=True)
    deltas = np.geomspace(1e-7, np.pi / 2, 400) if deltas is None else deltas
    deltas = np.sort(np.asarray(deltas, dtype=np.float64).ravel())
    if deltas.size == 0 or not np.all(np.isfinite(deltas)) or deltas[0] <= 0:
        raise ValueError("deltas must be a non-empty array of finite values > 0")
    if deltas[-1] > np.pi / 2:
        raise ValueError(f"deltas must be <= pi/2 (got {deltas[-1]})")
    ext = np.concatenate([th, th + 2 * np.pi])
    lo_r, hi_r = np.empty(deltas.size), np.empty(deltas.size)
    for j, dl in enumerate(deltas):
        end = th + 2 * dl
        n_closed = np.searchsorted(ext, end, side="right") - np.arange(n)  # [theta_i, end]
        n_open = n_closed - 1  # (theta_i, end]
        mu = dl / np.pi
        hi_r[j] = n_closed.max() / (n * mu)
        lo_r[j] = n_open.min() / (n * mu)
    return coverage_from_ratios(lo_r, hi_r, deltas, c)
