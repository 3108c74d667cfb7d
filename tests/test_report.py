"""ratesim.report and claim evaluation: plots, tables, README, committed tables for check."""

import numpy as np
import pandas as pd
import pytest

from ratesim.report import fits_latex, fits_markdown, write_report
from ratesim.study import evaluate_claims, load_results
from ratesim.study.claims import combine

FACETS = '''
"""Two known slopes in one study: facets by slope."""
from engine_tasks import synthetic_power

from ratesim.study import Claim, Study

STUDY = Study(
    name="facets",
    task=synthetic_power,
    grid={"slope": [-0.5, -0.25], "N": [16, 64, 256, 1024, 4096], "noise": 0.1, "C": 2.0},
    seeds=6,
    claims=[
        Claim(metric="value", predict={"own slope": "slope", "-1/2": -0.5}, group_by=("slope",),
              rule="any", name="value_any", tolerance=0.1),
        Claim(metric="value", predict={"-1/2": -0.5}, group_by=("slope",), name="value_half",
              tolerance=0.1, expect={"slope=-0.25": "contradicted"},
              evidence="the negative control: its slope is -1/4"),
    ],
)
'''


@pytest.fixture
def facets(run_full):
    return run_full("facets", FACETS)


def test_claims_per_group_with_competing_predictions(facets):
    """noise 0.1, 5 N over 2.4 decades, 6 seeds: slope SE ~ 0.1/sqrt(6 * 2 * 1.2^2 * 2.5) ~ 0.011,
    so -1/2 vs -1/4 (gap 0.25 ~ 20 SE) is decided in each group."""
    st, df, _ = facets
    res = {(r.claim.name, r.group["slope"]): r for r in evaluate_claims(st, df)}
    assert len(res) == 4
    assert res["value_any", -0.5].verdict == "consistent"
    assert res["value_any", -0.25].verdict == "consistent"  # "own slope" holds
    assert dict((lab, vd) for lab, _, vd in res["value_any", -0.25].predictions) == {
        "own slope": "consistent",
        "-1/2": "contradicted",
    }
    assert res["value_half", -0.5].verdict == "consistent"
    assert res["value_half", -0.25].verdict == "contradicted"  # negative control


def test_combine_rules():
    assert combine(["contradicted", "consistent"], "any") == "consistent"
    assert combine(["contradicted", "contradicted"], "any") == "contradicted"
    assert combine(["contradicted", "inconclusive"], "any") == "inconclusive"
    assert combine(["contradicted", "consistent"], "all") == "contradicted"
    assert combine(["consistent", "inconclusive"], "all") == "inconclusive"
    assert combine([], "any") == "inconclusive"


def test_write_report(facets):
    st, df, tmp = facets
    out = tmp / "reports" / "facets"
    out.mkdir(parents=True)
    # a claim plot left by an earlier version of the study is removed; other files are kept
    (out / "dropped_claim.png").write_bytes(b"stale")
    (out / "notes.txt").write_text("kept")
    readme = write_report(st, df, out, command="ratesim run facets && ratesim report facets")
    names = {p.name for p in out.iterdir()}
    assert "dropped_claim.png" not in names and "notes.txt" in names
    assert {
        "README.md",
        "fits.md",
        "fits.tex",
        "results.csv",
        "results.parquet",
        "results.csv.sha256",
        "value_any.png",
        "value_half.png",
    } <= names
    text = readme.read_text()
    for needle in (
        "- study file: `studies/fam/facets.py` (task `synthetic_power`",
        "## How this was produced",
        "ratesim run facets",
        "cores",
        "Python",
        "![value_any](value_any.png)",
        "| claim | group | fitted slope | CI | prediction | band |",
        "- commit: abc1234 (every cell computed by ratesim 0.1.0+gabc1234); report written by "
        "ratesim 0.1.0+gabc1234",
        "1. **value_any**: `value` ~ N^p per slope (role: paper); group verdicts "
        "**2 consistent**; 2 of 2 groups as expected",
        "2. **value_half**: `value` ~ N^p per slope (role: paper); group verdicts "
        "**1 consistent**, **1 contradicted**; 2 of 2 groups as expected",
        "own slope: p = slope, band p ± 0.1",
        "expected: slope=-0.25: contradicted, otherwise consistent; evidence: the negative",
        "log of the seed mean",
        "seed bootstrap",
        "checksum [results.csv.sha256](results.csv.sha256)",
    ):
        assert needle in text, needle
    csv = pd.read_csv(out / "results.csv")
    assert len(csv) == len(df) == 2 * 5 * 6
    for col in (
        "study",
        "cell",
        "manifold",
        "k",
        "d",
        "beta",
        "density",
        "estimator",
        "sampler",
        "N",
        "seed",
        "metric",
        "value",
        "seconds",
    ):
        assert col in csv.columns
    tex = (out / "fits.tex").read_text()
    assert tex.startswith("\\begin{tabular}") and "\\bottomrule" in tex
    # plots are real images with facets, not empty files
    assert (out / "value_any.png").stat().st_size > 20_000


def test_tables_escape_and_list_every_prediction(facets):
    st, df, _ = facets
    res = evaluate_claims(st, df)
    md = fits_markdown(res)
    assert md.count("\n") == 2 + 6  # header, rule, 2 groups x (2 + 1) predictions
    tex = fits_latex(res)
    assert "value\\_any" in tex and "[-0.600, -0.400]" in tex and "\\midrule" in tex
    # the contradicted negative control is expected; a verdict against its expectation is marked
    rows = [ln for ln in md.splitlines() if ln.startswith("| value_half | slope=-0.25")]
    assert len(rows) == 1 and "| contradicted | contradicted | as expected |" in rows[0]
    assert "misses the band [-0.600, -0.400]" in rows[0]
    r = next(r for r in res if r.claim.name == "value_half" and r.group["slope"] == -0.25)
    r.expected = "consistent"
    assert "| contradicted | contradicted | **expected consistent** |" in fits_markdown([r])
    assert "\\textbf{expected consistent}" in fits_latex([r])


def test_check_uses_committed_table_unless_store_is_newer(facets):
    st, df, tmp = facets
    reports = tmp / "reports"
    write_report(st, df, reports / "facets")
    fresh = tmp / "fresh_checkout_results"  # no store at all
    got, src = load_results(st, results_dir=fresh, reports_dir=reports)
    assert "committed table" in src and len(got) == len(df)
    got, src = load_results(st, results_dir=tmp / "results", reports_dir=reports)
    assert "store" in src  # same age: the store wins
    # a newer committed table wins over an older store
    csv = pd.read_csv(reports / "facets" / "results.csv")
    csv["finished"] = "2999-01-01T00:00:00+00:00"
    csv.to_csv(reports / "facets" / "results.csv", index=False)
    got, src = load_results(st, results_dir=tmp / "results", reports_dir=reports)
    assert "committed table" in src
    # rows of cells outside the current grid are ignored
    st.grid = {**st.grid, "N": [16, 64, 256, 1024]}
    got, _ = load_results(st, results_dir=fresh, reports_dir=reports)
    assert set(got["N"]) == {16, 64, 256, 1024}
    assert evaluate_claims(st, got)[0].fit is not None


def test_report_refuses_empty_results(facets):
    st, df, tmp = facets
    with pytest.raises(ValueError, match="no results"):
        write_report(st, df.iloc[:0], tmp / "x")


def test_study_figures_get_the_report_context_and_are_embedded(tmp_path, clean_code):
    """A study's figure is called with the report context: the table (parameters under their own
    names), the claim results the report shows, the output folder; its markdown is embedded. A
    post hoc claim, the registration and a hand-written reading appear in the README."""
    import numpy as np
    import pandas as pd
    from engine_tasks import synthetic_power

    from ratesim.report import write_report
    from ratesim.study import Claim, Study
    from ratesim.study.figures import md_table, pyplot, savefig, verdict_lines

    seen = {}

    def fig(ctx):
        seen["rows"] = len(ctx.df)
        seen["columns"] = set(ctx.df.columns)
        seen["verdicts"] = [r.verdict for r in ctx.results]
        means = ctx.seed_means(by=("N",), metric="value")
        f, ax = pyplot().subplots()
        ax.loglog(means["N"], means["geo_mean"], "o-")
        name = savefig(f, ctx, "extra.png")
        table = md_table(means[["N", "mean"]].to_numpy().tolist(), ["N", "mean"])
        return "\n".join(
            ["### Extra", "", f"![extra]({name})", "", table, *verdict_lines(ctx.results)]
        )

    st = Study(
        name="figs",
        task=synthetic_power,
        grid={"N": [10, 100, 1000, 10000], "slope": -0.5},  # >= 4 levels over >= 1.5 decades
        seeds=3,
        registered=("2026-12-01", "abc1234"),
        claims=[
            Claim(metric="value", predict=-0.5, tolerance=0.1),
            Claim(
                metric="value",
                predict=-0.25,
                tolerance=0.1,
                name="late",
                posthoc="added after the run",
            ),
        ],
        figures=[fig],
    )
    (tmp_path / "reading.md").write_text("# figs: reading of the full run\n")
    rng = np.random.default_rng(0)
    rows = [
        {
            "study": "figs",
            "mode": "full",
            "cell": f"c{n}-{r}",
            "N": n,
            "rep": r,
            "seed": r,
            "metric": "value",
            "value": n**-0.5 * np.exp(0.01 * rng.standard_normal()),
            "seconds": 0.1,
            "version": clean_code,
            "p_slope": -0.5,
        }
        for n in (10, 100, 1000, 10000)
        for r in range(3)
    ]
    readme = write_report(st, pd.DataFrame(rows), tmp_path)
    text = readme.read_text()
    assert seen["rows"] == 12 and (tmp_path / "extra.png").stat().st_size > 1000
    assert "slope" in seen["columns"] and "p_slope" not in seen["columns"]
    assert seen["verdicts"] == ["consistent", "contradicted"]  # the report's own verdicts
    assert "## Figures" in text and "![extra](extra.png)" in text
    assert "- value [all]: exponent -0.5" in text and "- late (post hoc) [all]" in text
    assert "verdict **consistent** (as expected)" in text
    assert "verdict **contradicted** (NOT AS EXPECTED: expected consistent)" in text
    assert "2. *post hoc* **late**" in text and "post hoc (written after" in text
    assert "registered on 2026-12-01 at commit abc1234" in text
    assert "[reading.md](reading.md)" in text
    st_bad = Study(
        name="figs", task=synthetic_power, grid={"N": [10, 100], "slope": -0.5}, figures=["nope"]
    )
    import pytest

    from ratesim.study import StudyError

    with pytest.raises(StudyError, match="figures"):
        st_bad.validate()


def test_index_tallies_the_group_verdicts_of_every_report_by_role(tmp_path):
    """The reports index reads each study README's claims and counts their group verdicts (all
    six kinds) and the groups whose verdict is not the expected one, per claim role, with totals;
    a report in the earlier format (one overall verdict per claim, no role) still counts, with
    the mismatches unknown."""
    from ratesim.report import write_index

    readmes = {
        "a": [
            "1. **m**: `m` ~ N^p per k (role: paper); group verdicts **2 consistent**, "
            "**1 floor-limited**; 2 of 3 groups as expected",
            "   - predictions (rule `any`): -1/2: p = -0.5, band p ± 0.1",
            "2. **n**: `n` ~ N^p per k (role: anchor); group verdicts **1 not discriminating**, "
            "**1 contradicted**; 2 of 2 groups as expected",
        ],
        "b": ["1. `m` ~ N^p: **inconclusive**"],  # the earlier format
    }
    for name, claims in readmes.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "README.md").write_text(
            f"# {name}\n\nStudy {name}.\n\n## Claims\n\n" + "\n".join(claims) + "\n\n"
            "## Plots\n\n1. x: **5 consistent**\n"
        )
    text = write_index(tmp_path).read_text()
    head = (
        "| study | what it measures | role | consistent | contradicted | inconclusive | "
        "floor-limited | underpowered | not discriminating | not as expected |"
    )
    for row in (
        head,
        "| [a](a/README.md) | Study a. | paper | 2 | 0 | 0 | 1 | 0 | 0 | **1** |",
        "|  |  | anchor | 0 | 1 | 0 | 0 | 0 | 1 | 0 |",
        "| [b](b/README.md) | Study b. | - | 0 | 0 | 1 | 0 | 0 | 0 | - |",
        "| **all studies** | | paper | 2 | 0 | 0 | 1 | 0 | 0 | **1** |",
        "|  | | anchor | 0 | 1 | 0 | 0 | 0 | 1 | 0 |",
        "|  | | - | 0 | 0 | 1 | 0 | 0 | 0 | - |",
    ):
        assert row in text.splitlines(), row


def test_readme_tallies_verdicts_by_role(tmp_path, clean_code):
    """The Claims section opens with the group verdicts per role, and the index reads the
    written report back with the same counts."""
    from engine_tasks import synthetic_power

    from ratesim.report import write_index
    from ratesim.study import Claim, Study

    st = Study(
        name="roles",
        description="Study.",
        task=synthetic_power,
        grid={"N": [10, 100, 1000, 10000], "slope": -0.5},
        seeds=3,
        claims=[
            Claim(metric="value", predict=-0.5, tolerance=0.1, role="anchor"),
            Claim(
                metric="value",
                predict=-0.25,
                tolerance=0.1,
                name="wrong",
                role="control",
                expect="contradicted",
                evidence="a wrong exponent",
            ),
            Claim(metric="value", predict=-0.25, tolerance=0.1, name="paper"),
        ],
    )
    rng = np.random.default_rng(1)
    df = pd.DataFrame(
        [
            {
                "study": "roles",
                "mode": "full",
                "cell": f"c{n}-{r}",
                "N": n,
                "rep": r,
                "seed": r,
                "metric": "value",
                "value": n**-0.5 * np.exp(0.01 * rng.standard_normal()),
                "seconds": 0.1,
                "version": clean_code,
                "p_slope": -0.5,
            }
            for n in (10, 100, 1000, 10000)
            for r in range(3)
        ]
    )
    text = write_report(st, df, tmp_path / "roles").read_text().splitlines()
    for row in (
        "| paper | 1 | 0 | 1 | 0 | 0 | 0 | 0 | **1** |",
        "| anchor | 1 | 1 | 0 | 0 | 0 | 0 | 0 | 0 |",
        "| control | 1 | 0 | 1 | 0 | 0 | 0 | 0 | 0 |",
    ):
        assert row in text, row
    (tmp_path / "papers.md").write_text("## Per paper\n\n| paper | tested by |\n|---|---|\n")
    index = write_index(tmp_path).read_text().splitlines()
    assert index.index("## Per paper") < index.index("| paper | tested by |")
    first_row = next(t for t in index if "roles/" in t)
    assert index.index("| paper | tested by |") < index.index(first_row)
    assert "| [roles](roles/README.md) | Study. | paper | 0 | 1 | 0 | 0 | 0 | 0 | **1** |" in index
    assert "|  |  | control | 0 | 1 | 0 | 0 | 0 | 0 | 0 |" in index


FLOORED = '''
"""A decay onto a floor, a bound with its negative control, and a short design."""
import numpy as np

from ratesim.study import Claim, Study, task


@task(metrics=("value", "value_floor"))
def floored(*, N: int, slope: float, rng: np.random.Generator, kind: str = "main",
            floor: float = 1e-3) -> dict[str, float]:
    s = 0.0 if kind == "control" else slope
    v = 0.5 * N**s * np.exp(0.2 * rng.standard_normal()) + floor * abs(rng.standard_normal())
    return {"value": float(v), "value_floor": floor}


STUDY = Study(
    name="floored",
    task=floored,
    grid={"slope": [-0.5, -1.0], "kind": ["main", "control"],
          "N": [16, 64, 256, 1024, 4096, 16384]},
    seeds=6,
    claims=[
        Claim(metric="value", predict={"N^-1/2": -0.5, "N^-1": -1.0}, group_by=("slope",),
              where={"kind": "main"}, floor="value_floor", tolerance=0.15, name="onto_floor",
              expect={"slope=-1": "floor-limited"}, evidence="the -1 decay meets the floor"),
        Claim(metric="value", predict={"O(N^-1/2)": -0.5}, group_by=("slope",),
              where={"kind": "main", "slope": -0.5}, control={"kind": "control"}, bound=True,
              tolerance=0.1, name="bound"),
        Claim(metric="value", predict={"O(N^+1/2)": 0.5}, group_by=("slope",),
              where={"kind": "main", "slope": -0.5}, control={"kind": "control"}, bound=True,
              tolerance=0.1, name="weak_bound", expect="not discriminating",
              evidence="the control (no decay) satisfies a bound N^+1/2 too"),
        Claim(metric="value", predict=-0.5, where={"kind": "main", "slope": -0.5, "N": [16, 64]},
              tolerance=0.1, name="short", statistic="geomean", why="the typical seed"),
    ],
)
'''


@pytest.fixture
def floored(run_full):
    return run_full("floored", FLOORED)


def test_report_of_floors_controls_and_the_new_verdicts(floored):
    """Floor-limited, not discriminating and underpowered groups, a bound's control: the claims
    list states band, statistic, floor, control and expectation; the fits table has a row per
    control prediction; every claim gets a plot; the verdict lines say expected vs measured."""
    st, df, tmp = floored
    res = {(r.claim.name, r.group_label): r for r in evaluate_claims(st, df)}
    assert res["onto_floor", "slope=-1"].verdict == "floor-limited"
    assert res["onto_floor", "slope=-1"].floored  # the levels at the floor
    assert res["onto_floor", "slope=-0.5"].verdict == "consistent"
    assert res["bound", "slope=-0.5"].verdict == "consistent"
    assert res["bound", "slope=-0.5"].control.verdict == "contradicted"
    assert res["weak_bound", "slope=-0.5"].verdict == "not discriminating"
    assert res["short", "all"].verdict == "underpowered"
    out = tmp / "rep"
    text = write_report(st, df, out).read_text()
    for needle in (
        "group verdicts **1 consistent**, **1 floor-limited**; 2 of 2 groups as expected",
        "floor: metric `value_floor`; levels whose seed mean is below 2 x the floor are left out "
        "of the fit (here N = ",
        "predictions (upper bounds on the exponent, rule `any`): O(N^-1/2): p = -0.5, band <= "
        "p + 0.1",
        "negative control: kind=control must violate the bound",
        "its verdict: contradicted",
        "group verdicts **1 not discriminating**; 1 of 1 groups as expected",
        "expected: not discriminating in every group; evidence: the control (no decay)",
        "group verdicts **1 underpowered**; 0 of 1 groups as expected",
        "**not as expected**: all: underpowered, expected consistent",
        "statistic `geomean` (seed mean of the log",
        "why this design: the typical seed",
        "| bound | slope=-0.5, control kind=control |",
        "| <= -0.400 | contradicted | contradicted | as expected |",
        "| weak_bound | slope=-0.5, control kind=control |",
        "| **expected contradicted** |",
        "| short | all |  |  | -0.5: -0.5 | p ± 0.1 |  | underpowered | **expected consistent** |",
    ):
        assert needle in text, needle
    for name in ("onto_floor", "bound", "weak_bound", "short"):
        assert (out / f"{name}.png").stat().st_size > 20_000, name
        assert f"![{name}]({name}.png)" in text


PAIRED = '''
"""A bound judged per setting, with a control of another method at each setting."""
import numpy as np

from ratesim.study import Claim, Study, task


@task(metrics=("value",))
def paired(*, N: int, method: str, setting: int, rng: np.random.Generator) -> dict[str, float]:
    # the control is flat at setting 1 and decays like the estimator at setting 2
    s = 0.0 if (method, setting) == ("ctrl", 1) else -0.5
    return {"value": float(N**s * np.exp(0.05 * rng.standard_normal()))}


STUDY = Study(
    name="paired",
    task=paired,
    grid={"method": ["a", "ctrl"], "setting": [1, 2], "N": [16, 64, 256, 1024, 4096]},
    seeds=6,
    claims=[
        Claim(metric="value", predict=-0.5, group_by=("method", "setting"),
              where={"method": "a"}, control={"method": "ctrl"}, bound=True,
              tolerance=0.1, expect={"method=a, setting=2": "not discriminating"},
              evidence="its control decays too"),
    ],
)
'''


def test_a_bound_is_judged_against_the_control_of_its_own_setting(run_full):
    """A control of another method is paired with the group of the same setting: at setting 1
    the flat control violates the bound (consistent), at setting 2 the decaying one does not
    (not discriminating); judged against both controls, setting 1 would not discriminate."""
    st, df, _ = run_full("paired", PAIRED)
    res = {r.group_label: r for r in evaluate_claims(st, df)}
    one, two = res["method=a, setting=1"], res["method=a, setting=2"]
    assert [c.group["setting"] for c in one.controls] == [1]
    assert [c.group["setting"] for c in two.controls] == [2]
    assert one.verdict == "consistent"
    assert two.verdict == "not discriminating"


def test_verdict_lines_say_expected_against_measured(floored):
    from ratesim.rates import VERDICT_KINDS
    from ratesim.study.figures import VERDICT_COLORS, verdict_lines

    st, df, _ = floored
    assert set(VERDICT_COLORS) == set(VERDICT_KINDS)  # one palette for every verdict
    lines = "\n".join(verdict_lines(evaluate_claims(st, df)))
    assert "- onto_floor [slope=-1]: no fit; verdict **floor-limited** (as expected): 3 of" in lines
    assert "- bound [slope=-0.5]: exponent -0." in lines
    assert "O(N^-1/2) (-0.500 bound): supported; verdict **consistent** (as expected)" in lines
    assert "negative control (kind=control) [slope=-0.5]: exponent" in lines
    assert "verdict contradicted: it violates the bound, so the bound is tested" in lines
    assert "verdict **not discriminating** (as expected): the control" in lines
    assert "it does not violate the bound, so the bound is not tested" in lines
    assert "- short [all]: no fit; verdict **underpowered** (NOT AS EXPECTED: expected " in lines
