"""The league summary: its table holds every W1 rate group of the committed tier with the fit
its report shows, the control once, and the comparison with the minimax exponent follows the CI;
the heat map and the table file are written."""

from types import SimpleNamespace

import numpy as np
import pytest
from ratesim_studies.league.summary import TABLE, _compare, minimax_exponent, summarize

from ratesim.cli import REPO_ROOT
from ratesim.study import evaluate_claims, load_study
from ratesim.study.figures import ReportContext, plain_table
from ratesim.study.store import read_tidy


def test_minimax_exponent_and_comparison():
    assert [minimax_exponent(k) for k in (1, 2, 3, 4)] == [-0.5, -0.5, -1 / 3, -0.25]
    fit = lambda lo, hi: SimpleNamespace(ci=(lo, hi))  # noqa: E731
    assert _compare(fit(-0.7, -0.55), 1) == "beats"
    assert _compare(fit(-0.6, -0.45), 1) == "matches"
    assert _compare(fit(-0.45, -0.2), 1) == "slower"
    assert _compare(fit(-0.40, -0.34), 3) == "beats"  # below -1/3 at k = 3
    assert _compare(None, 1) == "no fit"


def test_summary_of_the_committed_tier(tmp_path):
    csv = REPO_ROOT / "reports" / "league_k1" / "results.csv"  # committed with its report
    study = load_study(REPO_ROOT / "studies" / "league" / "league_k1.py")
    df = read_tidy(csv)
    results = evaluate_claims(study, df)
    ctx = ReportContext(study=study, df=plain_table(df), results=results, outdir=tmp_path)
    text = summarize([ctx], tmp_path)
    assert (tmp_path / "league_heat_map.png").is_file() and "## Who beats" in text
    import pandas as pd

    table = pd.read_csv(tmp_path / TABLE)
    claims = table[table["role"] == "claim"]
    assert len(claims) == len(results)  # one row per claim group
    for r in results:
        row = claims[(claims["claim"] == r.claim.label)
                     & (claims["competitor"] == r.group["competitor"])]  # fmt: skip
        assert len(row) == 1 and row["verdict"].item() == r.verdict
        if r.fit is None:
            assert np.isnan(row["exponent"].item())
        else:
            assert row["exponent"].item() == pytest.approx(r.fit.slope, abs=1e-12)
    forms = {r.claim.label: r.claim.form for r in results}  # the form each exponent is fitted in
    assert (table["form"] == table["claim"].map(forms)).all()
    controls = table[table["role"] == "control"]
    assert len(controls) == len({r.claim.label for r in results if r.control is not None})
    assert set(controls["tuning"]) == {"fixed"}
    fitted = table[np.isfinite(table["exponent"])]
    beats = fitted["ci_hi"] < fitted["minimax"]
    slower = fitted["ci_lo"] > fitted["minimax"]
    assert (
        fitted["vs_minimax"] == np.where(beats, "beats", np.where(slower, "slower", "matches"))
    ).all()


def test_a_claim_on_d_stays_out_of_the_rate_table(tmp_path):
    """The d tier's `ambient_dimension` claim fits W1 against d, not N: the summary table holds
    its rate claim in N (every group and control) and none of its d fits."""
    csv = REPO_ROOT / "reports" / "league_k1_d" / "results.csv"
    study = load_study(REPO_ROOT / "studies" / "league" / "league_k1_d.py")
    df = read_tidy(csv)
    results = evaluate_claims(study, df)
    ctx = ReportContext(study=study, df=plain_table(df), results=results, outdir=tmp_path)
    summarize([ctx], tmp_path)
    import pandas as pd

    table = pd.read_csv(tmp_path / TABLE)
    assert set(table["claim"]) == {"parametric_w1_d"}
    on_n = [r for r in results if r.claim.on == "N"]
    assert len(table[table["role"] == "claim"]) == len(on_n)
    assert sorted(set(table["d"])) == [2, 10, 50]


def test_summary_tells_data_laws_apart(tmp_path):
    """Groups that differ only in the data law's options (a jump by 3 or by 10) stay two rows,
    each naming its law; a von Mises tier names its kappa."""
    import pandas as pd

    ctxs = []
    for name in ("league_k3_jump", "league_k3_large"):
        study = load_study(REPO_ROOT / "studies" / "league" / f"{name}.py")
        df = read_tidy(REPO_ROOT / "reports" / name / "results.csv")
        results = evaluate_claims(study, df)
        ctx = ReportContext(study=study, df=plain_table(df), results=results, outdir=tmp_path)
        ctxs.append(ctx)
    summarize(ctxs, tmp_path)
    table = pd.read_csv(tmp_path / TABLE)
    w1 = table[(table["claim"] == "beats_minimax_w1") & (table["tuning"] == "w1")]
    assert sorted(w1["density"]) == ["jump(ratio=10)", "jump(ratio=3)", "von_mises(kappa=1)"]
    assert (w1["vs_minimax"] == "beats").all()


def test_summary_lists_level_claims_and_cost(tmp_path):
    """The generalization tier's level claims get one row per group (the control once), with the
    seed mean at every N and the study's own verdict; the cost section sums each cell's seconds
    once."""
    name = "league_k1_generalization"
    study = load_study(REPO_ROOT / "studies" / "league" / f"{name}.py")
    df = read_tidy(REPO_ROOT / "reports" / name / "results.csv")
    results = evaluate_claims(study, df)
    ctx = ReportContext(study=study, df=plain_table(df), results=results, outdir=tmp_path)
    text = summarize([ctx], tmp_path)
    section = text.split("## Generalization")[1].split("## Cost")[0]
    rows = [line for line in section.splitlines() if line.startswith(f"| {name} ")]
    assert len(rows) == len(results) + 1  # every claim group, and the bound's control once
    for r in results:
        mean = df[(df["metric"] == r.claim.metric) & (df["N"] == 100)]
        mean = mean[mean["cell"].str.contains(f"competitor={r.group['competitor']},")]["value"]
        want = f"| {r.claim.label} | {r.group['competitor']} | {r.group['tuning']} |"
        row = next(line for line in rows if want in line)
        assert row.rstrip(" |").endswith(r.verdict) and f"N = 100: {mean.mean():.2f} [" in row
    assert sum("control" in line and "must be contradicted" in line for line in rows) == 1
    cells = df.groupby("cell")["seconds"].first()
    assert f"| {name} | {cells.size} | {cells.sum():.0f} |" in text.split("## Cost")[1]
