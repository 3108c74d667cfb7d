"""Studies: specification, grid expansion, seeding, runner, results store and claims.

A study is a file ``<family>/NAME.py`` in a studies directory declaring ``STUDY = Study(...)``
(:mod:`.spec`); its task is a function declared with :func:`task` (:mod:`.tasks`), whose keyword
parameters are the study's inputs; the grid expands into cells with stable ids and seeds
(:mod:`.grid`); each cell runs under joblib or Dask (:mod:`.runner`) into a transactional SQLite
store (:mod:`.store`); claims are judged from the stored tables (:mod:`.claims`,
:mod:`ratesim.rates`).
"""

from __future__ import annotations

from .claims import ClaimResult, evaluate_claims, load_results
from .expr import Expr, ExprError
from .grid import Cell, expand
from .runner import RunSummary, run_studies, run_study
from .spec import Claim, Study, StudyError, discover_studies, load_study, study_files
from .store import ResultsStore, StoreError, read_tidy
from .tasks import build, describe, fingerprint, task

__all__ = [
    "Study",
    "Claim",
    "Expr",
    "ExprError",
    "StudyError",
    "StoreError",
    "load_study",
    "study_files",
    "discover_studies",
    "Cell",
    "expand",
    "task",
    "describe",
    "fingerprint",
    "build",
    "ResultsStore",
    "read_tidy",
    "run_study",
    "run_studies",
    "RunSummary",
    "ClaimResult",
    "evaluate_claims",
    "load_results",
]
