"""ratesim.exact posterior moments of the oracle denoiser: closed forms against naive NumPy
quadratures, the posterior mean against the oracle score (Tweedie), two code paths of the flat
torus, grad D_sigma = Cov(x0 | x) / sigma^2 against finite differences, and the exactly-zero
eigenvalues of the extra ambient directions."""

import numpy as np
import pytest

from ratesim.densities import VonMises, VonMisesFisher
from ratesim.exact import (
    denoiser_jacobian_eigenvalues,
    oracle_posterior_moments,
    quadrature_posterior_moments,
    torus_posterior_moments,
    tube_points,
    vmf_posterior_moments,
)
from ratesim.manifolds import Circle, FlatTorus, HolderGraph, Sphere
from ratesim.metrics import finite_difference_jacobian
from ratesim.scores import OracleScore


def _naive_circle_moments(y, sigma, kappa, mean, n=40000):
    """Posterior mean / covariance of x0 on the unit circle by the trapezoid rule (log-sum-exp)."""
    t = 2 * np.pi * np.arange(n) / n
    P = np.stack([np.cos(t), np.sin(t)], axis=1)
    out_m, out_c = [], []
    for yi in np.atleast_2d(y):
        a = kappa * np.cos(t - mean) - np.sum((yi - P) ** 2, axis=1) / (2 * sigma**2)
        w = np.exp(a - a.max())
        w /= w.sum()
        m = w @ P
        out_m.append(m)
        out_c.append((P - m).T @ ((P - m) * w[:, None]))
    return np.array(out_m), np.array(out_c)


def _naive_s2_moments(y, sigma, a, n=800):
    """Posterior moments on S^2 by a product midpoint rule in (cos theta, phi): the area element
    is d(cos theta) d phi, so uniform nodes in cos theta are exact weights."""
    c = -1 + (np.arange(n) + 0.5) * 2 / n
    ph = 2 * np.pi * np.arange(2 * n) / (2 * n)
    C_, PH = np.meshgrid(c, ph, indexing="ij")
    s = np.sqrt(1 - C_**2)
    P = np.stack([s * np.cos(PH), s * np.sin(PH), C_], axis=-1).reshape(-1, 3)
    out_m, out_c = [], []
    for yi in np.atleast_2d(y):
        lw = P @ a - np.sum((yi - P) ** 2, axis=1) / (2 * sigma**2)
        w = np.exp(lw - lw.max())
        w /= w.sum()
        m = w @ P
        out_m.append(m)
        out_c.append((P - m).T @ ((P - m) * w[:, None]))
    return np.array(out_m), np.array(out_c)


def test_vmf_moments_match_naive_quadratures():
    """Circle (von Mises 4, mean pi) and S^2 (vMF 4, mu = -e_1) at sigma = 0.2, 0.05 and points
    on and off M: the closed form equals the quadratures. Trapezoid on the circle: spectral,
    error ~1e-12; the S^2 midpoint rule with 800 x 1600 nodes (spacing 3.9e-3 = sigma / 13):
    relative error ~(spacing / sigma)^2 / 24 ~ 2.5e-4 of the covariance, so rtol 1e-3."""
    rng = np.random.default_rng(0)
    y = rng.normal(size=(4, 2))
    y /= np.linalg.norm(y, axis=1, keepdims=True)
    y *= rng.uniform(0.8, 1.2, size=(4, 1))
    for s in (0.2, 0.05):
        m, c = vmf_posterior_moments(y, s, 4.0 * np.array([-1.0, 0.0]))
        mn, cn = _naive_circle_moments(y, s, 4.0, np.pi)
        np.testing.assert_allclose(m, mn, atol=1e-10)
        np.testing.assert_allclose(c, cn, atol=1e-10)
    a = np.array([-4.0, 0.0, 0.0])
    y3 = rng.normal(size=(3, 3))
    y3 /= np.linalg.norm(y3, axis=1, keepdims=True)
    for s in (0.2, 0.05):
        m, c = vmf_posterior_moments(y3, s, a)
        mn, cn = _naive_s2_moments(y3, s, a)
        np.testing.assert_allclose(m, mn, atol=1e-6)
        np.testing.assert_allclose(c, cn, rtol=1e-3, atol=1e-3 * s**2 * 1e-2)


def test_posterior_mean_is_the_oracle_denoiser_and_torus_quadrature_twin():
    """E[x0 | x] = x + sigma^2 s(x) (Tweedie) with the library's OracleScore on every supported
    family, in d = 10 (closed forms to rounding; the Holder graph's two quadratures to 1e-10);
    the flat-torus closed form equals the trapezoid posterior (a different code path)."""
    cases = [
        (Circle(d=10, seed=2), VonMises(kappa=4.0, mean=np.pi)),
        (Sphere(k=2, d=10, seed=2), VonMisesFisher(kappa=4.0, mu=[-1.0, 0.0, 0.0])),
        (FlatTorus(k=2, d=10, seed=2), None),
        (HolderGraph(k=1, beta=4.5, eps=0.1, d=10, seed=2), None),
    ]
    for M, p in cases:
        x = tube_points(M, 6, 0.2, rng=np.random.default_rng(1))
        for s in (0.1, 0.02):
            mean, _ = oracle_posterior_moments(M, p, x, s)
            np.testing.assert_allclose(
                mean, OracleScore(M, p, rng=0).fit().denoise(x, s), atol=1e-10
            )
    M = FlatTorus(k=2, d=4, seed=None)
    x = tube_points(M, 5, 0.3, rng=np.random.default_rng(2))
    y, _ = M.to_native(x)
    m1, c1 = torus_posterior_moments(y, 0.15)
    m2, c2 = quadrature_posterior_moments(M, None, y, 0.15)
    np.testing.assert_allclose(m1, m2, atol=1e-10)
    np.testing.assert_allclose(c1, c2, atol=1e-10)


def test_jacobian_is_posterior_covariance_over_sigma2():
    """grad D_sigma = Cov(x0 | x) / sigma^2: central differences of the oracle denoiser (step
    1e-4 sigma, error ~1e-8 relative) match the exact covariance on S^2 in R^5 and on the Holder
    graph in R^3, on and off M."""
    for M, p in (
        (Sphere(k=2, d=5, seed=3), VonMisesFisher(kappa=2.0, mu=[0.0, 0.0, 1.0])),
        (HolderGraph(k=1, beta=4.5, eps=0.1, d=3, seed=3), None),
    ):
        x = tube_points(M, 4, 0.15, rng=np.random.default_rng(4))
        s = 0.05
        _, cov = oracle_posterior_moments(M, p, x, s)
        ora = OracleScore(M, p, rng=0).fit()
        J = finite_difference_jacobian(ora.denoise, x, s, fd_step=1e-4 * s)
        np.testing.assert_allclose(J, cov / s**2, atol=1e-6)


def test_extra_ambient_dimensions_give_zero_eigenvalues():
    """The oracle posterior lives in the native subspace: in R^50 the circle has one eigenvalue
    near 1, one O(sigma^2) and 48 exactly (to rounding) zero."""
    M = Circle(d=50, seed=7)
    x = M.sample(5, None, rng=np.random.default_rng(8))
    _, cov = oracle_posterior_moments(M, None, x, 0.01)
    lam = denoiser_jacobian_eigenvalues(cov, 0.01)
    np.testing.assert_allclose(lam[:, 0], 1.0, atol=1e-3)
    assert np.all(lam[:, 1] < 1e-3) and np.all(lam[:, 1] > 1e-5)
    np.testing.assert_allclose(lam[:, 2:], 0.0, atol=1e-9)


def test_validation():
    with pytest.raises(ValueError, match="sigma"):
        vmf_posterior_moments(np.ones((1, 2)), 0.0)
    with pytest.raises(ValueError, match="cut locus"):
        vmf_posterior_moments(np.zeros((1, 2)), 0.1)
    with pytest.raises(ValueError, match="pairs"):
        torus_posterior_moments(np.ones((1, 3)), 0.1)
    with pytest.raises(ValueError, match="shape"):
        denoiser_jacobian_eigenvalues(np.ones((2, 3)), 0.1)
