"""Thm 4.1 of Li, Shen, Hsieh, He (arXiv 2509.24912): concentration against recovery.

Checks of :mod:`ratesim.theory.tilted` (quadrature of p_sigma^a exp(-V) around the circle) against
the oracle's closed form and a brute-force Cartesian NumPy twin, of the regimes of
:mod:`ratesim.theory.concentration`, and the quick ``p2_concentration`` study through the engine
with negative controls.
"""

import math
from pathlib import Path

import numpy as np
import pytest

from ratesim.theory import concentration as C
from ratesim.theory import tilted as T

ROOT = Path(__file__).resolve().parents[2]


def test_log_p_sigma_circle_matches_oracle():
    """The vectorized closed form equals OracleScore.log_density (same formula, independent
    code) to 1e-9 absolute over sigma in [1e-4, 0.3] and points on and off the circle."""
    from ratesim.densities import VonMises
    from ratesim.manifolds import Circle
    from ratesim.scores import OracleScore

    o = OracleScore(Circle(d=2, seed=None), VonMises(kappa=4.0, mean=math.pi)).fit()
    rng = np.random.default_rng(0)
    th = rng.uniform(0, 2 * np.pi, 50)
    for s in (0.3, 0.05, 1e-3, 1e-4):
        r = 1 + s * rng.standard_normal(50)
        x = np.stack([r * np.cos(th), r * np.sin(th)], axis=1)
        np.testing.assert_allclose(
            T.log_p_sigma_circle(r, th, s, 4.0, math.pi), o.log_density(x, s), atol=1e-9
        )


def _brute_force(sigma, V, a=1.0, n=1601, half=2.0):
    """Cartesian grid twin on [-half, half]^2: angular moments E[cos j theta], E[sin j theta]
    (j = 1, 2), E dist^2 and mass outside the tube 0.25 (grid spacing 2.5e-3 << sigma = 0.1)."""
    g = np.linspace(-half, half, n)
    X, Y = np.meshgrid(g, g, indexing="ij")
    x = np.stack([X.ravel(), Y.ravel()], axis=1)
    r = np.hypot(x[:, 0], x[:, 1])
    th = np.arctan2(x[:, 1], x[:, 0])
    lf = a * T.log_p_sigma_circle(r, th, sigma, 4.0, math.pi) - V(x)
    w = np.exp(lf - lf.max())
    w /= w.sum()
    mom = np.array([np.sum(w * f(j * th)) for j in (1, 2) for f in (np.cos, np.sin)])
    return mom, float(np.sum(w * (r - 1) ** 2)), float(np.sum(w * (np.abs(r - 1) >= 0.25)))


def test_tilted_law_matches_cartesian_twin():
    """At sigma = 0.1 the polar quadrature and a 1601^2 Cartesian grid agree: smooth angular
    moments within 1e-3 absolute, E dist^2 and the mass outside the tube within 1 % (the grid
    rule errs by O(h^2 / sigma^2) ~ 6e-4 relative; the indicator of the tube by ~h / (tube
    boundary mass scale) < 1 %)."""
    prior = T.circle_prior(4.0, math.pi)
    phi, _ = C.tilt_potential([0.3, 0.4])
    s, gamma = 0.1, -1.0

    def V(x):
        return s**gamma * phi(x)

    law = T.circle_tilted_law(prior, s, V, eps=0.25)
    mom, d2, out = _brute_force(s, V)
    th = law.theta
    got = np.array([np.sum(law.q * f(j * th)) for j in (1, 2) for f in (np.cos, np.sin)])
    np.testing.assert_allclose(got, mom, atol=1e-3)
    assert law.mean_dist2 == pytest.approx(d2, rel=1e-2)
    assert law.mass_out == pytest.approx(out, rel=1e-2)


def test_untilted_law_is_p_sigma_and_tv_limits():
    """V = 0: the angular marginal of p_sigma is the von Mises law up to O(sigma^2) (TV ratio
    ~100 between sigma = 0.01 and 0.001, within 10 %), E dist^2 = sigma^2 (1 + O(sigma^2))."""
    prior = T.circle_prior(4.0, math.pi)
    tv = []
    for s in (0.01, 0.001):
        law = T.circle_tilted_law(prior, s, lambda x: np.zeros(len(x)), n_theta=1024)
        assert law.mean_dist2 == pytest.approx(s**2, rel=1e-3)
        assert law.q.sum() == pytest.approx(1.0)
        tv.append(T.tv_to_density(law, prior.log_pdf_angle))
    assert tv[0] / tv[1] == pytest.approx(100.0, rel=0.1)


def test_regimes_of_theorem_4_1():
    """gamma = -1.5: concentrates (mass out 0), collapses (TV to data ~ 1, W1 small);
    gamma = 1: recovers (TV to data ~ sigma); gamma = 0: tilted limit; swap: chosen limit;
    gamma = -2.5: no concentration (mass out ~ 1). Thresholds are far from the values (e.g. the
    gamma = 1 TV is 1.6e-3 at sigma = 0.01 against the bound 5e-3)."""
    m = C.concentration_metrics("tilt", -1.5, 0.01, 1, n_theta=1024)
    assert m["mass_out"] < 1e-100 and m["tv_data"] > 0.7 and m["w1_argmin"] < 0.05
    m = C.concentration_metrics("tilt", 1.0, 0.01, 1, n_theta=1024)
    assert m["tv_data"] < 5e-3 and m["tv_limit"] > 0.05
    m = C.concentration_metrics("tilt", 0.0, 0.01, 1, n_theta=1024)
    assert m["tv_limit"] < 1e-3 and m["tv_data"] > 0.05
    m = C.concentration_metrics("swap", 0.0, 0.01, 1, n_theta=1024)
    assert m["tv_limit"] < 1e-3 and m["tv_data"] > 0.3 and 1 < m["score_err_sup"] < 100
    m = C.concentration_metrics("tilt", -2.5, 0.03, 1, n_theta=1024)
    assert m["mass_out"] > 0.99 and m["mean_dist2"] > 0.15


def test_validation():
    prior = T.circle_prior(4.0)
    with pytest.raises(ValueError, match="eps"):
        T.circle_tilted_law(prior, 0.1, lambda x: np.zeros(len(x)), eps=1.5)
    with pytest.raises(ValueError, match="callable"):
        T.circle_tilted_law(prior, 0.1, 3.0)
    with pytest.raises(ValueError, match="construction"):
        C.concentration_metrics("other", 0.0, 0.1, 0)
    with pytest.raises(ValueError, match="sigma"):
        C.concentration_metrics("tilt", 0.0, -0.1, 0)


def test_quick_study_through_engine(tmp_path):
    """Quick study through the engine: no claim contradicted; negative controls (E dist^2 ~ sigma
    instead of sigma^2 for gamma > -2; a concentrating gamma = -2) are contradicted."""
    import dataclasses

    from ratesim.rates import CONTRADICTED
    from ratesim.study import Claim, load_study
    from ratesim.study.claims import evaluate_claims
    from ratesim.study.runner import run_study
    from ratesim.study.store import ResultsStore

    study = load_study(ROOT / "studies" / "p2_concentration.py")
    with ResultsStore(tmp_path / "ratesim.sqlite") as st:
        summary = run_study(study, st, quick=True, jobs=1, progress=False)
        df = st.tidy("p2_concentration", "quick")
    assert summary.ok, summary.failures
    res = evaluate_claims(study, df)
    assert res and all(r.verdict != CONTRADICTED for r in res)
    wrong = [
        dataclasses.replace(study.claims[0], predict={"sigma^1": -1.0}),
        Claim(
            metric="mean_dist2",
            predict={"sigma^2 at gamma = -2": -2.0},
            on="inv_sigma",
            group_by=("construction", "gamma"),
            where={"gamma": [-2.0]},
            tolerance=0.05,
        ),
    ]
    bad = evaluate_claims(dataclasses.replace(study, claims=wrong), df)
    assert bad and all(r.verdict == CONTRADICTED for r in bad)
