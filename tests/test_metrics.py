"""Tests of ratesim.metrics against results no one here wrote (scipy, POT, closed forms, the
literature's rates) and against the plain-loop twins in tests/naive_metrics.py.

Statistical tolerances: the file makes at most ~40 statistical assertions; each uses a two-sided
z = 4.0 (alpha ~ 6e-5 each, Bonferroni total < 3e-3) unless a derivation next to it says otherwise.
Slope CIs are 99.9 % OLS intervals (statsmodels), widened only by the stated pre-asymptotic bias.
All seeds are fixed, so the outcome is deterministic.
"""

from __future__ import annotations

import functools

import naive_metrics as naive
import numpy as np
import ot
import pytest
import scipy.stats as st
import statsmodels.api as sm
from numpy.testing import assert_allclose
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

from ratesim import metrics as M
from ratesim.densities import Uniform, VonMises, VonMisesFisher
from ratesim.manifolds import FlatTorus, Sphere

Z = 4.0


def ols_slope(x, y, alpha=0.001):
    """Slope of log y on log x with its (1 - alpha) OLS confidence interval."""
    res = sm.OLS(np.log(y), sm.add_constant(np.log(x))).fit()
    lo, hi = res.conf_int(alpha)[1]
    return float(res.params[1]), float(lo), float(hi)


# ----------------------------------------------------------------------------------------------
# exact Wasserstein
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(4))
def test_w1_1d_equals_scipy(seed):
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=37), rng.exponential(size=23)
    a, b = rng.uniform(size=37), rng.uniform(size=23)
    assert_allclose(M.wasserstein_1d(x, y), st.wasserstein_distance(x, y), rtol=1e-10)
    assert_allclose(
        M.wasserstein_1d(x, y, a=a, b=b), st.wasserstein_distance(x, y, a, b), rtol=1e-10
    )
    # the network simplex on the line agrees with the quantile formula
    w_emd = M.wasserstein(x[:, None], y[:, None], a=a, b=b)
    assert_allclose(w_emd, M.wasserstein_1d(x, y, 1, a, b), rtol=1e-10)


def test_w2_1d_equal_sizes_is_sorted_matching():
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=50), rng.normal(1, 2, size=50)
    want = np.sqrt(np.mean((np.sort(x) - np.sort(y)) ** 2))
    assert_allclose(M.wasserstein_1d(x, y, p=2), want, rtol=1e-10)


@pytest.mark.parametrize("p", [1, 2])
def test_emd_equals_linear_sum_assignment(p):
    rng = np.random.default_rng(p)
    X, Y = rng.normal(size=(60, 3)), rng.normal(0.5, 1, size=(60, 3))
    C = cdist(X, Y) ** p
    r, c = linear_sum_assignment(C)
    assert_allclose(M.wasserstein(X, Y, p=p), C[r, c].mean() ** (1 / p), rtol=1e-10)


@pytest.mark.parametrize("seed", range(3))
def test_circle_w_matches_pot_and_network_simplex(seed):
    rng = np.random.default_rng(seed)
    th, ph = rng.uniform(-3, 9, 40), rng.vonmises(1.0, 2.0, 25)
    a, b = rng.uniform(size=40), rng.uniform(size=25)
    a, b = a / a.sum(), b / b.sum()
    u, v = np.mod(th / (2 * np.pi), 1), np.mod(ph / (2 * np.pi), 1)
    D = np.abs(u[:, None] - v[None, :])
    D = np.minimum(D, 1 - D)
    w1 = M.wasserstein_circle(th, ph, a=a, b=b)
    # POT's closed-form solvers (unit circumference; binary search to 1e-12)
    pot_bs = float(np.squeeze(ot.binary_search_circle(u, v, a, b, p=1, eps=1e-12)))
    assert_allclose(w1, 2 * np.pi * pot_bs, rtol=1e-8)
    pot_w = float(np.squeeze(ot.wasserstein_circle(u, v, a, b, p=1)))
    assert_allclose(w1, 2 * np.pi * pot_w, atol=2 * np.pi * 1e-5)  # POT's stopping eps 1e-6
    # and an exact network simplex with the arc-length cost
    assert_allclose(w1, 2 * np.pi * ot.emd2(a, b, D), rtol=1e-10)
    w2 = M.wasserstein_circle(th, ph, p=2, a=a, b=b)
    assert_allclose(w2, 2 * np.pi * np.sqrt(ot.emd2(a, b, D**2)), rtol=1e-7)


def test_w2sq_to_uniform_is_exact_against_naive():
    rng = np.random.default_rng(0)
    for n in (1, 7, 100):
        x = rng.uniform(size=n)
        got = M.wasserstein_1d_population(x, st.uniform(), p=2) ** 2
        assert_allclose(got, naive.w2sq_to_uniform01(x), rtol=1e-12)
    # p = 1 against a dense-grid quantile integral (midpoint rule, error <= 1/(2 * 2e5))
    x = rng.uniform(size=20)
    q = (np.arange(200_000) + 0.5) / 200_000
    want = np.mean(np.abs(np.sort(x)[np.minimum((q * 20).astype(int), 19)] - q))
    assert_allclose(M.wasserstein_1d_population(x, st.uniform(), p=1), want, atol=5e-6)


@pytest.mark.parametrize("n", [10, 100])
def test_expected_w2sq_uniform_is_one_over_6n(n):
    """E W_2^2(mu_N, U[0,1]) = 1/(6N). Over R = 400 replicates the sample mean has standard
    error s/sqrt(R); |mean - 1/(6N)| <= Z se. Negative control: a sample shifted by c = 0.1 has
    W_2^2 = W_2^2(unshifted) + c^2 + (cross term of mean ~0), i.e. +1e-2 on the mean: > 15 se at
    N = 10 (sd ~ 0.02, se ~ 1e-3) and far more at N = 100: it must fail."""
    rng = np.random.default_rng(n)
    R = 400
    vals = np.array(
        [M.wasserstein_1d_population(rng.uniform(size=n), st.uniform(), p=2) ** 2 for _ in range(R)]
    )
    se = vals.std(ddof=1) / np.sqrt(R)
    assert abs(vals.mean() - 1 / (6 * n)) <= Z * se
    shifted = np.array(
        [
            M.wasserstein_1d_population(rng.uniform(size=n) + 0.1, st.uniform(), p=2) ** 2
            for _ in range(R)
        ]
    )
    assert abs(shifted.mean() - 1 / (6 * n)) > Z * shifted.std(ddof=1) / np.sqrt(R)


def test_population_references_exact_values():
    """Dirac at a point vs the uniform law: on the circle W_1 = E|geodesic| = pi/2; on S^2 (chordal,
    quadrature) W_1 = E|x - n| = int_0^pi 2 sin(t/2) sin(t)/2 dt = 4/3; both up to the stated
    resolution of the discretized population."""
    C = Sphere(k=1, d=6, seed=3)
    x = C.embed(np.array([[1.0, 0.0]]))
    r = M.wasserstein_to_population(C, x)
    assert r.method == "circle-geodesic" and r.floor is None
    assert abs(r.value - np.pi / 2) <= r.resolution
    S2 = Sphere(k=2, d=5, seed=1)
    x = S2.embed(np.array([[0.0, 0.0, 1.0]]))
    r = M.wasserstein_to_population(S2, x, density=Uniform(), n_quad=64)
    assert r.method == "quadrature-emd"
    assert abs(r.value - 4 / 3) <= r.resolution
    with pytest.raises(ValueError, match="wasserstein_to_reference"):
        M.wasserstein_to_population(Sphere(k=3, d=4), Sphere(k=3, d=4).sample(5, None, rng=0))


def test_population_circle_with_density_and_projection():
    """Samples off M are projected; a large von Mises sample is close to its population (the
    N^-1/2 scale: E W_1 ~ 0.5 sqrt(2 pi)/sqrt(N) ~ 0.03 at N = 4000) and far from the uniform."""
    C = Sphere(k=1, d=4, seed=2)
    rng = np.random.default_rng(0)
    vm = VonMises(kappa=4.0, mean=1.0)
    X = C.sample(4000, vm, rng=rng)
    X_off = X * 1.1  # radial offset: same projection
    near = M.wasserstein_to_population(C, X_off, vm).value
    assert near < 0.1
    assert_allclose(near, M.wasserstein_to_population(C, X, vm).value, rtol=1e-12)
    assert M.wasserstein_to_population(C, X).value > 5 * near


def test_floor_reference_size_and_two_sample():
    S = Sphere(k=2, d=4, seed=0)
    metric = M.wasserstein
    f_small = M.sampling_floor(metric, S, None, 64, 64, rng=0, reps=4)
    f_big = M.sampling_floor(metric, S, None, 512, 512, rng=1, reps=4)
    assert f_big.mean < f_small.mean and f_big.se > 0
    rs = M.choose_reference_size(S, None, target=0.5, rng=2, m_min=64, m_max=1024)
    assert rs.ok and rs.floor + 2 * rs.floor_se <= rs.ratio * rs.target
    bad = M.choose_reference_size(S, None, target=1e-3, rng=3, m_min=64, m_max=256)
    assert not bad.ok and bad.m == 256
    # a sample from the population itself sits at the floor: |value - floor| <= Z sd, sd from
    # the floor repetitions (sd = se sqrt(reps)), plus Z se for the floor's own error
    X = S.sample(256, None, rng=4)
    r = M.wasserstein_to_reference(X, S, None, m=256, rng=5, floor_reps=6)
    assert abs(r.value - r.floor) <= Z * r.floor_se * np.sqrt(6) + Z * r.floor_se
    # a sample from a very different law is far above it
    Y = S.embed(np.tile([[0.0, 0.0, 1.0]], (256, 1)))
    r2 = M.wasserstein_to_reference(Y, S, None, m=256, rng=6)
    assert r2.value > 5 * r2.floor


# ----------------------------------------------------------------------------------------------
# intrinsic-dimension invariance of the exact W_1 rate (docs/measurement.md, trap 3)
# ----------------------------------------------------------------------------------------------
PRE_ASYMPTOTIC = 0.05  # allowed gap between the fitted and the theoretical local slope (trap 3)


def _theory_slope(kind, Ns):
    """OLS slope of the theoretical curve over the same N grid: -1/2 (k = 1), the local slope of
    sqrt(log N / N) (k = 2: -0.38 to -0.43 over 64..1024), -1/3 (k = 3)."""
    Ns = np.asarray(Ns, dtype=float)
    if kind == 2:
        return ols_slope(Ns, np.sqrt(np.log(Ns) / Ns))[0]
    return -1.0 / kind


def _check_slope(s, lo, hi, theory):
    assert lo - PRE_ASYMPTOTIC <= theory <= hi + PRE_ASYMPTOTIC, (s, lo, hi, theory)


def test_w1_rate_circle_independent_of_ambient_dimension():
    """E W_1(mu_N, mu) on S^1 in R^d, d in {2, 10, 50}, population reference (circle closed form
    after projecting the embedded samples): independent samples per d, 12 seeds per N over
    2.1 decades. Slopes match -1/2; the three CIs overlap; negative control: -1/3 (a k = 3 rate)
    is outside each CI."""
    Ns = [32, 64, 128, 256, 512, 1024, 2048, 4096]
    cis = []
    for d in (2, 10, 50):
        C = Sphere(k=1, d=d, seed=d)
        rng = np.random.default_rng(100 + d)
        NN, V = [], []
        for N in Ns:
            for _ in range(12):
                X = C.sample(N, None, rng=rng)
                V.append(M.wasserstein_to_population(C, X, n_quad=1 << 14).value)
                NN.append(N)
        s, lo, hi = ols_slope(NN, V)
        _check_slope(s, lo, hi, -0.5)
        assert not (lo <= -1 / 3 <= hi)
        cis.append((lo, hi))
    assert max(c[0] for c in cis) <= min(c[1] for c in cis)  # all CIs overlap


def _two_sample_w1(manifolds, Ns, R, seed, native_dim):
    """W_1(mu_N, mu'_N) between two independent N-samples (E W_1(mu_N, mu) <= this <= 2 E W_1(mu_N,
    mu), so the same rate). The samples are drawn once in native coordinates and embedded in
    every R^d of ``manifolds`` by its random isometry; the exact solver's input (the cost matrix)
    is checked equal across the embeddings, and the W_1 is solved on the largest-d embedding."""
    rng = np.random.default_rng(seed)
    NN, V = [], []
    for N in Ns:
        for _ in range(R):
            u, v = (manifolds[0].sample_intrinsic(N, None, rng=rng) for _ in range(2))
            costs = [cdist(m.embed(u), m.embed(v)) for m in manifolds]
            for C in costs[1:]:
                assert_allclose(C, costs[0], rtol=1e-10, atol=1e-12)
            assert costs[0].shape == (N, N) and manifolds[-1].d >= native_dim
            V.append(M.wasserstein(manifolds[-1].embed(u), manifolds[-1].embed(v)))
            NN.append(N)
    return np.array(NN), np.array(V)


@pytest.mark.parametrize(
    "kind, make, dims",
    [
        (2, lambda d: Sphere(k=2, d=d, seed=d), (3, 10, 50)),
        # the flat T^3 lives in R^6 (it has no isometric embedding in R^4 = R^(k+1))
        (3, lambda d: FlatTorus(k=3, d=d, seed=d), (6, 10, 50)),
    ],
)
def test_w1_rate_sphere_torus_invariant_quick(kind, make, dims):
    """Quick version: S^2 and T^3 embedded in three ambient dimensions; same native samples, so
    the rate is the same by isometry invariance (checked on the solver's input), and the fitted
    slope matches the theory (k = 2: local slope of sqrt(log N / N); k = 3: -1/3) within the
    pre-asymptotic tolerance. Negative control: the parametric -1/2 is outside the CI."""
    Ns = [64, 128, 256, 512, 1024]
    mans = [make(d) for d in dims]
    NN, V = _two_sample_w1(mans, Ns, 8, kind, native_dim=mans[0].native_dim)
    s, lo, hi = ols_slope(NN, V)
    _check_slope(s, lo, hi, _theory_slope(kind, Ns))
    assert lo > -0.5  # the parametric -1/2 is excluded


@pytest.mark.slow
@pytest.mark.parametrize(
    "kind, make, dims",
    [
        (2, lambda d: Sphere(k=2, d=d, seed=d), (3, 10, 50)),
        (3, lambda d: FlatTorus(k=3, d=d, seed=d), (6, 10, 50)),
    ],
)
def test_w1_rate_sphere_torus_invariant_full(kind, make, dims):
    """Full version: independent samples for every d, N over 1.8 decades, 10 seeds; slopes
    match theory within the pre-asymptotic tolerance and the three CIs overlap."""
    Ns = [64, 128, 256, 512, 1024, 2048, 4096]
    cis = []
    for d in dims:
        m = make(d)
        NN, V = _two_sample_w1([m], Ns, 10, 1000 + d, native_dim=m.native_dim)
        s, lo, hi = ols_slope(NN, V)
        _check_slope(s, lo, hi, _theory_slope(kind, Ns))
        cis.append((lo, hi))
    assert max(c[0] for c in cis) <= min(c[1] for c in cis)


def test_guard_parametric_metrics_on_k4():
    """On k = 4 data (uniform S^4 in R^8, N = 100..1200, 4 seeds) between two independent
    N-samples: the MMD (V-statistic root) and sliced W_1 decay like N^-1/2 (CI contains -1/2 up
    to 0.05 and excludes -1/4), the exact W_1 like N^-1/4 (CI within [-0.35, -0.2], so -1/2 is
    excluded). A "W" that is secretly parametric fails the W_1 half; a control that is not
    parametric fails the other. Measured: W_1 -0.26 (-0.28, -0.24), MMD -0.56 (-0.75, -0.37),
    sliced -0.54 (-0.69, -0.39)."""
    S4 = Sphere(k=4, d=8, seed=4)
    rng = np.random.default_rng(44)
    NN, W, D, SW = [], [], [], []
    for N in [100, 200, 400, 800, 1200]:
        for r in range(4):
            X, Y = S4.sample(N, None, rng=rng), S4.sample(N, None, rng=rng)
            NN.append(N)
            W.append(M.wasserstein(X, Y))
            D.append(np.sqrt(M.mmd2(X, Y, bandwidth=1.0, unbiased=False)))
            SW.append(M.sliced_wasserstein(X, Y, p=1, n_projections=100, rng=r))
    for vals in (D, SW):
        s, lo, hi = ols_slope(NN, vals)
        assert lo - 0.05 <= -0.5 <= hi + 0.05 and hi < -0.25, (s, lo, hi)
    s, lo, hi = ols_slope(NN, W)
    assert -0.35 <= lo and hi <= -0.2, (s, lo, hi)


# ----------------------------------------------------------------------------------------------
# parametric controls
# ----------------------------------------------------------------------------------------------
def test_mmd2_matches_naive_twin():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(15, 3)), rng.normal(0.3, 1, size=(12, 3))
    for unb in (True, False):
        assert_allclose(
            M.mmd2(X, Y, bandwidth=0.7, unbiased=unb), naive.mmd2(X, Y, 0.7, unb), rtol=1e-10
        )
    h = M.median_bandwidth(X, Y)
    assert_allclose(M.mmd2(X, Y), naive.mmd2(X, Y, h, True), rtol=1e-10)


def test_mmd2_unbiased_is_centred_under_null():
    """U-statistic: E = 0 under H0. R = 300 replicates, |mean| <= Z se. Negative control: a shift
    of 0.5 gives a mean far above (> Z se)."""
    rng = np.random.default_rng(1)
    null = np.array(
        [M.mmd2(rng.normal(size=(40, 2)), rng.normal(size=(40, 2)), 1.0) for _ in range(300)]
    )
    assert abs(null.mean()) <= Z * null.std(ddof=1) / np.sqrt(300)
    alt = np.array(
        [M.mmd2(rng.normal(size=(40, 2)), rng.normal(0.5, 1, (40, 2)), 1.0) for _ in range(300)]
    )
    assert alt.mean() > Z * alt.std(ddof=1) / np.sqrt(300)


def test_sliced_in_1d_equals_exact_and_sinkhorn_divergence():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(30, 1)), rng.normal(1, 1, size=(25, 1))
    # in d = 1 every direction is +-1, so sliced W_p is W_p
    assert_allclose(M.sliced_wasserstein(x, y, p=2, rng=0), M.wasserstein_1d(x, y, p=2), rtol=1e-10)
    X = rng.normal(size=(40, 2))
    assert abs(M.sinkhorn_divergence(X, X, reg=0.1)) < 1e-8
    # a translation by t: W_2^2 = |t|^2 = 0.25; the debiased divergence at small eps approaches it
    sd = M.sinkhorn_divergence(X, X + [0.5, 0.0], reg=0.05)
    assert abs(sd - 0.25) < 0.02


# ----------------------------------------------------------------------------------------------
# geometry
# ----------------------------------------------------------------------------------------------
def test_distance_and_hausdorff_exact():
    S = Sphere(k=2, d=5, seed=1)
    rng = np.random.default_rng(0)
    u = S.sample_intrinsic(200, None, rng=rng)
    r = rng.uniform(0, 0.1, 200)
    X = S.embed(u) * (1 + r)[:, None]  # radial offsets: dist to M is exactly r
    ds = M.distance_to_manifold(S, X, quantiles=(0.5, 1.0))
    assert_allclose(ds.mean, r.mean(), rtol=1e-12)
    assert_allclose(ds.quantiles[1.0], r.max(), rtol=1e-12)
    assert_allclose(ds.quantiles[0.5], np.median(r), rtol=1e-12)
    h = M.hausdorff(S, X, rng=0)
    assert_allclose(h.precision, r.max(), rtol=1e-12)
    # upper half-circle only: the point (0, -1) is sqrt(2) from the nearest sample (+-1, 0)
    C = Sphere(k=1, d=3, seed=0)
    t = np.linspace(0, np.pi, 1001)
    half = C.embed(np.stack([np.cos(t), np.sin(t)], 1))
    hc = M.hausdorff(C, half, n_grid=1024, rng=0)
    assert_allclose(hc.recall, np.sqrt(2), rtol=1e-12)
    assert hc.precision < 1e-12 and hc.grid == "quadrature"


def test_cap_fraction_matches_quadrature():
    from ratesim.metrics._geometry import _cap_fraction

    for k in (1, 2, 3, 4):
        for de in (0.01, 0.5, 1.5, 2.5, np.pi):
            got = _cap_fraction(k, np.array([de]))[0]
            assert_allclose(got, naive.cap_fraction(k, de), rtol=1e-8)


def _naive_delta_star(manifold, X, deltas, c, mu_fn, per):
    u_grid, _ = manifold.quadrature(per)
    us = manifold.project(X).u
    n = X.shape[0]
    worst_ok = []
    for de in deltas:
        ok = True
        for y in u_grid:
            d = np.arccos(np.clip(us @ y, -1, 1)) if manifold.k >= 1 else None
            nu = naive.ball_masses(d, [de], np.full(n, 1 / n))[0]
            mu = mu_fn(de)
            if not (mu > 0 and nu > 0 and 1 / c <= nu / mu <= c):
                ok = False
                break
        worst_ok.append(ok)
    worst_ok = np.array(worst_ok)
    bad = np.nonzero(~worst_ok)[0]
    return deltas[0] if bad.size == 0 else deltas[bad.max() + 1]


def test_coverage_scale_matches_naive_definition():
    """Grid path (k >= 2): S^2 with closed-form caps, against the definition on the same grid."""
    S = Sphere(k=2, d=4, seed=0)
    X = S.sample(80, None, rng=3)
    deltas = np.geomspace(0.05, np.pi, 40)
    got = M.coverage_scale(S, X, c=2.0, deltas=deltas, n_grid=64, n_boot=0, rng=0)
    want = _naive_delta_star(S, X, deltas, 2.0, lambda de: (1 - np.cos(de)) / 2, 8)
    assert got.delta == want and got.ball == "geodesic" and got.mu_method == "closed-form"
    # the quadrature route for mu(B) agrees with the closed form (a uniform given as VonMises(0))
    q = M.coverage_scale(S, X, VonMisesFisher(kappa=0.0), deltas=deltas, n_grid=64, n_boot=0, rng=0)
    assert q.mu_method == "quadrature" and q.delta == want
    b = M.coverage_scale(S, X, deltas=deltas, n_grid=64, n_boot=30, rng=1)
    assert b.delta == want and np.isfinite(b.se) and b.se > 0


def _naive_curve_delta_star(manifold, X, density, deltas, c, n_dense=4000):
    """Definition of delta* on a closed curve with every centre y checked by brute force: arc
    positions s of the samples, centres = a dense grid plus the event positions s_i +- delta
    (each nudged by +-1e-12 to see the closed and the open arc), counts by direct comparison,
    mu(B) from the arc-length CDF of the quadrature (the metric's own F, checked separately)."""
    from ratesim.metrics._geometry import _curve_cdfs

    tt, S, F = _curve_cdfs(manifold, density, None)
    L = S[-1]
    s = np.interp(manifold.angle(manifold.project(X).u), tt, S)

    def cdf(x):
        q = np.floor(x / L)
        return np.interp(x - q * L, S, F) + q

    for j in range(deltas.size - 1, -1, -1):  # delta* = the grid value above the largest failure
        de = deltas[j]
        if 2 * de >= L:
            continue
        ys = [np.linspace(0, L, n_dense, endpoint=False)]
        for off in (de, -de):
            for eps in (1e-12, -1e-12):
                ys.append(np.mod(s + off + eps, L))
        ok = True
        for y in np.concatenate(ys):
            gap = np.abs(np.mod(s - y + L / 2, L) - L / 2)  # wrapped arc-length distance
            nu = np.count_nonzero(gap <= de) / s.size
            mu = cdf(y + de) - cdf(y - de)
            if not 1 / c <= nu / mu <= c:
                ok = False
                break
        if not ok:
            return deltas[j + 1] if j + 1 < deltas.size else np.inf
    return deltas[0]


def test_coverage_scale_on_curves_is_the_exact_supremum():
    """k = 1 path: the supremum over all centres (events), not a grid. (i) uniform circle: equal
    to the exact atom-based formula ratesim.metrics.coverage_scale_circle (tested against a
    naive twin in test_metrics_curves.py) and never below a grid-only supremum; (ii) a Holder
    curve with a non-uniform (von Mises) and a discontinuous (piecewise-constant) law: equal to
    the brute-force definition; (iii) arc length L = the curve's volume."""
    from ratesim.densities import PiecewiseConstant
    from ratesim.manifolds import HolderCurve
    from ratesim.metrics import coverage_scale_circle
    from ratesim.metrics._geometry import _curve_cdfs

    C = Sphere(k=1, d=3, seed=0)
    deltas = np.geomspace(0.005, np.pi, 120)
    for n in (60, 500):
        X = C.sample(n, None, rng=n)
        got = M.coverage_scale(C, X, deltas=deltas, n_boot=0, rng=0)
        theta = C.angle(C.project(X).u)
        assert got.delta == coverage_scale_circle(theta, 2.0, deltas[deltas <= np.pi / 2])
        assert got.ball == "geodesic" and got.grid_size == 2 * n
        grid_only = _naive_delta_star(C, X, deltas, 2.0, lambda de: min(de / np.pi, 1.0), 64)
        assert got.delta >= grid_only
    H = HolderCurve(beta=2.5, eps=0.1, d=3, seed=1)
    _, S, _ = _curve_cdfs(H, None, None)
    assert_allclose(S[-1], H.volume, rtol=1e-9)
    deltas = np.geomspace(0.01, H.volume / 2, 60)
    for dens in (VonMises(kappa=0.5), PiecewiseConstant(levels=[1.0, 2.0, 1.5])):
        X = H.sample(150, dens, rng=5)
        got = M.coverage_scale(H, X, dens, deltas=deltas, n_boot=0, rng=0)
        assert got.delta == _naive_curve_delta_star(H, X, dens, deltas, 2.0)
        assert got.mu_method == "arc-length quadrature"
    # bootstrap on the curve path: finite, positive standard error; the point estimate unchanged
    b = M.coverage_scale(H, X, dens, deltas=deltas, n_boot=20, rng=2)
    assert b.delta == got.delta and np.isfinite(b.se) and b.se > 0


def test_comparability_is_the_coverage_scales_and_constants_it_names():
    """metrics.comparability against its definition, coverage_scale called directly: the three
    scales, their ratios, the constants at fixed radii; the training set against itself has ratio
    1 exactly; samples on half of the curve leave balls empty, censored at log m and counted."""
    from ratesim.manifolds import HolderCurve

    H = HolderCurve(beta=2.5, eps=0.1, d=2, seed=1)
    dens = VonMises(kappa=1.0)
    X, Y, R = (H.sample(n, dens, rng=s) for n, s in ((200, 1), (900, 2), (900, 3)))
    got = M.comparability(H, Y, X, R, dens, c=2.0, radii=(0.3, 0.1), rng=4)
    direct = [M.coverage_scale(H, Z, dens, c=2.0, n_boot=0, rng=4).delta for Z in (Y, R, X)]
    assert [got.delta, got.delta_floor, got.delta_train] == direct
    assert got.ratio == direct[0] / direct[2] and got.ratio_floor == direct[1] / direct[2]
    for Z, log_c in ((Y, got.log_c), (R, got.log_c_floor)):
        assert sorted(log_c) == [0.1, 0.3]
        for r, v in log_c.items():
            want = M.coverage_scale(H, Z, dens, c=1e300, deltas=[r], n_boot=0, rng=4).worst[0]
            assert v == want and 0 < v < np.log(2.0) * 10
    assert got.empty_balls == 0 and got.c == 2.0
    assert M.comparability(H, X, X, R, dens, rng=0).ratio == 1.0
    half = Y[H.angle(H.project(Y).u) % (2 * np.pi) < np.pi]
    cut = M.comparability(H, half, X, R, dens, radii=(0.1,), rng=0)
    assert cut.empty_balls == 1 and cut.log_c[0.1] == np.log(half.shape[0])
    with pytest.raises(ValueError, match="radii must be"):
        M.comparability(H, Y, X, R, dens, radii=(), rng=0)
    with pytest.raises(ValueError, match="c must be"):
        M.comparability(H, Y, X, R, dens, c=1.0, rng=0)


def test_coverage_scale_of_empirical_measure_shrinks_like_logn_over_n():
    """delta*(N) of mu_N on S^1 (k = 1, geodesic balls, exact mu) against (log N / N)^(1/k):
    the fitted slope's 99.9 % CI contains 1/k = 1 (grid of N points, so the supremum over y sees
    the log N of the union bound). Negative control: a von Mises(4) sample never covers the
    uniform law, delta* stays above 1 radian."""
    C = Sphere(k=1, d=4, seed=1)
    rng = np.random.default_rng(7)
    NN, D = [], []
    for N in [150, 300, 600, 1200]:
        for _ in range(4):
            D.append(
                M.coverage_scale(C, C.sample(N, None, rng=rng), n_grid=N, n_boot=0, rng=0).delta
            )
            NN.append(N)
    NN = np.array(NN, dtype=float)
    s, lo, hi = ols_slope(np.log(NN) / NN, D)
    assert lo <= 1.0 <= hi, (s, lo, hi)
    bad = M.coverage_scale(
        C, C.sample(1600, VonMises(kappa=4.0), rng=rng), n_grid=400, n_boot=0, rng=0
    )
    assert bad.delta > 1.0


@pytest.mark.slow
def test_coverage_scale_rate_on_s2():
    """k = 2, closed-form caps: slope against log N / N contains 1/2."""
    S = Sphere(k=2, d=3, seed=0)
    rng = np.random.default_rng(8)
    NN, D = [], []
    for N in [250, 500, 1000, 2000, 4000]:
        for _ in range(4):
            D.append(
                M.coverage_scale(S, S.sample(N, None, rng=rng), n_grid=N, n_boot=0, rng=0).delta
            )
            NN.append(N)
    NN = np.array(NN, dtype=float)
    s, lo, hi = ols_slope(np.log(NN) / NN, D)
    assert lo <= 0.5 <= hi, (s, lo, hi)


def test_coverage_on_flat_torus_uses_geodesic_balls():
    T = FlatTorus(k=2, d=5, seed=0)
    X = T.sample(200, None, rng=0)
    r = M.coverage_scale(T, X, n_grid=100, n_quad=40, n_boot=0, rng=0)
    assert r.ball == "geodesic" and r.mu_method == "quadrature" and 0 < r.delta < np.pi


# ----------------------------------------------------------------------------------------------
# memorization and novelty
# ----------------------------------------------------------------------------------------------
def test_memorization_copies_vs_fresh():
    S = Sphere(k=2, d=6, seed=0)
    rng = np.random.default_rng(0)
    X, H, Y = (
        S.sample(1000, None, rng=rng),
        S.sample(1000, None, rng=rng),
        S.sample(1000, None, rng=rng),
    )
    copies = M.memorization(X[rng.integers(0, 1000, 500)], X, heldout=H)
    assert copies.memorized_fraction == 1.0 and copies.novelty_ratio == 0.0
    assert copies.ks_pvalue < 1e-10
    fresh = M.memorization(Y, X, heldout=H)
    # both fractions are binomial(1000, f); their difference has sd <= sqrt(2 * 0.25 / 1000)
    assert abs(fresh.memorized_fraction - fresh.heldout_memorized_fraction) <= Z * np.sqrt(
        0.5 / 1000
    )
    assert fresh.ks_pvalue > 1e-4 and 0.8 < fresh.novelty_ratio < 1.25
    d1, d2 = M.nearest_training_distances(Y[:5], X)
    D = np.sort(cdist(Y[:5], X), axis=1)
    assert_allclose(d1, D[:, 0], rtol=1e-12) and assert_allclose(d2, D[:, 1], rtol=1e-12)


def test_paired_similarity():
    rng = np.random.default_rng(1)
    A = rng.normal(size=(2000, 3))
    same = M.paired_similarity(A, A + 1e-6)
    assert same.ratio < 1e-5 and same.close_fraction == 1.0
    indep = M.paired_similarity(A, rng.normal(size=(2000, 3)))
    # both means are over 2000 i.i.d. distances (sd/mean ~ 0.4): the ratio is 1 +- Z * 0.4 *
    # sqrt(2 / 2000) = 1 +- 0.05
    assert abs(indep.ratio - 1) < 0.05 and indep.close_fraction < 0.01


# ----------------------------------------------------------------------------------------------
# the law on M
# ----------------------------------------------------------------------------------------------
def test_binned_divergence_matches_naive_and_floor():
    C = Sphere(k=1, d=3, seed=0)
    rng = np.random.default_rng(0)
    X = C.sample(500, None, rng=rng)
    B = 16
    r = M.binned_divergence(C, X, bins=B)
    cnt, _ = np.histogram(M.intrinsic_angles(C, X), bins=B, range=(0, 2 * np.pi))
    tv, kl = naive.binned_tv_kl(cnt, np.full(B, 1 / B))
    assert_allclose([r.tv, r.kl], [tv, kl], rtol=1e-10)
    assert_allclose(r.kl_floor, (B - 1) / (2 * 500))
    # floors under the null: mean over R = 300 replicates within Z se + the normal-approximation
    # error of E|Binomial - np| (relative O(1/(n q)) = 1/31 ~ 3 %) and of the chi^2 KL bias
    # (relative O(B/n) ~ 3 %); allow 6 %
    R = 300
    reps = [M.binned_divergence(C, C.sample(500, None, rng=rng), bins=B) for _ in range(R)]
    for raw, floor in (("tv", "tv_floor"), ("kl", "kl_floor")):
        v = np.array([getattr(x, raw) for x in reps])
        f = getattr(reps[0], floor)
        assert abs(v.mean() - f) <= Z * v.std(ddof=1) / np.sqrt(R) + 0.06 * f, (raw, v.mean(), f)
    # a von Mises sample is far from uniform after the correction
    vm = M.binned_divergence(C, C.sample(500, VonMises(kappa=2.0), rng=rng), bins=B)
    assert vm.tv_corrected > 0.3 and vm.kl_corrected > 0.5
    # reference-sample form
    rr = M.binned_divergence(C, X, bins=B, reference=C.sample(800, None, rng=rng))
    assert rr.m == 800
    assert_allclose(rr.kl_floor, (B - 1) / 2 * (1 / rr.n + 1 / rr.m))


def test_kuiper_statistic_pvalue_and_calibration():
    rng = np.random.default_rng(3)
    t = rng.uniform(0, 2 * np.pi, 77)
    res = M.uniformity_tests(t)
    assert_allclose(res.kuiper_stat, naive.kuiper_stat(t / (2 * np.pi)), rtol=1e-12)
    assert_allclose(res.ks_stat, st.kstest(t / (2 * np.pi), "uniform").statistic, rtol=1e-12)
    # rotation invariance of Kuiper's V
    assert_allclose(M.uniformity_tests(t + 1.234).kuiper_stat, res.kuiper_stat, rtol=1e-10)
    # Stephens' (1970) table: upper 10 %, 5 %, 1 % points of the modified V are 1.620, 1.747, 2.001
    n = 50
    for crit, alpha in ((1.620, 0.10), (1.747, 0.05), (2.001, 0.01)):
        v = crit / (np.sqrt(n) + 0.155 + 0.24 / np.sqrt(n))
        assert abs(M.kuiper_pvalue(v, n) - alpha) < 0.002 * max(1, alpha / 0.01)
    # calibration under H0: P(p < 0.05) = 0.05, R = 400, sd = sqrt(0.05 * 0.95 / 400) = 0.011
    ps = [M.uniformity_tests(rng.uniform(0, 2 * np.pi, 60)).kuiper_pvalue for _ in range(400)]
    ps = np.array(ps)
    assert abs(np.mean(ps < 0.05) - 0.05) <= Z * 0.011
    # power: von Mises(kappa = 1), n = 200
    assert M.uniformity_tests(rng.vonmises(0, 1.0, 200)).kuiper_pvalue < 1e-4
    cdf = lambda x: np.mod(x, 2 * np.pi) / (2 * np.pi)  # noqa: E731
    assert_allclose(M.uniformity_tests(t, cdf=cdf).kuiper_stat, res.kuiper_stat, rtol=1e-12)


def test_density_ratio_curve_bands():
    """Under the null the simultaneous 95 % band holds all bins at once in >= 95 % of replicates
    (Wilson + Bonferroni is conservative); R = 200, sd = sqrt(.05 * .95 / 200) = 0.015."""
    C = Sphere(k=1, d=3, seed=0)
    rng = np.random.default_rng(4)
    inside = []
    for _ in range(200):
        r = M.density_ratio_curve(C, C.sample(400, None, rng=rng), bins=16)
        inside.append(np.all((r.lower <= 1) & (1 <= r.upper)))
    assert np.mean(inside) >= 0.95 - Z * 0.015
    vm = M.density_ratio_curve(C, C.sample(2000, VonMises(kappa=2.0, mean=0.0), rng=rng), bins=16)
    assert vm.lower[0] > 1 and vm.upper[8] < 1  # excess at angle 0, deficit at pi


# ----------------------------------------------------------------------------------------------
# intrinsic dimension
# ----------------------------------------------------------------------------------------------
def test_flipd_empirical_matches_naive_and_generic():
    from ratesim.scores import EmpiricalScore

    rng = np.random.default_rng(0)
    X, x = rng.normal(size=(40, 3)), rng.normal(size=(6, 3))
    for sigma in (0.05, 0.3, 2.0):
        assert_allclose(
            M.flipd_empirical(X, x, sigma), naive.flipd_empirical(X, x, sigma), rtol=1e-10
        )
    # generic central-difference FLIPD of the empirical score equals the closed form
    est = EmpiricalScore().fit(X)
    assert_allclose(M.flipd(est, x, 0.3), M.flipd_empirical(X, x, 0.3), rtol=1e-6)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_flipd_on_affine_subspace_recovers_k(k):
    """N uniform points in [0,1]^k placed affinely in R^10; sigma = 0.08 is above the spacing
    N^(-1/k) for the N used and 5 sigma from the boundary for queries in [0.4, 0.6]^k: the
    median FLIPD is k within 0.2. Negative control: at the training points with sigma far below
    the spacing FLIPD ~ 0."""
    rng = np.random.default_rng(k)
    N = {1: 500, 2: 3000, 3: 20000}[k]
    d = 10
    frame = np.linalg.qr(rng.normal(size=(d, k)))[0]
    off = rng.normal(size=d)
    X = rng.uniform(size=(N, k)) @ frame.T + off
    q = rng.uniform(0.4, 0.6, size=(40, k)) @ frame.T + off
    assert abs(np.median(M.flipd_empirical(X, q, 0.08)) - k) < 0.2
    assert np.median(M.flipd_empirical(X, X[:40], 1e-4)) < 0.2


def test_flipd_plateau_on_circle_and_sphere():
    """Exact population scores of the uniform S^1 and S^2 (docs/science.md closed form): the FLIPD
    plateau sits at k within 0.1; the empirical measure (held-out queries) within 0.2."""
    sig = np.geomspace(1e-3, 3.0, 30)
    rng = np.random.default_rng(5)
    for k, N in ((1, 2000), (2, 6000)):
        S = Sphere(k=k, d=k + 1, seed=None)
        q = S.sample(30, None, rng=rng)
        r = M.flipd_dimension(None, q, sig, score=naive.sphere_uniform_score)
        assert abs(r.dimension - k) < 0.1, r
        X = S.sample(N, None, rng=rng)
        e = M.flipd_dimension(X, q, sig)
        assert abs(e.dimension - k) < 0.2, e
        assert e.plateau[0] > sig[0] and e.plateau[1] < sig[-1]


def test_svd_dimension_with_exact_score():
    """Sphere S^2 embedded in R^6: exact score = native sphere score + (-residual / sigma^2) on
    the 3 extra normal coordinates; at small sigma the normal space has 4 dimensions, so k = 2.
    Negative control: at sigma = 3 (larger than M) the gap is gone from where it should be."""
    S = Sphere(k=2, d=6, seed=2)

    def score(x, sigma):
        y, resid = S.to_native(x)
        return naive.sphere_uniform_score(y, sigma) @ S.frame.T - resid / sigma**2

    x0 = S.sample(5, None, rng=0)
    r = M.svd_dimension(score, x0, 0.01, rng=1)
    assert np.all(r.dimension == 2) and np.all(r.gap > 2)
    C = Sphere(k=1, d=2, seed=None)
    rc = M.svd_dimension(naive.sphere_uniform_score, C.sample(3, None, rng=0), 0.01, rng=2)
    assert np.all(rc.dimension == 1)


# ----------------------------------------------------------------------------------------------
# bad input
# ----------------------------------------------------------------------------------------------
def test_bad_input_is_a_clear_error():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(5, 3)), rng.normal(size=(4, 2))
    with pytest.raises(ValueError, match="same dimension"):
        M.wasserstein(X, Y)
    with pytest.raises(ValueError, match="at least one point"):
        M.wasserstein(np.empty((0, 3)), X)
    with pytest.raises(ValueError, match="a must be >= 0"):
        M.wasserstein(X, X, a=[1, -1, 1, 1, 1])
    with pytest.raises(ValueError, match="b must be a 1-D array of length 5"):
        M.wasserstein(X, X, b=[1, 1])
    with pytest.raises(ValueError, match="positive total mass"):
        M.wasserstein(X, X, a=np.zeros(5))
    Xn = X.copy()
    Xn[1, 1] = np.nan
    sliced = functools.partial(M.sliced_wasserstein, rng=0)
    for f in (M.wasserstein, M.mmd2, sliced, M.sinkhorn_divergence):
        with pytest.raises(ValueError, match="finite"):
            f(Xn, X)
    with pytest.raises(ValueError, match="p must be"):
        M.wasserstein(X, X, p=0.5)
    with pytest.raises(ValueError, match="finite"):
        M.wasserstein_1d([0.0, np.nan], [1.0])
    with pytest.raises(ValueError, match="at least one value"):
        M.wasserstein_circle([], [1.0])
    with pytest.raises(ValueError, match="a must be >= 0"):
        M.wasserstein_circle([0.0, 1.0], [1.0], a=[-1, 2])
    S = Sphere(k=2, d=5, seed=0)
    with pytest.raises(ValueError, match="d = 5"):
        M.distance_to_manifold(S, X)
    with pytest.raises(ValueError, match="c must be"):
        M.coverage_scale(S, S.sample(10, None, rng=0), c=1.0, rng=0)
    with pytest.raises(ValueError, match="bandwidth"):
        M.mmd2(X, X, bandwidth=-1.0)
    with pytest.raises(ValueError, match="needs >= 2"):
        M.mmd2(X[:1], X)
    with pytest.raises(ValueError, match="sigma"):
        M.flipd_empirical(X, X, 0.0)
    with pytest.raises(ValueError, match="score must be"):
        M.flipd(42, X, 0.1)
    with pytest.raises(ValueError, match="paired row by row"):
        M.paired_similarity(X, X[:3])
    with pytest.raises(ValueError, match="quantiles"):
        M.distance_to_manifold(S, S.sample(3, None, rng=0), quantiles=(0.5, 2.0))
    with pytest.raises(ValueError, match="dist must have"):
        M.wasserstein_1d_population([0.1], "uniform")


def test_evaluate_study_cell():
    S = Sphere(k=1, d=4, seed=0)
    X, Y = S.sample(300, None, rng=0), S.sample(200, None, rng=1)
    r = M.evaluate(Y, S, None, training=X, rng=2)
    for key in (
        "w1",
        "dist_mean",
        "hausdorff_recall",
        "coverage_scale",
        "memorized_fraction",
        "tv_angle",
        "sliced_w1",
        "mmd2",
    ):
        assert key in r and np.isfinite(r[key]), key
    assert_allclose(r["w1"], M.wasserstein_to_population(S, Y).value, rtol=1e-12)
    assert r["dist_max"] < 1e-12
    S3 = Sphere(k=3, d=5, seed=0)
    r3 = M.evaluate(S3.sample(100, None, rng=0), S3, groups=("wasserstein", "law"), rng=3)
    assert set(r3) == {"w1", "w1_floor"}  # no binned angles for k > 2, no NaN placeholders
    with pytest.raises(ValueError, match="groups must be"):
        M.evaluate(Y, S, groups=("nope",), rng=0)


def test_pairwise_ball_distances_match_manifold_geodesics():
    from ratesim.metrics._geometry import _pairwise_ball_distance

    for m in (Sphere(k=2, d=5, seed=1), FlatTorus(k=3, d=7, seed=2)):
        ua, ub = m.sample_intrinsic(7, None, rng=0), m.sample_intrinsic(9, None, rng=1)
        got = _pairwise_ball_distance(m, ua, ub, "geodesic")
        want = np.array([[m.geodesic_distance(a[None], b[None])[0] for b in ub] for a in ua])
        assert_allclose(got, want, rtol=1e-10, atol=1e-12)
        chord = _pairwise_ball_distance(m, ua, ub, "chordal")
        assert_allclose(chord, cdist(m.embed(ua), m.embed(ub)), rtol=1e-10, atol=1e-12)


def test_bench_metrics_runs_and_agrees_with_assignment(capsys):
    from ratesim.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["bench", "metrics", "--sizes", "60", "120"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "linear_sum_assignment" in out and "| 60 |" in out and "| 120 |" in out
    with pytest.raises(SystemExit) as exc:
        main(["bench", "metrics", "--sizes", "1"])
    assert exc.value.code == 2


def test_remove_common_shift_reads_shifted_copies_as_copies():
    """Shifted copies y = x_j + c of training points (c common, |c| = 2x the median
    nearest-neighbour distance) pass the novelty test (novelty ratio ~ 1 or more, memorized
    fraction ~ 0); after removing the fitted shift they are copies (c recovered to 1e-12, every
    sample memorized). Fresh draws from the training law keep a shift small against |c| (the
    median of m = 200 residuals of sd ~ the spacing: about 0.1 of it per coordinate) and stay
    novel."""
    from ratesim.metrics import memorization, nearest_training_distances, remove_common_shift

    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 16))
    H = rng.standard_normal((200, 16))  # held out
    d1, _ = nearest_training_distances(X[:50], X[50:])
    c = rng.standard_normal(16)
    c *= 2 * np.median(d1) / np.linalg.norm(c)
    Y = X[rng.choice(300, 200, replace=True)] + c
    before = memorization(Y, X, heldout=H)
    assert before.memorized_fraction < 0.2 and before.novelty_ratio > 0.5
    Z, shift = remove_common_shift(Y, X)
    # once every sample finds its own source, the residuals are c exactly (up to rounding of
    # x + c - x, ~1e-16 per coordinate), so their median is c to 1e-12
    np.testing.assert_allclose(shift, c, atol=1e-12)
    assert memorization(Z, X, heldout=H).memorized_fraction == 1.0
    F = rng.standard_normal((200, 16))
    G, s = remove_common_shift(F, X)
    assert np.linalg.norm(s) < 0.5 * np.linalg.norm(c)
    assert memorization(G, X, heldout=H).novelty_ratio > 0.8
    with pytest.raises(ValueError, match="n_iter"):
        remove_common_shift(Y, X, n_iter=0)
