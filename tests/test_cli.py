"""The command line: the README's main command, run/fit/check/report/export, bad input (exit 2)."""

import textwrap
from pathlib import Path

import engine_tasks
import pytest

from ratesim.cli import REPO_ROOT, main
from ratesim.study import load_study, study_files

GOOD = '''
"""A fast study with a known slope."""
from ratesim.study import Claim, Study

from .tasks import synthetic_power

STUDY = Study(
    name="NAME",
    task=synthetic_power,
    grid={"N": [16, 64, 256, 1024], "slope": -0.5, "noise": 0.05},
    seeds=4,
    quick={"N": [16, 256, 4096]},
    quick_seeds=3,
    claims=[Claim(tolerance=0.1, metric="value", predict=PRED)],
)
'''


def _studies(tmp_path, **preds):
    """A studies folder with one family (the engine's test tasks as its tasks.py) holding one
    study per keyword (name=predicted exponent)."""
    d = tmp_path / "studies"
    fam = d / "fam"
    fam.mkdir(parents=True, exist_ok=True)
    (fam / "tasks.py").write_text(Path(engine_tasks.__file__).read_text())
    for name, pred in preds.items():
        (fam / f"{name}.py").write_text(GOOD.replace("NAME", name).replace("PRED", pred))
    return d


def _args(tmp_path, d):
    return ["--studies", str(d), "--out", str(tmp_path / "res"), "--reports", str(tmp_path / "rep")]


@pytest.mark.slow
def test_main_command_runs_quick_studies_and_writes_their_reports(tmp_path, capsys):
    """`ratesim run all --quick && ratesim report all --quick` with the repository's studies;
    quick reports go under --out, never into reports/. Slow (every quick study, minutes): CI runs
    the README's main command itself after the test suite (.ci/run); each study's contract test
    runs one cell of it in the default suite."""
    out = tmp_path / "results"
    before = {p: p.stat().st_mtime for p in (REPO_ROOT / "reports").rglob("*") if p.is_file()}
    assert main(["run", "all", "--quick", "--out", str(out)]) == 0
    assert main(["report", "all", "--quick", "--out", str(out)]) == 0
    files = {p.stem: p for p in study_files(REPO_ROOT / "studies")}
    names = list(files)
    assert names
    for n in names:
        readme = out / "reports" / n / "README.md"
        assert readme.exists(), n
        assert "(quick run)" in readme.read_text()
        assert (out / "reports" / n / "results.csv").exists()
    after = {p: p.stat().st_mtime for p in (REPO_ROOT / "reports").rglob("*") if p.is_file()}
    assert after == before
    # quick grids may honestly contradict a prediction (exit 1, e.g. a metric at its floor); what
    # must hold is that every study's claims were judged from the stored quick results
    capsys.readouterr()
    assert main(["check", "--quick", "--out", str(out)]) in (0, 1)
    text = capsys.readouterr().out
    assert "CONSISTENT" in text and "MISSING" not in text
    for n in names:
        st = load_study(files[n])
        if st.claims:
            assert f" {n} claim" in text, n


def test_reports_rendered_in_parallel_equal_serial_ones(tmp_path):
    """`ratesim report --jobs 2` renders studies in two processes: every file equals the one
    written by `--jobs 1` (README lines naming the store and the time aside)."""
    import shutil

    d = _studies(tmp_path, good="-0.5", wrong="-0.25")
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    assert main(["run", "all", "--quick", "--studies", str(d), "--out", str(serial)]) == 0
    shutil.copytree(serial, parallel)
    for out, jobs in ((serial, "1"), (parallel, "2")):
        code = main(
            ["report", "all", "--quick", "--jobs", jobs, "--studies", str(d), "--out", str(out)]
        )
        assert code == 0
    files = sorted(p.relative_to(serial) for p in (serial / "reports").rglob("*") if p.is_file())
    assert len(files) > 4
    assert files == sorted(
        p.relative_to(parallel) for p in (parallel / "reports").rglob("*") if p.is_file()
    )

    def content(p):
        if p.suffix != ".md":
            return p.read_bytes()
        keep = [ln for ln in p.read_text().splitlines() if "data source" not in ln]
        return [ln for ln in keep if not ln.startswith("- written ")]

    for f in files:
        assert content(serial / f) == content(parallel / f), f


def test_run_fit_check_report_export(tmp_path, capsys, monkeypatch):
    import ratesim.study.runner as runner

    monkeypatch.setattr(runner, "_VERSION", "0.1.0+gabc1234")  # a clean commit: full reports
    d = _studies(tmp_path, good="-0.5", wrong="-0.25", known="-0.25")
    known = d / "fam" / "known.py"
    known.write_text(
        known.read_text().replace(
            "predict=-0.25)",
            'predict=-0.25, expect="contradicted", evidence="the task decays as N^-1/2")',
        )
    )
    a = _args(tmp_path, d)
    assert main(["check", "good", *a]) == 1  # no results yet: not a pass
    assert "MISSING" in capsys.readouterr().out
    assert main(["run", "all", "--jobs", "2", *a]) == 0
    out = capsys.readouterr().out
    assert "good (full): 16 cells, 0 already stored, 16 computed, 0 failed" in out
    assert main(["run", "good", *a]) == 0
    out = capsys.readouterr().out
    assert "16 already stored, 0 computed" in out and "other code versions" not in out
    # an edited task: its cells are recomputed, and the run says so
    t = d / "fam" / "tasks.py"
    t.write_text(t.read_text().replace("np.exp(noise * rng", "np.exp(1.0 * noise * rng"))
    import os

    os.utime(t, ns=(t.stat().st_mtime_ns + 10**9,) * 2)
    assert main(["run", "good", *a]) == 0
    out = capsys.readouterr().out
    assert (
        "0 already stored, 16 computed" in out and "16 stored cells were computed by another" in out
    )
    # cells computed by another code version are reused, and the run says so
    import sqlite3

    con = sqlite3.connect(tmp_path / "res" / "ratesim.sqlite")
    with con:
        con.execute("UPDATE cells SET version='0.0.1+gold' WHERE study='good'")
    con.close()
    assert main(["run", "good", *a]) == 0
    assert "16 of the stored cells were computed by other code versions (0.0.1+gold (16))" in (
        capsys.readouterr().out
    )
    assert main(["check", "good", *a]) == 0
    assert "every verdict equals its expectation" in capsys.readouterr().out
    assert main(["check", "wrong", *a]) == 1  # slope -1/2 measured, -1/4 claimed and expected
    out = capsys.readouterr().out
    assert "CONTRADICTED" in out and "expected consistent, got contradicted" in out
    assert main(["check", "known", *a]) == 0  # the same contradiction, expected with evidence
    assert main(["check", *a]) == 1
    assert main(["fit", "good", *a]) == 0
    out = capsys.readouterr().out
    assert "slope -0.5" in out and "local slopes" in out and "[N/logN]" in out
    assert main(["report", "good", *a]) == 0
    assert (tmp_path / "rep" / "good" / "README.md").exists()
    # the index judges every study's committed table now, and says where each table comes from
    index = (tmp_path / "rep" / "README.md").read_text()
    assert "| [good](good/README.md) | `old` | paper | 1 | 0 |" in index
    assert "| [wrong](wrong/README.md) | no committed table |" in index
    assert main(["export", "good", *a, "--to", str(tmp_path / "t.csv")]) == 0
    assert (tmp_path / "t.csv").exists()
    # a fresh checkout (no store) checks from the committed table
    assert (
        main(
            [
                "check",
                "good",
                "--studies",
                str(d),
                "--out",
                str(tmp_path / "none"),
                "--reports",
                str(tmp_path / "rep"),
            ]
        )
        == 0
    )
    assert "committed table" in capsys.readouterr().out
    fresh = [
        "--studies",
        str(d),
        "--out",
        str(tmp_path / "none"),
        "--reports",
        str(tmp_path / "rep"),
    ]
    # recomputation: the committed cells are recomputed bit-identically ...
    assert main(["check", "good", *fresh, "--recompute", "60"]) == 0
    out = capsys.readouterr().out
    assert "recompute: 16 cells" in out and "(0 values differ at the rounding level): ok" in out
    # ... a difference at the rounding level of another CPU (relative 1e-12 << 1e-9) passes and
    # is counted ...
    src = t.read_text()
    t.write_text(src.replace("np.exp(1.0 * noise * rng", "np.exp(1.000000000001 * noise * rng"))
    os.utime(t, ns=(t.stat().st_mtime_ns + 10**9,) * 2)
    assert main(["check", "good", *fresh, "--recompute", "60"]) == 0
    out = capsys.readouterr().out
    assert "values differ at the rounding level): ok" in out and "(0 values" not in out
    # ... and a change of the task's results fails the check
    t.write_text(src.replace("np.exp(1.0 * noise * rng", "np.exp(1.01 * noise * rng"))
    os.utime(t, ns=(t.stat().st_mtime_ns + 2 * 10**9,) * 2)
    assert main(["check", "good", *fresh, "--recompute", "60"]) == 1
    assert "PROBLEM  good: recomputed value of good[" in capsys.readouterr().out
    # a committed table edited by hand no longer matches its checksum
    csv = tmp_path / "rep" / "good" / "results.csv"
    text = csv.read_text()
    csv.write_text(text.replace(",value,", ",value, ", 1))
    assert main(["check", "good", *fresh]) == 1
    assert "does not match its checksum" in capsys.readouterr().out
    csv.write_text(text)
    assert main(["check", "good", *fresh]) == 0
    # a full report is written only from a clean tree: exit 2, nothing written
    monkeypatch.setattr(runner, "_VERSION", "0.1.0+gabc1234.dirty")
    before = {p: p.stat().st_mtime_ns for p in (tmp_path / "rep").rglob("*")}
    assert main(["report", "good", *a]) == 2
    assert "clean commit" in capsys.readouterr().err
    assert before == {p: p.stat().st_mtime_ns for p in (tmp_path / "rep").rglob("*")}
    monkeypatch.setattr(runner, "_VERSION", "0.1.0+gabc1234")
    (tmp_path / "rep" / "good" / "value.png").unlink()  # re-rendered from the committed table
    assert (
        main(
            [
                "report",
                "good",
                "--studies",
                str(d),
                "--out",
                str(tmp_path / "none"),
                "--reports",
                str(tmp_path / "rep"),
            ]
        )
        == 0
    )
    assert (tmp_path / "rep" / "good" / "value.png").exists()
    assert "committed table" in (tmp_path / "rep" / "good" / "README.md").read_text()
    assert main(["list", "--studies", str(d)]) == 0
    assert "claim: value ~ N^p" in capsys.readouterr().out


def test_failed_cells_exit_1_and_are_listed(tmp_path, capsys):
    d = tmp_path / "studies"
    (d / "fam").mkdir(parents=True)
    (d / "fam" / "flaky.py").write_text(
        textwrap.dedent("""
        from ratesim.study import Study, task

        @task(metrics=("m",))
        def flaky_task(*, N, rng):
            if N == 20:
                raise ValueError("cannot do N=20")
            return {"m": 1.0 / N}

        STUDY = Study(name="flaky", task=flaky_task, grid={"N": [10, 20, 40]}, seeds=2)
        """)
    )
    assert main(["run", "flaky", *_args(tmp_path, d)]) == 1
    out = capsys.readouterr().out
    assert "2 failed cell(s)" in out and "ValueError: cannot do N=20" in out
    assert "flaky[N=20,rep=0]" in out


BAD_FILES = {
    "syntax": ("x = (", "syntax error"),
    "unknown_task": (GOOD.replace("task=synthetic_power", "task=synthetic_powr"), "synthetic_powr"),
    "typo_key": (
        GOOD.replace('"noise": 0.05', '"nosie": 0.05'),
        "grid['nosie']: task fam.tasks.synthetic_power has no parameter 'nosie' "
        "(did you mean 'noise'",
    ),
    "small_n": (GOOD.replace("[16, 64, 256, 1024]", "[1, 64]"), "grid['N']"),
    "k_ge_d": (GOOD.replace('"noise": 0.05', '"noise": 0.05, "k": 3, "d": [4, 3]'), "k = 3 >= d"),
    "bad_expr": (
        GOOD.replace('"noise": 0.05', '"noise": 0.05, "C": Expr("N^(-1/(k+4)")').replace(
            "import Claim, Study", "import Claim, Expr, Study"
        ),
        "grid['C']",
    ),
    "bad_metric": (GOOD.replace('metric="value"', 'metric="valeu"'), "did you mean 'value'"),
    "bad_manifold": (
        GOOD.replace('"noise": 0.05', '"noise": 0.05, "manifold": "sphree"'),
        "unknown manifold 'sphree'",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_input_exit_2_and_nothing_written(tmp_path, capsys, case):
    body, match = BAD_FILES[case]
    d = _studies(tmp_path, good="-0.5")
    (d / "fam" / f"{case}.py").write_text(body.replace("NAME", case).replace("PRED", "-0.5"))
    a = _args(tmp_path, d)
    assert main(["run", "all", *a]) == 2  # the good study must not run either
    err = capsys.readouterr().err
    assert match in err and f"{case}.py" in err
    assert not (tmp_path / "res" / "ratesim.sqlite").exists()
    for cmd in ("fit", "check", "report"):
        assert main([cmd, case, *a]) == 2


def test_unknown_study_and_bad_options(tmp_path, capsys):
    d = _studies(tmp_path, good="-0.5")
    assert main(["run", "goood", *_args(tmp_path, d)]) == 2
    assert "did you mean 'good'" in capsys.readouterr().err
    for argv in (["run", "good", "--jobs", "0"], ["run", "good", "--backend", "spark"]):
        with pytest.raises(SystemExit) as e:
            main([*argv, *_args(tmp_path, d)])
        assert e.value.code == 2
    assert main(["run", "good", "--scheduler", "tcp://127.0.0.1:1", *_args(tmp_path, d)]) == 2
    assert not (tmp_path / "res" / "ratesim.sqlite").exists()


def test_help_lists_commands(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for cmd in ("list", "run", "fit", "check", "report", "export", "demo", "bench"):
        assert cmd in out
    assert Path(REPO_ROOT / "studies").is_dir()


def test_check_passes_a_study_without_claims_or_results_and_fails_one_with_claims(tmp_path, capsys):
    d = _studies(tmp_path, claimed="-0.5")
    pilot = (d / "fam" / "claimed.py").read_text().replace('"claimed"', '"pilot"')
    (d / "fam" / "pilot.py").write_text(
        pilot.replace('claims=[Claim(tolerance=0.1, metric="value", predict=-0.5)]', "claims=[]")
    )
    assert main(["check", "pilot", *_args(tmp_path, d)]) == 0
    assert "NO CLAIMS           pilot: nothing to judge" in capsys.readouterr().out
    assert main(["check", "claimed", *_args(tmp_path, d)]) == 1
    assert "MISSING             claimed: no results" in capsys.readouterr().out


SUMMARY = """
def summarize(ctxs, outdir):
    (outdir / "seen.txt").write_text(" ".join(c.study.name for c in ctxs))
    rows = [f"{c.study.name}: {r.verdict}" for c in ctxs for r in c.results]
    return "\\n".join(["## Verdicts", *rows])
"""


def test_a_family_name_selects_its_studies_and_its_summary_is_written(tmp_path, capsys):
    """`ratesim run fam` runs every study of the family folder ``fam``; `ratesim report fam` writes
    each report and the family's ``summary.py`` output to reports/fam/SUMMARY.md, from the
    contexts of every study that has results, with the verdicts of their reports; a study named
    like its family is selected alone by that name (the summary still gets every study of the
    family); a summary.py without ``summarize`` is a clear error (exit 2)."""
    d = _studies(tmp_path, a="-0.5", b="-0.25")
    (d / "fam" / "summary.py").write_text(SUMMARY)
    a = ["--studies", str(d), "--out", str(tmp_path / "res")]
    assert main(["run", "fam", "--quick", *a]) == 0
    assert "a (quick)" in (out := capsys.readouterr().out) and "b (quick)" in out
    assert main(["report", "fam", "--quick", *a]) == 0
    rep = tmp_path / "res" / "reports"
    assert (rep / "a" / "README.md").is_file() and (rep / "b" / "README.md").is_file()
    text = (rep / "fam" / "SUMMARY.md").read_text()
    assert (rep / "fam" / "seen.txt").read_text() == "a b"
    verdicts = dict(ln.split(": ") for ln in text.splitlines() if ln[:3] in ("a: ", "b: "))
    assert sorted(verdicts) == ["a", "b"]
    for name, verdict in verdicts.items():  # the verdict its own report shows
        assert f"1 {verdict}" in (rep / name / "README.md").read_text()
    assert "[a](../a/README.md)" in text and "ratesim report fam --quick" in text
    assert "[fam](fam/SUMMARY.md)" in (rep / "README.md").read_text()  # linked from the index
    (d / "fam" / "fam.py").write_text(GOOD.replace("NAME", "fam").replace("PRED", "-0.5"))
    capsys.readouterr()
    assert main(["run", "fam", "--quick", *a]) == 0
    out = capsys.readouterr().out
    assert "fam (quick)" in out and "a (quick)" not in out
    assert main(["report", "a", "--quick", *a]) == 0  # the summary still sees the whole family
    assert (rep / "fam" / "seen.txt").read_text() == "a b fam"
    (d / "fam" / "summary.py").write_text("x = 1\n")
    assert main(["report", "a", "--quick", *a]) == 2
    assert "summarize" in capsys.readouterr().err
