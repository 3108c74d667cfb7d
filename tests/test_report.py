"""ratesim.report and claim evaluation: plots, tables, README, committed tables for check."""

import pandas as pd
import pytest

from ratesim.report import fits_latex, fits_markdown, write_report
from ratesim.study import ResultsStore, evaluate_claims, load_results, load_study, run_study
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
              rule="any", name="value_any"),
        Claim(metric="value", predict={"-1/2": -0.5}, group_by=("slope",), name="value_half"),
    ],
)
'''


@pytest.fixture
def facets(tmp_path, write_study):
    st = load_study(write_study("facets", FACETS))
    with ResultsStore(tmp_path / "results" / "ratesim.sqlite") as store:
        assert run_study(st, store, progress=False).ok
        df = store.tidy("facets", "full")
    return st, df, tmp_path


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
        "| claim | group |",
        "contradicted",
        "**contradicted**",
        "**consistent**",
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
    assert "R\\^{}2" in tex and "value\\_any" in tex


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
    st.grid = {**st.grid, "N": [16, 64]}
    got, _ = load_results(st, results_dir=fresh, reports_dir=reports)
    assert set(got["N"]) == {16, 64}
    assert evaluate_claims(st, got)[0].fit is not None


def test_report_refuses_empty_results(facets):
    st, df, tmp = facets
    with pytest.raises(ValueError, match="no results"):
        write_report(st, df.iloc[:0], tmp / "x")


def test_study_figures_get_the_report_context_and_are_embedded(tmp_path):
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
        grid={"N": [10, 100, 1000], "slope": -0.5},
        seeds=2,
        registered=("2026-12-01", "abc1234"),
        claims=[
            Claim(metric="value", predict=-0.5),
            Claim(metric="value", predict=-0.25, name="late", posthoc="added after the run"),
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
            "version": "t",
            "p_slope": -0.5,
        }
        for n in (10, 100, 1000)
        for r in range(2)
    ]
    readme = write_report(st, pd.DataFrame(rows), tmp_path)
    text = readme.read_text()
    assert seen["rows"] == 6 and (tmp_path / "extra.png").stat().st_size > 1000
    assert "slope" in seen["columns"] and "p_slope" not in seen["columns"]
    assert seen["verdicts"] == ["consistent", "contradicted"]  # the report's own verdicts
    assert "## Figures" in text and "![extra](extra.png)" in text
    assert "- value [all]: exponent -0.5" in text and "- late (post hoc) [all]" in text
    assert "2. *post hoc* `value`" in text and "Post hoc (written after" in text
    assert "registered on 2026-12-01 at commit abc1234" in text
    assert "[reading.md](reading.md)" in text
    st_bad = Study(
        name="figs", task=synthetic_power, grid={"N": [10, 100], "slope": -0.5}, figures=["nope"]
    )
    import pytest

    from ratesim.study import StudyError

    with pytest.raises(StudyError, match="figures"):
        st_bad.validate()


def test_index_tallies_the_verdicts_of_every_report(tmp_path):
    """The reports index reads each study README's claims and counts their verdicts."""
    from ratesim.report import write_index

    for name, verdicts in {"a": ["consistent", "contradicted"], "b": ["inconclusive"]}.items():
        (tmp_path / name).mkdir()
        claims = "\n".join(f"{i + 1}. `m` ~ N^p: **{v}**" for i, v in enumerate(verdicts))
        (tmp_path / name / "README.md").write_text(
            f"# {name}\n\nStudy {name}.\n\n## Claims\n\n{claims}\n\n"
            "## Plots\n\n1. x: **consistent**\n"
        )
    text = write_index(tmp_path).read_text()
    assert "| [a](a/README.md) | Study a. | 1 | 1 | 0 |" in text
    assert "| [b](b/README.md) | Study b. | 0 | 0 | 1 |" in text
