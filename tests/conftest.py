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
