"""Tests of ExactCoarseScore, the exact coarse score (P_M(x) - x) / sigma^2 of a known manifold:
the estimator contract, the formula against the manifold's projection, rotation equivariance on
the circle and the law its reverse sampler reaches there (exactly uniform, for any schedule).

Statistical tolerances: an unbiased estimate whose null standard deviation is known exactly is
checked as |estimate| <= z sd with z = 4.5 (two-sided 7e-6 per assertion).
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose

from ratesim._validation import NotFittedError
from ratesim.manifolds import MANIFOLDS
from ratesim.metrics import circle_angles, d2_uniform, d2_uniform_null_sd
from ratesim.samplers import reverse_sde
from ratesim.scores import SCORES, ExactCoarseScore, clone, make_score

Z = 4.5


def test_registered_and_contract():
    assert SCORES["exact_coarse"] is ExactCoarseScore
    M = MANIFOLDS["sphere"](k=2, d=4, seed=3)
    est = make_score("exact_coarse", manifold=M)
    x = M.sample(6, rng=1) + 0.05
    with pytest.raises(NotFittedError, match="not fitted yet"):
        est.score(x, 0.1)
    with pytest.raises(NotFittedError):
        est.denoise(x, 0.1)
    assert est.fit() is est and est.n_features_in_ == 4
    assert est.fit(M.sample(10, rng=2)) is est
    s = est.score(x, 0.1)
    assert s.shape == (6, 4) and s.dtype == np.float64 and np.all(np.isfinite(s))
    # the formula, bit for bit, and the exact Tweedie step
    P = np.asarray(M.project(x).point)
    assert np.array_equal(s, (P - x) / 0.1**2)
    assert np.array_equal(est.denoise(x, 0.1), P) and np.array_equal(est.denoise(x, 3.0), P)
    assert np.array_equal(est.project(x), P)
    assert_allclose(est.denoise(x, 0.1), x + 0.01 * s, rtol=1e-12, atol=1e-12)
    assert est.score(x[0], 0.1).shape == (1, 4)
    x32 = x.astype(np.float32)
    assert_allclose(est.score(x32, 0.1), est.score(x32.astype(np.float64), 0.1), rtol=1e-14)
    assert_allclose(pickle.loads(pickle.dumps(est)).score(x, 0.1), s, rtol=1e-14)
    assert set(est.get_params(deep=False)) == {"manifold"}
    c = clone(est)
    assert not hasattr(c, "n_features_in_")
    assert_allclose(c.fit().score(x, 0.1), s, rtol=1e-14)


def test_bad_input_raises_clear_errors():
    M = MANIFOLDS["circle"](d=3, seed=0)
    with pytest.raises(ValueError, match="manifold must be"):
        ExactCoarseScore().fit()
    with pytest.raises(ValueError, match="X must have d = 3"):
        ExactCoarseScore(M).fit(np.ones((2, 2)))
    with pytest.raises(ValueError, match="X must contain at least one point"):
        ExactCoarseScore(M).fit(np.empty((0, 3)))
    est = ExactCoarseScore(M).fit()
    x = np.ones((3, 3))
    for bad in (0.0, -1.0, np.nan, np.inf, "a"):
        with pytest.raises(ValueError, match="sigma"):
            est.score(x, bad)
    with pytest.raises(ValueError, match=r"x must have d = 3"):
        est.score(np.ones((2, 4)), 0.1)
    with pytest.raises(ValueError, match="x must be finite"):
        est.denoise(np.array([[np.nan, 0.0, 0.0]]), 0.1)


def test_exact_coarse_score_is_rotation_equivariant():
    M = MANIFOLDS["circle"](d=2)
    est = ExactCoarseScore(M).fit()
    rng = np.random.default_rng(2)
    x = rng.normal(size=(50, 2))
    a = 0.7
    R = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    np.testing.assert_allclose(est.score(x @ R.T, 0.3), est.score(x, 0.3) @ R.T, atol=1e-12)
    np.testing.assert_allclose(est.denoise(x, 0.1), x / np.linalg.norm(x, axis=1)[:, None])
    with pytest.raises(ValueError):
        est.score(x, 0.0)


def test_reverse_sampler_law_on_the_circle_is_uniform():
    """The reverse SDE (Euler-Maruyama, final Tweedie step) driven by the exact coarse score of the
    unit circle reaches the uniform law, whatever the schedule: the unbiased D^2 to uniform of
    m = 20000 draws is within Z null sd of 0, for two different schedules."""
    M = MANIFOLDS["circle"](d=2)
    m = 20_000
    for sig_max, sig_min, steps in ((2.0, 0.01, 20), (3.0, 0.05, 7)):
        Y = reverse_sde(
            ExactCoarseScore(M).fit(), n=m, d=2, sigma_max=sig_max, sigma_min=sig_min,
            steps=steps, rng=np.random.default_rng(steps),
        ).samples  # fmt: skip
        d2 = d2_uniform(circle_angles(np.asarray(Y)))
        assert abs(d2) <= Z * d2_uniform_null_sd(m), d2


def test_undefined_projection_raises():
    """At the centre of the circle P_M is undefined: the manifold's error, not a made-up point."""
    est = ExactCoarseScore(MANIFOLDS["circle"](d=2)).fit()
    with pytest.raises(ValueError, match="centre"):
        est.score(np.zeros((1, 2)), 0.1)
