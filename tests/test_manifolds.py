"""Tests of ratesim.manifolds: the contract on every family, exact geometry, sampling, regularity.

Statistical tolerances. The file runs S = 10 goodness-of-fit decisions with fixed seeds; with a
family-wise level of 1e-4 (Bonferroni) each uses alpha = 1e-5: a KS p-value must exceed 1e-5, a
z-score must stay below z_(1 - alpha/2) = 4.42. The negative controls must be rejected at that same
threshold, which shows each test has the power to fail.
"""

from __future__ import annotations

import math
import time

import naive_manifolds as naive
import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import integrate, stats
from scipy.special import gammaln

from ratesim.manifolds import (
    MANIFOLDS,
    REACH_FLOOR,
    Circle,
    Ellipse,
    FlatTorus,
    HolderCurve,
    HolderGraph,
    Manifold,
    Sphere,
    StandardTorus,
    estimate_regularity,
    make_manifold,
)
from ratesim.manifolds import _kernels as K

TWO_PI = 2 * np.pi
ALPHA = 1e-5  # per-test level, Bonferroni over S = 10 decisions for a family-wise 1e-4
Z_CRIT = stats.norm.isf(ALPHA / 2)  # 4.42


def graph_near_max(k, beta, d, seed, frac=0.95):
    """HolderGraph at 95% of its largest eps (which depends on the random directions, so on
    the seed): the hardest allowed geometry."""
    return HolderGraph(
        k, beta, frac * HolderGraph(k, beta, 1e-3, seed=seed).max_eps, d=d, seed=seed
    )


FAMILIES = {
    "sphere1": lambda d, s: Sphere(k=1, d=d, seed=s),
    "sphere2": lambda d, s: Sphere(k=2, d=d, seed=s),
    "circle": lambda d, s: Circle(d=d, seed=s),
    "flat_torus2": lambda d, s: FlatTorus(k=2, d=d, seed=s),
    "flat_torus3": lambda d, s: FlatTorus(k=3, d=d, seed=s),
    "ellipse12": lambda d, s: Ellipse(1.0, 2.0, d=d, seed=s),
    "ellipse_thin": lambda d, s: Ellipse(3.0, 0.5, d=d, seed=s),
    "standard_torus": lambda d, s: StandardTorus(2.0, 1.0, d=d, seed=s),
    "standard_torus_thin": lambda d, s: StandardTorus(3.0, 0.5, d=d, seed=s),
    "holder_curve2.5": lambda d, s: HolderCurve(2.5, 0.4, d=d, seed=s),
    "holder_curve6.5": lambda d, s: HolderCurve(6.5, 5.0, d=d, seed=s),
    "holder_curve_inf": lambda d, s: HolderCurve(math.inf, 0.14, d=d, seed=s),
    "holder_graph1": lambda d, s: HolderGraph(1, 4.5, 9.0, d=d, seed=s),
    "holder_graph2": lambda d, s: graph_near_max(2, 2.5, d, s),
    "holder_graph2_inf": lambda d, s: graph_near_max(2, math.inf, d, s),
    "holder_graph3": lambda d, s: graph_near_max(3, 4.5, d, s),
}
NAMES = list(FAMILIES)


def coord_error(M, u, v):
    """Max coordinate error: wrapped angle difference, or |u - v| for sphere unit vectors."""
    if isinstance(M, Sphere):
        return float(np.max(np.abs(u - v)))
    return float(np.max(np.abs(np.mod(u - v + np.pi, TWO_PI) - np.pi)))


def unit_normals(M, u, rng):
    """A uniformly random unit normal vector at each Phi(u)."""
    N = M.normal_basis(u)
    c = rng.standard_normal((len(u), N.shape[2]))
    c /= np.linalg.norm(c, axis=1, keepdims=True)
    return np.einsum("ndj,nj->nd", N, c)


# ------------------------------------------------------------------------------------------------
# contract, every family, native d and d = 10
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("d", [None, 10])
@pytest.mark.parametrize("name", NAMES)
def test_project_recovers_u_and_offset_inside_half_reach(name, d):
    """project(embed(u) + t n) = (u, |t|) for a unit normal n and |t| < reach / 2: the foot point of
    a normal offset inside the reach is the base point. Required accuracy 1e-9 (relative on the
    distance); the kernels reach ~1e-15."""
    M = FAMILIES[name](d, 1)
    rng = np.random.default_rng(2)
    u = M.sample_intrinsic(400, rng=rng)
    x = M.embed(u)
    t = rng.uniform(-0.5, 0.5, size=len(u)) * M.reach
    t[:4] = [0.4999 * M.reach, -0.4999 * M.reach, 1e-3, 0.0]  # include the edges and 0
    P = M.project(x + t[:, None] * unit_normals(M, u, rng))
    assert coord_error(M, P.u, u) < 1e-9
    assert np.all(np.abs(P.dist - np.abs(t)) <= 1e-9 * np.abs(t) + 1e-13)
    assert_allclose(P.point, x, atol=1e-9)
    assert P.u.shape == (400, M.coord_dim) and P.point.shape == (400, M.d)


@pytest.mark.parametrize("name", NAMES)
def test_random_isometry_preserves_distances(name):
    """Pairwise distances of the embedding in R^10 (random rotation) equal those in the native
    space (canonical embedding) to 1e-12, and the frame has orthonormal columns. Seed 0 and seed
    None give the same Holder series (phases of seed 0), only the isometry differs."""
    A = FAMILIES[name](10, 0)
    B = FAMILIES[name](None, None)
    u = A.sample_intrinsic(60, rng=3)
    XA, XB = A.embed(u), B.embed(u)
    DA = np.linalg.norm(XA[:, None] - XA[None], axis=-1)
    DB = np.linalg.norm(XB[:, None] - XB[None], axis=-1)
    assert np.max(np.abs(DA - DB)) < 1e-12
    assert_allclose(A.frame.T @ A.frame, np.eye(A.native_dim), atol=1e-14)
    # negative control: a different isometry moves the points (so the test sees the rotation)
    assert np.max(np.abs(FAMILIES[name](10, 6).embed(u) - XA)) > 1e-3


@pytest.mark.parametrize("d", [None, 10])
@pytest.mark.parametrize("name", NAMES)
def test_samples_lie_on_manifold(name, d):
    M = FAMILIES[name](d, 4)
    X = M.sample(500, rng=7)
    assert X.shape == (500, M.d)
    assert np.max(M.project(X).dist) < 1e-12
    # negative control: points pushed off M by 0.1 reach are seen at that distance
    off = X + 0.1 * M.reach * unit_normals(M, M.project(X).u, np.random.default_rng(0))
    assert np.min(M.project(off).dist) > 0.09 * M.reach


@pytest.mark.parametrize("name", NAMES)
def test_tangent_and_normal_bases(name):
    M = FAMILIES[name](10, 2)
    u = M.sample_intrinsic(50, rng=1)
    T, N = M.tangent_basis(u), M.normal_basis(u)
    assert T.shape == (50, 10, M.k) and N.shape == (50, 10, 10 - M.k)
    Q = np.concatenate([T, N], axis=2)
    assert_allclose(
        np.einsum("nda,ndb->nab", Q, Q), np.broadcast_to(np.eye(10), (50, 10, 10)), atol=1e-12
    )
    # T spans the derivative of the embedding: a central difference along a curve on M. Error
    # h^2 sup|D^3 Phi| / 6 with h = 1e-5 and sup|D^3 Phi| <= eps sum 2^(j (3 - beta)) ~ 1e3 at
    # beta = 2.5, J = 20, plus round-off 1e-16 / h: both far below the 1e-6 bound.
    if not isinstance(M, Sphere):
        h = 1e-5
        e = np.zeros((1, M.k))
        e[0, 0] = h
        dx = (M.embed(u + e) - M.embed(u - e)) / (2 * h)
        resid = dx - np.einsum("ndk,nk->nd", T, np.einsum("ndk,nd->nk", T, dx))
        assert np.max(np.linalg.norm(resid, axis=1)) < 1e-6 * np.max(np.linalg.norm(dx, axis=1))


@pytest.mark.parametrize("name", [n for n in NAMES if not n.startswith(("sphere", "circle"))])
def test_jacobian_and_volume_element(name):
    """The analytic Jacobian matches central differences of Phi (error bound as above), and each
    family's closed-form volume element equals the generic sqrt(det J^T J) of the base class."""
    M = FAMILIES[name](None, None)
    u = M.sample_intrinsic(40, rng=5)
    J = M._jacobian(u)
    h = 1e-5
    for i in range(M.k):
        e = np.zeros((1, M.k))
        e[0, i] = h
        fd = (M._phi(u + e) - M._phi(u - e)) / (2 * h)
        assert np.max(np.abs(fd - J[:, :, i])) < 1e-6 * np.max(np.abs(J))
    assert_allclose(M.volume_element(u), Manifold.volume_element(M, u), rtol=1e-12)
    # negative control: the chart (angle) measure is not the volume on the ellipse
    if isinstance(M, Ellipse):
        assert np.ptp(M.volume_element(u)) > 0.5


@pytest.mark.parametrize("name", NAMES)
def test_angle_is_first_angular_coordinate(name):
    M = FAMILIES[name](None, None)
    u = M.sample_intrinsic(100, rng=0)
    a = M.angle(u)
    assert np.all((a >= 0) & (a < TWO_PI))
    if isinstance(M, Sphere):
        expected = np.mod(np.arctan2(u[:, 1], u[:, 0]), TWO_PI)
    else:
        expected = np.mod(u[:, 0], TWO_PI)
    assert_allclose(a, expected, atol=1e-15)
    # the angle is the polar angle of the first native plane (scaled by the axes for the ellipse)
    X = M.embed(u)
    if isinstance(M, Ellipse):
        polar = np.arctan2(X[:, 1] / M.b, X[:, 0] / M.a)
    else:
        polar = np.arctan2(X[:, 1], X[:, 0])
    assert coord_error(FlatTorus(1), a[:, None], polar[:, None]) < 1e-12


# ------------------------------------------------------------------------------------------------
# volumes and quadrature
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_sphere_and_flat_torus_volumes_closed_form(k):
    m = k + 1
    assert_allclose(Sphere(k).volume, 2 * np.pi ** (m / 2) / np.exp(gammaln(m / 2)), rtol=1e-14)
    assert_allclose(FlatTorus(k).volume, TWO_PI**k, rtol=1e-15)
    assert_allclose([Sphere(1).volume, Sphere(2).volume], [TWO_PI, 4 * np.pi], rtol=1e-14)


@pytest.mark.parametrize(("a", "b"), [(1.0, 2.0), (3.0, 0.5), (1.0, 1.0), (0.2, 5.0)])
def test_ellipse_perimeter_matches_quadrature(a, b):
    """The ellipe closed form against adaptive quadrature of the speed and the spectral
    trapezoid rule of ``quadrature`` (exponentially accurate: rtol 1e-12 at n = 1024)."""
    M = Ellipse(a, b)
    ref = integrate.quad(
        lambda t: np.hypot(a * np.sin(t), b * np.cos(t)),
        0,
        TWO_PI,
        epsabs=0,
        epsrel=1e-13,
        limit=200,
    )[0]
    assert_allclose(M.volume, ref, rtol=1e-12)
    _, w = M.quadrature(1024)
    assert_allclose(w.sum(), ref, rtol=1e-12)
    if a == b:
        assert_allclose(M.volume, TWO_PI * a, rtol=1e-14)


@pytest.mark.parametrize(("R", "r"), [(2.0, 1.0), (3.0, 0.5)])
def test_standard_torus_volume_closed_form_and_quadrature(R, r):
    M = StandardTorus(R, r)
    assert_allclose(M.volume, 4 * np.pi**2 * R * r, rtol=1e-15)
    u, w = M.quadrature(16)  # the volume element is a trig polynomial of degree 1: exact
    assert_allclose(w.sum(), M.volume, rtol=1e-13)
    # integral of the squared distance to the z-axis: 4 pi^2 R r (R^2 + 3 r^2 / 2) (Pappus)
    X = M._phi(u)
    assert_allclose(
        np.sum(w * (X[:, 0] ** 2 + X[:, 1] ** 2)),
        4 * np.pi**2 * R * r * (R**2 + 1.5 * r**2),
        rtol=1e-13,
    )


@pytest.mark.parametrize("beta", [2.5, 4.5, 6.5, math.inf])
def test_holder_curve_volume_matches_naive_quadrature(beta):
    """Length by the plain trapezoid rule of sqrt(r^2 + r'^2) with 2^17 nodes (aliasing error
    <= 2 pi eps sum_{j >= 17} 2^(-j beta) < 1e-11) against the class value (exact first part plus
    trapezoid of the remainder)."""
    M = HolderCurve(beta, 0.5 * HolderCurve(beta, 1e-3).max_eps)
    s = M.series

    def r(t):
        return 1 + M.eps * (np.cos(np.outer(t, s.freq) + s.phase) @ s.amp)

    def r1(t):
        return -M.eps * (np.sin(np.outer(t, s.freq) + s.phase) @ (s.amp * s.freq))

    assert_allclose(M.volume, naive.volume_curve(r, r1), rtol=1e-10)
    assert M.volume > TWO_PI * (1 + 1e-8)  # the perturbation is seen
    _, w = M.quadrature(1 << 14)
    assert_allclose(w.sum(), M.volume, rtol=1e-8)


@pytest.mark.parametrize(
    ("k", "beta", "eps", "n", "rtol"),
    [(1, 4.5, 9.0, 1 << 16, 1e-10), (2, 2.5, 0.7, 512, 1e-7), (2, math.inf, 0.39, 64, 1e-12)],
)
def test_holder_graph_volume_matches_quadrature(k, beta, eps, n, rtol):
    """Class volume (exact eps^2 term + trapezoid remainder) against the plain trapezoid
    ``quadrature(n)`` of sqrt(1 + eps^2 |grad g|^2). For beta = 2.5 on 512^2 nodes the aliased
    modes (2^8 omega) carry eps^2 2^(-2 * 8 * 2.5) 2^16 ~ 3e-8 of the volume: rtol 1e-7."""
    M = HolderGraph(k, beta, eps)
    _, w = M.quadrature(n)
    assert_allclose(w.sum(), M.volume, rtol=rtol)
    assert M.volume > TWO_PI**k * (1 + 1e-4)


# ------------------------------------------------------------------------------------------------
# uniform sampling follows the Riemannian volume
# ------------------------------------------------------------------------------------------------
def _arc_length_cdf(M, n=1 << 16):
    t = TWO_PI * np.arange(n + 1) / n
    s = np.concatenate([[0.0], integrate.cumulative_trapezoid(M.volume_element(t[:, None]), t)])
    s /= s[-1]
    return lambda x: np.interp(np.mod(x, TWO_PI), t, s)


def test_ellipse_uniform_is_uniform_in_arc_length():
    """KS of t against the arc-length CDF (fine cumulative trapezoid, error ~1e-10); negative
    control: uniform-in-t is rejected (the speed varies by a factor 2 for (a, b) = (1, 2))."""
    M = Ellipse(1.0, 2.0, d=3)
    F = _arc_length_cdf(M)
    t = M.sample_intrinsic(20000, rng=11)[:, 0]
    assert stats.kstest(t, F).pvalue > ALPHA
    t_bad = np.random.default_rng(11).uniform(0, TWO_PI, 20000)
    assert stats.kstest(t_bad, F).pvalue < ALPHA


def test_standard_torus_uniform_follows_volume_element():
    """phi has density (R + r cos phi) / (2 pi R), CDF (phi + (r/R) sin phi) / (2 pi); theta is
    uniform and independent. Negative control: uniform phi is rejected."""
    R, r = 2.0, 1.0
    M = StandardTorus(R, r, d=5)
    u = M.sample_intrinsic(20000, rng=12)
    Fphi = lambda x: (x + (r / R) * np.sin(x)) / TWO_PI  # noqa: E731
    assert stats.kstest(u[:, 1], Fphi).pvalue > ALPHA
    assert stats.kstest(u[:, 0], stats.uniform(0, TWO_PI).cdf).pvalue > ALPHA
    # independence: theta on the half phi < pi vs phi > pi (two-sample KS)
    top = u[:, 1] < np.pi
    assert stats.ks_2samp(u[top, 0], u[~top, 0]).pvalue > ALPHA
    bad = np.random.default_rng(12).uniform(0, TWO_PI, 20000)
    assert stats.kstest(bad, Fphi).pvalue < ALPHA


def test_holder_graph_uniform_follows_volume_element():
    """Statistic: the mean of w(U) = sqrt(1 + eps^2 |grad g(U)|^2). Under the volume law,
    E w = int w^2 / int w = (2 pi)^k (1 + eps^2 sum a_j^2 |w_j|^2 / 2) / vol exactly; the
    z-score uses the sample standard deviation (n = 20000, CLT). Under uniform coordinates
    E w = vol / (2 pi)^k, off by Var(w) / E w: about 10 standard errors here, so the negative
    control is rejected."""
    M = HolderGraph(2, 4.5, 8.0, d=7)
    s = M.series
    ew = TWO_PI**2 * (1 + M.eps**2 * np.sum(s.amp**2 * np.sum(s.wave**2, axis=1)) / 2) / M.volume
    n = 20000
    for u, ok in [
        (M.sample_intrinsic(n, rng=13), True),
        (np.random.default_rng(13).uniform(0, TWO_PI, (n, 2)), False),
    ]:
        w = M.volume_element(u)
        z = (w.mean() - ew) / (w.std(ddof=1) / np.sqrt(n))
        assert (abs(z) < Z_CRIT) == ok, z


def test_holder_curve_uniform_follows_arc_length():
    M = HolderCurve(2.5, 0.4)
    F = _arc_length_cdf(M, n=1 << 18)
    t = M.sample_intrinsic(20000, rng=14)[:, 0]
    assert stats.kstest(t, F).pvalue > ALPHA
    # the density of t is exactly the normalized speed: a z-test on the mean speed (as above)
    w = M.volume_element(t[:, None])
    q, qw = M.quadrature(1 << 16)
    ew = np.sum(qw * M.volume_element(q)) / M.volume
    assert abs((w.mean() - ew) / (w.std(ddof=1) / np.sqrt(len(w)))) < Z_CRIT


# ------------------------------------------------------------------------------------------------
# reach
# ------------------------------------------------------------------------------------------------
def _curve_points(M, m):
    t = TWO_PI * np.arange(m) / m
    u = t[:, None]
    P = M._phi(u)
    T = M._jacobian(u)[:, :, 0]
    return P, T / np.linalg.norm(T, axis=1, keepdims=True)


@pytest.mark.parametrize(
    ("cls", "args"),
    [
        (HolderCurve, (2.5,)),
        (HolderCurve, (4.5,)),
        (HolderCurve, (math.inf,)),
        (HolderGraph, (1, 2.5)),
        (HolderGraph, (1, 6.5)),
    ],
)
def test_reach_certificate_is_below_federer_estimate(cls, args):
    """At the largest allowed eps the certified reach must not exceed Federer's formula
    evaluated on 2000 points (an upper estimate of the true reach); it is >= REACH_FLOOR."""
    M = cls(*args, 1e-3)
    M = cls(*args, M.max_eps)
    P, T = _curve_points(M, 2000)
    upper = naive.federer_reach(P, T)
    assert REACH_FLOOR <= M.reach <= upper
    assert M.reach > 0.2 * upper  # and not vacuous
    with pytest.raises(ValueError, match="eps"):
        cls(*args, M.max_eps * (1 + 1e-6))


@pytest.mark.parametrize(("a", "b"), [(1.0, 2.0), (3.0, 0.5)])
def test_ellipse_reach_is_federer_reach(a, b):
    M = Ellipse(a, b)
    P, T = _curve_points(M, 2000)
    assert_allclose(naive.federer_reach(P, T), M.reach, rtol=1e-3)
    assert M.reach <= naive.federer_reach(P, T) * (1 + 1e-12)


def test_projection_beyond_the_reach_is_still_a_nearest_point():
    """Outside the reach (but off the medial axis) project still returns the global nearest
    point: compare to brute force over a dense grid."""
    M = Ellipse(3.0, 0.5, seed=None)
    rng = np.random.default_rng(5)
    y = rng.uniform(-3.5, 3.5, size=(200, 2))
    P = M.project(y)
    m = 1 << 14
    t = TWO_PI * np.arange(m) / m
    G = M._phi(t[:, None])
    brute = np.sqrt(np.min(np.sum((y[:, None] - G[None]) ** 2, axis=-1), axis=1))
    h_arc = 3.0 * TWO_PI / m  # grid spacing in arc length <= max speed * 2 pi / m
    assert np.all(P.dist <= brute + 1e-12)  # never worse than the grid
    assert np.all(P.dist >= brute - h_arc / 2)  # and the grid's best is within h/2 of the truth
    # negative control: a wrong branch (the opposite point of the ellipse) would be caught
    assert np.min(np.linalg.norm(y - M.embed(P.u + np.pi), axis=1) - brute) > 0.1


# ------------------------------------------------------------------------------------------------
# regularity
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("beta", [2.5, 4.5, 6.5])
def test_regularity_estimate_recovers_beta(beta):
    """Littlewood-Paley (dyadic block) estimate of beta on the embedded curve and graph (see
    ratesim/manifolds/_regularity.py) within 0.3 of the claim, in a rotated R^d."""
    C = HolderCurve(beta, 0.5 * HolderCurve(beta, 1e-3).max_eps, d=6, seed=3)
    G = HolderGraph(2, beta, 0.5 * HolderGraph(2, beta, 1e-3).max_eps, d=7, seed=3)
    for M in (C, G):
        est = estimate_regularity(M)
        assert len(est.levels) >= 3
        assert abs(est.beta - beta) < 0.3, (M, est)


def test_regularity_estimate_negative_controls():
    """(a) a curve claiming beta = 4.5 whose amplitudes decay like 2^(-3.5 j) (a construction
    bug) is caught; (b) analytic manifolds give beta = inf; (c) beta = 2.5 is not mistaken for
    4.5."""
    M = HolderCurve(4.5, 1.0)
    M.series.amp = 2.0 ** (-3.5 * np.arange(1, M.n_terms + 1))
    assert abs(estimate_regularity(M).beta - 4.5) > 0.3
    for A in (
        Ellipse(1, 2, d=4),
        StandardTorus(d=4),
        HolderCurve(math.inf, 0.1),
        HolderGraph(2, math.inf, 0.3),
    ):
        assert estimate_regularity(A).beta == math.inf
    assert abs(estimate_regularity(HolderCurve(2.5, 0.2)).beta - 4.5) > 0.3


# ------------------------------------------------------------------------------------------------
# numba kernels against their naive twins
# ------------------------------------------------------------------------------------------------
def test_series_kernel_matches_naive():
    for k in (1, 2, 3):
        M = HolderGraph(k, 2.5, 0.1, seed=k)
        s = M.series
        rng = np.random.default_rng(k)
        for u in rng.uniform(0, TWO_PI, (20, k)):
            grad, hess = np.empty(k), np.empty((k, k))
            g = K._series(u, s.amp, s.wave, s.phase, 2, grad, hess)
            g0, grad0, hess0 = naive.series(u, s.amp, s.wave, s.phase)
            assert_allclose(g, g0, rtol=1e-10, atol=1e-15)
            assert_allclose(grad, grad0, rtol=1e-10, atol=1e-13)
            assert_allclose(hess, hess0, rtol=1e-10, atol=1e-12)
        # vectorized NumPy evaluation used by embed / volume_element
        U = rng.uniform(0, TWO_PI, (20, k))
        assert_allclose(
            s.value(U),
            [naive.series(u, s.amp, s.wave, s.phase)[0] for u in U],
            rtol=1e-10,
            atol=1e-15,
        )
        assert_allclose(
            s.grad(U),
            [naive.series(u, s.amp, s.wave, s.phase)[1] for u in U],
            rtol=1e-10,
            atol=1e-13,
        )


def test_curve_eval_and_cholesky_kernels_match_naive():
    M = HolderCurve(2.5, 0.3)
    s = M.series
    buf = np.empty((3, 2))
    for t in np.linspace(-1, 7, 17):
        for kind, a, b in [(0, 1.3, 0.4), (1, 0.0, 0.0)]:
            K._curve_eval(kind, t, a, b, M.eps, s.amp, s.freq, s.phase, buf)
            assert_allclose(
                buf,
                naive.curve_eval(kind, t, a, b, M.eps, s.amp, s.freq, s.phase),
                rtol=1e-10,
                atol=1e-12,
            )
    rng = np.random.default_rng(0)
    for k in (1, 2, 4):
        A = rng.standard_normal((k, k))
        H = A @ A.T + 0.1 * np.eye(k)
        rhs = rng.standard_normal(k)
        out, L = np.empty(k), np.empty((k, k))
        assert K._cholesky_solve(H, rhs, L, out)
        assert_allclose(out, np.linalg.solve(H, rhs), rtol=1e-10)
        assert not K._cholesky_solve(-H, rhs, L, out)  # negative definite is refused


@pytest.mark.parametrize("which", ["ellipse", "holder2.5", "holder_inf"])
def test_project_curve_kernel_matches_naive(which):
    M = {
        "ellipse": Ellipse(3.0, 0.5, seed=None),
        "holder2.5": HolderCurve(2.5, 0.4, seed=None),
        "holder_inf": HolderCurve(math.inf, 0.14, seed=None),
    }[which]
    rng = np.random.default_rng(1)
    u = M.sample_intrinsic(60, rng=rng)
    y = M.embed(u) + rng.uniform(-0.45, 0.45, (60, 1)) * M.reach * unit_normals(M, u, rng)
    got = M.project(y).u[:, 0]
    if isinstance(M, Ellipse):
        ref = naive.project_curve(y, 0, M.a, M.b, 0.0, np.zeros(0), np.zeros(0), np.zeros(0))
    else:
        s = M.series
        ref = naive.project_curve(y, 1, 0.0, 0.0, M.eps, s.amp, s.freq, s.phase)
    assert np.max(np.abs(np.mod(got - ref + np.pi, TWO_PI) - np.pi)) < 1e-10


@pytest.mark.parametrize(("k", "beta", "eps"), [(1, 2.5, 1.0), (2, 2.5, 0.7), (2, math.inf, 0.39)])
def test_project_graph_kernel_matches_naive(k, beta, eps):
    M = HolderGraph(k, beta, eps, seed=None)
    rng = np.random.default_rng(2)
    u = M.sample_intrinsic(25, rng=rng)
    y = M.embed(u) + rng.uniform(-0.45, 0.45, (25, 1)) * M.reach * unit_normals(M, u, rng)
    s = M.series
    ref = naive.project_graph(y, M.eps, s.amp, s.wave, s.phase)
    got = M.project(y).u
    assert np.max(np.abs(np.mod(got - ref + np.pi, TWO_PI) - np.pi)) < 1e-10


def test_projecting_1e5_points_takes_seconds():
    """1e5 noisy points on the slowest families (20-term series) project in well under 30 s
    (measured ~1 s each on one core, after compilation)."""
    for M in (HolderCurve(2.5, 0.4, d=10), HolderGraph(2, 2.5, 0.7, d=10)):
        X = M.sample(100_000, rng=0) + 0.02 * np.random.default_rng(1).standard_normal(
            (100_000, 10)
        )
        M.project(X[:10])  # compile / load from cache
        t0 = time.perf_counter()
        P = M.project(X)
        assert time.perf_counter() - t0 < 30.0
        assert np.all(np.isfinite(P.dist))


# ------------------------------------------------------------------------------------------------
# closed-form geodesics, medial axis points
# ------------------------------------------------------------------------------------------------
def test_flat_torus_geodesic_distance():
    M = FlatTorus(2)
    u = np.array([[0.1, 0.2], [0.1, 6.2], [3.0, 0.0]])
    v = np.array([[0.4, 0.6], [0.1, 0.1], [3.0 + np.pi, 0.0]])
    assert_allclose(M.geodesic_distance(u, v), [0.5, TWO_PI - 6.1, np.pi], rtol=1e-12)
    # >= chordal distance, symmetric
    rng = np.random.default_rng(0)
    a, b = rng.uniform(-10, 10, (2, 100, 2))
    g = M.geodesic_distance(a, b)
    assert_allclose(g, M.geodesic_distance(b, a), rtol=1e-14)
    assert np.all(g >= np.linalg.norm(M.embed(a) - M.embed(b), axis=1) - 1e-12)
    assert np.all(g <= np.pi * np.sqrt(2) + 1e-12)
    with pytest.raises(ValueError, match="same shape"):
        M.geodesic_distance(a, b[:3])


def test_sphere_geodesic_distance_and_centre():
    M = Sphere(2, d=5)
    u = np.array([[1.0, 0, 0], [1.0, 0, 0]])
    v = np.array([[0, 1.0, 0], [-1.0, 0, 0]])
    assert_allclose(M.geodesic_distance(u, v), [np.pi / 2, np.pi], rtol=1e-14)
    with pytest.raises(ValueError, match="centre"):
        M.project(np.zeros((1, 5)))


def test_medial_axis_points_return_a_nearest_point():
    """On the medial axis the nearest point is not unique; project returns one of them, at the
    right distance, and never NaN."""
    T = StandardTorus(2.0, 1.0, seed=None)
    P = T.project(np.array([[0.0, 0.0, 0.5], [2.0, 0.0, 0.0]]))
    # nearest points of (0, 0, z) minimize (2 + cos phi)^2 + (sin phi - 1/2)^2: 5.25 - sqrt(17)
    assert_allclose(P.dist, [np.sqrt(5.25 - np.sqrt(17.0)), 1.0], rtol=1e-14)
    F = FlatTorus(2, seed=None)
    P = F.project(np.array([[0.0, 0.0, 2.0, 0.0]]))
    assert_allclose(P.dist, [np.hypot(1.0, 1.0)], rtol=1e-14)


# ------------------------------------------------------------------------------------------------
# registry
# ------------------------------------------------------------------------------------------------
def test_registry_builds_every_family():
    assert set(MANIFOLDS) == {
        "sphere",
        "circle",
        "flat_torus",
        "ellipse",
        "standard_torus",
        "holder_curve",
        "holder_graph",
    }
    for name in MANIFOLDS:
        M = make_manifold(name, d=7, seed=1)
        assert M.d == 7 and M.volume > 0 and M.reach > 0
        assert np.max(M.project(M.sample(5, rng=0)).dist) < 1e-12
        assert repr(M).startswith(type(M).__name__ + "(")
    C = make_manifold("circle")
    assert isinstance(C, Sphere) and C.k == 1
    assert make_manifold("holder_graph", k=3, beta=6.5, eps=0.5).beta == 6.5


def test_make_manifold_errors():
    with pytest.raises(ValueError, match="did you mean 'ellipse'"):
        make_manifold("elipse")
    with pytest.raises(ValueError, match="unknown manifold 'banana' \\(available: circle, "):
        make_manifold("banana")
    with pytest.raises(ValueError, match="radius"):
        make_manifold("circle", radius=2.0)


# ------------------------------------------------------------------------------------------------
# bad input
# ------------------------------------------------------------------------------------------------
BAD = [
    (lambda: Sphere(k=0), "k"),
    (lambda: FlatTorus(k=0), "k"),
    (lambda: FlatTorus(k=1.5), "k"),
    (lambda: HolderGraph(k=0, beta=2.5, eps=0.1), "k"),
    (lambda: Sphere(k=2, d=2), "d must be >= the native dimension 3"),
    (lambda: FlatTorus(k=2, d=3), "d must be >= the native dimension 4"),
    (lambda: Ellipse(1, 2, d=1), "d must be >= the native dimension 2"),
    (lambda: StandardTorus(2, 1, d=2), "d must be >= the native dimension 3"),
    (lambda: HolderCurve(2.5, 0.1, d=1), "d must be >= the native dimension 2"),
    (lambda: HolderGraph(2, 2.5, 0.1, d=4), "d must be >= the native dimension 5"),
    (lambda: FlatTorus(2, d=0), "d must be an integer"),
    (lambda: HolderCurve(2.0, 0.1), "beta must be > 2"),
    (lambda: HolderCurve(1.5, 0.1), "beta must be > 2"),
    (lambda: HolderGraph(2, 2.0, 0.1), "beta must be > 2"),
    (lambda: HolderCurve(3.0, 0.1), "beta must be a non-integer"),
    (lambda: HolderCurve(8.5, 0.1), "beta must be a non-integer"),
    (lambda: HolderCurve(float("nan"), 0.1), "beta must be > 2"),
    (lambda: HolderCurve("smooth", 0.1), "beta must be a real number"),
    (lambda: HolderCurve(2.5, 1.0), r"eps must be <= 0\.408"),
    (lambda: HolderGraph(2, 2.5, 5.0), r"eps must be <= 0\.70"),
    (lambda: HolderCurve(2.5, 0.0), "eps must be finite and > 0"),
    (lambda: HolderCurve(2.5, -0.1), "eps must be finite and > 0"),
    (lambda: HolderCurve(2.5, 0.1, n_terms=0), "n_terms"),
    (lambda: Ellipse(0.0, 1.0), "a must be"),
    (lambda: Ellipse(1.0, float("inf")), "b must be"),
    (lambda: StandardTorus(1.0, 1.0), "r must be < R"),
    (lambda: StandardTorus(-1.0, 0.5), "R must be"),
    (lambda: Ellipse(seed=-1), "seed"),
]


@pytest.mark.parametrize(("make", "match"), BAD)
def test_bad_construction_raises_value_error(make, match):
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize("name", NAMES)
def test_bad_calls_raise_value_error(name):
    M = FAMILIES[name](10, 0)
    for bad_n in (0, -3, 2.5):
        with pytest.raises(ValueError, match="n must be"):
            M.sample(bad_n, rng=0)
        with pytest.raises(ValueError, match="n must be"):
            M.sample_intrinsic(bad_n, rng=0)
    with pytest.raises(ValueError, match="rng"):
        M.sample(3, rng=None)
    x = M.sample(3, rng=0)
    for bad in (np.nan, np.inf, -np.inf):
        y = x.copy()
        y[1, 2] = bad
        with pytest.raises(ValueError, match="x must be finite"):
            M.project(y)
    with pytest.raises(ValueError, match="x must have d = 10"):
        M.project(x[:, :9])
    with pytest.raises(ValueError, match="u must"):
        M.embed(np.full((2, M.coord_dim), np.nan))
    if M.k <= 2:
        with pytest.raises(ValueError, match="n must be"):
            M.quadrature(0)
    else:
        with pytest.raises(ValueError, match="k <= 2"):
            M.quadrature(8)


def test_estimate_regularity_bad_input():
    with pytest.raises(ValueError, match="manifold must have periodic angle"):
        estimate_regularity(Sphere(1))
    with pytest.raises(ValueError, match="k <= 2"):
        estimate_regularity(FlatTorus(3))
    with pytest.raises(ValueError, match="n_grid must be a power of 2"):
        estimate_regularity(Ellipse(), n_grid=100)
    with pytest.raises(ValueError, match="floor"):
        estimate_regularity(Ellipse(), floor=0.0)


# ------------------------------------------------------------------------------------------------
# long checks (pytest -m slow)
# ------------------------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("seed", range(6))
def test_projection_stress_at_largest_eps_near_reach(seed):
    """At the largest allowed eps, for offsets up to 0.95 reach along random normals, the kernels
    find the global nearest point found by the naive dense-grid + SciPy twins (distance within
    1e-12, coordinates within 1e-10)."""
    rng = np.random.default_rng(seed)
    cases = [
        HolderCurve(b, HolderCurve(b, 1e-3).max_eps, seed=seed) for b in (2.5, 3.5, 5.5, math.inf)
    ]
    cases += [
        graph_near_max(k, b, None, seed, frac=1.0)
        for k, b in [(1, 2.5), (2, 2.5), (2, 4.5), (2, math.inf)]
    ]
    for M in cases:
        n = 120 if M.k == 1 else 30
        u = M.sample_intrinsic(n, rng=rng)
        y = M.embed(u) + rng.uniform(-0.95, 0.95, (n, 1)) * M.reach * unit_normals(M, u, rng)
        y, _ = M.to_native(y)
        s = M.series
        if isinstance(M, HolderCurve):
            ref = naive.project_curve(y, 1, 0.0, 0.0, M.eps, s.amp, s.freq, s.phase)[:, None]
        else:
            ref = naive.project_graph(
                y, M.eps, s.amp, s.wave, s.phase, n_dense=64 if M.k == 2 else 512
            )
        got = M._project_native(y)
        d_ref = np.linalg.norm(y - M._phi(ref), axis=1)
        d_got = np.linalg.norm(y - M._phi(got), axis=1)
        assert np.max(d_got - d_ref) < 1e-12, M
        assert coord_error(M, got, ref) < 1e-10, M


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_projecting_1e5_points_every_family(name):
    M = FAMILIES[name](10, 0)
    X = M.sample(100_000, rng=0)
    X += 0.2 * M.reach * unit_normals(M, M.project(X).u, np.random.default_rng(1))
    M.project(X[:10])
    t0 = time.perf_counter()
    P = M.project(X)
    assert time.perf_counter() - t0 < 30.0
    assert_allclose(P.dist, 0.2 * M.reach, rtol=1e-9)
