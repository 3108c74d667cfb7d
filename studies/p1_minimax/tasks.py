"""Tasks of P1's minimax baseline: W1 of the empirical measure and of minimax density estimators,
and the coverage scale of the empirical measure, on k-dimensional manifolds as functions of N.

Exact transport only (docs/measurement.md, traps 1 and 2):

- k = 1 (closed curves): the geodesic W1 between the law of P_M(sample) and the volume law, in
  closed form through the arc-length chart (``ratesim.metrics.wasserstein_curve_uniform``).
- k >= 2 (:func:`minimax_w1`): exact network simplex (chordal cost in R^d) against a fresh
  population sample of size m = r N. The reference's own error W1(mu_m, mu) ~ c (r N)^(-1/k)
  scales like the signal, so with a fixed ratio r the exponent of N is unchanged (only the
  constant moves, by a factor in [1 - r^(-1/k), 1 + r^(-1/k)] by the triangle inequality;
  :func:`reference_floor`).
- k = 2 up to N = 1e5 (:func:`empirical_w1_k2`): the two-sample W1 between N points and N
  independent reference points, solved exactly by the sparse certified assignment
  (``ratesim.metrics.wasserstein_sparse_exact``).

Coverage scale (geodesic balls, c-coverage, docs/science.md P1): exact on the circle
(``ratesim.metrics.coverage_scale_circle``); on S^k and T^k (k >= 2) :func:`coverage_scale_knn`
takes the supremum over ``grid_factor * N`` random centres with exact ball masses.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.spatial import cKDTree

from ratesim import manifolds
from ratesim._validation import as_generator, as_points, check_in_range, check_int, check_positive
from ratesim.baselines import make_baseline
from ratesim.metrics import (
    cap_fraction,
    coverage_from_ratios,
    coverage_scale_circle,
    wasserstein,
    wasserstein_curve_uniform,
    wasserstein_sparse_exact,
)
from ratesim.study import task

TWO_PI = 2.0 * np.pi
METHODS = ("empirical", "intrinsic_kde", "inertial")
P1_MANIFOLDS = ("sphere", "flat_torus", "holder_graph")
COVERAGE_MANIFOLDS = ("sphere", "flat_torus")
K2_MANIFOLDS = ("flat_torus", "sphere")
HOLDER_BETA = 4.5
HOLDER_EPS = 2.0


# ---------------------------------------------------------------------------------------------
# W1 of the empirical measure and the minimax baselines


def make_manifold_p1(name: str, k: int, d: int | None = None):
    """The manifolds of the W1 study, with a fixed embedding (seed 0).

    ``sphere``: unit S^k in R^d; ``flat_torus``: product of k unit circles in R^d (d >= 2k);
    ``holder_graph``: the graph of eps g_beta over T^k (beta = 4.5, eps = 2.0, within the certified
    reach bound for k <= 4) in R^d (d >= 2k + 1). ``d=None`` is the native dimension.

    The manifold is fixed across cells (the randomness of a cell is the training sample).
    """
    k = check_int(k, "k", low=1)
    if name == "sphere":
        return manifolds.Sphere(k=k, d=d, seed=0)
    if name == "flat_torus":
        return manifolds.FlatTorus(k=k, d=d, seed=0)
    if name == "holder_graph":
        return manifolds.HolderGraph(k=k, beta=HOLDER_BETA, eps=HOLDER_EPS, d=d, seed=0)
    raise ValueError(f"manifold must be one of {P1_MANIFOLDS} (got {name!r})")


def baseline_sample(method: str, manifold, X, n: int, rng) -> np.ndarray:
    """n points from a minimax baseline fitted on the training set X (``ratesim.baselines``).

    ``empirical``: the training set itself (n must equal N: the empirical measure, not a
    resample). ``intrinsic_kde``: kernel density estimate along M with h = N^(-1/(k+4)) (Divol
    2022). ``inertial``: inertial diffusion (Lyu et al. 2025), sigma = N^(-1/(k+4)).
    """
    rng = as_generator(rng)
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS} (got {method!r})")
    if method == "empirical":
        if n != X.shape[0]:
            raise ValueError(f"the empirical measure has N = {X.shape[0]} atoms (got n = {n})")
        return X
    return make_baseline(method, manifold).fit(X).sample(n, rng=rng)


def reference_floor(k: int, r: float) -> float:
    """Relative size r^(-1/k) of the reference error W1(mu_(rN), mu) to W1(mu_N, mu) (k >= 3; for
    k = 2 up to the log factor): the band [1 - f, 1 + f] bounds W1(mu_N, mu_(rN)) / W1(mu_N, mu)
    asymptotically (triangle inequality)."""
    k = check_int(k, "k", low=1)
    r = check_positive(r, "r")
    return float(r ** (-1.0 / k))


@task(metrics=("w1",), choices={"manifold": P1_MANIFOLDS})
def minimax_w1(
    *,
    N: int,
    k: int,
    manifold: str,
    method: str,
    ref_ratio: int,
    rng: np.random.Generator,
    d: int | None = None,
) -> dict[str, float]:
    """W1 of the empirical measure / a minimax baseline's N-point output to mu (exact OT): the
    arc-length closed form at k = 1 (``ref_ratio`` unused), else a network simplex against
    ``ref_ratio * N`` population points."""
    n = check_int(N, "N", low=2)
    k = check_int(k, "k", low=1)
    M = make_manifold_p1(manifold, k, d)
    if M.k != k:
        raise ValueError(f"manifold has k = {M.k}, cell says k = {k}")
    X = M.sample(n, None, rng=rng)
    Y = baseline_sample(method, M, X, n, rng)
    if k == 1:
        return {"w1": wasserstein_curve_uniform(M, Y)}
    r = check_int(ref_ratio, "ref_ratio", low=1)
    ref = M.sample(r * n, None, rng=rng)
    return {"w1": wasserstein(Y, ref, p=1)}


def empirical_w1_k2(n: int, rng, manifold: str = "flat_torus", n_neighbors: int = 8) -> dict:
    """Exact geodesic W1 between N uniform points on a compact 2-manifold and N independent
    uniform reference points (the two-sample empirical W1): the flat torus T^2 = (R / 2 pi Z)^2
    (uniform angles) or the unit sphere S^2 (normalized Gaussians, great-circle distance).

    Parameters
    ----------
    n : int >= 2
    rng : numpy Generator or seed
    manifold : {"flat_torus", "sphere"}
    n_neighbors : int
        Candidate edges per point of the sparse solver (the result does not depend on it: the
        certificate adds every missing optimal edge).

    Returns
    -------
    dict with ``w1`` (exact W1), ``rounds`` (assignment solves), ``added`` (edges added by the
    certificate), ``cand_gap`` (relative excess of the candidate-graph assignment over W1).
    """
    n = check_int(n, "n", low=2)
    rng = as_generator(rng)
    if manifold == "flat_torus":
        X = rng.uniform(0.0, TWO_PI, size=(n, 2))
        Y = rng.uniform(0.0, TWO_PI, size=(n, 2))
        geometry = "torus"
    elif manifold == "sphere":
        G = rng.standard_normal((2, n, 3))
        X, Y = G / np.linalg.norm(G, axis=2, keepdims=True)
        geometry = "sphere"
    else:
        raise ValueError(f"manifold must be one of {K2_MANIFOLDS} (got {manifold!r})")
    res = wasserstein_sparse_exact(X, Y, geometry, n_neighbors=n_neighbors)
    if not res.certified:
        raise RuntimeError("the sparse assignment was not certified optimal")
    return {
        "w1": res.value,
        "rounds": float(res.rounds),
        "added": float(res.n_added),
        "cand_gap": (res.candidate_value - res.value) / res.value,
    }


@task(metrics=("w1", "rounds", "added", "cand_gap"), choices={"manifold": K2_MANIFOLDS})
def empirical_w1_two_sample_k2(
    *, N: int, rng: np.random.Generator, manifold: str = "flat_torus", k: int = 2
) -> dict[str, float]:
    """Exact two-sample W1 of N uniform points on T^2 or S^2 (sparse certified assignment)."""
    if check_int(k, "k", low=1) != 2:
        raise ValueError(f"k must be 2 for this task (got {k!r})")
    return empirical_w1_k2(N, rng, manifold)


# ---------------------------------------------------------------------------------------------
# coverage scale


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


def _delta_grid(deltas, name="deltas") -> np.ndarray:
    deltas = np.sort(np.asarray(deltas, dtype=np.float64).ravel())
    if deltas.size == 0 or not np.all(np.isfinite(deltas)) or deltas[0] <= 0:
        raise ValueError(f"{name} must be a non-empty array of finite values > 0")
    return deltas


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

        def to_geo(chord):
            return 2.0 * np.arcsin(np.minimum(chord / 2.0, 1.0))

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
    return coverage_from_ratios(lo_c / (n * mu), hi_c / (n * mu), deltas, c)


@task(metrics=("delta",), choices={"manifold": COVERAGE_MANIFOLDS})
def coverage_empirical(
    *,
    N: int,
    k: int,
    manifold: str,
    rng: np.random.Generator,
    c: float = 2.0,
    grid_factor: int = 4,
) -> dict[str, float]:
    """Coverage scale delta*(c) of the empirical measure of N uniform points (geodesic balls)."""
    n = check_int(N, "N", low=2)
    k = check_int(k, "k", low=1)
    c = check_in_range(c, "c", low=1.0, low_open=True)
    if manifold == "sphere":
        M = manifolds.Sphere(k=k, seed=None)
    elif manifold == "flat_torus":
        M = manifolds.FlatTorus(k=k, seed=None)
    else:
        raise ValueError(f"manifold must be one of {COVERAGE_MANIFOLDS} (got {manifold!r})")
    u = M.sample_intrinsic(n, None, rng=rng)
    if k == 1:
        theta = M.angle(u)
        # expected arc count N delta / pi from 0.25 to 150 (beyond: see coverage_delta_grid)
        deltas = np.minimum(np.geomspace(0.25 * np.pi / n, 150 * np.pi / n, 200), np.pi / 2)
        deltas = np.unique(deltas)
        return {"delta": coverage_scale_circle(theta, c, deltas)}
    deltas = coverage_delta_grid(manifold, k, n)
    gf = check_int(grid_factor, "grid_factor", low=1)
    return {"delta": coverage_scale_knn(manifold, k, u, c, deltas=deltas, grid_factor=gf, rng=rng)}
