"""Study specification, grid expansion, seeding, runner, results store and claims.

A study is one file ``studies/NAME.py`` declaring ``STUDY = Study(...)`` (:mod:`.spec`); its grid
expands into cells with stable ids and seeds (:mod:`.grid`); each cell runs a registered task
(:mod:`.tasks`) under joblib or Dask (:mod:`.runner`) into a transactional SQLite store
(:mod:`.store`); claims are judged from the stored tables (:mod:`.claims`, :mod:`ratesim.rates`).
"""

from __future__ import annotations

import ast

from .claims import ClaimResult, evaluate_claims, load_results
from .expr import Expr, ExprError
from .grid import Cell, cell_id, cell_seed, expand
from .runner import RunSummary, code_version, run_study
from .spec import Claim, Study, StudyError, load_study, study_files
from .store import CellResult, ResultsStore, export_tidy, read_tidy
from .tasks import TASKS, Task, get_task, task

__all__ = [
    "Study",
    "Claim",
    "Expr",
    "ExprError",
    "StudyError",
    "load_study",
    "study_files",
    "discover_studies",
    "Cell",
    "expand",
    "cell_id",
    "cell_seed",
    "task",
    "Task",
    "TASKS",
    "get_task",
    "ResultsStore",
    "CellResult",
    "export_tidy",
    "read_tidy",
    "run_study",
    "RunSummary",
    "code_version",
    "ClaimResult",
    "evaluate_claims",
    "load_results",
]


def discover_studies(directory) -> list[tuple[str, str]]:
    """(name, first docstring line) of every ``studies/*.py`` file, without importing them."""
    out = []
    for path in study_files(directory):
        try:
            doc = ast.get_docstring(ast.parse(path.read_text())) or ""
        except SyntaxError as e:
            doc = f"(syntax error at line {e.lineno}: {e.msg})"
        out.append((path.stem, doc.strip().splitlines()[0] if doc.strip() else ""))
    return out
