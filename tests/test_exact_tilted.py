"""ratesim.exact.tilted: the circle's p_sigma and score in closed form against the oracle and
finite differences down to the small sigma the quadrature uses, the polar quadrature of tilted laws
against a brute-force Cartesian NumPy twin, and the comparisons of an angular marginal with a law
on the circle."""

import math

import numpy as np
import pytest

from ratesim.exact import (
    CircleLaw,
    circle_log_p_sigma,
    circle_prior,
    circle_score,
    circle_tilted_law,
    circular_w1_to_point,
    tv_to_density,
)


def test_log_p_sigma_matches_oracle():
    """The closed form of the quadrature (CirclePrior.log_density) equals OracleScore.log_density
    (same formula, independent code) to 1e-9 absolute over sigma in [1e-4, 0.3] and points on and
    off the circle."""
    from ratesim.densities import VonMises
    from ratesim.manifolds import Circle
    from ratesim.scores import OracleScore

    o = OracleScore(Circle(d=2, seed=None), VonMises(kappa=4.0, mean=math.pi), rng=0).fit()
    rng = np.random.default_rng(0)
    th = rng.uniform(0, 2 * np.pi, 50)
    for s in (0.3, 0.05, 1e-3, 1e-4):
        r = 1 + s * rng.standard_normal(50)
        x = np.stack([r * np.cos(th), r * np.sin(th)], axis=1)
        np.testing.assert_allclose(
            circle_prior(4.0, math.pi).log_density(x, s), o.log_density(x, s), atol=1e-9
        )


def test_circle_score_matches_oracle_and_log_density():
    """circle_score equals OracleScore.score (1e-8 relative) and the central difference of
    circle_log_p_sigma (step 1e-6 sigma: error O(1e-12 / sigma^2) relative to |s| ~ 1/sigma) down
    to sigma = 1e-3."""
    from ratesim.densities import VonMises
    from ratesim.manifolds import Circle
    from ratesim.scores import OracleScore

    o = OracleScore(Circle(d=2, seed=None), VonMises(kappa=4.0, mean=math.pi), rng=0).fit()
    rng = np.random.default_rng(1)
    for sig in (0.3, 0.01, 1e-3):
        th = rng.uniform(0, 2 * np.pi, 20)
        r = 1 + sig * rng.standard_normal(20)
        x = np.stack([r * np.cos(th), r * np.sin(th)], axis=1)
        s = circle_score(x, sig, 4.0, math.pi)
        np.testing.assert_allclose(s, o.score(x, sig), rtol=1e-8, atol=1e-8 / sig)
        h = 1e-6 * sig
        fd = np.stack(
            [(circle_log_p_sigma(x + h * e, sig, 4.0, math.pi)
              - circle_log_p_sigma(x - h * e, sig, 4.0, math.pi)) / (2 * h) for e in np.eye(2)],
            axis=1,
        )  # fmt: skip
        np.testing.assert_allclose(s, fd, rtol=1e-4, atol=1e-4 / sig)


def _brute_force(sigma, V, a=1.0, n=1601, half=2.0):
    """Cartesian grid twin on [-half, half]^2: angular moments E[cos j theta], E[sin j theta]
    (j = 1, 2), E dist^2 and mass outside the tube 0.25 (grid spacing 2.5e-3 << sigma = 0.1)."""
    g = np.linspace(-half, half, n)
    X, Y = np.meshgrid(g, g, indexing="ij")
    x = np.stack([X.ravel(), Y.ravel()], axis=1)
    r = np.hypot(x[:, 0], x[:, 1])
    th = np.arctan2(x[:, 1], x[:, 0])
    lf = a * circle_log_p_sigma(x, sigma, 4.0, math.pi) - V(x)
    w = np.exp(lf - lf.max())
    w /= w.sum()
    mom = np.array([np.sum(w * f(j * th)) for j in (1, 2) for f in (np.cos, np.sin)])
    return mom, float(np.sum(w * (r - 1) ** 2)), float(np.sum(w * (np.abs(r - 1) >= 0.25)))


def test_tilted_law_matches_cartesian_twin():
    """At sigma = 0.1 the polar quadrature and a 1601^2 Cartesian grid agree: smooth angular
    moments within 1e-3 absolute, E dist^2 and the mass outside the tube within 1 % (the grid
    rule errs by O(h^2 / sigma^2) ~ 6e-4 relative; the indicator of the tube by ~h / (tube
    boundary mass scale) < 1 %)."""
    prior = circle_prior(4.0, math.pi)
    c = np.array([0.3, 0.4])
    s, gamma = 0.1, -1.0

    def V(x):
        return s**gamma * np.sum((x - c) ** 2, axis=1)

    law = circle_tilted_law(prior, s, V, eps=0.25)
    mom, d2, out = _brute_force(s, V)
    th = law.theta
    got = np.array([np.sum(law.q * f(j * th)) for j in (1, 2) for f in (np.cos, np.sin)])
    np.testing.assert_allclose(got, mom, atol=1e-3)
    assert law.mean_dist2 == pytest.approx(d2, rel=1e-2)
    assert law.mass_out == pytest.approx(out, rel=1e-2)


def test_untilted_law_is_p_sigma_and_tv_limits():
    """V = 0: the angular marginal of p_sigma is the von Mises law up to O(sigma^2) (TV ratio
    ~100 between sigma = 0.01 and 0.001, within 10 %), E dist^2 = sigma^2 (1 + O(sigma^2))."""
    prior = circle_prior(4.0, math.pi)
    tv = []
    for s in (0.01, 0.001):
        law = circle_tilted_law(prior, s, lambda x: np.zeros(len(x)), n_theta=1024)
        assert law.mean_dist2 == pytest.approx(s**2, rel=1e-3)
        assert law.q.sum() == pytest.approx(1.0)
        tv.append(tv_to_density(law, prior.log_pdf_angle))
    assert tv[0] / tv[1] == pytest.approx(100.0, rel=0.1)


def test_comparisons_with_laws_on_the_circle():
    """Uniform marginal: TV 0 to the uniform law (an unnormalized constant log density is
    accepted), W1 to any point pi / 2 (the mean arc distance); a point mass at node j: W1 to the
    node j + 3 is 3 node spacings, TV to the uniform law 1 - 1/n."""
    n = 64
    th = 2 * np.pi * np.arange(n) / n
    z = np.zeros(n)
    uni = CircleLaw(th, np.full(n, 1 / n), z, z, 0.0, 0.0, 0.0)
    assert tv_to_density(uni, lambda t: np.full(t.shape, 5.0)) == pytest.approx(0.0, abs=1e-15)
    assert circular_w1_to_point(uni, 0.3) == pytest.approx(np.pi / 2, rel=1e-3)
    q = np.zeros(n)
    q[10] = 1.0
    point = CircleLaw(th, q, z, z, 0.0, 0.0, 0.0)
    assert circular_w1_to_point(point, th[13]) == pytest.approx(3 * 2 * np.pi / n)
    assert tv_to_density(point, lambda t: np.zeros(t.shape)) == pytest.approx(1 - 1 / n)
    assert np.allclose(uni.density, 1 / (2 * np.pi))


def test_validation():
    prior = circle_prior(4.0)
    with pytest.raises(ValueError, match="eps"):
        circle_tilted_law(prior, 0.1, lambda x: np.zeros(len(x)), eps=1.5)
    with pytest.raises(ValueError, match="callable"):
        circle_tilted_law(prior, 0.1, 3.0)
    with pytest.raises(ValueError, match="sigma"):
        circle_tilted_law(prior, -0.1, lambda x: np.zeros(len(x)))
    with pytest.raises(ValueError, match="kappa"):
        circle_prior(-1.0)
    with pytest.raises(ValueError, match="mean"):
        circle_prior(1.0, float("nan"))
