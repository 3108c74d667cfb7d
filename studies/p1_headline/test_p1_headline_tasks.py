"""The P1 headline task: the two readings of the coarse score and the task's output."""

import math

import numpy as np
import pytest
from ratesim_studies.p1_headline.tasks import (
    GENERALIZATION_METRICS,
    HEADLINE_METRICS,
    coarse_score,
    generalization,
    headline,
    sampler_score,
)

from ratesim.scores import AdaptiveProjectionScore, EmpiricalScore, SmoothedScore, TwoScaleScore


def test_readings_build_the_stated_estimators():
    a = coarse_score("A", 1000, 1, 4.5, rng=0)
    assert isinstance(a, AdaptiveProjectionScore)
    assert a.bandwidth == pytest.approx(6 * math.log(1000) / 1000)
    b = coarse_score("B", 1000, 1, 4.5, rng=0)
    assert isinstance(b, TwoScaleScore)
    assert b.sigma_0 == pytest.approx(1000 ** (-1 / 5))
    assert b.coarse.bandwidth == pytest.approx(b.sigma_0 / 2)
    assert b.fine.get_params() == a.get_params()
    with pytest.raises(ValueError, match=r"reading must be one of \('A', 'B'\) \(got 'C'\)"):
        coarse_score("C", 1000, 1, 4.5, rng=0)


def test_task_returns_every_metric_finite_and_samples_stay_near_m():
    out = headline(
        N=100, m=300, reading="B", manifold="holder_curve", k=1, d=2, density="von_mises",
        rng=np.random.default_rng(0), n_grid=64, manifold__beta=4.5, manifold__eps=0.1,
        density__kappa=1.0,
    )  # fmt: skip
    assert set(out) == set(HEADLINE_METRICS)
    assert all(np.isfinite(v) and v >= 0 for v in out.values())
    # the last step is the projection's Tweedie step: the samples sit on the fitted curve, whose
    # distance to M at N = 100 is the MLS error (measured 0.004 - 0.03 in the quick pilot)
    assert out["fid_median"] <= out["fid_q99"] <= out["fid_max"] < 0.2


def _cell(method, **kw):
    base = dict(
        N=200, m=500, manifold="holder_curve", k=1, d=2, density="von_mises", n_grid=128,
        manifold__beta=4.5, manifold__eps=0.1, density__kappa=1.0, rng=np.random.default_rng(3),
    )  # fmt: skip
    return generalization(method=method, **{**base, **kw})


def test_generalization_controls_fail_where_they_are_built_to():
    """The negative controls of the registered study behave as designed, on one small cell.

    - ``empirical`` ending at 1e-3 h_N (1.6e-4 at N = 200, spacing ~2 pi / 200 = 0.03) returns
      copies of training points: memorized fraction near 1, where a sample of mu_data passes
      the d1/d2 < 1/3 criterion with probability ~1/3 in 1-D (binomial s.e. 0.02 at m = 500,
      so 0.9 is 28 s.e. away); its distance to M is 0 up to the last step's noise.
    - ``smoothed`` (bandwidth 0.05) samples the KDE mu_N * N(0, 0.05^2 I): the normal offset is
      about |N(0, 0.05^2)|, whose 99 % quantile is 2.58 x 0.05 = 0.13; asserting > 0.05 leaves a
      factor 2.6. It does not memorize.
    - reading ``A`` stays on its fitted curve and the ratio metrics are the stated ratios.
    """
    emp = _cell("empirical", end=1e-3)
    assert set(emp) == set(GENERALIZATION_METRICS)
    assert emp["memorized_frac"] > 0.9 and emp["fid_q99"] < 1e-3
    smo = _cell("smoothed", bandwidth=0.05)
    assert smo["fid_q99"] > 0.05 and smo["memorized_frac"] < 0.5
    a = _cell("A")
    assert a["fid_q99"] < 0.05 and a["memorized_frac"] < 0.6
    # the exact score of mu_data ignores the data: on M (its last step is the exact denoiser at
    # a tiny sigma, the projection up to O(sigma^2)), novel (about the held-out level 1/3)
    ora = _cell("oracle")
    assert ora["fid_q99"] < 1e-3 and 0.2 < ora["memorized_frac"] < 0.5
    assert a["cover_vs_emp"] == a["delta_star"] / a["delta_emp"]
    assert a["cover_vs_emp_floor"] == a["delta_floor"] / a["delta_emp"]
    assert all(np.isfinite(v) and v >= 0 for r in (emp, smo, a) for v in r.values())
    # log_c: an empty ball (ratio 0) is censored at log m; every value is at most that
    for r in (emp, smo, a):
        logs = [v for key, v in r.items() if key.startswith("log_c_")]
        assert max(logs) <= math.log(500)
        assert (r["empty_balls"] > 0) == (max(logs) == math.log(500))
    # an empty ball of radius 0.3 (here: N = 100, seed 5) is censored without leaving the smaller
    # radius unjudged (coverage_scale stops at the first radius that fails its c)
    big = _cell("empirical", end=1e-3, N=100, rng=np.random.default_rng(5))
    assert big["log_c_r030"] == big["log_c_r010"] == math.log(500) and big["empty_balls"] == 2
    # at N = 200 a ball of radius 0.1 (length 0.2) in the low-density part of the curve holds
    # about 200 x 0.2 x p_min ~ 2 training points: the memorizing control leaves balls empty
    assert emp["empty_balls"] >= 1


def test_sampler_scores_and_errors():
    assert isinstance(sampler_score("empirical", 100, 1, 4.5, 0.05, rng=0), EmpiricalScore)
    s = sampler_score("smoothed", 100, 1, 4.5, 0.07, rng=0)
    assert isinstance(s, SmoothedScore) and s.bandwidth == 0.07
    assert isinstance(sampler_score("B", 100, 1, 4.5, 0.05, rng=0), TwoScaleScore)
    with pytest.raises(ValueError, match="'oracle' needs the manifold and the density"):
        sampler_score("oracle", 100, 1, 4.5, 0.05, rng=0)
    with pytest.raises(ValueError, match=r"method must be one of .* \(got 'kde'\)"):
        sampler_score("kde", 100, 1, 4.5, 0.05, rng=0)
    with pytest.raises(ValueError, match="end"):
        _cell("A", end=0.0)


def test_pilot_figure_from_a_table(tmp_path):
    """The pilot's figure and table come from the tidy table only: known seed values give their
    mean and coefficient of variation in the table, one row per (kappa, beta, reading, N)."""
    import pandas as pd
    from ratesim_studies.p1_headline.figures import pilot_coverage

    from ratesim.study.figures import ReportContext, plain_table

    rows = []
    for reading, level in (("A", 1.8), ("B", 0.2)):
        for n in (100, 1000):
            for rep, v in enumerate((0.5 * level, 1.5 * level)):  # mean level, cv 0.71
                for metric in HEADLINE_METRICS:
                    cell = dict(reading=reading, N=n, density__kappa=1.0, manifold__beta=2.5)
                    rows.append(dict(cell, rep=rep, metric=metric, value=v))
    df = plain_table(pd.DataFrame(rows))
    md = pilot_coverage(ReportContext(study=None, df=df, outdir=tmp_path))
    assert (tmp_path / "pilot_coverage.png").is_file()
    assert "| 1 | 2.5 | A | 1000 | 1.8 (0.71) |" in md
    assert "| 1 | 2.5 | B | 100 | 0.2 (0.71) |" in md
    assert md.count("| 1 | 2.5 |") == 4


def test_sizing_figure_from_a_table(tmp_path):
    """The second pilot's figure and table come from the tidy table only: known seed values
    give their mean and coefficient of variation, one row per (beta, method, N)."""
    import pandas as pd
    from ratesim_studies.p1_headline.figures import sizing_comparability

    from ratesim.study.figures import ReportContext, plain_table

    rows = []
    for method, level in (("A", 1.2), ("B", 0.5), ("empirical", 2.0)):
        for n in (100, 1000):
            for rep, v in enumerate((0.5 * level, 1.5 * level)):  # mean level, cv 0.71
                for metric in GENERALIZATION_METRICS:
                    cell = dict(method=method, N=n, manifold__beta=6.5)
                    rows.append(dict(cell, rep=rep, metric=metric, value=v))
    df = plain_table(pd.DataFrame(rows))
    md = sizing_comparability(ReportContext(study=None, df=df, outdir=tmp_path))
    assert (tmp_path / "sizing_comparability.png").is_file()
    assert "| 6.5 | B | 1000 | 0.5 (0.71) |" in md
    assert "| 6.5 | empirical | 100 | 2 (0.71) |" in md
    assert md.count("| 6.5 |") == 6
