"""Study specification, grid expansion, seeding, runner, results store and claims."""

from __future__ import annotations

import ast
from pathlib import Path


def discover_studies(directory) -> list[tuple[str, str]]:
    """(name, first docstring line) of every ``studies/*.py`` file, without importing them."""
    out = []
    for path in sorted(Path(directory).glob("*.py")):
        if path.name.startswith("_"):
            continue
        doc = ast.get_docstring(ast.parse(path.read_text())) or ""
        out.append((path.stem, doc.strip().splitlines()[0] if doc.strip() else ""))
    return out
