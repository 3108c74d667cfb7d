"""What a study's own figures receive, and the helpers they share.

A study lists figure functions in ``Study(figures=[...])``. The report calls each as
``figure(ctx)`` with one :class:`ReportContext` and embeds the markdown it returns under "Figures".
The context carries the claim results the report itself shows (the fits and verdicts of
:func:`ratesim.study.evaluate_claims`), so a figure never re-derives a verdict and cannot disagree
with ``ratesim check``. A figure computes from ``ctx.df`` only (never from a store or a study file)
and writes its files with :func:`savefig`::

    def error_vs_sigma(ctx):
        fig, ax = pyplot().subplots()
        means = ctx.seed_means(by=("sigma",), metric="error")
        ax.loglog(means["sigma"], means["mean"], "o-")
        return f"![error vs sigma]({savefig(fig, ctx, 'error_vs_sigma.png')})"
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = [
    "ReportContext",
    "plain_table",
    "matching_rows",
    "seed_means",
    "md_table",
    "savefig",
    "pyplot",
    "verdict_lines",
    "VERDICT_COLORS",
    "FIT_COLOR",
    "CONTROL_COLOR",
    "verdict_color",
    "wrap",
]

# One palette for the six verdicts (reports, claim plots and study figures use it): green only for
# a supported prediction, red only for a contradiction; a bound that holds but is not tested by its
# control (not discriminating) is magenta, never red.
VERDICT_COLORS = {
    "consistent": "#1a7f37",
    "contradicted": "#cf222e",
    "inconclusive": "#9a6700",
    "floor-limited": "#8250df",
    "underpowered": "#6e7781",
    "not discriminating": "#bf3989",
}
FIT_COLOR = "#0969da"  # the fitted rate and its CI band
CONTROL_COLOR = "#d2691e"  # the negative control of a bound claim


def verdict_color(verdict: str) -> str:
    """The palette colour of a verdict (grey for anything else)."""
    return VERDICT_COLORS.get(verdict, "#6e7781")


def wrap(text: str, width: int) -> str:
    """``text`` wrapped at ``width`` characters (for titles that must not overflow a figure)."""
    import textwrap

    return "\n".join(textwrap.wrap(str(text), max(int(width), 10), break_long_words=False)) or ""


def plain_table(df):
    """The tidy table with parameter columns under their own names (``p_sigma`` -> ``sigma``)."""
    ren = {c: c[2:] for c in df.columns if c.startswith("p_") and c[2:] not in df.columns}
    return df.rename(columns=ren)


def matching_rows(df, metric: str, where: dict):
    """The rows of ``metric`` whose parameters match ``where`` ({name: value or list of values};
    None matches NaN), selected as the claims select them: a claim result's rows are
    ``matching_rows(df, claim.metric, {**claim.where, **result.group})``, its control's
    ``{**claim.where, **claim.control, **control.group}``. Parameter columns under their own
    names or ``p_``-prefixed."""
    from .claims import _column, _matches

    sub = df[df["metric"] == metric]
    for k, allowed in where.items():
        if sub.empty:
            break
        col = sub[_column(sub, k)]
        sub = sub[col.isna()] if allowed is None else sub[_matches(col, allowed)]
    return sub


def seed_means(df, by: Sequence[str], metric: str | None = None):
    """Seed statistics of ``value`` per (metric, *by): columns ``mean``, ``geo_mean`` (mean of the
    log, exponentiated; NaN when a value is <= 0), ``sd``, ``n``.

    Parameters
    ----------
    df : DataFrame
        A tidy table (parameter columns under their own names, see :func:`plain_table`).
    by : sequence of str
        Parameter columns to group by (the metric is always a group key).
    metric : str, optional
        Keep only this metric.
    """
    d = df if metric is None else df[df["metric"] == metric]
    keys = ["metric", *by]
    v = d["value"].astype(float)
    logv = np.log(v.where(v > 0))
    g = d.assign(_v=v, _l=logv).groupby(keys, sort=True, dropna=False)
    out = g["_v"].agg(mean="mean", sd="std", n="count")
    out["geo_mean"] = np.exp(g["_l"].mean())
    return out.reset_index()


def md_table(rows: Sequence[Sequence], headers: Sequence[str]) -> str:
    """A markdown table (floats with 4 significant digits, ``|`` in cells escaped)."""

    def cell(v) -> str:
        if isinstance(v, float | np.floating):
            return "" if not np.isfinite(v) else f"{v:.4g}"
        return str(v).replace("|", "/")

    out = ["| " + " | ".join(map(str, headers)) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(cell(v) for v in r) + " |" for r in rows]
    return "\n".join(out)


def pyplot():
    """``matplotlib.pyplot`` on the non-interactive Agg backend (reports have no screen)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def savefig(fig, ctx: ReportContext | str | Path, name: str, dpi: int = 110) -> str:
    """Save ``fig`` as ``name`` in the report folder, close it and return ``name`` (for a
    markdown link)."""
    outdir = Path(ctx.outdir if isinstance(ctx, ReportContext) else ctx)
    outdir.mkdir(parents=True, exist_ok=True)
    fig.savefig(outdir / name, dpi=dpi)
    pyplot().close(fig)
    return name


_WORDS = {
    "consistent": "supported",
    "contradicted": "contradicted",
    "inconclusive": "inconclusive",
}


def _expectation(r) -> str:
    expected = getattr(r, "expected", None)
    if expected is None or r.verdict == expected:
        return "as expected" if expected is not None else ""
    return f"NOT AS EXPECTED: expected {expected}"


def _fit_words(fit, level: float) -> str:
    lo, hi = fit.ci
    return f"exponent {fit.slope:+.3f}, {100 * level:g}% CI [{lo:+.3f}, {hi:+.3f}]"


def _evidence_words(r, level: float) -> str | None:
    """The fitted exponent, or a level claim's worst level; None when neither exists."""
    if r.fit is not None:
        return _fit_words(r.fit, level)
    lc = getattr(r, "levels", None)
    if lc is not None:
        return f"worst level {lc.interval(r.worst)} (simultaneous {100 * level:g}% interval)"
    return None


def verdict_lines(results) -> list[str]:
    """One line per claim group, in plain words: the fitted exponent and its CI, the verdict on
    each prediction, the group's verdict (any of the six: consistent, contradicted,
    inconclusive, floor-limited, underpowered, not discriminating) against the verdict the claim
    expects, why, and for a bound claim its negative control. These are the report's own
    judgements (``ctx.results``), never recomputed."""
    out = []
    for r in results:
        claim = r.claim
        tag = " (post hoc)" if getattr(claim, "posthoc", "") else ""
        head = f"- {claim.label}{tag} [{r.group_label}]: "
        exp = _expectation(r)
        verdict = f"**{r.verdict}**" + (f" ({exp})" if exp else "")
        note = f": {r.note}" if r.note else ""
        words = _evidence_words(r, claim.level)
        if words is None:
            out.append(f"{head}no fit; verdict {verdict}{note}.")
        else:
            preds = "; ".join(
                f"{lab} ({pv:+.3f}{' bound' if claim.bound else ''}): {_WORDS.get(v, v)}"
                for lab, pv, v in r.predictions
            )
            out.append(f"{head}{words} -> {preds}; verdict {verdict}{note}.")
        ctrl = getattr(r, "control", None)
        if ctrl is not None:
            where = ", ".join(f"{k}={v}" for k, v in dict(claim.control).items())
            fit = _evidence_words(ctrl, claim.level) or "no fit"
            if fit == "no fit":
                role = f"{ctrl.note or 'no fit'}: the bound is not tested"
            elif ctrl.verdict == "contradicted":
                role = "it violates the bound, so the bound is tested"
            else:
                role = "it does not violate the bound, so the bound is not tested"
            out.append(
                f"  - negative control ({where}) [{ctrl.group_label}]: {fit}; verdict "
                f"{ctrl.verdict}: {role}."
            )
    return out


@dataclass
class ReportContext:
    """Everything a study figure may use.

    Attributes
    ----------
    study : Study
        The study (its grid, claims, name).
    df : DataFrame
        The tidy results, parameter columns under their own names (no ``p_`` prefix).
    results : list of ClaimResult
        The fits and verdicts of every claim group, as the report shows them.
    outdir : Path
        The report folder (figures write their files here).
    mode : {"full", "quick"}
    """

    study: object
    df: object
    results: list = field(default_factory=list)
    outdir: Path = Path(".")
    mode: str = "full"

    def seed_means(self, by: Sequence[str], metric: str | None = None):
        """:func:`seed_means` of this report's table."""
        return seed_means(self.df, by, metric)

    def results_for(self, metric: str | None = None, label: str | None = None) -> list:
        """The claim results of one metric (or claim label)."""
        return [
            r
            for r in self.results
            if (metric is None or r.claim.metric == metric)
            and (label is None or r.claim.label == label)
        ]
