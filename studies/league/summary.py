"""The league's summary across its tiers: one table of every fitted W1 exponent (competitor x
(k, beta, d)), a heat map of the exponents with the minimax exponent of each setting, and who
beats the minimax rate, where (``ratesim report league`` writes it to reports/league/SUMMARY.md).

The minimax W1 exponent of density estimation on a k-dimensional manifold is -min(1/2, 1/k)
(N^(-1/2) at k = 1, N^(-1/2) up to a log at k = 2, N^(-1/k) from k = 3; docs/science.md, P1). A
competitor *beats* it where the 95 % CI of its exponent lies below it, *matches* it where the CI
contains it, and is *slower* where the CI lies above it; groups without a fit (floor-limited,
underpowered) are listed as such, never classified. The verdicts are those of the studies' own
claims (each report has the claim, its tolerance and its control). The family's level claims (a
value at every N: P1's comparison with the training set, novelty) get a table of their own, and
the cost of every tier is read from its table.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ratesim.study.figures import matching_rows, md_table, pyplot, savefig
from ratesim.study.spec import group_label as group_label_of

SETTING = ("k", "beta", "d", "density")
TABLE = "league_table.csv"
# the metrics of the league's W1 claims: W1 itself (k <= 2) or an upper bound on it (k = 3)
METRICS = {
    "w1": "W1",
    "w1_bound_exact": "W1 bound (exact)",
    "w1_bound": "W1 bound (sampled)",
}


def minimax_exponent(k: int) -> float:
    """-min(1/2, 1/k): the minimax W1 exponent of density estimation on a k-manifold."""
    return -min(0.5, 1.0 / k)


def _density_label(rows: pd.DataFrame) -> str:
    """The data law of a claim group's cells with its options, e.g. ``jump(ratio=10)``."""
    options = sorted(c for c in rows.columns if c.startswith("density__"))
    labels = set()
    for r in rows[["density", *options]].dropna(subset=["density"]).drop_duplicates().itertuples():
        values = dict(zip(options, r[2:], strict=True))
        shown = ", ".join(
            f"{c.removeprefix('density__')}={_number(v)}" for c, v in values.items() if pd.notna(v)
        )
        labels.add(f"{r.density}({shown})" if shown else r.density)
    return ", ".join(sorted(labels)) or "-"


def _number(v) -> str:
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def _setting(ctx, rows: pd.DataFrame) -> dict:
    """The (k, beta, d, density) of a claim group's cells (one value each, or a list); the
    density with its options (:func:`_density_label`)."""
    out = {}
    for key, col in zip(SETTING[:-1], ("k", "manifold__beta", "d"), strict=True):
        vals = sorted(rows[col].dropna().unique().tolist()) if col in rows else []
        out[key] = vals[0] if len(vals) == 1 else (", ".join(map(str, vals)) or "-")
    out["density"] = _density_label(rows) if "density" in rows else "-"
    return out


def _compare(fit, k) -> str:
    """beats / matches / slower than the minimax exponent, from the fit's CI."""
    if fit is None or not isinstance(k, (int, np.integer)):
        return "no fit"
    e = minimax_exponent(int(k))
    lo, hi = fit.ci
    return "beats" if hi < e else ("slower" if lo > e else "matches")


def league_table(ctxs) -> pd.DataFrame:
    """One row per (study, claim, group) of a paper's rate claim in N on W1 or on an upper bound
    of W1 (:data:`METRICS`; a claim on another axis, such as d, stays in its study's report), and
    of its controls: the competitor, its tuning, the setting, the
    metric, the fitted exponent with its 95 % CI, the claim's verdict and expectation, the
    minimax exponent and the comparison with it."""
    rows = []
    for ctx in ctxs:
        df = ctx.df
        groups = [(r, "claim") for r in ctx.results]
        groups += [(c, "control") for r in ctx.results for c in r.controls]
        for r, role in groups:
            c = r.claim
            if r.levels is not None or c.metric not in METRICS or c.role != "paper" or c.on != "N":
                continue
            where = {**c.where, **(c.control if role == "control" else {}), **r.group}
            sel = matching_rows(df, c.metric, where)
            comp = r.group.get("competitor", ", ".join(sorted(sel["competitor"].unique())))
            tuning = r.group.get("tuning", ", ".join(sorted(sel["tuning"].unique())))
            setting = _setting(ctx, sel)
            fit = r.fit
            k = setting["k"]
            rows.append(
                {
                    "study": ctx.study.name,
                    "claim": c.label,
                    "role": role,
                    "posthoc": bool(getattr(c, "posthoc", None)),
                    "competitor": comp,
                    "tuning": tuning,
                    **setting,
                    "metric": METRICS[c.metric],
                    "form": c.form,
                    "exponent": fit.slope if fit else math.nan,
                    "ci_lo": fit.ci[0] if fit else math.nan,
                    "ci_hi": fit.ci[1] if fit else math.nan,
                    "n_levels": fit.n_levels if fit else 0,
                    "decades": float(np.log10(fit.N.max() / fit.N.min())) if fit else math.nan,
                    "verdict": r.verdict,
                    "expected": r.expected,
                    "minimax": minimax_exponent(int(k))
                    if isinstance(k, (int, np.integer))
                    else math.nan,
                    "vs_minimax": _compare(fit, k),
                }
            )
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    # a bound's control is judged once per group of its claim, on the same cells: keep one
    return table.drop_duplicates(
        subset=["study", "claim", "role", "competitor", "tuning", *SETTING]
    )


def _verdict_words(row) -> str:
    if row.role == "control":
        return f"{row.verdict} (a control: must be contradicted)"
    return row.verdict + ("" if row.verdict == row.expected else f" (expected {row.expected})")


def _in(form: str) -> str:
    """How the exponent was fitted, where it is not a plain power of N."""
    return "" if form == "power" else f", in {form.replace('/', ' / ').replace('logN', 'log N')}"


def _fmt(row) -> str:
    if not np.isfinite(row.exponent):
        return "-"
    return f"{row.exponent:+.3f} [{row.ci_lo:+.3f}, {row.ci_hi:+.3f}]"


def _heat_map(table: pd.DataFrame, ctx0) -> str:
    """Exponents as a heat map (competitor x setting (k, beta, d, data law)), each cell annotated
    with its CI and its comparison with the minimax exponent; where several claims fit the same
    competitor in the same setting (tiers, metrics, N ranges), the cell shows the fit over the
    widest range of N, then the narrowest CI (the table has them all). A second panel draws the same
    exponents' CIs against k with the minimax exponent -min(1/2, 1/k) and N^(-1/k)."""
    fitted = table[np.isfinite(table["exponent"])].copy() if not table.empty else table
    if fitted.empty:
        return "No claim group has a fit yet: no heat map."
    fitted["row"] = fitted["competitor"] + " (" + fitted["tuning"] + ")"
    fitted["col"] = (
        "k="
        + fitted["k"].astype(str)
        + ", beta="
        + fitted["beta"].astype(str)
        + ", d="
        + fitted["d"].astype(str)
        + "\n"
        + fitted["density"].astype(str)
    )
    fitted["width"] = fitted["ci_hi"] - fitted["ci_lo"]
    fitted["span"] = -fitted["decades"].round(1)
    fitted = fitted.sort_values(["span", "width"], kind="stable").drop_duplicates(["row", "col"])
    grid = fitted.pivot_table(index="row", columns="col", values="exponent", aggfunc="first")
    plt = pyplot()
    fig, (ax, ax2) = plt.subplots(
        1,
        2,
        figsize=(4.0 + 2.2 * grid.shape[1] + 5.0, 1.0 + 0.45 * grid.shape[0]),
        gridspec_kw={"width_ratios": [max(grid.shape[1], 1), 2.2]},
    )
    im = ax.imshow(grid.to_numpy(float), cmap="viridis_r", vmin=-1.0, vmax=0.0, aspect="auto")
    ax.set_xticks(range(grid.shape[1]), grid.columns, fontsize=8)
    ax.set_yticks(range(grid.shape[0]), grid.index, fontsize=8)
    marks = {"beats": "<", "matches": "=", "slower": ">"}
    for (i, row_name), (j, col_name) in (
        (a, b) for a in enumerate(grid.index) for b in enumerate(grid.columns)
    ):
        hit = fitted[(fitted["row"] == row_name) & (fitted["col"] == col_name)]
        if hit.empty:
            continue
        h = hit.iloc[0]
        ax.text(
            j,
            i,
            f"{h.exponent:+.2f} {marks[h.vs_minimax]}\n[{h.ci_lo:+.2f}, {h.ci_hi:+.2f}]"
            + _in(h.form).replace(", in ", "\nin "),
            ha="center",
            va="center",
            fontsize=7,
            color="white" if h.exponent < -0.45 else "black",
        )
    fig.colorbar(im, ax=ax, label="fitted W1 exponent in N")
    ax.set_title(
        "exponent (<: CI below the minimax exponent, =: contains it, >: above it; where several "
        "claims fit a cell, the widest N range, then the narrowest CI)",
        fontsize=9,
    )
    ks = np.arange(1, max(3, int(fitted["k"].astype(int).max())) + 1)
    minimax = [minimax_exponent(k) for k in ks]
    ax2.hlines(minimax, ks - 0.3, ks + 0.3, colors="k", label="minimax -min(1/2, 1/k)")
    ax2.hlines(-1.0 / ks, ks - 0.3, ks + 0.3, colors="k", linestyles=":", label="N^(-1/k)")
    ax2.set_xticks(ks)
    rows = sorted(fitted["row"].unique())
    for i, name in enumerate(rows):
        sel = fitted[fitted["row"] == name]
        x = sel["k"].astype(float) + (i - (len(rows) - 1) / 2) * 0.04
        ax2.errorbar(
            x,
            sel["exponent"],
            yerr=[sel["exponent"] - sel["ci_lo"], sel["ci_hi"] - sel["exponent"]],
            fmt="o",
            ms=3,
            capsize=2,
            label=name,
        )
    ax2.set_xlabel("k (manifold dimension)")
    ax2.set_ylabel("W1 exponent (95 % CI)")
    ax2.legend(fontsize=6, loc="lower right")
    fig.tight_layout()
    return f"![league heat map]({savefig(fig, ctx0, 'league_heat_map.png')})"


def _who_beats(table: pd.DataFrame) -> list[str]:
    """One line per comparison outcome, naming the competitors, settings and exponents."""
    if table.empty:
        return ["- No W1 rate claim in these studies."]
    out = []
    fitted = table[np.isfinite(table["exponent"])]
    for kind, words in (
        ("beats", "Beat the minimax exponent (CI entirely below it)"),
        ("matches", "Not told apart from it (CI contains it)"),
        ("slower", "Slower than it (CI entirely above it)"),
    ):
        sel = fitted[fitted["vs_minimax"] == kind]
        items = [
            f"{r.competitor} ({r.tuning}{', control' if r.role == 'control' else ''}; "
            f"k={r.k}, beta={r.beta}, d={r.d}, {r.density}; {r.claim}{_in(r.form)}: {_fmt(r)})"
            for r in sel.itertuples()
        ]
        out.append(f"- {words}: " + ("; ".join(items) if items else "none") + ".")
    nofit = table[~np.isfinite(table["exponent"])]
    if not nofit.empty:
        why = ", ".join(f"{r.competitor} ({r.claim}: {r.verdict})" for r in nofit.itertuples())
        out.append(f"- Without a fit (not classified): {why}.")
    return out


def _cost_section(ctxs) -> list[str]:
    """What each tier cost, from its table: cells and the sum of their recorded seconds (each
    cell once), and the family's total in hours of one core."""
    rows, total = [], 0.0
    for ctx in ctxs:
        df = ctx.df
        if "seconds" not in df or df.empty:
            continue
        per_cell = df.groupby("cell")["seconds"].first()
        total += float(per_cell.sum())
        rows.append((ctx.study.name, f"{per_cell.size}", f"{per_cell.sum():.0f}"))
    if not rows:
        return []
    return [
        "",
        "## Cost",
        "",
        f"Every cell's own computing time, as recorded in the tables: {total:.0f} cell-seconds, "
        f"{total / 3600:.1f} hours of one core (wall time on n cores is about 1/n of it).",
        "",
        md_table(rows, ("study", "cells", "cell-seconds")),
    ]


def _level_rows(ctxs) -> list[tuple]:
    """One row per group of a paper's level claim (a value at every N, not a rate: P1's
    comparison with the training set, novelty) and of its controls: the competitor, the claim,
    the seed mean with its simultaneous interval at each N, and the verdict."""
    rows = []
    for ctx in ctxs:
        groups = [(r, False) for r in ctx.results]
        groups += [(c, True) for r in ctx.results for c in r.controls]
        seen = set()
        for r, control in groups:
            c = r.claim
            if c.form != "level" or c.role != "paper":
                continue
            key = (ctx.study.name, c.label, group_label_of(r.group))
            if key in seen:  # a control is judged once per group of its claim: show it once
                continue
            seen.add(key)
            lc = r.levels
            cells = (
                [f"{lc.center[j]:.2f} [{lc.lo[j]:.2f}, {lc.hi[j]:.2f}]" for j in range(lc.N.size)]
                if lc is not None
                else []
            )
            ns = [f"{n:g}" for n in lc.N] if lc is not None else []
            band = next(iter(c.predictions().values()))
            rule = f"<= {band:g}" if c.bound else f"{band:g} +- {c.tolerance:g}"
            rows.append(
                (
                    ctx.study.name,
                    c.label + (" control" if control else ""),
                    r.group.get("competitor", "-"),
                    r.group.get("tuning", "-"),
                    c.metric,
                    rule,
                    "; ".join(f"N = {n}: {v}" for n, v in zip(ns, cells, strict=True)) or "-",
                    f"{r.verdict} (a control: must be contradicted)" if control else r.verdict,
                )
            )
    return rows


def summarize(ctxs, outdir) -> str:
    """The league summary (module docstring): table, heat map, who beats the minimax rate."""
    table = league_table(ctxs)
    table.to_csv(outdir / TABLE, index=False)
    shown = [
        (
            r.study,
            r.claim
            + (" (post hoc)" if r.posthoc else "")
            + (" control" if r.role == "control" else ""),
            r.metric,
            "N" if r.form == "power" else "N / log N",
            r.competitor,
            r.tuning,
            r.k,
            r.beta,
            r.d,
            r.density,
            _fmt(r),
            f"{r.minimax:+.3f}",
            r.vs_minimax,
            _verdict_words(r),
        )
        for r in table.itertuples()
    ]
    head = (
        "study",
        "claim",
        "metric",
        "fitted in",
        "competitor",
        "tuning",
        "k",
        "beta",
        "d",
        "density",
        "exponent [95 % CI]",
        "minimax",
        "vs minimax",
        "claim verdict",
    )
    return "\n".join(
        [
            "## Who beats the minimax rate, where",
            "",
            "The minimax W1 exponent is -min(1/2, 1/k); a competitor beats it where its exponent's "
            "95 % CI lies below it (the claims' own verdicts, with their tolerances and controls, "
            "are in the last column of the table). Where the metric is an upper bound on W1 (k = "
            "2 and 3, the negative-Sobolev bound without a two-sample floor), *beats* shows W1 "
            "beating the minimax rate, while *matches* or *slower* only says the bound does not. "
            "At k = 2 the exponents are fitted against N / log N, so that the logarithm of the "
            "minimax sqrt(log N / N) is not read as a slower power.",
            "",
            *_who_beats(table),
            "",
            "## Heat map",
            "",
            _heat_map(table, ctxs[0]),
            "",
            "## Table",
            "",
            f"Every W1 rate group of the league's claims (also as [{TABLE}]({TABLE})).",
            "",
            md_table(shown, head),
            *_level_section(ctxs),
            *_cost_section(ctxs),
        ]
    )


def _level_section(ctxs) -> list[str]:
    """The level claims' table (:func:`_level_rows`), where the family has any."""
    rows = _level_rows(ctxs)
    if not rows:
        return []
    head = ("study", "claim", "competitor", "tuning", "metric", "claimed", "per N", "verdict")
    return [
        "",
        "## Generalization: comparable at finer scales than the training set, and novel",
        "",
        "The league's level claims: a value at every N, not a rate. `cover_vs_emp` is the "
        "coverage scale delta*(2) of the generated samples over the training set's (below 1: "
        "comparable with the data law at finer scales than the training set itself; P1's "
        "comparison); `novelty` is the samples' median distance to the training set over that "
        "of fresh draws (about 1 for new samples, 0 for copies). Seed means with simultaneous "
        "95 % intervals.",
        "",
        md_table(rows, head),
    ]
