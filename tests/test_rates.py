"""ratesim.rates: fits, CIs, corrected forms and verdicts on synthetic data with known slopes."""

import dataclasses

import numpy as np
import pytest
from scipy import stats

from ratesim.rates import (
    CONSISTENT,
    CONTRADICTED,
    INCONCLUSIVE,
    effective_exponent,
    fit_rate,
    fit_two_term,
    judge,
    local_slopes,
    verdict,
)

LEVELS = np.geomspace(100, 1e5, 8).round()


def _data(rng, slope=-1 / 3, noise=0.2, levels=LEVELS, seeds=10, C=3.0):
    N = np.repeat(levels, seeds)
    return N, C * N**slope * np.exp(noise * rng.standard_normal(N.size))


# ------------------------------------------------------------------------------------- verdicts


def test_verdicts_on_known_slope():
    """C N^(-1/3) x log-normal noise (sd 0.2), 8 N over three decades, 10 seeds.

    E[metric] = C N^(-1/3) e^(0.02): the slope of the seed mean is -1/3 too. Expected slope SE =
    0.2 / sqrt(10 * sum (x_j - mean x)^2) ~ 0.01, so the 95 % CI half-width is ~0.02 and its
    centre lies within ~0.02 of -1/3: the whole CI sits inside -1/3 +- 0.05 (consistent), and
    -1/2 (17 SE away) is contradicted, for essentially every seed (checked below over 400
    replications).
    """
    fit = fit_rate(*_data(np.random.default_rng(0)))
    assert fit.statistic == "mean" and fit.cov_type == "wls-levels-bootstrap"
    assert fit.verdict(-1 / 3, tolerance=0.05) == CONSISTENT
    assert fit.verdict(-1 / 2, tolerance=0.05) == CONTRADICTED
    assert fit.halfwidth < 0.05
    assert fit.r2 > 0.98 and fit.n_levels == 8 and fit.n_cells == 80


def test_inconclusive_with_too_few_points():
    """3 close N (100, 120, 144) x 3 seeds: slope SE ~ 0.2 / sqrt(3 * 0.066) ~ 0.45, a CI far
    wider than the band +-0.1: nothing can be told about either prediction."""
    fit = fit_rate(*_data(np.random.default_rng(1), levels=np.array([100, 120, 144]), seeds=3))
    assert fit.halfwidth > 0.3  # measured 0.49: several times the band half-width 0.1
    assert fit.verdict(-1 / 3, tolerance=0.1) == INCONCLUSIVE
    assert fit.verdict(-1 / 2, tolerance=0.1) == INCONCLUSIVE
    # two levels, one seed each: no CI at all
    two = fit_rate([100, 1000], [0.1, 0.05])
    assert not np.isfinite(two.halfwidth) and two.verdict(-0.3, tolerance=0.1) == INCONCLUSIVE


@pytest.mark.parametrize("statistic", ["mean", "geomean"])
def test_ci_coverage_and_power(statistic):
    """Over R = 400 replications the 95 % CI must cover -1/3 at a rate within 4.4 binomial sd
    (sqrt(.95 * .05 / 400) = 0.011; 4.4 sd = Bonferroni alpha 1e-5) of 0.95, and contradict -1/2
    in every replication (its distance is ~17 SE; miss probability < 1e-10 per replication).
    Measured coverage at seed 0: 0.93 for both statistics (weights estimated from 10 seeds make
    the interval slightly liberal; the seed bootstrap is widened by sqrt(n / (n - 1)))."""
    rng = np.random.default_rng(0)
    R = 400
    cover = contra = 0
    for _ in range(R):
        f = fit_rate(*_data(rng), statistic=statistic, n_boot=500)
        cover += f.ci[0] <= -1 / 3 <= f.ci[1]
        contra += f.verdict(-0.5, tolerance=0.05) == CONTRADICTED
    assert abs(cover / R - 0.95) <= 4.4 * np.sqrt(0.95 * 0.05 / R)
    assert contra == R


def test_verdict_rule():
    # two-sided: consistent only when the whole CI lies inside p +- tolerance
    assert verdict((-0.52, -0.48), -0.5, tolerance=0.05) == CONSISTENT
    assert verdict((-0.52, -0.44), -0.5, tolerance=0.05) == INCONCLUSIVE  # straddles p + tol
    assert verdict((-0.45, -0.40), -0.5, tolerance=0.05) == INCONCLUSIVE  # touches the band only
    assert verdict((-0.45, -0.40), -0.5, tolerance=0.1) == CONSISTENT
    assert verdict((-0.44, -0.40), -0.5, tolerance=0.05) == CONTRADICTED
    assert verdict((-0.9, -0.1), -0.5, tolerance=0.1) == INCONCLUSIVE  # contains p, too wide
    assert verdict((-0.9, -0.1), -0.5, tolerance=0.4) == CONSISTENT
    assert verdict((-0.9, -0.65), -0.5, tolerance=0.1) == CONTRADICTED  # wide but excludes p
    assert verdict((-np.inf, np.inf), -0.5, tolerance=0.1) == INCONCLUSIVE
    assert "wider than the band" in judge((-0.9, -0.1), -0.5, 0.1)[1]
    assert "straddles an edge" in judge((-0.52, -0.44), -0.5, 0.05)[1]
    # the referee's case: -0.400 [-0.473, -0.327] against -0.3 +- 0.1 overlaps the band, but
    # is not inside it
    assert verdict((-0.473, -0.327), -0.3, tolerance=0.1) == INCONCLUSIVE
    # upper bounds on the exponent (rates stated as O~(N^p)): faster decay supports the bound
    assert verdict((-2.6, -2.4), -0.625, tolerance=0, bound=True) == CONSISTENT
    assert verdict((-9.0, -1.0), -0.625, tolerance=0, bound=True) == CONSISTENT
    assert verdict((-0.8, -0.5), -0.625, tolerance=0, bound=True) == INCONCLUSIVE
    assert verdict((-0.8, -0.5), -0.625, tolerance=0.15, bound=True) == CONSISTENT
    assert verdict((-0.1, 0.05), -0.625, tolerance=0, bound=True) == CONTRADICTED
    with pytest.raises(ValueError, match="ci must be an interval"):
        verdict((0.1, -0.1), -0.5, tolerance=0.1)
    with pytest.raises(ValueError, match="predicted"):
        verdict((-1, 0), np.nan, tolerance=0.1)
    with pytest.raises(ValueError, match="tolerance"):
        verdict((-1, 0), -0.5, tolerance=-0.1)
    with pytest.raises(ValueError, match="tolerance"):
        verdict((-1, 0), -0.5, tolerance=0.0)  # an empty band: consistent would be impossible


# ------------------------------------------------------------------------------------- the fits


def test_exact_power_law_is_recovered_exactly():
    N = np.repeat([10.0, 100.0, 1000.0, 1e4], 2)
    f = fit_rate(N, 3 * N**-0.4)
    assert f.slope == pytest.approx(-0.4, abs=1e-12)
    assert f.intercept == pytest.approx(np.log(3), abs=1e-12)
    assert f.r2 == pytest.approx(1.0)
    np.testing.assert_allclose(f.local_slopes, -0.4, atol=1e-12)
    np.testing.assert_allclose(f.predict([50.0], band=False), 3 * 50**-0.4, rtol=1e-12)


def test_wls_matches_a_hand_computation():
    """Geometric mean: weighted least squares on level means of log v with weights n_j / s_j^2,
    covariance scaled by max(1, chi2/(L-2)): recomputed here with numpy alone."""
    rng = np.random.default_rng(5)
    N, v = _data(rng, levels=np.array([100.0, 300, 1000, 3000, 10000]), seeds=6)
    f = fit_rate(N, v, statistic="geomean")
    lv = np.unique(N)
    y = np.log(v).reshape(len(lv), -1)
    m, s2, n = y.mean(1), y.var(1, ddof=1), y.shape[1]
    w = n / s2
    X = np.column_stack([np.ones_like(lv), np.log(lv)])
    A = X.T @ (w[:, None] * X)
    beta = np.linalg.solve(A, X.T @ (w * m))
    chi2 = np.sum(w * (m - X @ beta) ** 2)
    cov = np.linalg.inv(A) * max(1.0, chi2 / (len(lv) - 2))
    np.testing.assert_allclose([f.intercept, f.slope], beta, rtol=1e-10)
    np.testing.assert_allclose(f.stderr, np.sqrt(cov[1, 1]), rtol=1e-10)
    np.testing.assert_allclose(f.local_slopes, np.diff(m) / np.diff(np.log(lv)), rtol=1e-10)
    np.testing.assert_allclose(local_slopes(N, v, statistic="geomean"), f.local_slopes, rtol=1e-12)
    c, lo, hi = f.predict(lv)
    assert np.all(lo < c) and np.all(c < hi)


def test_mean_fit_and_bootstrap_match_a_plain_loop():
    """The default statistic: WLS on y_j = log(seed mean) with delta-method weights
    n_j mean_j^2 / s_j^2, and the seed bootstrap redone with a plain loop drawing the same
    indices (same generator, same order): percentile interval widened by sqrt(n / (n - 1)), then
    the hull with the t interval on the WLS standard error (within-level df)."""
    rng = np.random.default_rng(6)
    N, v = _data(rng, levels=np.array([100.0, 300, 1000, 3000, 10000]), seeds=6)
    v[::7] = -0.01  # a negative seed is allowed when the level mean stays > 0
    f = fit_rate(N, v, n_boot=300, seed=11)
    lv = np.unique(N)
    vals = v.reshape(len(lv), -1)
    m, s2, n = vals.mean(1), vals.var(1, ddof=1), vals.shape[1]
    w = n * m**2 / s2
    x = np.log(lv)
    X = np.column_stack([np.ones_like(lv), x])
    A = X.T @ (w[:, None] * X)
    beta = np.linalg.solve(A, X.T @ (w * np.log(m)))
    np.testing.assert_allclose([f.intercept, f.slope], beta, rtol=1e-10)
    chi2 = np.sum(w * (np.log(m) - X @ beta) ** 2)
    assert chi2 / (len(lv) - 2) <= 1  # no lack-of-fit inflation in this draw
    g = np.random.default_rng(11)
    idx = [g.integers(0, n, size=(300, n)) for _ in lv]
    slopes = []
    for b in range(300):
        yb = np.log([vals[j][idx[j][b]].mean() for j in range(len(lv))])
        slopes.append(np.linalg.solve(A, X.T @ (w * yb))[1])
    qlo, qhi = np.quantile(slopes, [0.025, 0.975])
    c = np.sqrt(n / (n - 1))
    t_half = stats.t.ppf(0.975, len(lv) * (n - 1)) * np.sqrt(np.linalg.inv(A)[1, 1])
    lo = min(beta[1] - c * (beta[1] - qlo), beta[1] - t_half)
    hi = max(beta[1] + c * (qhi - beta[1]), beta[1] + t_half)
    np.testing.assert_allclose(f.ci, (lo, hi))
    assert fit_rate(N, v, n_boot=300, seed=11).ci == f.ci  # deterministic


def test_k2_log_factor_form():
    """sqrt(log N / N): the plain fit shows ~-0.44 over 1e2..1e6 (docs/measurement.md, trap 3) and,
    with small noise (sd 0.02, SE ~ 0.001), contradicts -1/2; the N/logN form recovers -1/2."""
    rng = np.random.default_rng(3)
    N = np.repeat(np.geomspace(100, 1e6, 9), 10)
    v = np.sqrt(np.log(N) / N) * np.exp(0.02 * rng.standard_normal(N.size))
    plain = fit_rate(N, v)
    corr = fit_rate(N, v, transform="N/logN")
    assert plain.verdict(-0.5, tolerance=0.02) == CONTRADICTED
    assert plain.slope == pytest.approx(
        effective_exponent(N, lambda n: np.sqrt(np.log(n) / n)), abs=4 * plain.stderr
    )
    assert corr.verdict(-0.5, tolerance=0.02) == CONSISTENT and corr.form == "N/logN"


def test_two_term_form():
    """2 N^(-1/3) + 1.5 N^(-1/2) with 1 % noise: the plain slope is bent to ~-0.36 and contradicts
    -1/3; the two-term NLS fit recovers the leading exponent."""
    rng = np.random.default_rng(4)
    N = np.repeat(LEVELS, 10)
    v = (2 * N ** (-1 / 3) + 1.5 * N**-0.5) * np.exp(0.01 * rng.standard_normal(N.size))
    assert fit_rate(N, v).verdict(-1 / 3, tolerance=0.01) == CONTRADICTED
    f = fit_two_term(N, v, subleading=0.5)
    assert f.verdict(-1 / 3, tolerance=0.05) == CONSISTENT
    assert f.verdict(-0.5, tolerance=0.05) == CONTRADICTED
    assert f.sub_coef == pytest.approx(1.5, rel=0.3)
    c, lo, hi = f.predict(LEVELS)
    np.testing.assert_allclose(c, 2 * LEVELS ** (-1 / 3) + 1.5 * LEVELS**-0.5, rtol=0.02)
    assert "subleading" in f.summary()
    # a fit along another axis (a claim on d) names it in its summary
    on_d = dataclasses.replace(fit_rate(N, v), axis="d").summary()
    assert "(log d;" in on_d and " d x 10 seeds" in on_d and "d = " in on_d
    assert "log N" not in on_d
    with pytest.raises(ValueError, match="at least 4 distinct N"):
        fit_two_term([10, 20, 40], [1.0, 0.8, 0.6])
    with pytest.raises(ValueError, match="subleading must be a finite, nonzero"):
        fit_two_term(N, v, subleading=0.0)


def test_two_term_form_on_an_axis_going_to_zero():
    """The same law on sigma = 1/N: 2 sigma^(1/3) + 1.5 sigma^(1/2), the correction vanishing as
    sigma -> 0 (subleading -1/2). The fit is the N fit with the slope negated, to rounding."""
    rng = np.random.default_rng(4)
    N = np.repeat(LEVELS, 10)
    v = (2 * N ** (-1 / 3) + 1.5 * N**-0.5) * np.exp(0.01 * rng.standard_normal(N.size))
    on_n = fit_two_term(N, v, subleading=0.5)
    on_sigma = fit_two_term(1 / N, v, subleading=-0.5)
    assert on_sigma.slope == pytest.approx(-on_n.slope, rel=1e-6)
    assert on_sigma.ci[0] == pytest.approx(-on_n.ci[1], rel=1e-6)
    assert on_sigma.verdict(1 / 3, tolerance=0.05) == CONSISTENT
    assert on_sigma.verdict(0.5, tolerance=0.05) == CONTRADICTED
    assert on_sigma.sub_coef == pytest.approx(on_n.sub_coef, rel=1e-6)


def test_effective_exponent_matches_science_md():
    f = lambda n: np.sqrt(np.log(n) / n)  # noqa: E731
    for n, expect in ((1e3, -0.43), (1e6, -0.46)):
        local = effective_exponent([n / 1.001, n * 1.001], f)
        assert local == pytest.approx(-0.5 + 1 / (2 * np.log(n)), abs=1e-6)
        assert local == pytest.approx(expect, abs=0.005)


@pytest.mark.parametrize(
    "N, v, kw, match",
    [
        ([10, 100], [1.0, 0.0], {}, "seed mean of values must be > 0"),
        ([10, 100], [1.0, 0.0], {"statistic": "geomean"}, "must be > 0 for the geometric"),
        ([10, 100], [1.0, np.nan], {}, "values must be finite"),
        ([0, 100], [1.0, 0.5], {}, "N must be finite and > 0"),
        ([-1e-3, 1e-2], [1.0, 0.5], {}, "N must be finite and > 0"),
        ([10, 10], [1.0, 0.5], {}, "at least 2 distinct"),
        ([10, 100, 1000], [1.0, 0.5], {}, "same length"),
        ([10, 100], [1.0, 0.5], {"statistic": "median"}, "statistic must be one of"),
        ([10, 100], [1.0, 0.5], {"n_boot": 10}, "n_boot must be"),
        ([10, 100], [1.0, 0.5], {"transform": "logN"}, "transform must be one of"),
        ([10, 100], [1.0, 0.5], {"level": 1.0}, "level must be in"),
        ([2, 100], [1.0, 0.5], {"transform": "N/logN"}, "needs N > e"),
    ],
)
def test_bad_input(N, v, kw, match):
    with pytest.raises(ValueError, match=match):
        fit_rate(N, v, **kw)


def test_axis_below_one_is_a_valid_rate_axis():
    """Claims on sigma (values < 1) fit like any positive axis: metric = C sigma^2 gives slope 2,
    the same as slope -2 on 1/sigma."""
    sig = np.repeat([1e-3, 3e-3, 1e-2, 3e-2, 1e-1], 3)
    noise = np.exp(0.01 * np.random.default_rng(0).standard_normal(sig.size))
    f = fit_rate(sig, 5 * sig**2 * noise)
    g = fit_rate(1 / sig, 5 * sig**2 * noise)
    assert f.slope == pytest.approx(2.0, abs=0.02)
    assert g.slope == pytest.approx(-f.slope, rel=1e-12)


def test_seeds_that_agree_to_rounding():
    """Exact quadrature: seeds agree to 1e-16 at some levels and to 1e-5 at others, so their
    standard errors span 11 decades. The slope of sigma^2 must come out as 2 with a CI of the size
    of the 1e-5 scatter (a few 1e-5 wide), not stretched by rounding in the weights (the standard
    errors are floored at the relative resolution rates.SE_FLOOR = 1e-9)."""
    rng = np.random.default_rng(0)
    sig = np.repeat(np.geomspace(1e-3, 1e-1, 6), 10)
    rel = np.where(sig < 1e-2, 1e-16, 1e-5)
    v = sig**2 * (1 + rel * rng.standard_normal(sig.size))
    f = fit_rate(sig, v)
    assert f.ci[0] <= 2.0 <= f.ci[1]
    assert f.halfwidth < 1e-4
    assert f.verdict(2.0, tolerance=0.05) == CONSISTENT
