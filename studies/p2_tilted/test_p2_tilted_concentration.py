"""Thm 4.1 of Li, Shen, Hsieh, He (arXiv 2509.24912): concentration against recovery.

Checks of the regimes computed by :func:`tasks.concentration_metrics`, of the task's validation,
and the quick ``p2_concentration`` study through the engine with negative controls. The
quadrature itself is tested in tests/test_exact_tilted.py.
"""

import math
from pathlib import Path

import numpy as np
import pytest
from ratesim_studies.p2_tilted import tasks as C

from ratesim.exact import circle_prior

HERE = Path(__file__).resolve().parent


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


def test_task_calls_the_metrics_and_validates():
    """The task equals concentration_metrics with the same generator state; bad inputs raise."""
    got = C.tilted_concentration(
        construction="tilt", gamma=1.0, sigma=0.01, n_theta=256, rng=np.random.default_rng(0)
    )
    want = C.concentration_metrics("tilt", 1.0, 0.01, np.random.default_rng(0), n_theta=256)
    assert got == want
    with pytest.raises(ValueError, match="construction"):
        C.concentration_metrics("other", 0.0, 0.1, 0)
    with pytest.raises(ValueError, match="sigma"):
        C.concentration_metrics("tilt", 0.0, -0.1, 0)
    with pytest.raises(ValueError, match="circle"):
        C.tilted_concentration(construction="tilt", sigma=0.1, d=3, rng=np.random.default_rng(0))


def test_swap_potential_gradient_and_chosen_law():
    """The swap's gradient (angular finite difference / r) against a Cartesian central difference
    of V (step 1e-6: error ~1e-8 relative), and q integrates to 1 over the circle."""
    prior = circle_prior(4.0, math.pi)
    V, grad = C.swap_potential(prior, 1.3)
    x = np.random.default_rng(2).normal(size=(10, 2)) * 0.1 + np.array([0.9, 0.4])
    fd = np.stack([(V(x + 1e-6 * e) - V(x - 1e-6 * e)) / 2e-6 for e in np.eye(2)], axis=1)
    np.testing.assert_allclose(grad(x), fd, rtol=1e-5, atol=1e-6)
    th = 2 * np.pi * np.arange(4096) / 4096
    total = np.exp(C.chosen_law_logpdf(th, 1.3)).sum() * 2 * np.pi / 4096
    assert total == pytest.approx(1.0, rel=1e-10)


def test_quick_study_through_engine(tmp_path):
    """Quick study through the engine: no claim contradicted; negative controls (E dist^2 ~ sigma
    instead of sigma^2 for gamma > -2; a concentrating gamma = -2) are contradicted."""
    import dataclasses

    from ratesim.rates import CONTRADICTED
    from ratesim.study import Claim, load_study
    from ratesim.study.claims import evaluate_claims
    from ratesim.study.runner import run_study
    from ratesim.study.store import ResultsStore

    study = load_study(HERE / "p2_concentration.py")
    with ResultsStore(tmp_path / "ratesim.sqlite") as st:
        summary = run_study(study, st, quick=True, jobs=1, progress=False)
        df = st.tidy("p2_concentration", "quick")
    assert summary.ok, summary.failures
    res = evaluate_claims(study, df)
    assert res and all(r.verdict != CONTRADICTED for r in res)
    wrong = [
        dataclasses.replace(study.claims[0], predict={"sigma^1": 1.0}),
        Claim(
            metric="mean_dist2",
            predict={"sigma^2 at gamma = -2": 2.0},
            on="sigma",
            group_by=("construction", "gamma"),
            where={"gamma": [-2.0]},
            tolerance=0.05,
        ),
    ]
    bad = evaluate_claims(dataclasses.replace(study, claims=wrong), df)
    assert bad and all(r.verdict == CONTRADICTED for r in bad)
