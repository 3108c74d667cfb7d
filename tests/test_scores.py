"""Tests of ratesim.scores: closed forms, identities, numba twins, the contract suite.

Tolerances: deterministic identities are checked at rtol ~1e-10 (float64 rounding amplified by at
most ~1e4 through softmax normalizations and 1/sigma^2); approximation orders are checked by the
ratio of errors at two step sizes (or a fitted log-log slope) with the window stated next to each
assertion. No test here is statistical except where marked, and those use fixed seeds.
"""

from __future__ import annotations

import pickle
import warnings

import naive_scores as naive
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import i0, i1
from scipy.stats import special_ortho_group

from ratesim._validation import NotFittedError
from ratesim.densities import Uniform, VonMises, VonMisesFisher
from ratesim.exact import double_well
from ratesim.manifolds import Sphere
from ratesim.scores import (
    SCORES,
    AdaptiveProjectionScore,
    CallableScore,
    EmpiricalScore,
    KernelSmoothedScore,
    KNNScore,
    LocalPolynomialScore,
    NadarayaWatsonScore,
    OracleScore,
    PerturbedScore,
    ProjectionScore,
    SmoothedScore,
    TwoScaleScore,
    clone,
    local_polynomial_regression,
    make_score,
)
from ratesim.scores._localpoly import (
    _local_poly_kernel,
    _mls_projection_kernel,
    monomial_exponents,
)

CIRCLE = Sphere(k=1, d=2, seed=None)
VM = VonMises(kappa=4.0, mean=np.pi)


def _circle_data(n=60, d=3, seed=0):
    M = Sphere(k=1, d=d, seed=1)
    return M, M.sample(n, VonMisesFisher(kappa=1.0, mu=[0.6, 0.8]), rng=seed)


def _params(name, M):
    """Small, fast hyper-parameters for each registered estimator."""
    return {
        "empirical": {},
        "smoothed": {"bandwidth": 0.2},
        "closed_form": {"bandwidth": 0.1, "n_perturb": 5, "rng": 3},
        "kernel_smoothed": {"bandwidth": 0.1},
        "nadaraya_watson": {"bandwidth": 0.2, "n_noise": 3, "rng": 4},
        "local_polynomial": {"bandwidth": 0.3, "degree": 1, "n_noise": 3, "rng": 5},
        "knn": {"k_neighbors": 7},
        "projection": {"bandwidth": 0.4, "k": 1},
        "adaptive_projection": {"bandwidth": 0.4, "k": 1},
        "oracle": {"manifold": M, "density": Uniform(), "rng": 0},
        "perturbed": {"base": EmpiricalScore(), "gamma": -1.0, "c": 0.5},
        "exact_coarse": {"manifold": M},
        "dsm_network": {"width": 8, "steps": 20, "rng": 6},
        "two_scale": {
            "coarse": NadarayaWatsonScore(bandwidth=0.2, n_noise=3, rng=4),
            "fine": AdaptiveProjectionScore(bandwidth=0.4, k=1),
            "sigma_0": 0.1,
        },
    }[name]


# ----- 1. empirical score = Gaussian mixture ---------------------------------------------------
@pytest.mark.parametrize("sigma", [0.05, 0.3, 2.0])
def test_empirical_score_is_the_gaussian_mixture_score(sigma):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((25, 3))
    x = rng.standard_normal((7, 3)) * 0.5
    est = EmpiricalScore().fit(X)
    s_ref, logp_ref = naive.gaussian_mixture_score(X, x, sigma)
    # explicit densities are exact at these sigma (no underflow: |x - x_i|^2 / (2 sigma^2) < 700)
    assert_allclose(est.score(x, sigma), s_ref, rtol=1e-10, atol=1e-12 / sigma**2)
    assert_allclose(est.log_density(x, sigma), logp_ref, rtol=1e-10)


def test_empirical_score_is_stable_far_and_at_tiny_sigma():
    X = np.array([[0.0, 0.0], [1.0, 0.0]])
    est = EmpiricalScore().fit(X)
    x = np.array([[0.9, 0.1], [1e3, -1e3]])
    s = est.score(x, 1e-4)
    assert np.all(np.isfinite(s)) and np.all(np.isfinite(est.log_density(x, 1e-4)))
    # the denoiser returns the nearest training point when sigma << spacing (memorization)
    assert_allclose(est.denoise(x, 1e-4), [[1.0, 0.0], [1.0, 0.0]], atol=1e-12)


def test_smoothed_score_is_empirical_score_at_the_inflated_scale():
    rng = np.random.default_rng(2)
    X, x = rng.standard_normal((30, 2)), rng.standard_normal((5, 2))
    sigma, h = 0.1, 0.3
    tau = np.hypot(sigma, h)
    assert_allclose(
        SmoothedScore(bandwidth=h).fit(X).score(x, sigma),
        EmpiricalScore().fit(X).score(x, tau),
        rtol=1e-12,
    )
    assert_allclose(
        SmoothedScore(bandwidth=0.0).fit(X).score(x, sigma), EmpiricalScore().fit(X).score(x, sigma)
    )


def test_perturbation_averages_reduce_to_empirical_at_h0_and_smooth_at_h():
    rng = np.random.default_rng(3)
    X, x = rng.standard_normal((40, 2)), rng.standard_normal((5, 2))
    emp = EmpiricalScore().fit(X).score(x, 0.2)
    for name in ("closed_form", "kernel_smoothed"):
        est = make_score(name, bandwidth=0.0, **({"rng": 0} if name == "closed_form" else {}))
        assert_allclose(est.fit(X).score(x, 0.2), emp, rtol=1e-12)
    # the degree-3 cubature of K_h * s_N matches a 4000-node Monte-Carlo average of the same
    # convolution: at h = 0.05 the cubature error is O(h^4 |d^4 s|) and the MC standard error is
    # ~ h |grad s| / sqrt(4000); both well below 2e-2 |s| here (measured ~3e-3).
    ks = KernelSmoothedScore(bandwidth=0.05).fit(X).score(x, 0.2)
    cf = make_score("closed_form", bandwidth=0.05, n_perturb=4000, rng=0).fit(X).score(x, 0.2)
    assert np.max(np.abs(ks - cf)) < 2e-2 * np.max(np.abs(emp))


def test_knn_score_equals_empirical_with_all_neighbours_and_differs_with_few():
    rng = np.random.default_rng(4)
    X, x = rng.standard_normal((50, 3)), rng.standard_normal((6, 3))
    emp = EmpiricalScore().fit(X).score(x, 0.8)
    assert_allclose(KNNScore(k_neighbors=500).fit(X).score(x, 0.8), emp, rtol=1e-10)
    # negative control: 2 neighbours at sigma = 0.8 (spacing ~ 0.5) truncate real posterior mass
    assert np.max(np.abs(KNNScore(k_neighbors=2).fit(X).score(x, 0.8) - emp)) > 1e-2


DISTANCE_ONLY = {
    "empirical": {},
    "smoothed": {"bandwidth": 0.3},
    "kernel_smoothed": {"bandwidth": 0.2},
    "knn": {"k_neighbors": 7},
}


@pytest.mark.parametrize("name", sorted(DISTANCE_ONLY))
def test_distance_scores_ignore_the_coordinates_off_a_linear_span(name):
    """Data in a 2-plane of R^10: a score built on distances to the training points has an
    in-plane part that does not depend on the query's off-plane coordinates (their squared norm
    is common to every training point), which makes its sampler's projected law d-invariant. The
    regression scores, which draw their noisy copies in R^d, are the control: their in-plane
    part moves with the off-plane offset."""
    rng = np.random.default_rng(11)
    frame = special_ortho_group.rvs(10, random_state=3)
    plane, normal = frame[:, :2], frame[:, 2:]
    X = np.c_[np.cos(t := rng.uniform(0, 2 * np.pi, 40)), np.sin(t)] @ plane.T
    x = rng.standard_normal((8, 2)) @ plane.T
    off = x + 1.5 * rng.standard_normal((8, 8)) @ normal.T
    for sigma in (0.05, 0.3, 2.0):
        est = make_score(name, **DISTANCE_ONLY[name]).fit(X)
        # float64 rounding of the common off-plane distance: |off-plane|^2 ~ 18 carries an
        # error ~ 18 x 2e-16 into each logit / (2 sigma^2), a relative weight error ~ 7e-13 at
        # sigma = 0.05, times |x_i| / sigma^2 = 400 in the score: ~ 3e-10, so atol 1e-9
        assert_allclose(est.score(off, sigma) @ plane, est.score(x, sigma) @ plane, atol=1e-9)
    nw = NadarayaWatsonScore(bandwidth=0.2, n_noise=3, rng=4).fit(X)
    moved = np.abs(nw.score(off, 0.3) @ plane - nw.score(x, 0.3) @ plane).max()
    assert moved > 1e-2


# ----- 2. oracle: closed forms, quadrature, finite differences, collapse -----------------------
def _sphere_cases():
    return [
        (Sphere(k=1, d=3, seed=2), VM),
        (Sphere(k=2, d=4, seed=5), VonMisesFisher(kappa=2.5, mu=[0.0, 0.6, 0.8])),
        (Sphere(k=2, d=3, seed=None), Uniform()),
    ]


@pytest.mark.parametrize("case", range(3))
def test_oracle_closed_form_matches_quadrature(case):
    M, D = _sphere_cases()[case]
    closed = OracleScore(M, D, rng=0).fit()
    quad = OracleScore(M, D, method="quadrature", rng=0).fit()
    assert closed.method_ == "closed_form" and quad.method_ == "quadrature"
    rng = np.random.default_rng(case)
    x = M.sample(6, D, rng=rng) + 0.15 * rng.standard_normal((6, M.d))
    for sigma in (0.5, 0.2):
        s_c = closed.score(x, sigma)
        # the trapezoid/Gauss-Legendre rule at spacing sigma / 4 errs by ~exp(-2 pi^2 16): the
        # agreement is at rounding level; 1e-9 allows the 1/sigma^2 amplification of rounding
        assert_allclose(quad.score(x, sigma), s_c, rtol=1e-9, atol=1e-9 * np.abs(s_c).max())
        assert_allclose(quad.log_density(x, sigma), closed.log_density(x, sigma), atol=1e-9)


def test_oracle_circle_log_density_matches_plain_riemann_sum():
    o = OracleScore(CIRCLE, VM, rng=0).fit()
    rng = np.random.default_rng(7)
    x = rng.standard_normal((5, 2))
    for sigma in (0.05, 0.4):
        ref = naive.circle_vm_log_density(x, sigma, 4.0, np.pi)
        assert_allclose(o.log_density(x, sigma), ref, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("case", range(3))
def test_oracle_score_is_the_gradient_of_its_log_density(case):
    """Central differences have error (e^2 / 6) |d^3 log p| + rounding ~ 1e-16 |log p| / e.
    Halving e must divide the error by ~4 (ratio in [3, 5]) while it stays above rounding, and
    at e = 2e-3 the error is below 1e-5 |s| here (|d^3 log p| <~ 1/sigma^4 = 40 at sigma = 0.4)."""
    M, D = _sphere_cases()[case]
    o = OracleScore(M, D, rng=0).fit()
    rng = np.random.default_rng(10 + case)
    x = M.sample(4, D, rng=rng) + 0.2 * rng.standard_normal((4, M.d))
    sigma = 0.4
    s = o.score(x, sigma)

    def fd(e):
        g = np.empty_like(x)
        for j in range(M.d):
            dx = np.zeros(M.d)
            dx[j] = e
            g[:, j] = (o.log_density(x + dx, sigma) - o.log_density(x - dx, sigma)) / (2 * e)
        return g

    err1, err2 = np.abs(fd(2e-3) - s).max(), np.abs(fd(1e-3) - s).max()
    assert err1 < 1e-5 * np.abs(s).max()
    assert 3.0 < err1 / err2 < 5.0
    # negative control: the score of a different concentration is not the gradient
    if case < 2:
        wrong = (
            OracleScore(M, type(D)(kappa=D.kappa + 0.5, **_mean_kw(D)), rng=0).fit().score(x, sigma)
        )
        assert np.abs(fd(1e-3) - wrong).max() > 100 * err1


def _mean_kw(D):
    return {"mean": D.mean} if isinstance(D, VonMises) else {"mu": D.mu}


def test_collapse_remainder_matches_science_reference_values():
    """P2 check values (docs/science.md): circle, von Mises kappa = 4, mean pi, point at angle 0.7.
    The tabulated quantity is the Theta(1)-expansion remainder of the log density,
    log p_sigma(x) - [log p(u0) - (1/2) log(2 pi sigma^2)] (x on M, so dist = 0 and H = g = 1);
    given to 3 significant digits, so the tolerance is half a unit in the last digit."""
    o = OracleScore(CIRCLE, VM, rng=0).fit()
    x = np.array([[np.cos(0.7), np.sin(0.7)]])
    log_p = VM.log_pdf(CIRCLE, x)[0]
    ref = {0.1: 5.09e-2, 0.03: 4.49e-3, 0.01: 4.98e-4, 0.003: 4.48e-5}
    for sigma, r in ref.items():
        rem = o.log_density(x, sigma)[0] - (log_p - 0.5 * np.log(2 * np.pi * sigma**2))
        assert abs(rem - r) <= 0.5 * 10 ** (np.floor(np.log10(r)) - 2), (sigma, rem, r)


def _collapse_slope(est, M, sigmas):
    """Slope of log sup_tube |denoise(x) - P_M x| against log sigma on a tube of radius 0.2."""
    t = np.linspace(0, 2 * np.pi, 37)[:-1]
    r = np.array([0.8, 0.9, 1.0, 1.1, 1.2])
    T, R = np.meshgrid(t, r)
    x = np.stack([R.ravel() * np.cos(T.ravel()), R.ravel() * np.sin(T.ravel())], axis=1)
    x = x @ M.frame.T
    P = M.project(x).point
    errs = [np.abs(est.denoise(x, s) - P).max() for s in sigmas]
    return np.polyfit(np.log(sigmas), np.log(errs), 1)[0], errs


def test_oracle_denoiser_collapses_onto_projection_at_rate_sigma_squared():
    """P2 / P3: sup_tube |D_sigma(x) - P_M x| = O(sigma^2). Fitted slope over sigma in
    [0.003, 0.1] must be within 0.1 of 2 (pre-asymptotic curvature terms bend it by < 0.05 here)."""
    sigmas = np.array([0.1, 0.03, 0.01, 0.003])
    slope, errs = _collapse_slope(OracleScore(CIRCLE, VM, rng=0).fit(), CIRCLE, sigmas)
    assert abs(slope - 2.0) < 0.1, (slope, errs)
    # negative control: an error field of size sigma^-1 makes the remainder O(sigma): slope ~ 1
    bad = PerturbedScore(OracleScore(CIRCLE, VM, rng=0), gamma=-1.0, kind="rotational").fit()
    slope_bad, _ = _collapse_slope(bad, CIRCLE, sigmas)
    assert abs(slope_bad - 2.0) > 0.5


def test_oracle_quadrature_grid_is_chosen_from_sigma_and_refused_when_too_coarse():
    o = OracleScore(CIRCLE, VM, method="quadrature", max_nodes=1000, rng=0).fit()
    n1, n2 = o.n_nodes_for(0.1), o.n_nodes_for(0.03)
    assert 2 * np.pi / n1 <= 0.1 / 4 and n2 > n1
    with pytest.raises(ValueError, match="sigma = 0.001 is too small"):
        o.score(np.ones((1, 2)), 0.001)
    coarse = OracleScore(CIRCLE, VM, method="quadrature", n_quad=16, rng=0).fit()
    with pytest.warns(RuntimeWarning, match="too coarse"):
        coarse.score(np.ones((1, 2)), 0.05)


def test_oracle_reference_sample_for_high_dimensional_manifolds_is_flagged():
    M = Sphere(k=3, d=5, seed=0)
    o = OracleScore(M, Uniform(), method="reference", n_reference=2000, rng=0).fit()
    assert o.approximate_ and o.method_ == "reference"
    x = M.sample(3, rng=1) * 1.05
    # the reference mixture is the empirical score of the reference sample, exactly
    assert_allclose(o.score(x, 0.3), EmpiricalScore().fit(o.reference_).score(x, 0.3))
    # and close to the closed form at sigma = 0.3 >> reference spacing 2000^(-1/3) ~ 0.08:
    # measured relative error ~ 5e-2; the bound 0.2 is the Monte-Carlo order 1/sqrt(2000 * w_eff)
    ex = OracleScore(M, Uniform(), rng=0).fit()
    assert not ex.approximate_
    rel = np.abs(o.score(x, 0.3) - ex.score(x, 0.3)).max() / np.abs(ex.score(x, 0.3)).max()
    assert rel < 0.2


# ----- 3. regression estimators: exactness and numba twins -----------------------------------
@pytest.mark.parametrize("degree", [0, 1, 2])
def test_local_polynomial_reproduces_polynomials_of_its_degree(degree):
    rng = np.random.default_rng(20 + degree)
    inputs = rng.uniform(-1, 1, (80, 2))
    q = rng.uniform(-0.5, 0.5, (6, 2))
    A = rng.standard_normal((2, 3))

    def poly(z, p):
        out = 0.7 + z @ A
        if p >= 2:
            out = out + (z[:, :1] ** 2 - z[:, 1:] * z[:, :1]) * np.array([1.0, -2.0, 0.5])
        return out if p >= 1 else np.full_like(out, 0.7)

    fit = local_polynomial_regression(inputs, poly(inputs, degree), q, bandwidth=0.4, degree=degree)
    # exact up to the 1e-10 relative ridge times the conditioning of the local design (<~1e3)
    assert_allclose(fit, poly(q, degree), atol=1e-6)
    # negative control: one degree less cannot reproduce a degree-(p) target with p >= 1
    if degree >= 1:
        low = local_polynomial_regression(inputs, poly(inputs, degree), q, 0.4, degree - 1)
        assert np.abs(low - poly(q, degree)).max() > 1e-3


def test_local_polynomial_kernel_matches_naive_twin():
    rng = np.random.default_rng(30)
    inputs, targets = rng.standard_normal((40, 3)), rng.standard_normal((40, 2))
    log_a, q = rng.standard_normal(40), rng.standard_normal((5, 3))
    for degree in (0, 1, 2):
        out = np.empty((5, 2))
        _local_poly_kernel(
            inputs, targets, log_a, q, 0.7, monomial_exponents(3, degree), 1e-10, out, 2
        )
        ref = naive.local_poly(inputs, targets, log_a, q, 0.7, degree)
        assert_allclose(out, ref, rtol=1e-10, atol=1e-12)


def test_monomial_exponents_match_brute_force():
    for q, p in [(1, 3), (2, 2), (3, 2), (2, 4)]:
        assert [tuple(e) for e in monomial_exponents(q, p)] == naive.monomials(q, p)


def test_mls_projection_kernel_matches_naive_twin():
    M, X = _circle_data(n=50, d=3)
    rng = np.random.default_rng(31)
    q = M.sample(4, rng=rng) + 0.05 * rng.standard_normal((4, 3))
    for degree in (1, 2):
        out = np.empty_like(q)
        exps = monomial_exponents(1, degree)
        _mls_projection_kernel(X, q, 0.4, 1, exps, 1e-10, 2, 8, out, 2)
        ref = naive.mls_projection(X, q, 0.4, 1, degree, 2, 8)
        assert_allclose(out, ref, rtol=1e-10, atol=1e-12)


def test_nadaraya_watson_is_local_polynomial_of_degree_zero():
    M, X = _circle_data(n=40)
    x = M.sample(5, rng=2) + 0.1
    nw = NadarayaWatsonScore(bandwidth=0.15, n_noise=4, rng=9).fit(X)
    lp = LocalPolynomialScore(bandwidth=0.15, degree=0, n_noise=4, rng=9).fit(X)
    # the 1e-10 relative ridge of the local fit shrinks the degree-0 intercept by 1 / (1 + 1e-10)
    assert_allclose(nw.denoise(x, 0.1), lp.denoise(x, 0.1), rtol=1e-9)


@pytest.mark.parametrize("name", ["nadaraya_watson", "local_polynomial"])
def test_regression_denoisers_are_exact_in_the_normal_direction_of_a_linear_manifold(name):
    """Data on an affine plane of R^3: the normal component of x0 is the constant c, a degree-0
    polynomial, so both estimators reproduce it exactly: the denoiser lands on the plane."""
    rng = np.random.default_rng(40)
    R = special_ortho_group.rvs(3, random_state=1)
    X = np.c_[rng.uniform(-1, 1, (60, 2)), np.full(60, 0.3)] @ R.T
    x = np.c_[rng.uniform(-0.5, 0.5, (8, 2)), rng.uniform(-0.2, 0.8, 8)] @ R.T
    est = make_score(name, bandwidth=0.3, n_noise=4, rng=0).fit(X)
    normal = R[:, 2]
    assert_allclose(est.denoise(x, 0.1) @ normal, 0.3, atol=1e-9)


def test_projection_score_is_exact_on_a_linear_manifold_with_exact_data():
    rng = np.random.default_rng(41)
    R = special_ortho_group.rvs(4, random_state=2)
    X = np.c_[rng.uniform(-1, 1, (80, 2)), np.zeros((80, 2))] @ R.T + 0.2
    x = np.c_[rng.uniform(-0.5, 0.5, (6, 2)), rng.standard_normal((6, 2)) * 0.1] @ R.T + 0.2
    P_true = (((x - 0.2) @ R)[:, :2]) @ R[:, :2].T + 0.2
    for degree in (1, 2):
        est = ProjectionScore(bandwidth=0.3, k=2, degree=degree).fit(X)
        assert_allclose(est.project(x), P_true, atol=1e-10)
        assert_allclose(est.score(x, 0.05), (P_true - x) / 0.05**2, atol=1e-10 / 0.05**2)


def test_projection_score_degree_two_beats_degree_zero_on_the_circle():
    """MLS of degree p on a curve with exact data: error O(h^(p+1)) (Levin 1998); degree 0 is the
    local PCA plane through the centroid, off by ~ h^2 / 2 (curvature 1). Measured at h = 0.15:
    ~1e-2 for p = 0, ~1e-4 for p = 2; bounds with a factor ~3 margin."""
    M = Sphere(k=1, d=2, seed=None)
    t = np.linspace(0, 2 * np.pi, 400, endpoint=False)
    X = np.c_[np.cos(t), np.sin(t)]
    x = M.embed(M.sample(20, rng=3)) * 1.05
    P = M.project(x).point
    e0 = np.abs(ProjectionScore(bandwidth=0.15, k=1, degree=0).fit(X).project(x) - P).max()
    e2 = np.abs(ProjectionScore(bandwidth=0.15, k=1, degree=2).fit(X).project(x) - P).max()
    assert e2 < 5e-4 and e0 > 10 * e2


def test_projection_default_degree_follows_beta():
    X = _circle_data()[1]
    assert ProjectionScore(k=1).fit(X).degree_ == 2
    assert ProjectionScore(k=1, beta=4.5).fit(X).degree_ == 4
    assert ProjectionScore(k=1, beta=2.5).fit(X).degree_ == 2
    assert ProjectionScore(k=1, beta=3.0, degree=1).fit(X).degree_ == 1


# ----- two-scale score (coarse levels learned, fine levels geometry-only) ----------------------
def test_two_scale_is_coarse_at_and_above_sigma_0_and_fine_below():
    M, X = _circle_data()
    x = M.sample(6, rng=12) + 0.05
    coarse = SmoothedScore(bandwidth=0.3)
    fine = AdaptiveProjectionScore(bandwidth=0.4, k=1)
    est = TwoScaleScore(coarse, fine, sigma_0=0.2).fit(X)
    c, f = SmoothedScore(bandwidth=0.3).fit(X), AdaptiveProjectionScore(bandwidth=0.4, k=1).fit(X)
    for sigma, ref in ((0.5, c), (0.2, c), (0.19, f), (0.01, f)):
        assert_array_equal(est.score(x, sigma), ref.score(x, sigma))
        assert_array_equal(est.denoise(x, sigma), ref.denoise(x, sigma))
    assert not hasattr(coarse, "n_features_in_") and not hasattr(fine, "n_features_in_")


def test_two_scale_bad_input_names_the_parameter():
    X = np.random.default_rng(0).standard_normal((20, 2))
    with pytest.raises(ValueError, match="coarse must be a ScoreEstimator"):
        TwoScaleScore(None, EmpiricalScore()).fit(X)
    with pytest.raises(ValueError, match="fine must be a ScoreEstimator"):
        TwoScaleScore(EmpiricalScore(), "projection").fit(X)
    for bad in (0.0, -1.0, float("nan")):
        with pytest.raises(ValueError, match=r"sigma_0 must be a finite number > 0 \(got"):
            TwoScaleScore(EmpiricalScore(), EmpiricalScore(), sigma_0=bad).fit(X)


def test_two_scale_sampler_keeps_the_density_that_a_geometry_only_score_loses():
    """von Mises kappa = 4 on the unit circle: the data's mean resultant length is A(4) =
    I1(4)/I0(4) = 0.863. The reverse SDE driven by the geometry-only projection score keeps only
    the little density that enters through the MLS fit's design (measured 0.38); the two-scale
    score (smoothed empirical score for sigma >= 0.15, the same projection below) keeps the law
    (measured 0.84: the smoothing at h = 0.05 and sigma_0 lowers it by ~0.02). The resultant of
    400 draws of a law with resultant A has standard deviation about sqrt((1 - A/kappa - A^2) / n)
    = 0.010 (delta method, von Mises), so |R - A| < 0.06 leaves the two-scale law 3 sd beyond its
    bias, and R < A - 0.25 (25 sd) cannot hold for a sampler that keeps the density."""
    from ratesim.samplers import reverse_sde

    a4 = float(i1(4.0) / i0(4.0))
    X = CIRCLE.sample(400, VM, rng=1)
    proj = AdaptiveProjectionScore(bandwidth=0.15, k=1)
    both = TwoScaleScore(SmoothedScore(bandwidth=0.05), proj, sigma_0=0.15)
    res = {}
    for name, est in (("projection", proj), ("two_scale", both)):
        Y = reverse_sde(
            est.fit(X), sigma_max=2.0, sigma_min=0.01, steps=60, rng=2, n=400, d=2
        ).samples
        res[name] = float(np.hypot(*Y.mean(axis=0)) / np.linalg.norm(Y, axis=1).mean())
    assert abs(res["two_scale"] - a4) < 0.06, res
    assert res["projection"] < a4 - 0.25, res


def test_callable_score_runs_the_samplers_as_the_model_it_wraps():
    """A model given as a function (here the exact oracle's score, as a user's trained network
    would be) drives the reverse SDE to the same samples, bit for bit, as the estimator itself,
    and its Tweedie denoiser is the oracle's."""
    from ratesim.samplers import reverse_sde

    oracle = OracleScore(CIRCLE, VM, rng=0).fit()
    X = CIRCLE.sample(50, VM, rng=4)
    wrapped = CallableScore(oracle.score).fit(X)
    assert wrapped.n_features_in_ == 2 and np.array_equal(wrapped.X_, X)
    run = dict(sigma_max=1.0, sigma_min=0.02, steps=20, rng=5, n=200, d=2)
    assert_array_equal(reverse_sde(wrapped, **run).samples, reverse_sde(oracle, **run).samples)
    x = np.array([[0.9, 0.2], [-0.3, 1.1]])
    assert_array_equal(wrapped.denoise(x, 0.3), oracle.denoise(x, 0.3))
    # a JAX-like array (anything np.asarray converts) and a clone keep working
    assert_array_equal(
        CallableScore(lambda x, s: oracle.score(x, s).tolist()).fit(X).score(x, 0.3),
        oracle.score(x, 0.3),
    )
    assert_array_equal(clone(wrapped).fit(X).score(x, 0.3), oracle.score(x, 0.3))


def test_callable_score_bad_models_get_clear_errors():
    X = CIRCLE.sample(10, VM, rng=0)
    with pytest.raises(ValueError, match=r"fn must be a callable fn\(x, sigma\) -> score"):
        CallableScore("not a model").fit(X)
    with pytest.raises(ValueError, match=r"queries' shape \(2, 2\) \(got shape \(2,\)"):
        CallableScore(lambda x, s: x[:, 0]).fit(X)  # checked at fit, on two training rows

    def blows_up(x, sigma):
        return x / (sigma - 0.5)

    est = CallableScore(blows_up).fit(X)
    with pytest.raises(FloatingPointError, match="non-finite values at sigma = 0.5"):
        with np.errstate(divide="ignore", invalid="ignore"):
            est.score(X[:3], 0.5)
    with pytest.raises(ValueError, match="x"):
        est.score(np.ones((2, 3)), 0.1)  # the model was fitted in R^2
    with pytest.raises(NotFittedError):
        CallableScore(blows_up).score(X[:1], 0.1)


# ----- 4. perturbed scores --------------------------------------------------------------------
def test_perturbed_gradient_error_is_minus_sigma_gamma_grad_phi():
    o = OracleScore(CIRCLE, VM, rng=0)
    pert = PerturbedScore(o, gamma=-1.0, c=2.0).fit()
    x = np.array([[0.5, 0.3], [-1.4, 0.2], [0.0, 1.0]])
    sigma = 0.1
    base = OracleScore(CIRCLE, VM, rng=0).fit().score(x, sigma)
    expected = base.copy()
    expected[:, 0] -= 2.0 * sigma**-1 * 2 * (np.abs(x[:, 0]) - 1) * np.sign(x[:, 0])
    assert_allclose(pert.score(x, sigma), expected, rtol=1e-12)
    # its score is the gradient of its (unnormalized) log density: central differences, e = 1e-4,
    # error ~ e^2 |d^3| ~ 1e-8 * 1e4 (sigma = 0.1) = 1e-4 relative to |s| ~ 1e2
    e = 1e-4
    y = x[:2]  # away from the kink x_1 = 0
    fd = np.stack(
        [
            (
                pert.log_density_unnormalized(y + e * np.eye(2)[j], sigma)
                - pert.log_density_unnormalized(y - e * np.eye(2)[j], sigma)
            )
            / (2 * e)
            for j in range(2)
        ],
        axis=1,
    )
    assert_allclose(fd, pert.score(y, sigma), rtol=1e-4, atol=1e-3)


def test_perturbed_numerical_gradient_of_user_phi_matches_analytic():
    x = np.array([[0.5, 0.3], [-1.4, 0.2]])
    a = PerturbedScore(EmpiricalScore(), gamma=0.5, phi=double_well).fit(x)
    b = PerturbedScore(EmpiricalScore(), gamma=0.5).fit(x)
    # central differences with step 1e-5 on a quadratic: exact up to rounding 1e-16 / 1e-5
    assert_allclose(a.error_field(x), b.error_field(x), atol=1e-9)


def test_perturbed_rotational_error_is_not_a_gradient():
    pert = PerturbedScore(EmpiricalScore(), gamma=1.0, c=3.0, kind="rotational")
    X = np.random.default_rng(0).standard_normal((10, 3))
    pert.fit(X)
    x = np.array([[0.2, -0.4, 1.0]])
    assert_allclose(pert.error_field(x), [[0.4, 0.2, 0.0]])
    # the Jacobian of J x is J: antisymmetric, nonzero, so the field has curl and no potential
    J = np.stack([pert.error_field(x + np.eye(3)[j])[0] - pert.error_field(x)[0] for j in range(3)])
    assert np.abs(J + J.T).max() < 1e-12 and np.abs(J).max() == 1.0
    with pytest.raises(ValueError, match="log_density_unnormalized needs kind='gradient'"):
        pert.log_density_unnormalized(x, 0.1)
    with pytest.raises(ValueError, match="kind='gradient' only"):
        PerturbedScore(EmpiricalScore(), kind="rotational", phi=double_well).fit(X)


# ----- 5. identities and invariances over the registry ----------------------------------------
def _fitted(name, X, M):
    return make_score(name, **_params(name, M)).fit(X)


@pytest.mark.parametrize("name", list(SCORES))
def test_contract_suite(name):
    M, X = _circle_data()
    est = make_score(name, **_params(name, M))
    x = M.sample(5, rng=8) + 0.05
    with pytest.raises(NotFittedError, match="not fitted yet"):
        est.score(x, 0.1)
    with pytest.raises(NotFittedError):
        est.denoise(x, 0.1)
    assert est.fit(X) is est
    s = est.score(x, 0.1)
    assert s.shape == (5, 3) and s.dtype == np.float64 and np.all(np.isfinite(s))
    # Tweedie identity
    assert_allclose(est.denoise(x, 0.1), x + 0.01 * s, rtol=1e-12, atol=1e-12)
    if hasattr(est, "log_density"):
        lp = est.log_density(x, 0.1)
        assert lp.shape == (5,) and np.all(np.isfinite(lp))
    # a single point as a 1-D array, float32 input upcast
    assert est.score(x[0], 0.1).shape == (1, 3)
    x32 = x.astype(np.float32)
    assert_allclose(est.score(x32, 0.1), est.score(x32.astype(np.float64), 0.1), rtol=1e-14)
    # pickle round trip
    est2 = pickle.loads(pickle.dumps(est))
    assert_allclose(est2.score(x, 0.1), s, rtol=1e-14)
    # get_params / clone / determinism
    params = est.get_params(deep=False)
    assert set(params) == set(type(est)._get_param_names())
    c = clone(est)
    assert not hasattr(c, "n_features_in_") and repr(c) == repr(est)
    assert_allclose(c.fit(X).score(x, 0.1), s, rtol=1e-14)
    with pytest.raises(ValueError, match="takes no parameter 'not_a_param'"):
        est.set_params(not_a_param=1)


def test_set_params_reaches_nested_estimators_and_did_you_mean():
    p = PerturbedScore(SmoothedScore(bandwidth=0.1))
    p.set_params(base__bandwidth=0.5, gamma=2.0)
    assert p.base.bandwidth == 0.5 and p.gamma == 2.0 and p.get_params()["base__bandwidth"] == 0.5
    with pytest.raises(ValueError, match="did you mean 'gamma'"):
        p.set_params(gama=1.0)
    with pytest.raises(ValueError, match="did you mean 'empirical'"):
        make_score("emprical")
    with pytest.raises(ValueError, match="did you mean 'k_neighbors'"):
        make_score("knn", k_neighbours=3)


# not functions of the training set alone: the oracles know the law; a network trained by SGD
# depends on the order of the points (minibatches) and on the axes (its initialization)
_EQUIVARIANT = [
    n for n in SCORES if n not in ("oracle", "perturbed", "exact_coarse", "dsm_network")
]


@pytest.mark.parametrize("name", _EQUIVARIANT)
def test_permutation_invariance_in_X(name):
    M, X = _circle_data()
    x = M.sample(4, rng=9) + 0.05
    perm = np.random.default_rng(5).permutation(X.shape[0])
    a = _fitted(name, X, M).score(x, 0.1)
    b = _fitted(name, X[perm], M).score(x, 0.1)
    assert_allclose(a, b, rtol=1e-9, atol=1e-9 * np.abs(a).max())


@pytest.mark.parametrize("name", _EQUIVARIANT)
def test_rotation_equivariance(name):
    M, X = _circle_data()
    x = M.sample(4, rng=10) + 0.05
    R = special_ortho_group.rvs(3, random_state=11)
    a = _fitted(name, X, M).score(x, 0.1) @ R.T
    b = _fitted(name, X @ R.T, M).score(x @ R.T, 0.1)
    assert_allclose(a, b, rtol=1e-8, atol=1e-8 * np.abs(a).max())


def test_oracle_is_rotation_equivariant_through_the_manifold_frame():
    """Two random isometries of the same circle: the scores are related by the rotation between
    the frames."""
    M1, M2 = Sphere(k=1, d=3, seed=1), Sphere(k=1, d=3, seed=2)
    D = VonMises(kappa=2.0, mean=0.5)
    # the rotation R with R M1.frame = M2.frame, completed on the orthogonal complement
    n1 = np.cross(M1.frame[:, 0], M1.frame[:, 1])
    n2 = np.cross(M2.frame[:, 0], M2.frame[:, 1])
    R = np.c_[M2.frame, n2] @ np.c_[M1.frame, n1].T
    x = np.random.default_rng(1).standard_normal((4, 3))
    a = OracleScore(M1, D, rng=0).fit().score(x, 0.2) @ R.T
    b = OracleScore(M2, D, rng=0).fit().score(x @ R.T, 0.2)
    assert_allclose(a, b, rtol=1e-10, atol=1e-12)


# ----- 6. bad input ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(SCORES))
def test_bad_input_raises_clear_errors(name):
    M, X = _circle_data()
    est = _fitted(name, X, M)
    x = X[:3] + 0.01
    for bad in (0.0, -1.0, np.nan, np.inf, "a"):
        with pytest.raises(ValueError, match="sigma"):
            est.score(x, bad)
    with pytest.raises(ValueError, match=r"x must have d = 3"):
        est.score(np.ones((2, 4)), 0.1)
    with pytest.raises(ValueError, match="x must be finite"):
        est.score(np.array([[np.nan, 0.0, 0.0]]), 0.1)
    if name != "oracle":
        with pytest.raises(ValueError, match="X must contain at least one point"):
            make_score(name, **_params(name, M)).fit(np.empty((0, 3)))
        with pytest.raises(ValueError, match="X must be finite"):
            make_score(name, **_params(name, M)).fit(np.array([[np.inf, 0.0, 0.0]]))
    else:
        with pytest.raises(ValueError, match="X must have d = 3"):
            make_score(name, **_params(name, M)).fit(np.ones((2, 2)))


def test_bad_hyper_parameters_name_the_parameter():
    X = _circle_data()[1]
    cases = [
        (SmoothedScore(bandwidth=-1.0), "bandwidth must be"),
        (KNNScore(k_neighbors=0), "k_neighbors"),
        (NadarayaWatsonScore(bandwidth=0.0, rng=0), "bandwidth must be"),
        (NadarayaWatsonScore(rng=None), "rng must be"),
        (LocalPolynomialScore(degree=7, rng=0), "degree"),
        (ProjectionScore(), "k .the intrinsic dimension"),
        (ProjectionScore(k=3), "k must be < d"),
        (make_score("closed_form", n_perturb=0, rng=0), "n_perturb"),
        (PerturbedScore(base=None), "base must be a ScoreEstimator"),
        (PerturbedScore(EmpiricalScore(), kind="spiral"), "kind must be one of"),
        (OracleScore(rng=0), "manifold must be"),
        (OracleScore(CIRCLE, method="magic", rng=0), "method must be one of"),
        (
            OracleScore(Sphere(k=1, d=3, seed=0), method="closed_form", density=_NotVM(), rng=0),
            "closed",
        ),
    ]
    for est, msg in cases:
        with pytest.raises(ValueError, match=msg):
            est.fit(X)


class _NotVM(VonMises):
    """A density that is not log-linear in u (kappa cos(2 theta)); only for the error test."""

    def log_pdf(self, manifold, u):
        return 0.3 * np.cos(2 * manifold.angle(u))


def test_no_warnings_on_the_default_paths():
    M, X = _circle_data()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in SCORES:
            _fitted(name, X, M).score(X[:2], 0.05)


# ----- 7. quadrature oracle on curved manifolds without closed form ---------------------------
def _curved_cases():
    from ratesim.manifolds import Ellipse, StandardTorus

    return [
        (Ellipse(a=1.0, b=2.0, d=3, seed=0), VonMises(kappa=1.0, mean=0.3)),
        (StandardTorus(R=2.0, r=1.0, d=4, seed=0), VonMises(kappa=1.0, mean=0.3)),
    ]


@pytest.mark.parametrize("case", range(2))
def test_quadrature_oracle_is_the_gradient_of_its_log_density_on_curved_manifolds(case):
    """Same finite-difference argument as for the sphere: halving e divides the O(e^2) error by
    ~4 (window [3, 5]); at e = 2e-3 it is below 1e-5 |s| (measured 3e-6 and 6e-6 absolute)."""
    M, D = _curved_cases()[case]
    o = OracleScore(M, D, rng=0).fit()
    assert o.method_ == "quadrature"
    rng = np.random.default_rng(50 + case)
    x = M.sample(4, D, rng=rng) + 0.1 * rng.standard_normal((4, M.d))
    sigma = 0.3
    s = o.score(x, sigma)

    def fd(e):
        g = np.empty_like(x)
        for j in range(M.d):
            dx = np.zeros(M.d)
            dx[j] = e
            g[:, j] = (o.log_density(x + dx, sigma) - o.log_density(x - dx, sigma)) / (2 * e)
        return g

    err1, err2 = np.abs(fd(2e-3) - s).max(), np.abs(fd(1e-3) - s).max()
    assert err1 < 1e-5 * np.abs(s).max()
    assert 3.0 < err1 / err2 < 5.0


def test_quadrature_oracle_collapses_at_rate_sigma_squared_on_the_ellipse():
    """Points at normal distance 0.1 (reach a^2 / b = 0.5): slope of sup |D_sigma x - P_M x| over
    sigma in [0.003, 0.1] within 0.1 of 2 (measured 1.996)."""
    M, D = _curved_cases()[0]
    o = OracleScore(M, D, rng=0).fit()
    u = M.sample_intrinsic(30, rng=3)
    x = M.embed(u) + 0.1 * M.normal_basis(u)[:, :, 0]
    P = M.project(x).point
    sigmas = np.array([0.1, 0.03, 0.01, 0.003])
    errs = [np.abs(o.denoise(x, s) - P).max() for s in sigmas]
    slope = np.polyfit(np.log(sigmas), np.log(errs), 1)[0]
    assert abs(slope - 2.0) < 0.1, (slope, errs)


def test_nadaraya_watson_tends_to_the_denoiser_at_the_inflated_scale():
    """With R noisy copies per point, the NW denoiser is a ratio of Monte-Carlo means whose limit
    is sum_i x_i N(x; x_i, tau^2 I) / sum_i N(x; x_i, tau^2 I), tau^2 = sigma^2 + h^2 (Gaussian
    convolution). Over S = 12 seeds the mean estimate must lie within z = 4.9 standard errors
    (two-sided, Bonferroni alpha = 1e-6 over the 2 x 3 coordinates tested) of that limit; the
    O(1/R) ratio bias is ~ (sd^2) << sd / sqrt(S) here. Negative control: the limit at scale sigma
    (no h) is rejected by the same criterion."""
    rng = np.random.default_rng(60)
    X = rng.standard_normal((15, 3))
    x = rng.standard_normal((2, 3)) * 0.6
    sigma, h, R, S = 0.4, 0.3, 1500, 12
    est = np.stack(
        [
            NadarayaWatsonScore(bandwidth=h, n_noise=R, rng=seed).fit(X).denoise(x, sigma)
            for seed in range(S)
        ]
    )
    mean, se = est.mean(axis=0), est.std(axis=0, ddof=1) / np.sqrt(S)
    # EmpiricalScore's denoiser at tau is the posterior mean at scale tau
    target = EmpiricalScore().fit(X).denoise(x, np.hypot(sigma, h))
    assert np.all(np.abs(mean - target) <= 4.9 * se), (mean - target) / se
    wrong = EmpiricalScore().fit(X).denoise(x, sigma)
    assert np.any(np.abs(mean - wrong) > 4.9 * se)


@pytest.mark.parametrize("name", list(SCORES))
def test_scores_are_finite_at_extreme_sigma_and_far_queries(name):
    M, X = _circle_data()
    params = _params(name, M)
    if name == "oracle":
        params = {"manifold": M, "density": VonMises(kappa=4.0, mean=1.0), "rng": 0}
    est = make_score(name, **params).fit(X)
    x = np.array([[1e3, -1e3, 5.0], [0.0, 0.0, 0.0], [0.3, 0.2, 0.1]])
    if name == "exact_coarse":  # P_M is undefined at the centre: it raises there
        x = x[[0, 2]]
    for sigma in (1e-4, 1e2):
        assert np.all(np.isfinite(est.score(x, sigma)))
        if hasattr(est, "log_density"):
            assert np.all(np.isfinite(est.log_density(x, sigma)))


def test_projection_estimate_converges_at_the_local_polynomial_rate():
    """P1 proxy: MLS of degree p from N exact samples of a smooth curve (k = 1), bandwidth
    h = 6 log N / N, errs like (log N / N)^(p+1) (Aamari and Levrard 2019, beta = inf capped by
    the degree). The local log-log slope of that law over N in [250, 16000] is
    -(p + 1)(1 - 1/log N) ~ -0.87 (p + 1); measured -1.48 (p = 1) and -2.96 (p = 2). Window
    +-0.6 for pre-asymptotic bending and the random design. Negative control: the degree must
    matter, slope(p = 2) < slope(p = 1) - 1 (a silently ignored degree gives equal slopes)."""
    M = Sphere(k=1, d=3, seed=4)
    u = M.sample_intrinsic(200, rng=0)
    q = M.embed(u) + 0.05 * M.normal_basis(u)[:, :, 0]
    P = M.project(q).point
    Ns = np.array([250, 1000, 4000, 16000])
    slopes = {}
    for p in (1, 2):
        errs = []
        for N in Ns:
            X = M.sample(int(N), rng=int(N))
            est = ProjectionScore(bandwidth=6 * np.log(N) / N, k=1, degree=p).fit(X)
            errs.append(np.abs(est.project(q) - P).max())
        slope = np.polyfit(np.log(Ns), np.log(errs), 1)[0]
        expected = -(p + 1) * (1 - 1 / np.log(np.sqrt(Ns[0] * Ns[-1])))
        assert abs(slope - expected) < 0.6, (p, slope, expected, errs)
        slopes[p] = slope
    assert slopes[2] < slopes[1] - 1.0, slopes


def test_projection_tree_search_equals_dense_scan_and_the_naive_twin():
    """The KD-tree path keeps exactly the samples the dense scan weights (checked per pass), so
    both agree to rounding (summation order only): rtol 1e-9, which allows the amplification of
    rounding by the local PCA of the far query (a handful of samples carry its weight; measured
    2e-12). Twin at 1e-10."""
    M = Sphere(k=2, d=4, seed=3)
    X = M.sample(3000, rng=0)
    rng = np.random.default_rng(1)
    x = M.sample(40, rng=rng) + 0.05 * rng.standard_normal((40, 4))
    x[0] = 5.0  # far from the data: a large candidate ball
    dense = ProjectionScore(bandwidth=0.15, k=2, search="dense").fit(X)
    tree = ProjectionScore(bandwidth=0.15, k=2, search="tree").fit(X)
    assert tree.index_ is not None and dense.index_ is None
    assert_allclose(tree.project(x), dense.project(x), rtol=1e-9, atol=1e-12)
    assert tree.n_dense_fallbacks_ == 0
    ref = naive.mls_projection(X, x[:3], 0.15, 2, 2, 2, 8)
    assert_allclose(tree.project(x[:3]), ref, rtol=1e-10, atol=1e-12)


def test_projection_tree_check_rejects_a_too_small_ball_and_falls_back(monkeypatch):
    from ratesim.scores import _projection
    from ratesim.scores._localpoly import _mls_one, _mls_one_checked, _mls_workspace

    X = _circle_data(n=300)[1]
    x = X[5] + 0.01
    exps = monomial_exponents(1, 2)
    y1, y2 = np.empty(3), np.empty(3)
    ws = _mls_workspace(300, 3, 1, 3)
    assert not _mls_one_checked(X, x, 0.0, 0.3, 1, exps, 1e-10, 2, 8, y1, *ws)
    assert _mls_one_checked(X, x, np.inf, 0.3, 1, exps, 1e-10, 2, 8, y1, *ws)
    _mls_one(X, x, 0.3, 1, exps, 1e-10, 2, 8, y2, *ws)
    assert_allclose(y1, y2, rtol=1e-14)
    # a tree kernel that flags every query: the estimator must redo them densely
    real = _projection._mls_projection_tree_kernel

    def failing(*args):  # (..., out, ok, n_blocks)
        real(*args)
        args[-2][:] = False
        args[-3][:] = np.nan

    monkeypatch.setattr(_projection, "_mls_projection_tree_kernel", failing)
    est = ProjectionScore(bandwidth=0.3, k=1, search="tree").fit(X)
    q = X[:4] + 0.02
    assert_allclose(
        est.project(q), ProjectionScore(bandwidth=0.3, k=1, search="dense").fit(X).project(q)
    )
    assert est.n_dense_fallbacks_ == 4


def test_gauss_cut_matches_the_formula_it_replaced():
    """_gauss_cut evaluates exp only for the kept weights; the weights and the kept indices are
    those of exp(lw - mx) if lw - mx >= -LOG_CUT else 0 (the twin uses math.exp, the same libm
    function as the kernel: exact equality), including -inf and NaN log-weights (dropped)."""
    from ratesim.scores._localpoly import LOG_CUT, _gauss_cut

    rng = np.random.default_rng(71)
    lw = -rng.exponential(30.0, 2000)
    lw[:3] = [-np.inf, np.nan, -LOG_CUT]
    mx = float(np.nanmax(lw))
    w, idx = lw.copy(), np.empty(2000, dtype=np.int64)
    nnz = _gauss_cut(w, mx, idx)
    ref = naive.gauss_cut(lw, mx, LOG_CUT)
    assert_array_equal(w, ref)
    assert_array_equal(idx[:nnz], np.flatnonzero(ref > 0))
    assert 0 < nnz < 2000


def test_unrolled_curve_fit_sums_agree_with_the_generic_loop():
    """k = 1: the unrolled normal equations (entries of G in registers, t^4 as (t t)(t t) like
    the compiled _features) and the generic loop accumulate the same terms in the same order.
    Inside the MLS kernels the two give the same bits (checked against the previous kernel on
    the studies' configurations when the unrolled path was written, benchmarks/coarse.md); as
    separately compiled functions LLVM's fast-math may contract or reassociate them differently,
    so here they are held to the summation bound: |G1 - G2| <= 2 nnz eps max diag(G) (every
    partial sum of w phi_f phi_g is bounded by sqrt(G_ff G_gg) <= max diag(G), Cauchy-Schwarz),
    and B likewise with its own scale (Cauchy-Schwarz with |nv_j| <= |X_j - c|)."""
    from ratesim.scores._localpoly import (
        _fit_sums,
        _fit_sums_k1_deg4,
        _gauss_cut,
        _gauss_logw,
        _padded,
        _weighted_mean_cov,
    )

    M, X = _circle_data(n=400, d=3)
    rng = np.random.default_rng(72)
    exps = monomial_exponents(1, 4)
    F, Fp = 5, _padded(5)
    eps = np.finfo(float).eps
    for scale in (0.01, 0.1, 1.0):
        x = M.sample(1, rng=rng)[0] + scale * rng.standard_normal(3)
        h = 0.2
        w, idx = np.empty(400), np.empty(400, dtype=np.int64)
        nnz = _gauss_cut(w, _gauss_logw(X, x, 0.5 / h**2, w), idx)
        c, C = np.empty(3), np.empty((3, 3))
        _weighted_mean_cov(X, w, idx, nnz, c, C)
        vecs = np.linalg.eigh(C)[1]
        T, Nf = np.ascontiguousarray(vecs[:, 2:]), np.ascontiguousarray(vecs[:, :2])
        G1, B1, G2, B2 = np.empty((F, Fp)), np.empty((F, 2)), np.empty((F, F)), np.empty((F, 2))
        t, nv, phi = np.empty(1), np.empty(2), np.zeros(Fp)
        r1 = _fit_sums(X, w, idx, nnz, c, T, Nf, h, exps, G1, B1, t, nv, phi)
        r2 = _fit_sums_k1_deg4(X, w, idx, nnz, c, T, Nf, h, G2, B2, t, nv)
        assert nnz > 2 * F
        diag = np.diag(G2).max()
        assert np.abs(G1[:, :F] - G2).max() <= 2 * nnz * eps * diag
        # |nv_j| <= |X_j - c| <= rad: sum_j |w phi_f nv_j| <= sqrt(G_ff sum_j w_j) rad
        rad = np.linalg.norm(X[idx[:nnz]] - c, axis=1).max()
        assert np.abs(B1 - B2).max() <= 2 * nnz * eps * np.sqrt(diag * w.sum()) * rad
        assert abs(r1 - r2) <= 2 * nnz * eps * r2


@pytest.mark.parametrize("search", ["dense", "tree"])
def test_projection_kernels_do_not_depend_on_blocks_or_threads(search):
    """Each query is computed alone in its block's scratch: any number of blocks, one query at a
    time, or one numba thread give the same bits (no state leaks from one query to the next)."""
    import numba

    from ratesim.scores._localpoly import n_blocks

    M = Sphere(k=2, d=4, seed=3)
    X = M.sample(2500, rng=0)
    rng = np.random.default_rng(73)
    q = np.vstack([M.sample(30, rng=rng) + 0.05 * rng.standard_normal((30, 4)), [[3.0] * 4]])
    est = ProjectionScore(bandwidth=0.15, k=2, search=search).fit(X)
    ref = est.project(q)
    one_by_one = np.vstack([est.project(q[i : i + 1]) for i in range(len(q))])
    assert_array_equal(one_by_one, ref)
    old = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        assert n_blocks(31) == 1
        assert_array_equal(est.project(q), ref)
    finally:
        numba.set_num_threads(old)
    assert n_blocks(31) == min(31, old) and n_blocks(0) == 1


def test_tree_ball_and_nearest_match_brute_force():
    """_ball returns the points within the radius in the order of the plain depth-first
    traversal (the naive twin tests every point); the shortcut for nodes whose whole box lies
    inside the ball (taken here: ``contained`` counts them) keeps that order, which the MLS sums
    depend on. _nearest_d2 is the brute-force minimum up to FMA rounding."""
    from ratesim.kernels import GaussianIndex
    from ratesim.scores._localpoly import STACK_SIZE, _ball, _nearest_d2

    rng = np.random.default_rng(70)
    X = rng.standard_normal((500, 3))
    index = GaussianIndex(X, leaf_size=16)
    pts = np.ascontiguousarray(index.yT.T)
    tree = (index.start, index.end, index.left, index.right, index.lo, index.hi)
    stack, inside = np.empty(STACK_SIZE, dtype=np.int64), np.empty(STACK_SIZE, dtype=np.int64)
    out = np.empty_like(pts)
    contained = 0
    for y in rng.standard_normal((5, 3)) * 1.5:
        d2 = np.sum((pts - y) ** 2, axis=1)
        for r2 in (0.0, 0.7, 4.0, 30.0, np.inf):
            cnt = _ball(pts, *tree, y, r2, out, stack, inside)
            order = naive.ball_dfs(pts, *tree, y, r2)
            assert sorted(order) == list(np.flatnonzero(d2 <= r2))
            assert_array_equal(out[:cnt], pts[order])
            far = np.maximum(y - index.lo, index.hi - y)
            contained += int(np.sum(np.sum(far**2, axis=1) <= r2))
        assert_allclose(_nearest_d2(pts, *tree, y, stack), d2.min(), rtol=1e-14)  # FMA rounding
    assert contained > 10
