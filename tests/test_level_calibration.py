"""ratesim.study.level_calibration: the level-claim verdict's coverage and error rates by
simulation, against values derived here.

Tolerances: a rate r measured on R independent replicates has the binomial standard error
sqrt(r (1 - r) / R); the checks allow 4 standard errors (a false alarm below 1e-4 for a correct
implementation). The replicates are seeded.
"""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from ratesim.study import ResultsStore, evaluate_claims, load_study, run_study
from ratesim.study.calibration import main
from ratesim.study.level_calibration import (
    calibrate_levels,
    design_from_levels,
    level_designs,
    simulate_levels,
)

REPS = 4000
N5 = np.repeat([100, 316, 1000, 3162, 10000], 10)  # 5 levels, 10 seeds each


def _sd(r: float, reps: int = REPS) -> float:
    return math.sqrt(r * (1 - r) / reps)


def _gaussian_design(rng, means, bound, sd=0.1):
    v = np.repeat(means, 10) + sd * rng.standard_normal(N5.size)
    return design_from_levels(N5, v, bound=bound)


def test_normal_law_coverage_and_false_contradiction_are_the_exact_t_values():
    """Under Gaussian noise the L Bonferroni t intervals at 1 - 0.05 / L are exact and
    independent, so the family-wise coverage is (1 - 0.05 / L)^L = 0.951 (L = 5); with the worst
    level on the bound and the other four 20 standard deviations below it, only the worst level
    can be contradicted, with probability (0.05 / L) / 2 = 0.005 (one side of its interval)."""
    rng = np.random.default_rng(0)
    d = _gaussian_design(rng, [0.0, 0.0, 0.0, 0.0, 2.0], bound=2.0)
    c = simulate_levels(d, "normal", REPS, rng=1)
    cov = (1 - 0.05 / 5) ** 5
    assert abs(c.coverage - cov) <= 4 * _sd(cov)
    assert abs(c.false_contra - 0.005) <= 4 * _sd(0.005)


def test_detect_and_power_are_the_noncentral_t_probabilities():
    """One level (L = 1, 10 seeds, interval at 0.95): with the truth 2 standard errors above the
    bound, the interval's lower end exceeds the bound with probability P(T > t_{0.975, 9}) for T
    noncentral t with 9 degrees of freedom and noncentrality 2, where the standard error is the
    design's sample one (the simulation scales by it: delta = 2 se_obs / (sd / sqrt 10) exactly,
    with sd the law's standard deviation, the design's sample sd). Power at the observed mean m,
    the bound b = m + 0.25 above it: P(Z se + t S / sqrt 10 <= 0.25), Z standard normal and S the
    sample sd of 10 draws, S / sd ~ sqrt(chi2_9 / 9): E[Phi(0.25 / se - t W)] over W."""
    rng = np.random.default_rng(2)
    v = 1.0 + 0.2 * rng.standard_normal(10)
    d = design_from_levels(np.full(10, 100.0), v, bound=v.mean() + 0.25)
    c = simulate_levels(d, "normal", REPS, rng=3)
    t = stats.t.ppf(0.975, 9)
    detect = stats.nct.sf(t, 9, 2.0)
    assert abs(c.detect - detect) <= 4 * _sd(detect)
    se = d.se[0]
    power = integrate.quad(
        lambda w: stats.norm.cdf(0.25 / se - t * w) * stats.chi.pdf(w * 3, 9) * 3, 0, np.inf
    )[0]  # W = chi_9 / 3
    assert abs(c.power - power) <= 4 * _sd(power)


def test_a_heavy_tail_lowers_the_resampled_coverage():
    """Nine seeds at 0.3 and one at 2.0 per level (a censored outlier, as in a training set that
    leaves part of M empty): a resample omits the outlier with probability 0.9^10 = 0.349, and
    then its interval has zero width at 0.3 and misses the level mean 0.47; so each level covers
    with probability at most 0.651 and the five together (independent) at most 0.651^5 = 0.117,
    against the normal law's exact 0.951 at the same standard deviation."""
    v = np.tile(np.r_[np.full(9, 0.3), 2.0], 5)
    d = design_from_levels(N5, v, bound=1.0)
    res = simulate_levels(d, "resample", REPS, rng=4)
    nor = simulate_levels(d, "normal", REPS, rng=5)
    cap = (1 - 0.9**10) ** 5
    assert res.coverage <= cap + 4 * _sd(cap)
    assert abs(nor.coverage - 0.951) <= 4 * _sd(0.951)


def test_bad_input_and_determinism():
    rng = np.random.default_rng(6)
    d = _gaussian_design(rng, [0.0] * 5, bound=1.0)
    with pytest.raises(ValueError, match="law must be one of"):
        simulate_levels(d, "cauchy", 10, rng=0)
    with pytest.raises(ValueError, match="reps must be >= 1"):
        simulate_levels(d, "normal", 0, rng=0)
    with pytest.raises(ValueError, match=">= 2 seeds"):
        design_from_levels([1.0, 2.0], [0.1, 0.2], bound=1.0)
    with pytest.raises(ValueError, match="no seed noise"):  # nothing to simulate
        design_from_levels([1.0, 1.0, 2.0, 2.0], [0.0, 0.0, 0.0, 0.0], bound=0.5)
    a = pd.DataFrame([c.row() for c in calibrate_levels([d], reps=50, seed=1)])
    assert a.equals(pd.DataFrame([c.row() for c in calibrate_levels([d], reps=50, seed=1)]))
    assert not a.equals(pd.DataFrame([c.row() for c in calibrate_levels([d], reps=50, seed=2)]))


STUDY = '''
"""A level claim with a control, and a rate claim."""
from engine_tasks import synthetic_power

from ratesim.study import Claim, Study

STUDY = Study(
    name="levels",
    task=synthetic_power,
    grid={"slope": 0.0, "C": [1.0, 3.0], "N": [16, 64, 256, 1024], "noise": 0.2},
    seeds=6,
    claims=[
        Claim(metric="value", predict={"at most 2": 2.0}, form="level", bound=True,
              tolerance=0.0, where={"C": 1.0}, control={"C": 3.0}, name="level"),
        Claim(metric="value", predict=0.0, where={"C": 1.0}, tolerance=0.2, name="rate"),
    ],
)
'''


@pytest.fixture
def committed(tmp_path, write_study):
    st = load_study(write_study("levels", STUDY))
    with ResultsStore(tmp_path / "results" / "ratesim.sqlite") as store:
        assert run_study(st, store, progress=False).ok
        df = store.tidy("levels", "full")
    (tmp_path / "reports" / "levels").mkdir(parents=True)
    df.to_csv(tmp_path / "reports" / "levels" / "results.csv", index=False)
    return st, tmp_path, df


def test_designs_are_the_judged_levels_and_the_report_shows_them(committed, capsys):
    """The level claim and its control become designs whose levels and means are those of the
    verdict's intervals; ``ratesim calibrate`` writes them in their own section and CSV."""
    st, tmp_path, df = committed
    designs = level_designs(tmp_path / "studies", tmp_path / "reports")
    by = {d.kind: d for d in designs}
    assert set(by) == {"claim", "control"}
    res = next(r for r in evaluate_claims(st, df) if r.claim.name == "level")
    np.testing.assert_array_equal(by["claim"].N, res.levels.N)
    np.testing.assert_allclose(by["claim"].center, res.levels.center)
    np.testing.assert_allclose(by["control"].center, res.control.levels.center)
    assert by["claim"].bound == 2.0 and all(v.size == 6 for v in by["claim"].values)
    out = tmp_path / "cal"
    argv = ["--reps", "10", "--jobs", "1", "--out", str(out)]
    argv += ["--studies", str(tmp_path / "studies"), "--reports", str(tmp_path / "reports")]
    assert main(argv) == 0
    text = (out / "README.md").read_text()
    assert "## Level claims" in text and "levels / level / all / claim" in text
    rows = pd.read_csv(out / "level_calibration.csv")
    assert len(rows) == 4 and set(rows["law"]) == {"resample", "normal"}
    capsys.readouterr()
