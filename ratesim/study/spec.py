"""Declarative studies: ``studies/NAME.py`` declares ``STUDY = Study(...)``.

Format (one small Python module per study, the same everywhere; STYLE.md section 6)::

    from ratesim.study import Claim, Expr, Study

    STUDY = Study(
        name="empirical_measure_interval",            # = the file name
        task="empirical_w_interval",                  # a registered task (ratesim.study.tasks)
        grid={
            "manifold": "interval",                   # a scalar: fixed parameter
            "k": 1,
            "N": [2**j for j in range(4, 15)],        # a list: an axis of the grid
            "h": Expr("N^(-1/(k+4))"),                # an expression of other parameters
            "sigma, steps": [(0.1, 100), (0.01, 1000)],  # coupled axes: one list of tuples
        },
        seeds=20,                                     # repetitions (seeds) per grid point
        quick={"N": [16, 64, 256, 1024]},             # overrides for --quick
        quick_seeds=10,
        seed=0,                                       # the study seed
        claims=[Claim(metric="w1", predict={"1/2": -0.5}, group_by=("k",))],
    )

Only ``Expr`` values are evaluated (by the safe interpreter of :mod:`ratesim.study.expr`), in the
order of the grid, so an expression may use every plain parameter and the expressions before it.
A study file may also register its own task with ``@task`` (see :mod:`ratesim.study.tasks`).

Validation happens before anything runs: a malformed file, an unknown task, manifold, density,
estimator, sampler or metric name (with a did-you-mean), an impossible grid (N < 2, k >= d, seeds
< 1) or an unparsable expression raises :class:`StudyError`, whose message starts with the file and
the key; the CLI turns it into exit code 2.
"""

from __future__ import annotations

import math
import numbers
import sys
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .expr import Expr, ExprError

__all__ = ["Study", "Claim", "StudyError", "load_study", "study_files", "FORMS", "VERDICT_RULES"]

FORMS = ("power", "N/logN", "two_term")
VERDICT_RULES = ("any", "all")


class StudyError(ValueError):
    """A study that cannot run: the message names the file and the key at fault."""

    def __init__(self, message: str, path: str | Path | None = None, key: str | None = None):
        where = ""
        if path is not None:
            where += f"{path}: "
        if key is not None:
            where += f"{key}: "
        super().__init__(where + message)
        self.path = path
        self.key = key


@dataclass(frozen=True)
class Claim:
    """A rate claim: ``metric ~ N^p`` per group, with one or several competing predictions p.

    Parameters
    ----------
    metric : str
        The metric (a key returned by the task).
    predict : float, str, Expr or mapping label -> (float | str | Expr)
        Predicted exponent(s) of N (negative for a decaying metric). Strings are expressions of
        the group's parameters, e.g. ``{"beta/(4k)": "-beta/(4*k)", "(beta-1)/(4k)":
        "-(beta-1)/(4*k)"}`` (Shen, Hsieh, He 2026, the two published versions).
    group_by : tuple of str
        Parameters that split the data into separately fitted groups (facets of the plots).
    where : mapping
        Keep only cells whose parameters equal these values (a value may be a list of allowed
        values).
    on : str
        The sample-size parameter (default ``"N"``).
    form : {"power", "N/logN", "two_term"}
        The fitted form (SCIENCE.md trap 3): log metric vs log N; vs log(N / log N) (the k = 2
        factor: sqrt(log N / N) = (N / log N)^(-1/2)); or a N^p + c N^(-subleading).
    subleading : float
        The subleading exponent of the ``two_term`` form (default 1/2, the parametric rate).
    method : {"wls", "cluster"}
        Estimator of :func:`ratesim.rates.fit_rate` (WLS on seed means is the default).
    level : float
        Confidence level of the slope CI.
    tolerance : float
        Pre-asymptotic tolerance on the exponent (slope units), stated in the study.
    max_halfwidth : float
        CI half-width above which an interval containing the prediction is "inconclusive".
    bound : bool
        The predictions are upper bounds on the exponent (the metric decays at least as fast as
        N^p, as in rates stated with O~(.), e.g. P1's coverage bounds): see
        :func:`ratesim.rates.verdict`. Default False (the exponent itself is predicted).
    rule : {"any", "all"}
        With several predictions: "any" (competing hypotheses, the default) contradicts the claim
        only if every prediction is contradicted; "all" contradicts it if any one is.
    name : str
        A label for tables (default: the metric).
    """

    metric: str
    predict: Any
    group_by: tuple[str, ...] = ()
    where: Mapping[str, Any] = field(default_factory=dict)
    on: str = "N"
    form: str = "power"
    subleading: float = 0.5
    method: str = "wls"
    level: float = 0.95
    tolerance: float = 0.0
    max_halfwidth: float = 0.1
    bound: bool = False
    rule: str = "any"
    name: str = ""

    @property
    def label(self) -> str:
        return self.name or self.metric

    def predictions(self) -> dict[str, float | Expr]:
        """The predictions as ``{label: float or Expr}`` (validated by :meth:`Study.validate`)."""
        p = self.predict
        if not isinstance(p, Mapping):
            p = {_pred_label(p): p}
        out = {}
        for lab, v in p.items():
            out[str(lab)] = Expr(v) if isinstance(v, str) else v
        return out


def _pred_label(v) -> str:
    if isinstance(v, Expr):
        return v.text
    return str(v)


@dataclass
class Study:
    """A declarative study (see the module docstring for the format).

    Parameters
    ----------
    name : str
        Must equal the file name (``studies/NAME.py``).
    task : str
        Name of a registered task (:func:`ratesim.study.tasks.task`).
    grid : mapping
        Parameter name (or ``"a, b"`` for coupled axes) -> list of values (an axis), a scalar or
        an :class:`Expr` (fixed or derived parameter).
    seeds : int
        Repetitions per grid point (SCIENCE.md trap 3: >= 10 for rates).
    seed : int
        The study seed; cell seeds are ``SeedSequence(seed, hash(cell id))``.
    quick : mapping
        Grid entries replaced in ``--quick`` mode (keys must exist in ``grid``).
    quick_seeds : int, optional
        Repetitions in quick mode (default: ``seeds``).
    claims : sequence of Claim
    description : str
        One line for ``ratesim list`` and the report (default: the file's docstring).
    figures : sequence of callables
        Study-specific figures and tables beyond the rate plots: each is called by the report as
        ``figure(df, outdir)`` with the tidy table and the report directory, writes its files into
        ``outdir`` and returns a markdown section (text, tables, ``![..](file.png)`` links) that
        the report's README embeds under "Figures". Computed from the tidy table only.
    """

    name: str
    task: str
    grid: Mapping[str, Any]
    seeds: int = 10
    seed: int = 0
    quick: Mapping[str, Any] = field(default_factory=dict)
    quick_seeds: int | None = None
    claims: Sequence[Claim] = ()
    description: str = ""
    figures: Sequence[Any] = ()
    source: Path | None = field(default=None, compare=False)

    # -- derived ---------------------------------------------------------------------------
    def grid_for(self, quick: bool) -> dict[str, Any]:
        """The grid of the mode (full, or full with the ``quick`` overrides)."""
        g = dict(self.grid)
        if quick:
            g.update(self.quick)
        return g

    def n_seeds(self, quick: bool) -> int:
        return int(self.quick_seeds) if (quick and self.quick_seeds is not None) else self.seeds

    def _err(self, key: str | None, msg: str) -> StudyError:
        return StudyError(msg, path=self.source or f"<study {self.name!r}>", key=key)

    # -- validation -----------------------------------------------------------------------
    def validate(self) -> None:
        """Check everything that can be checked before running; raise :class:`StudyError`."""
        from .grid import expand
        from .tasks import NAMED_KINDS, did_you_mean, get_task, registry_names

        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise self._err("name", f"name must be an identifier string (got {self.name!r})")
        if self.source is not None and Path(self.source).stem != self.name:
            raise self._err(
                "name", f"name {self.name!r} must equal the file name {Path(self.source).stem!r}"
            )
        if not isinstance(self.task, str):
            raise self._err("task", f"task must be a task name string (got {self.task!r})")
        for i, fig in enumerate(self.figures):
            if not callable(fig):
                raise self._err(
                    f"figures[{i}]", f"figures must be callables figure(df, outdir) (got {fig!r})"
                )
        try:
            tsk = get_task(self.task)
        except ValueError as e:
            raise self._err("task", str(e)) from None
        for key, val, low in (("seeds", self.seeds, 1), ("seed", self.seed, 0)):
            if isinstance(val, bool) or not isinstance(val, numbers.Integral) or val < low:
                raise self._err(key, f"{key} must be an integer >= {low} (got {val!r})")
        if self.quick_seeds is not None and (
            isinstance(self.quick_seeds, bool)
            or not isinstance(self.quick_seeds, numbers.Integral)
            or self.quick_seeds < 1
        ):
            raise self._err(
                "quick_seeds", f"quick_seeds must be an integer >= 1 (got {self.quick_seeds!r})"
            )
        if not isinstance(self.grid, Mapping) or not self.grid:
            raise self._err("grid", f"grid must be a non-empty dict (got {self.grid!r})")
        if not isinstance(self.quick, Mapping):
            raise self._err("quick", f"quick must be a dict of grid overrides (got {self.quick!r})")
        for k in self.quick:
            if k not in self.grid:
                raise self._err(
                    f"quick[{k!r}]",
                    f"quick overrides unknown grid key {k!r}" + did_you_mean(k, self.grid),
                )
        cells = {}
        for quick in (False, True):
            try:
                cells[quick] = expand(self, quick=quick)
            except StudyError:
                raise
            except (ValueError, ExprError) as e:
                raise self._err("grid", str(e)) from None
        params_all = [c.params for q in (False, True) for c in cells[q]]
        # names of manifolds, densities, estimators, samplers
        for kind in NAMED_KINDS:
            if not any(kind in p for p in params_all):
                continue  # do not import a science module the study does not use
            allowed = registry_names(kind, tsk)
            if allowed is None:
                continue
            for p in params_all:
                if kind in p and p[kind] not in allowed:
                    raise self._err(
                        f"grid[{kind!r}]",
                        f"unknown {kind} {p[kind]!r} for task {self.task!r}"
                        + did_you_mean(p[kind], allowed),
                    )
        # claims
        if not isinstance(self.claims, Sequence) or isinstance(self.claims, str):
            raise self._err("claims", f"claims must be a list of Claim (got {self.claims!r})")
        keys = set(params_all[0]) if params_all else set()
        for i, c in enumerate(self.claims):
            self._validate_claim(i, c, tsk, keys, cells)

    def _validate_claim(self, i, c, tsk, keys, cells) -> None:
        from ..rates import METHODS
        from .tasks import did_you_mean, registry_names

        key = f"claims[{i}]"
        if not isinstance(c, Claim):
            raise self._err(key, f"must be a Claim(...) (got {c!r})")
        metrics = tsk.metrics or registry_names("metric")
        if metrics is not None and c.metric not in metrics:
            raise self._err(
                f"{key}.metric",
                f"unknown metric {c.metric!r} for task {self.task!r}"
                + did_you_mean(c.metric, metrics),
            )
        if c.on not in keys:
            raise self._err(
                f"{key}.on", f"{c.on!r} is not a grid parameter" + did_you_mean(c.on, keys)
            )
        for g in (*c.group_by, *c.where):
            if g not in keys:
                raise self._err(key, f"{g!r} is not a grid parameter" + did_you_mean(g, keys))
        if c.form not in FORMS:
            raise self._err(f"{key}.form", f"form must be one of {FORMS} (got {c.form!r})")
        if c.method not in METHODS:
            raise self._err(f"{key}.method", f"method must be one of {METHODS} (got {c.method!r})")
        if c.rule not in VERDICT_RULES:
            raise self._err(f"{key}.rule", f"rule must be one of {VERDICT_RULES} (got {c.rule!r})")
        if not isinstance(c.bound, bool):
            raise self._err(f"{key}.bound", f"bound must be True or False (got {c.bound!r})")
        if not (0 < c.level < 1):
            raise self._err(f"{key}.level", f"level must be in (0, 1) (got {c.level!r})")
        for attr in ("tolerance", "max_halfwidth", "subleading"):
            v = getattr(c, attr)
            if not isinstance(v, int | float) or not math.isfinite(v) or v < 0:
                raise self._err(f"{key}.{attr}", f"{attr} must be a finite number >= 0 (got {v!r})")
        try:
            preds = c.predictions()
        except ExprError as e:
            raise self._err(f"{key}.predict", str(e)) from None
        if not preds:
            raise self._err(f"{key}.predict", "at least one prediction is needed")
        for lab, p in preds.items():
            if isinstance(p, Expr):
                for q in (False, True):
                    for cell in cells[q]:
                        try:
                            p(**{k: v for k, v in cell.params.items() if k in c.group_by})
                        except ExprError as e:
                            raise self._err(
                                f"{key}.predict[{lab!r}]",
                                f"{e} (a prediction may use only the group_by parameters "
                                f"{c.group_by})",
                            ) from None
            elif isinstance(p, bool) or not isinstance(p, int | float) or not math.isfinite(p):
                raise self._err(
                    f"{key}.predict[{lab!r}]", f"must be a number or an expression (got {p!r})"
                )


def study_files(directory: str | Path) -> list[Path]:
    """The study files of a directory (``*.py`` not starting with ``_``), sorted by name."""
    return sorted(p for p in Path(directory).glob("*.py") if not p.name.startswith("_"))


_LOADED: dict[str, Study] = {}


def load_study(path: str | Path, *, validate: bool = True) -> Study:
    """Execute a study file and return its validated ``STUDY``.

    The file is executed as a module named ``ratesim_studies.<stem>`` (so that tasks it registers
    are importable by name in this process). Errors become :class:`StudyError` naming the file.
    """
    path = Path(path)
    if not path.is_file():
        raise StudyError("no such study file", path=path)
    try:
        source = path.read_text()
        code = compile(source, str(path), "exec")
    except SyntaxError as e:
        raise StudyError(f"syntax error at line {e.lineno}: {e.msg}", path=path) from None
    modname = f"ratesim_studies.{path.stem}"
    module = types.ModuleType(modname)
    module.__file__ = str(path)
    sys.modules[modname] = module
    try:
        exec(code, module.__dict__)
    except StudyError as e:
        raise StudyError(str(e), path=path) from None
    except Exception as e:
        sys.modules.pop(modname, None)
        raise StudyError(f"executing the file raised {type(e).__name__}: {e}", path=path) from None
    study = module.__dict__.get("STUDY")
    if study is None:
        raise StudyError("the file must define STUDY = Study(...)", path=path, key="STUDY")
    if not isinstance(study, Study):
        raise StudyError(
            f"STUDY must be a Study (got {type(study).__name__})", path=path, key="STUDY"
        )
    study.source = path
    if not study.description:
        doc = (module.__doc__ or "").strip()
        study.description = doc.splitlines()[0] if doc else ""
    if validate:
        study.validate()
    return study
