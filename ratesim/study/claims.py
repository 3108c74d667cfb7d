"""Evaluate a study's claims on its tidy results, and find those results.

For each claim: keep the rows of its metric that match ``where``, split them by ``group_by``, and
for each group

1. *underpowered* when the design has fewer than :data:`MIN_LEVELS` levels of the fitted axis or
   spans fewer than :data:`MIN_DECADES` decades;
2. with a declared ``floor``, drop the levels whose seed mean lies below ``floor_factor`` times the
   floor (they are drawn in the plots, never fitted); *floor-limited* when fewer than
   :data:`MIN_LEVELS` levels or :data:`MIN_DECADES` decades remain;
3. fit the claimed form (:mod:`ratesim.rates`, on the claim's ``statistic``) and judge each
   prediction (:func:`ratesim.rates.judge`: consistent only when the whole CI lies inside
   ``p +- tolerance``), combining them by ``rule``: with ``"any"`` (competing hypotheses, the
   default) *consistent* if one prediction is, *contradicted* only if all are; with ``"all"``,
   *contradicted* if one is, *consistent* if all are;
4. for a bound claim, evaluate its negative ``control`` the same way: a bound the control does not
   violate cannot fail, so a consistent group becomes *not discriminating*.

A *level claim* (``form="level"``: the predictions are values of the metric, not exponents, as in
"comparable with the constant c = 2 at every N") is judged level by level instead of by a fit:
simultaneous t intervals of the seed statistic at every level
(:func:`ratesim.rates.level_intervals`, Bonferroni over the levels), each judged against ``p +-
tolerance`` (or ``<= p + tolerance`` for a bound) with :func:`ratesim.rates.judge`, and the levels
combined with rule ``"all"``: contradicted if one level is, consistent if every level is. It needs
:data:`MIN_LEVEL_CLAIM_LEVELS` levels over :data:`MIN_LEVEL_CLAIM_DECADES` decades ("at every N" is
a statement about a range of N). A floor works the other way round from a fit: a level whose
``floor_factor`` times floor reaches the edge the metric must be shown below cannot show
consistency there (a measurement that cannot resolve the bound), whatever the metric's size. It
still shows a violation: its interval (formed with the others, Bonferroni over every level) counts
as contradicting the claim when it lies above the upper edge plus the level's mean floor, the most
a law that meets the bound can show with that many samples (revised 2026-12-06; until then floored
levels left the verdict altogether). Too few levels above the floor and no violation beyond one
give *floor-limited*.

Every group verdict is compared with the claim's expectation (``Claim.expect``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ..rates import (
    CONSISTENT,
    CONTRADICTED,
    FLOOR_LIMITED,
    INCONCLUSIVE,
    NOT_DISCRIMINATING,
    UNDERPOWERED,
    LevelCheck,
    RateFit,
    fit_rate,
    fit_two_term,
    judge,
    level_intervals,
)
from .expr import Expr
from .spec import group_label

__all__ = [
    "ClaimResult",
    "evaluate_claims",
    "load_results",
    "combine",
    "design_note",
    "MIN_LEVELS",
    "MIN_DECADES",
    "MIN_LEVEL_CLAIM_LEVELS",
    "MIN_LEVEL_CLAIM_DECADES",
]

MIN_LEVELS = 4  # levels of the fitted axis a verdict needs (two for a line, two to test it)
MIN_DECADES = 1.5  # decades of the fitted axis a verdict needs
MIN_LEVEL_CLAIM_LEVELS = 3  # levels a level claim ("at every N") needs
MIN_LEVEL_CLAIM_DECADES = 1.0  # decades of N a level claim needs


@dataclass
class ClaimResult:
    """The verdict of one claim on one group.

    Attributes
    ----------
    fit : RateFit or None
        The fit on the usable levels (None when the group is underpowered, floor-limited or
        cannot be fitted).
    predictions : list of (label, exponent, verdict)
    reasons : dict
        label -> why the prediction got its verdict.
    verdict, note : str
        The group's verdict and why.
    expected : str
        The verdict the claim expects for this group.
    floored : list of float
        Levels of the fitted axis that left the fit because they lie within ``floor_factor`` of
        the floor.
    control : ClaimResult or None
        The negative control of a bound claim (None when several control groups judge it).
    controls : list of ClaimResult
        Every control group the verdict was judged against (all must violate the bound).
    levels : LevelCheck or None
        A level claim's per-level intervals, floored levels included (None for rate claims and
        without intervals).
    worst : int or None
        Index into ``levels`` of the level the verdict hinges on: the violating level with the
        largest statistic when the claim is contradicted, else the level above the floor with
        the largest upper end.
    """

    claim_index: int
    claim: object
    group: dict
    fit: RateFit | None
    predictions: list = field(default_factory=list)
    reasons: dict = field(default_factory=dict)
    verdict: str = INCONCLUSIVE
    note: str = ""
    expected: str = CONSISTENT
    floored: list = field(default_factory=list)
    control: ClaimResult | None = None
    controls: list = field(default_factory=list)
    corrected: dict = field(default_factory=dict)  # other forms, for the fit command
    levels: LevelCheck | None = None
    worst: int | None = None

    @property
    def group_label(self) -> str:
        return group_label(self.group)

    @property
    def as_expected(self) -> bool:
        return self.verdict == self.expected


def combine(verdicts: list[str], rule: str = "any") -> str:
    """Combine the verdicts of several predictions by ``rule`` ("any" or "all")."""
    if not verdicts:
        return INCONCLUSIVE
    if rule == "any":
        if CONSISTENT in verdicts:
            return CONSISTENT
        if all(v == CONTRADICTED for v in verdicts):
            return CONTRADICTED
        return INCONCLUSIVE
    if CONTRADICTED in verdicts:
        return CONTRADICTED
    if all(v == CONSISTENT for v in verdicts):
        return CONSISTENT
    return INCONCLUSIVE


def _matches(series, allowed):
    vals = list(allowed) if isinstance(allowed, list | tuple | set) else [allowed]
    return series.isin(vals)


def _fit(claim, N, v, form: str):
    if form == "two_term":
        return fit_two_term(
            N, v, subleading=claim.subleading, statistic=claim.statistic, level=claim.level
        )
    tr = "N" if form == "power" else "N/logN"
    fit = fit_rate(N, v, statistic=claim.statistic, transform=tr, level=claim.level)
    return fit if claim.on == "N" else replace(fit, axis=claim.on)


def _column(df, name: str):
    if name in df.columns:
        return name
    if f"p_{name}" in df.columns:
        return f"p_{name}"
    raise KeyError(name)


def _decades(levels) -> float:
    levels = np.asarray(levels, dtype=float)
    return float(np.log10(levels.max() / levels.min())) if levels.size else 0.0


def _too_few(levels, claim=None) -> bool:
    """Fewer levels or decades than a verdict needs: MIN_LEVELS and MIN_DECADES for a fit,
    MIN_LEVEL_CLAIM_LEVELS and MIN_LEVEL_CLAIM_DECADES for a level claim."""
    if claim is not None and claim.form == "level":
        return len(levels) < MIN_LEVEL_CLAIM_LEVELS or _decades(levels) < MIN_LEVEL_CLAIM_DECADES
    return len(levels) < MIN_LEVELS or _decades(levels) < MIN_DECADES


def _drop_floored(claim, res, x, v, floor, floored, what: str) -> tuple | None:
    """Remove the levels for which ``floored(seed mean, floor)`` holds (recorded in
    ``res.floored``); None, with the verdict set, when the floor is missing or too few levels
    remain (floor-limited: the note says ``n of L levels`` + ``what``). ``floor`` None: nothing to
    remove."""
    if floor is None:
        return x, v
    if np.any(~np.isfinite(floor)):
        res.verdict, res.note = INCONCLUSIVE, f"floor {claim.floor!r} missing in some cells"
        return None
    levels = np.unique(x)
    keep = np.ones(x.size, dtype=bool)
    for lv in levels:
        at = x == lv
        if floored(v[at].mean(), floor[at].mean()):
            keep[at] = False
            res.floored.append(float(lv))
    usable = np.unique(x[keep])
    if _too_few(usable, claim):
        res.verdict = FLOOR_LIMITED
        res.note = (
            f"{len(res.floored)} of {levels.size} levels {what}; {usable.size} usable levels over "
            f"{_decades(usable):.2f} decades"
        )
        return None
    return x[keep], v[keep]


def _select(df, claim, where):
    sub = df[df["metric"] == claim.metric]
    for k, allowed in where.items():
        sub = sub[_matches(sub[_column(sub, k)], allowed)] if not sub.empty else sub
    return sub


def _floor_of(claim, df, g) -> np.ndarray | None:
    """The floor of each row of ``g`` (None without a declared floor)."""
    if claim.floor is None:
        return None
    if not isinstance(claim.floor, str):
        return np.full(len(g), float(claim.floor))
    f = df[df["metric"] == claim.floor].drop_duplicates("cell").set_index("cell")["value"]
    return g["cell"].map(f).to_numpy(dtype=float)


def _judge_levels(claim, res, df, g, preds) -> None:
    """Fill ``res`` for the rows ``g`` of one group of a level claim (module docstring)."""
    x = g[_column(g, claim.on)].to_numpy(dtype=float)
    v = g["value"].to_numpy(dtype=float)
    levels = np.unique(x)
    if _too_few(levels, claim):
        res.verdict = UNDERPOWERED
        res.note = (
            f"{levels.size} levels of {claim.on} over {_decades(levels):.2f} decades (a level "
            f"claim needs >= {MIN_LEVEL_CLAIM_LEVELS} levels and >= {MIN_LEVEL_CLAIM_DECADES:g} "
            "decades)"
        )
        return
    pv = {lab: float(p(**res.group) if isinstance(p, Expr) else p) for lab, p in preds.items()}
    # the smallest edge any prediction needs resolved: p + tol for a bound, p - tol otherwise
    edge = min(p + (claim.tolerance if claim.bound else -claim.tolerance) for p in pv.values())
    floor = _floor_of(claim, df, g)
    if floor is not None and np.any(~np.isfinite(floor)):
        res.verdict, res.note = INCONCLUSIVE, f"floor {claim.floor!r} missing in some cells"
        return
    # a floored level cannot show the metric below the edge, but it can show it above: its
    # interval is formed with the others (Bonferroni over every level) and counts only as evidence
    # of a violation, when it lies above the upper edge plus the level's floor (the most a law
    # meeting the bound can show with that many samples)
    floor_at = {} if floor is None else {lv: float(floor[x == lv].mean()) for lv in levels}
    res.floored = [
        float(lv) for lv in levels if floor_at and claim.floor_factor * floor_at[lv] >= edge
    ]
    floored = np.isin(levels, res.floored)
    try:
        lc = level_intervals(x, v, statistic=claim.statistic, level=claim.level)
    except ValueError as e:
        res.verdict, res.note = INCONCLUSIVE, f"cannot form the intervals: {e}"
        return
    too_few = _too_few(levels[~floored], claim)
    verdicts, reasons, violating = [], [], set()
    for lab, p in pv.items():
        top = p + claim.tolerance
        per = [
            (CONTRADICTED if lc.lo[j] > top + floor_at[lv] else None)
            if floored[j]
            else judge((lc.lo[j], lc.hi[j]), p, claim.tolerance, bound=claim.bound)[0]
            for j, lv in enumerate(lc.N)
        ]
        judged = [w for w in per if w is not None]
        violating |= {j for j, w in enumerate(per) if w == CONTRADICTED}
        vd = (
            CONTRADICTED
            if CONTRADICTED in judged
            else FLOOR_LIMITED
            if too_few
            else combine(judged, "all")
        )
        band = f"<= {top:.3f}" if claim.bound else f"in {p:.3f} ± {claim.tolerance:g}"
        if vd == CONSISTENT:
            why = f"every level {band}; worst {lc.interval(_worst(lc, floored, set()))}"
        elif vd == FLOOR_LIMITED:
            why = f"no level {band} is violated beyond its floor"
        else:
            at = "; ".join(
                lc.interval(j) + (" (above the floor too)" if floored[j] else "")
                for j, w in enumerate(per)
                if w == vd
            )
            why = f"{'not' if vd == CONTRADICTED else 'undecided whether'} {band} at {at}"
        res.predictions.append((lab, p, vd))
        res.reasons[lab] = why
        verdicts.append(vd)
        reasons.append(f"{lab}: {res.reasons[lab]}")
    res.levels = lc
    res.worst = _worst(lc, floored, violating)
    if FLOOR_LIMITED in verdicts and CONTRADICTED not in verdicts:
        res.verdict = FLOOR_LIMITED
        res.note = (
            f"{len(res.floored)} of {levels.size} levels where {claim.floor_factor:g}x the floor "
            f"reaches {edge:.3g}; {levels.size - len(res.floored)} usable levels over "
            f"{_decades(levels[~floored]):.2f} decades; none violates the bound beyond its floor"
        )
        return
    res.verdict = combine([w if w != FLOOR_LIMITED else INCONCLUSIVE for w in verdicts], claim.rule)
    notes = [*(["; ".join(reasons)] if res.verdict == INCONCLUSIVE else [])]
    if res.floored:
        notes.append(
            f"levels {claim.on} = {', '.join(f'{f:g}' for f in res.floored)} cannot resolve the "
            "bound (floor): they count only as violations beyond their floor"
        )
    if lc.n_per_level.min() < 10:
        notes.append(f"{int(lc.n_per_level.min())} seeds at some level (< 10)")
    res.note = "; ".join(notes)


def _worst(lc, floored, violating) -> int:
    """The violating level with the largest seed statistic if there is one, else the level above
    the floor with the largest upper end (any level's when all are floored)."""
    if violating:
        return max(violating, key=lambda j: lc.center[j])
    return int(np.argmax(np.where(floored & ~floored.all(), -np.inf, lc.hi)))


def _judge_group(ci, claim, res, df, g, preds) -> None:
    """Fill ``res`` (a ClaimResult) for the rows ``g`` of one group."""
    if claim.form == "level":
        _judge_levels(claim, res, df, g, preds)
        return
    x = g[_column(g, claim.on)].to_numpy(dtype=float)
    v = g["value"].to_numpy(dtype=float)
    levels = np.unique(x)
    if _too_few(levels):
        res.verdict = UNDERPOWERED
        res.note = (
            f"{levels.size} levels of {claim.on} over {_decades(levels):.2f} decades (a verdict "
            f"needs >= {MIN_LEVELS} levels and >= {MIN_DECADES} decades)"
        )
        return
    kept = _drop_floored(
        claim, res, x, v, _floor_of(claim, df, g), lambda m, f: m < claim.floor_factor * f,
        f"lie within {claim.floor_factor:g}x the floor",
    )  # fmt: skip
    if kept is None:
        return
    x, v = kept
    try:
        res.fit = _fit(claim, x, v, claim.form)
    except ValueError as e:
        res.verdict, res.note = INCONCLUSIVE, f"cannot fit: {e}"
        return
    if not np.all(np.isfinite(res.fit.ci) | np.isinf(res.fit.ci)):
        res.verdict, res.note = INCONCLUSIVE, f"the CI is undefined ({res.fit.cov_type} fit)"
        return
    verdicts, reasons = [], []
    for lab, p in preds.items():
        pv = p(**res.group) if isinstance(p, Expr) else float(p)
        vd, why = judge(res.fit.ci, pv, claim.tolerance, bound=claim.bound)
        res.predictions.append((lab, pv, vd))
        res.reasons[lab] = why
        verdicts.append(vd)
        reasons.append(f"{lab}: {why}")
    res.verdict = combine(verdicts, claim.rule)
    notes = [*(["; ".join(reasons)] if res.verdict == INCONCLUSIVE else [])]
    if res.floored:
        notes.append(f"levels {claim.on} = {', '.join(f'{f:g}' for f in res.floored)} at the floor")
    d = design_note(res.fit)
    res.note = "; ".join([*notes, *([d] if d else [])])


def _evaluate(ci, claim, df, where, *, corrected: bool) -> list[ClaimResult]:
    sub = _select(df, claim, where)
    preds = claim.predictions()
    if sub.empty:
        return [ClaimResult(ci, claim, {}, None, verdict=INCONCLUSIVE, note="no results")]
    gcols = [_column(sub, g) for g in claim.group_by]
    groups = sub.groupby(gcols, sort=True, dropna=False) if gcols else [((), sub)]
    out = []
    for key, g in groups:
        key = key if isinstance(key, tuple) else (key,)
        group = {n: _py(v) for n, v in zip(claim.group_by, key, strict=True)}
        res = ClaimResult(ci, claim, group, None)
        _judge_group(ci, claim, res, df, g, preds)
        if corrected and res.fit is not None:
            x = g[_column(g, claim.on)].to_numpy(dtype=float)
            keep = ~np.isin(x, res.floored)
            for form in ("power", "N/logN", "two_term"):
                if form != claim.form:
                    try:
                        v = g["value"].to_numpy(dtype=float)[keep]
                        res.corrected[form] = _fit(claim, x[keep], v, form)
                    except ValueError:
                        pass
        out.append(res)
    return out


def evaluate_claims(study, df, *, corrected: bool = False) -> list[ClaimResult]:
    """Fit and judge every claim of ``study`` on the tidy table ``df`` (see the module docstring).

    Parameters
    ----------
    study : Study
    df : pandas.DataFrame
        Tidy results (:meth:`ResultsStore.tidy` or a committed ``results.csv``).
    corrected : bool
        Also fit the other forms (power, N/logN, two-term) when the data allow, for display.

    Returns
    -------
    list of ClaimResult
        One per claim and group, in claim order.
    """
    out = []
    for ci, claim in enumerate(study.claims):
        results = _evaluate(ci, claim, df, claim.where, corrected=corrected)
        if claim.bound and claim.control:
            controls = _evaluate(ci, claim, df, {**claim.where, **claim.control}, corrected=False)
            by_label = {c.group_label: c for c in controls}
            for res in results:
                ctrl = by_label.get(res.group_label)
                pool = [ctrl] if ctrl is not None else _matching_controls(res.group, controls)
                res.control = ctrl if ctrl is not None else (pool[0] if len(pool) == 1 else None)
                res.controls = pool
                violated = all(c.verdict == CONTRADICTED for c in pool)
                if res.verdict == CONSISTENT and not violated:
                    res.verdict = NOT_DISCRIMINATING
                    vs = ", ".join(f"{c.group_label}: {c.verdict}" for c in pool)
                    res.note = (
                        f"the control {dict(claim.control)} does not violate the bound ({vs}); "
                        + res.note
                    ).rstrip("; ")
        for res in results:
            res.expected = claim.expected(res.group_label)
        out.extend(results)
    return out


def _matching_controls(group: dict, controls: list) -> list:
    """The control groups of ``group``'s own setting: those that agree with it on every grouping
    key where some control group takes the group's value (the control of another competitor at
    the same beta, say); all of them when none does."""
    shared = {
        key: value
        for key, value in group.items()
        if any(c.group.get(key) == value for c in controls)
    }
    return [c for c in controls if all(c.group.get(k) == v for k, v in shared.items())] or controls


def design_note(fit) -> str:
    """Warnings about the design behind a fit (docs/measurement.md, trap 3: use >= 10 seeds per
    level); empty when the design is adequate."""
    if fit.n_per_level.min() < 10:
        return f"{fit.n_per_level.min()} seeds at some level (< 10)"
    return ""


def _py(v):
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def load_results(
    study,
    *,
    mode: str = "full",
    results_dir: str | Path,
    reports_dir: str | Path | None = None,
    source: str = "auto",
):
    """The tidy results of ``study`` for its current grid, and where they came from.

    ``source="store"`` reads ``results_dir/ratesim.sqlite``; ``"csv"`` reads the committed
    ``reports_dir/NAME/results.csv``; ``"auto"`` (full mode only) takes the store unless the CSV
    holds newer results (latest ``finished`` time), so a fresh checkout uses the committed tables.
    Rows of cells that are not in the current grid are dropped.

    Returns
    -------
    (DataFrame, str)
        The table (possibly empty) and a description of its source.
    """
    import pandas as pd

    from .grid import expand
    from .store import ResultsStore, read_tidy

    if source not in ("auto", "store", "csv"):
        raise ValueError(f"source must be 'auto', 'store' or 'csv' (got {source!r})")
    ids = {c.id for c in expand(study, quick=(mode == "quick"))}
    db = Path(results_dir) / "ratesim.sqlite"
    store_df, store_t = None, None
    if source in ("auto", "store") and db.exists():
        with ResultsStore(db) as st:
            store_df = st.tidy(study.name, mode, cells=ids)
        if not store_df.empty:
            store_t = str(store_df["finished"].max())
    csv_df, csv_t = None, None
    csv = Path(reports_dir) / study.name / "results.csv" if reports_dir is not None else None
    if source in ("auto", "csv") and mode == "full" and csv is not None and csv.exists():
        csv_df = read_tidy(csv)
        csv_df = csv_df[csv_df["cell"].isin(ids)]
        if not csv_df.empty and "finished" in csv_df.columns:
            csv_t = str(csv_df["finished"].max())
    if store_t is not None and (csv_t is None or store_t >= csv_t):
        return store_df, f"store {db}"
    if csv_df is not None and not csv_df.empty:
        return csv_df, f"committed table {csv}"
    return pd.DataFrame(columns=["study", "cell", "N", "metric", "value"]), "no results"


def committed_studies(studies_dir, reports_dir, *, names=None, notes: list | None = None):
    """Yield ``(name, study, table)`` for every study with claims and a non-empty committed table
    (``reports_dir/NAME/results.csv``) under ``studies_dir``; ``names``: only these studies.
    ``notes`` receives one line per study left out and why (a study file that does not load or
    validate, no committed table)."""
    from .spec import StudyError, discover_studies, load_study

    notes = [] if notes is None else notes
    wanted = None if names is None else set(names)
    for name, _doc, path in discover_studies(studies_dir):
        if wanted is not None and name not in wanted:
            continue
        try:
            study = load_study(path)
        except StudyError as e:
            msg = str(e).replace(f"{path}: ", "")
            notes.append(f"{name}: skipped, the study file does not load or validate ({msg})")
            continue
        except Exception as e:  # pragma: no cover - a study file mid-edit
            notes.append(f"{name}: skipped, loading raised {type(e).__name__}: {e}")
            continue
        if not study.claims:
            continue
        df, _src = load_results(
            study, mode="full", results_dir="results", reports_dir=reports_dir, source="csv"
        )
        if df.empty:
            notes.append(f"{name}: skipped, no committed table")
            continue
        yield name, study, df
