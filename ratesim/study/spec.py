"""Declarative studies: a study folder holds files that declare ``STUDY = Study(...)``.

A *studies directory* (``studies/`` in the repository, or any folder given with ``--studies``) holds
one folder per study family. A family folder holds its study files, the tasks they run, their
figures, their tests and a README with the pre-registered design::

    studies/
      empirical_measure/
        README.md                     design, predictions, registration date and commit
        tasks.py                      @task functions
        empirical_measure_interval.py STUDY = Study(task=tasks.empirical_w_interval, ...)
        test_empirical_measure.py     the family's tests

A study file is a small Python module (the same format everywhere)::

    from ratesim.study import Claim, Expr, Study

    from .tasks import empirical_w_interval

    STUDY = Study(
        name="empirical_measure_interval",            # = the file name
        task=empirical_w_interval,                    # the task itself (ratesim.study.tasks)
        grid={
            "k": 1,                                   # a scalar: fixed parameter
            "N": [2**j for j in range(4, 15)],        # a list: an axis of the grid
            "h": Expr("N^(-1/(k+4))"),                # an expression of other parameters
            "sigma, steps": [(0.1, 100), (0.01, 1000)],  # coupled axes: one list of tuples
        },
        seeds=20,                                     # repetitions (seeds) per grid point
        quick={"N": [16, 64, 256, 1024]},             # overrides for --quick
        quick_seeds=10,
        seed=0,                                       # the study seed
        registered=("2026-11-23", "6153192"),         # when the design and claims were fixed
        claims=[Claim(metric="w1", predict={"1/2": -0.5}, group_by=("k",))],
    )

Study files are imported as ``ratesim_studies.<family>.<file>``, so a family's modules import one
another relatively (``from .tasks import coverage``), in the parent process and in every worker.
Only ``Expr`` values are evaluated (by the safe interpreter of :mod:`ratesim.study.expr`), in the
order of the grid, so an expression may use every plain parameter and the expressions before it.

Validation happens before anything runs: a malformed file, a grid key the task does not take (with
a did-you-mean), a missing task input, an unknown manifold, density, estimator, sampler or metric
name, an impossible grid (N < 2, k >= d, seeds < 1) or an unparsable expression raises
:class:`StudyError`, whose message starts with the file and the key; the CLI turns it into exit
code 2.
"""

from __future__ import annotations

import ast
import datetime as _dt
import importlib
import math
import numbers
import os
import re
import sys
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .expr import Expr, ExprError

__all__ = [
    "Study",
    "Claim",
    "StudyError",
    "load_study",
    "study_files",
    "discover_studies",
    "add_studies_dir",
    "FORMS",
    "VERDICT_RULES",
    "ROLES",
    "group_label",
]

FORMS = ("power", "N/logN", "two_term", "level")
VERDICT_RULES = ("any", "all")
ROLES = ("paper", "anchor", "control")


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
    """A rate claim: ``metric ~ N^p`` per group, with one or several competing predictions p; or,
    with ``form="level"``, a level claim: the metric's seed statistic equals (or, as a bound, stays
    below) p at every level of N.

    Parameters
    ----------
    metric : str
        The metric (a key returned by the task).
    predict : float, str, Expr or mapping label -> (float | str | Expr)
        Predicted exponent(s) of N (negative for a decaying metric). Strings are expressions of
        the group's parameters, e.g. ``{"beta/(4k)": "-beta/(4*k)", "(beta-1)/(4k)":
        "-(beta-1)/(4*k)"}`` (Shen, Hsieh, He 2026, the two published versions). For
        ``form="level"``: predicted values of the metric itself (e.g. ``log(2)`` for a
        comparability constant c = 2).
    group_by : tuple of str
        Parameters that split the data into separately fitted groups (facets of the plots).
    where : mapping
        Keep only cells whose parameters equal these values (a value may be a list of allowed
        values).
    on : str
        The sample-size parameter (default ``"N"``).
    form : {"power", "N/logN", "two_term", "level"}
        The fitted form (see docs/measurement.md): log metric vs log N; vs log(N / log N) (the k = 2
        factor: sqrt(log N / N) = (N / log N)^(-1/2)); or a N^p + c N^(-subleading). ``"level"``
        fits nothing: every level is judged on its own simultaneous t interval (Bonferroni over
        the levels; :func:`ratesim.rates.level_intervals`), and the claim holds when it holds at
        every level (:mod:`ratesim.study.claims`); ``tolerance`` is then in metric units.
    subleading : float
        The subleading exponent of the ``two_term`` form (default 1/2, the parametric rate); > 0
        when the correction vanishes as the axis grows, < 0 when it vanishes as the axis shrinks
        (``on="sigma"``: ``c sigma^|subleading|``).
    statistic : {"mean", "geomean"}
        What is fitted at each level: the log of the seed mean (E[metric], the default) or the
        seed mean of the log (the typical seed; the claim's ``why`` must say why).
    level : float
        Confidence level of the slope CI (a seed bootstrap for ``"mean"``).
    tolerance : float
        The equivalence margin (slope units, > 0): the prediction is *consistent* only when the
        whole CI lies inside ``[p - tolerance, p + tolerance]`` and *contradicted* when it misses
        it (:func:`ratesim.rates.judge`). For a bound, the margin above the bound (>= 0).
    bound : bool
        The predictions are upper bounds on the exponent (the metric decays at least as fast as
        N^p, as in rates stated with O~(.)): the band is ``(-inf, p + tolerance]``. A bound claim
        names its ``control``.
    control : mapping
        For a bound claim: ``where``-style values that select a configuration of the same study
        that must violate the bound (a negative control; every key must also be in ``where``,
        which selects the claim's own cells). When the control's CI does not lie above the bound
        the claim's verdict is *not discriminating*. Each group is judged against the control
        groups of its own setting: the one with its label, else those that agree with it on every
        grouping key where some control group does (another competitor's control at the same
        beta); all of them when none does.
    floor : str or float, optional
        The metric's Monte-Carlo floor: the name of a metric holding each cell's floor, or a
        number. Levels whose seed mean is below ``floor_factor`` times the floor leave the fit
        (plots draw them); fewer than 4 usable levels give the verdict *floor-limited*. For a
        level claim, a level where ``floor_factor`` times its floor reaches the bound cannot
        show the metric below it and counts only as a violation: when its interval lies above
        the bound plus its floor.
    floor_factor : float
        See ``floor`` (default 2).
    rule : {"any", "all"}
        With several predictions: "any" (competing hypotheses, the default) contradicts the claim
        only if every prediction is contradicted; "all" contradicts it if any one is.
    role : {"paper", "anchor", "control"}
        What the claim tests: a paper's statement, an anchor (a known result the pipeline must
        reproduce, e.g. the nearest-neighbour spacing N^(-1/k)) or a control (a configuration
        built to fail or to pass by construction).
    expect : str or mapping
        The verdict expected on the full run: one verdict for every group, or ``{group label:
        verdict}`` for the groups that differ from ``"consistent"`` (labels as in reports, e.g.
        ``"k=2"``). ``ratesim check`` fails when a verdict differs from its expectation.
    evidence : str
        Required when an expectation is not ``"consistent"``: what the data show and why.
    why : str
        Why the claim is designed as it is, where it departs from the defaults (the geometric
        mean, a large tolerance).
    name : str
        A label for tables (default: the metric).
    posthoc : str
        Empty for a claim registered before its data were seen. A claim added or changed after
        seeing data says so here, with the reason and the registered claim it replaces; reports
        mark it as post hoc.
    """

    metric: str
    predict: Any
    tolerance: float
    group_by: tuple[str, ...] = ()
    where: Mapping[str, Any] = field(default_factory=dict)
    on: str = "N"
    form: str = "power"
    subleading: float = 0.5
    statistic: str = "mean"
    level: float = 0.95
    bound: bool = False
    control: Mapping[str, Any] = field(default_factory=dict)
    floor: str | float | None = None
    floor_factor: float = 2.0
    rule: str = "any"
    role: str = "paper"
    expect: str | Mapping[str, str] = "consistent"
    evidence: str = ""
    why: str = ""
    name: str = ""
    posthoc: str = ""

    def expected(self, group_label: str) -> str:
        """The verdict expected for the group labelled ``group_label``."""
        if isinstance(self.expect, str):
            return self.expect
        return self.expect.get(group_label, "consistent")

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
        Must equal the file name (``<family>/NAME.py``).
    task : callable
        The task, a function declared with :func:`ratesim.study.task`; the grid keys bind to its
        keyword parameters by name.
    grid : mapping
        Parameter name (or ``"a, b"`` for coupled axes) -> list of values (an axis), a scalar or
        an :class:`Expr` (fixed or derived parameter).
    seeds : int
        Repetitions per grid point (>= 10 for rates).
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
        ``figure(ctx)`` with a :class:`ratesim.report.ReportContext` (study, tidy table, seed
        means, claim results with their verdicts, output folder), writes its files into
        ``ctx.outdir`` and returns a markdown section that the report embeds under "Figures".
    registered : (str, str), optional
        ``(date, commit)`` at which the design and claims were registered, before the full run
        (ISO date, abbreviated commit hash). Reports show it.
    recompute_rtol : float
        Tolerance of ``ratesim check --recompute`` for this study's cells, relative to each
        metric's largest committed magnitude, when larger than the default
        :data:`ratesim.study.recompute.CROSS_MACHINE_RTOL` (1e-9: the rounding of another CPU); a
        task whose results depend on the order of a parallel floating-point reduction states its
        tolerance here.
    """

    name: str
    task: Any
    grid: Mapping[str, Any]
    seeds: int = 10
    seed: int = 0
    quick: Mapping[str, Any] = field(default_factory=dict)
    quick_seeds: int | None = None
    claims: Sequence[Claim] = ()
    description: str = ""
    figures: Sequence[Any] = ()
    registered: tuple[str, str] | None = None
    recompute_rtol: float = 0.0
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

    def task_spec(self):
        """The :class:`ratesim.study.tasks.TaskSpec` of the task (StudyError if invalid)."""
        from .tasks import describe

        try:
            return describe(self.task)
        except ValueError as e:
            raise self._err("task", str(e)) from None

    @property
    def task_name(self) -> str:
        t = self.task
        return t if isinstance(t, str) else getattr(t, "__name__", repr(t))

    # -- validation -----------------------------------------------------------------------
    def validate(self) -> None:
        """Check everything that can be checked before running; raise :class:`StudyError`."""
        from .grid import expand
        from .tasks import did_you_mean

        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise self._err("name", f"name must be an identifier string (got {self.name!r})")
        if self.source is not None and Path(self.source).stem != self.name:
            raise self._err(
                "name", f"name {self.name!r} must equal the file name {Path(self.source).stem!r}"
            )
        if self.registered is not None:
            _check_registered(self.registered, self._err)
        rt = self.recompute_rtol
        if isinstance(rt, bool) or not isinstance(rt, int | float) or not 0 <= rt < 1:
            raise self._err(
                "recompute_rtol", f"recompute_rtol must be a number in [0, 1) (got {rt!r})"
            )
        tsk = self.task_spec()
        for i, fig in enumerate(self.figures):
            if not callable(fig):
                raise self._err(
                    f"figures[{i}]",
                    f"figures must be callables figure(ctx) returning markdown (got {fig!r})",
                )
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
        self._validate_inputs(tsk)
        self._validate_components(tsk, params_all)
        # claims
        if not isinstance(self.claims, Sequence) or isinstance(self.claims, str):
            raise self._err("claims", f"claims must be a list of Claim (got {self.claims!r})")
        keys = set(params_all[0]) if params_all else set()
        for i, c in enumerate(self.claims):
            self._validate_claim(i, c, tsk, keys, cells)

    def _validate_inputs(self, tsk) -> None:
        """Every grid key names a task parameter (or a component option); every required
        parameter is given."""
        from .grid import grid_names
        from .tasks import NAMED_KINDS, did_you_mean

        names = grid_names(self.grid)
        for n, key in names.items():
            if n in tsk.params:
                continue
            kind = n.split("__", 1)[0]
            if "__" in n and kind in NAMED_KINDS and tsk.components:
                if kind not in tsk.params:
                    raise self._err(
                        f"grid[{key!r}]",
                        f"{n!r} is an option of a {kind}, but task {tsk.name} takes no {kind!r}",
                    )
                continue
            raise self._err(
                f"grid[{key!r}]",
                f"task {tsk.name} has no parameter {n!r}" + did_you_mean(n, tsk.params),
            )
        missing = [p for p in tsk.required if p not in names]
        if missing:
            raise self._err(
                "grid",
                f"task {tsk.name} needs {', '.join(map(repr, missing))}, which the grid does not "
                "give",
            )

    def _validate_components(self, tsk, params_all) -> None:
        """Component names against the task's choices or the registries; component options
        against the component's constructor."""
        from .tasks import NAMED_KINDS, component_args, did_you_mean, registry_names

        for kind in NAMED_KINDS:
            if not any(kind in p for p in params_all):
                continue  # do not import a package the study does not use
            allowed = registry_names(kind, tsk)
            for p in params_all:
                if kind in p and p[kind] not in allowed:
                    raise self._err(
                        f"grid[{kind!r}]",
                        f"unknown {kind} {p[kind]!r} for task {tsk.name}"
                        + did_you_mean(p[kind], allowed),
                    )
                prefix = f"{kind}__"
                opts = [
                    n[len(prefix) :] for n, v in p.items() if n.startswith(prefix) and v is not None
                ]
                if not opts or kind not in p:
                    continue
                takes = component_args(kind, p[kind])
                for o in opts:
                    if takes is not None and o not in takes:
                        raise self._err(
                            f"grid[{prefix + o!r}]",
                            f"{kind} {p[kind]!r} takes no option {o!r}" + did_you_mean(o, takes),
                        )

    def _validate_claim(self, i, c, tsk, keys, cells) -> None:
        from ..rates import STATISTICS, VERDICT_KINDS
        from .tasks import did_you_mean

        key = f"claims[{i}]"
        if not isinstance(c, Claim):
            raise self._err(key, f"must be a Claim(...) (got {c!r})")
        metrics = tsk.all_metrics
        if c.metric not in metrics:
            raise self._err(
                f"{key}.metric",
                f"unknown metric {c.metric!r} for task {tsk.name}"
                + did_you_mean(c.metric, metrics),
            )
        if c.on not in keys:
            raise self._err(
                f"{key}.on", f"{c.on!r} is not a grid parameter" + did_you_mean(c.on, keys)
            )
        low = math.e if c.form == "N/logN" else 0.0
        for q in (False, True):
            for cell in cells[q]:
                if not _where_matches(c.where, cell.params):
                    continue
                x = cell.params.get(c.on)
                if isinstance(x, bool) or not isinstance(x, int | float) or not x > low:
                    raise self._err(
                        f"{key}.on",
                        f"the fitted axis {c.on!r} must be a number > {low:g} in every cell "
                        f"(form {c.form!r}); got {x!r} in {cell.id}",
                    )
        if not isinstance(c.posthoc, str):
            raise self._err(
                f"{key}.posthoc", f"posthoc must be a string, the reason (got {c.posthoc!r})"
            )
        for g in (*c.group_by, *c.where):
            if g not in keys:
                raise self._err(key, f"{g!r} is not a grid parameter" + did_you_mean(g, keys))
        if c.form not in FORMS:
            raise self._err(f"{key}.form", f"form must be one of {FORMS} (got {c.form!r})")
        if c.statistic not in STATISTICS:
            raise self._err(
                f"{key}.statistic", f"statistic must be one of {STATISTICS} (got {c.statistic!r})"
            )
        for attr in ("why", "evidence", "name"):
            if not isinstance(getattr(c, attr), str):
                raise self._err(f"{key}.{attr}", f"{attr} must be a string")
        if c.statistic == "geomean" and not c.why.strip():
            raise self._err(
                f"{key}.why",
                "a claim that fits the geometric mean must say why in `why` (the default, the "
                "log of the seed mean, is the rate of E[metric])",
            )
        if c.rule not in VERDICT_RULES:
            raise self._err(f"{key}.rule", f"rule must be one of {VERDICT_RULES} (got {c.rule!r})")
        if c.role not in ROLES:
            raise self._err(f"{key}.role", f"role must be one of {ROLES} (got {c.role!r})")
        if not isinstance(c.bound, bool):
            raise self._err(f"{key}.bound", f"bound must be True or False (got {c.bound!r})")
        if not (0 < c.level < 1):
            raise self._err(f"{key}.level", f"level must be in (0, 1) (got {c.level!r})")
        tol = c.tolerance
        if isinstance(tol, bool) or not isinstance(tol, int | float) or not math.isfinite(tol):
            raise self._err(f"{key}.tolerance", f"tolerance must be a finite number (got {tol!r})")
        if tol < 0 or (tol == 0 and not c.bound):
            raise self._err(
                f"{key}.tolerance",
                f"tolerance must be > 0 (got {tol!r}): it is the equivalence margin, and a CI "
                "can lie inside [p - tolerance, p + tolerance] only if the margin is positive "
                "(>= 0 for a bound)",
            )
        self._validate_control(c, key, keys, cells, did_you_mean)
        self._validate_floor(c, key, metrics)
        self._validate_expect(c, key, cells, VERDICT_KINDS)
        self._validate_power(c, key, cells)
        q = c.subleading
        if isinstance(q, bool) or not isinstance(q, int | float) or not math.isfinite(q) or q == 0:
            raise self._err(
                f"{key}.subleading",
                f"subleading must be a finite, nonzero exponent (got {q!r}): > 0 when the "
                "correction vanishes as the axis grows, < 0 when it vanishes as it shrinks",
            )
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

    def _validate_control(self, c, key, keys, cells, did_you_mean) -> None:
        if not isinstance(c.control, Mapping):
            raise self._err(f"{key}.control", f"control must be a mapping (got {c.control!r})")
        if c.bound and not c.control:
            raise self._err(
                f"{key}.control",
                "a bound claim must name a negative control: a configuration of this study that "
                "must violate the bound (control={...}, where-style values)",
            )
        if c.control and not c.bound:
            raise self._err(f"{key}.control", "control applies to bound claims only")
        for k in c.control:
            if k not in keys:
                raise self._err(
                    f"{key}.control", f"{k!r} is not a grid parameter" + did_you_mean(k, keys)
                )
            if k not in c.where:
                raise self._err(
                    f"{key}.control",
                    f"control key {k!r} must also be in where, so that the claim's own cells "
                    "exclude the control",
                )
        if c.control:
            ctrl_where = {**c.where, **c.control}
            if not any(_where_matches(ctrl_where, cell.params) for cell in cells[False]):
                raise self._err(
                    f"{key}.control", f"no cell of the full grid matches the control {ctrl_where}"
                )

    def _validate_power(self, c, key, cells) -> None:
        """In a registered study, every group of the claim can reach a verdict on the full grid
        (enough levels of ``c.on`` over enough decades) unless it is expected to be
        ``underpowered``: a registered design whose levels fall short (such as 100 ... 3162,
        1.49996 decades) is refused before it runs. Drafts are not checked."""
        if not self.registered:
            return
        from .claims import (  # claims imports this module
            MIN_DECADES,
            MIN_LEVEL_CLAIM_DECADES,
            MIN_LEVEL_CLAIM_LEVELS,
            MIN_LEVELS,
            _decades,
            _too_few,
        )

        levels: dict[str, set] = {}
        for cell in cells[False]:
            if _where_matches(c.where, cell.params) and c.on in cell.params:
                lab = group_label({g: cell.params.get(g) for g in c.group_by})
                levels.setdefault(lab, set()).add(cell.params[c.on])
        for lab, lv in sorted(levels.items()):
            if not _too_few(sorted(lv), c) or c.expected(lab) == "underpowered":
                continue
            shown = ", ".join(_fmt_value(v) for v in sorted(lv))
            raise self._err(
                key,
                f"group {lab!r} can never reach a verdict: its {c.on} = {shown} span "
                f"{_decades(sorted(lv)):.5f} decades in {len(lv)} levels (a verdict needs "
                f"{MIN_LEVELS} levels over {MIN_DECADES} decades, a level claim "
                f"{MIN_LEVEL_CLAIM_LEVELS} over {MIN_LEVEL_CLAIM_DECADES}); add levels, or "
                "expect 'underpowered' with the evidence",
            )

    def _validate_floor(self, c, key, metrics) -> None:
        f = c.floor
        if f is None:
            pass
        elif isinstance(f, str):
            if f not in metrics:
                raise self._err(
                    f"{key}.floor", f"floor {f!r} is not a metric of the task (got {f!r})"
                )
        elif isinstance(f, bool) or not isinstance(f, int | float) or not f > 0:
            raise self._err(
                f"{key}.floor", f"floor must be a metric name or a number > 0 (got {f!r})"
            )
        ff = c.floor_factor
        if isinstance(ff, bool) or not isinstance(ff, int | float) or not ff >= 1:
            raise self._err(f"{key}.floor_factor", f"floor_factor must be >= 1 (got {ff!r})")

    def _validate_expect(self, c, key, cells, kinds) -> None:
        exp = c.expect
        table = {"all": exp} if isinstance(exp, str) else exp
        if not isinstance(table, Mapping):
            raise self._err(f"{key}.expect", f"expect must be a verdict or a mapping (got {exp!r})")
        labels = {
            group_label({g: cell.params.get(g) for g in c.group_by})
            for cell in cells[False]
            if _where_matches(c.where, cell.params)
        }
        for lab, v in table.items():
            if v not in kinds:
                raise self._err(f"{key}.expect", f"{v!r} is not a verdict (one of {kinds})")
            if not isinstance(exp, str) and lab not in labels:
                raise self._err(
                    f"{key}.expect",
                    f"{lab!r} is not a group of this claim (groups: {sorted(labels)})",
                )
        if any(v != "consistent" for v in table.values()) and not c.evidence.strip():
            raise self._err(
                f"{key}.evidence",
                "an expectation other than 'consistent' must carry its evidence (what the data "
                "show and why)",
            )


def group_label(group: Mapping[str, Any]) -> str:
    """A group's label in reports and expectations: ``"k=2, d=10"`` (``"all"`` without groups)."""
    return ", ".join(f"{k}={_fmt_value(v)}" for k, v in group.items()) or "all"


def _fmt_value(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _check_registered(reg, err) -> None:
    ok = isinstance(reg, tuple | list) and len(reg) == 2 and all(isinstance(x, str) for x in reg)
    if ok:
        try:
            _dt.date.fromisoformat(reg[0])
        except ValueError:
            ok = False
        ok = ok and re.fullmatch(r"[0-9a-f]{7,40}", reg[1]) is not None
    if not ok:
        raise err(
            "registered",
            f"registered must be (ISO date, commit hash), e.g. ('2026-11-23', '6153192') "
            f"(got {reg!r})",
        )


_SKIP_DIRS = ("_", ".")


def _defines_study(path: Path) -> bool:
    """Whether ``path`` assigns ``STUDY`` at module level (read without importing it)."""
    try:
        tree = ast.parse(path.read_text())
    except (SyntaxError, UnicodeDecodeError):
        return True  # let load_study report it
    for node in tree.body:
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign):
            targets = [node.target]
        if any(isinstance(t, ast.Name) and t.id == "STUDY" for t in targets):
            return True
    return False


def _where_matches(where, params) -> bool:
    """Whether a cell's parameters satisfy a claim's ``where`` (a value or a list of values)."""
    for k, allowed in where.items():
        vals = list(allowed) if isinstance(allowed, list | tuple | set) else [allowed]
        if params.get(k) not in vals:
            return False
    return True


FAMILY_SUMMARY = "summary"  # DIR/<family>/summary.py: the family's summary report (optional)
_NOT_STUDIES = ("tasks", "figures", "conftest", FAMILY_SUMMARY)


def family_summary(family_dir: str | Path):
    """The ``summarize`` function of a family's ``summary.py``, or None when it has none.

    ``summarize(contexts, outdir) -> str`` receives one
    :class:`ratesim.study.figures.ReportContext` per study of the family that has results (in
    study-name order), writes its files into ``outdir`` and returns the markdown of the family's
    summary (``ratesim report FAMILY`` writes it to ``reports/FAMILY/SUMMARY.md``): what no single
    study's report can show, such as one table of every tier's fits.
    """
    path = Path(family_dir) / f"{FAMILY_SUMMARY}.py"
    if not path.is_file():
        return None
    try:
        module = import_study_module(path)
    except Exception as e:
        raise StudyError(f"importing the file raised {type(e).__name__}: {e}", path=path) from None
    fn = getattr(module, "summarize", None)
    if not callable(fn):
        raise StudyError("a family summary must define summarize(contexts, outdir)", path=path)
    return fn


def study_files(directory: str | Path) -> list[Path]:
    """The study files of a studies directory, sorted by study name.

    A study file is a ``*.py`` file in a family folder (``DIR/<family>/<name>.py``) that assigns
    ``STUDY`` at module level; files and folders starting with ``_`` or ``.``, and ``test_*.py``
    files, are skipped.
    """
    root = Path(directory)
    out = []
    for fam in sorted(root.iterdir()) if root.is_dir() else []:
        if not fam.is_dir() or fam.name.startswith(_SKIP_DIRS):
            continue
        for p in fam.glob("*.py"):
            if p.name.startswith(("_", "test_")) or p.stem in _NOT_STUDIES:
                continue
            if _defines_study(p):
                out.append(p)
    return sorted(out, key=lambda p: p.stem)


def discover_studies(directory) -> list[tuple[str, str, Path]]:
    """(name, first docstring line, path) of every study file, without importing them."""
    out = []
    for path in study_files(directory):
        try:
            doc = ast.get_docstring(ast.parse(path.read_text())) or ""
        except SyntaxError as e:
            doc = f"(syntax error at line {e.lineno}: {e.msg})"
        out.append((path.stem, doc.strip().splitlines()[0] if doc.strip() else "", path))
    return out


PACKAGE = "ratesim_studies"
_STAMPS: dict[str, int] = {}


def _namespace(root: Path) -> types.ModuleType:
    """The ``ratesim_studies`` package, with ``root`` on its search path."""
    pkg = sys.modules.get(PACKAGE)
    if pkg is None:
        pkg = types.ModuleType(PACKAGE)
        pkg.__path__ = []
        pkg.__doc__ = "Study families, imported from their studies directories by ratesim."
        sys.modules[PACKAGE] = pkg
    if str(root) not in pkg.__path__:
        pkg.__path__.append(str(root))
    return pkg


def add_studies_dir(directory: str | Path) -> None:
    """Make the families of a studies directory importable as ``ratesim_studies.<family>`` (what
    :func:`load_study` does for the file it loads; tests of a family call it to import it)."""
    _namespace(Path(directory).resolve())


def _stamp(path) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except (OSError, TypeError):
        return None


def _drop_stale(family: str) -> None:
    """Forget the modules of ``family`` if one of their files changed since it was imported (a
    pooled worker outlives a run: an edited task must not run stale)."""
    prefix = f"{PACKAGE}.{family}"
    mods = [m for m in list(sys.modules) if m == prefix or m.startswith(prefix + ".")]
    if any(
        _STAMPS.get(m) != _stamp(getattr(sys.modules[m], "__file__", None))
        for m in mods
        if getattr(sys.modules[m], "__file__", None)
    ):
        _forget(family)


def _forget(family: str) -> None:
    prefix = f"{PACKAGE}.{family}"
    for m in [m for m in list(sys.modules) if m == prefix or m.startswith(prefix + ".")]:
        sys.modules.pop(m, None)
        _STAMPS.pop(m, None)
    importlib.invalidate_caches()


def import_study_module(path: str | Path) -> types.ModuleType:
    """Import the study file (or any module of a study family) at ``path`` as
    ``ratesim_studies.<family>.<stem>``; re-imports the family when one of its files changed."""
    path = Path(path).resolve()
    family, root = path.parent.name, path.parent.parent
    if not family.isidentifier():
        raise StudyError(f"the family folder name {family!r} must be an identifier", path=path)
    pkg = _namespace(root)
    pkg.__path__.remove(str(root))
    pkg.__path__.insert(0, str(root))  # the folder asked for wins over same-named families
    _drop_stale(family)
    modname = f"{PACKAGE}.{family}.{path.stem}"
    module = importlib.import_module(modname)
    if Path(getattr(module, "__file__", "") or "").resolve() != path:
        _forget(family)  # a same-named family of another studies directory was loaded before
        module = importlib.import_module(modname)
        where = Path(getattr(module, "__file__", "") or "").resolve()
        if where != path:
            raise StudyError(
                f"two study families are named {family!r}: {where.parent} and {path.parent}",
                path=path,
            )
    prefix = f"{PACKAGE}.{family}"
    for m in list(sys.modules):
        if (m == prefix or m.startswith(prefix + ".")) and m not in _STAMPS:
            _STAMPS[m] = _stamp(getattr(sys.modules[m], "__file__", None))
    return module


def load_study(path: str | Path, *, validate: bool = True) -> Study:
    """Import a study file and return its validated ``STUDY``.

    Errors (a syntax error, an exception while importing, a missing or malformed ``STUDY``)
    become :class:`StudyError` naming the file.
    """
    path = Path(path)
    if not path.is_file():
        raise StudyError("no such study file", path=path)
    try:
        module = import_study_module(path)
    except StudyError:
        raise
    except SyntaxError as e:
        raise StudyError(f"syntax error at line {e.lineno}: {e.msg}", path=path) from None
    except Exception as e:
        raise StudyError(f"importing the file raised {type(e).__name__}: {e}", path=path) from None
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
