"""The collapse family ("Collapse and refine", arXiv 2605.20235): operational checks of its tasks.

The O(sigma^2) collapse of the oracle with negative controls, the learned-score collapse and FLIPD
onsets, the tasks' validation, and the three quick studies (p3_collapse_oracle,
p3_collapse_learned, p3_intrinsic_dim) through the engine with wrong exponents contradicted. The
exact posterior moments themselves are tested with the library (tests/test_exact_posterior.py).
"""

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
from ratesim_studies.p3_collapse import tasks as C

from ratesim.densities import VonMisesFisher
from ratesim.exact import oracle_posterior_moments, tube_points
from ratesim.manifolds import Circle, Sphere

HERE = Path(__file__).resolve().parent


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
    x = tube_points(M, 64, 0.2, rng=np.random.default_rng(6))
    P = M.project(x).point
    assert np.max(np.linalg.norm(x - P, axis=1)) > 0.15  # identity: O(1), no collapse
    mean1, _ = oracle_posterior_moments(M, p, x, 0.01)
    mean2, _ = oracle_posterior_moments(M, p, x, 0.001)
    bias = np.zeros_like(x)
    bias[:, 0] = 1.0
    e1 = np.max(np.linalg.norm(mean1 + 0.01 * bias - P, axis=1))
    e2 = np.max(np.linalg.norm(mean2 + 0.001 * bias - P, axis=1))
    assert e1 / e2 < 15.0  # an O(sigma) bias: ratio ~10, far from 100


def test_oracle_eigenvalues_on_the_unit_circle_have_their_closed_form():
    """The known answer behind the anchor claims on ``tan_dev`` and ``normal_max``: for the
    uniform law on the unit circle the posterior of the angle at a point of M is von Mises with
    concentration 1 / sigma^2, so grad D_sigma has the tangent eigenvalue (1 - I2/I0) / (2 sigma^2)
    and the normal one ((1 + I2/I0) / 2 - (I1/I0)^2) / sigma^2 (Bessel ratios at 1 / sigma^2),
    i.e. 1 - lambda_T = lambda_N = sigma^2 / 2 + O(sigma^4); the third (ambient) one is 0.
    Negative control: the O(sigma^4) correction is visible at sigma = 0.1 (lambda_N / sigma^2 =
    0.5025), so the 1e-3 check below is not vacuous."""
    from scipy.special import ive

    from ratesim.exact import denoiser_jacobian_eigenvalues

    M = Circle(d=3, seed=1)
    on = M.sample(6, None, rng=np.random.default_rng(0))
    for sigma in (0.1, 0.03, 0.01):
        _, cov = oracle_posterior_moments(M, None, on, sigma)
        lam = denoiser_jacobian_eigenvalues(cov, sigma)
        kap = 1.0 / sigma**2
        r1, r2 = ive(1, kap) / ive(0, kap), ive(2, kap) / ive(0, kap)
        lam_t = (1.0 - r2) / (2.0 * sigma**2)
        lam_n = ((1.0 + r2) / 2.0 - r1**2) / sigma**2
        np.testing.assert_allclose(lam[:, 0], lam_t, rtol=1e-9)
        np.testing.assert_allclose(lam[:, 1], lam_n, rtol=1e-6)
        assert np.max(np.abs(lam[:, 2])) < 1e-12
    # sigma = 0.01: both constants are 1/2 to 1e-4 relative (the correction is O(sigma^2))
    assert (1.0 - lam_t) / sigma**2 == pytest.approx(0.5, rel=1e-3)
    assert lam_n / sigma**2 == pytest.approx(0.5, rel=1e-3)
    _, cov = oracle_posterior_moments(M, None, on, 0.1)
    assert denoiser_jacobian_eigenvalues(cov, 0.1)[0, 1] / 0.01 > 0.5 * (1 + 2e-3)


def test_empirical_covariance_twin_and_learned_collapse():
    """softmax_covariance vs a naive NumPy posterior covariance of the empirical measure, and the
    empirical denoiser's rank: 0 far below the spacing (collapse onto training points), k on the
    plateau; the smoothed score's denoiser tends to the identity (rank d)."""
    from ratesim.kernels import softmax_covariance

    M = Sphere(k=2, d=4, seed=9)
    rng = np.random.default_rng(10)
    X = M.sample(300, None, rng=rng)
    Q = M.sample(7, None, rng=rng)
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


def test_tasks_build_their_manifold_from_the_grid_keys():
    """The oracle task builds the Holder graph with the grid's ``graph_eps`` as its amplitude
    (``eps`` is the tube radius) and ``manifold__seed``: the same numbers as the explicit build;
    a grid without ``graph_eps`` keeps the family's default amplitude, so the results differ."""
    from ratesim.manifolds import HolderGraph

    kw = dict(manifold="holder_graph", k=1, d=3, sigma=0.05, n_points=8, eps=0.2, beta=4.5)
    got = C.collapse_oracle(**kw, graph_eps=0.1, manifold__seed=1, rng=np.random.default_rng(0))
    M = HolderGraph(k=1, beta=4.5, eps=0.1, d=3, seed=1)
    want = C.oracle_collapse_metrics(M, None, 0.05, 8, 0.2, np.random.default_rng(0))
    assert got == want
    other = C.collapse_oracle(**kw, manifold__seed=1, rng=np.random.default_rng(0))
    assert other != want


def test_onset_sigma_and_validation():
    """Log-linear interpolation of the up-crossing; None without a crossing; bad inputs raise."""
    s = np.array([1e-3, 1e-2, 1e-1])
    assert C.onset_sigma(s, [0.0, 1.0, 1.0], 0.5) == pytest.approx(math.sqrt(1e-5))
    assert C.onset_sigma(s[::-1], [1.0, 1.0, 0.0], 0.5) == pytest.approx(math.sqrt(1e-5))
    assert C.onset_sigma(s, [1.0, 1.0, 1.0], 0.5) is None
    assert C.onset_sigma(s, [0.0, 0.1, 0.2], 0.5) is None
    with pytest.raises(ValueError, match="estimator"):
        C.learned_collapse_metrics(Circle(d=2), None, 10, "bogus", 0.1, [0.1, 1.0], 2, 0)


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
    "p3_collapse_oracle": 1.0,  # O(sigma) instead of O(sigma^2)
    "p3_collapse_learned": "-1/(2*k)",  # N^(-1/(2k)) instead of N^(-1/k)
    "p3_intrinsic_dim": "-1/(k+2)",
}
# default-run versions of the learned / intrinsic quick grids (the engine's per-cell memory
# tracing dominates their cost): the circle at N = 64 ... 2048 (4 levels over 1.5 decades, the
# least a verdict needs), 10 seeds each
TRIMMED = {
    "p3_collapse_learned": {
        "manifold, k, d, estimator, N, n_query, n_sigma, refine": [
            ("circle", 1, 3, "empirical", n, 8, 8, 8) for n in (64, 256, 1024, 2048)
        ]
    },
    "p3_intrinsic_dim": {
        "manifold, k, d": [("circle", 1, 3)],
        "N": [64, 256, 1024, 2048],
        "n_query": 8,
        "n_sigma": 10,
        "skdim": False,
    },
}


def _load(name):
    from ratesim.study import load_study

    return load_study(HERE / f"{name}.py")


# the intrinsic-dimension run is slow; its contract test runs one of its cells by default
@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.slow) if n == "p3_intrinsic_dim" else n
        for n in sorted(WRONG)
    ],
)
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
