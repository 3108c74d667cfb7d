"""docs/tutorial.md, executed as written: its files are written into a fresh folder outside the
repository and its shell commands run there, in order."""

import re
import shlex
import subprocess
import sys

from repo_paths import ROOT


def _steps(text: str):
    """("file", path, body) for each ```python block announced by "File `path`:", and ("run",
    command) for each line of each ```bash block, in document order."""
    pat = re.compile(r"(?:File `([^`]+)`:\s*\n\s*)?```(python|bash)\n(.*?)\n```", re.S)
    for m in pat.finditer(text):
        path, lang, body = m.groups()
        if lang == "python":
            assert path, f"a python block of the tutorial names no file: {body[:60]!r}"
            yield ("file", path, body + "\n")
        else:
            for line in body.splitlines():
                if line.strip():
                    yield ("run", line.strip())


def test_tutorial_runs_as_written(tmp_path):
    steps = list(_steps((ROOT / "docs" / "tutorial.md").read_text()))
    assert sum(s[0] == "file" for s in steps) == 3 and sum(s[0] == "run" for s in steps) >= 5
    outputs = {}
    for step in steps:
        if step[0] == "file":
            (tmp_path / step[1]).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / step[1]).write_text(step[2])
            continue
        argv = shlex.split(step[1])
        if argv[0] == "ratesim":  # this interpreter's ratesim, whatever PATH says
            argv = [sys.executable, "-m", "ratesim", *argv[1:]]
        proc = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, (step[1], proc.stdout, proc.stderr)
        outputs[argv[3] if len(argv) > 3 else argv[0]] = proc.stdout
    # what the tutorial says the commands show
    assert "claim: score_error ~ N^p" in outputs["list"]
    assert "consistent" in outputs["fit"] and "contradicted" in outputs["fit"]
    assert outputs["check"].startswith("CONSISTENT")
    report = tmp_path / "results" / "reports" / "mixture_score_rate"
    assert (report / "README.md").is_file() and (report / "score_error.png").is_file()
    assert not (ROOT / "reports" / "mixture_score_rate").exists()
