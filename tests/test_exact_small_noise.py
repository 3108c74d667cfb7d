"""ratesim.exact.small_noise: the small-sigma expansion of log p_sigma against tabulated check
values and naive NumPy twins (direct quadrature of the circle's p_sigma, second derivatives of the
ellipse chart by finite differences), its O(sigma^2) remainder, and a wrong expansion as a
negative control."""

import math

import numpy as np
import pytest

from ratesim.densities import VonMises, VonMisesFisher
from ratesim.exact import (
    half_log_det_ratio,
    leading_log_density,
    log_density_remainder,
    score_remainder,
    tube_points,
)
from ratesim.manifolds import Circle, Ellipse, Sphere


def _naive_log_p_sigma_circle(x, sigma, kappa, mean, n=20000):
    """log p_sigma on the unit circle by the trapezoid rule in the angle, log-sum-exp."""
    t = 2 * np.pi * np.arange(n) / n
    P = np.stack([np.cos(t), np.sin(t)], axis=1)
    logw = kappa * np.cos(t - mean) - math.log(2 * np.pi * np.i0(kappa)) + math.log(2 * np.pi / n)
    out = []
    for xi in np.atleast_2d(x):
        a = logw - np.sum((xi - P) ** 2, axis=1) / (2 * sigma**2)
        m = a.max()
        out.append(m + math.log(np.exp(a - m).sum()) - math.log(2 * np.pi * sigma**2))
    return np.array(out)


def test_check_values():
    """Circle, von Mises(4, pi), the point at angle 0.7: 5.09e-2, 4.49e-3, 4.98e-4, 4.48e-5
    (three significant digits, so relative tolerance 1e-2 covers the rounding)."""
    M = Circle(d=2, seed=None)
    p = VonMises(kappa=4.0, mean=np.pi)
    x = np.array([[math.cos(0.7), math.sin(0.7)]])
    for s, want in {0.1: 5.09e-2, 0.03: 4.49e-3, 0.01: 4.98e-4, 0.003: 4.48e-5}.items():
        got = log_density_remainder(M, p, x, s)[0]
        assert got == pytest.approx(want, rel=1e-2)


def test_remainder_matches_naive_quadrature_off_manifold():
    """The remainder uses the oracle's closed form; a direct trapezoid twin agrees to 1e-9
    (the trapezoid rule on a periodic Gaussian of width sigma with 20000 nodes is exact to
    rounding for sigma = 0.05; log p_sigma ~ -dist^2 / (2 sigma^2) ~ -8, so 1e-9 absolute)."""
    M = Circle(d=2, seed=None)
    p = VonMises(kappa=4.0, mean=np.pi)
    rng = np.random.default_rng(3)
    x = tube_points(M, 20, 0.2, rng=rng)
    s = 0.05
    lead = leading_log_density(M, p, x, s)["total"]
    naive = _naive_log_p_sigma_circle(x, s, 4.0, np.pi) - lead
    np.testing.assert_allclose(log_density_remainder(M, p, x, s), naive, atol=1e-9)


def test_curvature_term_sphere_and_ellipse_twins():
    """Sphere: (1/2) log det(g^-1 H) = (k/2) log r. Ellipse: H from finite-difference second
    derivatives of the chart (central differences, step 1e-4: error ~1e-8)."""
    S = Sphere(k=2, d=5, seed=2)
    y = np.array([[0.0, 0.0, 1.3], [0.6, 0.0, 0.0]])
    x = y @ S.frame.T
    np.testing.assert_allclose(half_log_det_ratio(S, x), [math.log(1.3), math.log(0.6)])
    M = Ellipse(a=1.0, b=2.0, d=2, seed=None)
    x = tube_points(M, 30, 0.3, rng=np.random.default_rng(1))
    proj = M.project(x)
    t = proj.u[:, 0]
    h = 1e-4

    def phi(t):
        return np.stack([np.cos(t), 2.0 * np.sin(t)], axis=1)

    d1 = (phi(t + h) - phi(t - h)) / (2 * h)
    d2 = (phi(t + h) - 2 * phi(t) + phi(t - h)) / h**2
    H = np.sum(d2 * (phi(t) - x), axis=1) + np.sum(d1 * d1, axis=1)
    g = np.sum(d1 * d1, axis=1)
    np.testing.assert_allclose(half_log_det_ratio(M, x), 0.5 * np.log(H / g), atol=1e-6)


def test_leading_terms_on_manifold_and_validation():
    """On M the curvature term vanishes and the density term is log p_vol; bad inputs raise."""
    S = Sphere(k=3, d=4, seed=0)
    p = VonMisesFisher(kappa=4.0, mu=[-1.0, 0, 0, 0])
    u = S.sample_intrinsic(5, p, rng=np.random.default_rng(0))
    x = S.embed(u)
    lead = leading_log_density(S, p, x, 0.01)
    np.testing.assert_allclose(lead["curvature"], 0.0, atol=1e-12)
    np.testing.assert_allclose(lead["density"], p.log_pdf(S, u))
    with pytest.raises(ValueError, match="sigma"):
        leading_log_density(S, p, x, 0.0)
    with pytest.raises(ValueError, match="reach"):
        tube_points(Ellipse(1.0, 2.0), 4, 0.6, rng=0)
    from ratesim.manifolds import FlatTorus

    with pytest.raises(ValueError, match="Sphere"):
        half_log_det_ratio(FlatTorus(k=2), np.zeros((1, 4)))


def test_tube_points_lie_in_the_tube():
    """Tube points are within eps of M (distance by the exact projection), spread over (0, eps)."""
    S = Sphere(k=2, d=6, seed=3)
    x = tube_points(S, 200, 0.2, rng=np.random.default_rng(4))
    dist = S.project(x).dist
    assert x.shape == (200, 6) and dist.max() <= 0.2 + 1e-12 and dist.max() > 0.15


def test_remainder_is_order_sigma_squared_and_wrong_terms_fail():
    """The remainder / sigma^2 is sigma-free (ratio of the sups at sigma and sigma/10 within 5 %
    of 100) on S^3 in R^10, and so is the score remainder; dropping the curvature term (a wrong
    expansion) leaves an O(1) remainder (negative control)."""
    S = Sphere(k=3, d=10, seed=4)
    p = VonMisesFisher(kappa=4.0, mu=[-1.0, 0, 0, 0])
    x = tube_points(S, 64, 0.2, rng=np.random.default_rng(5))
    r1 = np.max(np.abs(log_density_remainder(S, p, x, 0.01)))
    r2 = np.max(np.abs(log_density_remainder(S, p, x, 0.001)))
    assert r1 / r2 == pytest.approx(100.0, rel=0.05)
    q1 = np.max(score_remainder(S, p, x, 0.01))
    q2 = np.max(score_remainder(S, p, x, 0.001))
    assert q1 / q2 == pytest.approx(100.0, rel=0.05)
    lead = leading_log_density(S, p, x, 0.001)
    from ratesim.scores import OracleScore

    wrong = OracleScore(S, p, rng=0).fit().log_density(x, 0.001) - (
        lead["total"] - lead["curvature"]
    )
    assert np.max(np.abs(wrong)) > 100 * r2
