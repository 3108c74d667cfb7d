"""The P1 headline task: the two readings of the coarse score and the task's output."""

import math

import numpy as np
import pytest
from ratesim_studies.p1_headline.tasks import HEADLINE_METRICS, coarse_score, headline

from ratesim.scores import AdaptiveProjectionScore, TwoScaleScore


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
