"""P3 "Collapse and refine" (arXiv 2605.20235): operational checks of ratesim.theory.collapse.

Exact posterior moments against naive NumPy quadratures and against the oracle score (Tweedie),
grad D_sigma = Cov(x0 | x) / sigma^2 against finite differences of the oracle denoiser, the
O(sigma^2) collapse with negative controls, the learned-score collapse and FLIPD onsets, and the
three quick studies (p3_collapse_oracle, p3_collapse_learned, p3_intrinsic_dim) through the engine
with wrong exponents contradicted.
"""

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest

from ratesim.densities import VonMises, VonMisesFisher
from ratesim.manifolds import Circle, FlatTorus, HolderGraph, Sphere
from ratesim.scores import OracleScore
from ratesim.theory import collapse as C

ROOT = Path(__file__).resolve().parents[2]


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
        m, c = C.vmf_posterior_moments(y, s, 4.0 * np.array([-1.0, 0.0]))
        mn, cn = _naive_circle_moments(y, s, 4.0, np.pi)
        np.testing.assert_allclose(m, mn, atol=1e-10)
        np.testing.assert_allclose(c, cn, atol=1e-10)
    a = np.array([-4.0, 0.0, 0.0])
    y3 = rng.normal(size=(3, 3))
    y3 /= np.linalg.norm(y3, axis=1, keepdims=True)
    for s in (0.2, 0.05):
        m, c = C.vmf_posterior_moments(y3, s, a)
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
        x = C.tube_points(M, 6, 0.2, np.random.default_rng(1))
        for s in (0.1, 0.02):
            mean, _ = C.posterior_moments(M, p, x, s)
            np.testing.assert_allclose(mean, OracleScore(M, p).fit().denoise(x, s), atol=1e-10)
    M = FlatTorus(k=2, d=4, seed=None)
    x = C.tube_points(M, 5, 0.3, np.random.default_rng(2))
    y, _ = M.to_native(x)
    m1, c1 = C.torus_posterior_moments(y, 0.15)
    m2, c2 = C.quadrature_posterior_moments(M, None, y, 0.15)
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
        x = C.tube_points(M, 4, 0.15, np.random.default_rng(4))
        s = 0.05
        _, cov = C.posterior_moments(M, p, x, s)
        ora = OracleScore(M, p).fit()
        J = C.finite_difference_jacobian(ora.denoise, x, s, h=1e-4 * s)
        np.testing.assert_allclose(J, cov / s**2, atol=1e-6)


def test_oracle_collapse_is_order_sigma2_and_controls_fail():
    """At points of M: k eigenvalues 1 - O(sigma^2), the rest O(sigma^2); rank k exactly. The
    sup errors / sigma^2 are sigma-free: ratio at sigma = 0.01 and 0.001 within 3 % of 100 (the
    O(sigma^4) correction is 1e-4 relative; the same seed gives the same points). Negative
    controls: the identity map (no denoising) has error O(1) at tube points, and a denoiser with
    an O(sigma) bias fails the ratio test."""
    M = Sphere(k=2, d=10, seed=5)
    p = VonMisesFisher(kappa=4.0, mu=[-1.0, 0.0, 0.0])
    r1 = C.oracle_collapse_metrics(M, p, 0.01, 64, 0.2, np.random.default_rng(6))
    r2 = C.oracle_collapse_metrics(M, p, 0.001, 64, 0.2, np.random.default_rng(6))
    for key in ("denoise_sup", "tan_dev", "normal_max"):
        assert r1[key] / r2[key] == pytest.approx(100.0, rel=0.03)
    assert r1["rank_half"] == r2["rank_half"] == 2.0
    x = C.tube_points(M, 64, 0.2, np.random.default_rng(6))
    P = M.project(x).point
    assert np.max(np.linalg.norm(x - P, axis=1)) > 0.15  # identity: O(1), no collapse
    mean1, _ = C.posterior_moments(M, p, x, 0.01)
    mean2, _ = C.posterior_moments(M, p, x, 0.001)
    bias = np.zeros_like(x)
    bias[:, 0] = 1.0
    e1 = np.max(np.linalg.norm(mean1 + 0.01 * bias - P, axis=1))
    e2 = np.max(np.linalg.norm(mean2 + 0.001 * bias - P, axis=1))
    assert e1 / e2 < 15.0  # an O(sigma) bias: ratio ~10, far from 100


def test_extra_ambient_dimensions_give_zero_eigenvalues():
    """The oracle posterior lives in the native subspace: in R^50 the circle has one eigenvalue
    near 1, one O(sigma^2) and 48 exactly (to rounding) zero."""
    M = Circle(d=50, seed=7)
    x = M.sample(5, None, np.random.default_rng(8))
    _, cov = C.posterior_moments(M, None, x, 0.01)
    lam = C.jacobian_eigenvalues(cov, 0.01)
    np.testing.assert_allclose(lam[:, 0], 1.0, atol=1e-3)
    assert np.all(lam[:, 1] < 1e-3) and np.all(lam[:, 1] > 1e-5)
    np.testing.assert_allclose(lam[:, 2:], 0.0, atol=1e-9)


def test_empirical_covariance_twin_and_learned_collapse():
    """softmax_covariance vs a naive NumPy posterior covariance of the empirical measure, and the
    empirical denoiser's rank: 0 far below the spacing (collapse onto training points), k on the
    plateau; the smoothed score's denoiser tends to the identity (rank d)."""
    from ratesim.kernels import softmax_covariance

    M = Sphere(k=2, d=4, seed=9)
    rng = np.random.default_rng(10)
    X = M.sample(300, None, rng)
    Q = M.sample(7, None, rng)
    s = 0.2
    _, cov = softmax_covariance(X, Q, s)
    for i in range(Q.shape[0]):
        a = -np.sum((Q[i] - X) ** 2, axis=1) / (2 * s**2)
        w = np.exp(a - a.max())
        w /= w.sum()
        m = w @ X
        np.testing.assert_allclose(cov[i], (X - m).T @ ((X - m) * w[:, None]), atol=1e-12)
    r = C.learned_collapse_metrics(
        M, None, 2000, "empirical", 0.1, np.geomspace(1e-4, 1, 13), 32, rng, refine=8
    )
    assert r["rank_small"] == 0.0 and r["rank_peak"] >= 1.5
    assert 0.2 * r["spacing"] < r["collapse_sigma"] < 5 * r["spacing"]
    r = C.learned_collapse_metrics(M, None, 200, "smoothed", 0.1, [1e-4, 1e-3], 8, rng)
    assert r["rank_small"] == 4.0 and "collapse_sigma" not in r


def test_onset_sigma_and_validation():
    """Log-linear interpolation of the up-crossing; None without a crossing; bad inputs raise."""
    s = np.array([1e-3, 1e-2, 1e-1])
    assert C.onset_sigma(s, [0.0, 1.0, 1.0], 0.5) == pytest.approx(math.sqrt(1e-5))
    assert C.onset_sigma(s[::-1], [1.0, 1.0, 0.0], 0.5) == pytest.approx(math.sqrt(1e-5))
    assert C.onset_sigma(s, [1.0, 1.0, 1.0], 0.5) is None
    assert C.onset_sigma(s, [0.0, 0.1, 0.2], 0.5) is None
    with pytest.raises(ValueError, match="sigma"):
        C.vmf_posterior_moments(np.ones((1, 2)), 0.0)
    with pytest.raises(ValueError, match="reach"):
        C.tube_points(Circle(d=2), 3, 1.5, 0)
    with pytest.raises(ValueError, match="estimator"):
        C.learned_collapse_metrics(Circle(d=2), None, 10, "bogus", 0.1, [0.1, 1.0], 2, 0)
    with pytest.raises(ValueError, match="pairs"):
        C.torus_posterior_moments(np.ones((1, 3)), 0.1)


def test_flipd_plateau_reads_k():
    """FLIPD of the empirical measure of 2000 points of S^2 in R^10: onset at the spacing scale,
    plateau value within 0.15 of k = 2 (pilot runs: 2.01 +- 0.03), SVD dimension 2 on it."""
    M = Sphere(k=2, d=10, seed=11)
    r = C.intrinsic_dimension_metrics(
        M, None, 2000, np.geomspace(1e-4, 3, 20), 32, 12, skdim=False, refine=8
    )
    assert r["flipd_dim"] == pytest.approx(2.0, abs=0.15)
    assert r["svd_dim"] == pytest.approx(2.0, abs=0.3)
    assert 0.005 < r["flipd_onset"] < 0.1


def _run_quick(study, tmp_path):
    from ratesim.study.claims import evaluate_claims
    from ratesim.study.runner import run_study
    from ratesim.study.store import ResultsStore

    with ResultsStore(tmp_path / "ratesim.sqlite") as st:
        summary = run_study(study, st, quick=True, jobs=1, progress=False)
        df = st.tidy(study.name, "quick")
    assert summary.ok, summary.failures
    return df, evaluate_claims


def _check_study(study, df, evaluate_claims, wrong):
    from ratesim.rates import CONTRADICTED

    res = evaluate_claims(study, df)
    assert res and all(r.verdict != CONTRADICTED for r in res)
    for r in res:
        for lab, _, v in r.predictions:
            if "negative control" in lab:
                assert v == CONTRADICTED
    claims = [dataclasses.replace(c, predict={"wrong": wrong}) for c in study.claims]
    bad = evaluate_claims(dataclasses.replace(study, claims=claims), df)
    assert bad and all(r.verdict == CONTRADICTED for r in bad)


WRONG = {
    "p3_collapse_oracle": -1.0,  # O(sigma) instead of O(sigma^2)
    "p3_collapse_learned": "-1/(2*k)",  # N^(-1/(2k)) instead of N^(-1/k)
    "p3_intrinsic_dim": "-1/(k+2)",
}
# default-run versions of the learned / intrinsic quick grids (the engine's per-cell memory
# tracing dominates their cost): the circle at N = 64, 1024 (1.2 decades), 10 seeds each
TRIMMED = {
    "p3_collapse_learned": {
        "manifold, k, d, estimator, N, n_query, n_sigma, refine": [
            ("circle", 1, 3, "empirical", 64, 8, 8, 8),
            ("circle", 1, 3, "empirical", 1024, 8, 8, 8),
        ]
    },
    "p3_intrinsic_dim": {
        "manifold, k, d": [("circle", 1, 3)],
        "N": [64, 1024],
        "n_query": 8,
        "n_sigma": 10,
        "skdim": False,
    },
}


def _load(name):
    from ratesim.study import load_study

    return load_study(ROOT / "studies" / f"{name}.py")


@pytest.mark.parametrize("name", sorted(WRONG))
def test_quick_studies_through_engine(tmp_path, name):
    """Each quick study (trimmed for the learned / intrinsic ones, see TRIMMED) runs through the
    engine with no claim contradicted; replacing every prediction by a wrong exponent contradicts
    every group (negative controls); the oracle study's built-in O(sigma) control is
    contradicted."""
    study = _load(name)
    if name in TRIMMED:
        study = dataclasses.replace(study, quick=TRIMMED[name])
    df, evaluate_claims = _run_quick(study, tmp_path)
    _check_study(study, df, evaluate_claims, WRONG[name])


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(TRIMMED))
def test_full_quick_studies_through_engine(tmp_path, name):
    """The untrimmed quick grids of the learned / intrinsic studies, same checks."""
    study = _load(name)
    df, evaluate_claims = _run_quick(study, tmp_path)
    _check_study(study, df, evaluate_claims, WRONG[name])
