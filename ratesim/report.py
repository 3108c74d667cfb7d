"""Reports: ``reports/STUDY/`` with log-log rate plots, fitted-vs-predicted tables and a README.

Everything here is computed from the tidy results table only: the fits and verdicts are those of
:func:`ratesim.study.evaluate_claims`, so a report and ``ratesim check`` never disagree. Files
written into the output directory:

- ``<claim>.png``: one log-log plot per claim, one panel per group (k, beta, estimator, ...). Grey
  dots are the individual seeds; black dots with bars the per-level statistic the claim fits (the
  seed mean, or the geometric mean where the claim says so) +- 2 standard errors; hollow dots the
  levels left out of the fit because they lie at the metric's floor (the floor is drawn, with the
  zone within ``floor_factor`` of it shaded); the blue line the fitted rate with its pointwise CI
  band; one line per prediction, starting at the fitted value at the first fitted level, with its
  tolerance band as a light wedge (for a bound, the boundary with the allowed region shaded), in
  the colour of its verdict (:data:`ratesim.study.figures.VERDICT_COLORS`); for a bound claim the
  negative control's levels and fit in orange. Legends sit below the panels;
- ``fits.md`` and ``fits.tex``: fitted against predicted exponents with CI, tolerance band,
  verdict, the claim's expected verdict and the reason;
- ``results.csv`` (and ``results.parquet`` when pyarrow is present): the tidy table, and
  ``results.csv.sha256``, its checksum (``ratesim check`` verifies it for committed reports);
- ``README.md``: embeds the above, the study's own figures (each called with one
  :class:`ratesim.study.figures.ReportContext`), says how it was produced (command, commit and code
  version, date, machine, when the design was registered) and links ``reading.md``, the
  hand-written reading of the run, when there is one.

A full report (``mode="full"``, the committed ``reports/STUDY/``) is written only from a clean
commit and from a table whose cells all come from one clean commit
(:mod:`ratesim.study.provenance`); otherwise :func:`write_report` raises
:class:`ratesim.study.provenance.ProvenanceError` before writing anything. Quick reports are not
restricted.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import re
from pathlib import Path

import numpy as np

from .rates import VERDICT_KINDS
from .study.figures import (
    CONTROL_COLOR,
    FIT_COLOR,
    VERDICT_COLORS,
    matching_rows,
    verdict_color,
    wrap,
)

__all__ = ["write_report", "write_index", "plot_claim", "fits_markdown", "fits_latex"]

_LEGEND_CHARS = 78  # legend text per line under a 5-inch panel at 7.5 pt
_STAT_WORDS = {"mean": "seed mean", "geomean": "geometric mean"}
_STAT_LONG = {
    "mean": "log of the seed mean: the rate of E[metric]",
    "geomean": "seed mean of the log: the geometric mean, the typical seed",
}
_FIT_TEXT = (
    "LaTeX: [fits.tex](fits.tex). Each fit is weighted least squares, over the levels of the "
    "fitted axis, of the log of the seed mean (the rate of E[metric]; the seed mean of the log, "
    "i.e. the geometric mean, where the claim says so: `statistic`), weighted by the levels' seed "
    "standard errors. The slope's CI is Student t on the WLS standard error, widened for the seed "
    "mean to the hull of that interval and a seed bootstrap (the seeds of every level resampled), "
    "and widened again when the levels scatter about the line more than their seed noise allows "
    "(`ratesim.rates`). A prediction p is *consistent* only when the whole CI lies inside its "
    "band p ± tolerance (for an upper bound: at or below p + tolerance), *contradicted* when the "
    "CI misses the band, else *inconclusive*; a group with fewer than {levels} levels or "
    "{decades} decades of the fitted axis is *underpowered*, one left with fewer above the floor "
    "*floor-limited*, and a bound its negative control does not violate is *not discriminating* "
    "(`ratesim.study.claims`)."
)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "claim"


def _claim_files(study) -> list[str]:
    names, out = set(), []
    for i, c in enumerate(study.claims):
        base = _slug(c.label)
        name = base if base not in names else f"{base}_{i}"
        names.add(name)
        out.append(f"{name}.png")
    return out


def _fmt_ci(ci) -> str:
    lo, hi = ci
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "(-inf, inf)"
    return f"[{lo:+.3f}, {hi:+.3f}]"


def _band(p: float, tol: float, bound: bool) -> str:
    """The tolerance band of a prediction as numbers: ``[p - tol, p + tol]`` or ``<= p + tol``."""
    return f"<= {p + tol:+.3f}" if bound else f"[{p - tol:+.3f}, {p + tol:+.3f}]"


def _pred_text(p) -> str:
    return p.text if hasattr(p, "text") else f"{float(p):g}"


def _where_text(where) -> str:
    return ", ".join(f"{k}={v}" for k, v in dict(where).items())


def _expected_cell(verdict: str, expected: str) -> str:
    return "as expected" if verdict == expected else f"**expected {expected}**"


def _extra_note(r) -> str:
    """The group's note without the per-prediction reasons (shown in their own rows)."""
    note = r.note or ""
    joined = "; ".join(
        f"{lab}: {r.reasons[lab]}" for lab, _, _ in r.predictions if lab in r.reasons
    )
    if joined and joined in note:
        note = note.replace(joined, "")
    return re.sub(r"(;\s*)+", "; ", note).strip("; ").strip()


def _result_rows(r, group: str, expected: str) -> list[dict]:
    claim = r.claim
    base = {"claim": claim.label, "group": group, "verdict": r.verdict}
    base["expected"] = _expected_cell(r.verdict, expected)
    if r.levels is not None:
        return _level_rows(r, base)
    if r.fit is None:
        preds = claim.predictions()
        return [
            {
                **base,
                "slope": "",
                "ci": "",
                "pred": "; ".join(f"{lab}: {_pred_text(p)}" for lab, p in preds.items()),
                "band": (
                    f"<= p + {claim.tolerance:g}" if claim.bound else f"p ± {claim.tolerance:g}"
                ),
                "pverdict": "",
                "reason": r.note or "no fit",
            }
        ]
    rows = []
    extra = _extra_note(r)
    for j, (lab, p, vd) in enumerate(r.predictions):
        reason = r.reasons.get(lab, "")
        if j == 0 and extra:
            reason = f"{reason}; {extra}" if reason else extra
        rows.append(
            {
                **base,
                "slope": f"{r.fit.slope:+.3f}",
                "ci": _fmt_ci(r.fit.ci),
                "pred": f"{lab}: {p:+.3f}",
                "band": _band(p, claim.tolerance, claim.bound),
                "pverdict": vd,
                "reason": reason,
            }
        )
    return rows


def _level_rows(r, base: dict) -> list[dict]:
    """The rows of a level claim's group: per prediction, the level that decides it (the worst
    one for a bound) with its simultaneous interval."""
    lc, claim = r.levels, r.claim
    rows = []
    extra = _extra_note(r)
    for j, (lab, p, vd) in enumerate(r.predictions):
        reason = r.reasons.get(lab, "")
        if j == 0 and extra:
            reason = f"{reason}; {extra}" if reason else extra
        w = r.worst
        rows.append(
            {
                **base,
                "slope": f"{lc.center[w]:.3f} at {claim.on} = {lc.N[w]:g} (worst level)",
                "ci": f"[{lc.lo[w]:.3f}, {lc.hi[w]:.3f}]",
                "pred": f"{lab}: {p:.3f}",
                "band": (
                    f"<= {p + claim.tolerance:.3f}"
                    if claim.bound
                    else f"[{p - claim.tolerance:.3f}, {p + claim.tolerance:.3f}]"
                ),
                "pverdict": vd,
                "reason": reason,
            }
        )
    return rows


def _rows(results) -> list[dict]:
    rows = []
    for r in results:
        rows += _result_rows(r, r.group_label, r.expected)
        for ctrl in r.controls:
            where = _where_text(r.claim.control)
            label = f"{r.group_label}, control {where}" + _which(ctrl, r.controls)
            rows += _result_rows(ctrl, label, "contradicted")
    return rows


def _which(ctrl, controls) -> str:
    """The control group's own label where several control groups judge one claim group."""
    return f" ({ctrl.group_label})" if len(controls) > 1 else ""


_HEAD = (
    "claim",
    "group",
    "fitted slope",
    "CI",
    "prediction",
    "band",
    "prediction verdict",
    "group verdict",
    "expected",
    "reason",
)
_KEYS = (
    "claim",
    "group",
    "slope",
    "ci",
    "pred",
    "band",
    "pverdict",
    "verdict",
    "expected",
    "reason",
)


def fits_markdown(results) -> str:
    """Markdown table of fitted against predicted exponents: one row per group and prediction
    (and per prediction of a bound claim's negative control), with the tolerance band, the
    prediction's verdict, the group's verdict, the expected verdict (mismatches in bold) and the
    reason."""
    lines = ["| " + " | ".join(_HEAD) + " |", "|" + "---|" * len(_HEAD)]
    for row in _rows(results):
        cells = [str(row[k]).replace("|", "\\|") for k in _KEYS]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _tex(s: str) -> str:
    """Text for a LaTeX table cell: special characters escaped, ``±``/``<=`` as math,
    ``**bold**`` as ``\\textbf``."""
    table = {
        "\\": r"\textbackslash{}",
        "{": r"\{",
        "}": r"\}",
        "_": r"\_",
        "%": r"\%",
        "&": r"\&",
        "#": r"\#",
        "^": r"\^{}",
        "$": r"\$",
        "~": r"\textasciitilde{}",
    }
    s = "".join(table.get(ch, ch) for ch in str(s))
    s = s.replace("±", r"$\pm$").replace("<=", r"$\le$")
    return re.sub(r"\*\*(.+?)\*\*", r"\\textbf{\1}", s)


def fits_latex(results) -> str:
    """The same table as :func:`fits_markdown` as a LaTeX ``tabular`` (booktabs; the reason
    column wraps)."""
    lines = [
        r"\begin{tabular}{" + "l" * (len(_HEAD) - 1) + "p{6cm}}",
        r"\toprule",
        " & ".join(_tex(h) for h in _HEAD) + r" \\",
        r"\midrule",
    ]
    for row in _rows(results):
        lines.append(" & ".join(_tex(row[k]) for k in _KEYS) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# plots


def _level_stats(x, v, statistic: str, fit=None):
    """Per level of ``x``: the fitted statistic (metric units) and its standard error on the log
    scale: ``log(mean)`` with the delta-method s.e. (``"mean"``), or the mean of the log
    (``"geomean"``). Levels in ``fit`` take the fit's own values (exactly what was fitted)."""
    levels = np.unique(x)
    y = np.full(levels.size, np.nan)
    se = np.full(levels.size, np.nan)
    for i, lv in enumerate(levels):
        vals = v[x == lv]
        n = vals.size
        if statistic == "geomean":
            lg = np.log(vals[vals > 0])
            if lg.size:
                y[i] = lg.mean()
                se[i] = lg.std(ddof=1) / np.sqrt(lg.size) if lg.size > 1 else np.nan
        else:
            m = vals.mean()
            if m > 0:
                y[i] = np.log(m)
                se[i] = vals.std(ddof=1) / (np.sqrt(n) * m) if n > 1 else np.nan
    if fit is not None:
        for i, lv in enumerate(levels):
            j = np.flatnonzero(np.isclose(fit.N, lv, rtol=1e-12, atol=0))
            if j.size:
                y[i], se[i] = fit.mean_log[j[0]], fit.se_log[j[0]]
    return levels, y, se


def _xform(form: str):
    from .rates import _x

    return lambda n: _x(n, "N/logN" if form == "N/logN" else "N")


def _draw_levels(ax, rows, claim, res, color, marker, label, *, seeds: bool):
    """Seeds, the fitted statistic per level +- 2 s.e. (filled: fitted; hollow: at the floor),
    and the fit with its CI band. Returns the positive values drawn (for the axis limits)."""
    from .study.claims import _column

    if rows.empty:
        return np.array([])
    x = rows[_column(rows, claim.on)].to_numpy(dtype=float)
    v = rows["value"].to_numpy(dtype=float)
    if seeds:
        pos = v > 0
        hidden = f" ({(~pos).sum()} values <= 0 not shown)" if (~pos).any() else ""
        ax.scatter(
            x[pos], v[pos], s=9, color="0.62", alpha=0.5, lw=0, zorder=1, label="seeds" + hidden
        )
    levels, y, se = _level_stats(x, v, claim.statistic, res.fit)
    floored = np.isin(levels, np.asarray(res.floored, dtype=float))
    c = np.exp(y)
    err = np.nan_to_num(2 * se)
    yerr = np.vstack([c - c * np.exp(-err), c * np.exp(err) - c])
    stat = _STAT_WORDS[claim.statistic]
    for mask, hollow in ((~floored, False), (floored, True)):
        if not mask.any():
            continue
        fitted = "at floor, not fitted" if hollow else ("fitted" if res.fit else "not fitted")
        if not hollow and res.fit is None and res.verdict in ("floor-limited", "underpowered"):
            fitted = f"not fitted: {res.verdict}"
        ax.errorbar(
            levels[mask],
            c[mask],
            yerr=yerr[:, mask],
            fmt=marker,
            ms=5.5 if hollow else 4.5,
            mfc="white" if hollow else color,
            mec=color,
            mew=1.3,
            color=color,
            ecolor=color,
            elinewidth=1,
            capsize=2,
            lw=0,
            zorder=4,
            label=f"{label}{stat} ± 2 s.e. ({fitted})",
        )
    if res.fit is not None:
        fit = res.fit
        grid = np.geomspace(fit.N.min(), fit.N.max(), 200)
        cc, lo, hi = fit.predict(grid)
        ax.plot(
            grid,
            cc,
            color=color if label else FIT_COLOR,
            lw=2 if not label else 1.6,
            ls="-" if not label else "--",
            zorder=3,
            label=f"{label}{_fit_name(fit)} {fit.slope:+.3f}, {100 * claim.level:g}% CI "
            f"{_fmt_ci(fit.ci)}"
            + (f" -> {res.verdict}{_control_words(res.verdict)}" if label else ""),
        )
        if not label:
            ax.fill_between(grid, lo, hi, color=FIT_COLOR, alpha=0.15, lw=0, zorder=2)
    return v[v > 0]


def _fit_name(fit) -> str:
    if fit.form == "two_term":
        return f"fit A N^b + c N^-{fit.subleading:g}: b ="
    return "fit"


def _control_words(verdict: str) -> str:
    if verdict == "contradicted":
        return " (violates the bound, as a control must)"
    return " (does not violate the bound: the bound is not tested)"


def _legend_rank(label: str) -> int:
    """Legend order: data, floor, fit, predictions, allowed region, control."""
    if label.startswith("control "):
        return 8 if " fit " in label else 7
    for rank, test in (
        (0, lambda t: t.startswith("seeds")),
        (1, lambda t: "± 2 s.e." in t or "simultaneous" in t),
        (2, lambda t: t.startswith("floor (")),
        (3, lambda t: "x floor" in t),
        (4, lambda t: t.startswith("fit ") or t.startswith("leading term")),
        (6, lambda t: t.startswith("allowed by the bound")),
    ):
        if test(label):
            return rank
    return 5


def _draw_floor(ax, rows, claim, df, zone: str = "left out of the fit"):
    """The floor per level (line) and the zone within ``floor_factor`` of it (shaded). Returns
    the floor values (for the axis limits)."""
    from .study.claims import _column, _floor_of

    if claim.floor is None or rows.empty:
        return np.array([])
    f = _floor_of(claim, df, rows)
    x = rows[_column(rows, claim.on)].to_numpy(dtype=float)
    ok = np.isfinite(f) & (f > 0)
    if not ok.any():
        return np.array([])
    levels = np.unique(x[ok])
    fl = np.array([f[ok][x[ok] == lv].mean() for lv in levels])
    name = claim.floor if isinstance(claim.floor, str) else f"{claim.floor:g}"
    col = "#57606a"
    if levels.size == 1:
        ax.axhline(fl[0], color=col, lw=1.2, ls=(0, (1, 1)), zorder=2, label=f"floor ({name})")
        ax.axhspan(fl[0], claim.floor_factor * fl[0], color=col, alpha=0.12, lw=0, zorder=0)
    else:
        ax.plot(levels, fl, color=col, lw=1.2, ls=(0, (1, 1)), zorder=2, label=f"floor ({name})")
        ax.fill_between(levels, fl, claim.floor_factor * fl, color=col, alpha=0.12, lw=0, zorder=0)
    ax.fill_between(
        [],
        [],
        [],
        color=col,
        alpha=0.12,
        lw=0,
        label=f"< {claim.floor_factor:g} x floor: {zone}",
    )
    return fl


def _draw_predictions(ax, res, claim, ybottom):
    """One line per prediction from the fitted value at the first fitted level, with its band:
    a light wedge [p - tol, p + tol], or for a bound the boundary p + tol with the allowed region
    (decay at least that fast) shaded."""
    fit = res.fit
    xf = _xform(claim.form)
    n0, n1 = float(fit.N.min()), float(fit.N.max())
    grid = np.geomspace(n0, n1, 100)
    dx = xf(grid) - xf(np.array([n0]))[0]
    if fit.form == "two_term":  # the exponent is that of the leading term A N^b: compare with it
        y0 = float(np.exp(fit.intercept + fit.slope * np.log(n0)))
        ax.plot(
            grid,
            y0 * np.exp(fit.slope * dx),
            color=FIT_COLOR,
            lw=1.2,
            ls=":",
            zorder=3,
            label=f"leading term A N^b of the fit (b = {fit.slope:+.3f})",
        )
    else:
        y0 = float(fit.predict([n0], band=False)[0])
    styles = ["--", "-.", ":", (0, (5, 1, 1, 1))]
    tol = claim.tolerance
    for j, (lab, p, vd) in enumerate(res.predictions):
        shown = vd
        if claim.bound and vd == "consistent" and res.verdict == "not discriminating":
            shown = "not discriminating"
        col = verdict_color(shown)
        ls = styles[j % len(styles)]
        if claim.bound:
            edge = y0 * np.exp((p + tol) * dx)
            ax.plot(
                grid,
                edge,
                color=col,
                lw=1.8,
                ls=ls,
                zorder=3,
                label=f"{lab}: boundary p + tol = {p + tol:+.3f} -> {shown}",
            )
            ax.fill_between(
                grid, ybottom, edge, color=VERDICT_COLORS["consistent"], alpha=0.07, lw=0, zorder=0
            )
        else:
            ax.plot(
                grid,
                y0 * np.exp(p * dx),
                color=col,
                lw=1.6,
                ls=ls,
                zorder=3,
                label=f"{lab}: {p:+.3f} ± {tol:g} -> {vd}",
            )
            ax.fill_between(
                grid,
                y0 * np.exp((p - tol) * dx),
                y0 * np.exp((p + tol) * dx),
                color=col,
                alpha=0.08,
                lw=0,
                zorder=0,
            )
    if claim.bound and res.predictions:
        ax.fill_between(
            [],
            [],
            [],
            color=VERDICT_COLORS["consistent"],
            alpha=0.07,
            lw=0,
            label="allowed by the bound (decay at least this fast)",
        )


def _panel_title(r, width: int) -> tuple[str, str]:
    head = f"{r.group_label}: {r.verdict}"
    if r.verdict != r.expected:
        head += f" (expected {r.expected})"
    return wrap(head, width), verdict_color(r.verdict)


def plot_claim(study, claim_results, df, path) -> Path:
    """One log-log figure for one claim: a panel per group (see the module docstring)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    res = list(claim_results)
    claim = res[0].claim
    n = len(res)
    ncol = min(n, 3)
    nrow = int(np.ceil(n / ncol))
    pw, ph = (5.0 if ncol > 1 else 6.0), 3.6  # inches per panel; the legends go below
    with plt.style.context("default"):
        fig, axes = plt.subplots(nrow, ncol, squeeze=False, layout="constrained")
        for ax in axes.ravel()[n:]:
            ax.set_visible(False)
        title_w = int(pw * 10)
        panels = zip(axes.ravel(), res, strict=False)
        draw = _plot_level_group if claim.form == "level" else _plot_group
        n_leg = max(draw(ax, r, claim, df, title_w) for ax, r in panels)
        leg_h = 0.17 * n_leg + 0.75  # legend lines at 7.5 pt, and the x label
        fig.set_size_inches(pw * ncol + 0.4, (ph + leg_h) * nrow + 0.8)
        width = int((pw * ncol) * 9.5)
        if claim.form == "level":
            what = (
                f"{claim.metric} vs {claim.on}: the {_STAT_WORDS[claim.statistic]} at every "
                f"level with simultaneous {100 * claim.level:g}% intervals"
                + ("; the predictions are upper bounds on the value" if claim.bound else "")
            )
        else:
            what = (
                f"{claim.metric} vs {claim.on}: {claim.form} fit of the "
                f"{_STAT_WORDS[claim.statistic]} per level"
                + ("; the predictions are upper bounds on the exponent" if claim.bound else "")
            )
        sup = wrap(f"{study.name}: {claim.label}", width) + "\n" + wrap(what, width)
        fig.suptitle(sup, fontsize=11)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=110)
        plt.close(fig)
    return path


def _log_ticks(ax, rows, claim) -> None:
    """Readable log axes: no crowded minor labels; a short x range is labelled at its levels."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

    from .study.claims import _column

    levels = np.unique(rows[_column(rows, claim.on)].to_numpy(dtype=float))
    levels = levels[levels > 0]
    if levels.size and np.log10(levels.max() / levels.min()) < 2 and levels.size <= 8:
        ax.xaxis.set_major_locator(FixedLocator(levels))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    lo, hi = ax.get_ylim()
    if np.log10(hi / lo) >= 2:  # else matplotlib's minor labels are the only ones
        ax.yaxis.set_minor_formatter(NullFormatter())


def _plot_group(ax, r, claim, df, title_w: int) -> int:
    """Draw one group's panel; returns the number of legend entries (below the axes)."""
    rows = matching_rows(df, claim.metric, {**claim.where, **r.group})
    title, col = _panel_title(r, title_w)
    if rows.empty:
        ax.set_title(title, color=col, fontsize=10)
        ax.text(
            0.5,
            0.5,
            wrap(r.note or "no data", 40),
            ha="center",
            va="center",
            transform=ax.transAxes,
            fontsize=9,
        )
        ax.set_xticks([])
        ax.set_yticks([])
        return 0
    vals = [_draw_levels(ax, rows, claim, r, "black", "o", "", seeds=True)]
    floors = _draw_floor(ax, rows, claim, df)
    for ctrl in r.controls:
        crows = matching_rows(df, claim.metric, {**claim.where, **claim.control, **ctrl.group})
        label = f"control {_where_text(claim.control)}{_which(ctrl, r.controls)}: "
        if crows.empty:
            ax.plot([], [], "D", color=CONTROL_COLOR, label=f"{label}{ctrl.note or 'no data'}")
        vals.append(_draw_levels(ax, crows, claim, ctrl, CONTROL_COLOR, "D", label, seeds=False))
    ax.set_xscale("log")
    ax.set_yscale("log")
    if r.fit is not None and r.fit.form == "two_term":  # the leading term is drawn: keep it in view
        ends = np.log(np.array([r.fit.N.min(), r.fit.N.max()]))
        lead = np.exp(r.fit.intercept + r.fit.slope * ends)
        vals.append(lead[np.isfinite(lead) & (lead > 0)])
    v = np.concatenate([a for a in vals if a.size] or [np.array([1.0])])
    lo, hi = float(v.min()), float(v.max())
    floor_shown = False
    if floors.size and floors.max() > 0:
        fmin = float(np.min(floors[floors > 0]))
        floor_shown = fmin >= lo / 30  # a floor far below the data would squash them
        if floor_shown:
            lo = min(lo, fmin)
        hi = max(hi, claim.floor_factor * float(floors.max()))
    span = max(hi / lo, 10.0)
    ylo, yhi = lo / span**0.08, hi * span**0.08
    if r.fit is not None:
        _draw_predictions(ax, r, claim, ylo)
    ax.set_ylim(ylo, yhi)
    _log_ticks(ax, rows, claim)
    ax.set_xlabel(claim.on)
    ax.set_ylabel(f"{claim.metric} ({_STAT_WORDS[claim.statistic]})")
    if r.fit is None and r.note:
        title += "\n" + wrap(r.note, title_w + 8)
    ax.set_title(title, color=col, fontsize=10 if r.fit is not None else 9)
    return _finish_panel(ax, below=bool(floors.size and not floor_shown))


def _finish_panel(ax, *, below: bool) -> int:
    """Grid, spines and the legend below the axes (in :func:`_legend_rank` order; ``below``:
    the floor lies below the axes). Returns the number of legend lines."""
    ax.grid(True, which="major", color="0.92", lw=0.6)
    for s in ("top", "right"):
        ax.spines[s].set_visible(False)
    handles, labels = ax.get_legend_handles_labels()
    order = sorted(range(len(labels)), key=lambda i: (_legend_rank(labels[i]), i))
    handles, labels = [handles[i] for i in order], [labels[i] for i in order]
    if below:
        labels = [t + " (below the axes)" if t.startswith("floor (") else t for t in labels]
    labels = [wrap(t, _LEGEND_CHARS) for t in labels]  # a legend never widens the panel
    ax.legend(
        handles,
        labels,
        loc="upper left",
        bbox_to_anchor=(0.0, -0.16),
        fontsize=7.5,
        frameon=False,
        borderaxespad=0,
        handlelength=2.6,
    )
    return sum(t.count("\n") + 1 for t in labels)


def _draw_level_intervals(ax, rows, claim, res, color, marker, label, *, seeds: bool, shift=1.0):
    """A level claim's seeds, and per level the statistic with its simultaneous interval (hollow:
    levels that cannot resolve the bound). Returns the values drawn (for the axis limits)."""
    from .rates import level_intervals
    from .study.claims import _column

    if rows.empty:
        return np.array([])
    x = rows[_column(rows, claim.on)].to_numpy(dtype=float)
    v = rows["value"].to_numpy(dtype=float)
    if seeds:
        ax.scatter(x, v, s=9, color="0.62", alpha=0.5, lw=0, zorder=1, label="seeds")
    lc = res.levels
    if lc is None:  # no intervals in res (underpowered): recompute
        try:
            lc = level_intervals(x, v, statistic=claim.statistic, level=claim.level)
        except ValueError:
            return v
    floored = np.isin(lc.N, np.asarray(res.floored, dtype=float))
    judged = "judged" if res.levels is not None else f"not judged: {res.verdict}"
    for mask, hollow in ((~floored, False), (floored, True)):
        if not mask.any():
            continue
        what = "at the floor: judged only for a violation beyond it" if hollow else judged
        err = np.vstack([lc.center - lc.lo, lc.hi - lc.center])[:, mask]
        ax.errorbar(
            lc.N[mask] * shift,
            lc.center[mask],
            yerr=np.where(np.isfinite(err), err, 0.0),
            fmt=marker,
            ms=5.5 if hollow else 4.5,
            mfc="white" if hollow else color,
            mec=color,
            mew=1.3,
            ecolor=color,
            elinewidth=1,
            capsize=2,
            lw=0,
            zorder=4,
            label=f"{label}{_STAT_WORDS[claim.statistic]}, simultaneous "
            f"{100 * claim.level:g}% interval ({what})"
            + (f" -> {res.verdict}{_control_words(res.verdict)}" if label else ""),
        )
    # the axis limits follow the seeds and the level statistics; an interval wider than that
    # (two or three seeds) runs off the panel rather than squashing the data
    fin = np.concatenate([lc.center, v])
    return fin[np.isfinite(fin)]


def _plot_level_group(ax, r, claim, df, title_w: int) -> int:
    """One group's panel of a level claim: N on a log axis, the metric on a linear one, each
    prediction as a horizontal line (a bound: the allowed region below it shaded). Returns the
    number of legend lines."""
    rows = matching_rows(df, claim.metric, {**claim.where, **r.group})
    title, col = _panel_title(r, title_w)
    vals = [_draw_level_intervals(ax, rows, claim, r, "black", "o", "", seeds=True)]
    zone = "a level whose zone reaches the bound is not judged"
    floors = _draw_floor(ax, rows, claim, df, zone=zone)
    vals.append(floors * claim.floor_factor)
    for ctrl in r.controls:
        crows = matching_rows(df, claim.metric, {**claim.where, **claim.control, **ctrl.group})
        label = f"control {_where_text(claim.control)}{_which(ctrl, r.controls)}: "
        vals.append(
            _draw_level_intervals(
                ax, crows, claim, ctrl, CONTROL_COLOR, "D", label, seeds=False, shift=1.06
            )
        )
    ax.set_xscale("log")
    styles = ["--", "-.", ":", (0, (5, 1, 1, 1))]
    tol = claim.tolerance
    preds = r.predictions or [
        (lab, float(p(**r.group)) if hasattr(p, "text") else float(p), "")
        for lab, p in claim.predictions().items()
    ]
    for j, (lab, p, vd) in enumerate(preds):
        shown = "not discriminating" if r.verdict == "not discriminating" else vd
        c = verdict_color(shown) if shown else "0.4"
        if claim.bound:
            text = f"{lab}: bound p + tol = {p + tol:.3f}" + (f" -> {shown}" if shown else "")
            ax.axhline(p + tol, color=c, lw=1.8, ls=styles[j % 4], zorder=3, label=text)
        else:
            text = f"{lab}: {p:.3f} ± {tol:g}" + (f" -> {shown}" if shown else "")
            ax.axhline(p, color=c, lw=1.6, ls=styles[j % 4], zorder=3, label=text)
            ax.axhspan(p - tol, p + tol, color=c, alpha=0.08, lw=0, zorder=0)
        vals.append(np.array([p + tol, p - tol if not claim.bound else p + tol]))
    v = np.concatenate([a for a in vals if a.size] or [np.array([0.0, 1.0])])
    lo, hi = float(v.min()), float(v.max())
    pad = 0.08 * (hi - lo or 1.0)
    ylo = -pad if lo >= 0 else lo - pad
    if claim.bound and preds:
        edge = min(p for _, p, _ in preds) + tol
        ax.axhspan(ylo, edge, color=VERDICT_COLORS["consistent"], alpha=0.07, lw=0, zorder=0,
                   label="allowed by the bound")  # fmt: skip
    ax.set_ylim(ylo, hi + pad)
    from matplotlib.ticker import FuncFormatter, NullFormatter

    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(claim.on)
    ax.set_ylabel(f"{claim.metric} ({_STAT_WORDS[claim.statistic]})")
    if r.levels is None and r.note:
        title += "\n" + wrap(r.note, title_w + 8)
    ax.set_title(title, color=col, fontsize=10 if r.levels is not None else 9)
    return _finish_panel(ax, below=False)


# --------------------------------------------------------------------------------------------
# README


def figure_sections(study, df, outdir, results, mode: str = "full") -> list[str]:
    """Markdown of the study's own figures (``Study.figures``), each called with one
    :class:`ratesim.study.figures.ReportContext` and writing into ``outdir``."""
    from .study.figures import ReportContext, plain_table

    if not study.figures:
        return []
    ctx = ReportContext(
        study=study, df=plain_table(df), results=results, outdir=Path(outdir), mode=mode
    )
    out = ["## Figures", ""]
    for fig in study.figures:
        out += [str(fig(ctx)).rstrip(), ""]
    return out


def _study_figures(study, df, outdir, results, mode) -> list[str]:
    """:func:`figure_sections` in the style the study figures were written for (seaborn's
    "ticks" theme; the claim plots use their own style)."""
    if study.figures:
        import seaborn as sns

        sns.set_theme(style="ticks", context="notebook")
    return figure_sections(study, df, outdir, results, mode)


def write_family_summary(family: str, summarize, tables, outdir, *, mode="full", command=""):
    """Write ``outdir/SUMMARY.md``: a study family's summary (``summary.py`` of its folder).

    Parameters
    ----------
    family : str
        The family's folder name.
    summarize : callable
        ``summarize(contexts, outdir) -> markdown`` (:func:`ratesim.study.spec.family_summary`).
    tables : list of (Study, DataFrame)
        The family's studies that have results, with their tidy tables; each is judged here as
        in its own report (:func:`ratesim.study.evaluate_claims`), so the summary's verdicts are
        the reports' verdicts.
    outdir : path
    mode : {"full", "quick"}
    command : str
        The command that produced the results (quoted).

    Returns
    -------
    pathlib.Path
        The summary's path.
    """
    from .study.claims import evaluate_claims
    from .study.figures import ReportContext, plain_table

    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    ctxs = [
        ReportContext(
            study=st, df=plain_table(df), results=evaluate_claims(st, df), outdir=outdir, mode=mode
        )
        for st, df in tables
    ]
    import seaborn as sns

    sns.set_theme(style="ticks", context="notebook")
    body = str(summarize(ctxs, outdir)).strip()
    names = ", ".join(f"[{c.study.name}](../{c.study.name}/README.md)" for c in ctxs)
    head = [
        f"# {family}: family summary ({mode} runs)",
        "",
        f"From the results of {names}; each study's own report has its design, fits and plots.",
        f"Regenerate: `{command}`." if command else "",
        "",
    ]
    path = outdir / "SUMMARY.md"
    path.write_text("\n".join(head) + "\n" + body + "\n")
    return path


def _study_file(study) -> str:
    src = getattr(study, "source", None)
    if src is None:
        return f"{study.name}.py"
    src = Path(src).resolve()
    return f"{src.parent.parent.name}/{src.parent.name}/{src.name}"


def _tally(verdicts: list[str]) -> str:
    """``**2 consistent**, **1 floor-limited**`` (verdicts in palette order)."""
    kinds = [k for k in VERDICT_KINDS if k in verdicts] + sorted(set(verdicts) - set(VERDICT_KINDS))
    return ", ".join(f"**{verdicts.count(k)} {k}**" for k in kinds) or "**0 groups**"


def _claim_lines(i: int, c, rs: list) -> list[str]:
    """The README's entry for claim ``i``: what is claimed and how it is judged, and the tally
    of its group verdicts against the expected ones (no overall rule is invented)."""
    post = "*post hoc* " if c.posthoc else ""
    per = ", ".join(c.group_by) or "study"
    n_ok = sum(r.as_expected for r in rs)
    tally = (
        f"group verdicts {_tally([r.verdict for r in rs])}; {n_ok} of {len(rs)} groups as expected"
    )
    preds = []
    for lab, p in c.predictions().items():
        t = _pred_text(p)
        band = f"<= p + {c.tolerance:g}" if c.bound else f"p ± {c.tolerance:g}"
        preds.append(f"{lab}: p = {t}, band {band}")
    where = f"; where {_where_text(c.where)}" if c.where else ""
    if c.form == "level":
        stat = _STAT_WORDS[c.statistic]
        kind = "upper bounds on the value, " if c.bound else ""
        lines = [
            f"{i + 1}. {post}**{c.label}**: `{c.metric}` at every {c.on}, per {per} (level claim; "
            f"role: {c.role}); {tally}",
            f"   - predictions ({kind}rule `{c.rule}`): " + "; ".join(preds),
            f"   - judged per level: simultaneous {100 * c.level:g}% Student t intervals of the "
            f"{stat} (Bonferroni over the levels); the prediction holds when it holds at every "
            f"level{where}",
        ]
        floor_rule = (
            f"levels where {c.floor_factor:g} x the floor reaches the bound count only as "
            "violations, when above the bound plus their floor"
        )
    else:
        kind = "upper bounds on the exponent, " if c.bound else ""
        lines = [
            f"{i + 1}. {post}**{c.label}**: `{c.metric}` ~ {c.on}^p per {per} (role: {c.role}); "
            + tally,
            f"   - predictions ({kind}rule `{c.rule}`): " + "; ".join(preds),
            f"   - fit: form `{c.form}`, statistic `{c.statistic}` ({_STAT_LONG[c.statistic]}), "
            f"{100 * c.level:g}% CI{where}",
        ]
        floor_rule = (
            f"levels whose seed mean is below {c.floor_factor:g} x the floor are left out of the "
            "fit"
        )
    if c.floor is not None:
        f = f"metric `{c.floor}`" if isinstance(c.floor, str) else f"{c.floor:g}"
        left = sorted({lv for r in rs for lv in r.floored})
        lines.append(
            f"   - floor: {f}; {floor_rule}"
            + (f" (here {c.on} = {', '.join(f'{v:g}' for v in left)})" if left else "")
        )
    if c.control:
        cv = sorted(
            {
                ctrl.verdict + (f" ({ctrl.note})" if _no_evidence(ctrl) else "")
                for r in rs
                for ctrl in r.controls
            }
        )
        lines.append(
            f"   - negative control: {_where_text(c.control)} must violate the bound (else the "
            "verdict is *not discriminating*)" + (f"; its verdict: {', '.join(cv)}" if cv else "")
        )
    if isinstance(c.expect, str):
        exp = f"{c.expect} in every group"
    else:
        exp = ", ".join(f"{k}: {v}" for k, v in c.expect.items()) + ", otherwise consistent"
    off = [f"{r.group_label}: {r.verdict}, expected {r.expected}" for r in rs if not r.as_expected]
    lines.append(
        f"   - expected: {exp}"
        + (f"; evidence: {c.evidence}" if c.evidence else "")
        + (f"; **not as expected**: {'; '.join(off)}" if off else "")
    )
    if c.why:
        lines.append(f"   - why this design: {c.why}")
    if c.posthoc:
        lines.append(f"   - post hoc (written after the data were seen): {c.posthoc}")
    return lines


def _no_evidence(r) -> bool:
    """Neither a fit nor a level claim's intervals (the note says why)."""
    return r.fit is None and r.levels is None


_ROLES = ("paper", "anchor", "control")


def _roles_in(roles) -> list[str]:
    return [r for r in _ROLES if r in roles] + sorted(set(roles) - set(_ROLES))


def _role_table(results) -> list[str]:
    """Markdown table: per claim role, the count of group verdicts of each kind and of groups
    whose verdict is not the expected one."""
    kinds = list(VERDICT_KINDS)
    out = [
        "| role | groups | " + " | ".join(kinds) + " | not as expected |",
        "|---|---|" + "---|" * (len(kinds) + 1),
    ]
    for role in _roles_in({r.claim.role for r in results}):
        rs = [r for r in results if r.claim.role == role]
        counts = " | ".join(str(sum(r.verdict == k for r in rs)) for k in kinds)
        off = sum(not r.as_expected for r in rs)
        out.append(f"| {role} | {len(rs)} | {counts} | {f'**{off}**' if off else '0'} |")
    return out


def _versions(df) -> list[str]:
    if "version" not in df.columns:
        return []
    return sorted(map(str, df["version"].dropna().unique()))


def _check_provenance(study, df, version: str) -> None:
    """Raise ProvenanceError (naming the study) unless a full report may be written."""
    from .study.provenance import ProvenanceError, require_clean_code, table_problems

    try:
        require_clean_code(version)
    except ProvenanceError as e:
        raise ProvenanceError(f"{study.name}: full report refused: {e}") from None
    problems = table_problems(df)
    if problems:
        raise ProvenanceError(
            f"{study.name}: full report refused: {'; '.join(problems)}. A committed table must "
            f"come from one clean commit: `ratesim run {study.name} --rerun` at a clean commit, "
            "then report"
        )


def write_report(study, df, outdir, *, mode: str = "full", command: str = "", source: str = ""):
    """Write the report of ``study`` from its tidy table ``df`` into ``outdir``. PNG files in
    ``outdir`` that the new README does not embed (plots of claims or figures the study no longer
    has) are removed.

    Parameters
    ----------
    study : Study
    df : pandas.DataFrame
        Tidy results (:meth:`ratesim.study.ResultsStore.tidy`), non-empty.
    outdir : path
        Output directory (``reports/NAME`` for full runs).
    mode : {"full", "quick"}
        A full report is refused (:class:`ratesim.study.provenance.ProvenanceError`, before any
        file is written) when the code is not a clean commit
        (:func:`ratesim.study.runner.code_version`) or the table's cells are dirty or come from
        several code versions (:func:`ratesim.study.provenance.table_problems`).
    command : str
        The command that produced the results (quoted in the README).
    source : str
        Where the table came from.

    Returns
    -------
    pathlib.Path
        The README path.
    """
    from .study import runner
    from .study.claims import MIN_DECADES, MIN_LEVELS, evaluate_claims
    from .study.provenance import write_checksum
    from .study.store import export_tidy

    if mode not in ("full", "quick"):
        raise ValueError(f"mode must be 'full' or 'quick' (got {mode!r})")
    if df is None or len(df) == 0:
        raise ValueError(f"no results for study {study.name!r} ({mode}): run it first")
    version = runner.code_version()
    if mode == "full":
        _check_provenance(study, df, version)  # before anything is written
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    results = evaluate_claims(study, df)
    files = _claim_files(study)
    by_claim: dict[int, list] = {}
    for r in results:
        by_claim.setdefault(r.claim_index, []).append(r)
    for i, fname in enumerate(files):
        if by_claim.get(i):
            plot_claim(study, by_claim[i], df, outdir / fname)
    md = fits_markdown(results)
    (outdir / "fits.md").write_text(md)
    (outdir / "fits.tex").write_text(fits_latex(results))
    data = [p.name for p in export_tidy(df, outdir / "results.csv")]
    checksum = write_checksum(outdir / "results.csv").name
    now = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    n_cells = df["cell"].nunique()
    axes_on = sorted({c.on for c in study.claims} or {"N"})
    ranges = []
    for on in axes_on:
        col = on if on in df.columns else f"p_{on}"
        if col in df.columns and df[col].notna().any():
            v = sorted(df[col].dropna().astype(float).unique())
            ranges.append(f"{on} = {v[0]:g} ... {v[-1]:g} ({len(v)} values)")
    versions = _versions(df)
    if mode == "full":
        (cell_version,) = versions  # one clean version (checked above)
        commit = cell_version.split("+g", 1)[1]
        provenance = [
            f"- commit: {commit} (every cell computed by ratesim {cell_version}); report written "
            f"by ratesim {version}"
        ]
    else:
        provenance = [
            f"- code version of the results: {', '.join(versions) or 'unknown'}; report by "
            f"ratesim {version} (quick report: provenance not checked)"
        ]
    cpu = df.drop_duplicates("cell")["seconds"].astype(float).sum()
    lines = [
        f"# {study.name}{' (quick run)' if mode == 'quick' else ''}",
        "",
        study.description,
        "",
        "## How this was produced",
        "",
        f"- command: `{command or f'ratesim run {study.name} && ratesim report {study.name}'}`",
        f"- study file: `{_study_file(study)}` (task `{study.task_name}`, study seed "
        f"{study.seed}, {'quick' if mode == 'quick' else 'full'} grid)",
        "- design and claims registered "
        + (
            f"on {study.registered[0]} at commit {study.registered[1]}"
            if study.registered
            else "with the study file (no registration date given)"
        ),
        f"- results: {n_cells} cells, {'; '.join(ranges) or 'no sweep axis'}, "
        f"{df['rep'].nunique()} seeds per grid point, {cpu:.1f} s of compute in the cells",
        *provenance,
        f"- data source: {source or 'results store'}",
        f"- written {now} on {platform.node()} ({platform.platform()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()})",
        "",
        "## Claims",
        "",
        "Each claim is judged per group (verdicts: consistent, contradicted, inconclusive, "
        "floor-limited, underpowered, not discriminating; `ratesim.rates`, "
        "`ratesim.study.claims`); the counts below are of group verdicts, compared with the "
        "verdicts the claim expects. By the claims' role (paper: a paper's statement; anchor: a "
        "known result the pipeline must reproduce; control: built to fail or pass)"
        + (
            ". Expectations are those of the full run: a quick grid (fewer levels, seeds) may "
            "not meet them:"
            if mode == "quick"
            else ":"
        ),
        "",
        *_role_table(results),
        "",
    ]
    for i, c in enumerate(study.claims):
        lines += _claim_lines(i, c, by_claim.get(i, []))
    lines += [
        "",
        "## Fitted against predicted exponents",
        "",
        md,
        _FIT_TEXT.format(levels=MIN_LEVELS, decades=MIN_DECADES),
        "",
        "## Plots",
        "",
    ]
    for i, (c, fname) in enumerate(zip(study.claims, files, strict=True)):
        if by_claim.get(i):
            lines += [f"![{c.label}]({fname})", ""]
    lines += [
        "Grey dots: seeds; black dots: the fitted statistic per level (seed mean, or geometric "
        "mean where the claim says so) ± 2 standard errors, hollow where the level lies at the "
        "floor and is not fitted (dotted line: the floor; shaded: within the claim's floor factor "
        "of it); blue: the fitted rate and its CI band; coloured lines: the predicted slopes from "
        "the fitted value at the first fitted level, with their tolerance bands (for a bound: the "
        "boundary, with the allowed region shaded green); orange diamonds: a bound claim's "
        "negative control. Colours: green consistent, red contradicted, amber inconclusive, purple "
        "floor-limited, grey underpowered, magenta not discriminating.",
        "",
        *_study_figures(study, df, outdir, results, mode),
        *(
            [
                "## Reading",
                "",
                "What this run shows, written after the results were seen: "
                "[reading.md](reading.md).",
                "",
            ]
            if (outdir / "reading.md").is_file()
            else []
        ),
        "## Data",
        "",
        f"Tidy table: {', '.join(f'[{d}]({d})' for d in data)} (one row per cell and metric), "
        f"checksum [{checksum}]({checksum}) (`sha256sum -c {checksum}`). "
        f"`ratesim check {study.name}` re-judges the claims from it.",
        "",
    ]
    readme = outdir / "README.md"
    text = "\n".join(lines)
    readme.write_text(text)
    for png in outdir.glob("*.png"):  # plots of claims or figures the study no longer has
        if f"({png.name})" not in text:
            png.unlink()
    return readme


_TALLY = re.compile(r"\*\*(\d+) (" + "|".join(map(re.escape, VERDICT_KINDS)) + r")\*\*")
_OLD = re.compile(r"\*\*(consistent|contradicted|inconclusive)\*\*\s*$")
_AS_EXPECTED = re.compile(r"(\d+) of (\d+) groups as expected")


_ROLE = re.compile(r"\(role: ([\w-]+)\)")


def write_index(root, studies=None) -> Path:
    """Write ``root/README.md``: per study and claim role (paper, anchor, control), the tally of
    its group verdicts and the number of groups whose verdict differs from the expected one, with
    totals over all studies; after the introduction, the hand-written ``root/papers.md`` when
    there is one (per paper: what is tested, by which studies, what is floor-limited).

    With ``studies`` (the studies of the reports' studies directory), the tallies are judged now
    from each committed table ``root/NAME/results.csv`` under the current rules (as ``ratesim
    check`` does), and a column says where each table comes from (one clean commit, or
    uncommitted code: a full rerun is pending). Without, they are read from the reports' READMEs.
    """
    root = Path(root)
    if studies is not None:
        return _write_live_index(root, studies)
    kinds = list(VERDICT_KINDS)
    rows = []
    for readme in sorted(root.glob("*/README.md")):
        lines = readme.read_text().splitlines()
        desc = next((ln for ln in lines[1:] if ln.strip() and not ln.startswith("#")), "")
        tallies: dict[str, list] = {}  # role -> [counts by kind, groups not as expected or None]
        in_claims = False
        for ln in lines:
            if ln.startswith("## "):
                in_claims = ln.strip() == "## Claims"
            elif in_claims and re.match(r"\d+\. ", ln):
                m = _ROLE.search(ln)
                t = tallies.setdefault(m.group(1) if m else "-", [dict.fromkeys(kinds, 0), 0])
                found = _TALLY.findall(ln)
                for cnt, kind in found:
                    t[0][kind] += int(cnt)
                if not found and (old := _OLD.search(ln)):  # a report of the earlier format
                    t[0][old.group(1)] += 1
                    t[1] = None
                m = _AS_EXPECTED.search(ln)
                if m and t[1] is not None:
                    t[1] += int(m.group(2)) - int(m.group(1))
        if not tallies:
            tallies["-"] = [dict.fromkeys(kinds, 0), 0]
        for j, role in enumerate(_roles_in(tallies)):
            link = f"[{readme.parent.name}]({readme.parent.name}/README.md)"
            rows.append(
                (
                    link if j == 0 else "",
                    desc.replace("|", "/") if j == 0 else "",
                    role,
                    *tallies[role],
                )
            )
    out = [
        "# Reports",
        "",
        "One directory per study, written by `ratesim report STUDY` from the full-size run (the",
        "tidy results table is committed beside each report with its checksum, so `ratesim check`",
        "re-judges every claim on a fresh checkout). Counts are of group verdicts (one per claim",
        "and group, see each report), by the claims' role (paper: a paper's statement; anchor: a",
        "known result the pipeline must reproduce; control: built to fail or to pass; - for a",
        "report written before roles existed); *not as expected*: groups whose verdict differs",
        "from the one their claim expects.",
        *_papers_section(root),
        *_summaries_section(root),
        "",
        "| study | what it measures | role | " + " | ".join(kinds) + " | not as expected |",
        "|---|---|---|" + "---|" * (len(kinds) + 1),
    ]

    def cells(t, off) -> str:
        bad = "-" if off is None else (f"**{off}**" if off else "0")
        return " | ".join(str(t[k]) for k in kinds) + f" | {bad}"

    for link, desc, role, t, off in rows:
        out.append(f"| {link} | {desc} | {role} | {cells(t, off)} |")
    for j, role in enumerate(_roles_in({r[2] for r in rows})):
        sel = [r for r in rows if r[2] == role]
        t = {k: sum(r[3][k] for r in sel) for k in kinds}
        offs = [r[4] for r in sel]
        off = None if any(o is None for o in offs) else sum(offs)
        first = "**all studies**" if j == 0 else ""
        out.append(f"| {first} | | {role} | {cells(t, off)} |")
    path = root / "README.md"
    path.write_text("\n".join(out) + "\n")
    return path


PAPERS_FILE = "papers.md"  # hand-written: what each paper's claims rest on, embedded in the index


def _papers_section(root: Path) -> list[str]:
    """The hand-written ``root/papers.md`` (which parts of each paper are tested, by which
    studies, and which are floor-limited or need more than the abstract), embedded after the
    index's introduction; nothing when the file is absent."""
    path = root / PAPERS_FILE
    if not path.is_file():
        return []
    return ["", path.read_text().strip(), ""]


def _summaries_section(root: Path) -> list[str]:
    """A line linking the study families' summaries (``root/FAMILY/SUMMARY.md``), if any."""
    found = sorted(root.glob("*/SUMMARY.md"))
    if not found:
        return []
    links = ", ".join(f"[{p.parent.name}]({p.parent.name}/SUMMARY.md)" for p in found)
    return ["", f"Family summaries (one table across a family's studies): {links}."]


def _write_live_index(root: Path, studies) -> Path:
    from .study.claims import evaluate_claims
    from .study.grid import expand
    from .study.provenance import table_problems, verify_checksum
    from .study.store import read_tidy

    kinds = list(VERDICT_KINDS)
    out = [
        "# Reports",
        "",
        "One directory per study, written by `ratesim report STUDY` from the full-size run, with",
        "its tidy results table and the table's checksum (`ratesim check` re-judges every claim",
        "from it on a fresh checkout). The counts below are of group verdicts (one per claim and",
        "group), judged from the committed tables under the current rules, by the claims' role",
        "(paper: a paper's statement; anchor: a known result the pipeline must reproduce;",
        "control: built to fail, or to pass by construction); *not as expected*: groups whose",
        "verdict differs from the one their claim expects. *table*: the code version of the",
        "table's cells; a table computed from uncommitted code cannot back a report, and its",
        "study's full rerun is pending (its report is the earlier one).",
        *_papers_section(root),
        *_summaries_section(root),
        "",
        "| study | table | role | " + " | ".join(kinds) + " | not as expected |",
        "|---|---|---|" + "---|" * (len(kinds) + 1),
    ]
    totals: dict[str, list] = {}
    for st in studies:
        csv = root / st.name / "results.csv"
        link = f"[{st.name}]({st.name}/README.md)"
        if not csv.is_file():
            out.append(
                f"| {link} | no committed table | | " + " | ".join("" for _ in kinds) + " | |"
            )
            continue
        df = read_tidy(csv)
        df = df[df["cell"].isin({c.id for c in expand(st, quick=False)})]
        problems = table_problems(df)
        if problems:
            table = "uncommitted code: rerun pending"
        elif bad := verify_checksum(csv):
            table = "no checksum" if "missing" in bad else "**checksum mismatch**"
        else:
            table = "`" + str(df["version"].iloc[0]).split("+g")[-1] + "`"
        by_role: dict[str, list] = {}
        for r in evaluate_claims(st, df) if st.claims else []:
            t = by_role.setdefault(r.claim.role, [dict.fromkeys(kinds, 0), 0])
            t[0][r.verdict] += 1
            t[1] += not r.as_expected
        if not by_role:
            out.append(
                f"| {link} | {table} | (no claims) | " + " | ".join("" for _ in kinds) + " | |"
            )
        for j, role in enumerate(_roles_in(by_role)):
            t, off = by_role[role]
            tot = totals.setdefault(role, [dict.fromkeys(kinds, 0), 0])
            for k in kinds:
                tot[0][k] += t[k]
            tot[1] += off
            cells = " | ".join(str(t[k]) for k in kinds) + f" | {f'**{off}**' if off else 0}"
            out.append(
                f"| {link if j == 0 else ''} | {table if j == 0 else ''} | {role} | {cells} |"
            )
    for j, role in enumerate(_roles_in(totals)):
        t, off = totals[role]
        cells = " | ".join(str(t[k]) for k in kinds) + f" | {f'**{off}**' if off else 0}"
        out.append(f"| {'**all studies**' if j == 0 else ''} | | {role} | {cells} |")
    others = sorted(
        p.parent.name
        for p in root.glob("*/README.md")
        if p.parent.name not in {s.name for s in studies}
    )
    if others:
        out += ["", "Other reports: " + ", ".join(f"[{n}]({n}/README.md)" for n in others) + "."]
    path = root / "README.md"
    path.write_text("\n".join(out) + "\n")
    return path
