"""The coarse score (ratesim.scores.AdaptiveProjectionScore), its bandwidth rule and effective
sample size, and the protocols of ratesim.samplers.draw_coarse.

Checks: closed forms (bandwidth, Gaussian ESS; the projection onto the unit circle), naive NumPy
references (the ESS of sampled data, the nearest-training-point fallback), the estimator contract
(constructor parameters, fit returns self, fitted state, NotFittedError, registry), and the
samplers' novelty, fidelity and spread on the circle.
"""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest

from ratesim import densities, manifolds
from ratesim.manifolds import FlatTorus
from ratesim.samplers import COARSE_SAMPLERS, draw_coarse
from ratesim.scores import (
    SCORES,
    AdaptiveProjectionScore,
    ProjectionScore,
    clone,
    coarse_bandwidth,
    gaussian_ess,
    make_score,
)
from ratesim.scores._base import ScoreEstimator


def _circle_data(n, rng):
    t = rng.uniform(0, 2 * np.pi, n)
    return np.c_[np.cos(t), np.sin(t)]


def _naive_ess(X, y, h):
    """(sum w)^2 / sum w^2 of w_j = exp(-|X_j - y|^2 / (2 h^2)), plainly."""
    w = np.exp(-np.sum((X - y) ** 2, axis=1) / (2 * h * h))
    return w.sum() ** 2 / np.sum(w**2)


# ----- bandwidth and effective sample size ----------------------------------------------------
def test_bandwidth_closed_form_and_validation():
    assert coarse_bandwidth(100, 1) == pytest.approx(6 * math.log(100) / 100, rel=1e-14)
    assert coarse_bandwidth(1000, 2, a=2.0) == pytest.approx(
        2 * math.sqrt(math.log(1000) / 1000), rel=1e-14
    )
    with pytest.raises(ValueError, match="N"):
        coarse_bandwidth(2, 1)
    with pytest.raises(ValueError, match="a"):
        coarse_bandwidth(100, 1, a=0.0)


def test_gaussian_ess_closed_form_and_validation():
    assert gaussian_ess(100, 0.1, 2, 4 * math.pi**2) == pytest.approx(1 / math.pi)
    assert gaussian_ess(50, 0.2, 1, 2 * math.pi) == pytest.approx(
        50 * math.sqrt(4 * math.pi) * 0.2 / (2 * math.pi)
    )
    with pytest.raises(ValueError):
        gaussian_ess(10, -1.0, 2, 1.0)


def test_gaussian_ess_matches_naive_computation_on_the_flat_torus():
    """N = 20000 uniform points on the flat torus T^2 in R^4 (volume 4 pi^2), h = 0.1: the
    small-h formula N 4 pi h^2 / vol = N h^2 / pi = 63.7. The naive ESS at 20 points of M is a
    ratio of kernel sums over ~N h^2 / pi points; its relative sd is about 1 / sqrt(64) ~ 0.12
    per point, 0.03 for the mean of 20; chordal vs flat distances bias it by O(h^2) ~ 1%.
    Tolerance 0.1 relative (3 sd)."""
    M = FlatTorus(k=2)
    X = M.sample(20000, rng=np.random.default_rng(0))
    Y = M.sample(20, rng=np.random.default_rng(1))
    ess = np.mean([_naive_ess(X, y, 0.1) for y in Y])
    assert ess == pytest.approx(gaussian_ess(20000, 0.1, 2, 4 * math.pi**2), rel=0.1)


# ----- the estimator ----------------------------------------------------------------------------
def test_contract_and_registry():
    assert SCORES["adaptive_projection"] is AdaptiveProjectionScore
    est = make_score("adaptive_projection", bandwidth=0.3, k=1, beta=4.5, scale=0.5)
    assert isinstance(est, ScoreEstimator)
    assert est.get_params() == {"bandwidth": 0.3, "k": 1, "beta": 4.5, "scale": 0.5, "n_iter": 2}
    x = np.array([[1.1, 0.0]])
    for call in (lambda: est.score(x, 0.1), lambda: est.denoise(x, 0.1),
                 lambda: est.project(x, 0.1), lambda: est.bandwidth_at(0.1)):  # fmt: skip
        with pytest.raises(ValueError, match="not fitted"):
            call()
    X = _circle_data(200, np.random.default_rng(0))
    assert est.fit(X) is est
    assert est.X_.shape == (200, 2) and est.n_samples_ == 200 and est.n_features_in_ == 2
    assert est.bandwidth_ == 0.3 and est.scale_ == 0.5 and list(est.estimators_) == [0.3]
    c = clone(est)
    assert repr(c) == repr(est) and not hasattr(c, "estimators_")
    est2 = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(est2.score(x, 0.1), est.score(x, 0.1))
    for bad, msg in (
        ({"bandwidth": 0.0}, "bandwidth must be"),
        ({"scale": -1.0}, "scale"),
        ({"k": None}, "k"),
    ):
        with pytest.raises(ValueError, match=msg):
            AdaptiveProjectionScore(**{"bandwidth": 0.3, "k": 1, **bad}).fit(X)


def test_coarse_score_on_the_circle():
    """MLS degree 4 on 2000 exact circle points, h = 6 log N / N: the Hausdorff error of a
    degree-p local fit is O(h^(p+1)) ~ 1e-7 here; we ask 1e-5 at points within 0.05 of M against
    the exact projection x / |x|. The score is (P_hat - x) / sigma^2 exactly (it is defined so),
    and denoise = P_hat."""
    rng = np.random.default_rng(1)
    X = _circle_data(2000, rng)
    h = coarse_bandwidth(2000, 1)
    est = AdaptiveProjectionScore(bandwidth=h, k=1, beta=math.inf).fit(X)
    t = rng.uniform(0, 2 * np.pi, 200)
    r = 1 + rng.uniform(-0.05, 0.05, 200)
    x = np.c_[r * np.cos(t), r * np.sin(t)]
    P = est.project(x, 0.01)
    np.testing.assert_allclose(P, x / r[:, None], atol=1e-5)
    np.testing.assert_allclose(est.score(x, 0.1), (P - x) / 0.01, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(est.denoise(x, 0.1), P, rtol=0, atol=0)
    # bandwidth rule b = max(h, scale sigma)
    assert est.bandwidth_at(1.0) == est.bandwidth_
    est2 = AdaptiveProjectionScore(bandwidth=h, k=1, beta=math.inf, scale=0.5).fit(X)
    assert est2.bandwidth_at(1.0) == pytest.approx(0.5)
    assert est2.bandwidth_at(1e-4) == est2.bandwidth_
    assert est.n_queries_ == 600 and est.n_fallback_ == 0


def test_adaptive_bandwidth_is_the_projection_at_that_bandwidth():
    """At sigma with scale * sigma > h the estimator is ProjectionScore(h = scale * sigma rounded
    to 3 digits) exactly; one fitted projection per distinct bandwidth."""
    rng = np.random.default_rng(2)
    X = _circle_data(300, rng)
    est = AdaptiveProjectionScore(bandwidth=0.1, k=1, beta=2.5, scale=0.5).fit(X)
    x = 1.2 * _circle_data(7, rng)
    ref = ProjectionScore(bandwidth=0.617, k=1, beta=2.5).fit(X).project(x)
    np.testing.assert_array_equal(est.project(x, 1.2345), ref)
    est.project(x, 1.2346)  # rounds to the same bandwidth
    assert sorted(est.estimators_) == [0.1, 0.617]


class _Failing:
    """A projection that returns NaN on rows with x_0 < 0 and raises on batches holding a row
    with x_1 > 0.9 (as the numba kernel can near the medial axis)."""

    def project(self, x):
        if np.any(x[:, 1] > 0.9):
            raise ZeroDivisionError
        out = x.copy()
        out[x[:, 0] < 0] = np.nan
        return out


def test_safeguard_falls_back_to_the_nearest_training_point():
    """Rows whose projection is non-finite or raises (even alone) go to their nearest training
    point (naive argmin of distances); the other rows keep the projection."""
    rng = np.random.default_rng(3)
    X = _circle_data(50, rng)
    est = AdaptiveProjectionScore(bandwidth=0.5, k=1, beta=4.5).fit(X)
    est.estimators_[est.bandwidth_] = _Failing()
    x = rng.uniform(-1.2, 1.2, (40, 2))
    P = est.project(x, 0.1)
    nearest = X[np.argmin(((x[:, None] - X[None]) ** 2).sum(-1), axis=1)]
    bad = (x[:, 0] < 0) | (x[:, 1] > 0.9)
    np.testing.assert_array_equal(P[bad], nearest[bad])
    np.testing.assert_array_equal(P[~bad], x[~bad])
    assert est.n_fallback_ == int(bad.sum()) and est.n_queries_ == 40


def test_safeguard_at_the_medial_axis():
    """At the centre of the circle every data point is equidistant: whatever the MLS does, the
    safeguarded projection is finite and, if it had to fall back, is a training point. A diverged
    chain (non-finite state) is a clear error."""
    rng = np.random.default_rng(2)
    X = _circle_data(64, rng)
    est = AdaptiveProjectionScore(bandwidth=0.6, k=1, beta=4.5).fit(X)
    x = np.array([[0.0, 0.0], [1e-9, 0.0], [0.9, 0.0]])
    P = est.project(x, 0.5)
    assert np.all(np.isfinite(P))
    assert est.n_queries_ == 3 and 0 <= est.n_fallback_ <= 3
    with pytest.raises(ValueError, match="x must be finite"):
        est.project(np.array([[np.nan, 0.0], [0.9, 0.0]]), 0.5)
    with pytest.raises(ValueError, match="sigma"):
        est.score(x, 0.0)


# ----- the samplers -----------------------------------------------------------------------------
@pytest.mark.parametrize("sampler", COARSE_SAMPLERS)
def test_samplers_are_novel_faithful_and_spread(sampler):
    """N = 300 circle points; 200 generated samples. Faithful: median distance to M below 1% of
    the spacing (2 pi / 300 = 0.021). Novel: median nearest-training distance above 1/10 of the
    held-out value (a copying sampler gives 0). Spread: every one of 8 arcs of the circle gets
    at least 1/4 of its uniform share (binomial sd of a share of 25 is 4.7; 6.25 is 4 sd below).
    TS relaxation units = steps * h * sigma^(2 - alpha)."""
    rng = np.random.default_rng(3)
    M = manifolds.Circle(d=2, seed=None)
    X = M.sample(300, densities.Uniform(), rng=rng)
    h = coarse_bandwidth(300, 1)
    est = AdaptiveProjectionScore(bandwidth=h, k=1, beta=math.inf).fit(X)
    Y, relax = draw_coarse(
        est, sampler, 200, sigma_max=2.0, sigma_min=h / 10, steps=20, rng=rng, ts_sigma=0.01,
        ts_steps=30,
    )  # fmt: skip
    assert Y.shape == (200, 2)
    assert relax == (pytest.approx(30 * 0.1 * 0.01) if sampler == "tempered_langevin" else 0.0)
    dist = np.abs(np.linalg.norm(Y, axis=1) - 1)
    assert np.median(dist) < 0.01 * 2 * np.pi / 300
    d1 = np.sqrt(((Y[:, None] - X[None]) ** 2).sum(-1)).min(1)
    ref = M.sample(200, densities.Uniform(), rng=rng)
    d1_ref = np.sqrt(((ref[:, None] - X[None]) ** 2).sum(-1)).min(1)
    assert np.median(d1) > 0.1 * np.median(d1_ref)
    counts = np.bincount((np.arctan2(Y[:, 1], Y[:, 0]) % (2 * np.pi) // (np.pi / 4)).astype(int))
    assert counts.size == 8 and counts.min() >= 200 / 8 / 4
    with pytest.raises(ValueError, match="sampler"):
        draw_coarse(est, "langevin", 10, sigma_max=1, sigma_min=0.1, steps=3, rng=0)
    if sampler == "tempered_langevin":
        with pytest.raises(ValueError, match="ts_sigma"):
            draw_coarse(est, sampler, 10, sigma_max=1, sigma_min=0.1, steps=3, rng=0)
