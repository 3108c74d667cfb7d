"""Evaluate a study's claims on its tidy results, and find those results.

For each claim: keep the rows of its metric that match ``where``, split them by ``group_by``, fit
the claimed form per group (:mod:`ratesim.rates`) and give a verdict per prediction. A claim's group
verdict combines its predictions by ``rule``: with ``"any"`` (competing hypotheses, the default),
*consistent* if one prediction is, *contradicted* only if all are; with ``"all"``, *contradicted*
if one is, *consistent* if all are. A claim is contradicted if one of its groups is. Groups without
enough data (fewer than 2 distinct N, 4 for the two-term form) are *inconclusive* with a note.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..rates import (
    CONSISTENT,
    CONTRADICTED,
    INCONCLUSIVE,
    RateFit,
    fit_rate,
    fit_two_term,
)
from .expr import Expr

__all__ = ["ClaimResult", "evaluate_claims", "load_results", "combine", "design_note"]


@dataclass
class ClaimResult:
    """The verdicts of one claim on one group."""

    claim_index: int
    claim: object
    group: dict
    fit: RateFit | None
    predictions: list = field(default_factory=list)  # (label, exponent, verdict)
    verdict: str = INCONCLUSIVE
    note: str = ""
    corrected: dict = field(default_factory=dict)  # other forms, for the fit command

    @property
    def group_label(self) -> str:
        return ", ".join(f"{k}={_fmt(v)}" for k, v in self.group.items()) or "all"


def _fmt(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


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
        return fit_two_term(N, v, subleading=claim.subleading, level=claim.level)
    tr = "N" if form == "power" else "N/logN"
    return fit_rate(N, v, method=claim.method, transform=tr, level=claim.level)


def _column(df, name: str):
    if name in df.columns:
        return name
    if f"p_{name}" in df.columns:
        return f"p_{name}"
    raise KeyError(name)


def evaluate_claims(study, df, *, corrected: bool = False) -> list[ClaimResult]:
    """Fit and judge every claim of ``study`` on the tidy table ``df``.

    Parameters
    ----------
    study : Study
    df : pandas.DataFrame
        Tidy results (:meth:`ResultsStore.tidy` or a committed ``results.csv``).
    corrected : bool
        Also fit the other forms (power, N/logN, two-term) when the data allow, for display.
    """
    out = []
    for ci, claim in enumerate(study.claims):
        sub = df[df["metric"] == claim.metric]
        for k, allowed in claim.where.items():
            sub = sub[_matches(sub[_column(sub, k)], allowed)] if not sub.empty else sub
        preds = claim.predictions()
        if sub.empty:
            out.append(ClaimResult(ci, claim, {}, None, verdict=INCONCLUSIVE, note="no results"))
            continue
        gcols = [_column(sub, g) for g in claim.group_by]
        groups = sub.groupby(gcols, sort=True, dropna=False) if gcols else [((), sub)]
        for key, g in groups:
            key = key if isinstance(key, tuple) else (key,)
            group = {n: _py(v) for n, v in zip(claim.group_by, key, strict=True)}
            N = g[_column(g, claim.on)].to_numpy(dtype=float)
            v = g["value"].to_numpy(dtype=float)
            res = ClaimResult(ci, claim, group, None)
            try:
                res.fit = _fit(claim, N, v, claim.form)
            except ValueError as e:
                res.note = f"cannot fit: {e}"
                out.append(res)
                continue
            res.note = design_note(res.fit)
            verdicts = []
            for lab, p in preds.items():
                pv = p(**group) if isinstance(p, Expr) else float(p)
                vd = res.fit.verdict(
                    pv,
                    tolerance=claim.tolerance,
                    max_halfwidth=claim.max_halfwidth,
                    bound=claim.bound,
                )
                res.predictions.append((lab, pv, vd))
                verdicts.append(vd)
            res.verdict = combine(verdicts, claim.rule)
            if corrected:
                for form in ("power", "N/logN", "two_term"):
                    if form == claim.form:
                        continue
                    try:
                        res.corrected[form] = _fit(claim, N, v, form)
                    except ValueError:
                        pass
            out.append(res)
    return out


def design_note(fit) -> str:
    """Warnings about the design behind a fit (docs/measurement.md, trap 3: span at least two
    decades of N, use >= 10 seeds per N); empty when the design is adequate."""
    notes = []
    decades = float(np.log10(fit.N.max() / fit.N.min()))
    if decades < 2:
        notes.append(f"N spans {decades:.1f} decades (< 2)")
    if fit.n_per_level.min() < 10:
        notes.append(f"{fit.n_per_level.min()} seeds at some N (< 10)")
    return "; ".join(notes)


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
