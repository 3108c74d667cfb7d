"""ratesim.study.calibration: coverage and false-verdict rates of the verdict rule by simulation.

Every statistical assertion states its tolerance and where it comes from: a rate r measured on R
independent replicates has the binomial standard error sqrt(r (1 - r) / R); two-sided checks use
3.29 standard errors (a 0.1% false alarm for a correct implementation), one-sided ones 3.09. The
replicates are seeded, so a run is reproducible; the tolerances say how far another seed could
move the numbers.
"""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from ratesim.study import ResultsStore, evaluate_claims, load_study, run_study
from ratesim.study.calibration import (
    calibrate,
    calibrate_all,
    exact_line_coverage,
    main,
    simulate,
    study_designs,
    synthetic_design,
    verdicts,
)

N6 = np.geomspace(100, 1e4, 6)  # 6 levels over 2 decades


def _binom_sd(r: float, n: int) -> float:
    return math.sqrt(r * (1 - r) / n)


def _c_exact(L: int, level: float = 0.95) -> float:
    """Coverage of the rule's interval on an exact line with Gaussian level values of known
    standard errors (derived here independently of the module).

    The WLS slope's z statistic Z ~ N(0, 1) is independent of the weighted residual sum of squares
    chi2 ~ chi2_(L-2). If chi2 <= L - 2 the interval is b +- z se: it covers with probability
    `level`. Otherwise the Birge widening makes it b +- t_(L-2) sqrt(chi2 / (L-2)) se, which covers
    with probability 2 Phi(t_(L-2) sqrt(chi2 / (L-2))) - 1. Averaging over chi2:
    c(L) = level P(chi2 <= L-2) + int_(L-2)^inf (2 Phi(t sqrt(u / (L-2))) - 1) f(u) du.
    """
    k = L - 2
    t = stats.t.ppf(0.5 + level / 2, k)
    tail = integrate.quad(
        lambda u: (2 * stats.norm.cdf(t * math.sqrt(u / k)) - 1) * stats.chi2.pdf(u, k), k, np.inf
    )[0]
    return level * stats.chi2.cdf(k, k) + tail


def test_exact_line_coverage_is_the_derived_value():
    for L in (4, 6, 12):
        assert exact_line_coverage(L) == pytest.approx(_c_exact(L), abs=1e-9)
    # the widening makes the interval conservative on an exact line: ~0.97, not 0.95
    assert 0.965 < exact_line_coverage(6) < 0.972


@pytest.mark.parametrize("statistic", ["mean", "geomean"])
def test_coverage_on_gaussian_log_noise_with_many_seeds(statistic):
    """(a) Gaussian log noise (log sd 0.3), 40 seeds at each of 6 levels, R = 300 replicates.

    With 40 seeds the level values are close to Gaussian with well-estimated standard errors, so
    the coverage should be c(6) = 0.970 (the rule's 0.95 interval plus its Birge widening, see
    _c_exact), within 3.29 binomial standard errors sqrt(c (1 - c) / R) = 0.0099 (0.032); and
    it must not fall below the nominal 0.95 by more than 3.29 sqrt(0.95 * 0.05 / R) = 0.041.
    """
    R = 300
    d = synthetic_design(N6, 40, 0.3, rng=0, predicted=-0.5, tolerance=0.1, statistic=statistic)
    (cal,) = calibrate(d, reps=R, seed=11, laws=("lognormal",))
    c6 = _c_exact(6)
    assert abs(cal.coverage - c6) <= 3.29 * _binom_sd(c6, R), (cal.coverage, c6)
    assert cal.coverage >= 0.95 - 3.29 * _binom_sd(0.95, R)
    assert cal.sd("coverage") == pytest.approx(_binom_sd(cal.coverage, R))


def test_false_contradiction_at_the_prediction():
    """(b) Truth = p, noisy design (10 seeds, log sd 1.0: CI half-width ~ 0.2, tol = 0.1).

    A contradiction at truth p needs the CI to miss the band [p - tol, p + tol], hence to miss p:
    it is a subset of non-coverage, so false_contra <= 1 - coverage replicate by replicate. For a
    symmetric interval b^ +- z s, P(contradicted) = 2 Phi(-(z + tol / s)), which is below
    Phi(-z) = (1 - level) / 2 = 0.025 as soon as tol >= 0.28 s; here tol / s ~ 1 (s ~ 0.1), so
    the rate must lie below 0.025 + 3.09 sqrt(0.025 * 0.975 / R) (one-sided binomial, R = 300).
    """
    R = 300
    d = synthetic_design(N6, 10, 1.0, rng=0, predicted=-0.5, tolerance=0.1)
    for cal in calibrate(d, reps=R, seed=5):
        assert cal.false_contra <= 1 - cal.coverage + 1e-12
        assert cal.false_contra <= 0.025 + 3.09 * _binom_sd(0.025, R), cal.law
        assert 0.1 < cal.halfwidth < 0.4  # the regime the derivation assumes


def test_false_consistency_well_powered_and_wide_designs():
    """(c) Truth = p +- 2 tol.

    Well powered (40 seeds, log sd 0.2, half-width ~ 0.02 << tol = 0.1): a consistent verdict at
    a truth 2 tol from p needs the CI to miss the truth by more than tol, a subset of
    non-coverage on one side, and the two sides are disjoint events, so the averaged rate is at
    most (1 - coverage) / 2 replicate by replicate and below (1 - level) / 2 = 0.025 +
    3.09 sqrt(0.025 * 0.975 / 2R) (one-sided binomial on the 2R draws); the true prediction is
    confirmed (power > 0.9) and the false ones contradicted.
    """
    R = 150
    good = synthetic_design(N6, 40, 0.2, rng=0, predicted=-0.5, tolerance=0.1)
    for cal in calibrate(good, reps=R, seed=2):
        assert cal.false_consist <= (1 - cal.coverage) / 2 + 1e-12
        assert cal.false_consist <= 0.025 + 3.09 * _binom_sd(0.025, 2 * R)
        assert cal.power > 0.9 and cal.detect > 0.9, cal.law


def test_wide_intervals_give_inconclusive_not_consistent():
    """(c) A design whose CI is wider than the band (4 levels over 1.5 decades, 5 seeds, log sd
    2.0): consistency is impossible whatever the truth, and at a false truth p + 2 tol nearly
    every verdict is inconclusive (a contradiction needs the wide CI to clear the band)."""
    N = 100 * 10 ** np.array([0, 0.5, 1, 1.5])
    d = synthetic_design(N, 5, 2.0, rng=0, predicted=-0.5, tolerance=0.1)
    for law in ("resample", "lognormal"):
        cis = simulate(d, -0.5 + 0.2, 150, rng=np.random.default_rng(1), law=law)
        assert np.all(cis[:, 1] - cis[:, 0] > 2 * 0.1)
        v = verdicts(cis, -0.5, 0.1)
        assert not np.any(v == "consistent")
        assert np.mean(v == "inconclusive") > 0.8
    for cal in calibrate(d, reps=60, seed=0):
        assert cal.power == 0.0 and cal.false_consist == 0.0


def test_bound_design_rates():
    """A bound (band (-inf, p + tol]): truth p + 2 tol violates it; a well-powered design never
    calls it consistent and contradicts it; at truth p it is consistent."""
    d = synthetic_design(N6, 40, 0.2, rng=0, predicted=-0.5, tolerance=0.1, bound=True)
    for cal in calibrate(d, reps=60, seed=0):
        assert cal.false_consist == 0.0 and cal.detect > 0.9 and cal.power > 0.9
        assert cal.n("false_consist") == 60  # one false truth for a bound


@pytest.mark.parametrize("form", ["power", "N/logN"])
def test_ci_moves_with_the_true_exponent(form):
    """The equivariance that lets one fit per replicate serve every truth: the same noise at
    exponents b and b + 0.3 gives CIs 0.3 apart."""
    d = synthetic_design(N6, 10, 0.5, rng=0, predicted=-0.5, tolerance=0.1, form=form)
    a = simulate(d, -0.5, 5, rng=np.random.default_rng(3), law="resample")
    b = simulate(d, -0.2, 5, rng=np.random.default_rng(3), law="resample")
    np.testing.assert_allclose(b - a, 0.3, atol=1e-9)


def test_deterministic_given_the_seed():
    """(d) Same seed, same numbers; another seed, other replicates; a design's numbers do not
    depend on the other designs or their order (its stream is seeded by its key)."""
    d1 = synthetic_design(N6, 10, 0.8, rng=0, predicted=-0.5, tolerance=0.1, claim="one")
    d2 = synthetic_design(N6, 10, 0.8, rng=0, predicted=-0.5, tolerance=0.1, claim="two")
    a = _rows(calibrate(d1, reps=20, seed=7))
    assert a.equals(_rows(calibrate(d1, reps=20, seed=7)))
    x = simulate(d1, -0.5, 20, rng=np.random.default_rng(7), law="resample")
    y = simulate(d1, -0.5, 20, rng=np.random.default_rng(8), law="resample")
    assert not np.array_equal(x, y)
    assert not a.equals(_rows(calibrate(d1, reps=20, seed=8)))
    both = _rows(calibrate_all([d1, d2], reps=20, seed=7))
    assert both.iloc[:2].reset_index(drop=True).equals(a)
    assert _rows(calibrate_all([d2, d1], reps=20, seed=7)).iloc[2:].reset_index(drop=True).equals(a)
    assert (
        not both.iloc[2:]
        .reset_index(drop=True)
        .drop(columns="claim")
        .equals(a.drop(columns="claim"))
    )  # the two designs get their own streams


def _rows(cals) -> pd.DataFrame:
    return pd.DataFrame([c.row() for c in cals])


STUDY = '''
"""A known slope with a short claim and a bound with a control."""
from engine_tasks import synthetic_power

from ratesim.study import Claim, Study

STUDY = Study(
    name="calib",
    task=synthetic_power,
    grid={"slope": [-0.5, 0.0], "N": [16, 64, 256, 1024, 4096], "noise": 0.3},
    seeds=6,
    claims=[
        Claim(metric="value", predict=-0.5, where={"slope": -0.5}, tolerance=0.1, name="rate"),
        Claim(metric="value", predict=-0.5, where={"slope": -0.5, "N": [16, 64]},
              tolerance=0.1, name="short"),
        Claim(metric="value", predict=-0.5, where={"slope": -0.5}, control={"slope": 0.0},
              bound=True, tolerance=0.1, name="bound"),
    ],
)
'''

BROKEN = STUDY.replace('name="calib"', 'name="broken"').replace(
    ', control={"slope": 0.0}', ""
)  # a bound claim without its control: does not validate


@pytest.fixture
def committed(tmp_path, write_study):
    """A studies directory with the study "calib", its committed table, and a study file that
    does not validate."""
    st = load_study(write_study("calib", STUDY))
    write_study("broken", BROKEN)
    with ResultsStore(tmp_path / "results" / "ratesim.sqlite") as store:
        assert run_study(st, store, progress=False).ok
        df = store.tidy("calib", "full")
    (tmp_path / "reports" / "calib").mkdir(parents=True)
    df.to_csv(tmp_path / "reports" / "calib" / "results.csv", index=False)
    return st, tmp_path


def test_study_designs_match_the_claims_fits(committed):
    """Designs from a committed table: the levels, seeds and CI of the claim's own fit; the
    bound's control is a design too; underpowered groups and a study that does not validate
    are left out with a note."""
    st, tmp_path = committed
    notes = []
    designs = study_designs(tmp_path / "studies", tmp_path / "reports", notes=notes)
    by = {(d.claim, d.kind): d for d in designs}
    assert set(by) == {
        ("claim 1 rate", "claim"),
        ("claim 3 bound", "claim"),
        ("claim 3 bound", "control"),
    }
    table = pd.read_csv(tmp_path / "reports" / "calib" / "results.csv")
    fits = {r.claim.name: r for r in evaluate_claims(st, table)}
    d = by["claim 1 rate", "claim"]
    np.testing.assert_array_equal(d.N, fits["rate"].fit.N)
    np.testing.assert_array_equal(d.n_per_level, [6] * 5)
    np.testing.assert_allclose(d.observed_ci, fits["rate"].fit.ci)
    for r in d.residuals:
        assert r.mean() == pytest.approx(1.0)
    assert d.predicted == -0.5 and d.tolerance == 0.1 and not d.bound
    assert by["claim 3 bound", "control"].bound
    text = "\n".join(notes)
    assert "broken: skipped, the study file does not load or validate" in text
    assert "claim 2 short / all: underpowered" in text


def test_main_writes_the_report(committed, capsys):
    """The command: README.md (summary, the skipped study), the plot and the CSV; the same
    numbers on a second run; exit code 2 on a missing studies directory."""
    _, tmp_path = committed
    out = tmp_path / "cal"
    argv = ["--reps", "10", "--seed", "3", "--jobs", "1", "--out", str(out)]
    argv += ["--studies", str(tmp_path / "studies"), "--reports", str(tmp_path / "reports")]
    assert main(argv) == 0
    text = (out / "README.md").read_text()
    assert "| resample | all: 3 |" in text and "| lognormal | all: 3 |" in text
    assert "broken: skipped" in text
    assert (out / "coverage.png").stat().st_size > 10_000
    first = pd.read_csv(out / "calibration.csv")
    assert len(first) == 6 and set(first["law"]) == {"resample", "lognormal"}
    assert "coverage median" in capsys.readouterr().err
    assert main(argv) == 0
    pd.testing.assert_frame_equal(first, pd.read_csv(out / "calibration.csv"))
    assert main(["--studies", str(tmp_path / "nowhere")]) == 2
