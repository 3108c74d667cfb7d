"""Study-specific figures and tables of the P2 tempered-Langevin studies (``Study.figures``).

Each function is ``figure(df, outdir) -> markdown``: it reads the tidy results table only (columns
``p_<name>`` for the study parameters, ``metric``, ``value``), writes its files into ``outdir`` and
returns the markdown section the report embeds (Li, Shen, Hsieh, He 2026, Thm 5.1-5.2).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = [
    "phase_diagram_figure",
    "chains_figure",
    "mixing_figure",
    "circle_experiment_figure",
    "col",
    "pivot_metric",
]

# SCIENCE.md reference values (exact quadrature, unit circle, von Mises kappa = 4, mean pi)
REFERENCE_TV = {
    0.5: {0.03: 0.210, 0.01: 0.125, 0.003: 0.0694, 0.001: 0.0402},
    1.0: {0.03: 0.0381, 0.01: 0.0127, 0.003: 0.00382, 0.001: 0.00127},
    1.5: {0.03: 6.6e-3, 0.01: 1.27e-3, 0.003: 2.1e-4, 0.001: 4.0e-5},
}


def col(df, name: str) -> str:
    """The column of parameter ``name`` in a tidy table (``name`` or ``p_name``)."""
    if name in df.columns:
        return name
    return f"p_{name}"


def pivot_metric(df, metric: str):
    """Rows of ``metric`` with the parameter columns renamed without their ``p_`` prefix."""
    sub = df[df["metric"] == metric].copy()
    sub.columns = [c[2:] if c.startswith("p_") else c for c in sub.columns]
    return sub


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def phase_diagram_figure(df, outdir) -> str:
    """Heat map of the TV to uniform at the smallest sigma and of the fitted sigma-slope over
    (alpha, beta_err), TV-vs-sigma curves per beta_err, and the SCIENCE.md reference table."""
    plt = _plt()
    outdir = Path(outdir)
    tv = pivot_metric(df, "tv")
    if tv.empty:
        return "No TV results."
    tv["sigma"] = tv["sigma"].astype(float)
    grad = tv[tv["kind"] == "gradient"].copy()
    grad["beta_label"] = np.where(
        grad["c_err"].astype(float) == 0.0, "exact", grad["beta_err"].map(lambda b: f"{b:g}")
    )
    labels = ["exact"] + [f"{b:g}" for b in sorted(grad["beta_err"].unique()) if True]
    labels = list(dict.fromkeys(lab for lab in labels if lab in set(grad["beta_label"])))
    alphas = sorted(grad["alpha"].astype(float).unique())
    smin = grad["sigma"].min()
    heat = np.full((len(labels), len(alphas)), np.nan)
    slope = np.full_like(heat, np.nan)
    for i, lab in enumerate(labels):
        for j, a in enumerate(alphas):
            g = grad[(grad["beta_label"] == lab) & (grad["alpha"].astype(float) == a)]
            g = g.groupby("sigma")["value"].mean().sort_index()
            if g.empty:
                continue
            heat[i, j] = g.loc[smin] if smin in g.index else np.nan
            if g.size >= 2:
                x = np.log(g.index.to_numpy())
                # slope over the three smallest sigmas: the asymptotic regime
                k = min(3, g.size)
                slope[i, j] = np.polyfit(x[:k], np.log(g.to_numpy()[:k]), 1)[0]
    fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
    for ax, M, title, cmap in (
        (axes[0], heat, f"TV to uniform at sigma = {smin:g}", "viridis"),
        (axes[1], slope, "local slope d log TV / d log sigma (3 smallest sigma)", "coolwarm"),
    ):
        im = ax.imshow(M, aspect="auto", cmap=cmap, origin="lower")
        ax.set_xticks(range(len(alphas)), [f"{a:g}" for a in alphas])
        ax.set_yticks(range(len(labels)), labels)
        ax.set_xlabel("alpha")
        ax.set_ylabel("beta_err")
        ax.set_title(title, fontsize=9)
        for i in range(M.shape[0]):
            for j in range(M.shape[1]):
                if np.isfinite(M[i, j]):
                    ax.text(j, i, f"{M[i, j]:.2g}", ha="center", va="center", fontsize=7,
                            color="w" if cmap == "viridis" and M[i, j] < 0.5 else "k")  # fmt: skip
        fig.colorbar(im, ax=ax)
    fig.tight_layout()
    fig.savefig(outdir / "phase_diagram.png", dpi=120)
    plt.close(fig)
    # TV vs sigma per beta label
    fig, axes = plt.subplots(1, len(labels), figsize=(3.2 * len(labels), 3.2), sharey=True)
    axes = np.atleast_1d(axes)
    for ax, lab in zip(axes, labels, strict=True):
        g = grad[grad["beta_label"] == lab]
        for a in alphas:
            ga = g[g["alpha"].astype(float) == a].groupby("sigma")["value"].mean().sort_index()
            if not ga.empty:
                ax.loglog(ga.index, ga.to_numpy(), "o-", ms=3, label=f"alpha={a:g}")
        ax.set_title(f"beta_err = {lab}", fontsize=9)
        ax.set_xlabel("sigma")
    axes[0].set_ylabel("TV to uniform (720 bins)")
    axes[-1].legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(outdir / "tv_vs_sigma.png", dpi=120)
    plt.close(fig)
    # reference table
    lines = [
        "### Phase diagram (exact quadrature of p_sigma^(sigma^alpha))",
        "",
        "![phase diagram](phase_diagram.png)",
        "",
        "Left: TV between the angular marginal of the stationary law and the uniform law (720 "
        "bins) at the smallest sigma; right: its local sigma-slope. Rows: exact score, then the "
        "corrupted score s - sigma^beta_err grad phi. Converges (slope > 0) iff "
        "alpha > max(-beta_err, 0); plateau (slope 0, TV ~ 0.1) at alpha = -beta_err; collapse "
        "(TV -> 1) below.",
        "",
        "![TV vs sigma](tv_vs_sigma.png)",
        "",
        "### SCIENCE.md reference values (exact score)",
        "",
        "| alpha | sigma | reference | computed | rel. diff |",
        "|---|---|---|---|---|",
    ]
    ex = grad[grad["beta_label"] == "exact"]
    for a, ref in REFERENCE_TV.items():
        for s, v in ref.items():
            m = ex[np.isclose(ex["alpha"].astype(float), a) & np.isclose(ex["sigma"], s)]
            if m.empty:
                continue
            c = float(m["value"].mean())
            lines.append(f"| {a:g} | {s:g} | {v:.3g} | {c:.4g} | {abs(c - v) / v:.1%} |")
    lines.append("")
    rot = tv[tv["kind"] == "rotational"]
    if not rot.empty:
        lines += [
            "### Non-gradient (rotational) errors, Thm 5.2",
            "",
            "| alpha | beta_err | TV at the smallest sigma | predicted exponent "
            "max(alpha, -beta_err) |",
            "|---|---|---|---|",
        ]
        sm = rot["sigma"].min()
        for (a, b), g in rot.groupby(["alpha", "beta_err"]):
            v = g[g["sigma"] == sm]["value"].mean()
            lines.append(f"| {a:g} | {b:g} | {v:.3g} | {max(a, -b):g} |")
        lines.append("")
    return "\n".join(lines)


def chains_figure(df, outdir) -> str:
    """Monte-Carlo chains against the exact stationary law: z-scores of E cos t and E cos 2t,
    KS p-values, widths (table), and the MC-vs-quadrature moments plot."""
    plt = _plt()
    outdir = Path(outdir)
    names = ["m1_mc", "m1_quad", "m1_se", "m1_z", "m2_mc", "m2_quad", "m2_z", "ks_p",
             "width_ratio", "tv_mc", "tv_floor", "steps"]  # fmt: skip
    keys = ["kind", "c_err", "alpha", "beta_err", "sigma"]
    tabs = {}
    for nm in names:
        sub = pivot_metric(df, nm)
        if sub.empty:
            continue
        tabs[nm] = sub.groupby(keys)["value"]
    if "m1_z" not in tabs:
        return "No chain results."
    m1z = pivot_metric(df, "m1_z")
    groups = m1z.groupby(keys)
    lines = [
        "### Chains against the exact stationary law",
        "",
        "Per grid point (seeds pooled): E cos t from the chains (mean over seeds, its standard "
        "error from the chain-wise time averages, pooled over seeds) against the quadrature; "
        "z = (MC - quadrature) / SE, with the per-seed z-scores combined as sum z / sqrt(seeds) "
        "(standard normal if the chains sample the law); the same for E cos 2t; the KS p-values "
        "of the final angles against the quadrature CDF (min over seeds, and the fraction below "
        "0.01); the ratio of the measured normal width to sigma^(1-alpha/2)-law width / "
        "sqrt(1 - h/2) (Euler-Maruyama).",
        "",
        "| kind | c_err | alpha | beta_err | sigma | E cos t MC | quad | z | E cos 2t MC | quad "
        "| z | KS p min | KS p<0.01 | width ratio | steps |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    pts_x, pts_y, pts_e = [], [], []
    for key, _g in groups:

        def mean(nm, key=key):
            return float(tabs[nm].get_group(key).mean()) if nm in tabs else np.nan

        def pooled_z(nm, key=key):
            z = tabs[nm].get_group(key).to_numpy()
            return float(z.sum() / np.sqrt(z.size))

        ks = tabs["ks_p"].get_group(key).to_numpy()
        se = tabs["m1_se"].get_group(key).to_numpy()
        lines.append(
            f"| {key[0]} | {key[1]:g} | {key[2]:g} | {key[3]:g} | {key[4]:g} "
            f"| {mean('m1_mc'):.4f} | {mean('m1_quad'):.4f} | {pooled_z('m1_z'):+.2f} "
            f"| {mean('m2_mc'):.4f} | {mean('m2_quad'):.4f} | {pooled_z('m2_z'):+.2f} "
            f"| {ks.min():.3f} | {np.mean(ks < 0.01):.2f} | {mean('width_ratio'):.4f} "
            f"| {mean('steps'):.0f} |"
        )
        pts_x.append(mean("m1_quad"))
        pts_y.append(mean("m1_mc"))
        pts_e.append(float(np.sqrt(np.sum(se**2)) / se.size))
    fig, ax = plt.subplots(figsize=(4.2, 4))
    ax.errorbar(pts_x, pts_y, yerr=2 * np.asarray(pts_e), fmt="o", ms=3)
    lim = [min(pts_x + pts_y) - 0.02, max(pts_x + pts_y) + 0.02]
    ax.plot(lim, lim, "k--", lw=0.8)
    ax.set_xlabel("E cos t, exact quadrature")
    ax.set_ylabel("E cos t, chains (+- 2 SE)")
    fig.tight_layout()
    fig.savefig(outdir / "chains_vs_quadrature.png", dpi=120)
    plt.close(fig)
    lines += ["", "![chains vs quadrature](chains_vs_quadrature.png)", ""]
    return "\n".join(lines)


def mixing_figure(df, outdir) -> str:
    """Relaxation time (SDE time and hat-form steps) of plain and TS Langevin against sigma."""
    plt = _plt()
    outdir = Path(outdir)
    lt = pivot_metric(df, "log_t_relax")
    ls = pivot_metric(df, "log10_steps")
    if lt.empty:
        return "No mixing results."
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    lines = [
        "### Relaxation of plain vs tempered Langevin (double-well-corrupted circle)",
        "",
        "![mixing](mixing.png)",
        "",
        "| alpha | sigma | log t_relax (SDE time) | log10 steps (h = 0.1) |",
        "|---|---|---|---|",
    ]
    for a, g in lt.groupby("alpha"):
        g = g.sort_values("sigma")
        gs = ls[ls["alpha"] == a].sort_values("sigma")
        axes[0].semilogx(g["sigma"], g["value"], "o-", ms=3, label=f"alpha={a:g}")
        axes[1].semilogx(gs["sigma"], gs["value"], "o-", ms=3, label=f"alpha={a:g}")
        for (_, r), (_, q) in zip(g.iterrows(), gs.iterrows(), strict=True):
            lines.append(f"| {a:g} | {r['sigma']:g} | {r['value']:.4g} | {q['value']:.4g} |")
    axes[0].set_yscale("symlog")
    axes[0].set_ylabel("log t_relax (SDE time)")
    axes[1].set_yscale("symlog")
    axes[1].set_ylabel("log10 steps to relax")
    for ax in axes:
        ax.set_xlabel("sigma")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(outdir / "mixing.png", dpi=120)
    plt.close(fig)
    lines.append("")
    return "\n".join(lines)


def circle_experiment_figure(df, outdir) -> str:
    """Angle histograms of reverse diffusion, TS-1 and plain Langevin (exact and O(1)-error
    score) against the data law p, the uniform law and the exact stationary law, with TV and KS."""
    plt = _plt()
    from .paper_figures_p2 import HIST_BINS, quartic_phi
    from .stationary import tempered_stationary_law

    outdir = Path(outdir)
    wide = df.copy()
    wide.columns = [c[2:] if c.startswith("p_") else c for c in wide.columns]
    samplers = [s for s in ("reverse_sde", "plain", "ts") if s in set(wide["sampler"])]
    errors = [e for e in ("none", "quartic") if e in set(wide["error"])]
    if not samplers:
        return "No results."
    t = np.linspace(0, 2 * np.pi, 721)
    p = np.exp(4.0 * np.cos(t - np.pi))
    p /= np.trapezoid(p, t)
    sig = float(wide["sigma"].iloc[0]) if "sigma" in wide.columns else 0.01
    fig, axes = plt.subplots(len(errors), len(samplers), figsize=(4 * len(samplers),
                             3.2 * len(errors)), squeeze=False)  # fmt: skip
    lines = [
        "### Controlled O(1)-error experiment on the circle (the paper's synthetic figure)",
        "",
        "![angle histograms](circle_experiment.png)",
        "",
        "Angle histograms (72 bins, density scale) against the data law p (von Mises 4, pi; "
        "black), the uniform law (grey) and the exact stationary law of the sampler (red, "
        "quadrature; Langevin samplers only). TV on 72 bins with the sampling floor of the "
        "sample size in brackets; KS statistics.",
        "",
        "| score | sampler | steps | TV to p [floor] | KS to p | TV to uniform [floor] "
        "| KS to uniform | TV to stationary law | KS to stationary law |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    width = 2 * np.pi / HIST_BINS
    for i, err in enumerate(errors):
        for j, smp in enumerate(samplers):
            ax = axes[i, j]
            g = wide[(wide["sampler"] == smp) & (wide["error"] == err)]
            if g.empty:
                ax.axis("off")
                continue
            m = g.groupby("metric")["value"].mean()
            h = np.array([m.get(f"h{k:02d}", 0.0) for k in range(HIST_BINS)])
            centers = (np.arange(HIST_BINS) + 0.5) * width
            ax.bar(centers, h / (h.sum() * width), width=width, color="C0", alpha=0.6)
            ax.plot(t, p, "k-", lw=1, label="data p")
            ax.axhline(1 / (2 * np.pi), color="0.5", lw=1, label="uniform")
            if smp in ("ts", "plain"):
                a = 1.0 if smp == "ts" else 0.0
                c = 0.0 if err == "none" else 1.0
                law = tempered_stationary_law(
                    sig, a, c_err=c, beta_err=0.0, phi=quartic_phi, sub=4, n_r=48
                )
                ax.plot(law.theta, law.density, "r-", lw=1, label="stationary law")
            ax.set_title(
                f"{smp}, error={err}\nTV(p)={m['tv_p']:.3f} TV(unif)={m['tv_uniform']:.3f} "
                f"KS(unif)={m['ks_uniform']:.3f}",
                fontsize=8,
            )
            ax.set_xlabel("angle t")

            def fmt(k, m=m):
                v = m.get(k, -1.0)
                return "-" if v < 0 else f"{v:.3f}"

            lines.append(
                f"| {err} | {smp} | {m['steps']:.0f} | {m['tv_p']:.3f} [{m['tv_p_floor']:.3f}] "
                f"| {m['ks_p']:.3f} | {m['tv_uniform']:.3f} [{m['tv_uniform_floor']:.3f}] "
                f"| {m['ks_uniform']:.3f} | {fmt('tv_stationary')} | {fmt('ks_stationary')} |"
            )
    axes[0, 0].legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(outdir / "circle_experiment.png", dpi=120)
    plt.close(fig)
    hist_rows = wide[wide["metric"].str.match(r"h\d\d$")]
    n_chains = float(hist_rows["value"].sum()) / max(1, (wide["metric"] == "h00").sum())
    lines += [
        "",
        f"KS 1 % critical value for n = {n_chains:.0f} chains: 1.63 / sqrt(n) = "
        f"{1.63 / np.sqrt(max(n_chains, 1.0)):.4f}.",
        "",
    ]
    return "\n".join(lines)
