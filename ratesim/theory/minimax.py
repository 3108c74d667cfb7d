"""Minimax baseline of P1: W1 and coverage scale of the empirical measure (and of the minimax
baselines) on a k-dimensional manifold, as functions of N.

Shen, Hsieh, He, "Manifold generalization provably precedes memorization" (arXiv 2603.23792;
SCIENCE.md P1): estimating mu_data on a k-manifold has the minimax rate O~(N^(-1/k)), and the
empirical measure has delta-coverage at delta*(N) ~ (log N / N)^(1/k). The W1 anchors are Dudley,
Weed & Bach (2019) and Divol (2021): E W1(mu_N, mu) ~ N^(-1/2) (k = 1), sqrt(log N / N) (k = 2),
N^(-1/k) (k >= 3), independent of the ambient dimension d.

Exact transport only (SCIENCE.md trap 1):

- k = 1 (closed curves): the geodesic W1 between the law of P_M(sample) and the uniform (volume)
  law is the circle W1 of the arc-length positions, in closed form (Rabin, Delon, Gousseau 2011,
  Thm 1; ``ratesim.metrics.wasserstein_circle_uniform``) after the arc-length reparametrization
  s(u) = int_0^u |Phi'(t)| dt (:func:`curve_w1_uniform`). No reference sample, no floor.
- k >= 2: exact network simplex (``ratesim.metrics.wasserstein``, chordal cost in R^d) against a
  fresh population sample of size m = r N (SCIENCE.md trap 2). The reference's own error
  W1(mu_m, mu) ~ c (r N)^(-1/k) scales like the signal, so with a fixed ratio r the exponent of
  N is unchanged (only the constant moves, by a factor in [1 - r^(-1/k), 1 + r^(-1/k)] by the
  triangle inequality); the reference's error is the empirical-measure row itself at N' = r N,
  reported as the floor (:func:`reference_floor`).

Coverage scale (SCIENCE.md P1, geodesic balls, c-coverage): :func:`coverage_scale_circle` is
exact (supremum over every centre y, from the sorted arc-length positions);
:func:`coverage_scale_knn` takes the supremum over a uniform grid of ``grid_factor * N`` centres
with exact ball masses (spherical caps; flat discs on the flat torus), using the sorted distances
to the K nearest samples.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.spatial import cKDTree
from scipy.special import betainc

from .._validation import as_generator, as_points, check_in_range, check_int, check_positive
from ..metrics import wasserstein_circle_uniform
from ..study.tasks import task

__all__ = [
    "ArcLength",
    "arc_length",
    "curve_w1_uniform",
    "make_manifold_p1",
    "baseline_sample",
    "reference_floor",
    "cap_fraction",
    "coverage_scale_circle",
    "coverage_scale_knn",
    "coverage_from_counts",
    "ball_fraction",
    "coverage_delta_grid",
    "METHODS",
    "COVERAGE_MANIFOLDS",
]

TWO_PI = 2.0 * np.pi
METHODS = ("empirical", "intrinsic_kde", "inertial")
P1_MANIFOLDS = ("sphere", "flat_torus", "holder_graph")
COVERAGE_MANIFOLDS = ("sphere", "flat_torus")
HOLDER_BETA = 4.5
HOLDER_EPS = 2.0


# ---------------------------------------------------------------------------------------------
# manifolds of the study


def make_manifold_p1(name: str, k: int, d: int | None = None):
    """The manifolds of the P1 minimax study, with a fixed embedding (seed 0).

    ``sphere``: unit S^k in R^d; ``flat_torus``: product of k unit circles in R^d (d >= 2k);
    ``holder_graph``: the graph of eps g_beta over T^k (beta = 4.5, eps = 2.0, within the certified
    reach bound for k <= 4) in R^d (d >= 2k + 1). ``d=None`` is the native dimension.

    The manifold is fixed across cells (the randomness of a cell is the training sample).
    """
    from .. import manifolds

    k = check_int(k, "k", low=1)
    if name == "sphere":
        return manifolds.Sphere(k=k, d=d, seed=0)
    if name == "flat_torus":
        return manifolds.FlatTorus(k=k, d=d, seed=0)
    if name == "holder_graph":
        return manifolds.HolderGraph(k=k, beta=HOLDER_BETA, eps=HOLDER_EPS, d=d, seed=0)
    raise ValueError(f"manifold must be one of {P1_MANIFOLDS} (got {name!r})")


# ---------------------------------------------------------------------------------------------
# exact W1 on closed curves


class ArcLength:
    """Arc-length reparametrization of a closed curve (k = 1) given by its angle coordinate.

    s(t) = int_0^t |Phi'(u)| du on a periodic grid of ``n`` nodes (trapezoid rule, linear
    interpolation between nodes), normalized so that the total length L maps to 2 pi.

    Attributes
    ----------
    length : float
        Total length L of the curve.
    """

    def __init__(self, manifold, n: int = 1 << 16):
        if manifold.k != 1:
            raise ValueError(f"arc length needs a curve (k = 1), got k = {manifold.k}")
        n = check_int(n, "n", low=16)
        t = TWO_PI * np.arange(n + 1) / n
        if type(manifold).__name__ == "Sphere":
            speed = np.ones(n + 1)
        else:
            speed = manifold.volume_element(t[:, None])
        cum = np.concatenate([[0.0], np.cumsum(0.5 * (speed[1:] + speed[:-1]) * np.diff(t))])
        self.t_ = t
        self.cum_ = cum
        self.length = float(cum[-1])

    def __call__(self, theta) -> np.ndarray:
        """Normalized arc-length positions 2 pi s(theta) / L in [0, 2 pi] of angles theta."""
        th = np.mod(np.asarray(theta, dtype=np.float64), TWO_PI)
        return np.clip(TWO_PI * np.interp(th, self.t_, self.cum_) / self.length, 0.0, TWO_PI)


def arc_length(manifold, n: int = 1 << 16) -> ArcLength:
    """:class:`ArcLength` of a closed curve (see there)."""
    return ArcLength(manifold, n)


def curve_w1_uniform(manifold, samples, arc: ArcLength | None = None) -> float:
    """Exact geodesic W1 between the law of P_M(samples) and the uniform (volume) law on a closed
    curve M (k = 1).

    The arc-length chart maps M isometrically (in geodesic distance) onto the circle of length L,
    and the volume law onto the uniform law, so W1 = (L / 2 pi) W1_circle(2 pi s / L, uniform),
    computed in closed form by ``wasserstein_circle_uniform`` (Rabin, Delon, Gousseau 2011, Thm 1).
    Points off M are counted at their projection (for on-manifold samples this is W1 itself).

    Parameters
    ----------
    manifold : Manifold with k = 1 (Sphere(k=1), FlatTorus(k=1), HolderGraph(k=1), ...)
    samples : array (n, d)
    arc : ArcLength, optional
        Precomputed arc-length table (reused across calls).
    """
    if manifold.k != 1:
        raise ValueError(f"curve_w1_uniform needs k = 1 (got k = {manifold.k})")
    X = as_points(samples, "samples", d=manifold.d)
    arc = arc_length(manifold) if arc is None else arc
    theta = manifold.angle(manifold.project(X).u)
    return arc.length / TWO_PI * wasserstein_circle_uniform(arc(theta))


# ---------------------------------------------------------------------------------------------
# baselines


def baseline_sample(method: str, manifold, X, n: int, rng) -> np.ndarray:
    """n points from a minimax baseline fitted on the training set X (ratesim.baselines).

    ``empirical``: the training set itself (n must equal N: the empirical measure, not a
    resample). ``intrinsic_kde``: kernel density estimate along M with h = N^(-1/(k+4)) (Divol
    2022). ``inertial``: inertial diffusion (Lyu et al. 2025), sigma = N^(-1/(k+4)).
    """
    from .. import baselines

    rng = as_generator(rng)
    if method == "empirical":
        if n != X.shape[0]:
            raise ValueError(f"the empirical measure has N = {X.shape[0]} atoms (got n = {n})")
        return X
    if method == "intrinsic_kde":
        return baselines.IntrinsicKDE(manifold, bandwidth="rate").fit(X).sample(n, rng)
    if method == "inertial":
        return baselines.InertialDiffusion(k=manifold.k).fit(X).sample(n, rng)
    raise ValueError(f"method must be one of {METHODS} (got {method!r})")


def reference_floor(k: int, r: float) -> float:
    """Relative size r^(-1/k) of the reference error W1(mu_(rN), mu) to W1(mu_N, mu) (k >= 3; for
    k = 2 up to the log factor): the band [1 - f, 1 + f] bounds W1(mu_N, mu_(rN)) / W1(mu_N, mu)
    asymptotically (triangle inequality)."""
    k = check_int(k, "k", low=1)
    r = check_positive(r, "r")
    return float(r ** (-1.0 / k))


@task(
    "p1_w1",
    metrics=("w1",),
    choices={"manifold": P1_MANIFOLDS, "method": METHODS},
)
def _p1_w1(params, rng):
    """W1 of the empirical measure / a minimax baseline's N-point output to mu (exact OT)."""
    from ..metrics import wasserstein

    n = check_int(params["N"], "N", low=2)
    k = check_int(params["k"], "k", low=1)
    M = make_manifold_p1(params["manifold"], k, params.get("d"))
    if M.k != k:
        raise ValueError(f"manifold has k = {M.k}, cell says k = {k}")
    X = M.sample(n, None, rng)
    Y = baseline_sample(params["method"], M, X, n, rng)
    if k == 1:
        return {"w1": curve_w1_uniform(M, Y)}
    r = check_int(params["ref_ratio"], "ref_ratio", low=1)
    ref = M.sample(r * n, None, rng)
    return {"w1": wasserstein(Y, ref, p=1)}


# ---------------------------------------------------------------------------------------------
# coverage scale


def cap_fraction(k: int, delta) -> np.ndarray:
    """Normalized volume of a geodesic ball of radius delta on the unit sphere S^k:
    (1/2) I_(sin^2 delta)(k/2, 1/2) for delta <= pi/2, 1 - (1/2) I_(sin^2 delta)(k/2, 1/2) above
    (regularized incomplete beta). k = 1: delta / pi; k = 2: (1 - cos delta) / 2."""
    k = check_int(k, "k", low=1)
    d = np.clip(np.asarray(delta, dtype=np.float64), 0.0, np.pi)
    s2 = np.sin(d) ** 2
    half = 0.5 * betainc(k / 2.0, 0.5, s2)
    return np.where(d <= np.pi / 2, half, 1.0 - half)


def coverage_from_counts(lo_ratio, hi_ratio, deltas, c: float) -> float:
    """delta*(c) from the extreme ratios nu(B)/mu(B) over the centres, per delta of a sorted grid.

    delta* is the smallest grid delta from which on (for it and every larger grid delta) every
    ball satisfies c^-1 <= nu/mu <= c (SCIENCE.md P1); ``inf`` if the largest delta fails.
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


def _delta_grid(deltas, name="deltas") -> np.ndarray:
    deltas = np.sort(np.asarray(deltas, dtype=np.float64).ravel())
    if deltas.size == 0 or not np.all(np.isfinite(deltas)) or deltas[0] <= 0:
        raise ValueError(f"{name} must be a non-empty array of finite values > 0")
    return deltas


def coverage_scale_circle(theta, c: float = 2.0, deltas=None) -> float:
    """Exact coverage scale delta*(c) of the empirical law of angles ``theta`` w.r.t. the uniform
    law on the unit circle (geodesic balls = arcs [y - delta, y + delta], mu(B) = delta / pi).

    The supremum over every centre y is exact: as y moves, the count of an arc of length 2 delta
    changes only when an endpoint crosses an atom, so the largest count is attained by an arc
    starting at an atom, max_i #[theta_i, theta_i + 2 delta], and the smallest by an arc starting
    just after one, min_i #(theta_i, theta_i + 2 delta].

    Parameters
    ----------
    theta : array (N,)
        Angles (read mod 2 pi).
    c : float > 1
    deltas : array, optional
        Grid of radii in (0, pi/2] (default 400 log-spaced values from 1e-7 to pi/2).
    """
    th = np.sort(np.mod(np.asarray(theta, dtype=np.float64).ravel(), TWO_PI))
    n = th.size
    if n < 1 or not np.all(np.isfinite(th)):
        raise ValueError("theta must be a non-empty finite array")
    c = check_in_range(c, "c", low=1.0, low_open=True)
    deltas = _delta_grid(np.geomspace(1e-7, np.pi / 2, 400) if deltas is None else deltas)
    if deltas[-1] > np.pi / 2:
        raise ValueError(f"deltas must be <= pi/2 (got {deltas[-1]})")
    ext = np.concatenate([th, th + TWO_PI])
    lo_r, hi_r = np.empty(deltas.size), np.empty(deltas.size)
    for j, dl in enumerate(deltas):
        end = th + 2 * dl
        n_closed = np.searchsorted(ext, end, side="right") - np.arange(n)  # [theta_i, end]
        n_open = n_closed - 1  # (theta_i, end] (atoms are distinct almost surely)
        mu = dl / np.pi
        hi_r[j] = n_closed.max() / (n * mu)
        lo_r[j] = n_open.min() / (n * mu)
    return coverage_from_counts(lo_r, hi_r, deltas, c)


def _sphere_geometry(k):
    def to_geo(chord):
        return 2.0 * np.arcsin(np.minimum(chord / 2.0, 1.0))

    def to_chord(delta):
        return 2.0 * np.sin(np.asarray(delta) / 2.0)

    return to_geo, to_chord, lambda dl: cap_fraction(k, dl)


def coverage_scale_knn(
    manifold_name: str,
    k: int,
    points,
    c: float = 2.0,
    *,
    deltas,
    grid_factor: int = 4,
    n_neighbors: int = 320,
    rng=None,
) -> float:
    """Coverage scale delta*(c) of the empirical law of ``points`` w.r.t. the uniform law, on the
    unit sphere S^k or the flat torus T^k = (R / 2 pi Z)^k, geodesic balls.

    Centres: ``grid_factor * N`` i.i.d. uniform points (a ball of the relevant size, expected
    count 30-100 samples, holds 4 times as many centres, so the grid resolves the supremum up to
    a fraction of the radius). Ball counts: sorted geodesic distances to the ``n_neighbors`` nearest
    samples (cKDTree; periodic box on the torus, chordal-to-geodesic 2 arcsin(chord / 2) on the
    sphere). mu(B) is exact: the cap fraction on S^k, the Euclidean ball volume / (2 pi)^k on T^k
    (delta < pi). Radii whose expected count exceeds ``n_neighbors`` / 2 are refused: the counts
    would be truncated (the study keeps the grid below that; at such counts a factor-c deviation
    has probability below exp(-0.15 n / 2) per ball).

    Parameters
    ----------
    manifold_name : {"sphere", "flat_torus"}
    k : int
    points : array (N, k + 1) unit vectors (sphere) or (N, k) angles (torus)
    deltas : array of radii (sorted here)
    """
    k = check_int(k, "k", low=1)
    c = check_in_range(c, "c", low=1.0, low_open=True)
    grid_factor = check_int(grid_factor, "grid_factor", low=1)
    n_neighbors = check_int(n_neighbors, "n_neighbors", low=2)
    rng = as_generator(rng)
    deltas = _delta_grid(deltas)
    if manifold_name == "sphere":
        P = as_points(points, "points", d=k + 1)
        P = P / np.linalg.norm(P, axis=1, keepdims=True)
        n = P.shape[0]
        g = rng.standard_normal((grid_factor * n, k + 1))
        G = g / np.linalg.norm(g, axis=1, keepdims=True)
        tree = cKDTree(P)
        to_geo, _, _ = _sphere_geometry(k)
    elif manifold_name == "flat_torus":
        P = np.mod(as_points(points, "points", d=k), TWO_PI)
        n = P.shape[0]
        G = rng.uniform(0.0, TWO_PI, size=(grid_factor * n, k))
        tree = cKDTree(P, boxsize=TWO_PI)

        def to_geo(x):
            return x

    else:
        raise ValueError(
            f"manifold_name must be one of {COVERAGE_MANIFOLDS} (got {manifold_name!r})"
        )
    mu = ball_fraction(manifold_name, k, deltas)
    K = min(n_neighbors, n)
    if K < n and n * mu[-1] > K / 2:
        raise ValueError(
            f"the largest delta {deltas[-1]:.3g} has expected count {n * mu[-1]:.1f} > "
            f"n_neighbors / 2 = {K / 2}: raise n_neighbors or lower the delta grid"
        )
    lo_c = np.full(deltas.size, np.inf)
    hi_c = np.zeros(deltas.size)
    for s in range(0, G.shape[0], 8192):
        dist, _ = tree.query(G[s : s + 8192], k=K)
        dist = to_geo(np.asarray(dist).reshape(-1, K))
        B = np.searchsorted(deltas, dist, side="left")  # dist <= deltas[j] iff B <= j
        rows = B.shape[0]
        flat = (np.arange(rows)[:, None] * (deltas.size + 1) + B).ravel()
        cnt = np.bincount(flat, minlength=rows * (deltas.size + 1)).reshape(rows, -1)
        cnt = np.cumsum(cnt, axis=1)[:, : deltas.size]
        lo_c = np.minimum(lo_c, cnt.min(axis=0))
        hi_c = np.maximum(hi_c, cnt.max(axis=0))
    return coverage_from_counts(lo_c / (n * mu), hi_c / (n * mu), deltas, c)


def ball_fraction(manifold_name: str, k: int, delta) -> np.ndarray:
    """mu(B(y, delta)) for the uniform law: the cap fraction on S^k, the Euclidean ball volume
    over (2 pi)^k on the flat torus T^k (exact for delta < pi)."""
    k = check_int(k, "k", low=1)
    delta = np.asarray(delta, dtype=np.float64)
    if manifold_name == "sphere":
        return cap_fraction(k, delta)
    if manifold_name == "flat_torus":
        if np.any(delta >= np.pi):
            raise ValueError("delta must be < pi on the flat torus (balls would wrap)")
        return math.pi ** (k / 2) / math.gamma(k / 2 + 1) * delta**k / TWO_PI**k
    raise ValueError(f"manifold_name must be one of {COVERAGE_MANIFOLDS} (got {manifold_name!r})")


def coverage_delta_grid(
    manifold_name: str, k: int, n: int, max_count: float = 150.0, n_deltas: int = 160
) -> np.ndarray:
    """Radii for :func:`coverage_scale_knn`: geodesic radii whose expected ball count N mu(B)
    runs log-uniformly from 0.5 to ``max_count``.

    Above ``max_count`` = 150 a factor-2 deviation of a Poisson count has probability below
    exp(-0.153 * 150) ~ 1e-10 per ball (Chernoff: lower tail rate 1/2 - ln(2)/2 = 0.153, upper
    2 ln 2 - 1 = 0.386), negligible over <= 1e6 centres, so delta* (c = 2) lies inside the grid
    (and the kNN search needs n_neighbors >= 2 max_count).
    """
    n = check_int(n, "n", low=2)
    hi = np.pi / 2 if manifold_name == "sphere" else 0.99 * np.pi
    table = np.geomspace(1e-9, hi, 4000)
    frac = ball_fraction(manifold_name, k, table)
    target = np.geomspace(0.5 / n, min(max_count / n, float(frac[-1])), n_deltas)
    return np.interp(np.log(target), np.log(frac), table)


@task(
    "p1_coverage",
    metrics=("delta",),
    choices={"manifold": COVERAGE_MANIFOLDS},
)
def _p1_coverage(params, rng):
    """Coverage scale delta*(c) of the empirical measure of N uniform points (geodesic balls)."""
    from .. import manifolds

    n = check_int(params["N"], "N", low=2)
    k = check_int(params["k"], "k", low=1)
    c = check_in_range(params.get("c", 2.0), "c", low=1.0, low_open=True)
    name = params["manifold"]
    if name == "sphere":
        M = manifolds.Sphere(k=k, seed=None)
    elif name == "flat_torus":
        M = manifolds.FlatTorus(k=k, seed=None)
    else:
        raise ValueError(f"manifold must be one of {COVERAGE_MANIFOLDS} (got {name!r})")
    u = M.sample_intrinsic(n, None, rng)
    if k == 1:
        theta = M.angle(u)
        # expected arc count N delta / pi from 0.25 to 150 (beyond: see coverage_delta_grid)
        deltas = np.minimum(np.geomspace(0.25 * np.pi / n, 150 * np.pi / n, 200), np.pi / 2)
        deltas = np.unique(deltas)
        return {"delta": coverage_scale_circle(theta, c, deltas)}
    deltas = coverage_delta_grid(name, k, n)
    gf = check_int(params.get("grid_factor", 4), "grid_factor", low=1)
    return {"delta": coverage_scale_knn(name, k, u, c, deltas=deltas, grid_factor=gf, rng=rng)}
