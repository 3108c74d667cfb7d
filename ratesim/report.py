"""Reports: ``reports/STUDY/`` with log-log rate plots, fitted-vs-predicted tables and a README.

Everything here is computed from the tidy results table only: the fits and verdicts are those of
:func:`ratesim.study.evaluate_claims`, so a report and ``ratesim check`` never disagree. Files
written into the output directory:

- ``<claim>.png``: one log-log plot per claim, one facet per group (k, beta, estimator, ...); grey
  dots are the individual seeds, black dots with bars the seed geometric mean +- one seed standard
  deviation (log scale), the blue line the fitted rate with its pointwise CI band, the dashed lines
  the predicted slopes (anchored at the fitted value in the middle of the N range);
- ``fits.md`` and ``fits.tex``: fitted against predicted exponents with CI, R^2, local slopes and
  verdicts;
- ``results.csv`` (and ``results.parquet`` when pyarrow is present): the tidy table;
- ``README.md``: embeds the above, the study's own figures (each called with one
  :class:`ratesim.study.figures.ReportContext`), says how it was produced (command, version, date,
  machine, when the design was registered) and links ``reading.md``, the hand-written reading of
  the run, when there is one.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import re
from pathlib import Path

import numpy as np

__all__ = ["write_report", "write_index", "plot_claim", "fits_markdown", "fits_latex"]

_COLORS = {"consistent": "#1a7f37", "contradicted": "#cf222e", "inconclusive": "#9a6700"}


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


def _local(fit) -> str:
    ls = fit.local_slopes
    if ls.size == 0:
        return ""
    if ls.size <= 3:
        return ", ".join(f"{s:+.2f}" for s in ls)
    return f"{ls[0]:+.2f} ... {ls[-1]:+.2f}"


def _rows(results):
    rows = []
    for r in results:
        base = {
            "claim": r.claim.label,
            "group": r.group_label,
            "form": r.claim.form,
        }
        if r.fit is None:
            rows.append(
                {
                    **base,
                    "slope": "",
                    "ci": "",
                    "r2": "",
                    "local": "",
                    "pred": "",
                    "p": "",
                    "verdict": f"{r.verdict} ({r.note})",
                }
            )
            continue
        for lab, p, vd in r.predictions:
            rows.append(
                {
                    **base,
                    "group": r.group_label + (f" ({r.note})" if r.note else ""),
                    "slope": f"{r.fit.slope:+.3f}",
                    "ci": _fmt_ci(r.fit.ci),
                    "r2": f"{r.fit.r2:.3f}",
                    "local": _local(r.fit),
                    "pred": lab,
                    "p": f"{p:+.3f}",
                    "verdict": vd,
                }
            )
    return rows


_HEAD = (
    "claim",
    "group",
    "form",
    "fitted slope",
    "CI",
    "R^2",
    "local slopes",
    "prediction",
    "predicted",
    "verdict",
)
_KEYS = ("claim", "group", "form", "slope", "ci", "r2", "local", "pred", "p", "verdict")


def fits_markdown(results) -> str:
    """Markdown table of fitted against predicted exponents (one row per prediction and group)."""
    lines = ["| " + " | ".join(_HEAD) + " |", "|" + "---|" * len(_HEAD)]
    for row in _rows(results):
        cells = [str(row[k]).replace("|", "\\|") for k in _KEYS]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _tex(s: str) -> str:
    s = str(s)
    for a, b in (
        ("\\", r"\textbackslash{}"),
        ("_", r"\_"),
        ("%", r"\%"),
        ("&", r"\&"),
        ("#", r"\#"),
        ("^", r"\^{}"),
        ("$", r"\$"),
    ):
        s = s.replace(a, b)
    return s


def fits_latex(results) -> str:
    """The same table as :func:`fits_markdown` as a LaTeX ``tabular`` (booktabs)."""
    lines = [
        r"\begin{tabular}{" + "l" * len(_HEAD) + "}",
        r"\toprule",
        " & ".join(_tex(h) for h in _HEAD) + r" \\",
        r"\midrule",
    ]
    for row in _rows(results):
        lines.append(" & ".join(_tex(row[k]) for k in _KEYS) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(lines) + "\n"


def plot_claim(study, claim_results, df, path) -> Path:
    """One log-log figure for one claim: a facet per group (see the module docstring)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import seaborn as sns

    from .study.claims import _column, _matches

    path = Path(path)
    sns.set_theme(style="ticks", context="notebook")
    res = [r for r in claim_results if r.fit is not None] or claim_results[:1]
    n = len(res)
    ncol = min(n, 3)
    nrow = int(np.ceil(n / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.6 * ncol, 3.9 * nrow), squeeze=False)
    claim = claim_results[0].claim
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    for ax, r in zip(axes.ravel(), res, strict=False):
        if r.fit is None:
            ax.text(0.5, 0.5, r.note or "no data", ha="center", va="center", transform=ax.transAxes)
            continue
        sub = df[df["metric"] == claim.metric]
        for k, allowed in {**claim.where, **r.group}.items():
            sub = sub[_matches(sub[_column(sub, k)], allowed)]
        ncol_name = _column(sub, claim.on)
        sns.scatterplot(
            x=sub[ncol_name].astype(float),
            y=sub["value"].astype(float),
            ax=ax,
            color="0.6",
            s=10,
            alpha=0.45,
            linewidth=0,
            label="seeds",
        )
        fit = r.fit
        gm = np.exp(fit.mean_log)
        sd = fit.se_log * np.sqrt(fit.n_per_level)
        ax.errorbar(
            fit.N,
            gm,
            yerr=[gm - gm * np.exp(-sd), gm * np.exp(sd) - gm],
            fmt="o",
            color="black",
            ms=4,
            capsize=2,
            lw=1,
            label="seed mean $\\pm$ sd",
        )
        grid = np.geomspace(fit.N.min(), fit.N.max(), 200)
        c, lo, hi = fit.predict(grid)
        ax.plot(grid, c, color="#0969da", lw=2, label=f"fit {fit.slope:+.3f} {_fmt_ci(fit.ci)}")
        ax.fill_between(grid, lo, hi, color="#0969da", alpha=0.18, lw=0)
        x0 = float(np.exp(np.mean(np.log(fit.N))))
        y0 = float(fit.predict([x0], band=False)[0])
        styles = ["--", ":", "-.", (0, (5, 1, 1, 1))]
        for j, (lab, p, vd) in enumerate(r.predictions):
            ax.plot(
                grid,
                y0 * (grid / x0) ** p,
                ls=styles[j % len(styles)],
                lw=1.4,
                color=_COLORS[vd],
                label=f"{lab}: {p:+.3f} ({vd})",
            )
        ax.set_xscale("log")
        ax.set_yscale("log")
        vals = sub["value"].astype(float)
        ax.set_ylim(float(vals.min()) / 1.3, float(vals.max()) * 1.3)  # references may leave it
        ax.set_xlabel(claim.on)
        ax.set_ylabel(claim.metric)
        ax.set_title(f"{r.group_label}: {r.verdict}", color=_COLORS[r.verdict], fontsize=11)
        ax.legend(fontsize=7, loc="best", frameon=False)
        sns.despine(ax=ax)
    fig.suptitle(f"{study.name}: {claim.label} vs {claim.on} ({claim.form} fit)", fontsize=12)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


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


def _study_file(study) -> str:
    src = getattr(study, "source", None)
    if src is None:
        return f"{study.name}.py"
    src = Path(src).resolve()
    return f"{src.parent.parent.name}/{src.parent.name}/{src.name}"


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
    command : str
        The command that produced the results (quoted in the README).
    source : str
        Where the table came from.

    Returns
    -------
    pathlib.Path
        The README path.
    """
    from .study.claims import evaluate_claims
    from .study.runner import code_version
    from .study.store import export_tidy

    if df is None or len(df) == 0:
        raise ValueError(f"no results for study {study.name!r} ({mode}): run it first")
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    results = evaluate_claims(study, df)
    files = _claim_files(study)
    for i, fname in enumerate(files):
        cr = [r for r in results if r.claim_index == i]
        plot_claim(study, cr, df, outdir / fname)
    md = fits_markdown(results)
    (outdir / "fits.md").write_text(md)
    (outdir / "fits.tex").write_text(fits_latex(results))
    data = [p.name for p in export_tidy(df, outdir / "results.csv")]
    now = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    n_cells = df["cell"].nunique()
    axes_on = sorted({c.on for c in study.claims} or {"N"})
    ranges = []
    for on in axes_on:
        col = on if on in df.columns else f"p_{on}"
        if col in df.columns and df[col].notna().any():
            v = sorted(df[col].dropna().astype(float).unique())
            ranges.append(f"{on} = {v[0]:g} ... {v[-1]:g} ({len(v)} values)")
    versions = ", ".join(sorted(map(str, df["version"].dropna().unique()))) or "unknown"
    cpu = df.drop_duplicates("cell")["seconds"].astype(float).sum()
    verdicts = {}
    for r in results:
        verdicts.setdefault(r.claim_index, []).append(r.verdict)
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
        f"- code version of the results: {versions}; report by ratesim {code_version()}",
        f"- data source: {source or 'results store'}",
        f"- written {now} on {platform.node()} ({platform.platform()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()})",
        "",
        "## Claims",
        "",
    ]
    for i, c in enumerate(study.claims):
        preds = ", ".join(
            f"{lab} ({p.text if hasattr(p, 'text') else p})" for lab, p in c.predictions().items()
        )
        vs = verdicts.get(i, ["inconclusive"])
        overall = (
            "contradicted"
            if "contradicted" in vs
            else "consistent"
            if all(v == "consistent" for v in vs)
            else "inconclusive"
        )
        lines.append(
            f"{i + 1}. {'*post hoc* ' if c.posthoc else ''}`{c.metric}` ~ {c.on}^p per "
            f"{', '.join(c.group_by) or 'study'}, p = "
            f"{preds}{' (upper bounds on the exponent)' if c.bound else ''}; form `{c.form}`, "
            f"rule `{c.rule}`, tolerance {c.tolerance:g}, "
            f"max CI half-width {c.max_halfwidth:g}: **{overall}**"
        )
        if c.posthoc:
            lines.append(f"   Post hoc (written after the data were seen): {c.posthoc}")
    lines += [
        "",
        "## Fitted against predicted exponents",
        "",
        md,
        "LaTeX: [fits.tex](fits.tex). Fits: WLS of the seed-mean log metric on log "
        f"{study.claims[-1].on if study.claims else 'N'}"
        " (see `ratesim.rates`); verdict rule in `ratesim.rates.verdict`.",
        "",
        "## Plots",
        "",
    ]
    for c, fname in zip(study.claims, files, strict=True):
        lines += [f"![{c.label}]({fname})", ""]
    lines += [
        "Grey: seeds; black: seed geometric mean +- one sd; blue: fitted rate and its CI band; "
        "dashed/dotted: predicted slopes (green consistent, red contradicted, amber inconclusive).",
        "",
        *figure_sections(study, df, outdir, results, mode),
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
        f"Tidy table: {', '.join(f'[{d}]({d})' for d in data)} (one row per cell and metric). "
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


def write_index(root) -> Path:
    """Write ``root/README.md``: one row per study report found in ``root/*/README.md``, with its
    one-line description and the tally of its claims' verdicts (read from the reports themselves,
    so the index never disagrees with them).
    """
    root = Path(root)
    rows = []
    for readme in sorted(root.glob("*/README.md")):
        lines = readme.read_text().splitlines()
        desc = next((ln for ln in lines[1:] if ln.strip() and not ln.startswith("#")), "")
        tally = {v: 0 for v in _COLORS}
        in_claims = False
        for ln in lines:
            if ln.startswith("## "):
                in_claims = ln.strip() == "## Claims"
            elif in_claims and re.match(r"\d+\. ", ln):
                m = re.search(r"\*\*(consistent|contradicted|inconclusive)\*\*\s*$", ln)
                if m:
                    tally[m.group(1)] += 1
        rows.append((readme.parent.name, desc, tally))
    out = [
        "# Reports",
        "",
        "One directory per study, written by `ratesim report STUDY` from the full-size run (the",
        "tidy results table is committed beside each report, so `ratesim check` re-judges every",
        "claim on a fresh checkout). Verdicts per claim: a claim is *contradicted* if any of its",
        "groups is, *consistent* if all are, else *inconclusive* (see each report).",
        "",
        "| study | what it measures | consistent | contradicted | inconclusive |",
        "|---|---|---|---|---|",
    ]
    for name, desc, t in rows:
        out.append(
            f"| [{name}]({name}/README.md) | {desc.replace('|', '/')} | {t['consistent']} | "
            f"{t['contradicted']} | {t['inconclusive']} |"
        )
    path = root / "README.md"
    path.write_text("\n".join(out) + "\n")
    return path
