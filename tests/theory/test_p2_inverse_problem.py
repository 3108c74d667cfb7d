"""Thm 6.1 of Li, Shen, Hsieh, He (arXiv 2509.24912): posterior Langevin with a tempered prior.

Checks of :mod:`ratesim.theory.inverse_problem`: the closed-form circle score against the oracle
and finite differences of log p_sigma (NumPy twins), the gradients of v and psi against finite
differences, the limits of the exact stationary laws, a Monte-Carlo chain against the quadrature,
and the quick studies through the engine with negative controls.
"""

import math
from pathlib import Path

import numpy as np
import pytest

from ratesim.theory import inverse_problem as I
from ratesim.theory import tilted as T

ROOT = Path(__file__).resolve().parents[2]


def test_circle_score_matches_oracle_and_log_density():
    """circle_score equals OracleScore.score (1e-8 relative) and the central difference of
    log_p_sigma_circle (step 1e-6 sigma: error O(1e-12 / sigma^2) relative to |s| ~ 1/sigma)."""
    from ratesim.densities import VonMises
    from ratesim.manifolds import Circle
    from ratesim.scores import OracleScore

    o = OracleScore(Circle(d=2, seed=None), VonMises(kappa=4.0, mean=math.pi)).fit()
    s = I.circle_score()
    rng = np.random.default_rng(1)
    for sig in (0.3, 0.01, 1e-3):
        th = rng.uniform(0, 2 * np.pi, 20)
        r = 1 + sig * rng.standard_normal(20)
        x = np.stack([r * np.cos(th), r * np.sin(th)], axis=1)
        np.testing.assert_allclose(s(x, sig), o.score(x, sig), rtol=1e-8, atol=1e-8 / sig)
        h = 1e-6 * sig
        fd = np.empty_like(x)
        for j in range(2):
            e = np.zeros(2)
            e[j] = h
            lp = [
                T.log_p_sigma_circle(
                    np.hypot(*(x + t * e).T), np.arctan2((x + t * e)[:, 1], (x + t * e)[:, 0]),
                    sig, 4.0, math.pi,
                )
                for t in (1, -1)
            ]  # fmt: skip
            fd[:, j] = (lp[0] - lp[1]) / (2 * h)
        np.testing.assert_allclose(s(x, sig), fd, rtol=1e-4, atol=1e-4 / sig)


@pytest.mark.parametrize("forward", ["linear", "nonlinear"])
def test_gradients_by_finite_differences(forward):
    """grad v and grad psi against central differences (step 1e-6: error ~1e-10)."""
    v, gv = I.likelihood(forward)
    psi, gpsi = I.error_potential()
    x = np.random.default_rng(2).normal(size=(10, 2))
    for f, g in ((v, gv), (psi, gpsi)):
        fd = np.stack([(f(x + 1e-6 * e) - f(x - 1e-6 * e)) / 2e-6 for e in np.eye(2)], axis=1)
        np.testing.assert_allclose(g(x), fd, rtol=1e-6, atol=1e-6)


def test_limits_of_the_stationary_laws():
    """TS with error sigma^-1 (alpha = 1.5) approaches exp(-v) vol (TV shrinks ~ sigma^0.5 by a
    factor > 2 per decade), PnP with an O(1) error plateaus (TV changes by < 5 %), and the TS
    limit differs from the Bayes posterior (tv_other > 0.3)."""
    a = [I.inverse_metrics("ts", "linear", s, 1.5, -1.0)["tv_limit"] for s in (1e-2, 1e-3)]
    assert a[0] / a[1] > 2.5
    b = [I.inverse_metrics("pnp", "linear", s, 0.0, 0.0)["tv_limit"] for s in (1e-2, 1e-3)]
    assert abs(b[0] / b[1] - 1) < 0.05 and b[1] > 0.3
    m = I.inverse_metrics("ts", "nonlinear", 1e-3, 1.0, 0.0, rng=3)
    assert m["tv_limit"] < 0.01 and m["tv_other"] > 0.3
    assert m["mean_dist2"] == pytest.approx(1e-3, rel=0.05)  # sigma^(2 - alpha), unit constant


def test_validation():
    with pytest.raises(ValueError, match="0 < alpha < 2"):
        I.stationary_law("ts", "linear", 0.1, 2.0, 0.0)
    with pytest.raises(ValueError, match="alpha = 0"):
        I.stationary_law("pnp", "linear", 0.1, 1.0, 0.0)
    with pytest.raises(ValueError, match="forward"):
        I.likelihood("quadratic")
    with pytest.raises(ValueError, match="method"):
        I.limit_logpdf("map", "linear")


def test_chains_match_quadrature_tempered():
    """1000 tempered chains (sigma = 0.1, alpha = 1, h = 0.04, 3 time units = 750 steps) against
    the exact stationary law: the 24-bin TV is at most 1.6 x its i.i.d. floor (the floor's
    spread over replicates is ~15 % of its mean; 1.6 allows ~4 sd); negative control: the same
    chains compared with the plug-and-play law are off by more than 5 floors."""
    m = I.mc_metrics("ts", "linear", 0.1, 1.0, 0.0, 1000, 0.04, 3.0, np.random.default_rng(4))
    assert m["tv_excess"] < 1.6
    th = I.posterior_chains("ts", "linear", 0.1, 1.0, 0.0, 1000, 0.04, 3.0, 4)
    law = I.stationary_law("pnp", "linear", 0.1, 0.0, 0.0)
    idx = np.minimum((law.theta / (2 * np.pi) * 24).astype(int), 23)
    pb = np.bincount(idx, law.q, 24)
    hist = np.bincount(np.minimum((th / (2 * np.pi) * 24).astype(int), 23), None, 24) / 1000
    assert 0.5 * np.abs(hist - pb).sum() > 5 * m["tv_floor"]


def _quick(name, tmp_path):
    from ratesim.study import load_study
    from ratesim.study.claims import evaluate_claims
    from ratesim.study.runner import run_study
    from ratesim.study.store import ResultsStore

    study = load_study(ROOT / "studies" / f"{name}.py")
    with ResultsStore(tmp_path / "ratesim.sqlite") as st:
        summary = run_study(study, st, quick=True, jobs=1, progress=False)
        df = st.tidy(name, "quick")
    assert summary.ok, summary.failures
    return study, df, evaluate_claims(study, df)


def test_quick_inverse_study_through_engine(tmp_path):
    """Quick p2_inverse_problem: nothing contradicted; negative controls (plug-and-play claimed
    to converge with an O(1) error; the TS rate claimed to be sigma^2) are contradicted."""
    import dataclasses

    from ratesim.rates import CONTRADICTED
    from ratesim.study import Claim
    from ratesim.study.claims import evaluate_claims

    study, df, res = _quick("p2_inverse_problem", tmp_path)
    assert res and all(r.verdict != CONTRADICTED for r in res)
    wrong = [
        Claim(
            metric="tv_limit",
            predict={"PnP converges with O(1) error": -1.0},
            on="inv_sigma",
            group_by=("case",),
            where={"case": ["pnp_plateau"]},
            tolerance=0.05,
        ),
        dataclasses.replace(study.claims[0], predict={"sigma^2": -2.0}),
    ]
    bad = evaluate_claims(dataclasses.replace(study, claims=wrong), df)
    assert bad and all(r.verdict == CONTRADICTED for r in bad)


@pytest.mark.slow
def test_quick_mc_study_through_engine(tmp_path):
    """Quick p2_inverse_mc: the chains are not contradicted as unbiased samplers."""
    from ratesim.rates import CONTRADICTED

    _, df, res = _quick("p2_inverse_mc", tmp_path)
    assert res and all(r.verdict != CONTRADICTED for r in res)
    assert np.all(df[df["metric"] == "tv_excess"]["value"] < 3.0)
