"""Level claims ("the metric stays below b at every N"): the intervals against scipy, the
verdicts, floors and controls, and how reports, check and calibration show them."""

import numpy as np
import pytest
from scipy import stats

from ratesim.rates import level_intervals
from ratesim.report import write_report
from ratesim.study import evaluate_claims


def _naive_intervals(N, v, level, geomean=False):
    """scipy's t interval per level at the Bonferroni level 1 - (1 - level) / L."""
    lv = np.unique(N)
    per = 1 - (1 - level) / lv.size
    out = []
    for x in lv:
        g = np.log(v[N == x]) if geomean else v[N == x]
        lo, hi = stats.t.interval(per, g.size - 1, loc=g.mean(), scale=stats.sem(g))
        c = g.mean()
        out.append(np.exp([c, lo, hi]) if geomean else (c, lo, hi))
    return np.array(out)


@pytest.mark.parametrize("geomean", [False, True])
def test_level_intervals_match_scipy_t_intervals(geomean):
    rng = np.random.default_rng(0)
    N = np.repeat([100.0, 1000.0, 10000.0], [4, 7, 12])
    v = np.exp(0.3 * rng.standard_normal(N.size))
    lc = level_intervals(N, v, statistic="geomean" if geomean else "mean", level=0.9)
    ref = _naive_intervals(N, v, 0.9, geomean)
    # the same formula evaluated two ways: equal to rounding
    np.testing.assert_allclose(np.c_[lc.center, lc.lo, lc.hi], ref, rtol=1e-12)
    np.testing.assert_array_equal(lc.n_per_level, [4, 7, 12])
    assert lc.per_level == pytest.approx(1 - 0.1 / 3)
    assert lc.worst == int(np.argmax(ref[:, 2]))
    assert "Bonferroni over 3 levels" in lc.summary()


def test_level_intervals_edge_cases_and_errors():
    lc = level_intervals([1, 1, 2], [0.5, 0.5, 3.0])
    assert lc.lo[0] == lc.hi[0] == 0.5  # no spread: a point
    assert np.isinf(lc.hi[1]) and np.isinf(lc.lo[1])  # one seed: nothing can be said
    with pytest.raises(ValueError, match="statistic must be one of"):
        level_intervals([1, 2], [1, 2], statistic="median")
    with pytest.raises(ValueError, match=r"level must be in \(0, 1\)"):
        level_intervals([1, 2], [1, 2], level=1.0)
    with pytest.raises(ValueError, match="same, nonzero length"):
        level_intervals([1, 2], [1.0])
    with pytest.raises(ValueError, match="values must be finite"):
        level_intervals([1, 2], [1.0, np.nan])
    with pytest.raises(ValueError, match="> 0 for the geometric mean"):
        level_intervals([1, 2], [1.0, 0.0], statistic="geomean")


def test_bonferroni_intervals_cover_every_level_at_the_stated_rate():
    """Simultaneous coverage: 400 replicates of 5 levels x 10 normal seeds; the family-wise
    coverage of 90 % Bonferroni intervals is at least 0.90 (Bonferroni is conservative: about
    0.904 for independent levels, 1 - 5 * 0.02 <= P <= (1 - 0.02)^5 = 0.904). With 400
    replicates the binomial s.e. is sqrt(0.9 * 0.1 / 400) = 0.015, so the observed rate must
    exceed 0.90 - 3 s.e. = 0.855."""
    rng = np.random.default_rng(1)
    N = np.repeat([1.0, 2.0, 4.0, 8.0, 16.0], 10)
    hits = 0
    for _ in range(400):
        lc = level_intervals(N, rng.standard_normal(N.size), level=0.9)
        hits += bool(np.all((lc.lo <= 0) & (lc.hi >= 0)))
    assert hits / 400 > 0.855


LEVELS = '''
"""Level claims on known levels: below the bound, above it, rising above it, at its edge."""
import numpy as np

from ratesim.study import Claim, Study, task

CENTERS = {"low": 0.40, "high": 1.20, "near": 0.69, "floored": 0.40}
# above the bound only where the floor (0.4) is: by more than the floor (1.5 > 0.693 + 0.4) or by
# less (1.0 < 1.093)
FLOORED_ABOVE = {"floored_far": 1.5, "floored_near": 1.0}


@task(metrics=("value", "value_floor"))
def levels(*, N: int, kind: str, rng: np.random.Generator) -> dict[str, float]:
    center = CENTERS.get(kind, 0.40)
    if kind == "rising" and N >= 10_000:
        center = 1.0
    if kind in FLOORED_ABOVE and N >= 1000:
        center = FLOORED_ABOVE[kind]
    floor = 0.4 if kind.startswith("floored") and N >= 1000 else 0.05
    return {"value": float(center + 0.05 * rng.standard_normal()), "value_floor": floor}


LOG2 = 0.6931471805599453

STUDY = Study(
    name="levels",
    task=levels,
    grid={"kind": ["low", "high", "near", "rising", "floored", "floored_far", "floored_near"],
          "N": [100, 316, 1000, 3162, 10000]},
    seeds=8,
    claims=[
        Claim(metric="value", predict={"c = 2": LOG2}, form="level", bound=True, tolerance=0.0,
              group_by=("kind",),
              where={"kind": ["low", "near", "rising", "floored", "floored_far", "floored_near"]},
              control={"kind": "high"}, floor="value_floor", name="comparable",
              expect={"kind=near": "inconclusive", "kind=rising": "contradicted",
                      "kind=floored": "floor-limited", "kind=floored_far": "contradicted",
                      "kind=floored_near": "floor-limited"},
              evidence="built so"),
        Claim(metric="value", predict={"c = e^2": 2.0}, form="level", bound=True,
              tolerance=0.0, where={"kind": "low"}, control={"kind": "high"}, name="weak",
              expect="not discriminating", evidence="the control (1.2) meets the bound 2 too"),
        Claim(metric="value", predict=0.4, form="level", tolerance=0.2, where={"kind": "low"},
              name="equal"),
        Claim(metric="value", predict=0.4, form="level", tolerance=0.1,
              where={"kind": "low", "N": [100, 316]}, name="short", expect="underpowered",
              evidence="two levels"),
    ],
)
'''


@pytest.fixture
def levels(run_full):
    return run_full("levels", LEVELS)


def test_level_claim_verdicts(levels):
    """Seed sd 0.05 with 8 seeds: the half-width of a 99 % (95 % / 5 levels) t interval is
    t_{0.995, 7} 0.05 / sqrt(8) = 3.50 x 0.0177 = 0.062, so 0.40 lies 0.29 below the bound
    log 2 = 0.693 (consistent), 1.20 and 1.0 lie 0.5 and 0.3 above it (contradicted), and 0.69
    straddles it (inconclusive) -- each with margins of more than 4 interval widths except the
    straddle, which fails only if a seed mean lands 0.062 from 0.69, 3.5 s.e. of the mean
    (0.0177) away. The equivalence claim 0.4 +- 0.2 needs every seed mean within 0.138 of 0.4
    (7.8 s.e.)."""
    st, df, _ = levels
    res = {(r.claim.name, r.group_label): r for r in evaluate_claims(st, df)}
    low = res["comparable", "kind=low"]
    assert low.verdict == "consistent" and low.fit is None
    assert low.levels.N.tolist() == [100, 316, 1000, 3162, 10000]
    assert low.levels.hi.max() < np.log(2)
    assert low.control.verdict == "contradicted"  # the control violates the bound at every N
    assert "every level <= 0.693; worst" in low.reasons["c = 2"]
    rising = res["comparable", "kind=rising"]
    assert rising.verdict == "contradicted"
    why = rising.reasons["c = 2"]
    assert "not <= 0.693 at 1.0" in why and "N = 10000" in why
    assert res["comparable", "kind=near"].verdict == "inconclusive"
    floored = res["comparable", "kind=floored"]
    # 2 x floor 0.4 = 0.8 reaches the bound at N >= 1000: two usable levels remain
    assert floored.verdict == "floor-limited" and floored.floored == [1000, 3162, 10000]
    # a floored level still counts as a violation when its interval lies above the bound plus
    # its floor, 0.693 + 0.4 = 1.093, i.e. when its seed mean exceeds 1.093 + 0.062 = 1.155: at
    # 1.5 that fails only for a seed mean 0.345 (19 s.e. of the mean, 0.0177) low; at 1.0 it
    # holds only for a seed mean 0.155 (8.8 s.e.) high, so that level is no violation although
    # its whole interval lies above the bound
    far, near_floor = res["comparable", "kind=floored_far"], res["comparable", "kind=floored_near"]
    assert far.verdict == "contradicted" and far.floored == [1000, 3162, 10000]
    assert "(above the floor too)" in far.reasons["c = 2"]
    assert far.levels.N[far.worst] >= 1000 and far.levels.center[far.worst] > 1.4
    assert near_floor.verdict == "floor-limited"
    assert near_floor.levels.lo.max() > np.log(2)  # above the bound, but not beyond the floor
    assert res["weak", "all"].verdict == "not discriminating"
    assert res["equal", "all"].verdict == "consistent"
    assert res["short", "all"].verdict == "underpowered"
    assert all(r.as_expected for r in res.values())


def test_level_claims_in_reports_and_verdict_lines(levels):
    from ratesim.study.figures import verdict_lines

    st, df, tmp = levels
    out = tmp / "rep"
    text = write_report(st, df, out).read_text()
    for needle in (
        "**comparable**: `value` at every N, per kind (level claim; role: paper)",
        "predictions (upper bounds on the value, rule `any`): c = 2: p = 0.693147",
        "judged per level: simultaneous 95% Student t intervals of the seed mean (Bonferroni",
        "floor: metric `value_floor`; levels where 2 x the floor reaches the bound count only as "
        "violations, when above the bound plus their floor (here N = 1000, 3162, 10000)",
        "negative control: kind=high must violate the bound",
        "(worst level) |",
        "| <= 0.693 | consistent | consistent | as expected |",
    ):
        assert needle in text, needle
    for name in ("comparable", "weak", "equal", "short"):
        assert (out / f"{name}.png").stat().st_size > 20_000, name
    lines = "\n".join(verdict_lines(evaluate_claims(st, df)))
    assert "- comparable [kind=low]: worst level 0.4" in lines
    assert "negative control (kind=high) [kind=high]: worst level 1.2" in lines
    assert "it violates the bound, so the bound is tested" in lines


def test_level_claims_are_left_to_their_own_calibration(levels):
    """The rate calibration has no slope to simulate for a level claim and skips it without a
    note; the level calibration (tests/test_level_calibration.py) simulates it."""
    from ratesim.study.calibration import _claim_designs

    st, df, _ = levels
    notes = []
    assert _claim_designs(st, df, notes) == [] and notes == []


def test_level_claims_through_the_command_line(tmp_path, write_study, capsys):
    """`ratesim fit` prints the per-level intervals and the verdict per prediction; `ratesim
    check` prints the worst level and passes when every verdict is as expected."""
    from ratesim.cli import main

    path = write_study("levels", LEVELS)
    a = ["--studies", str(path.parent.parent), "--out", str(tmp_path / "res")]
    a += ["--reports", str(tmp_path / "rep")]
    assert main(["run", "levels", "--jobs", "1", *a]) == 0
    capsys.readouterr()
    assert main(["fit", "levels", *a]) == 0
    out = capsys.readouterr().out
    assert "-- claim 1 comparable [kind=low]: consistent" in out
    assert "seed mean per level, simultaneous 95% t intervals (Bonferroni over 5 levels" in out
    assert "predicted c = 2: 0.6931 -> consistent (every level <= 0.693; worst" in out
    assert main(["check", "levels", *a]) == 0
    out = capsys.readouterr().out
    assert "CONSISTENT" in out and "worst level 0.4" in out
    assert "every verdict equals its expectation" in out


def test_level_panels_draw_the_judged_intervals(levels):
    """With levels left to the floor, the panel still draws the judged levels with the
    intervals of the verdict (Bonferroni over the judged levels only), not recomputed ones."""
    from ratesim.report import _draw_level_intervals
    from ratesim.study.figures import matching_rows

    st, df, _ = levels
    res = next(
        r
        for r in evaluate_claims(st, df)
        if r.claim.name == "comparable" and r.group_label == "kind=low"
    )
    rows = matching_rows(df, res.claim.metric, {**res.claim.where, **res.group})
    keep = rows["N"] < 10000  # as if N = 1e4 had left to the floor: 4 judged levels
    res.levels = level_intervals(rows["N"][keep], rows["value"][keep])
    res.floored.append(10000.0)
    calls = []

    class Axes:
        def scatter(self, *a, **k):
            pass

        def errorbar(self, x, y, yerr, **k):
            calls.append((np.asarray(x), np.asarray(y), np.asarray(yerr)))

    _draw_level_intervals(Axes(), rows, res.claim, res, "k", "o", "", seeds=True)
    x, y, yerr = calls[0]  # the judged levels
    lc = res.levels
    j = np.isin(lc.N, x)
    np.testing.assert_array_equal(y, lc.center[j])
    np.testing.assert_array_equal(yerr[1], (lc.hi - lc.center)[j])
