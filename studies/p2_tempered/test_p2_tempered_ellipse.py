"""The paper's ellipse panels (Li, Shen, Hsieh, He 2026, Sec. 5 synthetic experiments).

The fast exact ellipse score against ``OracleScore`` and a naive NumPy twin, the tube quadrature of
the stationary laws against the polar quadrature of :func:`ratesim.exact.tempered_stationary_law`
on the circle and against the limits of Thm 5.1 (TS-1 -> uniform arc-length law, plain -> p),
chains against the quadrature (with negative controls that must be rejected), and the quick study
through the engine and the report.
"""

from pathlib import Path

import numpy as np
import pytest
from ratesim_studies.p2_tempered import paper_tasks as ep
from scipy.special import logsumexp

from ratesim.densities import ChartVonMises
from ratesim.exact import tempered_stationary_law
from ratesim.metrics import uniformity_tests
from ratesim.scores import OracleScore

HERE = Path(__file__).resolve().parent


def _points(n, spread, seed=0):
    rng = np.random.default_rng(seed)
    M = ep.ellipse()
    return M.sample(n, ChartVonMises(1.0), rng=rng) + spread * rng.standard_normal((n, 2))


def _naive(x, sigma, n, kappa=1.0, mean=0.0):
    """Dense NumPy twin: log p_sigma and the score over n trapezoid nodes."""
    t = 2 * np.pi * np.arange(n) / n
    Y = np.stack([np.cos(t), 2 * np.sin(t)], 1)
    lw = kappa * np.cos(t - mean) - np.log(2 * np.pi * np.i0(kappa)) + np.log(2 * np.pi / n)
    e = lw[None, :] - np.sum((x[:, None, :] - Y[None]) ** 2, -1) / (2 * sigma**2)
    lse = logsumexp(e, axis=1)
    w = np.exp(e - lse[:, None])
    return lse - np.log(2 * np.pi * sigma**2), (w @ Y - x) / sigma**2


@pytest.mark.parametrize("sigma", [0.01, 0.05])
def test_exact_score_matches_oracle_and_naive_twin(sigma):
    """Same nodes rule as OracleScore's quadrature (spacing <= sigma / 4): agreement to 1e-8
    relative in the score and 1e-8 absolute in log p_sigma (the engine's truncation bound,
    tol = 1e-14 times the point spread / sigma^2, is ~1e-9 relative at sigma = 0.01)."""
    S = ep.EllipseChartScore(sigma_min=sigma)
    O = OracleScore(ep.ellipse(), ChartVonMises(1.0, 0.0), rng=0).fit()
    x = _points(40, 2 * sigma**0.5)
    s1, s2 = S.score(x, sigma), O.score(x, sigma)
    scale = np.linalg.norm(s2, axis=1)[:, None]
    assert np.max(np.abs(s1 - s2) / scale) < 1e-8
    assert np.max(np.abs(S.log_density(x, sigma) - O.log_density(x, sigma))) < 1e-8
    lp, sc = _naive(x, sigma, S.n_nodes)
    assert np.max(np.abs(S.log_density(x, sigma) - lp)) < 1e-8
    assert np.max(np.abs(s1 - sc) / scale) < 1e-8


def test_exact_score_validation():
    S = ep.EllipseChartScore(sigma_min=0.05)
    with pytest.raises(ValueError):
        S.score(_points(3, 0.1), 0.01)  # below sigma_min: grid too coarse
    with pytest.raises(ValueError):
        ep.EllipseChartScore(a=-1.0)
    with pytest.raises(ValueError):
        ep.ellipse_experiment("reverse", "exact", "data", rng=0)


def test_tube_quadrature_equals_polar_quadrature_on_circle():
    """a = b = 1: the tube coordinates are polar coordinates and ChartVonMises is VonMises, so the
    720-bin law must equal stationary.tempered_stationary_law (independent code) to quadrature
    accuracy: in-bin midpoint rule with ``sub`` nodes errs by (2 pi / (720 sub))^2 / 24 |f''/f| per
    bin (measured TV 1.4e-6 at sub = 2; sub = 8 gives ~1e-7), Gauss-Legendre in r is spectral."""
    for alpha in (1.0, 0.0):
        S = ep.EllipseChartScore(a=1.0, b=1.0, kappa=4.0, mean=np.pi, sigma_min=0.03)
        mine = ep.stationary_t_bins(S.log_density, 0.03, alpha, a=1.0, b=1.0, bins=720, sub=8)
        ref = tempered_stationary_law(0.03, alpha, kappa=4.0, mean=np.pi).bin_probs
        assert 0.5 * np.abs(mine - ref).sum() < 1e-6


def test_stationary_limits_on_ellipse():
    """Thm 5.1: TS-1's law is within C sigma of the uniform arc-length law (measured 0.0037 at
    sigma = 0.01 on 720 bins, 0.019 at 0.05: ratio 5.1 = sigma ratio, slope 1) and far from p
    (TV(p, uniform) = 0.28); plain Langevin's law p_sigma is within O(sigma^2) of p."""
    ub, pb = ep.uniform_t_bins(720), ep.von_mises_t_bins(720)
    assert abs(0.5 * np.abs(ub - pb).sum() - 0.2842) < 1e-3
    tv = {}
    for sigma in (0.01, 0.05):
        S = ep.EllipseChartScore(sigma_min=sigma)
        law = ep.stationary_t_bins(S.log_density, sigma, 1.0, bins=720)
        tv[sigma] = 0.5 * np.abs(law - ub).sum()
        plain = ep.stationary_t_bins(S.log_density, sigma, 0.0, bins=720)
        assert 0.5 * np.abs(plain - pb).sum() < 5 * sigma**2
    assert tv[0.01] < 0.006
    slope = np.log(tv[0.05] / tv[0.01]) / np.log(5.0)
    assert abs(slope - 1.0) < 0.15  # alpha = 1; pre-asymptotic bias O(sigma) in the ratio
    # uniform arc-length bins against an independent Monte-Carlo-free closed form (the perimeter
    # integrand): the bin of t in [0, 2 pi / 720) carries |Phi'| ~ 2 over the perimeter 9.6884
    assert abs(ub[0] - 2 * (2 * np.pi / 720) / 9.688448) < 1e-6


def test_chains_reach_the_quadrature_law_and_negative_controls():
    """TS-1 at sigma = 0.05 (relaxation (L/2 pi)^2 / (h sigma) = 476 steps; 2400 steps = 5
    relaxation times: residual exp(-5) * 0.28 = 2e-3) from the data law: KS to the exact stationary
    law below the 1 % critical value 1.63 / sqrt(n) (+ 0.01 for the Euler bias of h = 0.1 and the
    residual); negative control: the data law p is rejected (KS far above the critical value)."""
    n = 1000
    rng = np.random.default_rng(3)
    out = ep.ellipse_experiment("ts", "exact", "data", rng=rng, n_chains=n, sigma=0.05,
                                steps=2400)  # fmt: skip
    crit = 1.63 / np.sqrt(n)
    assert out["n_relax"] > 4.9
    assert out["ks_stationary"] < crit + 0.01
    assert out["ks_p"] > 2 * crit  # KS(p, uniform) = 0.14; sd of KS ~ 0.5 / sqrt(n) = 0.016
    # regression (ks_p / ks_uniform / histogram were once taken from the half-run snapshot): the
    # final-state KS statistics obey the triangle inequality through the stationary law, whose
    # KS distance to uniform is at most its TV on 72 bins plus one bin's mass (1/72 * 1.1)
    assert out["ks_uniform"] <= out["ks_stationary"] + out["law_tv_uniform"] + 0.016
    # the normal profile: width sigma^(1 - alpha/2) / sqrt(1 - h/2) = 0.229 (Euler-Maruyama), 5 %
    assert abs(out["normal_rms"] / (0.05**0.5 / np.sqrt(0.95)) - 1) < 0.05
    # plain Langevin from the data law stays at p (stationary), and the uniform law is rejected
    out = ep.ellipse_experiment("plain", "exact", "data", rng=rng, n_chains=n, sigma=0.05,
                                steps=200)  # fmt: skip
    assert out["ks_p"] < crit + 0.01
    assert out["ks_uniform"] > 3 * crit


def test_ks_helper_rejects_wrong_law():
    """The CDF helper used for KS: exact samples of p pass, uniform arc-length samples fail."""
    M = ep.ellipse()
    rng = np.random.default_rng(5)
    cdf = ep._cdf_from_density(lambda t: np.exp(np.cos(t) - 1.0))
    th = ep.chain_angles(M, M.sample(4000, ChartVonMises(1.0), rng=rng))
    assert uniformity_tests(th, cdf=cdf).ks_stat < 1.63 / np.sqrt(4000)
    from ratesim.densities import Uniform

    th = ep.chain_angles(M, M.sample(4000, Uniform(), rng=rng))
    assert uniformity_tests(th, cdf=cdf).ks_stat > 5 * 1.63 / np.sqrt(4000)


# slow: each study's contract test (tests/test_studies_contract.py) runs one of its cells by default
@pytest.mark.slow
def test_quick_study_through_engine(tmp_path):
    """Quick study (6 panels, 300 chains, 200 steps) through the engine and the report: the figure
    and its table are written; the study has no rate claims (panels are figures)."""
    from ratesim.report import write_report
    from ratesim.study import ResultsStore, evaluate_claims, load_study, run_study

    study = load_study(HERE / "p2_paper_ellipse.py")
    with ResultsStore(tmp_path / "ratesim.sqlite") as store:
        summ = run_study(study, store, quick=True, progress=False)
        df = store.tidy(study.name, "quick")
    assert summ.ok, summ.failures
    assert not evaluate_claims(study, df)
    readme = Path(write_report(study, df, tmp_path / "rep", mode="quick"))
    assert (readme.parent / "ellipse_experiment.png").exists()
    text = readme.read_text()
    assert "| exact | ts | data |" in text and "| empirical | plain | uniform |" in text
