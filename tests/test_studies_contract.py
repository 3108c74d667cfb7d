"""Every study of the repository honours the study contract, in seconds per study.

For each study file: it validates (full and quick grids); the cheapest cell of its quick grid runs
through the engine and returns exactly the metrics its task declares; and each of its own figures
renders from a tiny table (two seeds per grid point of its committed full-run table, or the one
cell just computed when no report is committed), with the claim results the report would show.
"""

import pytest
from repo_paths import ROOT

from ratesim.report import figure_sections
from ratesim.study import evaluate_claims, expand, load_study, read_tidy, study_files
from ratesim.study.runner import execute_cell
from ratesim.study.store import CellResult

STUDIES = study_files(ROOT / "studies")


def test_there_are_studies():
    assert len(STUDIES) >= 20


def _cheapest(cells):
    """The quick cell with the smallest sample size (then the fewest other sizes)."""

    def size(c):
        p = c.params
        return (p.get("N", 0), p.get("m", 0), p.get("steps", 0), c.rep)

    return min(cells, key=size)


def _table(res: CellResult, mode: str):
    import pandas as pd

    rows = [
        {
            "study": res.study,
            "mode": mode,
            "cell": res.cell,
            "rep": res.rep,
            "seed": res.seed,
            "metric": m,
            "value": v,
            "seconds": res.seconds,
            "version": res.version,
            **{f"p_{k}": x for k, x in res.params.items()},
        }
        for m, v in res.metrics.items()
    ]
    return pd.DataFrame(rows).rename(columns={f"p_{c}": c for c in ("N", "k", "d", "beta")})


@pytest.mark.parametrize("path", STUDIES, ids=[p.stem for p in STUDIES])
def test_study_contract(path, tmp_path):
    st = load_study(path)  # validates both grids, the task's inputs and the claims
    spec = st.task_spec()
    cell = _cheapest(expand(st, quick=True))
    res = execute_cell(None, str(path), st.name, "quick", cell, threads=1)
    assert res.status == "ok", res.error
    assert set(spec.metrics) <= set(res.metrics) <= set(spec.all_metrics)
    committed = ROOT / "reports" / st.name / "results.csv"
    if committed.is_file():
        df = read_tidy(committed)
        df = df[df["rep"] < 2]
    else:
        df = _table(res, "quick")
    results = evaluate_claims(st, df)
    sections = figure_sections(st, df, tmp_path, results)
    if st.figures:
        assert sections[0] == "## Figures" and len(sections) == 2 + 2 * len(st.figures)
        assert all(isinstance(s, str) for s in sections)
        for name in set(__import__("re").findall(r"\]\(([^)]+\.png)\)", "\n".join(sections))):
            assert (tmp_path / name).is_file(), name
