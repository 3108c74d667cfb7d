"""Study-specific figures of the P1 coarse-score studies (``Study(figures=[...])``).

Each function takes the tidy results table and the report directory, writes a PNG there and returns
a markdown section that ``ratesim.report`` embeds in the README. Computed from the table only.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

__all__ = [
    "exponent_vs_beta_figure",
    "precision_vs_beta_figure",
    "coverage_vs_n_figure",
    "phase_figure",
    "slope_table",
    "verdict_summary_figure",
]

_BETA_INF_X = 8.5  # where beta = inf is drawn on the beta axis


def _col(df, name: str) -> str:
    if name in df.columns:
        return name
    if f"p_{name}" in df.columns:
        return f"p_{name}"
    raise KeyError(name)


def _with_beta(df):
    """The table with a ``p_manifold__beta`` column (``"inf"`` for the circle: analytic)."""
    if "manifold__beta" in df.columns or "p_manifold__beta" in df.columns:
        return df
    return df.assign(p_manifold__beta="inf")


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def slope_table(df, metric: str, keys=("beta", "sampler"), transform: str = "N"):
    """Fitted exponent of ``metric`` against N per group (WLS on seed means, 95% CI).

    Returns a list of dicts with the group values, ``slope``, ``lo``, ``hi``, ``n_levels``.
    """
    from ..rates import fit_rate

    sub = df[df["metric"] == metric]
    cols = [_col(sub, k) for k in keys]
    cn = _col(sub, "N")
    out = []
    for vals, g in sub.groupby(cols, sort=True):
        vals = vals if isinstance(vals, tuple) else (vals,)
        v = g["value"].astype(float).to_numpy()
        if np.any(~np.isfinite(v)) or np.any(v <= 0) or g[cn].nunique() < 3:
            continue
        fit = fit_rate(g[cn].to_numpy(), v, transform=transform)
        row = dict(zip(keys, vals, strict=True))
        row.update(slope=fit.slope, lo=fit.ci[0], hi=fit.ci[1], n_levels=fit.n_levels)
        out.append(row)
    return out


def _bx(beta) -> float:
    b = float(beta)
    return _BETA_INF_X if math.isinf(b) else b


def exponent_vs_beta_figure(df, outdir) -> str:
    """Fitted exponent of delta*(N) against beta (95% CIs), with the three prediction lines
    -beta/(4k), -(beta-1)/(4k), -1/k and the fitted exponents of the Monte-Carlo floor and of the
    empirical measure."""
    plt = _plt()
    outdir = Path(outdir)
    df = _with_beta(df)
    k = int(df[_col(df, "k")].iloc[0])
    rows = slope_table(df, "delta_star", keys=("manifold__beta", "sampler"))
    floor = slope_table(df, "delta_floor", keys=("manifold__beta",))
    emp = slope_table(df, "delta_emp", keys=("manifold__beta",))
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    bb = np.linspace(2.0, 7.5, 100)
    ax.plot(bb, -bb / (4 * k), "C3--", label="-beta/(4k)")
    ax.plot(bb, -(bb - 1) / (4 * k), "C1--", label="-(beta-1)/(4k)")
    ax.axhline(-1 / k, color="k", ls=":", label="-1/k (empirical measure)")
    markers = {"reverse_sde": "o", "hybrid": "s", "tempered_langevin": "^"}
    for i, s in enumerate(sorted({r["sampler"] for r in rows})):
        rs = [r for r in rows if r["sampler"] == s]
        x = np.array([_bx(r["manifold__beta"]) for r in rs]) + 0.08 * i
        y = np.array([r["slope"] for r in rs])
        err = np.array([[r["slope"] - r["lo"] for r in rs], [r["hi"] - r["slope"] for r in rs]])
        ax.errorbar(x, y, yerr=err, fmt=markers.get(s, "o"), capsize=3, label=f"delta* ({s})")
    for rs, c, lab in ((floor, "0.5", "floor (m fresh draws)"), (emp, "C2", "empirical (N)")):
        if rs:
            x = np.array([_bx(r["manifold__beta"]) for r in rs]) - 0.12
            y = np.array([r["slope"] for r in rs])
            err = np.array([[r["slope"] - r["lo"] for r in rs], [r["hi"] - r["slope"] for r in rs]])
            ax.errorbar(x, y, yerr=err, fmt="x", color=c, capsize=2, label=lab)
    ticks = [2.5, 4.5, 6.5, _BETA_INF_X]
    ax.set_xticks(ticks, ["2.5", "4.5", "6.5", "inf"])
    ax.set_ylim(-2.0, 0.5)
    ax.set_xlabel("beta (regularity of M)")
    ax.set_ylabel("fitted exponent of N")
    ax.set_title(f"coverage scale delta*(N), k = {k}: fitted exponent vs beta")
    ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    fig.savefig(outdir / "exponent_vs_beta.png", dpi=120)
    plt.close(fig)
    lines = [
        "### Coverage exponent against beta",
        "",
        "Fitted exponent of delta*(N) per (beta, sampler) with 95% CIs; dashed lines: the two "
        "published P1 exponents -beta/(4k) and -(beta-1)/(4k); dotted: the empirical measure's "
        "-1/k. Grey crosses: the exponent of the Monte-Carlo floor (coverage scale of m fresh "
        "draws from mu_data, m fixed); green crosses: the empirical measure of the N training "
        "points. beta = inf is drawn at x = 8.5. Where delta* sits at its floor (see the "
        "verdicts section) these are exponents of the floor, not of the coverage scale.",
        "",
        "![exponent vs beta](exponent_vs_beta.png)",
        "",
        "| metric | beta | sampler | exponent | 95% CI |",
        "|---|---|---|---|---|",
    ]
    for name, rs in (("delta_star", rows), ("delta_floor", floor), ("delta_emp", emp)):
        for r in rs:
            lines.append(
                f"| {name} | {r['manifold__beta']} | {r.get('sampler', '-')} | {r['slope']:+.3f} | "
                f"[{r['lo']:+.3f}, {r['hi']:+.3f}] |"
            )
    return "\n".join(lines)


def coverage_vs_n_figure(df, outdir) -> str:
    """delta_star, delta_floor and delta_emp against N (seed geometric means), one panel per
    (beta, sampler); and the novelty / fidelity table."""
    plt = _plt()
    outdir = Path(outdir)
    df = _with_beta(df)
    cb, cs, cn = _col(df, "manifold__beta"), _col(df, "sampler"), _col(df, "N")
    groups = sorted({(float(b), s) for b, s in zip(df[cb], df[cs], strict=True)}, key=str)
    ncol = 3
    nrow = math.ceil(len(groups) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.0 * ncol, 3.3 * nrow), squeeze=False)
    styles = {"delta_star": "C0o-", "delta_floor": "0.5", "delta_emp": "C2s--"}
    for ax, (b, s) in zip(axes.ravel(), groups, strict=False):
        sub = df[(df[cb].astype(float) == b) & (df[cs] == s)]
        for met, st in styles.items():
            g = sub[sub["metric"] == met]
            gm = g.assign(lv=np.log(g["value"].astype(float))).groupby(cn)["lv"].mean()
            if met == "delta_floor":
                ax.loglog(gm.index, np.exp(gm.values), "x:", color=st, label=met)
            else:
                ax.loglog(gm.index, np.exp(gm.values), st, label=met)
        ax.set_title(f"beta = {b:g}, {s}", fontsize=9)
        ax.set_xlabel("N")
    for ax in axes.ravel()[len(groups) :]:
        ax.axis("off")
    axes[0, 0].set_ylabel("coverage scale (c = 2)")
    axes[0, 0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(outdir / "coverage_vs_n.png", dpi=110)
    plt.close(fig)
    lines = [
        "### Coverage scale, floor and empirical measure against N",
        "",
        "Seed geometric means. delta_star: the m generated samples; delta_floor: m fresh draws "
        "from mu_data (the Monte-Carlo floor of delta_star at this m); delta_emp: the N training "
        "points (the empirical measure, which the exact empirical score reproduces).",
        "",
        "![coverage vs N](coverage_vs_n.png)",
        "",
        "Novelty and fidelity (seed means): nn_dist = median distance of a generated sample to "
        "its nearest training point, novelty_ratio = nn_dist over the same for held-out data "
        "(about 1: novel, << 1: copies), memorized_frac = fraction with d1/d2 < 1/3 (held-out "
        "data give about 1/3 in 1-D), fidelity_ratio = median distance to M over the data "
        "spacing.",
        "",
        "| beta | sampler | N | nn_dist | novelty_ratio | memorized_frac | fidelity | "
        "fidelity_ratio | delta_star / delta_floor |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    piv = df.pivot_table(index=[cb, cs, cn], columns="metric", values="value", aggfunc="mean")
    for (b, s, n), r in piv.iterrows():
        ratio = r["delta_star"] / r["delta_floor"]
        lines.append(
            f"| {b} | {s} | {n} | {r['nn_dist']:.2e} | {r['novelty_ratio']:.2f} | "
            f"{r['memorized_frac']:.2f} | {r['fidelity']:.1e} | {r['fidelity_ratio']:.1e} | "
            f"{ratio:.2f} |"
        )
    return "\n".join(lines)


def precision_vs_beta_figure(df, outdir) -> str:
    """Distance of the generated samples to M against N and its fitted exponent against beta.

    Left: ``precision`` (largest distance to M) and ``fidelity`` (median) per beta, seed geometric
    means. Right: fitted exponents with 95% CIs against beta, with P1's coverage exponents
    -beta/(4k) and -(beta-1)/(4k) (upper bounds), the empirical measure's -1/k and the local
    polynomial reference -min(beta, p+1)/k.
    """
    from .coarse_k2 import mls_precision_exponent

    plt = _plt()
    outdir = Path(outdir)
    df = _with_beta(df)
    k = int(df[_col(df, "k")].iloc[0])
    cb, cs, cn = _col(df, "manifold__beta"), _col(df, "sampler"), _col(df, "N")
    prec = slope_table(df, "precision", keys=("manifold__beta", "sampler"))
    fid = slope_table(df, "fidelity", keys=("manifold__beta", "sampler"))
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(11.5, 4.4))
    sub = df[df[cs] == "reverse_sde"]
    betas = sorted({float(b) for b in sub[cb]})
    for i, b in enumerate(betas):
        for met, ls in (("precision", "o-"), ("fidelity", "s:")):
            g = sub[(sub[cb].astype(float) == b) & (sub["metric"] == met)]
            gm = g.assign(lv=np.log(g["value"].astype(float))).groupby(cn)["lv"].mean()
            ax0.loglog(gm.index, np.exp(gm.values), ls, color=f"C{i}",
                       label=f"{met}, beta = {b:g}")  # fmt: skip
    ax0.set_xlabel("N")
    ax0.set_ylabel("distance of generated samples to M")
    ax0.set_title("reverse SDE: largest (precision) and median (fidelity)", fontsize=9)
    ax0.legend(fontsize=6, ncol=2)
    bb = np.linspace(2.0, 7.5, 100)
    ax1.plot(bb, -bb / (4 * k), "C3--", label="-beta/(4k) (P1 bound)")
    ax1.plot(bb, -(bb - 1) / (4 * k), "C1--", label="-(beta-1)/(4k) (P1 bound)")
    ax1.axhline(-1 / k, color="k", ls=":", label="-1/k (empirical measure)")
    ax1.plot(bb, [mls_precision_exponent(b, k) for b in bb], color="0.6", lw=3, alpha=0.5,
             label="-min(beta, p+1)/k (local polynomial)")  # fmt: skip
    ax1.plot([_BETA_INF_X], [mls_precision_exponent(math.inf, k)], "s", color="0.6", alpha=0.5)
    samplers = sorted({r["sampler"] for r in prec})
    for rows, mk, name in ((prec, "o", "precision"), (fid, "x", "fidelity")):
        for i, smp in enumerate(samplers):
            rs = [r for r in rows if r["sampler"] == smp]
            if not rs:
                continue
            shift = 0.1 * i - (0.2 if mk == "x" else 0.0)
            x = np.array([_bx(r["manifold__beta"]) for r in rs]) + shift
            y = np.array([r["slope"] for r in rs])
            err = np.array([[r["slope"] - r["lo"] for r in rs], [r["hi"] - r["slope"] for r in rs]])
            ax1.errorbar(x, y, yerr=err, fmt=mk, color=f"C{i}", capsize=3,
                         label=f"{name} ({smp})")  # fmt: skip
    ax1.set_xticks([2.5, 4.5, 6.5, _BETA_INF_X], ["2.5", "4.5", "6.5", "inf"])
    ax1.set_xlabel("beta (regularity of M)")
    ax1.set_ylabel("fitted exponent of N")
    ax1.set_title(f"k = {k}: exponent of the distance to M vs beta", fontsize=9)
    ax1.legend(fontsize=6, loc="lower left")
    fig.tight_layout()
    fig.savefig(outdir / "precision_vs_beta.png", dpi=120)
    plt.close(fig)
    lines = [
        "### Distance to M: the resolvable part of the coverage bound",
        "",
        "The coverage of ambient neighbourhoods of M is bounded by the projected coverage scale "
        "and by the precision (largest distance of a generated sample to M): delta*_ambient <= "
        "max(delta*, precision). delta* sits at its Monte-Carlo floor (previous section); the "
        "precision has no floor (every distance is exact), so its exponent is what can be set "
        "against P1's bounds. Left: seed geometric means (reverse SDE); right: fitted exponents "
        "(WLS on seed means, 95% CIs) with P1's exponents (dashed), the empirical measure's -1/k "
        "(dotted) and the order -min(beta, p+1)/k of a noiseless degree-p local polynomial fit "
        "(grey band; p = min(ceil(beta) - 1, 4)).",
        "",
        "![precision vs beta](precision_vs_beta.png)",
        "",
        "| metric | beta | sampler | exponent | 95% CI | P1 -beta/(4k) | local-poly reference |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, rows in (("precision", prec), ("fidelity", fid)):
        for r in rows:
            b = float(r["manifold__beta"])
            p1 = "-" if math.isinf(b) else f"{-b / (4 * k):+.3f}"
            lines.append(
                f"| {name} | {r['manifold__beta']} | {r['sampler']} | {r['slope']:+.3f} | "
                f"[{r['lo']:+.3f}, {r['hi']:+.3f}] | {p1} | {mls_precision_exponent(b, k):+.3f} |"
            )
    return "\n".join(lines)


def phase_figure(df, outdir) -> str:
    """Heat maps over (bandwidth / spacing, sigma_min) at fixed N, one row per estimator:
    memorized fraction, novelty ratio, delta_star / delta_floor and fidelity / spacing."""
    plt = _plt()
    outdir = Path(outdir)
    ce, cr, cs = _col(df, "estimator"), _col(df, "r"), _col(df, "sigma_min")
    n = int(df[_col(df, "N")].iloc[0])
    piv = df.pivot_table(index=[ce, cr, cs], columns="metric", values="value", aggfunc="mean")
    piv["cover_ratio"] = piv["delta_star"] / piv["delta_floor"]
    panels = [
        ("memorized_frac", "memorized fraction (d1/d2 < 1/3)", "viridis", None),
        ("novelty_ratio", "novelty ratio (1: novel, 0: copies)", "viridis", None),
        ("cover_ratio", "log10 delta* / floor (0: covers)", "magma", "log"),
        ("fidelity_ratio", "log10 dist to M / spacing", "magma", "log"),
    ]
    ests = sorted(piv.index.get_level_values(0).unique())
    fig, axes = plt.subplots(
        len(ests), len(panels), figsize=(3.6 * len(panels), 3.0 * len(ests)), squeeze=False
    )
    lines = [
        f"### Phase diagrams at N = {n}",
        "",
        "Seed means over (bandwidth h = r x data spacing 2 pi / N, sigma_min) for each estimator. "
        "Memorization starts where the memorized fraction rises above the held-out level (about "
        "1/3 in 1-D) and the novelty ratio falls toward 0; coverage is lost where delta* exceeds "
        "its Monte-Carlo floor (log10 ratio > 0) or the samples leave M (fidelity ratio >~ 1).",
        "",
        "![phase diagrams](phase.png)",
        "",
    ]
    for i, e in enumerate(ests):
        sub = piv.loc[e]
        rs = sorted(sub.index.get_level_values(0).unique())
        ss = sorted(sub.index.get_level_values(1).unique())
        for j, (met, title, cmap, scale) in enumerate(panels):
            Z = np.array([[sub.loc[(r, s), met] for r in rs] for s in ss], dtype=float)
            if scale == "log":
                Z = np.log10(np.maximum(Z, 1e-12))
            ax = axes[i, j]
            im = ax.imshow(Z, origin="lower", aspect="auto", cmap=cmap)
            ax.set_xticks(range(len(rs)), [f"{r:g}" for r in rs], fontsize=7)
            ax.set_yticks(range(len(ss)), [f"{s:g}" for s in ss], fontsize=7)
            ax.set_xlabel("h / spacing")
            ax.set_ylabel("sigma_min")
            ax.set_title(f"{e}: {title}", fontsize=8)
            for a in range(Z.shape[0]):
                for b in range(Z.shape[1]):
                    ax.text(b, a, f"{Z[a, b]:.2f}", ha="center", va="center", fontsize=6,
                            color="w")  # fmt: skip
            fig.colorbar(im, ax=ax, fraction=0.046)
        lines += [
            f"Estimator `{e}` (rows: sigma_min; columns: h / spacing):",
            "",
            "| sigma_min | " + " | ".join(f"r={r:g}" for r in rs) + " |",
            "|---|" + "---|" * len(rs),
        ]
        for s in ss:
            cells = []
            for r in rs:
                v = sub.loc[(r, s)]
                cells.append(
                    f"mem {v['memorized_frac']:.2f}, nov {v['novelty_ratio']:.2f}, "
                    f"cov {v['cover_ratio']:.1f}, fid {v['fidelity_ratio']:.1e}"
                )
            lines.append(f"| {s:g} | " + " | ".join(cells) + " |")
        lines.append("")
    fig.tight_layout()
    fig.savefig(outdir / "phase.png", dpi=110)
    plt.close(fig)
    return "\n".join(lines)


def verdict_summary_figure(df, outdir) -> str:
    """Plain-language verdicts: for every claim and group, the fitted exponent with its 95% CI and
    which predictions the data support (consistent), contradict or leave inconclusive. Uses the
    engine's own judgement (:func:`ratesim.study.evaluate_claims` on the study file), so it never
    disagrees with ``ratesim check``; adds, for the coverage claims, where delta* sits relative
    to its Monte-Carlo floor at the largest N."""
    from ..study import evaluate_claims, load_study

    name = str(df["study"].iloc[0])
    path = Path(__file__).resolve().parents[2] / "studies" / f"{name}.py"
    study = load_study(path)
    res = evaluate_claims(study, df)
    words = {
        "consistent": "SUPPORTED",
        "contradicted": "CONTRADICTED",
        "inconclusive": "INCONCLUSIVE",
    }
    lines = ["### Verdicts in plain words", ""]
    for r in res:
        if r.fit is None:
            lines.append(f"- {r.claim.label} [{r.group_label}]: no fit ({r.note}).")
            continue
        lo, hi = r.fit.ci
        preds = "; ".join(
            f"{lab} ({pv:+.3f}): {words.get(vd, vd)}" for lab, pv, vd in r.predictions
        )
        lines.append(
            f"- {r.claim.label} [{r.group_label}]: exponent {r.fit.slope:+.3f}, 95% CI "
            f"[{lo:+.3f}, {hi:+.3f}] -> {preds}."
        )
    if {"delta_star", "delta_floor"} <= set(df["metric"].unique()):
        cn = _col(df, "N")
        df = _with_beta(df)
        cb, cs = _col(df, "manifold__beta"), _col(df, "sampler")
        piv = df.pivot_table(index=[cb, cs, cn], columns="metric", values="value", aggfunc="mean")
        lines += [
            "",
            "Coverage scale relative to its Monte-Carlo floor (same m, fresh draws from mu_data), "
            "seed means, smallest and largest N:",
            "",
        ]
        for (b, s), g in piv.groupby(level=[0, 1]):
            g = g.droplevel([0, 1])
            n0, n1 = g.index.min(), g.index.max()
            r0 = g.loc[n0, "delta_star"] / g.loc[n0, "delta_floor"]
            r1 = g.loc[n1, "delta_star"] / g.loc[n1, "delta_floor"]
            e1 = g.loc[n1, "delta_emp"] / g.loc[n1, "delta_floor"]
            ratio = g["delta_star"] / g["delta_floor"]
            at_floor = [n for n in ratio.index if ratio.loc[n] <= 1.25]
            n2 = g.index[1] if len(g.index) > 1 else n1
            pre = math.log(g.loc[n2, "delta_star"] / g.loc[n0, "delta_star"]) / math.log(n2 / n0)
            lines.append(
                f"- beta = {b}, {s}: delta*/floor = {r0:.2f} at N = {n0}, {r1:.2f} at N = {n1} "
                f"(within 25% of the floor from N = {at_floor[0] if at_floor else 'never'}); "
                f"pre-floor local exponent N = {n0} -> {n2}: {pre:+.2f}; empirical measure "
                f"delta_emp/floor = {e1:.2f} at N = {n1}."
            )
        ms = sorted({int(v) for v in df[_col(df, "m")]})
        fl = piv["delta_floor"].mean()
        nmax = int(df[cn].max())
        bounds = ", ".join(
            f"beta = {b:g}: {nmax ** (-b / 4):.1e}"
            for b in sorted({float(v) for v in df[cb]})
            if math.isfinite(b)
        )
        lines += [
            "",
            f"Reading. delta* is measured on m = {', '.join(map(str, ms))} generated samples "
            f"and its Monte-Carlo floor (m i.i.d. draws from mu_data, same c, same supremum) is "
            f"{fl:.3g} on average. Where delta*/floor is about 1 the generated law is comparable "
            "to mu_data at every scale m samples can resolve: delta* is then set by m, not by N, "
            "so it is shown, not fitted (no claim on it; its fitted exponents in the last "
            "section are those of a floor). P1's bound N^(-beta/(4k)) at the largest N "
            f"(k = 1; {bounds}) lies at or below the floor: consistent with the data, but not "
            "testable through delta* at this m. The resolvable part of the bound is the "
            "precision (section 'Distance to M'). The ordering is established: the coarse "
            "samplers' law reaches the floor of m samples at small N (listed above), while the "
            "empirical measure of the N training points (what the exact empirical score "
            "reproduces) resolves only ~ (log N / N)^(1/k); where m > N at the largest N, "
            "delta_emp/floor > 1 measures directly how much finer the coarse law covers M.",
        ]
    return "\n".join(lines)
