"""Shared fixtures: the repository root and a writer of study families in a temporary folder."""

import textwrap
from pathlib import Path

import pytest
from repo_paths import ROOT


@pytest.fixture
def root() -> Path:
    """The repository root."""
    return ROOT


@pytest.fixture
def write_study(tmp_path):
    """``write_study(name, body, family="fam", files=None) -> Path``: write the study file
    ``tmp_path/studies/<family>/<name>.py`` (and other ``files`` of the family: {name: text})."""

    def write(name: str, body: str, family: str = "fam", files: dict | None = None) -> Path:
        fam = tmp_path / "studies" / family
        fam.mkdir(parents=True, exist_ok=True)
        for fname, text in (files or {}).items():
            (fam / fname).write_text(textwrap.dedent(text))
        p = fam / f"{name}.py"
        p.write_text(textwrap.dedent(body))
        return p

    return write


CLEAN = "0.1.0+gabc1234"  # a clean commit's code version


@pytest.fixture
def clean_code(monkeypatch):
    """The code version is a clean commit's (the working tree of a test run may be dirty), so
    full reports can be written; returns that version."""
    from ratesim.study import runner

    monkeypatch.setattr(runner, "code_version", lambda: CLEAN)
    return CLEAN


@pytest.fixture
def run_full(tmp_path, write_study, clean_code):
    """``run_full(name, body) -> (study, tidy table, tmp_path)``: write the study file, run its
    full grid into ``tmp_path/results`` under a clean code version, and return its tidy table."""
    from ratesim.study import ResultsStore, load_study, run_study

    def run(name: str, body: str):
        st = load_study(write_study(name, body))
        with ResultsStore(tmp_path / "results" / "ratesim.sqlite") as store:
            assert run_study(st, store, progress=False).ok
            df = store.tidy(name, "full")
        return st, df.assign(version=clean_code), tmp_path

    return run
