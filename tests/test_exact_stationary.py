"""ratesim.exact.stationary: closed forms on the von Mises circle and the exact stationary laws of
tempered-score Langevin, against an independently computed reference table, naive NumPy twins
(Gaussian convolution on an angle grid, central differences, the Risken integral of the
rotational reduction) and limits; wrong exponents must be rejected (negative controls)."""

import numpy as np
import pytest
from scipy.special import i0e, i1e, logsumexp

from ratesim import exact as ex
from ratesim.exact import stationary as st
from ratesim.rates import fit_rate, verdict

# coarse quadrature for speed: 4 nodes per 720-bin, 48 radial nodes agree with the default
# 16 / 96 to 2e-4 relative in TV (checked in test_quadrature_resolution)
FAST = dict(sub=4, n_r=48)

REFERENCE = {  # unit circle, von Mises kappa = 4, mean pi, 720 bins (independent quadrature)
    0.5: [(0.03, "0.210"), (0.01, "0.125"), (0.003, "0.0694"), (0.001, "0.0402")],
    1.0: [(0.03, "0.0381"), (0.01, "0.0127"), (0.003, "0.00382"), (0.001, "0.00127")],
    1.5: [(0.03, "6.6e-3"), (0.01, "1.27e-3"), (0.003, "2.1e-4"), (0.001, "4.0e-5")],
}


def _half_unit(text: str) -> float:
    """Half a unit in the last printed digit of a reference value (its rounding error)."""
    mant, _, exp = text.lower().partition("e")
    decimals = len(mant.split(".")[1]) if "." in mant else 0
    return 0.5 * 10.0 ** (-decimals + (int(exp) if exp else 0))


@pytest.mark.parametrize("alpha", sorted(REFERENCE))
def test_reference_table(alpha):
    """Every reference value is reproduced within its printed rounding (+1e-12 of quadrature)."""
    for sigma, text in REFERENCE[alpha]:
        tv = st.tempered_stationary_law(sigma, alpha, **FAST).tv
        assert abs(tv - float(text)) <= _half_unit(text) + 1e-12, (alpha, sigma, tv, text)


def test_beta_err_minus_one_values():
    """Reference values with the double-well error at beta_err = -1: alpha = 1.5 gives 0.050,
    0.016, 0.010, 0.006, 0.003; alpha = 1 plateaus near 0.10; alpha = 0.5 stays near 0.5;
    alpha = 0 tends to 1."""
    sig = [0.1, 0.03, 0.01, 0.003, 0.001]
    law = {a: [st.tempered_stationary_law(s, a, c_err=1.0, beta_err=-1.0, **FAST).tv for s in sig]
           for a in (1.5, 1.0, 0.5, 0.0)}  # fmt: skip
    ref15 = ["0.050", "0.016", "0.010", "0.006", "0.003"]
    # the last reference value is printed with one digit: 0.0035 rounds to 0.003 or 0.004
    for tv, text in zip(law[1.5], ref15, strict=True):
        assert abs(tv - float(text)) <= _half_unit(text) + 1e-6, (tv, text)
    assert all(abs(v - 0.10) < 0.005 for v in law[1.0][1:])  # plateau (sigma = 0.1 still 0.17)
    assert all(0.4 < v < 0.6 for v in law[0.5])
    assert np.all(np.diff(law[0.0][1:]) > 0) and law[0.0][-1] > 0.85


def _naive_log_p(x, sigma, kappa=4.0, mean=np.pi, n=20000):
    """Gaussian convolution of the von Mises law on a fine angle grid (log-sum-exp)."""
    t = (np.arange(n) + 0.5) * 2 * np.pi / n
    logw = kappa * np.cos(t - mean) - np.log(n) - np.log(i0e(kappa)) - kappa
    P = np.stack([np.cos(t), np.sin(t)], axis=1)
    d2 = ((x[:, None, :] - P[None, :, :]) ** 2).sum(-1)
    return logsumexp(logw[None, :] - d2 / (2 * sigma**2), axis=1) - np.log(2 * np.pi * sigma**2)


def test_quadrature_resolution():
    """The default resolution (16 nodes per bin, 96 radial nodes) and the fast one agree, and
    doubling both changes TV by < 1e-6 relative (smooth law) / 1e-3 (collapsed wells)."""
    for args in [(1e-3, 1.0, 0.0, 0.0), (1e-5, 0.0, 1.0, -1.5)]:
        s, a, c, b = args
        ref = st.tempered_stationary_law(s, a, c_err=c, beta_err=b, sub=32, n_r=192).tv
        mid = st.tempered_stationary_law(s, a, c_err=c, beta_err=b).tv
        fast = st.tempered_stationary_law(s, a, c_err=c, beta_err=b, **FAST).tv
        tol = 1e-6 if c == 0 else 1e-3
        assert abs(mid - ref) <= tol * ref and abs(fast - ref) <= 2e-4 * ref + tol * ref


@pytest.mark.parametrize("sigma", [0.1, 0.03])
def test_log_p_and_score_against_naive_twins(sigma):
    """Closed form = naive convolution (periodic midpoint rule: error far below 1e-10 with 2e4
    nodes for sigma >= 0.03); score = central differences of log p (step 1e-6 sigma, error
    O(step^2 |d^3 log p|) ~ 1e-8 relative)."""
    rng = np.random.default_rng(0)
    t = rng.uniform(0, 2 * np.pi, 20)
    r = 1 + sigma * rng.standard_normal(20)
    x = np.stack([r * np.cos(t), r * np.sin(t)], axis=1)
    np.testing.assert_allclose(st.circle_log_p_sigma(x, sigma), _naive_log_p(x, sigma), atol=1e-9)
    s = st.circle_score(x, sigma)
    eps = 1e-6 * sigma
    fd = np.stack(
        [(st.circle_log_p_sigma(x + eps * e, sigma) - st.circle_log_p_sigma(x - eps * e, sigma))
         / (2 * eps) for e in np.eye(2)], axis=1)  # fmt: skip
    np.testing.assert_allclose(s, fd, rtol=1e-6, atol=1e-6 / sigma)


def test_closed_forms_match_library_oracle():
    """The circle closed forms equal the library's OracleScore (closed-form von Mises-Fisher on
    the canonical circle), score to 1e-10 relative, log density to 1e-9."""
    from ratesim.densities import VonMises
    from ratesim.manifolds import Sphere
    from ratesim.scores import OracleScore

    rng = np.random.default_rng(1)
    x = rng.standard_normal((50, 2))
    est = OracleScore(
        Sphere(k=1, d=2, seed=None), VonMises(4.0, np.pi), method="closed_form", rng=0
    ).fit()
    np.testing.assert_allclose(est.score(x, 0.05), st.circle_score(x, 0.05), rtol=1e-10)
    np.testing.assert_allclose(est.log_density(x, 0.05), st.circle_log_p_sigma(x, 0.05), atol=1e-9)


def test_double_well_and_its_gradient():
    """phi = (|x_1| - 1)^2 vanishes at (+-1, 0), is quartic in the angle there (phi / t^4 -> 1/4),
    and its gradient equals central differences (step 1e-6 away from the kink x_1 = 0). The
    PerturbedScore default potential is this one."""
    from ratesim.scores import PerturbedScore, _perturbed

    assert _perturbed.double_well is ex.double_well
    assert _perturbed.double_well_grad is ex.double_well_grad
    rng = np.random.default_rng(2)
    x = rng.uniform(0.1, 2.0, (30, 3)) * rng.choice([-1, 1], (30, 3))
    eps = 1e-6
    fd = np.stack(
        [
            (ex.double_well(x + eps * e) - ex.double_well(x - eps * e)) / (2 * eps)
            for e in np.eye(3)
        ],
        axis=1,
    )
    np.testing.assert_allclose(ex.double_well_grad(x), fd, atol=1e-8)
    np.testing.assert_allclose(ex.double_well(np.array([[1.0, 0.0], [-1.0, 0.0]])), 0.0)
    t = np.array([1e-2, 3e-3])
    ratio = ex.double_well(np.stack([np.cos(t), np.sin(t)], 1)) / t**4
    np.testing.assert_allclose(ratio, 0.25, rtol=1e-3)
    assert PerturbedScore().phi is None  # the default is the library potential


def test_plain_langevin_law_is_p_sigma_and_width():
    """alpha = 0: the stationary law is p_sigma, whose angular marginal tends to von Mises(4, pi):
    E cos t -> -I1/I0(4) (error O(sigma)). Normal width = sigma^(1 - alpha/2) (relative O(sigma^2)
    curvature corrections at small sigma)."""
    law = st.tempered_stationary_law(1e-3, 0.0, **FAST)
    assert abs(law.m1 + i1e(4.0) / i0e(4.0)) < 5e-3
    for a in (0.0, 0.5, 1.0, 1.5):
        w = st.tempered_stationary_law(1e-4, a, **FAST).width
        assert abs(w / 1e-4 ** (1 - a / 2) - 1) < 2e-2, (a, w)


def test_rotational_reduction_against_risken_integral():
    """Fourier-Galerkin solution = naive Risken integral p ~ e^-U(t) int_0^2pi e^(U(t+u) - F u) du
    (trapezoid, 4000 nodes: error ~1e-6), and F -> 0 gives back the gradient law exactly."""
    n = 2880
    theta = (np.arange(n) + 0.5) * 2 * np.pi / n
    eps = 0.3
    marg = np.exp(eps * np.cos(theta - np.pi))
    for F in (0.5, 3.0):
        dens = st._tilted_periodic(marg, F, theta)
        dens /= dens.mean() * 2 * np.pi
        U = -eps * np.cos(theta - np.pi)
        u = np.linspace(0, 2 * np.pi, 4001)
        integ = np.trapezoid(
            np.exp(-eps * np.cos(theta[:, None] + u[None, :] - np.pi) - F * u), u, axis=1
        )
        naive = np.exp(-U) * integ
        naive /= naive.mean() * 2 * np.pi
        np.testing.assert_allclose(dens, naive, rtol=1e-5)
    a = st.tempered_stationary_law(0.01, 1.0, **FAST)
    b = st.tempered_stationary_law(0.01, 1.0, c_err=1.0, beta_err=60.0, kind="rotational", **FAST)
    np.testing.assert_allclose(a.tv, b.tv, rtol=1e-9)


def test_rates_and_negative_controls():
    """Exact score: TV ~ sigma^alpha (slope alpha = 1 against sigma, consistent); a wrong exponent
    (alpha/2) is contradicted; the rotational error gives max(alpha, -beta_err)."""
    sig = np.array([1e-2, 1e-3, 1e-4, 1e-5])
    tv = [st.tempered_stationary_law(s, 1.0, **FAST).tv for s in sig]
    fit = fit_rate(1 / sig, tv)
    assert verdict(fit.ci, -1.0, tolerance=0.03) == "consistent"
    assert verdict(fit.ci, -0.5, tolerance=0.03) == "contradicted"
    tv_rot = [st.tempered_stationary_law(s, 0.5, c_err=1.0, beta_err=-1.0,
                                         kind="rotational", **FAST).tv for s in sig]  # fmt: skip
    fr = fit_rate(1 / sig, tv_rot)
    assert verdict(fr.ci, -1.0, tolerance=0.03) == "consistent"
    assert verdict(fr.ci, -0.5, tolerance=0.03) == "contradicted"


def test_angle_tv_floor_and_tv_to_uniform():
    """The 720-bin TV of n uniform angles has mean ~ its floor 0.5 sum sqrt(2 q(1-q)/(pi n))
    (normal approximation; 20 repetitions, tolerance 5 standard errors of the mean).
    tv_to_uniform: a point mass on one of B bins is at TV 1 - 1/B; the uniform law at 0."""
    rng = np.random.default_rng(3)
    vals = [st.angle_tv(rng.uniform(0, 2 * np.pi, 5000)) for _ in range(20)]
    tv = np.array([v[0] for v in vals])
    assert abs(tv.mean() - vals[0][1]) < 5 * tv.std(ddof=1) / np.sqrt(tv.size) + 0.01 * vals[0][1]
    assert st.tv_to_uniform(np.eye(8)[3]) == pytest.approx(1 - 1 / 8, abs=1e-15)
    assert st.tv_to_uniform(np.ones(8)) == 0.0
    with pytest.raises(ValueError):
        st.tv_to_uniform([1.0, -0.5])


def test_sampling_and_cdf_of_the_law():
    """Angles drawn from StationaryLaw.sample_angles pass a KS test against its own cdf and have
    E cos t = m1 within 4 standard errors; the Euler-Maruyama width inflation is 1/sqrt(1 - h/2)."""
    from ratesim.metrics import uniformity_tests

    law = st.tempered_stationary_law(0.1, 0.5, **FAST)
    th = law.sample_angles(20000, rng=np.random.default_rng(4))
    assert uniformity_tests(th, cdf=law.cdf).ks_pvalue > 1e-3
    c = np.cos(th)
    assert abs(c.mean() - law.m1) < 4 * c.std() / np.sqrt(c.size)
    assert st.normal_width_em(1.0, 0.1) == pytest.approx(1 / np.sqrt(0.95))
    with pytest.raises(ValueError):
        st.normal_width_em(1.0, 2.0)
