"""Figures of the irregular-density study (p1_irregular_density).

Each takes a :class:`ratesim.study.figures.ReportContext`, writes its PNG into the report folder
and returns a markdown section; everything is computed from ``ctx.df`` and the verdicts come from
``ctx.results``.
"""

from __future__ import annotations

import numpy as np

from ratesim.rates import fit_rate, fit_two_term
from ratesim.study.figures import pyplot, savefig, verdict_lines

from .exponents import predicted_exponents
from .irregular_tasks import (
    DENSITY_TAGS,
    cusp_bias_l1,
    irregular_densities,
    jump_bias_l1,
    predicted_l1_exponent,
)

__all__ = [
    "CONTROL_H_A",
    "exponent_table",
    "exponent_comparison_figure",
    "kde_profile_figure",
    "plain_verdicts_figure",
    "reading_section",
]

_COLORS = {"smooth": "tab:blue", "holder": "tab:orange", "jump": "tab:red"}
# (metric family, size axis, fitted form for the irregular densities)
_FAMILIES = (
    ("delta_star", "N_cov", "power"),
    ("delta_floor", "N_cov", "power"),
    ("precision", "N_cov", "power"),
    ("l1", "N", "two_term"),
    ("l1_bias", "N", "two_term"),
    ("l1_stoch", "N", "power"),
    ("w1emp", "N", "power"),
)


CONTROL_H_A = 600.0  # bandwidth constant of the precision bounds' negative control (the study's)


def _split_control(df):
    """(the claims' rows, the negative-control rows): the control cells are those with the
    bandwidth constant ``h_a`` = :data:`CONTROL_H_A`."""
    if "h_a" not in df.columns:
        return df, df.iloc[:0]
    ctl = (df["h_a"].astype(float) == CONTROL_H_A).to_numpy()
    return df[~ctl], df[ctl]


def _control_lines(df) -> list[str]:
    """Seed means of the control's precision per density and N_cov (empty without control)."""
    ctl = _split_control(df)[1]
    if ctl.empty:
        return []
    out = [
        "",
        f"Negative control of the precision bounds (bandwidth constant h_a = {CONTROL_H_A:g}: "
        "local fits wider than M at every N_cov, so the precision must not shrink), seed means:",
        "",
    ]
    for tag in DENSITY_TAGS:
        Nc, v = _means(ctl, f"precision_{tag}", "N_cov", geo=False)
        if Nc.size:
            out.append(
                f"- {tag}: "
                + ", ".join(f"{a:.3g} (N_cov = {int(n)})" for n, a in zip(Nc, v, strict=True))
            )
    return out


def _s(df) -> float:
    return float(df["s"].iloc[0]) if "s" in df.columns else 0.5


def _beta(df) -> float:
    return float(df["manifold__beta"].iloc[0]) if "manifold__beta" in df.columns else 4.5


def predictions(family: str, tag: str, s: float, beta: float = 4.5) -> dict[str, float]:
    """Predicted exponents of a metric family for a density tag (module docstring of
    :mod:`.irregular_tasks`); for ``precision``, P1's upper bounds (k = 1)."""
    if family == "precision":
        return {f"bound {lab}": p for lab, p in predicted_exponents(beta, 1).items()}
    if family in ("l1", "l1_bias"):
        out = {"derived": predicted_l1_exponent(tag, s if tag == "holder" else None)}
        if tag != "smooth":
            out["smooth"] = predicted_l1_exponent("smooth")
        return out
    if family == "l1_stoch":
        return {"derived": -0.4}
    if family == "w1emp":
        return {"derived": -0.5}
    if family == "precision_ratio":
        return {"derived": 0.0}
    return {}


def _fit(N, v, form):
    if form == "two_term" and np.unique(N).size >= 4:
        return fit_two_term(N, v, subleading=0.4)
    return fit_rate(N, v)


def exponent_table(df) -> list[dict]:
    """Fitted exponent (95% CI) of every metric family per density tag: rows with ``family``,
    ``tag``, ``axis``, ``form``, ``slope``, ``lo``, ``hi``."""
    rows = []
    fams = [*_FAMILIES, ("precision_ratio", "N_cov", "power")]
    for fam, axis, form in fams:
        tags = ("holder", "jump") if fam == "precision_ratio" else DENSITY_TAGS
        for tag in tags:
            sub = df[df["metric"] == f"{fam}_{tag}"]
            if sub.empty:
                continue
            N = sub[axis].to_numpy(dtype=float)
            v = sub["value"].to_numpy(dtype=float)
            if np.unique(N).size < 3 or np.any(~np.isfinite(v)) or np.any(v <= 0):
                continue
            f = form if tag != "smooth" and (fam, tag) != ("l1_bias", "jump") else "power"
            fit = _fit(N, v, f)
            rows.append(
                dict(
                    family=fam,
                    tag=tag,
                    axis=axis,
                    form=fit.form,
                    slope=fit.slope,
                    lo=fit.ci[0],
                    hi=fit.ci[1],
                )
            )
    return rows


def exponent_comparison_figure(ctx) -> str:
    """Fitted exponents with 95% CIs per metric family and density, next to the predictions."""
    plt = pyplot()
    df = _split_control(ctx.df)[0]
    s, beta = _s(df), _beta(df)
    rows = exponent_table(df)
    fams = [f for f, _, _ in _FAMILIES] + ["precision_ratio"]
    fig, ax = plt.subplots(figsize=(12, 5.6))
    for i, fam in enumerate(fams):
        for j, tag in enumerate(DENSITY_TAGS):
            x = i + (j - 1) * 0.22
            r = [q for q in rows if q["family"] == fam and q["tag"] == tag]
            if r:
                r = r[0]
                ax.errorbar(
                    x,
                    r["slope"],
                    yerr=[[r["slope"] - r["lo"]], [r["hi"] - r["slope"]]],
                    fmt="o",
                    color=_COLORS[tag],
                    capsize=3,
                    label=tag if i == 0 else None,
                )
            for lab, p in predictions(fam, tag, s, beta).items():
                ax.hlines(
                    p,
                    x - 0.09,
                    x + 0.09,
                    colors=_COLORS[tag],
                    linestyles="-" if lab == "derived" else ":",
                    lw=2,
                )
    ax.set_xticks(range(len(fams)))
    ax.set_xticklabels(
        [
            "delta*\n(vs N_cov)",
            "MC floor\n(vs N_cov)",
            "precision\n(vs N_cov)",
            "KDE L1",
            "KDE L1 bias",
            "KDE L1 stoch.",
            "W1 emp.",
            "precision ratio\nto smooth",
        ]
    )
    ax.axhline(0, color="grey", lw=0.5)
    ax.set_ylabel("fitted exponent (95% CI)")
    ax.set_title(
        "Exponents per density: dots fitted, solid bars derived; dotted: the smooth-density "
        "value -2/5 (KDE), P1's upper bounds (precision)",
        fontsize=10,
    )
    ax.legend(loc="lower left")
    fig.tight_layout()
    savefig(fig, ctx, "exponents_by_density.png", dpi=120)

    lines = [
        "### Exponents compared across densities",
        "",
        "![exponents by density](exponents_by_density.png)",
        "",
        "Fitted exponents (95% CI; `two_term` = A N^b + C N^(-2/5) for the irregular densities' "
        "L1 and the cusp density's L1 bias, `power` otherwise). delta*, its Monte-Carlo floor "
        "and the precision are on N_cov, the KDE and W1 on N; delta* and its floor are shown, "
        "not claimed (floor-limited). Precision predictions are upper bounds on the exponent.",
        "",
        "| metric | density | form | exponent | 95% CI | predicted |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        pr = predictions(r["family"], r["tag"], s, beta)
        pred = ", ".join(f"{k} {v:+.3f}" for k, v in pr.items()) or "-"
        lines.append(
            f"| {r['family']} | {r['tag']} | {r['form']} | {r['slope']:+.3f} | "
            f"[{r['lo']:+.3f}, {r['hi']:+.3f}] | {pred} |"
        )
    return "\n".join(lines) + "\n"


def _means(df, metric, axis, geo: bool = True):
    """Seed geometric means (``geo``) or means of ``metric`` per level of ``axis``."""
    sub = df[df["metric"] == metric]
    if sub.empty:
        return np.zeros(0), np.zeros(0)
    g = sub.groupby(axis)["value"]
    if not geo:
        m = g.mean()
        return m.index.to_numpy(dtype=float), m.to_numpy(dtype=float)
    m = np.exp(g.apply(lambda v: np.mean(np.log(v.astype(float)))))
    return m.index.to_numpy(dtype=float), m.to_numpy()


def kde_profile_figure(ctx) -> str:
    """L1 of the KDE (total, bias, stochastic) and the empirical W1 against N; delta* with its
    floor and the precision against N_cov, per density (seed geometric means)."""
    plt = pyplot()
    df = _split_control(ctx.df)[0]
    fig, axes = plt.subplots(1, 4, figsize=(18, 4.3))
    ax = axes[0]
    for tag in DENSITY_TAGS:
        for fam, ls in (("l1", "-"), ("l1_bias", "--"), ("l1_stoch", ":")):
            N, m = _means(df, f"{fam}_{tag}", "N")
            if N.size:
                ax.loglog(N, m, ls, marker="o", ms=3, color=_COLORS[tag], label=f"{fam} {tag}")
    ax.set_xlabel("N")
    ax.set_title("KDE L1 (solid), bias (dashed), stochastic (dotted)", fontsize=9)
    ax.legend(fontsize=6, ncol=2)
    ax = axes[1]
    for tag in DENSITY_TAGS:
        N, m = _means(df, f"w1emp_{tag}", "N")
        if N.size:
            ax.loglog(N, m, marker="o", ms=3, color=_COLORS[tag], label=tag)
    if N.size:
        ax.loglog(N, m[0] * (N / N[0]) ** -0.5, "k:", label="N^-1/2")
    ax.set_xlabel("N")
    ax.set_title("empirical measure: exact W1 on the circle", fontsize=9)
    ax.legend(fontsize=7)
    ax = axes[2]
    rows = []
    for tag in DENSITY_TAGS:
        Nc, d = _means(df, f"delta_star_{tag}", "N_cov")
        _, f = _means(df, f"delta_floor_{tag}", "N_cov")
        if Nc.size:
            ax.loglog(Nc, d, "-o", ms=3, color=_COLORS[tag], label=f"delta* {tag}")
            ax.loglog(Nc, f, ":", color=_COLORS[tag], label=f"floor {tag}")
            rows.append((tag, Nc, d, f))
    ax.set_xlabel("N_cov")
    ax.set_title("coarse-score coverage scale and its Monte-Carlo floor", fontsize=9)
    ax.legend(fontsize=6)
    ax = axes[3]
    beta = _beta(df)
    for tag in DENSITY_TAGS:
        Nc, pr = _means(df, f"precision_{tag}", "N_cov")
        if Nc.size:
            ax.loglog(Nc, pr, "-o", ms=3, color=_COLORS[tag], label=tag)
    if Nc.size:
        for e, ls in ((beta / 4, "k:"), ((beta - 1) / 4, "k--")):
            ax.loglog(Nc, pr[0] * (Nc / Nc[0]) ** -e, ls, lw=1, label=f"N^-{e:g} (P1 bound)")
    ax.set_xlabel("N_cov")
    ax.set_title("precision: largest distance of a generated sample to M", fontsize=9)
    ax.legend(fontsize=6)
    fig.tight_layout()
    savefig(fig, ctx, "profiles_by_density.png", dpi=120)
    lines = [
        "### Profiles",
        "",
        "![profiles](profiles_by_density.png)",
        "",
        "delta* / Monte-Carlo floor (seed geometric means; about 1 = floor-limited):",
        "",
        "| density | "
        + " | ".join(f"N_cov = {int(n)}" for n in (rows[0][1] if rows else []))
        + " |",
        "|---|" + "---|" * (len(rows[0][1]) if rows else 0),
    ]
    for tag, _, d, f in rows:
        lines.append(
            f"| {tag} | " + " | ".join(f"{a / b:.2f}" for a, b in zip(d, f, strict=True)) + " |"
        )
    return "\n".join(lines) + "\n"


def plain_verdicts_figure(ctx) -> str:
    """The report's verdicts in plain words (:func:`ratesim.study.figures.verdict_lines`), the
    derived L1-bias constants against the measured bias, and the floor-limitation of delta*
    (computed from the table)."""
    df = _split_control(ctx.df)[0]
    lines = ["### Verdicts in plain words", "", *verdict_lines(ctx.results)]
    # derived bias constants vs the measured bias
    ratio = float(df["ratio"].iloc[0]) if "ratio" in df.columns else 2.0
    dens = irregular_densities(ratio=ratio, s=_s(df))
    lines += [
        "",
        "Measured L1 bias over the derived leading term (jump: sqrt(2/pi) h sum|J|; cusps: "
        "2 (c/Z) G_s h^(1+s); h = N^(-1/5)):",
        "",
        "| N | h | jump: measured / derived | cusps: measured / derived |",
        "|---|---|---|---|",
    ]
    Nj, bj = _means(df, "l1_bias_jump", "N")
    Nh, bh = _means(df, "l1_bias_holder", "N")
    for n, vj, vh in zip(Nj, bj, bh, strict=False):
        h = n ** (-0.2)
        lines.append(
            f"| {int(n)} | {h:.3f} | {vj / jump_bias_l1(dens['jump'], h):.4f} | "
            f"{vh / cusp_bias_l1(dens['holder'], h):.4f} |"
        )
    # floor limitation of delta*
    lines += ["", "Coverage scale against its Monte-Carlo floor (seed geometric means):", ""]
    for tag in DENSITY_TAGS:
        Nc, d = _means(df, f"delta_star_{tag}", "N_cov")
        _, f = _means(df, f"delta_floor_{tag}", "N_cov")
        if Nc.size:
            at = [int(n) for n, a, b in zip(Nc, d, f, strict=True) if a / b < 1.25]
            lines.append(
                f"- {tag}: delta*/floor = {d[0] / f[0]:.2f} at N_cov = {int(Nc[0])}, "
                f"{d[-1] / f[-1]:.2f} at N_cov = {int(Nc[-1])}; within 25% of the floor from "
                f"N_cov = {at[0] if at else 'never'}; floor {f.mean():.4f} on average."
            )
    lines += _control_lines(ctx.df)
    return "\n".join(lines) + "\n"


def _tail_reading(df) -> str:
    """Per density, how many seeds have a precision more than 10 times the smooth density's median
    at the same N_cov (the largest of m errors is an extreme value: a single badly fitted query
    sets it), and the median-seed ratio to the smooth density, computed from the table."""
    rows = []
    smooth = df[df["metric"] == "precision_smooth"]
    if smooth.empty:
        return ""
    col = "N_cov"
    ref = smooth.groupby(col)["value"].median()
    for tag in ("holder", "jump"):
        sub = df[df["metric"] == f"precision_{tag}"]
        if sub.empty:
            return ""
        g = sub.groupby(col)["value"]
        big = g.apply(lambda v: int((v.to_numpy() > 10 * ref[v.name]).sum()))
        med = g.median() / ref
        rows.append((tag, big, med, g.size()))
    lines = [
        "Precision tails (computed from the table): seeds whose precision exceeds 10 x the "
        "smooth density's median at the same N_cov, and the median-seed ratio to the smooth "
        "density.",
        "",
        "| density | " + " | ".join(f"N_cov = {int(n)}" for n in ref.index) + " |",
        "|---|" + "---|" * len(ref),
    ]
    for tag, big, med, size in rows:
        lines.append(
            f"| {tag} | "
            + " | ".join(f"{big[n]}/{size[n]} seeds, median x{med[n]:.2f}" for n in ref.index)
            + " |"
        )
    lines += [
        "",
        "Reading (post hoc, not a claim). The median seeds of the three densities agree within "
        "a small factor at every N_cov: where the precision ratio's exponent departs from 0, a "
        "minority of seeds with a far larger largest error makes it. The diagnosis of two such "
        "seeds (jump density, N_cov = 1600) is in the reading of the full run: a query in a "
        "sparse stretch of the low-density half, where the effective sample size falls below "
        "the threshold of the moving-least-squares degree ladder (``ratesim.scores._localpoly``) "
        "and the fit loses a degree; the estimator's bandwidth constant, chosen for the uniform "
        "law, not the jumps themselves.",
    ]
    return "\n".join(lines)


def reading_section(ctx) -> str:
    """What the measurements establish, in words computed from the table: where delta* meets
    its floor for each density, and the ordering of the KDE's L1 exponents."""
    df = _split_control(ctx.df)[0]
    rows = {(r["family"], r["tag"]): r for r in exponent_table(df)}
    out = ["### Reading", ""]
    reach = {}
    for tag in DENSITY_TAGS:
        Nc, d = _means(df, f"delta_star_{tag}", "N_cov")
        _, f = _means(df, f"delta_floor_{tag}", "N_cov")
        at = [int(n) for n, a, b in zip(Nc, d, f, strict=True) if a / b < 1.25]
        reach[tag] = at[0] if at else None
    out.append(
        "(a) Coverage. The coarse sampler's delta* reaches the Monte-Carlo floor of the m "
        "generated samples (within 25%) at N_cov = "
        + ", ".join(f"{reach[t]} ({t})" for t in DENSITY_TAGS)
        + " and stays there: beyond that point delta* measures m, not N_cov, for every density, "
        "so it is shown, not fitted (the floor's own exponent is "
        + ", ".join(
            f"{rows[('delta_floor', t)]['slope']:+.2f}"
            for t in DENSITY_TAGS
            if ("delta_floor", t) in rows
        )
        + "): the irregular densities are covered as well as the smooth one at every scale m "
        "resolves. The floor-free part, the precision (largest distance to M), decays with "
        "exponents "
        + ", ".join(
            f"{rows[('precision', t)]['slope']:+.2f} [{rows[('precision', t)]['lo']:+.2f}, "
            f"{rows[('precision', t)]['hi']:+.2f}] ({t})"
            for t in DENSITY_TAGS
            if ("precision", t) in rows
        )
        + " (P1's bounds: -beta/4, -(beta-1)/4 and -1 must be at least matched); the paired "
        "precision ratios to the smooth density have exponents "
        + ", ".join(
            f"{rows[('precision_ratio', t)]['slope']:+.2f} "
            f"[{rows[('precision_ratio', t)]['lo']:+.2f}, "
            f"{rows[('precision_ratio', t)]['hi']:+.2f}] ({t})"
            for t in ("holder", "jump")
            if ("precision_ratio", t) in rows
        )
        + " against the derived 0 (same exponent: the regularity of the density does not enter "
        "the coarse score's geometry)."
    )
    tails = _tail_reading(df)
    if tails:
        out += ["", tails]
    out.append("")
    l1 = {t: rows.get(("l1", t)) for t in DENSITY_TAGS}
    if all(l1.values()):
        out.append(
            "(b) Density estimation. With the smooth-density bandwidth h = N^(-1/5), the KDE's L1 "
            "exponent is "
            + ", ".join(
                f"{l1[t]['slope']:+.3f} [{l1[t]['lo']:+.3f}, {l1[t]['hi']:+.3f}] ({t})"
                for t in DENSITY_TAGS
            )
            + " against the derived -0.4 / -(1+s)/5 / -0.2; its bias part alone has "
            + ", ".join(
                f"{rows[('l1_bias', t)]['slope']:+.3f} ({t})"
                for t in DENSITY_TAGS
                if ("l1_bias", t) in rows
            )
            + " and its stochastic part "
            + ", ".join(
                f"{rows[('l1_stoch', t)]['slope']:+.3f} ({t})"
                for t in DENSITY_TAGS
                if ("l1_stoch", t) in rows
            )
            + " (regularity-blind, -0.4). The empirical measure's W1 decays like "
            + ", ".join(
                f"{rows[('w1emp', t)]['slope']:+.3f} ({t})"
                for t in DENSITY_TAGS
                if ("w1emp", t) in rows
            )
            + ": N^(-1/2) whatever the regularity (the k = 1 minimax reference)."
        )
        for t in ("holder", "jump"):
            r, b = l1[t], rows.get(("l1_bias", t))
            derived = predicted_l1_exponent(t, _s(df) if t == "holder" else None)
            Nb, vb = _means(df, f"l1_bias_{t}", "N")
            _, vs = _means(df, f"l1_stoch_{t}", "N")
            share = f"bias / stochastic = {vb[-1] / vs[-1]:.2f} at N = {int(Nb[-1])}"
            if r["lo"] <= -0.4 + 0.03 and r["hi"] >= derived - 0.03:
                out.append(
                    f"\n- {t}: the total L1 does not separate {derived:+.2f} from -0.4 at these N "
                    f"({share}: the regularity-blind stochastic part still weighs); the bias part "
                    f"does ({b['slope']:+.3f} [{b['lo']:+.3f}, {b['hi']:+.3f}])."
                    if b
                    else ""
                )
            elif r["hi"] < -0.4 + 0.03 or r["lo"] > -0.4 - 0.03:
                out.append(
                    f"\n- {t}: the total L1 already degrades to {r['slope']:+.3f} ({share})."
                )
    return "\n".join(out) + "\n"
