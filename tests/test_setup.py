"""The set-up promised by the README is what CI runs, and the CLI basics work."""

import re
import subprocess
import sys

from repo_paths import ROOT

import ratesim
from ratesim.cli import main


def _readme_commands():
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```bash\n(.+?)\n```", text)


def test_readme_has_exactly_two_setup_commands_and_ci_runs_both():
    cmds = _readme_commands()
    assert len(cmds) == 2, cmds
    main_cmd, test_cmd = cmds
    assert main_cmd.startswith('pip install -e ".[studies]"') and "ratesim run all" in main_cmd
    assert "pytest" in test_cmd
    ci_lines = [ln.strip() for ln in (ROOT / ".ci/run").read_text().splitlines()]
    # the test suite first, then the main command end to end
    assert ci_lines.index(test_cmd.strip()) < ci_lines.index(main_cmd.strip())


def test_version_and_help(capsys):
    try:
        main(["--version"])
    except SystemExit as e:
        assert e.code == 0
    assert ratesim.__version__ in capsys.readouterr().out
    out = subprocess.run(
        [sys.executable, "-m", "ratesim", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for cmd in ("list", "bench"):
        assert cmd in out


def test_list_runs(capsys):
    assert main(["list"]) == 0


def test_list_states_each_full_run_cost_from_its_committed_table(tmp_path, capsys):
    # two cells (one with two metric rows, counted once): 30 + 90 = 120 cell-seconds, 60 s on 2
    # cores; a study without a table says so
    (tmp_path / "p1_alt_target").mkdir()
    (tmp_path / "p1_alt_target" / "results.csv").write_text(
        "cell,metric,seconds,version\na,x,30.0,0.1.0+gabc\na,y,30.0,0.1.0+gabc\n"
        "b,x,90.0,0.1.0+gabc\n"
    )
    assert main(["list", "--reports", str(tmp_path)]) == 0
    lines = [ln.strip() for ln in capsys.readouterr().out.splitlines() if "full run" in ln]
    assert (
        "full run (committed table): 2 cells, 120 cell-seconds (as measured in that run, machine "
        "load included), about 60 s with --jobs 2 on 2 cores; code 0.1.0+gabc"
    ) in lines
    assert "full run: no committed table" in lines


def test_bench_unknown_name_is_exit_2(capsys):
    assert main(["bench", "no_such_benchmark"]) == 2
    assert "unknown benchmark" in capsys.readouterr().err


def test_readme_tour_runs():
    """The README's Python tour is executed as written, so it stays true."""
    blocks = re.findall(r"```python\n(.+?)\n```", (ROOT / "README.md").read_text(), flags=re.S)
    assert blocks
    for code in blocks:
        exec(compile(code, "README.md", "exec"), {})
